"""Smoke test of the frozen app: the bundle (the `bundle` fixture in conftest.py builds it, or
takes $LANDSCAPE_FROZEN_DIST), its contents and licences, and its commands.

Under pytest-xvfb the frozen `landscape screenshot` opens the real window on Xvfb with Mesa.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest

from tests.packaging.support import load_packaging_module

pytestmark = pytest.mark.frozen

ROOT = Path(__file__).resolve().parents[2]
FORMULA = "x^2+3xy+y^2"
SCREENSHOT_SIZE = (1600, 1000)


build = load_packaging_module("build")


def _run(command, timeout=120, **kwargs):
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
        **kwargs,
    )


def _timed(command, timeout=120):
    started = time.monotonic()
    done = _run(command, timeout=timeout)
    return done, time.monotonic() - started


def _pixels(path: Path) -> np.ndarray:
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not a readable image"
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return rows[:, : width * 3].reshape(height, width, 3).astype(int)


def _region(pixels: np.ndarray, x0, x1, y0, y1) -> np.ndarray:
    height, width, _ = pixels.shape
    return pixels[int(y0 * height) : int(y1 * height), int(x0 * width) : int(x1 * width)]


def _distinct_colours(region: np.ndarray) -> int:
    flat = region.reshape(-1, 3)
    return len(np.unique(flat[:, 0] * 65536 + flat[:, 1] * 256 + flat[:, 2]))


def _viridis_share(region: np.ndarray) -> float:
    """Share of pixels within 20 (RGB distance) of some colour of the viridis colormap."""
    import pyqtgraph

    lut = pyqtgraph.colormap.get("viridis").getLookupTable(nPts=256)[:, :3].astype(int)
    flat = region.reshape(-1, 3)[::3]  # every third pixel is plenty
    distance = np.sqrt(((flat[:, None, :] - lut[None, :, :]) ** 2).sum(-1)).min(axis=1)
    return float((distance < 20).mean())


def test_bundle_is_complete_and_trimmed(bundle, timings):
    assert bundle.gui.is_file() and os.access(bundle.gui, os.X_OK)
    assert bundle.cli.is_file() and os.access(bundle.cli, os.X_OK)
    size, files = build.folder_size(bundle.root)
    timings["bundle size (MB)"] = size / 1e6
    # Untrimmed, PyInstaller bundles scipy, IPython, tkinter and all of Qt's plugins here:
    # 379 MB on Linux. Trimmed it is about 180 MB; 300 MB leaves room for other platforms.
    assert size < 300e6, f"the bundle grew to {size / 1e6:.0f} MB in {files} files"
    every_path = [path.relative_to(bundle.root).as_posix() for path in bundle.root.rglob("*")]
    unwanted = [
        r"(^|/)(scipy|IPython|tkinter|matplotlib|pytest)/",  # packages
        r"PIL/_(imagingtk|imagingcms|avif|webp)",  # Pillow parts the GIF export does not use
        r"_tkinter|QtNetwork|Qt6Network|QtQml|Qt6Pdf",  # modules and libraries
        r"/translations/|qgtk3|qvnc|qeglfs",  # Qt translations and plugins
        r"(^|/)sympy/.*/tests/",
    ]
    for pattern in unwanted:
        bundled = [path for path in every_path if re.search(pattern, path)]
        assert not bundled, f"bundled though unused: {bundled[:5]}"
    # What the app loads at run time: the maths fonts, its icon, the SVG plugins.
    needed_files = ("STIXTwoMath-Regular.ttf", "DejaVuSans.ttf", "landscape.svg", "qsvg")
    for needed in (*needed_files, "PIL/_imaging."):  # Python modules live in the archive
        assert any(needed in path for path in every_path), f"{needed} is missing"


def test_archive_holds_the_bundle(bundle):
    assert bundle.archive is not None and bundle.archive.stat().st_size > 10e6
    if sys.platform.startswith("linux"):
        with tarfile.open(bundle.archive) as tar:
            members = {member.name: member for member in tar.getmembers()}
        for name in (
            "landscape/landscape",
            "landscape/install.sh",
            "landscape/uninstall.sh",
            "landscape/share/applications/landscape.desktop",
            "landscape/share/mime/packages/landscape.xml",
            "landscape/share/icons/hicolor/16x16/apps/landscape.png",
            "landscape/share/icons/hicolor/512x512/apps/landscape.png",
            "landscape/share/icons/hicolor/scalable/apps/landscape.svg",
            "landscape/_internal/licenses/README.txt",
        ):
            assert name in members, f"{name} is not in {bundle.archive.name}"
        assert members["landscape/landscape"].mode & 0o111, "the executable lost its x bit"


def test_bundle_ships_the_licences_of_what_it_redistributes(bundle):
    import importlib.metadata

    index = (bundle.licenses / "README.txt").read_text(encoding="utf-8")
    folders = sorted(path.name for path in bundle.licenses.iterdir() if path.is_dir())
    for folder in folders:
        assert f" {folder}/" in index, f"the index does not list {folder}"

    def texts_of(distribution):
        # Named with the version bundled, which is the one installed here (the build's).
        version = importlib.metadata.version(distribution)
        [found] = [f for f in folders if f.lower() == f"{distribution}-{version}".lower()]
        return bundle.licenses / found

    qt = texts_of("PySide6_Essentials")
    lgpl = (qt / "LGPL-3.0.txt").read_text(encoding="utf-8").split()
    assert lgpl[:7] == ["GNU", "LESSER", "GENERAL", "PUBLIC", "LICENSE", "Version", "3,"]
    assert "GNU GENERAL PUBLIC LICENSE" in (qt / "GPL-3.0.txt").read_text(encoding="utf-8")
    assert "LGPL-3.0-only" in index and "replace them with your own build" in index
    expected = {
        ("numpy", "LICENSE.txt"): "NumPy Developers",
        ("sympy", "LICENSE"): "SymPy Development Team",
        ("pyqtgraph", "LICENSE.txt"): "Luke Campagnola",
        ("PyOpenGL", "PyOpenGL-license.txt"): "Michael C. Fletcher",
    }
    for (distribution, name), author in expected.items():
        assert author in (texts_of(distribution) / name).read_text(encoding="utf-8")
    [app] = [f for f in folders if f.startswith("Landscape-")]
    assert (bundle.licenses / app / "LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()


def test_screenshot_from_the_frozen_app_shows_the_landscape(bundle, tmp_path, timings):
    frozen_png = tmp_path / "frozen.png"
    size = [str(n) for n in SCREENSHOT_SIZE]
    command = [bundle.gui, "screenshot", "-f", FORMULA, "--size", *size, "-o", frozen_png]
    done, seconds = _timed(command)
    assert done.returncode == 0, done.stderr
    pixels = _pixels(frozen_png)
    assert pixels.shape == (SCREENSHOT_SIZE[1], SCREENSHOT_SIZE[0], 3)

    # The 3D surface (middle) and the contour map (right), well inside their panels.
    surface = _region(pixels, 0.27, 0.60, 0.12, 0.72)
    contour = _region(pixels, 0.63, 0.93, 0.12, 0.70)
    # A GL view that failed to draw is one flat colour; a drawn one is shaded viridis.
    assert _distinct_colours(surface) > 1000
    red, green, blue = surface[..., 0], surface[..., 1], surface[..., 2]
    coloured = (surface.max(-1) - surface.min(-1)) > 40
    assert coloured.mean() > 0.05, "the 3D view shows no coloured surface"
    assert ((green > red + 20) & (green > blue)).mean() > 0.005, "no green heights in 3D"
    assert (blue > green + 20).mean() > 0.02, "no blue/purple heights in 3D"
    # The contour map is filled with viridis: most of it lies on the colormap.
    assert _distinct_colours(contour) > 1000
    assert _viridis_share(contour) > 0.4

    # And it is the picture the app draws when run from source.
    source_png = tmp_path / "source.png"
    source = [sys.executable, "-m", "landscape_gui", "screenshot", "-f", FORMULA]
    done, _ = _timed([*source, "--size", *size, "-o", source_png])
    assert done.returncode == 0, done.stderr
    differs = np.abs(pixels - _pixels(source_png)).max(-1) > 40
    assert differs.mean() < 0.05, f"{differs.mean():.1%} of pixels differ from the source app"


def test_info_json_from_the_frozen_app(bundle):
    done = _run([bundle.cli, "info", "-f", FORMULA, "--json"])
    assert done.returncode == 0, done.stderr
    # The windowed executable's standard output reaches us (on Windows: the console twin's).
    result = json.loads(done.stdout)
    import sympy

    x, y = sympy.symbols("x y")

    def parsed(text):
        return sympy.sympify(text.replace("^", "**"), locals={"x": x, "y": y})

    # By hand: f = x^2 + 3xy + y^2, f_x = 2x + 3y, f_y = 3x + 2y; the Hessian [[2, 3], [3, 2]]
    # has determinant -5 < 0, so the one critical point (0, 0) is a saddle with f = 0.
    assert sympy.expand(parsed(result["f"]) - (x**2 + 3 * x * y + y**2)) == 0
    assert sympy.expand(parsed(result["df_dx"]) - (2 * x + 3 * y)) == 0
    assert sympy.expand(parsed(result["df_dy"]) - (3 * x + 2 * y)) == 0
    [point] = result["critical_points"]
    assert (point["x"], point["y"], point["kind"], point["f"]) == (0, 0, "saddle", 0)
    source = _run([sys.executable, "-m", "landscape_gui", "info", "-f", FORMULA, "--json"])
    assert json.loads(source.stdout) == result


def test_descend_from_the_frozen_app(bundle):
    command = ["descend", "-f", "x^2+y^2", "--start", "1", "1", "--lr", "0.1", "--steps", "5"]
    done = _run([bundle.cli, *command])
    assert done.returncode == 0, done.stderr
    rows = list(
        csv.DictReader(line for line in io.StringIO(done.stdout) if not line.startswith("#"))
    )
    # By hand: each step is p - 0.1 * 2p = 0.8 p, so after k steps x = y = 0.8^k.
    assert [int(row["step"]) for row in rows] == [0, 1, 2, 3, 4, 5]
    for row in rows:
        expected = 0.8 ** int(row["step"])
        assert float(row["x"]) == pytest.approx(expected, rel=1e-12)
        assert float(row["y"]) == pytest.approx(expected, rel=1e-12)
        assert float(row["f"]) == pytest.approx(2 * expected**2, rel=1e-12)
    assert "max-steps after 5 steps" in done.stderr
    source = _run([sys.executable, "-m", "landscape_gui", *command])
    assert source.stdout == done.stdout


def test_bad_input_from_the_frozen_app(bundle):
    done = _run([bundle.cli, "info", "-f", "sinn(x)"])
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "sinn" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_frozen_start_up_is_not_much_slower_than_from_source(bundle, tmp_path, timings):
    """Start-up to a drawn window, as wall time of the screenshot command, best of two."""
    size = [str(n) for n in SCREENSHOT_SIZE]

    def best_of_two(executable_args):
        times = []
        for attempt in range(2):
            out = tmp_path / f"shot{attempt}.png"
            done, seconds = _timed([*executable_args, "-f", FORMULA, "--size", *size, "-o", out])
            assert done.returncode == 0, done.stderr
            times.append(seconds)
        return min(times)

    frozen = best_of_two([bundle.gui, "screenshot"])
    source = best_of_two([sys.executable, "-m", "landscape_gui", "screenshot"])
    _, frozen_version = _timed([bundle.cli, "--version"])
    _, source_version = _timed([sys.executable, "-m", "landscape_gui", "--version"])
    timings["screenshot, frozen"] = frozen
    timings["screenshot, from source"] = source
    timings["--version, frozen"] = frozen_version
    timings["--version, from source"] = source_version
    assert frozen < 4 * source + 5, f"frozen {frozen:.1f} s vs source {source:.1f} s"
