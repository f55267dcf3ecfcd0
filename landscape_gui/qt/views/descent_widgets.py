"""The descent panel's own widgets: a number box that takes 1e-8 as readily as 1000, a
slider-and-box row per hyperparameter, the step's arithmetic broken at its operators, and the
wheel guard that keeps scrolling from changing settings."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QLineEdit, QSlider, QWidget

from landscape_gui.core.numbers import entry
from landscape_gui.core.optimizers import HyperParameterSpec, OptimizerError
from landscape_gui.qt.views.palette import ERROR_COLOR, NEUTRAL_GREY

SLIDER_STEPS = 1000

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def split_summary(summary: str) -> tuple[str, str]:
    """An optimizer summary as (update rule, one statement a line; the note in brackets).

    ``"b <- mu*b + g;  p <- p - lr*b  (torch.optim.SGD)"`` becomes
    ``("b ← mu*b + g\\np ← p - lr*b", "torch.optim.SGD")``.
    """
    rule, note = summary.strip(), ""
    cut = rule.rfind("  (")
    if cut > 0 and rule.endswith(")"):
        rule, note = rule[:cut], rule[cut + 3 : -1]
    lines = [part.strip().replace("<-", "←") for part in rule.split(";") if part.strip()]
    return "\n".join(lines), note


def swatch(color: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(NEUTRAL_GREY))
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    painter.end()
    icon = QIcon()
    # The same picture when selected: Qt would otherwise tint it and the colour would lie.
    for mode in (QIcon.Mode.Normal, QIcon.Mode.Selected, QIcon.Mode.Active):
        icon.addPixmap(pixmap, mode)
    return icon


class ArithmeticLabel(QLabel):
    """The update in monospace, broken before its note, ``=`` and then ``−`` when one line will
    not fit.

    Breaking at the operators keeps each vector whole, which plain word wrap would not.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._raw = ""
        self._least_width = 0
        self.setWordWrap(True)

    def set_update_text(self, text: str) -> None:
        self._raw = text
        self._relayout()

    def update_text(self) -> str:
        return self._raw

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._relayout()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._relayout()

    # "   [" sets off a note after the update (the gradient a momentum step was made from):
    # it goes on a line of its own first, so a long note never widens the lesson column.
    BREAKS = (
        (),
        ("; ", "   ["),
        ("; ", "   [", " = "),
        ("; ", "   [", " = ", " − ", " + "),
        ("; ", "   [", " = ", " − ", " + ", " × "),
    )

    @staticmethod
    def _broken(text: str, breaks) -> str:
        for mark in breaks:
            # "; " ends a line; the operators begin the next one.
            replacement = ";\n" if mark == "; " else "\n" + mark.lstrip()
            text = text.replace(mark, replacement)
        return text

    def _widest_line(self, text: str) -> int:
        # A space to spare: QLabel's own wrapping (glyphs from fallback fonts such as ∇)
        # can need a pixel or two more than the measured advance, and would split a vector.
        metrics = self.fontMetrics()
        return max(metrics.horizontalAdvance(line) for line in text.split("\n")) + (
            metrics.horizontalAdvance(" ")
        )

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        """Wide enough for the update broken at every operator: no vector is ever split (in
        the narrow lesson column of presentation mode "(3.00, 4.00)" was)."""
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), self._least_width), hint.height())

    def _relayout(self) -> None:
        text = self._raw or "—"
        margins = self.contentsMargins()
        self._least_width = (
            self._widest_line(self._broken(text, self.BREAKS[-1]))
            + margins.left()
            + margins.right()
            + 2 * self.margin()
            + 8  # the style sheet's padding and border
        )
        width = self.contentsRect().width() - 2 * self.margin()
        for breaks in self.BREAKS:
            candidate = self._broken(text, breaks)
            if self._widest_line(candidate) <= width:
                break
        if candidate != super().text():
            self.setText(candidate)  # (and the minimum width follows the new text)


class WheelGuard(QObject):
    """Lets the mouse wheel scroll the side panel instead of changing an unfocused control.

    Without it, scrolling a long panel past a combo or slider silently changes the optimizer
    or the learning rate under the pointer.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Wheel and not watched.hasFocus():
            event.ignore()
            return True
        return False


class NumberEdit(QLineEdit):
    """A number typed as text, so 1e-8 and 1000 both fit without a fixed decimal count.

    Emits ``valueEdited`` when the user finishes a valid entry. An entry that is not a number
    or that ``check`` rejects turns the box red with the reason as tooltip and emits nothing.
    """

    valueEdited = Signal(float)

    def __init__(
        self,
        check: Callable[[float], float] | None = None,
        help_text: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._check = check
        self._help = help_text
        self._shown = math.nan
        self.setToolTip(help_text)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setFixedWidth(self.fontMetrics().horizontalAdvance("0.000000e-00") + 16)
        self.editingFinished.connect(self._finished)
        self.textEdited.connect(lambda _text: self._show_error(None))

    def value(self) -> float:
        return self._shown

    def set_value(self, value: float) -> None:
        self._shown = float(value)
        text = entry(value)
        if text != self.text():
            self.blockSignals(True)
            self.setText(text)
            self.blockSignals(False)
        self._show_error(None)

    def error(self) -> str:
        """The reason the current entry was refused, or '' when it is fine."""
        return self.property("error") or ""

    def _finished(self) -> None:
        text = self.text().strip().replace("−", "-")
        if not _NUMBER.fullmatch(text):
            self._show_error(f"“{self.text()}” is not a number")
            return
        value = float(text)
        if self._check is not None:
            try:
                value = self._check(value)
            except (OptimizerError, ValueError) as exc:
                self._show_error(str(exc))
                return
        self._show_error(None)
        if value == self._shown:
            return
        self._shown = value
        self.valueEdited.emit(value)

    def _show_error(self, message: str | None) -> None:
        # Called on every refresh (each play, pause and step): a style sheet set again, even
        # the same one, restyles the box, so only a change is applied.
        if (message or "") == self.error() and self.property("error") is not None:
            return
        self.setProperty("error", message or "")
        self.setStyleSheet(f"QLineEdit {{ border: 2px solid {ERROR_COLOR}; }}" if message else "")
        self.setToolTip(f"⚠ {message}" if message else self._help)


class HyperRow(QObject):
    """Label, slider and value box for one hyperparameter, kept in step with each other.

    The slider covers the spec's suggested range (log10-spaced for ``log_scale``); the box
    takes any valid value, and a value beyond the range just pins the slider at its end.
    """

    valueChanged = Signal(str, float)

    def __init__(self, spec: HyperParameterSpec, optimizer_name: str, parent: QWidget):
        super().__init__(parent)
        self.spec = spec
        tip = f"{spec.label} ({spec.name}): {spec.help}" if spec.help else spec.label
        self.label = QLabel(spec.label)
        self.label.setToolTip(tip)
        self.label.setWordWrap(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(f"hyperSlider_{spec.name}")
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setPageStep(SLIDER_STEPS // 20)
        self.slider.setAccessibleName(spec.label)
        self.slider.setToolTip(tip)
        self.slider.setMinimumWidth(60)
        self.box = NumberEdit(
            lambda value: spec.validate(value, optimizer_name), help_text=tip, parent=None
        )
        self.box.setObjectName(f"hyper_{spec.name}")
        self.box.setAccessibleName(spec.label)
        self.label.setBuddy(self.box)
        self.slider.valueChanged.connect(self._slider_moved)
        self.box.valueEdited.connect(self._box_edited)

    def widgets(self) -> tuple[QWidget, ...]:
        return (self.label, self.slider, self.box)

    def value(self) -> float:
        return self.box.value()

    def set_value(self, value: float) -> None:
        self.box.set_value(value)
        self.slider.blockSignals(True)
        self.slider.setValue(self.position_of(value))
        self.slider.blockSignals(False)

    def position_of(self, value: float) -> int:
        low, high, value = self._axis(self.spec.minimum), self._axis(self.spec.maximum), value
        if self.spec.log_scale:
            if not value > 0:
                return 0
            value = math.log10(value)
        if not math.isfinite(value) or high == low:
            return 0
        fraction = (value - low) / (high - low)
        return round(min(max(fraction, 0.0), 1.0) * SLIDER_STEPS)

    def value_at(self, position: int) -> float:
        """The value at a slider position, rounded to what a slider can usefully resolve."""
        low, high = self._axis(self.spec.minimum), self._axis(self.spec.maximum)
        raw = low + (high - low) * position / SLIDER_STEPS
        value = float(f"{10.0**raw:.3g}") if self.spec.log_scale else round(raw, 3)
        return min(max(value, self.spec.minimum), self.spec.maximum)

    def _axis(self, value: float) -> float:
        return math.log10(value) if self.spec.log_scale else value

    def _slider_moved(self, position: int) -> None:
        value = self.value_at(position)
        self.box.set_value(value)
        self.valueChanged.emit(self.spec.name, value)

    def _box_edited(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(self.position_of(value))
        self.slider.blockSignals(False)
        self.valueChanged.emit(self.spec.name, value)
