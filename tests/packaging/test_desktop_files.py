"""The icon, the Linux desktop entry and MIME type, and install.sh/uninstall.sh (no PyInstaller).

install.sh is run against a stand-in bundle (a shell script where the frozen app would be)
inside a throw-away HOME, so these tests are quick and touch nothing of the user's.
"""

from __future__ import annotations

import configparser
import os
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.packaging.support import assert_same_tree, load_packaging_module, tree

ROOT = Path(__file__).resolve().parents[2]
MIME_TYPE = "application/x-landscape-session"
# desktop-file-utils and shared-mime-info are freedesktop.org tools: Linux has them, macOS (where
# CI runs these tests too, for install.sh's shell) does not.
freedesktop_tools = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="freedesktop.org tools exist on Linux only"
)


icons = load_packaging_module("icons")
build = load_packaging_module("build")


def _rgba(png: bytes) -> np.ndarray:
    from PySide6.QtGui import QImage

    image = QImage.fromData(png).convertToFormat(QImage.Format.Format_RGBA8888)
    width, height = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * height)
    return rows.reshape(height, -1)[:, : width * 4].reshape(height, width, 4).astype(int)


def test_the_app_loads_the_same_icon_as_the_master():
    runtime = ROOT / "landscape_gui" / "resources" / "landscape.svg"
    assert runtime.read_bytes() == icons.MASTER_SVG.read_bytes()


@pytest.mark.parametrize("size", [16, 32, 256])
def test_icon_renders_its_parts_at_every_size(size):
    pixels = _rgba(icons.render_png(icons.MASTER_SVG, size))
    assert pixels.shape == (size, size, 4)
    red, green, blue, alpha = (pixels[..., i] for i in range(4))
    assert alpha[0, 0] == 0, "the rounded corner should be transparent"
    assert alpha[size // 2, size // 2] == 255
    # Viridis' yellow high ground (#fde725), the descent's red (#ff2d55) and the dark minimum.
    yellow = (red > 220) & (green > 200) & (blue < 90)
    path_red = (red > 200) & (green < 110) & (blue > 40) & (blue < 140)
    dark_blue = (blue > green + 15) & (red > 40) & (red < 110)
    pixels_per_sixteenth = (size / 16) ** 2
    assert yellow.sum() > 40 * pixels_per_sixteenth
    assert path_red.sum() >= 3 * pixels_per_sixteenth
    assert dark_blue.sum() >= 3 * pixels_per_sixteenth


def _png_size(data: bytes) -> tuple[int, int]:
    from PySide6.QtGui import QImage

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage.fromData(data, "PNG")
    assert not image.isNull() and image.hasAlphaChannel()
    return image.width(), image.height()


def test_build_icons_writes_pngs_ico_and_icns(tmp_path):
    written = icons.build_icons(tmp_path)
    for size in icons.PNG_SIZES:
        assert _png_size(written[f"png{size}"].read_bytes()) == (size, size)

    # .ico: reserved 0, type 1 (icon), count; then 16-byte entries (width, height, ...,
    # size, offset) pointing at PNG data. Width 0 means 256.
    ico = written["ico"].read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind, count) == (0, 1, 7)
    found = []
    for index in range(count):
        width, height, _c, _r, planes, bits, size, offset = struct.unpack_from(
            "<BBBBHHII", ico, 6 + 16 * index
        )
        assert (planes, bits) == (1, 32)
        side = width or 256
        assert _png_size(ico[offset : offset + size]) == (side, side)
        found.append(side)
    assert found == [16, 24, 32, 48, 64, 128, 256]

    # .icns: b"icns" + length, then (type, length, PNG). Apple's table: icp4 16 px, icp5 32,
    # ic07 128, ic08 256, ic09 512, and @2x: ic11 32 px, ic12 64, ic13 256, ic14 512, ic10 1024.
    icns = written["icns"].read_bytes()
    assert icns[:4] == b"icns" and struct.unpack_from(">I", icns, 4)[0] == len(icns)
    apple = {
        b"icp4": 16,
        b"icp5": 32,
        b"ic07": 128,
        b"ic08": 256,
        b"ic09": 512,
        b"ic11": 32,
        b"ic12": 64,
        b"ic13": 256,
        b"ic14": 512,
        b"ic10": 1024,
    }
    position, seen = 8, set()
    while position < len(icns):
        kind = icns[position : position + 4]
        (length,) = struct.unpack_from(">I", icns, position + 4)
        side = apple[kind]
        assert _png_size(icns[position + 8 : position + length]) == (side, side)
        seen.add(kind)
        position += length
    assert position == len(icns) and seen == set(apple)


def test_desktop_entry_declares_the_app_and_its_file_type():
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(ROOT / "packaging" / "linux" / "landscape.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Name"] == "Landscape"
    assert desktop["Icon"] == "landscape"
    assert desktop["Exec"] == '"@EXEC@" %f'  # install.sh fills in the path; %f is the file
    assert desktop["Terminal"] == "false"
    assert desktop["MimeType"] == f"{MIME_TYPE};"
    assert desktop["Categories"].endswith(";") and "Education" in desktop["Categories"]


def _desktop_file_validate(path: Path) -> subprocess.CompletedProcess:
    # desktop-file-utils (Debian/Ubuntu and Fedora package of that name) is what
    # desktop-file-install runs before it installs an entry.
    return subprocess.run(
        ["desktop-file-validate", str(path)], capture_output=True, text=True, timeout=30
    )


@freedesktop_tools
def test_desktop_entry_passes_desktop_file_validate():
    done = _desktop_file_validate(ROOT / "packaging" / "linux" / "landscape.desktop")
    # Errors make it exit 1; warnings and hints (two main categories, say) only print.
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout + done.stderr == "", "no warnings or hints either"


def test_mime_type_matches_landscape_files():
    namespace = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    tree = ET.parse(ROOT / "packaging" / "linux" / "landscape-mime.xml")
    [mime] = tree.getroot().findall("m:mime-type", namespace)
    assert mime.get("type") == MIME_TYPE
    assert [g.get("pattern") for g in mime.findall("m:glob", namespace)] == ["*.landscape"]
    assert mime.find("m:sub-class-of", namespace).get("type") == "application/json"


@pytest.fixture
def fake_bundle(tmp_path):
    """A bundle laid out as build.py lays it out, with a script standing in for the app."""
    folder = tmp_path / "dist" / "landscape"
    (folder / "_internal").mkdir(parents=True)
    app = folder / "landscape"
    app.write_text('#!/bin/sh\necho "stand-in landscape $*"\n')
    app.chmod(0o755)
    icon_dir = tmp_path / "icons"
    icons.build_icons(icon_dir)
    build.stage_linux_files(folder, icon_dir)
    return folder


def _run_script(script: Path, home: Path, *args, **environment):
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        **{name: str(value) for name, value in environment.items()},
    }
    return subprocess.run(
        ["sh", str(script), *map(str, args)], capture_output=True, text=True, env=env, timeout=60
    )


def test_install_then_uninstall(fake_bundle, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = _run_script(fake_bundle / "install.sh", home)
    assert done.returncode == 0, done.stderr

    app_dir = home / ".local" / "opt" / "landscape"
    share = home / ".local" / "share"
    executable = app_dir / "landscape"
    assert executable.is_file() and os.access(executable, os.X_OK)
    desktop = (share / "applications" / "landscape.desktop").read_text()
    if sys.platform.startswith("linux"):
        validated = _desktop_file_validate(share / "applications" / "landscape.desktop")
        assert (validated.returncode, validated.stdout + validated.stderr) == (0, "")
    assert f'Exec="{executable}" %f' in desktop.splitlines()
    assert f"TryExec={executable}" in desktop.splitlines()
    for size in build.HICOLOR_SIZES:
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "landscape.png").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / "landscape.svg").is_file()
    assert (share / "mime" / "packages" / "landscape.xml").is_file()
    if shutil.which("update-mime-database"):
        # The database was rebuilt, so *.landscape now maps to our type.
        assert f"{MIME_TYPE}:*.landscape" in (share / "mime" / "globs").read_text()
    link = home / ".local" / "bin" / "landscape"
    assert link.is_symlink() and Path(os.readlink(link)) == executable
    ran = subprocess.run([str(link), "info"], capture_output=True, text=True, timeout=30)
    assert ran.stdout.strip() == "stand-in landscape info"

    # Installing again (an upgrade) replaces the copy in place.
    assert _run_script(fake_bundle / "install.sh", home).returncode == 0

    done = _run_script(app_dir / "uninstall.sh", home)
    assert done.returncode == 0, done.stderr
    assert not app_dir.exists()
    assert not link.exists() and not link.is_symlink()
    assert not (share / "applications" / "landscape.desktop").exists()
    assert not (share / "mime" / "packages" / "landscape.xml").exists()
    assert not list((share / "icons").rglob("landscape.*"))


def test_install_keeps_a_landscape_command_it_did_not_make(fake_bundle, tmp_path):
    home = tmp_path / "home"
    bin_dir = home / ".local" / "bin"
    bin_dir.mkdir(parents=True)
    pip_script = bin_dir / "landscape"
    pip_script.write_text("#!/bin/sh\necho pip\n")
    pip_script.chmod(pip_script.stat().st_mode | stat.S_IXUSR)
    assert _run_script(fake_bundle / "install.sh", home).returncode == 0
    assert _run_script(home / ".local/opt/landscape/uninstall.sh", home).returncode == 0
    assert pip_script.read_text() == "#!/bin/sh\necho pip\n" and not pip_script.is_symlink()


def _lived_in_home(home: Path, data: Path, config: Path, bin_dir: Path) -> None:
    """What a desktop user has before installing: another app's menu entry, file type, default
    application and command, with the caches their tools built."""
    (data / "applications").mkdir(parents=True)
    (data / "applications" / "other.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Other\nExec=other %f\nMimeType=text/x-other;\n"
    )
    (data / "mime" / "packages").mkdir(parents=True)
    (data / "mime" / "packages" / "other.xml").write_text(
        '<?xml version="1.0"?>\n'
        '<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">\n'
        '  <mime-type type="text/x-other"><glob pattern="*.other"/></mime-type>\n'
        "</mime-info>\n"
    )
    subprocess.run(["update-mime-database", str(data / "mime")], check=True, timeout=60)
    subprocess.run(
        ["update-desktop-database", "-q", str(data / "applications")], check=True, timeout=60
    )
    config.mkdir(parents=True)
    (config / "mimeapps.list").write_text(
        "[Added Associations]\ntext/x-other=other.desktop;\n\n"
        "[Default Applications]\ntext/x-other=other.desktop\n"
    )
    bin_dir.mkdir(parents=True)
    (bin_dir / "other").write_text("#!/bin/sh\n")


def _default_for_sessions(mimeapps: Path) -> str | None:
    group = None
    for line in mimeapps.read_text().splitlines():
        if line.startswith("["):
            group = line
        elif group == "[Default Applications]" and line.startswith(f"{MIME_TYPE}="):
            return line.partition("=")[2]
    return None


@pytest.mark.parametrize(
    "lived_in", [False, pytest.param(True, marks=freedesktop_tools)], ids=["fresh", "lived-in"]
)
def test_uninstall_removes_exactly_what_install_added(fake_bundle, tmp_path, lived_in):
    """Uninstall reads what install recorded, so it needs none of the install's environment."""
    home = tmp_path / "home"
    home.mkdir()
    places = {
        "LANDSCAPE_HOME": home / "Apps and tools" / "landscape",
        "XDG_DATA_HOME": home / "data home",
        "XDG_CONFIG_HOME": home / "config home",
        "LANDSCAPE_BIN": home / "my bin",
    }
    if lived_in:
        _lived_in_home(
            home, places["XDG_DATA_HOME"], places["XDG_CONFIG_HOME"], places["LANDSCAPE_BIN"]
        )
    before = tree(home)

    done = _run_script(fake_bundle / "install.sh", home, **places)
    assert done.returncode == 0, done.stderr
    app_dir = places["LANDSCAPE_HOME"]
    assert (app_dir / "landscape").is_file()
    assert (places["LANDSCAPE_BIN"] / "landscape").is_symlink()
    mimeapps = places["XDG_CONFIG_HOME"] / "mimeapps.list"
    assert _default_for_sessions(mimeapps) == "landscape.desktop"
    if lived_in:
        assert "text/x-other=other.desktop" in mimeapps.read_text().splitlines()
    assert (places["XDG_DATA_HOME"] / "mime" / "mime.cache").is_file()
    # An upgrade: installing again over the first install.
    assert _run_script(fake_bundle / "install.sh", home, **places).returncode == 0
    assert set(tree(home)) - set(before), "install added nothing?"

    # Run with none of the install's variables: only the manifest says where things went.
    done = _run_script(app_dir / "uninstall.sh", home)
    assert done.returncode == 0, done.stderr
    assert_same_tree(before, tree(home))


def test_uninstall_keeps_a_default_the_user_chose_after_installing(fake_bundle, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    assert _run_script(fake_bundle / "install.sh", home).returncode == 0
    mimeapps = home / ".config" / "mimeapps.list"
    mimeapps.write_text(f"[Default Applications]\n{MIME_TYPE}=org.gnome.TextEditor.desktop\n")
    done = _run_script(home / ".local" / "opt" / "landscape" / "uninstall.sh", home)
    assert done.returncode == 0, done.stderr
    assert _default_for_sessions(mimeapps) == "org.gnome.TextEditor.desktop"
    assert not (home / ".local" / "opt" / "landscape").exists()


def test_install_keeps_a_default_the_user_chose_before(fake_bundle, tmp_path):
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    mimeapps = home / ".config" / "mimeapps.list"
    chosen = f"[Default Applications]\n{MIME_TYPE}=org.gnome.TextEditor.desktop\n"
    mimeapps.write_text(chosen)
    assert _run_script(fake_bundle / "install.sh", home).returncode == 0
    assert mimeapps.read_text() == chosen
    assert _run_script(home / ".local/opt/landscape/uninstall.sh", home).returncode == 0
    assert mimeapps.read_text() == chosen


def test_install_refuses_to_replace_a_folder_that_is_not_a_bundle(fake_bundle, tmp_path):
    home = tmp_path / "home"
    documents = home / "Documents"
    documents.mkdir(parents=True)
    (documents / "thesis.txt").write_text("years of work")
    done = _run_script(fake_bundle / "install.sh", home, LANDSCAPE_HOME=documents)
    assert done.returncode == 2
    assert "not a Landscape bundle" in done.stderr
    assert (documents / "thesis.txt").read_text() == "years of work"
    assert sorted(p.name for p in home.iterdir()) == ["Documents"]


def test_uninstall_without_a_manifest_removes_nothing(fake_bundle, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    before = tree(tmp_path)
    done = _run_script(fake_bundle / "uninstall.sh", home)
    assert done.returncode == 2
    assert "no install-manifest.txt" in done.stderr
    assert_same_tree(before, tree(tmp_path))


def test_install_refuses_a_folder_without_a_bundle(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = _run_script(ROOT / "packaging" / "linux" / "install.sh", home, tmp_path)
    assert done.returncode == 2
    assert "no Landscape bundle" in done.stderr
    assert not (home / ".local").exists()


def test_archive_holds_the_bundle_under_its_folder_name(fake_bundle, tmp_path):
    bundle = build.Bundle(fake_bundle, fake_bundle / "landscape", fake_bundle / "landscape")
    archive = build.make_archive(bundle, tmp_path)
    version = __import__("landscape_gui").__version__
    assert archive.name.startswith(f"landscape-{version}-{build.platform_tag()}")
    if archive.name.endswith(".tar.gz"):
        with tarfile.open(archive) as tar:
            members = {member.name: member for member in tar.getmembers()}
        assert members["landscape/landscape"].mode & 0o111
    else:
        with zipfile.ZipFile(archive) as package:
            members = set(package.namelist())
    assert "landscape/install.sh" in members
    assert "landscape/share/mime/packages/landscape.xml" in members
