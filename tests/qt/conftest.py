"""Main windows in tests: one shared ``window`` fixture, and ``track`` for any other window.

A closed window deletes itself (Qt's WA_DeleteOnClose: that is how its memory comes back), so
pytest-qt's ``qtbot.addWidget``, which closes its widgets again after the test, cannot be used
for them: every window a test makes goes through ``track``. Windows still open at the end of a
test are closed here, and any worker thread a window left behind (abandoned, still finishing)
is waited for, so none outlives the tests.

The ``window`` fixture also fails the test when closing did not clean up: the window was not
deleted, a worker thread is still running that no one stopped, or a top-level widget the test
opened (a dialog, a second window) is still on screen.
"""

from __future__ import annotations

import pytest
import shiboken6

_OPEN: list = []


def track(window):
    _OPEN.append(window)
    return window


def open_window(qtbot, *, prompt_unsaved: bool = False, active: bool = False, steps: int = 1):
    """A main window as window tests want it: shown and exposed, the first ``steps`` steps of
    the run recorded (the preview arrived), and with ``active`` the keyboard focus (shortcuts
    go to the active window; Xvfb has no window manager to give it)."""
    from landscape_gui.qt.main_window import MainWindow

    win = track(MainWindow(remember_geometry=False, prompt_unsaved=prompt_unsaved))
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    if active:
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    runs = win.controller.runs
    qtbot.waitUntil(lambda: runs.recorded_end() >= steps, timeout=5000)
    return win


def wait_for_steps(qtbot, runs, count: int) -> None:
    """Step ``count`` times and wait until the cursor got there, or until every run stopped
    short of it (a run that diverges or converges early), instead of sleeping."""
    target = runs.cursor + count
    runs.step(count)

    def arrived() -> bool:
        if runs.model.failure:  # the descent could not start: no step will come
            return True
        stopped_short = runs.all_finished() and runs.cursor == runs.recorded_end()
        return runs.cursor >= target or stopped_short

    qtbot.waitUntil(arrived, timeout=10_000)


def _visible_top_levels() -> set:
    from PySide6.QtWidgets import QApplication

    return {w for w in QApplication.topLevelWidgets() if w.isVisible()}


def _close_tracked() -> None:
    from landscape_gui.qt import worker

    while _OPEN:
        window = _OPEN.pop()
        if shiboken6.isValid(window):
            if window.is_presenting():
                window.set_presentation(False)  # the font is app-wide
            window._prompt_unsaved = False
            window.close()
    assert worker.wait_for_abandoned(60_000), "an abandoned worker thread never finished"


@pytest.fixture
def window(qtbot):
    """The main window every window test starts from (see ``open_window``); closed after the
    test, which fails if the window, a worker thread or a widget outlives it."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from landscape_gui.qt import worker

    before = _visible_top_levels()
    win = open_window(qtbot)
    yield win
    _close_tracked()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(win), "the closed window was not deleted"
    assert worker.running_threads() == [], "worker threads left running"
    leaked = [type(w).__name__ for w in _visible_top_levels() - before]
    assert leaked == [], f"widgets left on screen: {leaked}"


@pytest.fixture(autouse=True)
def _close_windows(qtbot):
    yield
    _close_tracked()


def wait_for_worker(qtbot, worker_thread, timeout: int = 10000) -> None:
    """Wait until ``worker_thread`` (a ``worker.WorkerThread``) has done everything asked of it
    so far and its answers have been delivered: a call queued behind that work answers with a
    signal queued behind those answers. (Instead of a fixed sleep "long enough for a late
    answer to arrive".)"""
    from PySide6.QtCore import QObject, QTimer, Signal

    class Echo(QObject):
        answered = Signal()

    echo = Echo()
    with qtbot.waitSignal(echo.answered, timeout=timeout):
        QTimer.singleShot(0, worker_thread.worker, echo.answered.emit)


def shown_plot_widget(qtbot, width: int, height: int):
    """A pyqtgraph PlotWidget of that size on screen, and its plot."""
    import pyqtgraph as pg

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, widget.getPlotItem()
