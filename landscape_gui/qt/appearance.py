"""The window chrome's colours: light, dark, or what the system says (the platform may not
switch Qt's palette itself)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from landscape_gui.qt.views import palette as palette_colors


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return bool(scheme and scheme() == Qt.ColorScheme.Dark)


def apply_palette(dark: bool) -> None:
    """Light or dark window chrome to match the views (the platform may not switch it)."""
    app = QApplication.instance()
    if not dark:
        app.setPalette(app.style().standardPalette())
        return
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: palette_colors.DARK_WINDOW,
        QPalette.ColorRole.WindowText: palette_colors.DARK_TEXT,
        QPalette.ColorRole.Base: palette_colors.DARK_FIELD,
        QPalette.ColorRole.AlternateBase: palette_colors.DARK_WINDOW,
        QPalette.ColorRole.ToolTipBase: palette_colors.DARK_TOOLTIP,
        QPalette.ColorRole.ToolTipText: palette_colors.DARK_TEXT,
        QPalette.ColorRole.Text: palette_colors.DARK_TEXT,
        QPalette.ColorRole.Button: palette_colors.DARK_BUTTON,
        QPalette.ColorRole.ButtonText: palette_colors.DARK_TEXT,
        QPalette.ColorRole.BrightText: palette_colors.ERROR_COLOR_ON_DARK,
        QPalette.ColorRole.Highlight: palette_colors.DARK_HIGHLIGHT,
        QPalette.ColorRole.HighlightedText: palette_colors.LIGHT_BACKGROUND,
        QPalette.ColorRole.Link: palette_colors.DARK_LINK,
        QPalette.ColorRole.PlaceholderText: palette_colors.DARK_PLACEHOLDER_TEXT,
    }
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(
            QPalette.ColorGroup.Disabled, role, QColor(palette_colors.DARK_DISABLED_TEXT)
        )
    app.setPalette(palette)
