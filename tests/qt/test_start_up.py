"""The `landscape` command's window opens staged: its frame and the landscape it last started on
first (the start picture, drawn before sympy is imported), the rest once that is on screen."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QPoint

from landscape_gui import startup
from landscape_gui.core import start_picture
from landscape_gui.core.session import SessionFile, save_session
from landscape_gui.core.state import SessionState
from landscape_gui.qt import main_window
from landscape_gui.qt.main_window import MainWindow
from landscape_gui.qt.settings import app_settings
from tests.qt.conftest import track


@pytest.fixture
def no_kept_picture():
    path = startup.cache_folder() / start_picture.FILE_NAME
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


@pytest.fixture
def kept_picture(no_kept_picture):
    """A start picture kept for the landscape a new window starts on (the default bowl)."""
    xs = np.linspace(-5.0, 5.0, 50)
    ys = np.linspace(-5.0, 5.0, 50)
    z = xs[:, None] ** 2 + ys[None, :] ** 2
    kept = start_picture.StartPicture(xs, ys, z, (0.0, 50.0), "linear")
    assert start_picture.save(startup.cache_folder(), _start_key(), kept)
    return no_kept_picture


def _start_key() -> str:
    """The key of the landscape a new window starts on (the tests' settings: the defaults)."""
    state = SessionState(resolution=main_window._preferred_resolution())
    return main_window._start_picture_key(state, main_window._color_scale_preference())


def _staged_window(qtbot) -> MainWindow:
    return track(MainWindow(remember_geometry=False, prompt_unsaved=False, staged=True))


def _close(qtbot, window: MainWindow) -> None:
    assert window.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(window), "the closed window was not deleted"


def test_the_kept_picture_is_drawn_before_the_window_is_built(qtbot, no_kept_picture):
    # A picture unlike the default landscape (a bowl up to 50): a plane up to 700.
    xs = np.linspace(-5.0, 5.0, 40)
    ys = np.linspace(-5.0, 5.0, 30)
    z = 70.0 * (xs[:, None] + 5.0) + 0.0 * ys[None, :]
    kept = start_picture.StartPicture(xs, ys, z, (0.0, 700.0), "linear")
    assert start_picture.save(startup.cache_folder(), _start_key(), kept)
    window = _staged_window(qtbot)
    surface = window.surface_view
    assert not window.is_built()
    assert surface.shows_landscape()
    seen = []
    surface.frameSwapped.connect(
        lambda: seen.append((window.is_built(), list(surface.tick_labels()["z"])))
    )
    window.show()
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    built_then, z_ticks = seen[0]
    assert not built_then  # the first frame came before the rest of the window
    assert max(float(t) for t in z_ticks) > 400  # the kept plane's heights, not the bowl's
    qtbot.waitUntil(window.is_built, timeout=20_000)
    # Built, the landscape worked out afresh replaces the kept picture.
    qtbot.waitUntil(lambda: window.controller.grid is not None, timeout=20_000)
    qtbot.waitUntil(lambda: max(float(t) for t in surface.tick_labels()["z"]) <= 50, timeout=10_000)
    _close(qtbot, window)


def test_the_first_landscape_is_kept_for_the_next_start(qtbot, no_kept_picture):
    window = _staged_window(qtbot)
    window.show()
    qtbot.waitUntil(window.is_built, timeout=20_000)
    qtbot.waitUntil(no_kept_picture.exists, timeout=20_000)
    kept = start_picture.load(startup.cache_folder(), _start_key())
    assert kept is not None
    grid = window.controller.grid
    np.testing.assert_array_equal(kept.z, grid.z)
    np.testing.assert_array_equal(kept.xs, grid.xs)
    assert kept.z_limits == tuple(window.controller.z_limits)
    _close(qtbot, window)
    # The next start draws it at once, before it is built.
    second = _staged_window(qtbot)
    assert second.surface_view.shows_landscape() and not second.is_built()
    _close(qtbot, second)


def test_a_window_not_staged_keeps_no_picture(qtbot, no_kept_picture):
    window = track(MainWindow(remember_geometry=False, prompt_unsaved=False))
    assert window.is_built()
    qtbot.waitUntil(lambda: window.controller.grid is not None, timeout=20_000)
    qtbot.wait(200)
    assert not no_kept_picture.exists()
    _close(qtbot, window)


def test_with_no_kept_picture_the_window_is_built_whole_at_once(qtbot, no_kept_picture):
    window = _staged_window(qtbot)
    assert window.is_built()  # nothing to show early: no frame without its views
    window.show()
    qtbot.waitUntil(window.surface_view.shows_landscape, timeout=20_000)
    _close(qtbot, window)


def test_a_damaged_kept_picture_opens_the_window_all_the_same(qtbot, no_kept_picture):
    no_kept_picture.parent.mkdir(parents=True, exist_ok=True)
    no_kept_picture.write_bytes(b"PK\x03\x04 damaged")
    window = _staged_window(qtbot)
    assert window.is_built()
    window.show()
    qtbot.waitUntil(window.surface_view.shows_landscape, timeout=20_000)
    _close(qtbot, window)


def test_keys_pressed_before_the_window_is_built_do_nothing(qtbot, kept_picture):
    window = _staged_window(qtbot)
    for key in ("step", "play", "undo", "toggle:slices", "presentation", "shortcuts"):
        window.actions[key].trigger()
    assert not window.is_built() and not window.isFullScreen()
    window.show()
    qtbot.waitUntil(window.is_built, timeout=20_000)
    # The toggle pressed early is put back to what the session holds.
    assert window.actions["toggle:slices"].isChecked() == window.controller.state.toggles.slices
    assert window.controller.runs.cursor == 0
    _close(qtbot, window)


def test_the_title_and_toolbar_read_as_they_will_before_the_window_is_built(qtbot, kept_picture):
    window = _staged_window(qtbot)
    assert not window.is_built()
    toggles = SessionState().toggles
    keys = [key for key in window.actions if key.startswith("toggle:")]

    def checks() -> dict[str, bool]:
        return {key: window.actions[key].isChecked() for key in keys}

    expected = {key: getattr(toggles, key.split(":", 1)[1]) for key in keys}
    assert any(expected.values()) and not all(expected.values())
    assert checks() == expected
    title = window.windowTitle()
    window.show()
    qtbot.waitUntil(window.is_built, timeout=20_000)
    assert checks() == expected
    assert window.windowTitle().replace("[*]", "") == title == "Untitled — Landscape"
    _close(qtbot, window)


def test_the_side_panel_fits_its_controls_when_they_arrive_after_the_first_frame(
    qtbot, kept_picture
):
    window = _staged_window(qtbot)
    window.show()
    qtbot.waitUntil(window.is_built, timeout=20_000)
    qtbot.wait(200)
    needed = window.side_panel.widget().minimumSizeHint().width()
    assert window.side_panel.minimumWidth() > needed
    assert window.splitter.sizes()[0] >= window.side_panel.minimumWidth()
    assert window.side_panel.viewport().width() >= needed  # nothing cut at the side
    _close(qtbot, window)


def test_a_window_closed_before_it_is_built_is_never_built(qtbot, kept_picture):
    window = _staged_window(qtbot)
    assert not window.is_built()
    built = []
    window.built.connect(lambda: built.append(True))
    window.show()
    _close(qtbot, window)
    qtbot.wait(main_window.FIRST_FRAME_WAIT_MS + 300)
    assert built == []


def test_the_3d_picture_keeps_its_place_when_the_window_is_built(qtbot, no_kept_picture):
    """A second start as a user makes it: the first window kept its landscape and, closed,
    its size and splitters; the second shows its frame and that landscape, and the rest
    arrives around the 3D view, which does not move (a window of its own: moved, it is drawn
    again)."""
    settings = app_settings()
    settings.remove("window")
    try:
        first = track(MainWindow(prompt_unsaved=False, staged=True))
        assert first.is_built()  # nothing kept yet
        first.show()
        qtbot.waitUntil(no_kept_picture.exists, timeout=20_000)
        _close(qtbot, first)
        window = track(MainWindow(prompt_unsaved=False, staged=True))
        assert not window.is_built()
        surface = window.surface_view
        picture = surface.picture_widget()
        first_frame = []
        surface.frameSwapped.connect(
            lambda: first_frame.append((picture.mapTo(window, QPoint(0, 0)), picture.size()))
        )
        window.show()
        qtbot.waitUntil(window.is_built, timeout=20_000)
        qtbot.waitUntil(lambda: window.controller.grid is not None, timeout=20_000)
        qtbot.wait(300)
        assert (picture.mapTo(window, QPoint(0, 0)), picture.size()) == first_frame[0]
        _close(qtbot, window)
    finally:
        settings.remove("window")


_START = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QTimer
    from landscape_gui.qt import app, main_window

    seen = {}
    show = main_window.MainWindow.show

    def watched_show(window):
        surface = window.surface_view

        def frame():
            if "first_frame" not in seen and surface.shows_landscape():
                seen["first_frame"] = {
                    "sympy_imported": "sympy" in sys.modules,
                    "built": window.is_built(),
                }

        def built():
            seen["built_with_sympy"] = "sympy" in sys.modules
            controller = window.controller

            def close_soon():
                QTimer.singleShot(300, window.close)

            if controller.grid is not None:
                close_soon()
            else:
                controller.landscapeChanged.connect(close_soon)

        surface.frameSwapped.connect(frame)
        if window.is_built():  # a first start: built whole at once
            built()
        else:
            window.built.connect(built)
        show(window)

    main_window.MainWindow.show = watched_show
    code = app.run(sys.argv[1] if len(sys.argv) > 1 else None)
    print(json.dumps(dict(seen, code=code)))
    """
)


def test_the_landscape_command_draws_its_first_frame_before_sympy_is_imported(tmp_path):
    """The real start (`landscape`, app.run) in a new process, three times: the first start
    keeps its landscape, the second draws it before sympy is imported and builds the rest
    after, and a start on a session file (`landscape FILE`) does not show it."""
    environment = dict(
        os.environ,
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    session = tmp_path / "saddle.landscape"
    save_session(session, SessionFile(SessionState(formula="x^2 - y^2", preset=None), [None]))
    reports = []
    for arguments in ([], [], [str(session)]):
        done = subprocess.run(
            [sys.executable, "-c", _START, *arguments],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        reports.append(json.loads(done.stdout.strip().splitlines()[-1]))
    first, second, with_session = reports
    assert first["code"] == second["code"] == with_session["code"] == 0
    assert first["first_frame"]["built"]  # nothing kept yet: the landscape came with the rest
    assert second["first_frame"] == {"sympy_imported": False, "built": False}
    assert second["built_with_sympy"]
    # A session opened at start is another landscape: the kept one is not shown first.
    assert with_session["first_frame"]["built"]
