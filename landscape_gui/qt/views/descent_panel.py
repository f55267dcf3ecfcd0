"""The descent controls: the race of runs, the selected run's optimizer and settings, when to
stop, the playback transport, the arithmetic of the last step and the basin map toggle.

A thin view: the controls are built from the optimizer table handed in, the controller fills
every number and text, and the panel emits a signal for each thing the user did. Setters block
signals, so the controller never hears its own changes echoed back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from landscape_gui.core.limits import DEFAULT_MAX_STEPS, DEFAULT_TOLERANCE, MAX_STEPS
from landscape_gui.core.optimizers import OptimizerSpec
from landscape_gui.qt.views import palette
from landscape_gui.qt.views.descent_widgets import (
    ArithmeticLabel,
    HyperRow,
    NumberEdit,
    WheelGuard,
    split_summary,
    swatch,
)

SPEEDS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0, 100.0, 1000.0)
AS_FAST_AS_POSSIBLE = 0.0
DEFAULT_SPEED = 10.0
TRANSPORT_TITLE = "Walk downhill"
SPIN_MIN_WIDTH = 84  # fits "-123.456"; the range's widest number need not set the width
VISIBLE_RUN_ROWS = 4  # rows the run list shows before it scrolls

# Status colours (light, dark; palette.py). A glyph goes with each so the kind does not rest
# on colour.
STATUS_GLYPHS = {
    "running": "▶",
    "paused": "❚❚",
    "converged": "✓",
    "max-steps": "■",
    "diverged": "⚠",
    "idle": "",
}
STATUS_STYLES: dict[str, tuple[str, str, str]] = {
    kind: (*palette.STATUS_COLORS[kind], glyph) for kind, glyph in STATUS_GLYPHS.items()
}


NORMAL_SIZES = {"counter": 20, "status": 15, "arithmetic": 13}
BIG_FACTORS = {"counter": 1.0, "status": 1.0, "arithmetic": 1.0}  # times the screen's scale


class DescentPanel(QWidget):
    """Controls for gradient descent; see the module docstring."""

    runSelected = Signal(int)
    runAdded = Signal()
    runRemoved = Signal(int)
    runVisibilityChanged = Signal(int, bool)
    optimizerChanged = Signal(int, str)
    hyperparameterChanged = Signal(int, str, float)
    startEdited = Signal(int, float, float)
    maxStepsChanged = Signal(int)
    toleranceChanged = Signal(float)
    firstRequested = Signal()
    stepBackRequested = Signal()
    stepRequested = Signal(int)
    playToggled = Signal()
    resetRequested = Signal()
    speedChanged = Signal(float)
    basinsToggled = Signal(bool)

    def __init__(self, optimizers: Mapping[str, OptimizerSpec], parent: QWidget | None = None):
        super().__init__(parent)
        self._optimizers = dict(optimizers)
        self._dark = False
        self._big = False
        self._big_scale = 2.0
        self._status_kind = "idle"
        self._wheel_guard = WheelGuard(self)
        self.hyper_rows: dict[str, HyperRow] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self._layout = layout
        layout.setSpacing(8)
        self._runs_box = self._build_runs()
        self._settings_box = self._build_settings()
        self._stopping_box = self._build_stopping()
        self._basins_row = self._build_basins()
        layout.addWidget(self._runs_box)
        layout.addWidget(self._settings_box)
        layout.addWidget(self._stopping_box)
        layout.addWidget(self._build_transport())
        layout.addWidget(self._build_arithmetic())
        layout.addWidget(self._basins_row, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

        first_key = next(iter(self._optimizers), None)
        if first_key is not None:
            spec = self._optimizers[first_key]
            self.set_run_settings(first_key, spec.defaults(), (0.0, 0.0))
        self._apply_fonts()
        self._apply_status_style()

    # ------------------------------------------------------------------ building

    def _build_runs(self) -> QGroupBox:
        box = QGroupBox("Runs")
        self.run_list = QListWidget()
        self._run_list_fitted: tuple | None = None  # what its height was last fitted to
        self.run_list.setObjectName("runList")
        self.run_list.setAccessibleName("runs")
        self.run_list.setToolTip(
            "Every run descends at once, so optimizers can race.\n"
            "Tick to show or hide a run; select one to edit its settings below."
        )
        self.run_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.run_list.setIconSize(QSize(14, 14))
        self.run_list.setWordWrap(True)
        self.run_list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.run_list.currentRowChanged.connect(self._run_row_changed)
        self.run_list.itemChanged.connect(self._run_item_changed)

        self.add_run_button = QPushButton("Add run")
        self.add_run_button.setObjectName("addRun")
        self.add_run_button.setToolTip("Race another run from the same start")
        self.add_run_button.clicked.connect(self.runAdded)
        self.remove_run_button = QPushButton("Remove run")
        self.remove_run_button.setObjectName("removeRun")
        self.remove_run_button.setToolTip("Remove the selected run")
        self.remove_run_button.clicked.connect(self._remove_clicked)
        self.remove_run_button.setEnabled(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_run_button)
        buttons.addWidget(self.remove_run_button)
        layout = QVBoxLayout(box)
        layout.addWidget(self.run_list)
        layout.addLayout(buttons)
        self._fit_run_list()
        return box

    def _build_settings(self) -> QGroupBox:
        box = QGroupBox("Selected run")
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName("optimizerCombo")
        self.optimizer_combo.setAccessibleName("optimizer")
        # Step rules that walk along a curve g = c are offered only while there is one.
        self._fill_optimizers([k for k, s in self._optimizers.items() if not s.constrained])
        self.optimizer_combo.currentIndexChanged.connect(self._optimizer_chosen)
        self._guard(self.optimizer_combo)
        self.optimizer_summary = QLabel()
        self.optimizer_summary.setObjectName("optimizerSummary")
        self.optimizer_summary.setWordWrap(True)
        self.optimizer_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        summary_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        summary_font.setPointSizeF(max(self.font().pointSizeF() - 1, 7))
        self.optimizer_summary.setFont(summary_font)

        self.stability_hint = QLabel()
        self.stability_hint.setObjectName("stabilityHint")
        self.stability_hint.setWordWrap(True)
        self.stability_hint.hide()

        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setObjectName("advancedToggle")
        self.advanced_toggle.setText("Advanced")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setChecked(False)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_toggle.setStyleSheet("QToolButton { border: none; padding: 2px 0; }")
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setToolTip("Numbers most people leave alone")
        self.advanced_toggle.toggled.connect(self._advanced_toggled)

        self._rows_host = QVBoxLayout()
        self._rows_host.setContentsMargins(0, 0, 0, 0)
        self._rows_widget: QWidget | None = None

        self.start_x = self._start_box("startX", "x")
        self.start_y = self._start_box("startY", "y")
        start_row = QHBoxLayout()
        start_label = QLabel("Start at")
        start_label.setToolTip("Where the run begins; you can also click the contour map")
        start_row.addWidget(start_label)
        for axis, spin in (("x", self.start_x), ("y", self.start_y)):
            start_row.addSpacing(4)
            start_row.addWidget(QLabel(axis))
            start_row.addWidget(spin, 1)

        layout = QVBoxLayout(box)
        layout.addWidget(self.optimizer_combo)
        layout.addWidget(self.optimizer_summary)
        layout.addLayout(self._rows_host)
        layout.addLayout(start_row)
        return box

    def _start_box(self, name: str, axis: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setObjectName(name)
        spin.setAccessibleName(f"start {axis}")
        spin.setRange(-1e6, 1e6)
        spin.setDecimals(3)
        spin.setSingleStep(0.1)
        spin.setKeyboardTracking(False)
        spin.setMinimumWidth(SPIN_MIN_WIDTH)  # not the width of -1000000.000: a narrow panel
        spin.valueChanged.connect(self._start_edited)
        self._guard(spin)
        return spin

    def _build_stopping(self) -> QGroupBox:
        box = QGroupBox("Stop when")
        self.max_steps = QSpinBox()
        self.max_steps.setObjectName("maxSteps")
        self.max_steps.setAccessibleName("maximum steps")
        self.max_steps.setRange(1, MAX_STEPS)
        self.max_steps.setValue(DEFAULT_MAX_STEPS)
        self.max_steps.setGroupSeparatorShown(True)
        self.max_steps.setKeyboardTracking(False)
        self.max_steps.setToolTip("Give up after this many steps")
        self.max_steps.valueChanged.connect(self.maxStepsChanged)
        self._guard(self.max_steps)

        def positive(value: float) -> float:
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"the tolerance must be greater than 0, got {value:g}")
            return value

        self.tolerance = NumberEdit(
            positive, help_text="Converged when the gradient's length |∇f| falls below this"
        )
        self.tolerance.setObjectName("tolerance")
        self.tolerance.setAccessibleName("tolerance")
        self.tolerance.set_value(DEFAULT_TOLERANCE)
        self.tolerance.valueEdited.connect(self.toleranceChanged)

        grid = QGridLayout(box)
        grid.addWidget(QLabel("steps reach"), 0, 0)
        grid.addWidget(self.max_steps, 0, 1)
        tolerance_label = QLabel("or |∇f| <")
        tolerance_label.setToolTip(self.tolerance.toolTip())
        grid.addWidget(tolerance_label, 1, 0)
        grid.addWidget(self.tolerance, 1, 1)
        grid.setColumnStretch(2, 1)
        return box

    def _build_transport(self) -> QGroupBox:
        box = QGroupBox(TRANSPORT_TITLE)
        self._transport_box = box
        style = self.style()
        pixmap = QStyle.StandardPixmap

        def button(name: str, text: str, tip: str, icon: QStyle.StandardPixmap | None = None):
            widget = QPushButton(text)
            widget.setObjectName(name)
            widget.setToolTip(tip)
            widget.setAccessibleName(tip)
            if icon is not None:
                widget.setIcon(style.standardIcon(icon))
            return widget

        self.first_button = button(
            "firstStep", "First", "Back to the start point", pixmap.SP_MediaSkipBackward
        )
        self.back_button = button("stepBack", "◀ Back", "Show the previous step")
        self.step_button = button("stepForward", "Step ▶", "Take one step downhill")
        self.play_button = button(
            "playPause", "Play", "Keep stepping, or pause", pixmap.SP_MediaPlay
        )
        self.reset_button = button(
            "resetRuns", "Reset", "Clear every run and start again", pixmap.SP_BrowserReload
        )
        self.first_button.clicked.connect(self.firstRequested)
        self.back_button.clicked.connect(self.stepBackRequested)
        self.step_button.clicked.connect(lambda: self.stepRequested.emit(1))
        self.play_button.clicked.connect(self.playToggled)
        self.reset_button.clicked.connect(self.resetRequested)
        self.play_button.setMinimumWidth(
            self.play_button.fontMetrics().horizontalAdvance("Pause") + 48
        )

        self.speed_combo = QComboBox()
        self.speed_combo.setObjectName("speedCombo")
        self.speed_combo.setAccessibleName("playback speed")
        self.speed_combo.setToolTip("How many steps Play takes each second")
        for speed in SPEEDS:
            unit = "step" if speed == 1 else "steps"
            self.speed_combo.addItem(f"{speed:g} {unit}/s", float(speed))
        self.speed_combo.addItem("As fast as possible", AS_FAST_AS_POSSIBLE)
        self.speed_combo.setCurrentIndex(SPEEDS.index(DEFAULT_SPEED))
        self.speed_combo.currentIndexChanged.connect(self._speed_chosen)
        self._guard(self.speed_combo)

        self.step_counter = QLabel("Step 0 of 0")
        self.step_counter.setObjectName("stepCounter")
        self.step_counter.setAccessibleName("step counter")
        self.run_status = QLabel()
        self.run_status.setObjectName("runStatus")
        self.run_status.setWordWrap(True)
        self.run_status.setAccessibleName("run status")

        steps = QHBoxLayout()
        steps.setSpacing(4)
        for widget in (self.first_button, self.back_button, self.step_button, self.play_button):
            steps.addWidget(widget)
        speed_row = QHBoxLayout()
        self._steps_row, self._speed_row = steps, speed_row
        speed_row.addWidget(self.reset_button)
        speed_row.addStretch(1)
        speed_label = QLabel("Speed")
        speed_label.setBuddy(self.speed_combo)
        self._speed_label = speed_label
        speed_label.hide()  # the choices say "10 steps/s": the label only costs width
        speed_row.addWidget(speed_label)
        speed_row.addWidget(self.speed_combo)

        self._transport_buttons = QWidget()
        buttons_layout = QVBoxLayout(self._transport_buttons)
        buttons_layout.setContentsMargins(0, 0, 0, 0)
        buttons_layout.addLayout(steps)
        buttons_layout.addLayout(speed_row)
        layout = QVBoxLayout(box)
        layout.addWidget(self._transport_buttons)
        layout.addWidget(self.step_counter)
        layout.addWidget(self.run_status)
        return box

    def _build_arithmetic(self) -> QGroupBox:
        box = QGroupBox("The last step, in numbers")
        self.arithmetic = ArithmeticLabel()
        self.arithmetic.setObjectName("arithmetic")
        self.arithmetic.setAccessibleName("update arithmetic")
        self.arithmetic.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.arithmetic.setMinimumHeight(24)
        caption = QLabel("new = old − step size × gradient")
        caption.setObjectName("arithmeticCaption")
        # The rule may take two lines: unbroken, in projector type, it set the lesson column's
        # narrowest width (and left the column's lower quarter empty at 2560 x 1440).
        caption.setWordWrap(True)
        self.arithmetic_caption = caption
        layout = QVBoxLayout(box)
        layout.addWidget(self.arithmetic)
        layout.addWidget(caption)
        return box

    def _build_basins(self) -> QCheckBox:
        self.basins_toggle = QCheckBox("Basins of attraction")
        self.basins_toggle.setObjectName("basinsToggle")
        self.basins_toggle.setToolTip(
            "Run the selected optimizer from every point of a grid and colour each start\n"
            "by the minimum it ends in: each coloured region is one valley's catchment."
        )
        self.basins_toggle.clicked.connect(self.basinsToggled)
        return self.basins_toggle

    def _guard(self, widget: QWidget) -> None:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        widget.installEventFilter(self._wheel_guard)

    def _rebuild_rows(self, key: str) -> None:
        """New rows for this optimizer's hyperparameters; the hint and toggle move across."""
        spec = self._optimizers[key]
        container = QWidget()
        grid = QGridLayout(container)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setColumnStretch(1, 1)
        rows: dict[str, HyperRow] = {}
        row_index = 0
        advanced = [p for p in spec.hyperparameters if p.advanced]
        for parameter in (p for p in spec.hyperparameters if not p.advanced):
            row = HyperRow(parameter, spec.name, container)
            for column, widget in enumerate(row.widgets()):
                grid.addWidget(widget, row_index, column)
            rows[parameter.name] = row
            row_index += 1
            if parameter.name == "lr":
                grid.addWidget(self.stability_hint, row_index, 0, 1, 3)
                row_index += 1
        if "lr" not in rows:
            grid.addWidget(self.stability_hint, row_index, 0, 1, 3)
            row_index += 1
        grid.addWidget(self.advanced_toggle, row_index, 0, 1, 3)
        row_index += 1
        for parameter in advanced:
            row = HyperRow(parameter, spec.name, container)
            for column, widget in enumerate(row.widgets()):
                grid.addWidget(widget, row_index, column)
            rows[parameter.name] = row
            row_index += 1
        for row in rows.values():
            row.valueChanged.connect(self._hyper_changed)
            self._guard(row.slider)

        old = self._rows_widget
        self._rows_host.addWidget(container)
        container.show()  # now, not on the next event loop turn: callers may grab at once
        self._rows_widget = container
        self.hyper_rows = rows
        if old is not None:
            old.setParent(None)
            old.deleteLater()
        self.stability_hint.setVisible(bool(self.stability_hint.text()))
        self.advanced_toggle.setVisible(bool(advanced))
        self._advanced_toggled(self.advanced_toggle.isChecked())
        rule, note = split_summary(spec.summary)
        self.optimizer_summary.setText(rule)
        self.optimizer_summary.setToolTip(f"{spec.name}: {note}" if note else spec.name)
        self.optimizer_summary.setVisible(bool(rule))

    def _fit_run_list(self) -> None:
        # Asked on every refresh (each play, pause and step): measuring a row and fixing the
        # height lays the panel out again, so only when what the height depends on changed.
        first = self.run_list.item(0)
        key = (
            self.run_list.count(),
            first.text().count("\n") if first is not None else 0,
            self.run_list.font().key(),
            self.font().key(),
        )
        if key == self._run_list_fitted:
            return
        self._run_list_fitted = key
        rows = min(max(self.run_list.count(), 1), VISIBLE_RUN_ROWS)
        row_height = self.run_list.sizeHintForRow(0) if self.run_list.count() else 0
        row_height = max(row_height, 2 * self.fontMetrics().lineSpacing() + 6)
        frame = 2 * self.run_list.frameWidth()
        self.run_list.setFixedHeight(rows * row_height + frame + 2)

    # ------------------------------------------------------------------ the controller's side

    def set_runs(self, runs: list[dict]) -> None:
        """Show the runs; rows are updated in place so the selection survives a refresh."""
        self.run_list.blockSignals(True)
        previous = self.run_list.currentRow()
        if self.run_list.count() != len(runs):
            self.run_list.clear()
            for _ in runs:
                item = QListWidgetItem()
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable
                )
                self.run_list.addItem(item)
        for index, run in enumerate(runs):
            item = self.run_list.item(index)
            name = str(run.get("name", f"Run {index + 1}"))
            status = str(run.get("status", ""))
            text = f"{name}\n{status}" if status else name
            if item.text() != text:
                item.setText(text)
                item.setToolTip(f"{name}: {status}" if status else name)
            color = str(run.get("color", palette.NEUTRAL_GREY))
            if item.data(Qt.ItemDataRole.UserRole) != color:
                item.setIcon(swatch(color))
                item.setData(Qt.ItemDataRole.UserRole, color)
            state = Qt.CheckState.Checked if run.get("visible", True) else Qt.CheckState.Unchecked
            if item.data(Qt.ItemDataRole.CheckStateRole) is None or item.checkState() != state:
                item.setCheckState(state)
        if runs:
            self.run_list.setCurrentRow(min(max(previous, 0), len(runs) - 1))
        self.run_list.blockSignals(False)
        self.remove_run_button.setEnabled(len(runs) > 1)
        self._fit_run_list()

    def set_selected_run(self, index: int) -> None:
        self.run_list.blockSignals(True)
        self.run_list.setCurrentRow(index)
        self.run_list.blockSignals(False)

    def selected_run(self) -> int:
        return self.run_list.currentRow()

    def set_run_settings(
        self,
        optimizer_key: str,
        hyperparameters: Mapping[str, float],
        start: tuple[float, float],
    ) -> None:
        """Show one run's settings; the rows are rebuilt only when the optimizer changes."""
        if optimizer_key != self.shown_optimizer() or self._rows_widget is None:
            self.optimizer_combo.blockSignals(True)
            self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(optimizer_key))
            self.optimizer_combo.blockSignals(False)
            self._rebuild_rows(optimizer_key)
        for name, value in hyperparameters.items():
            row = self.hyper_rows.get(name)
            if row is not None:
                row.set_value(float(value))
        for spin, value in zip((self.start_x, self.start_y), start, strict=True):
            spin.blockSignals(True)
            spin.setValue(float(value))
            spin.blockSignals(False)

    def shown_optimizer(self) -> str | None:
        return self.optimizer_combo.currentData()

    def set_available_optimizers(self, keys: list[str]) -> None:
        """The step rules the optimizer list offers (those along a curve need a constraint)."""
        if keys == self.available_optimizers():
            return
        shown = self.shown_optimizer()
        self.optimizer_combo.blockSignals(True)
        self.optimizer_combo.clear()
        self._fill_optimizers(keys)
        self.optimizer_combo.setCurrentIndex(max(self.optimizer_combo.findData(shown), 0))
        self.optimizer_combo.blockSignals(False)

    def available_optimizers(self) -> list[str]:
        combo = self.optimizer_combo
        return [combo.itemData(i) for i in range(combo.count())]

    def _fill_optimizers(self, keys: list[str]) -> None:
        for index, key in enumerate(keys):
            spec = self._optimizers[key]
            self.optimizer_combo.addItem(spec.name, key)
            if spec.summary:
                self.optimizer_combo.setItemData(index, spec.summary, Qt.ItemDataRole.ToolTipRole)

    def set_limits(self, max_steps: int, tolerance: float) -> None:
        self.max_steps.blockSignals(True)
        self.max_steps.setValue(int(max_steps))
        self.max_steps.blockSignals(False)
        self.tolerance.set_value(float(tolerance))

    def set_step(self, shown: int, total: int) -> None:
        self.step_counter.setText(f"Step {shown:,} of {total:,}")

    def set_status(self, text: str, kind: str) -> None:
        self._status_kind = kind if kind in STATUS_STYLES else "idle"
        glyph = STATUS_STYLES[self._status_kind][2]
        self.run_status.setText(f"{glyph} {text}" if glyph and text else text)
        self.run_status.setProperty("kind", self._status_kind)
        self._apply_status_style()

    def set_playing(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        icon = (
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.setIcon(self.style().standardIcon(icon))

    def set_speed(self, value: float) -> None:
        """Select the speed; a value not on the list selects the nearest listed one."""
        values = [self.speed_combo.itemData(i) for i in range(self.speed_combo.count())]
        if value <= 0:
            index = values.index(AS_FAST_AS_POSSIBLE)
        else:
            index = min(
                (i for i, v in enumerate(values) if v > 0),
                key=lambda i: abs(math.log(values[i] / value)),
            )
        self.speed_combo.blockSignals(True)
        self.speed_combo.setCurrentIndex(index)
        self.speed_combo.blockSignals(False)

    def set_arithmetic(self, text: str) -> None:
        self.arithmetic.set_update_text(text or "")

    def set_stability_hint(self, text: str | None) -> None:
        self.stability_hint.setText(text or "")
        self.stability_hint.setVisible(bool(text))

    def set_basins_checked(self, checked: bool) -> None:
        self.basins_toggle.blockSignals(True)
        self.basins_toggle.setChecked(bool(checked))
        self.basins_toggle.blockSignals(False)

    def set_presentation(self, big: bool, scale: float = 2.0) -> None:
        """Projector sizes for the numbers the class reads from the back row (``scale`` times
        normal)."""
        self._big = bool(big)
        self._big_scale = float(scale)
        self._apply_fonts()
        self._apply_status_style()

    def set_style(self, dark: bool) -> None:
        self._dark = bool(dark)
        self._apply_status_style()

    def set_compact(self, compact: bool) -> None:
        """Presentation mode: the step counter, status and arithmetic, and only the buttons a
        teacher touches (Back, Step, Play, Reset; a presenter clicker drives the same)."""
        for widget in (
            self._runs_box,
            self._settings_box,
            self._stopping_box,
            self._basins_row,
            self.first_button,
            self.speed_combo,
        ):
            widget.setVisible(not compact)
        # A narrow column has no pixels to spare for margins.
        margin = 0 if compact else 6
        self._layout.setContentsMargins(margin, margin, margin, margin)
        # The buttons and the step counter say what the box is; its title costs a line.
        self._transport_box.setTitle("" if compact else TRANSPORT_TITLE)
        # Two short rows for a narrow lesson column: Back and Step, then Play and Reset (the
        # speed choice is gone). The buttons are for the teacher: normal-sized type.
        if compact:
            self._steps_row.removeWidget(self.play_button)
            self._speed_row.insertWidget(0, self.play_button)
        else:
            self._speed_row.removeWidget(self.play_button)
            self._steps_row.addWidget(self.play_button)
        for button in (self.back_button, self.step_button, self.play_button, self.reset_button):
            button.setFont(self._teacher_font() if compact else QFont())
        self.play_button.setMinimumWidth(
            self.play_button.fontMetrics().horizontalAdvance("Pause") + 48
        )

    # ------------------------------------------------------------------ appearance

    def _teacher_font(self) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(max(13, round(13 * self._big_scale * 0.8)))
        return font

    def _apply_fonts(self) -> None:
        sizes = dict(NORMAL_SIZES)
        if self._big:
            sizes = {k: round(v * self._big_scale * BIG_FACTORS[k]) for k, v in sizes.items()}
        counter = QFont(self.font())
        counter.setPixelSize(sizes["counter"])
        counter.setBold(True)
        self.step_counter.setFont(counter)
        status = QFont(self.font())
        status.setPixelSize(sizes["status"])
        status.setBold(True)
        self.run_status.setFont(status)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPixelSize(sizes["arithmetic"])
        self.arithmetic.setFont(mono)
        # The rule under the numbers is part of the lesson: readable from the back too.
        rule = QFont()
        if self._big:
            rule.setPixelSize(round(sizes["arithmetic"] * 0.85))
        self.arithmetic_caption.setFont(rule)

    def _apply_status_style(self) -> None:
        light, dark, _glyph = STATUS_STYLES[self._status_kind]
        hint_color = palette.HINT_COLORS[self._dark]
        muted = palette.MUTED_TEXT[self._dark]
        background, border = palette.INSET_COLORS[self._dark]
        sheets = [
            (self.run_status, f"QLabel {{ color: {dark if self._dark else light}; }}"),
            (self.stability_hint, f"QLabel {{ color: {hint_color}; }}"),
            (self.arithmetic_caption, f"QLabel {{ color: {muted}; }}"),
            (self.optimizer_summary, f"QLabel {{ color: {muted}; }}"),
            (
                self.arithmetic,
                f"QLabel {{ background: {background}; border: 1px solid {border};"
                f" border-radius: 4px; padding: {3 if self._big else 6}px; }}",
            ),
        ]
        for label, sheet in sheets:
            # Setting a style sheet, even the same one, restyles the label and lays its text
            # out again (the arithmetic's 26 ms of a new landscape's 320): only on a change.
            if label.styleSheet() != sheet:
                label.setStyleSheet(sheet)

    # ------------------------------------------------------------------ the user's side

    def _run_row_changed(self, row: int) -> None:
        if row >= 0:
            self.runSelected.emit(row)

    def _run_item_changed(self, item: QListWidgetItem) -> None:
        row = self.run_list.row(item)
        self.runVisibilityChanged.emit(row, item.checkState() == Qt.CheckState.Checked)

    def _remove_clicked(self) -> None:
        if self.run_list.count() > 1 and self.selected_run() >= 0:
            self.runRemoved.emit(self.selected_run())

    def _optimizer_chosen(self, index: int) -> None:
        key = self.optimizer_combo.itemData(index)
        if key is None:
            return
        # The rows are rebuilt for the new optimizer; the controller then shows its settings.
        self._rebuild_rows(key)
        self.optimizerChanged.emit(self._run_index(), key)

    def _hyper_changed(self, name: str, value: float) -> None:
        self.hyperparameterChanged.emit(self._run_index(), name, value)

    def _start_edited(self) -> None:
        self.startEdited.emit(self._run_index(), self.start_x.value(), self.start_y.value())

    def _speed_chosen(self, index: int) -> None:
        self.speedChanged.emit(float(self.speed_combo.itemData(index)))

    def _advanced_toggled(self, expanded: bool) -> None:
        self.advanced_toggle.setArrowType(
            Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow
        )
        for row in self.hyper_rows.values():
            if row.spec.advanced:
                for widget in row.widgets():
                    widget.setVisible(expanded)

    def _run_index(self) -> int:
        return max(self.selected_run(), 0)
