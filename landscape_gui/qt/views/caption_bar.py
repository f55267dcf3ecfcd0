"""The caption bar: what the last step did, in plain words, readable from the back row."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QLabel, QWidget

from landscape_gui.qt.views import palette

NORMAL_PIXELS = 15
BIG_FACTOR = 1.0  # presentation: times the screen's scale


class CaptionBar(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("captionBar")
        self.label = QLabel()
        self.label.setObjectName("caption")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName("what the last step did")
        self.hint = QLabel("Esc: leave presentation · F1: keys")
        self.hint.setObjectName("presentationHint")
        self.hint.hide()
        # Across the top of the window, the hint sits beside the caption; in presentation mode
        # the caption heads a narrow lesson column and the hint goes on its own line below,
        # so a long lesson text never runs into it.
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(8, 4, 8, 4)
        self._layout.addWidget(self.label, 1)
        self._layout.addWidget(self.hint, 0, Qt.AlignmentFlag.AlignTop)
        self._big = False
        self._big_scale = 1.9
        self._dark = False
        self._apply_style()

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self._keep_height()

    def _keep_height(self) -> None:
        """Across the top of the window, the caption keeps the tallest height its texts have
        needed at this width: a step whose sentence is a line shorter than the last one's
        must not move every view below it up, and the next one's down again (they jumped
        while stepping, and each jump resized them all, a stall of 50 ms). In the lesson
        column (presentation) the column is fitted as a whole instead."""
        if self._big:
            self.label.setMinimumHeight(0)
            return
        needed = self.label.heightForWidth(self.label.width()) if self.label.width() > 0 else 0
        height = max(needed, self.label.minimumHeight())
        if height != self.label.minimumHeight():
            self.label.setMinimumHeight(height)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            # A new width wraps the texts anew: start again from the text on show.
            self.label.setMinimumHeight(0)
            self._keep_height()

    def text(self) -> str:
        return self.label.text()

    def set_presentation(self, big: bool, scale: float = 1.9) -> None:
        self._big = big
        self._big_scale = float(scale)
        self.hint.setVisible(big)
        self._layout.setDirection(
            QBoxLayout.Direction.TopToBottom if big else QBoxLayout.Direction.LeftToRight
        )
        self._layout.setAlignment(
            self.hint, Qt.AlignmentFlag.AlignRight if big else Qt.AlignmentFlag.AlignTop
        )
        self._apply_style()

    def set_style(self, dark: bool) -> None:
        self._dark = dark
        self._apply_style()

    def _apply_style(self) -> None:
        size = round(NORMAL_PIXELS * self._big_scale * BIG_FACTOR) if self._big else NORMAL_PIXELS
        # High contrast that survives a washed-out projector: near-black on pale yellow.
        on_dark = self._dark and not self._big
        background = palette.DARK_WINDOW if on_dark else palette.CAPTION_BACKGROUND
        foreground = palette.CAPTION_TEXT_ON_DARK if on_dark else palette.CAPTION_TEXT
        self.label.setStyleSheet(f"font-size: {size}px; color: {foreground};")
        self.hint.setStyleSheet(
            f"font-size: {max(12, size * 2 // 3)}px; color: {palette.CAPTION_HINT};"
        )
        self.setStyleSheet(f"#captionBar {{ background: {background}; }}")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.label.setMinimumHeight(0)  # another size of type: measured again
        self._keep_height()
