"""The shortcut overlay (F1 or ?): every action and its keys, generated from the action table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget


class ShortcutOverlay(QWidget):
    """A translucent sheet over the window; any key or click closes it."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("shortcutOverlay")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(24)
        self._grid.setVerticalSpacing(4)
        title = QLabel("Keys  (press any key or click to close)")
        title.setStyleSheet("font-size: 22px; font-weight: bold; color: white;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 30, 40, 30)
        layout.addWidget(title)
        layout.addLayout(self._grid)
        layout.addStretch(1)
        self.rows: list[tuple[str, str]] = []
        self.hide()

    def set_rows(self, groups: list[tuple[str, list[tuple[str, str]]]]) -> None:
        """groups: (menu name, [(action text, shortcut text)]), laid out in columns by menu."""
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.rows = []
        column = 0
        row = 0
        for menu, entries in groups:
            if row + len(entries) + 1 > 16:
                column += 2
                row = 0
            header = QLabel(menu)
            header.setStyleSheet("font-size: 17px; font-weight: bold; color: #ffd54f;")
            self._grid.addWidget(header, row, column, 1, 2)
            row += 1
            for text, keys in entries:
                key_label = QLabel(keys)
                key_label.setStyleSheet("font-size: 15px; color: #80deea; font-family: monospace;")
                text_label = QLabel(text)
                text_label.setStyleSheet("font-size: 15px; color: white;")
                self._grid.addWidget(key_label, row, column, Qt.AlignmentFlag.AlignRight)
                self._grid.addWidget(text_label, row, column + 1)
                self.rows.append((text, keys))
                row += 1

    def show_over(self, parent: QWidget) -> None:
        self.setGeometry(parent.rect())
        self.raise_()
        self.show()
        self.setFocus()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(10, 10, 20, 225))
        painter.end()

    def event(self, event) -> bool:
        # Take every key while open, so closing it does not also step or toggle something.
        if event.type() == event.Type.ShortcutOverride:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.hide()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.hide()
