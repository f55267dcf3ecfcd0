"""Where preferences live (window geometry, recent sessions, appearance, grid resolution,
export scale): one named store, the same whoever created the QApplication."""

from __future__ import annotations

from PySide6.QtCore import QSettings


def app_settings() -> QSettings:
    return QSettings("Landscape", "Landscape")
