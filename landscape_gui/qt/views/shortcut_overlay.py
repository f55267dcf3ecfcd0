"""The shortcut overlay (F1 or ?): every action and its keys, generated from the action table."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from landscape_gui.qt.views.palette import (
    OVERLAY_HEADING,
    OVERLAY_KEY,
    OVERLAY_TEXT,
    OVERLAY_VEIL,
)

GRID_SPACING = (24, 4)  # horizontal, vertical
MAX_PIXELS, MIN_PIXELS = 22, 10  # the rows' type, as large as the window lets every row fit


class ShortcutOverlay(QWidget):
    """A translucent sheet over the window; any key or click closes it."""

    shown = Signal(bool)  # shown (True) or closed

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("shortcutOverlay")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(GRID_SPACING[0])
        self._grid.setVerticalSpacing(GRID_SPACING[1])
        title = QLabel("Keys  (press any key or click to close)")
        title.setStyleSheet(f"font-size: 22px; font-weight: bold; color: {OVERLAY_TEXT};")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 30, 40, 30)
        layout.addWidget(title)
        layout.addLayout(self._grid)
        layout.addStretch(1)
        self.rows: list[tuple[str, str]] = []
        self._groups: list[tuple[str, list[tuple[str, str]]]] = []
        # The rows' labels are made when the overlay is shown, for the size it is shown at:
        # a hundred labels made at start-up, in front of the window's first frame, would
        # only be made again for the window's size when F1 is pressed.
        self._stale = True
        self.hide()

    def set_rows(self, groups: list[tuple[str, list[tuple[str, str]]]]) -> None:
        """groups: (menu name, [(action text, shortcut text)]), laid out in columns by menu,
        as many rows to a column as the window's height holds, in the largest type that lets
        every column fit across."""
        self._groups = groups
        self.rows = [row for _menu, entries in groups for row in entries]
        self._stale = True
        if self.isVisible():
            self._relayout()

    def _plan(self, pixels: int) -> tuple[list[list[tuple[str, str, str]]], bool]:
        """Columns of (kind, first, second) rows at this type size, and whether they fit."""
        font = QFont(self.font())
        font.setPixelSize(pixels)
        metrics = QFontMetrics(font)
        bold = QFont(font)
        bold.setBold(True)
        bold.setPixelSize(pixels + 2)
        line = max(metrics.height(), QFontMetrics(bold).height()) + GRID_SPACING[1]
        margins = self.layout().contentsMargins()
        height = self.height() - margins.top() - margins.bottom() - 2 * line - 8
        per_column = max(height // line, 4)
        columns: list[list[tuple[str, str, str]]] = [[]]
        for menu, entries in self._groups:
            if columns[-1] and len(columns[-1]) + min(len(entries), 3) + 1 > per_column:
                columns.append([])
            columns[-1].append(("menu", menu, ""))
            for text, keys in entries:
                if len(columns[-1]) >= per_column:
                    columns.append([("menu", f"{menu} (continued)", "")])
                columns[-1].append(("row", keys, text))
        width = 0
        for column in columns:
            keys = max(
                (metrics.horizontalAdvance(r[1]) for r in column if r[0] == "row"), default=0
            )
            texts = max(
                (metrics.horizontalAdvance(r[2]) for r in column if r[0] == "row"), default=0
            )
            menus = max(
                (QFontMetrics(bold).horizontalAdvance(r[1]) for r in column if r[0] == "menu"),
                default=0,
            )
            width += max(keys + GRID_SPACING[0] + texts, menus) + 2 * GRID_SPACING[0]
        room = self.width() - margins.left() - margins.right()
        return columns, width <= room

    def _relayout(self) -> None:
        self._stale = False
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        groups = self._groups
        if not groups:
            return
        for pixels in range(MAX_PIXELS, MIN_PIXELS - 1, -1):
            columns, fits = self._plan(pixels)
            if fits:
                break
        self._pixels = pixels
        for number, column in enumerate(columns):
            for row, (kind, first, second) in enumerate(column):
                if kind == "menu":
                    header = QLabel(first)
                    header.setStyleSheet(
                        f"font-size: {pixels + 2}px; font-weight: bold; color: {OVERLAY_HEADING};"
                    )
                    self._grid.addWidget(header, row, 2 * number, 1, 2)
                    continue
                key_label = QLabel(first)
                key_label.setStyleSheet(
                    f"font-size: {pixels}px; color: {OVERLAY_KEY}; font-family: monospace;"
                )
                text_label = QLabel(second)
                text_label.setStyleSheet(f"font-size: {pixels}px; color: {OVERLAY_TEXT};")
                self._grid.addWidget(key_label, row, 2 * number, Qt.AlignmentFlag.AlignRight)
                self._grid.addWidget(text_label, row, 2 * number + 1)
        self._grid.setColumnStretch(2 * len(columns), 1)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.isVisible():
            self._relayout()
        else:
            self._stale = True

    def show_over(self, parent: QWidget) -> None:
        self.shown.emit(True)
        self.setGeometry(parent.rect())
        self.raise_()
        self.show()
        if self._stale:
            self._relayout()
        self.setFocus()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(*OVERLAY_VEIL))
        painter.end()

    def event(self, event) -> bool:
        # Take every key while open, so closing it does not also step or toggle something.
        if event.type() == event.Type.ShortcutOverride:
            event.accept()
            return True
        return super().event(event)

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().hideEvent(event)
        self.shown.emit(False)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.hide()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.hide()
