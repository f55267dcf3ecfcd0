"""Build the double-clickable app for this platform: icons, PyInstaller bundle, archive.

    python packaging/build.py [--dist DIR] [--work DIR] [--no-archive]

Linux:   dist/landscape/ (run `landscape`, or `install.sh` inside it to add it to the desktop
         menu and open .landscape files) and dist/landscape-VERSION-linux-ARCH.tar.gz
Windows: dist/landscape/landscape.exe (+ landscape-cli.exe) and a .zip of the folder
macOS:   dist/Landscape.app and a .zip of it

Needs the build requirements: pip install -r packaging/requirements.txt
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import icons  # noqa: E402 (packaging/icons.py)

SPEC = HERE / "landscape.spec"
NAME = "landscape"
APP_NAME = "Landscape"
MIME_TYPE = "application/x-landscape-session"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def version() -> str:
    """The package version, read without importing the package (and so without Qt)."""
    text = (ROOT / "landscape_gui" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"""^__version__ = ["']([^"']+)["']""", text, re.MULTILINE)
    if match is None:
        raise RuntimeError("no __version__ in landscape_gui/__init__.py")
    return match.group(1)


def platform_tag() -> str:
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    if system.startswith("linux"):
        system = "linux"
    machine = platform.machine().lower().replace("amd64", "x86_64").replace("aarch64", "arm64")
    return f"{system}-{machine}"


@dataclass
class Bundle:
    """Where a build put things; the smoke test reads it too."""

    root: Path  # the folder (Linux, Windows) or the .app (macOS) a user gets
    gui: Path  # double-click this
    cli: Path  # run this in a terminal (differs from gui on Windows only)
    archive: Path | None = None

    @property
    def licenses(self) -> Path:
        """The licence texts of everything bundled, with their index, README.txt."""
        if self.root.suffix == ".app":
            return self.root / "Contents" / "Resources" / "licenses"
        return self.root / "_internal" / "licenses"


def bundle_paths(dist: Path) -> Bundle:
    """The executables inside a bundle built into ``dist`` on this platform."""
    if sys.platform == "darwin":
        app = dist / f"{APP_NAME}.app"
        executable = app / "Contents" / "MacOS" / NAME
        return Bundle(app, executable, executable)
    folder = dist / NAME
    if sys.platform == "win32":
        return Bundle(folder, folder / f"{NAME}.exe", folder / f"{NAME}-cli.exe")
    return Bundle(folder, folder / NAME, folder / NAME)


def folder_size(path: Path) -> tuple[int, int]:
    """Total bytes and number of files under ``path`` (symbolic links count as nothing)."""
    total = files = 0
    for folder, _dirs, names in os.walk(path):
        for name in names:
            file = Path(folder, name)
            if not file.is_symlink():
                total += file.stat().st_size
                files += 1
    return total, files


def run_pyinstaller(dist: Path, work: Path, icon_dir: Path) -> None:
    env = dict(os.environ, LANDSCAPE_ICON_DIR=str(icon_dir))
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    subprocess.run(command, check=True, env=env, cwd=ROOT)


def stage_linux_files(folder: Path, icon_dir: Path) -> None:
    """Put what install.sh needs inside the bundle: the desktop entry, MIME type, icons."""
    linux = HERE / "linux"
    share = folder / "share"
    (share / "applications").mkdir(parents=True, exist_ok=True)
    shutil.copy2(linux / "landscape.desktop", share / "applications" / "landscape.desktop")
    (share / "mime" / "packages").mkdir(parents=True, exist_ok=True)
    shutil.copy2(linux / "landscape-mime.xml", share / "mime" / "packages" / "landscape.xml")
    hicolor = share / "icons" / "hicolor"
    for size in HICOLOR_SIZES:
        target = hicolor / f"{size}x{size}" / "apps"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(icon_dir / f"{icons.ICON_NAME}-{size}.png", target / "landscape.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True, exist_ok=True)
    shutil.copy2(icon_dir / "landscape.svg", hicolor / "scalable" / "apps" / "landscape.svg")
    for script in ("install.sh", "uninstall.sh"):
        shutil.copy2(linux / script, folder / script)
        (folder / script).chmod(0o755)


def make_archive(bundle: Bundle, dist: Path) -> Path:
    """The bundle as one file to hand out: .tar.gz on Linux (keeps modes and links), else .zip."""
    base = dist / f"{NAME}-{version()}-{platform_tag()}"
    if sys.platform.startswith("linux"):
        archive = base.with_name(base.name + ".tar.gz")
        with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
            tar.add(bundle.root, arcname=bundle.root.name)
        return archive
    archive = base.with_name(base.name + ".zip")
    if sys.platform == "darwin":
        # ditto keeps the .app's symbolic links and extended attributes; zipfile would not.
        subprocess.run(
            ["ditto", "-c", "-k", "--keepParent", str(bundle.root), str(archive)], check=True
        )
        return archive
    shutil.make_archive(str(base), "zip", root_dir=dist, base_dir=bundle.root.name)
    return archive


def build(dist: Path, work: Path, archive: bool = True) -> Bundle:
    """Render the icons, run PyInstaller, add the desktop files, archive; return the paths."""
    icon_dir = work / "icons"
    icons.build_icons(icon_dir)
    run_pyinstaller(dist, work, icon_dir)
    bundle = bundle_paths(dist)
    if sys.platform.startswith("linux"):
        stage_linux_files(bundle.root, icon_dir)
    if archive:
        bundle.archive = make_archive(bundle, dist)
    return bundle


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "pyinstaller", help="scratch folder"
    )
    parser.add_argument("--no-archive", action="store_true", help="skip the .tar.gz/.zip")
    args = parser.parse_args(argv)
    started = time.monotonic()
    bundle = build(args.dist.resolve(), args.work.resolve(), archive=not args.no_archive)
    size, files = folder_size(bundle.root)
    lines = [
        f"{APP_NAME} {version()} ({platform_tag()}) built in {time.monotonic() - started:.0f} s",
        f"  bundle:  {bundle.root}  {_megabytes(size)} in {files} files",
        f"  run:     {bundle.gui}",
    ]
    if bundle.cli != bundle.gui:
        lines.append(f"  console: {bundle.cli}")
    if bundle.archive:
        lines.append(f"  archive: {bundle.archive}  {_megabytes(bundle.archive.stat().st_size)}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
