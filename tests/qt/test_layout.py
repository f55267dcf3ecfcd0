"""The window on the screens classrooms really have, in normal and presentation mode.

Each screen size needs its own X screen, so each case starts an Xvfb of that size and runs
tests/qt/layout_probe.py in it (a subprocess with that DISPLAY). The probe opens the real window,
walks it through the lesson's slice, gradient and descent stages in both modes, and reports from
the widgets what does not fit: text that needs more room than its label has or that a container
cuts, plot titles and legends leaving their plot or covering the data, data areas too small to
read, the probe outside a plot's view, the fan short of 360°, 3D labels overlapping, the window
outside the screen, type too small for the screen, and anything not restored after presentation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.qt.layout_probe import MIN_CONTOUR_DATA

PROBE = Path(__file__).with_name("layout_probe.py")

# (width, height, QT_SCALE_FACTOR): the projector and laptop sizes classrooms have, and a 4K
# screen at 200 % (the window then lays out in 1920 x 1080 logical pixels).
SCREENS = [
    (1024, 768, 1),
    (1280, 720, 1),
    (1366, 768, 1),
    (1920, 1080, 1),
    (2560, 1440, 1),
    (3840, 2160, 2),
]


def _start_xvfb(width: int, height: int):
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "+extension",
            "GLX",
            "+render",
            "-noreset",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()  # Xvfb writes the display number once it listens
    if not number:
        server.kill()
        server.wait()
        raise RuntimeError("Xvfb did not start")
    return server, f":{number}"


def run_probe(width: int, height: int, scale: int, tmp_path: Path, *args: str) -> dict:
    server, display = _start_xvfb(width, height)
    try:
        env = dict(os.environ)
        env.update(
            DISPLAY=display,
            QT_QPA_PLATFORM="xcb",
            QT_SCALE_FACTOR=str(scale),
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            XDG_STATE_HOME=str(tmp_path / "state"),
        )
        env.pop("WAYLAND_DISPLAY", None)
        done = subprocess.run(
            [sys.executable, str(PROBE), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.terminate()
        server.wait()
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def probes(tmp_path_factory):
    """Every screen's probe, started at once (a few at a time: each is mostly waiting on its
    software-rendered X server), so the sizes cost about the wall time of the slowest few."""
    shots = os.environ.get("LANDSCAPE_LAYOUT_SHOTS")
    pool = ThreadPoolExecutor(max_workers=3)
    futures = {}
    for width, height, scale in SCREENS:
        args = ["--seed-geometry", "1600x1000"]  # what older versions remembered everywhere
        if shots:
            args += ["--shots", os.path.join(shots, f"{width}x{height}@{scale}")]
        folder = tmp_path_factory.mktemp(f"screen{width}x{height}")
        futures[(width, height, scale)] = pool.submit(
            run_probe, width, height, scale, folder, *args
        )
    yield futures
    pool.shutdown(wait=True)


@pytest.mark.parametrize(("width", "height", "scale"), SCREENS, ids=lambda v: str(v))
def test_everything_fits_on_the_screen_in_both_modes(width, height, scale, probes):
    report = probes[(width, height, scale)].result()
    assert report["errors"] == []
    problems = {
        scene: result["problems"]
        for scene, result in report["scenes"].items()
        if result["problems"]
    }
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
    # The contour map is read from the back row too: at least MIN_CONTOUR_DATA in every
    # scene, presentation mode included (at 1024 x 768 it was once about 150 px wide).
    for scene, result in report["scenes"].items():
        data_width, data_height = (
            int(v) for v in result["measures"]["contour_data"].split()[1].split("x")
        )
        assert data_width >= MIN_CONTOUR_DATA[0], (scene, data_width)
        assert data_height >= MIN_CONTOUR_DATA[1], (scene, data_height)
    assert set(report["scenes"]) == {
        "normal-stage4",
        "normal-stage5",
        "presentation-stage3",
        "presentation-stage4",
        "presentation-stage5",
        "normal-after-presentation",
    }
