"""The caption bar: what the last step did, in plain words, readable from the back row."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
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
        self.label.installEventFilter(self)  # its width: see _keep_height
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
        # (type size, the label's width): the height kept there
        self._kept_heights: dict[tuple[int, int], int] = {}
        self._type_size = NORMAL_PIXELS
        self._big_scale = 1.9
        self._dark = False
        self._apply_style()

    def set_text(self, text: str) -> None:
        if text == self.label.text():
            return  # (the caption is told again after every panel refresh: nothing to measure)
        self.label.setText(text)
        self._keep_height()

    def _keep_height(self) -> None:
        """Across the top of the window, the caption keeps the tallest height its texts have
        needed at this width: a step whose sentence is a line shorter than the last one's
        must not move every view below it up, and the next one's down again (they jumped
        while stepping, and each jump resized them all, a stall of 50 ms). Kept per width,
        so a window made narrower and wide again, or back from presentation mode, is laid
        out as it was. In the lesson column (presentation) the column is fitted as a whole."""
        if self._big:
            self.label.setMinimumHeight(0)
            return
        width = self.label.width()
        if width <= 0:
            return
        key = (self._type_size, width)
        kept = self.label.minimumHeight()
        self.label.setMinimumHeight(0)  # (a label's height for a width is at least its minimum)
        needed = self.label.heightForWidth(width)
        self.label.setMinimumHeight(kept)
        height = max(needed, self._kept_heights.get(key, 0))
        self._kept_heights[key] = height
        if len(self._kept_heights) > 64:  # a window dragged through many widths
            self._kept_heights = {key: height}
        if height != self.label.minimumHeight():
            self.label.setMinimumHeight(height)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if (
            watched is self.label
            and event.type() == QEvent.Type.Resize
            and event.size().width() != event.oldSize().width()
        ):
            self._keep_height()  # another width wraps the texts anew
        return super().eventFilter(watched, event)

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
        self._type_size = size  # measured again for this size of type
        self._keep_height()
