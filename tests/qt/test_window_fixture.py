"""The shared ``window`` fixture (tests/qt/conftest.py) fails a test that leaves a widget on
screen or a worker thread running, and passes one that cleans up."""

from __future__ import annotations

import os
import pathlib

pytest_plugins = ["pytester"]

ROOT = pathlib.Path(__file__).resolve().parents[2]

LEAKY_TESTS = """
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog

from landscape_gui.qt.worker import WorkerThread

LEFT = []


def test_cleans_up(window):
    dialog = QDialog()
    dialog.show()
    dialog.close()


def test_leaves_a_dialog_on_screen(window):
    dialog = QDialog()
    dialog.show()
    LEFT.append(dialog)


def test_leaves_a_worker_thread_running(window):
    LEFT.append(WorkerThread(QObject(), "forgotten"))


def teardown_module():
    for thing in LEFT:
        if isinstance(thing, WorkerThread):
            thing.stop(5000)
        else:
            thing.close()
"""


def test_the_window_fixture_fails_on_leaked_widgets_and_threads(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    pytester.makeconftest(
        "from tests.conftest import qapp  # noqa: F401\n"
        "from tests.qt.conftest import _close_windows, window  # noqa: F401\n"
    )
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.re_match_lines([r".*widgets left on screen: \['QDialog'\]"])
    result.stdout.re_match_lines([r".*worker threads left running"])
