"""QApplication set-up, the main window, and an exception hook that reports instead of crashing."""

from __future__ import annotations

import os
import sys
import traceback

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from landscape_gui import __version__


def app_settings() -> QSettings:
    """Preferences (geometry, recent files, appearance, resolution), named explicitly so they
    land in the same place whoever created the QApplication."""
    return QSettings("Landscape", "Landscape")


def _prepare_environment() -> None:
    # On an X11 (xcb) session PyOpenGL must use GLX; under Wayland it would pick EGL and fail to
    # find the context Qt made through XWayland.
    if sys.platform.startswith("linux") and "PYOPENGL_PLATFORM" not in os.environ:
        if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM", "xcb") == "xcb":
            os.environ["PYOPENGL_PLATFORM"] = "glx"


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, created once with what the 3D view needs."""
    existing = QApplication.instance()
    if existing is not None:
        return existing
    _prepare_environment()
    # pyqtgraph's GL items keep one shader program per class, valid only in the context that
    # made it; shared contexts let a second 3D view (or a re-parented one) reuse it.
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Landscape")
    app.setOrganizationName("Landscape")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("landscape")
    from landscape_gui.qt.about import app_icon

    app.setWindowIcon(app_icon())
    return app


def apply_palette(dark: bool) -> None:
    """Light or dark window chrome to match the views (the platform may not switch it)."""
    app = QApplication.instance()
    if not dark:
        app.setPalette(app.style().standardPalette())
        return
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#2b2b2e",
        QPalette.ColorRole.WindowText: "#eeeeee",
        QPalette.ColorRole.Base: "#1f1f22",
        QPalette.ColorRole.AlternateBase: "#2b2b2e",
        QPalette.ColorRole.ToolTipBase: "#3a3a3e",
        QPalette.ColorRole.ToolTipText: "#eeeeee",
        QPalette.ColorRole.Text: "#eeeeee",
        QPalette.ColorRole.Button: "#38383c",
        QPalette.ColorRole.ButtonText: "#eeeeee",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Highlight: "#3d7bd9",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#7ab4ff",
        QPalette.ColorRole.PlaceholderText: "#9a9a9a",
    }
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    app.setPalette(palette)


def install_exception_hook(parent_getter) -> None:
    """An unexpected error shows a message and is printed; the window stays open."""

    def hook(kind, value, tb):
        text = "".join(traceback.format_exception(kind, value, tb))
        if sys.stderr is not None:  # a windowed Windows app has no stderr
            sys.stderr.write(text)
        if kind is KeyboardInterrupt:
            QApplication.quit()
            return
        parent = parent_getter()
        if parent is not None and QApplication.instance() is not None:
            QMessageBox.warning(
                parent,
                "Something went wrong",
                f"Landscape hit an unexpected error and carried on:\n\n{value}\n\n"
                "Your work is unchanged. Details were printed to the terminal.",
            )

    sys.excepthook = hook


def run(session_path: str | None = None) -> int:
    """Open the window (on a session file when one is given) and run until it closes."""
    from landscape_gui.qt.main_window import MainWindow

    app = create_application()
    window = MainWindow()
    install_exception_hook(lambda: window)
    window.show()
    opener = _FileOpenFilter(window)
    app.installEventFilter(opener)
    if session_path:
        if not window.files.open_path(session_path) and sys.stderr is not None:
            sys.stderr.write(f"landscape: could not open {session_path}; opened the default\n")
    return app.exec()


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
