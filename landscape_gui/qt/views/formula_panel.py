"""The formula editor: the formula, presets, ranges, parameter sliders and the typeset derivatives.

A thin view: it shows what the controller tells it and emits what the user did. Typing is
debounced so the landscape follows the text without recomputing on every keystroke.
"""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from landscape_gui.qt.views.palette import ERROR_COLOR

DEBOUNCE_MS = 300
NORMAL_FORMULA_PIXELS = 17
SLIDER_STEPS = 1000
MATH_TITLE = "The formula and its exact derivatives"


def display_text(text: str) -> str:
    """Input syntax as mathematics people read: 2*x^2*sqrt(y) becomes 2x²·√(y), pi becomes π.
    The plain form shown until the typeset picture arrives, or instead of one too wide to read;
    never the code-like text of the input box."""
    text = re.sub(r"\bpi\b", "π", text)
    text = re.sub(r"\bsqrt\(", "√(", text)
    text = re.sub(r"\^(\d+)\b", lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
    text = re.sub(r"(?<=[\d)²³⁴⁵⁶⁷⁸⁹⁰¹])\*(?=[a-zA-Zπ√(])", "", text)  # 2*x -> 2x
    return text.replace("*", "·").replace("-", "−")


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
MIN_PICTURE_SCALE = 0.6  # a picture shrunk more than this to fit is unreadable: show text
MAX_PLAIN_CHARACTERS = 320  # a longer plain form ends in "…" (all of it in the tooltip)


MATH_TEXT_PIXELS = 15  # the plain mathematics, in the size of the typeset lines


class MathLabel(QWidget):
    """A typeset formula (SVG) scaled to fit, or its plain mathematical text until one exists
    or when the picture would have to shrink past reading."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._renderer: QSvgRenderer | None = None
        self._picture: QSvgRenderer | None = None
        self._plain = ""
        self._scale = 1.0
        self._text = QLabel(self)
        self._text.setObjectName("mathText")
        self._text.setWordWrap(True)
        font = QFont("serif")
        font.setStyleHint(QFont.StyleHint.Serif)
        self._text.setFont(font)  # in the style of the typeset lines
        self._normal_font = QFont(font)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._text)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(30)

    def set_math(self, text: str, svg: bytes | None = None) -> None:
        self.setToolTip(text)
        self._plain = text
        renderer = QSvgRenderer(svg) if svg else None
        self._picture = renderer if renderer is not None and renderer.isValid() else None
        self._choose()

    def _choose(self) -> None:
        """The picture when it fits at a readable size, else the plain form."""
        renderer = self._picture
        if renderer is not None and self._fit_scale(renderer) >= MIN_PICTURE_SCALE * self._scale:
            self._renderer = renderer
            self._text.hide()
            # Natural size, so every line is typeset at the same scale (a fraction is taller,
            # not smaller); only a line wider than the panel is shrunk to fit.
            self.setMinimumHeight(max(30, int(renderer.defaultSize().height() * self._scale) + 6))
        else:
            self.setMinimumHeight(30)
            self._renderer = None
            plain = display_text(getattr(self, "_plain", ""))
            if len(plain) > MAX_PLAIN_CHARACTERS:
                plain = plain[:MAX_PLAIN_CHARACTERS].rsplit(" ", 1)[0] + " … (all of it: hover)"
            self._text.setText(plain)
            self._text.show()
        self.updateGeometry()
        self.update()

    def _fit_scale(self, renderer: QSvgRenderer) -> float:
        size = renderer.defaultSize()
        width = self.width() if self.width() > 50 else 360
        return width / size.width() if size.width() > 0 else 0.0

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        shown = self._renderer is not None
        readable = self._picture is not None and (
            self._fit_scale(self._picture) >= MIN_PICTURE_SCALE * self._scale
        )
        if shown != readable:
            self._choose()

    def text(self) -> str:
        return self.toolTip()

    def set_scale(self, scale: float) -> None:
        """Presentation mode draws the mathematics larger."""
        self._scale = scale
        font = QFont(self._normal_font)
        if scale != 1.0:
            font.setPixelSize(round(MATH_TEXT_PIXELS * scale))
        self._text.setFont(font)
        self._choose()

    def has_picture(self) -> bool:
        return self._renderer is not None

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        if self._renderer is None:
            return super().sizeHint()
        size = self._renderer.defaultSize()
        # As tall as the minimum (the picture at its scale): a box laid out by height for
        # width takes the hint, and with the unscaled height it cut the projector-sized
        # picture's lower edge in a narrow lesson column.
        return QSize(min(size.width(), 400), max(self.minimumHeight(), size.height() + 6))

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self._renderer is None:
            return super().paintEvent(event)
        size = self._renderer.defaultSize()
        if size.width() <= 0 or size.height() <= 0:
            return None
        scale = min(self.width() / size.width(), self.height() / size.height(), self._scale)
        width, height = size.width() * scale, size.height() * scale
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer.render(painter, QRectF(0, (self.height() - height) / 2, width, height))
        painter.end()
        return None


class ParameterRow(QWidget):
    """A slider and a value box for one parameter; both edit the same number."""

    valueChanged = Signal(str, float)

    def __init__(self, name: str, value: float, parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        self._low, self._high = -10.0, 10.0
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setObjectName(f"parameterSlider_{name}")
        self.slider.setAccessibleName(f"parameter {name}")
        self.box = QDoubleSpinBox()
        self.box.setObjectName(f"parameterBox_{name}")
        self.box.setDecimals(3)
        self.box.setRange(-1e6, 1e6)
        self.box.setSingleStep(0.1)
        self.box.setKeyboardTracking(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(f"<i>{name}</i>")
        label.setMinimumWidth(16)
        layout.addWidget(label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.box)
        self.set_value(value)
        self.slider.valueChanged.connect(self._slider_moved)
        self.box.valueChanged.connect(self._box_changed)

    def set_value(self, value: float) -> None:
        # Widen the slider's range when a typed value falls outside it.
        if value < self._low or value > self._high:
            reach = max(abs(value) * 2, 10.0)
            self._low, self._high = -reach, reach
        for widget in (self.slider, self.box):
            widget.blockSignals(True)
        self.box.setValue(value)
        self.slider.setValue(round((value - self._low) / (self._high - self._low) * SLIDER_STEPS))
        for widget in (self.slider, self.box):
            widget.blockSignals(False)

    def value(self) -> float:
        return self.box.value()

    def _slider_moved(self, position: int) -> None:
        value = self._low + (self._high - self._low) * position / SLIDER_STEPS
        value = round(value, 2)
        self.box.blockSignals(True)
        self.box.setValue(value)
        self.box.blockSignals(False)
        self.valueChanged.emit(self.name, value)

    def _box_changed(self, value: float) -> None:
        self.set_value(value)
        self.valueChanged.emit(self.name, value)


class FormulaPanel(QWidget):
    formulaEdited = Signal(str)
    presetChosen = Signal(str)
    domainEdited = Signal(object)  # (x_min, x_max, y_min, y_max)
    domainResetRequested = Signal()
    parameterChanged = Signal(str, float)
    constraintEdited = Signal(str)  # the text of g(x, y) = c; empty for no constraint
    constraintPresetChosen = Signal(str)

    def __init__(
        self,
        presets: list[tuple[str, str]],
        parent: QWidget | None = None,
        constraint_presets: list[tuple[str, str]] = (),  # type: ignore[assignment]
    ):
        super().__init__(parent)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit_formula)
        self._compact = False

        self.formula_edit = QLineEdit()
        self.formula_edit.setObjectName("formulaEdit")
        self.formula_edit.setPlaceholderText("type f(x, y), e.g. x^2 + 3xy + y^2")
        self.formula_edit.setAccessibleName("formula f(x, y)")
        self.formula_edit.setClearButtonEnabled(True)
        self.formula_edit.textEdited.connect(lambda _text: self._debounce.start())
        self.formula_edit.returnPressed.connect(self._emit_formula)

        self.error_label = QLabel()
        self.error_label.setObjectName("formulaError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ERROR_COLOR};")
        self.error_label.hide()

        # The optional constraint g(x, y) = c, typed and checked like f.
        self._constraint_debounce = QTimer(self)
        self._constraint_debounce.setSingleShot(True)
        self._constraint_debounce.setInterval(DEBOUNCE_MS)
        self._constraint_debounce.timeout.connect(self._emit_constraint)
        self.constraint_title = QLabel("<b>constraint g(x, y) = c</b> (optional)")
        self.constraint_title.setObjectName("constraintTitle")
        self.constraint_edit = QLineEdit()
        self.constraint_edit.setObjectName("constraintEdit")
        self.constraint_edit.setPlaceholderText("e.g. x^2 + y^2 = 1 (empty: none)")
        self.constraint_edit.setAccessibleName("constraint g(x, y) = c")
        self.constraint_edit.setClearButtonEnabled(True)
        self.constraint_edit.textEdited.connect(lambda _text: self._constraint_debounce.start())
        self.constraint_edit.returnPressed.connect(self._emit_constraint)
        self.constraint_error = QLabel()
        self.constraint_error.setObjectName("constraintError")
        self.constraint_error.setWordWrap(True)
        self.constraint_error.setStyleSheet(f"color: {ERROR_COLOR};")
        self.constraint_error.hide()
        self.constraint_preset_combo = QComboBox()
        self.constraint_preset_combo.setObjectName("constraintPresetCombo")
        self.constraint_preset_combo.addItem("Constraint presets…", None)
        for key, name in constraint_presets:
            self.constraint_preset_combo.addItem(name, key)
        self.constraint_preset_combo.setVisible(bool(constraint_presets))
        self.constraint_preset_combo.activated.connect(self._constraint_preset_activated)
        self._apply_formula_font(big=False)

        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("presetCombo")
        self.preset_combo.addItem("Presets…", None)
        for number, (key, name) in enumerate(presets, start=1):
            label = f"{number}  {name}" if number <= 9 else f"    {name}"
            self.preset_combo.addItem(label, key)
        self.preset_combo.activated.connect(self._preset_activated)

        self.domain_boxes = []
        domain_grid = QGridLayout()
        for row, axis in enumerate("xy"):
            domain_grid.addWidget(QLabel(f"{axis} from"), row, 0)
            for column, end in enumerate(("min", "max")):
                box = QDoubleSpinBox()
                box.setObjectName(f"range_{axis}_{end}")
                box.setRange(-1e6, 1e6)
                box.setDecimals(3)
                box.setKeyboardTracking(False)
                box.setMinimumWidth(84)  # "-123.456"; the range's widest need not set the width
                box.valueChanged.connect(self._domain_edited)
                self.domain_boxes.append(box)
                domain_grid.addWidget(box, row, 1 + 2 * column)
            domain_grid.addWidget(QLabel("to"), row, 2)
        reset = QPushButton("Reset ranges")
        reset.setObjectName("resetRanges")
        reset.setToolTip("Back to the preset's usual ranges")
        reset.clicked.connect(self.domainResetRequested)
        domain_grid.addWidget(reset, 2, 1, 1, 3)

        self.parameters_box = QGroupBox("Parameters")
        self.parameters_layout = QVBoxLayout(self.parameters_box)
        self.parameters_box.hide()
        self.parameter_rows: dict[str, ParameterRow] = {}

        self.math = {name: MathLabel() for name in ("f", "df_dx", "df_dy", "grad")}
        math_box = QGroupBox(MATH_TITLE)
        math_layout = QVBoxLayout(math_box)
        for label in self.math.values():
            math_layout.addWidget(label)

        form = QFormLayout()
        form.addRow(self.preset_combo)
        form.addRow(domain_grid)
        self._setup_widgets = QWidget()
        self._setup_widgets.setLayout(form)
        self._math_box = math_box

        layout = QVBoxLayout(self)
        title = QLabel("<b>z = f(x, y) =</b>")
        self._title = title
        layout.addWidget(title)
        layout.addWidget(self.formula_edit)
        layout.addWidget(self.error_label)
        layout.addWidget(self.constraint_title)
        layout.addWidget(self.constraint_edit)
        layout.addWidget(self.constraint_error)
        layout.addWidget(self.constraint_preset_combo)
        self._constraint_presets_available = bool(constraint_presets)
        layout.addWidget(self._setup_widgets)
        layout.addWidget(self.parameters_box)
        layout.addWidget(math_box)

    def _apply_formula_font(self, big: bool, scale: float = 2.0) -> None:
        for edit, share in ((self.formula_edit, 1.0), (self.constraint_edit, 0.75)):
            font = edit.font()
            pixels = NORMAL_FORMULA_PIXELS * (scale * share if big else 1.0)
            font.setPixelSize(max(NORMAL_FORMULA_PIXELS, round(pixels)))
            edit.setFont(font)

    def set_presentation(self, big: bool, scale: float = 2.0) -> None:
        self._apply_formula_font(big, scale)
        for label in self.math.values():
            label.set_scale(0.8 * scale if big else 1.0)

    def set_compact(self, compact: bool) -> None:
        """Presentation mode: the formula and its derivatives, without the set-up controls."""
        self._compact = compact
        self._setup_widgets.setVisible(not compact)
        self.parameters_box.setVisible(not compact and bool(self.parameter_rows))
        self._show_constraint_rows()
        # The box shows f as typed and ∇f holds both partials: on a projector the typeset f and
        # the two separate partials cost more room than they tell.
        self._title.setVisible(not compact)
        for name in ("f", "df_dx", "df_dy"):
            self.math[name].setVisible(not compact)
        self._math_box.setTitle("" if compact else MATH_TITLE)

    # What the controller tells the view
    def set_formula_text(self, text: str) -> None:
        if self.formula_edit.text() != text:
            self.formula_edit.setText(text)
            if not self.formula_edit.hasFocus():
                # A formula set from elsewhere (a preset, a file, undo) is read from its
                # start: a long one showed only its end, "…)^2+(x+y^2-7)^2".
                self.formula_edit.setCursorPosition(0)
        self._debounce.stop()

    def set_constraint_text(self, text: str) -> None:
        if self.constraint_edit.text() != text:
            self.constraint_edit.setText(text)
        self._constraint_debounce.stop()
        self._show_constraint_rows()

    def show_constraint_error(self, message: str | None, position: int | None = None) -> None:
        """Say what is wrong with the typed constraint; the last good one stays in use."""
        if not message:
            self.constraint_error.hide()
            self.constraint_error.clear()
            self.constraint_edit.setStyleSheet("")
            return
        self.constraint_error.setText(f"⚠ {message}. The last good constraint stays in use.")
        self.constraint_error.show()
        self.constraint_edit.setStyleSheet(f"QLineEdit {{ border: 2px solid {ERROR_COLOR}; }}")
        if position is not None and not self.constraint_edit.hasFocus():
            self.constraint_edit.setCursorPosition(position)

    def set_constraint_preset(self, key: str | None) -> None:
        index = self.constraint_preset_combo.findData(key) if key else 0
        self.constraint_preset_combo.setCurrentIndex(max(index, 0))

    def _show_constraint_rows(self) -> None:
        """In presentation mode the constraint shows only when there is one, without its
        title and presets (the box says g = c itself)."""
        compact = self._compact
        has_one = bool(self.constraint_edit.text().strip())
        self.constraint_title.setVisible(not compact)
        self.constraint_edit.setVisible(not compact or has_one)
        self.constraint_preset_combo.setVisible(not compact and self._constraint_presets_available)

    def show_error(self, message: str | None, position: int | None = None) -> None:
        if not message:
            self.error_label.hide()
            self.error_label.clear()
            self.formula_edit.setStyleSheet("")
            return
        self.error_label.setText(f"⚠ {message}. The last good landscape stays on screen.")
        self.error_label.show()
        self.formula_edit.setStyleSheet(f"QLineEdit {{ border: 2px solid {ERROR_COLOR}; }}")
        if position is not None and self.formula_edit.hasFocus() is False:
            self.formula_edit.setCursorPosition(position)

    def set_domain(self, domain: tuple[float, float, float, float]) -> None:
        for box, value in zip(self.domain_boxes, domain, strict=True):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)

    def set_parameters(self, values: dict[str, float]) -> None:
        if list(values) != list(self.parameter_rows):
            for row in self.parameter_rows.values():
                row.setParent(None)
                row.deleteLater()
            self.parameter_rows = {}
            for name, value in values.items():
                row = ParameterRow(name, value)
                row.valueChanged.connect(self.parameterChanged)
                self.parameters_layout.addWidget(row)
                self.parameter_rows[name] = row
        else:
            for name, value in values.items():
                if not math.isclose(self.parameter_rows[name].value(), value):
                    self.parameter_rows[name].set_value(value)
        self.parameters_box.setVisible(bool(values))

    def set_math(self, texts: dict[str, str], pictures: dict[str, bytes | None]) -> None:
        for name, label in self.math.items():
            label.set_math(texts.get(name, ""), pictures.get(name))

    def set_preset(self, key: str | None) -> None:
        index = self.preset_combo.findData(key) if key else 0
        self.preset_combo.setCurrentIndex(max(index, 0))

    # What the user did
    def _emit_formula(self) -> None:
        self._debounce.stop()
        self.formulaEdited.emit(self.formula_edit.text())

    def _emit_constraint(self) -> None:
        self._constraint_debounce.stop()
        self.constraintEdited.emit(self.constraint_edit.text())

    def _constraint_preset_activated(self, index: int) -> None:
        key = self.constraint_preset_combo.itemData(index)
        if key:
            self.constraintPresetChosen.emit(key)

    def _preset_activated(self, index: int) -> None:
        key = self.preset_combo.itemData(index)
        if key:
            self.presetChosen.emit(key)

    def _domain_edited(self) -> None:
        self.domainEdited.emit(tuple(box.value() for box in self.domain_boxes))
