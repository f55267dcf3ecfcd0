"""Failures a user can see: unexpected errors and a window that cannot start end in a dialog
with the message, the log's path and "Copy details", shown on the GUI thread."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication

from landscape_gui import cli, startup
from landscape_gui.qt import app as qt_app
from landscape_gui.qt.error_dialog import ErrorDialog


def open_error_dialogs() -> list[ErrorDialog]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog) and w.isVisible()
    ]


@pytest.fixture
def restore_excepthook():
    saved = sys.excepthook
    yield
    sys.excepthook = saved


def test_error_in_a_worker_thread_is_shown_on_the_gui_thread(qtbot, restore_excepthook):
    qt_app.install_exception_hook(lambda: None)

    def fail_in_a_thread():
        try:
            raise ValueError("the analysis could not finish")
        except ValueError:
            sys.excepthook(*sys.exc_info())

    worker = threading.Thread(target=fail_in_a_thread)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(open_error_dialogs()), timeout=5000)
    (dialog,) = open_error_dialogs()
    assert dialog.thread() is QApplication.instance().thread()
    assert "the analysis could not finish" in dialog.message.text()
    assert "ValueError" in dialog.details_box.toPlainText()
    assert str(startup.log_path()) in dialog.log_label.text()
    qtbot.mouseClick(dialog.copy_button, qt_app.Qt.MouseButton.LeftButton)
    copied = QApplication.clipboard().text()
    assert "the analysis could not finish" in copied and str(startup.log_path()) in copied
    dialog.close()
    assert "the analysis could not finish" in startup.log_path().read_text(encoding="utf-8")


def test_a_window_that_cannot_start_says_so_in_a_dialog(qtbot, monkeypatch, capsys):
    def broken_window(*args, **kwargs):
        raise RuntimeError("no OpenGL 2.0 context")

    monkeypatch.setattr("landscape_gui.qt.main_window.MainWindow", broken_window)
    seen = {}

    def read_and_close():
        dialogs = open_error_dialogs()
        if not dialogs:
            QTimer.singleShot(50, read_and_close)
            return
        seen["message"] = dialogs[0].message.text()
        seen["log"] = dialogs[0].log_label.text()
        seen["gui_thread"] = QThread.currentThread() is QApplication.instance().thread()
        dialogs[0].reject()

    QTimer.singleShot(50, read_and_close)
    assert cli.main([]) == cli.EXIT_COULD_NOT_START
    assert "could not open its window: no OpenGL 2.0 context" in seen["message"]
    assert str(startup.log_path()) in seen["log"] and seen["gui_thread"]
    assert "RuntimeError: no OpenGL 2.0 context" in capsys.readouterr().err
    assert "no OpenGL 2.0 context" in startup.log_path().read_text(encoding="utf-8")
