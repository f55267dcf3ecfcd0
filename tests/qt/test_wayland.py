"""The window under Wayland: a real Weston compositor (its X11 backend, on the tests' Xvfb
display), the environment a GNOME or KDE Wayland session gives (WAYLAND_DISPLAY and DISPLAY both
set, no QT_QPA_PLATFORM, no PYOPENGL_PLATFORM). The 3D view must draw, and nothing be printed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs the window the way `landscape` does (staged: the start picture first, when one was
# kept; sympy after), then reports what Qt and PyOpenGL chose, how colourful the 3D view's
# framebuffer is, and whether its first frame came before the rest of the window was built.
PROBE = """
import json, sys
import numpy as np
from landscape_gui.qt.app import create_application
app = create_application()
from landscape_gui.qt import export
from landscape_gui.qt.main_window import MainWindow
window = MainWindow(remember_geometry=False, prompt_unsaved=False, staged=True)
frames = []
window.surface_view.frameSwapped.connect(lambda: frames.append(window.is_built()))
window.resize(1200, 800)
window.show()
drawn = export.wait_until(lambda: len(frames) >= 2, 60)
image = window.surface_view.grab_image()
from PySide6.QtGui import QImage
image = image.convertToFormat(QImage.Format.Format_RGB888)
w, h = image.width(), image.height()
data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * h)
pixels = data.reshape(h, image.bytesPerLine())[:, : w * 3].reshape(h, w, 3).astype(int)
spread = pixels.max(axis=2) - pixels.min(axis=2)
import OpenGL.platform
print(json.dumps({
    "qt_platform": app.platformName(),
    "opengl_platform": type(OpenGL.platform.PLATFORM).__name__,
    "drawn": drawn,
    "colourful": float(np.mean(spread > 40)),
    "colours": int(len(np.unique(pixels.reshape(-1, 3), axis=0))),
    "built_at_first_frame": frames[0] if frames else None,
}))
window.close()
# As the app does at exit (app.run): the derivatives may still be typesetting on the
# analysis thread (it starts at the first frame); Python must not destroy it running.
from landscape_gui.qt import worker
worker.wait_for_abandoned(60_000)
"""


@pytest.fixture
def weston(tmp_path):
    """A Weston compositor drawing into a window on the tests' X display."""
    assert shutil.which("weston"), "weston is not installed (scripts/install-linux-deps.sh)"
    assert os.environ.get("DISPLAY"), "the Wayland test runs Weston on pytest-xvfb's display"
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    socket = "landscape-test-wayland"
    log = tmp_path / "weston.log"
    with log.open("w") as log_file:  # the child keeps its own copy of the descriptor
        compositor = subprocess.Popen(
            [
                "weston",
                "--backend=x11-backend.so",
                f"--socket={socket}",
                "--width=1280",
                "--height=860",
                "--idle-time=0",
                "--use-pixman",
            ],
            env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    deadline = time.monotonic() + 30
    while not (runtime / socket).exists():
        if compositor.poll() is not None or time.monotonic() > deadline:
            compositor.kill()
            compositor.wait()
            pytest.fail(f"weston did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)
    yield {"XDG_RUNTIME_DIR": str(runtime), "WAYLAND_DISPLAY": socket}
    compositor.terminate()
    compositor.wait(timeout=10)


def wayland_session_environment(weston: dict[str, str]) -> dict[str, str]:
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("QT_", "PYOPENGL_", "WAYLAND_"))
    }
    environ.update(weston)
    environ["XDG_SESSION_TYPE"] = "wayland"
    return environ


def test_window_draws_its_surface_under_wayland_and_prints_nothing(weston, tmp_path):
    """Twice: a first start, and a start that draws the picture the first one kept."""
    environment = wayland_session_environment(weston)
    environment["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    built_at_first_frame = []
    for _start in range(2):
        result = subprocess.run(
            [sys.executable, "-c", PROBE],
            capture_output=True,
            text=True,
            timeout=180,
            env=environment,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stderr == ""
        report = json.loads(result.stdout)
        assert report["qt_platform"] == "wayland"
        assert report["opengl_platform"] == "EGLPlatform"
        assert report["drawn"]
        # A drawn 3D view is a shaded, height-coloured surface; a blank one is one flat colour.
        assert report["colourful"] > 0.05
        assert report["colours"] > 300
        built_at_first_frame.append(report["built_at_first_frame"])
    assert built_at_first_frame == [True, False]


def test_screenshot_command_under_wayland_prints_nothing(weston, tmp_path):
    out = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "landscape_gui", "screenshot", "-f", "x^2+y^2", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        env=wayland_session_environment(weston),
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (result.stdout, result.stderr) == ("", "")
    assert out.stat().st_size > 10_000


def test_opengl_platform_follows_qt():
    from landscape_gui.qt.app import opengl_platform_for

    assert opengl_platform_for("xcb") == "glx"
    assert opengl_platform_for("wayland") == "egl"
    # Windows and macOS: PyOpenGL's own choice (WGL, CGL); forcing one would break it.
    assert opengl_platform_for("windows") is None
    assert opengl_platform_for("cocoa") is None
