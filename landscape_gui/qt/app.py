"""QApplication set-up, the main window, and an exception hook that reports instead of crashing."""

from __future__ import annotations

import logging
import os
import sys
import traceback

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    Qt,
    QThread,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication

from landscape_gui import __version__, startup


def skip_pyside_feature_scan() -> None:
    """Spare every later import PySide6's scan of its source.

    Importing PySide6 replaces Python's import function with one that, after each import,
    reads the new module's whole source (``inspect.getsource``) to see whether it mentions
    PySide6: for the opt-in ``from __feature__ import snake_case, true_property`` switches,
    which Landscape never uses. pyqtgraph, PyOpenGL, the typesetter and this package are all
    imported after Qt, so the scan cost about 0.1 s of the way to the first frame. Every
    module is taken for one that selects no feature, which is what each of them is. A
    PySide6 without this private detail is left as it is.
    """
    feature = sys.modules.get("shibokensupport.feature")
    if callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = lambda _module: False  # type: ignore[union-attr]


skip_pyside_feature_scan()  # before the window's modules are imported

# PyOpenGL must talk to the same OpenGL window system as the context Qt made: GLX on X11
# (xcb), EGL on Wayland and EGLFS. Elsewhere (Windows' WGL, macOS' CGL) PyOpenGL's own choice
# is right and forcing one breaks it.
_OPENGL_PLATFORM_FOR_QT = {"xcb": "glx", "wayland": "egl", "wayland-egl": "egl", "eglfs": "egl"}


def opengl_platform_for(qt_platform: str) -> str | None:
    """The PYOPENGL_PLATFORM that matches Qt's platform plugin, or None to leave PyOpenGL's."""
    return _OPENGL_PLATFORM_FOR_QT.get(qt_platform)


def match_opengl_to_qt(qt_platform: str) -> None:
    """Point PyOpenGL at the window system Qt chose. PyOpenGL reads PYOPENGL_PLATFORM once, when
    the 3D view's module is first imported, which is why that happens after the QApplication:
    guessing before it from DISPLAY or WAYLAND_DISPLAY gets a Wayland desktop that also sets
    DISPLAY wrong (a blank 3D view and a hundred lines of "no valid context")."""
    wanted = opengl_platform_for(qt_platform)
    if wanted is None or "PYOPENGL_PLATFORM" in os.environ:
        return
    if "OpenGL.platform" in sys.modules:  # too late to choose: say so rather than draw nothing
        startup.log().warning("PyOpenGL was loaded before Qt chose %s", qt_platform)
        return
    os.environ["PYOPENGL_PLATFORM"] = wanted


EXIT_WAIT_MS = 2000  # at exit, how long a worker still busy is waited for
GUI_SWITCH_INTERVAL = 0.0005  # seconds a thread may hold the interpreter lock when another waits

_QT_LOG_LEVELS = {
    QtMsgType.QtDebugMsg: 10,
    QtMsgType.QtInfoMsg: 20,
    QtMsgType.QtWarningMsg: 30,
    QtMsgType.QtCriticalMsg: 40,
    QtMsgType.QtFatalMsg: 50,
}


def _log_qt_message(kind, _context, message: str) -> None:
    # Qt's own warnings go to the log (a double-clicked app has no terminal) and, as Qt would
    # print them, to stderr when there is one.
    level = _QT_LOG_LEVELS.get(kind, 30)
    if level >= 30:
        startup.log().log(level, "Qt: %s", message)
        if sys.stderr is not None:
            sys.stderr.write(f"{message}\n")


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, created once with what the 3D view needs."""
    existing = QApplication.instance()
    if existing is not None:
        return existing
    # pyqtgraph's GL items keep one shader program per class, valid only in the context that
    # made it; shared contexts let a second 3D view (or a re-parented one) reuse it.
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    # The GUI thread shares the interpreter lock with its workers (sympy's analysis, the
    # descent). Each time it lets go of the lock (numpy and Qt do, many times a frame) a
    # busy worker takes it and keeps it for a whole switch interval; at Python's 5 ms a new
    # Goldstein-Price surface took 290 ms to hand to the 3D view instead of 10. At 0.5 ms it
    # took 60; a thread that has the lock to itself is not slowed.
    sys.setswitchinterval(GUI_SWITCH_INTERVAL)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Landscape")
    app.setOrganizationName("Landscape")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("landscape")
    match_opengl_to_qt(app.platformName())
    from landscape_gui.qt.about import app_icon

    app.setWindowIcon(app_icon())
    return app


class _ErrorReporter(QObject):
    """Shows error dialogs on the GUI thread whichever thread the error happened in (a dialog
    made on a worker thread cannot be parented to the window and may crash)."""

    reported = Signal(str, str)

    def __init__(self, parent_getter):
        super().__init__()
        self.parent_getter = parent_getter
        self.open_dialogs: list = []
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def _show(self, message: str, details: str) -> None:
        from landscape_gui.qt.error_dialog import ErrorDialog

        path = startup.start_logging()
        dialog = ErrorDialog(
            "Something went wrong",
            f"Landscape hit an unexpected error and carried on: {message}",
            details,
            str(path) if path else None,
            self.parent_getter(),
        )
        # Held until closed: with no window to parent it, Python would delete it at once.
        self.open_dialogs.append(dialog)
        dialog.finished.connect(lambda _result, shown=dialog: self.open_dialogs.remove(shown))
        dialog.open()


def install_exception_hook(parent_getter) -> _ErrorReporter:
    """An unexpected error is logged and shown in a dialog (on the GUI thread, with the log's
    path and a "Copy details" button); the window stays open."""
    startup.start_logging()
    reporter = _ErrorReporter(parent_getter)

    def hook(kind, value, tb):
        text = "".join(traceback.format_exception(kind, value, tb))
        startup.log().error("unexpected error\n%s", text)
        if sys.stderr is not None:  # a windowed Windows app has no stderr
            sys.stderr.write(text)
        if kind is KeyboardInterrupt:
            QApplication.quit()
            return
        if QApplication.instance() is not None:
            reporter.reported.emit(str(value) or kind.__name__, text)

    sys.excepthook = hook
    return reporter


def show_startup_failure(error: BaseException) -> None:
    """The window could not open: say so in a dialog when Qt works, or by any other means."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    startup.log().error("the window could not start\n%s", text)
    if sys.stderr is not None:
        sys.stderr.write(text)
    message = f"Landscape could not open its window: {error or type(error).__name__}"
    if QApplication.instance() is None or QThread.currentThread() is not (
        QApplication.instance().thread()
    ):
        startup.report_without_qt("Landscape could not start", message)
        return
    from landscape_gui.qt.error_dialog import ErrorDialog

    path = startup.start_logging()
    ErrorDialog("Landscape could not start", message, text, str(path) if path else None).exec()


def run(session_path: str | None = None) -> int:
    """Open the window (on a session file when one is given) and run until it closes."""
    log_file = startup.start_logging()
    app = create_application()
    startup.log().info(
        "Landscape %s starting on %s (Qt platform %s), log %s",
        __version__,
        sys.platform,
        app.platformName(),
        log_file,
    )
    qInstallMessageHandler(_log_qt_message)
    from landscape_gui.qt.main_window import MainWindow

    # Staged: the window shows its frame and the landscape it last started on first (when
    # one was kept), and builds the rest (sympy and all) once that is on screen. Not when it
    # opens a session: that landscape is another, and showing the kept one would mislead.
    window = MainWindow(staged=not session_path)
    # Qt and PyOpenGL have read their start-up settings: give programs the app starts (a
    # browser for a link) the user's environment, not the bundle's.
    startup.restore_user_environment()
    install_exception_hook(lambda: window)
    window.show()

    def built() -> None:
        if sys.platform == "darwin":  # only macOS sends it; elsewhere the filter would cost
            app.installEventFilter(_FileOpenFilter(window))
        if session_path:
            window.files.openFinished.connect(opened)
            window.files.open_path(session_path)

    def opened(ok: bool) -> None:
        if not ok and sys.stderr is not None:
            sys.stderr.write(f"landscape: could not open {session_path}; opened the default\n")

    if window.is_built():  # nothing was kept to show early: built at once
        built()
    else:
        window.built.connect(built)
    code = app.exec()
    # Not imported when the window closed before it was built: then no worker ever ran.
    worker = sys.modules.get("landscape_gui.qt.worker")
    if worker is not None and not worker.wait_for_abandoned(EXIT_WAIT_MS):
        # A worker thread is still inside work it cannot be interrupted in (a formula being
        # compiled): Python's exit would destroy its QThread while it runs, which aborts. The
        # window is closed and the session saved or discarded, so leave at once instead.
        startup.log().warning("left a worker thread running at exit")
        sys.stdout.flush()
        if sys.stderr is not None:
            sys.stderr.flush()
        logging.shutdown()
        os._exit(code)
    return code


class _FileOpenFilter(QObject):
    """macOS sends a file double-clicked in Finder while the app runs as a QFileOpenEvent."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.FileOpen and event.file().endswith(".landscape"):
            self.window.files.open(event.file())
            return True
        return False
