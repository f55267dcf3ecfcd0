"""The frozen app started the way a Linux desktop starts it, not the way a developer does.

A user unpacks the archive somewhere (a path with spaces, say), double-clicks a .landscape file,
and the file manager runs `landscape FILE` with the session's environment: no PYOPENGL_PLATFORM,
no QT_* variables, a HOME with no settings, some other working folder. Or install.sh puts a
menu entry in place and the desktop launches that. Each test here waits for the real window on
the test's Xvfb display, checks its title names the file and that the surface is drawn (viridis
pixels in a screenshot of the X screen), then ends the app with SIGTERM: a bundle whose window
never comes up, or that dies on its way, fails.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from tests.packaging.support import assert_same_tree, tree

pytestmark = [
    pytest.mark.frozen,
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="the X11 desktop path exists on Linux only"
    ),
]

WINDOW_TIMEOUT = 90  # seconds: a cold start of the bundle takes 3 to 10 here, more when loaded
SESSION_FORMULA = "x^2+3xy+y^2"


@dataclass
class XWindow:
    id: str
    title: str
    x: int
    y: int
    width: int
    height: int


def _x11(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=20, check=True)
    return done.stdout


_TREE_LINE = re.compile(
    r'^\s+(0x[0-9a-f]+) "(.*)": \(.*\)\s+(\d+)x(\d+)[+-]-?\d+[+-]-?\d+\s+\+(-?\d+)\+(-?\d+)$',
    re.MULTILINE,
)


def _viewable_windows() -> list[XWindow]:
    """The named, mapped windows on the X screen (xwininfo, Debian's x11-utils)."""
    found = []
    for match in _TREE_LINE.finditer(_x11("xwininfo", "-root", "-tree")):
        window_id, title, width, height, x, y = match.groups()
        try:
            info = _x11("xwininfo", "-id", window_id)
        except subprocess.CalledProcessError:
            continue  # gone between the listing and the look: a short-lived window
        if "Map State: IsViewable" in info:
            found.append(XWindow(window_id, title, int(x), int(y), int(width), int(height)))
    return found


def _window_pid(window: XWindow) -> int:
    text = _x11("xprop", "-id", window.id, "_NET_WM_PID")
    match = re.search(r"= (\d+)", text)
    assert match, f"the window sets no _NET_WM_PID: {text!r}"
    return int(match.group(1))


def _wait_for_window(title_part: str, process: subprocess.Popen | None, log: Path) -> XWindow:
    deadline = time.monotonic() + WINDOW_TIMEOUT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(
                f"the app exited with code {process.returncode} before its window appeared:\n"
                + log.read_text(errors="replace")[-4000:]
            )
        for window in _viewable_windows():
            if title_part in window.title and window.width > 400 and window.height > 300:
                return window
        time.sleep(0.25)
    titles = [window.title for window in _viewable_windows()]
    pytest.fail(
        f"no window titled '…{title_part}…' within {WINDOW_TIMEOUT} s (windows: {titles}); "
        f"the app's output:\n" + log.read_text(errors="replace")[-4000:]
    )


def _screen_pixels(qapp) -> np.ndarray:
    """The whole X screen, other processes' windows included (Xvfb has no compositor)."""
    from PySide6.QtGui import QImage

    image = qapp.primaryScreen().grabWindow(0).toImage()
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return rows[:, : width * 3].reshape(height, width, 3).astype(int)


def _colours(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct RGB colours of an image region and how many pixels have each."""
    keys = pixels.reshape(-1, 3) @ np.array([65536, 256, 1])
    unique, counts = np.unique(keys, return_counts=True)
    return np.stack([unique >> 16, (unique >> 8) & 255, unique & 255], axis=1), counts


def _viridis_share(pixels: np.ndarray) -> float:
    """Share of the pixels within 20 (RGB distance) of a colour of the viridis colormap."""
    import pyqtgraph

    lut = pyqtgraph.colormap.get("viridis").getLookupTable(nPts=256)[:, :3].astype(int)
    colours, counts = _colours(pixels)  # a few thousand colours, not a million pixels
    distance = np.sqrt(((colours[:, None, :] - lut[None, :, :]) ** 2).sum(-1)).min(axis=1)
    return float(counts[distance < 20].sum() / counts.sum())


def _region(pixels: np.ndarray, x0, x1, y0, y1) -> np.ndarray:
    height, width, _ = pixels.shape
    return pixels[int(y0 * height) : int(y1 * height), int(x0 * width) : int(x1 * width)]


def _landscape_drawn(window_pixels: np.ndarray) -> dict[str, float]:
    """How the 3D view and the contour map look, in the regions test_frozen.py checks too.

    Measured on a drawn window here: the 3D region has about 10,000 colours, 20 % of it
    coloured and 6 % on viridis itself (the rest is shaded); the contour map is 73 % viridis.
    A GL view that failed is one flat colour; a map that was not drawn is background grey.
    """
    surface = _region(window_pixels, 0.27, 0.60, 0.12, 0.72)
    contour = _region(window_pixels, 0.63, 0.93, 0.12, 0.70)
    return {
        "surface colours": len(_colours(surface)[1]),
        "surface coloured share": float(((surface.max(-1) - surface.min(-1)) > 40).mean()),
        "surface viridis share": _viridis_share(surface),
        "contour viridis share": _viridis_share(contour),
    }


def _looks_drawn(measured: dict[str, float]) -> bool:
    return (
        measured["surface colours"] > 1000
        and measured["surface coloured share"] > 0.08
        and measured["surface viridis share"] > 0.02
        and measured["contour viridis share"] > 0.4
    )


def _wait_until_drawn(qapp, window: XWindow, alive, tmp_path: Path) -> dict[str, float]:
    """Poll screenshots of the X screen until the window shows the landscape."""
    deadline = time.monotonic() + WINDOW_TIMEOUT
    measured: dict[str, float] = {}
    while time.monotonic() < deadline:
        assert alive(), "the app exited while its window was drawing"
        pixels = _screen_pixels(qapp)
        inside = pixels[window.y : window.y + window.height, window.x : window.x + window.width]
        measured = _landscape_drawn(inside)
        if _looks_drawn(measured):
            return measured
        time.sleep(0.5)
    qapp.primaryScreen().grabWindow(0).save(str(tmp_path / "screen.png"))
    pytest.fail(f"the window never showed the landscape: {measured} (see screen.png)")


def _clean_environment(home: Path, runtime: Path) -> dict[str, str]:
    """What a desktop session gives an app at the least: a display, a home, a PATH."""
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "DISPLAY": os.environ["DISPLAY"],
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "XDG_RUNTIME_DIR": str(runtime),
    }
    if "XAUTHORITY" in os.environ:  # the key to the display, where the server wants one
        env["XAUTHORITY"] = os.environ["XAUTHORITY"]
    return env


def _end(pid: int) -> None:
    """SIGTERM, then wait until the process is gone (or a zombie nobody reaped yet)."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return
        if re.search(r"^State:\s+Z", status, re.MULTILINE):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    pytest.fail(f"the app (pid {pid}) did not end on SIGTERM within 30 s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        _end(process.pid)
    process.wait(timeout=30)


def _output_without_traceback(log: Path) -> str:
    output = log.read_text(errors="replace")
    assert "Traceback" not in output, output
    return output


@pytest.fixture(scope="module")
def unpacked(bundle, tmp_path_factory):
    """The archive unpacked with tar, as a user does, into a folder whose path has spaces."""
    assert bundle.archive is not None, "the frozen dist holds no archive"
    target = tmp_path_factory.mktemp("desktop") / "Downloaded apps" / "Landscape 0.x"
    target.mkdir(parents=True)
    subprocess.run(["tar", "-xzf", str(bundle.archive), "-C", str(target)], check=True, timeout=300)
    yield target / "landscape"
    subprocess.run(["rm", "-rf", str(target)], check=True, timeout=120)


@pytest.fixture
def session_file(tmp_path) -> Path:
    """A session saved by the app's own writer, in a folder whose path has spaces."""
    from landscape_gui.core.session import SessionFile, save_session
    from landscape_gui.core.state import SessionState

    path = tmp_path / "My sessions" / "saddle point.landscape"
    path.parent.mkdir()
    save_session(path, SessionFile(SessionState(formula=SESSION_FORMULA, preset=None), [None]))
    return path


def test_double_clicking_a_session_opens_it_in_the_unpacked_bundle(
    unpacked, session_file, tmp_path, qapp, timings
):
    env = _clean_environment(tmp_path / "clean home", tmp_path / "runtime")
    elsewhere = tmp_path / "some other folder"
    elsewhere.mkdir()
    log = tmp_path / "app.log"
    started = time.monotonic()
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [str(unpacked / "landscape"), str(session_file)],
            cwd=elsewhere,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        window = _wait_for_window(session_file.name, process, log)
        timings["double-click to window, frozen (s)"] = time.monotonic() - started
        assert _window_pid(window) == process.pid, "the window is not this process's"
        assert window.title.startswith(session_file.name) and "Landscape" in window.title
        _wait_until_drawn(qapp, window, lambda: process.poll() is None, tmp_path)
        timings["double-click to drawn landscape, frozen (s)"] = time.monotonic() - started
        assert process.poll() is None, "the app exited by itself"
    finally:
        _stop(process)
    output = _output_without_traceback(log)
    assert "could not open" not in output, output


def test_the_installed_menu_entry_opens_a_session(unpacked, session_file, tmp_path, qapp):
    """install.sh from the unpacked bundle, then GLib's `gio launch` of the installed entry, as a
    file manager launches it (Exec with %f expanded); then uninstall.sh leaves nothing behind."""
    desk = tmp_path / "desk"
    env = _clean_environment(desk / "home", tmp_path / "runtime")
    places = {
        "LANDSCAPE_HOME": desk / "Programs and apps" / "landscape",
        "XDG_DATA_HOME": desk / "data home",
        "XDG_CONFIG_HOME": desk / "config home",
        "LANDSCAPE_BIN": desk / "bin dir",
    }
    before = tree(desk)
    install_env = dict(env, **{name: str(path) for name, path in places.items()})
    done = subprocess.run(
        ["sh", str(unpacked / "install.sh")],
        env=install_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    entry = places["XDG_DATA_HOME"] / "applications" / "landscape.desktop"
    validated = subprocess.run(
        ["desktop-file-validate", str(entry)], capture_output=True, text=True, timeout=30
    )
    assert (validated.returncode, validated.stdout + validated.stderr) == (0, "")
    mimeapps = (places["XDG_CONFIG_HOME"] / "mimeapps.list").read_text()
    assert "application/x-landscape-session=landscape.desktop" in mimeapps.splitlines()

    # The app keeps its settings in the user's home (uninstall leaves them, by design): give it
    # a home outside the tree compared below.
    launch_env = _clean_environment(tmp_path / "user home", tmp_path / "runtime")
    log = tmp_path / "gio.log"
    with open(log, "wb") as output:
        launched = subprocess.run(
            ["gio", "launch", str(entry), str(session_file)],  # Debian's libglib2.0-bin
            cwd=tmp_path,
            env=launch_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=60,
        )
    assert launched.returncode == 0, log.read_text(errors="replace")
    pid = None
    try:
        window = _wait_for_window(session_file.name, None, log)
        pid = _window_pid(window)
        # The installed copy is what the entry started, not the unpacked one.
        executable = Path(os.readlink(f"/proc/{pid}/exe"))
        assert executable == (places["LANDSCAPE_HOME"] / "landscape").resolve()
        assert window.title.startswith(session_file.name) and "Landscape" in window.title
        _wait_until_drawn(qapp, window, lambda: Path(f"/proc/{pid}").exists(), tmp_path)
    finally:
        if pid is not None:
            _end(pid)

    # The uninstaller needs none of the install's variables: its manifest knows the places.
    done = subprocess.run(
        ["sh", str(places["LANDSCAPE_HOME"] / "uninstall.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    after = tree(desk)
    assert_same_tree(before, after)


def _running(process: subprocess.Popen) -> bool:
    return process.poll() is None


def test_the_unpacked_bundle_keeps_its_first_landscape_and_draws_it_first_next_time(
    unpacked, tmp_path, qapp
):
    """Started twice with a clean home: the first start keeps its landscape in the cache
    folder (the bundle has all the start picture needs), the second draws it first."""
    home = tmp_path / "clean home"
    env = _clean_environment(home, tmp_path / "runtime")
    kept = home / ".cache" / "landscape" / "start-picture.npz"
    app_log = home / ".local" / "state" / "landscape" / "landscape.log"
    for start in ("first", "second"):
        log = tmp_path / f"{start}.log"
        with open(log, "wb") as output:
            process = subprocess.Popen(
                [str(unpacked / "landscape")],
                cwd=tmp_path,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            window = _wait_for_window("Landscape", process, log)
            assert _window_pid(window) == process.pid, "the window is not this process's"
            _wait_until_drawn(qapp, window, partial(_running, process), tmp_path)
            assert kept.is_file(), f"no start picture kept after the {start} start"
        finally:
            _stop(process)
        _output_without_traceback(log)
        drew_it = "drew the start picture kept in" in app_log.read_text(errors="replace")
        assert drew_it == (start == "second"), f"{start} start: {app_log.read_text()[-2000:]}"
