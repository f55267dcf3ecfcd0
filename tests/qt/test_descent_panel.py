"""The descent panel, driven the way a user drives it: clicks, typing, keys on sliders.

Expected numbers are worked out by hand from the optimizer table's ranges (for example the
gradient-descent learning-rate slider spans 1e-4 .. 10, five decades over 1000 positions).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QFontInfo, QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSlider,
    QSpinBox,
    QStyle,
    QStyleOptionViewItem,
)

from landscape_gui.core.numbers import entry as format_value
from landscape_gui.core.optimizers import OPTIMIZERS
from landscape_gui.core.state import RunSettings
from landscape_gui.qt.views.descent_panel import DescentPanel
from landscape_gui.qt.views.descent_widgets import split_summary

USER_SIGNALS = (
    "runSelected",
    "runAdded",
    "runRemoved",
    "runVisibilityChanged",
    "optimizerChanged",
    "hyperparameterChanged",
    "startEdited",
    "maxStepsChanged",
    "toleranceChanged",
    "firstRequested",
    "stepBackRequested",
    "stepRequested",
    "playToggled",
    "resetRequested",
    "speedChanged",
    "basinsToggled",
)

THREE_RUNS = [
    {
        "name": "Gradient descent, lr 0.1",
        "color": "#E69F00",
        "status": "converged",
        "visible": True,
    },
    {"name": "Adam, lr 0.1", "color": "#D55E00", "status": "running", "visible": True},
    {"name": "Momentum, lr 0.05", "color": "#CC79A7", "status": "diverged", "visible": True},
]


class Recorder:
    """Every user signal the panel emits, in order, as (name, args)."""

    def __init__(self, panel: DescentPanel):
        self.calls: list[tuple[str, tuple]] = []
        for name in USER_SIGNALS:
            getattr(panel, name).connect(lambda *args, _name=name: self.calls.append((_name, args)))

    def of(self, name: str) -> list[tuple]:
        return [args for signal, args in self.calls if signal == name]


@pytest.fixture
def panel(qtbot):
    widget = DescentPanel(OPTIMIZERS)
    qtbot.addWidget(widget)
    widget.resize(380, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def recorder(panel):
    return Recorder(panel)


def find(panel, kind, name):
    widget = panel.findChild(kind, name)
    assert widget is not None, f"no {kind.__name__} named {name!r}"
    return widget


def choose_in_combo(qtbot, combo: QComboBox, text: str) -> None:
    """Open the popup with the mouse and click the item, as a user does."""
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    row = combo.findText(text)
    assert row >= 0
    rect = view.visualRect(view.model().index(row, 0))
    # The open popup ignores a release within a double-click interval (press-drag-release).
    # Kept as a fixed wait: Qt measures that interval with a clock of its own and signals
    # nothing when it ends, so there is no event or state to wait for.
    qtbot.wait(QApplication.doubleClickInterval() + 50)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not view.isVisible())


def type_into(qtbot, box: QLineEdit, text: str) -> None:
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def check_indicator_center(list_widget: QListWidget, row: int) -> QPoint:
    option = QStyleOptionViewItem()
    option.initFrom(list_widget.viewport())
    option.rect = list_widget.visualItemRect(list_widget.item(row))
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
    option.decorationSize = list_widget.iconSize()
    rect = list_widget.style().subElementRect(
        QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, list_widget
    )
    return rect.center()


# ---------------------------------------------------------------------- optimizer and rows


def test_choosing_adam_emits_its_key_and_builds_its_rows(qtbot, panel, recorder):
    combo = find(panel, QComboBox, "optimizerCombo")
    assert [combo.itemText(i) for i in range(combo.count())] == [
        spec.name for spec in OPTIMIZERS.values()
    ]
    assert panel.findChild(QLineEdit, "hyper_beta1") is None  # plain GD has no betas

    choose_in_combo(qtbot, combo, "Adam")

    assert recorder.of("optimizerChanged") == [(0, "adam")]
    for name in ("lr", "beta1", "beta2", "eps"):
        assert panel.findChild(QLineEdit, f"hyper_{name}") is not None
        assert panel.findChild(QSlider, f"hyperSlider_{name}") is not None
    # The values are the controller's to show (it answers the signal at once).
    panel.set_run_settings("adam", RunSettings("adam").hyperparameters, (0.0, 0.0))
    assert find(panel, QLineEdit, "hyper_beta2").text() == "0.999"
    # The epsilon is advanced: collapsed until the user opens the Advanced section.
    eps_box = find(panel, QLineEdit, "hyper_eps")
    assert find(panel, QLineEdit, "hyper_beta1").isVisible()
    assert not eps_box.isVisible()
    qtbot.mouseClick(panel.advanced_toggle, Qt.MouseButton.LeftButton)
    assert eps_box.isVisible()
    assert eps_box.text() == "1e-8"


def test_switching_optimizer_drops_the_old_rows(qtbot, panel, recorder):
    combo = find(panel, QComboBox, "optimizerCombo")
    choose_in_combo(qtbot, combo, "Adam")
    choose_in_combo(qtbot, combo, "Momentum")
    assert recorder.of("optimizerChanged") == [(0, "adam"), (0, "momentum")]
    # The old rows are deleted later (deleteLater): wait until they are gone.
    qtbot.waitUntil(
        lambda: (
            panel.findChild(QLineEdit, "hyper_beta1") is None
            and panel.findChild(QLineEdit, "hyper_eps") is None
        )
    )
    panel.set_run_settings("momentum", RunSettings("momentum").hyperparameters, (0.0, 0.0))
    assert find(panel, QLineEdit, "hyper_momentum").text() == "0.9"
    assert not panel.advanced_toggle.isVisible()  # momentum has nothing advanced


def test_set_run_settings_rebuilds_only_for_another_optimizer(panel, recorder):
    panel.set_run_settings("adam", {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-7}, (1, 2))
    lr_box = find(panel, QLineEdit, "hyper_lr")
    assert find(panel, QComboBox, "optimizerCombo").currentText() == "Adam"
    assert lr_box.text() == "0.01"
    assert find(panel, QLineEdit, "hyper_beta1").text() == "0.8"
    assert find(panel, QDoubleSpinBox, "startX").value() == 1.0
    assert find(panel, QDoubleSpinBox, "startY").value() == 2.0

    panel.set_run_settings("adam", {"lr": 0.2, "beta1": 0.5, "beta2": 0.9, "eps": 1e-6}, (0, 0))
    assert find(panel, QLineEdit, "hyper_lr") is lr_box  # same widget, new value
    assert lr_box.text() == "0.2"
    assert recorder.calls == []


# ---------------------------------------------------------------------- slider and value box


def test_log_lr_slider_walks_monotonically_through_its_decades(qtbot, panel, recorder):
    slider = find(panel, QSlider, "hyperSlider_lr")  # gradient descent: lr in 1e-4 .. 10
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    for _ in range(20):  # page step is 50 of 1000 positions
        qtbot.keyClick(slider, Qt.Key.Key_PageUp)
    values = [args[2] for args in recorder.of("hyperparameterChanged")]
    assert all(args[:2] == (0, "lr") for args in recorder.of("hyperparameterChanged"))
    assert len(values) == 21
    assert values[0] == pytest.approx(1e-4)
    assert values[-1] == pytest.approx(10.0)
    assert all(1e-4 <= v <= 10.0 for v in values)
    assert all(a < b for a, b in zip(values, values[1:], strict=False))
    # Half-way along five decades is 10^(-4 + 2.5) = 10^-1.5 = 0.0316..., equal ratios per page.
    assert values[10] == pytest.approx(0.0316, rel=1e-3)
    assert values[2] / values[1] == pytest.approx(10 ** (5 / 20), rel=0.02)
    assert find(panel, QLineEdit, "hyper_lr").text() == "10"


def test_fraction_slider_is_linear(qtbot, panel, recorder):
    panel.set_run_settings("momentum", {"lr": 0.05, "momentum": 0.9}, (0, 0))
    slider = find(panel, QSlider, "hyperSlider_momentum")  # 0 .. 0.9999, linear
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    for _ in range(10):
        qtbot.keyClick(slider, Qt.Key.Key_PageUp)
    values = [args[2] for args in recorder.of("hyperparameterChanged")]
    assert values[0] == 0.0
    assert values[10] == pytest.approx(0.5, abs=1e-3)  # 500 of 1000 positions
    steps = [b - a for a, b in zip(values, values[1:], strict=False)]
    assert steps == pytest.approx([0.05] * 10, abs=1e-3)


def test_typing_beyond_the_slider_range_keeps_the_value(qtbot, panel, recorder):
    panel.set_run_settings("rmsprop", OPTIMIZERS["rmsprop"].defaults(), (0, 0))
    assert OPTIMIZERS["rmsprop"].parameter("lr").maximum == 1.0
    box = find(panel, QLineEdit, "hyper_lr")
    slider = find(panel, QSlider, "hyperSlider_lr")

    type_into(qtbot, box, "5")

    assert recorder.of("hyperparameterChanged") == [(0, "lr", 5.0)]
    assert box.text() == "5"
    assert slider.value() == slider.maximum()  # pinned at its end, range not widened


def test_typed_value_moves_the_log_slider_to_its_place(qtbot, panel, recorder):
    box = find(panel, QLineEdit, "hyper_lr")
    slider = find(panel, QSlider, "hyperSlider_lr")
    type_into(qtbot, box, "0.01")
    # log10(0.01) = -2 sits 2 of the 5 decades above 1e-4: position 400 of 1000.
    assert slider.value() == 400
    assert recorder.of("hyperparameterChanged") == [(0, "lr", 0.01)]


@pytest.mark.parametrize(("name", "text"), [("lr", "0"), ("lr", "-1"), ("lr", "abc")])
def test_invalid_entries_are_refused_with_a_reason(qtbot, panel, recorder, name, text):
    box = find(panel, QLineEdit, f"hyper_{name}")
    type_into(qtbot, box, text)
    assert recorder.of("hyperparameterChanged") == []
    assert box.error()  # the reason is shown, and the box is outlined
    assert box.error() in box.toolTip()
    type_into(qtbot, box, "0.2")
    assert recorder.of("hyperparameterChanged") == [(0, name, 0.2)]
    assert box.error() == ""


def test_a_fraction_of_one_is_refused(qtbot, panel, recorder):
    panel.set_run_settings("adam", OPTIMIZERS["adam"].defaults(), (0, 0))
    type_into(qtbot, find(panel, QLineEdit, "hyper_beta1"), "1")
    assert recorder.of("hyperparameterChanged") == []
    type_into(qtbot, find(panel, QLineEdit, "hyper_beta1"), "0.5")
    assert recorder.of("hyperparameterChanged") == [(0, "beta1", 0.5)]


def test_format_value_is_short_and_round_trips():
    assert format_value(1e-8) == "1e-8"
    assert format_value(0.0001) == "0.0001"
    assert format_value(0.999) == "0.999"
    assert format_value(1234567.0) == "1.23457e6"
    assert float(format_value(2.5e-12)) == 2.5e-12


def test_split_summary_puts_one_statement_a_line():
    rule, note = split_summary("b <- mu*b + g;  p <- p - lr*b  (torch.optim.SGD, momentum)")
    assert rule == "b ← mu*b + g\np ← p - lr*b"
    assert note == "torch.optim.SGD, momentum"


# ---------------------------------------------------------------------- start, stopping


def test_start_stop_limits_emit_what_was_typed(qtbot, panel, recorder):
    panel.set_run_settings("gd", {"lr": 0.1}, (3.0, 4.0))
    start_x = find(panel, QDoubleSpinBox, "startX")
    start_x.selectAll()
    qtbot.keyClicks(start_x, "-1.5")
    qtbot.keyClick(start_x, Qt.Key.Key_Return)
    assert recorder.of("startEdited") == [(0, -1.5, 4.0)]

    max_steps = find(panel, QSpinBox, "maxSteps")
    assert (max_steps.minimum(), max_steps.maximum()) == (1, 1_000_000)
    max_steps.selectAll()
    qtbot.keyClicks(max_steps, "2000")
    qtbot.keyClick(max_steps, Qt.Key.Key_Return)
    assert recorder.of("maxStepsChanged") == [(2000,)]

    tolerance = find(panel, QLineEdit, "tolerance")
    type_into(qtbot, tolerance, "0")
    assert recorder.of("toleranceChanged") == []
    assert tolerance.error()
    type_into(qtbot, tolerance, "1e-3")
    assert recorder.of("toleranceChanged") == [(0.001,)]


# ---------------------------------------------------------------------- setters are silent


def test_setters_emit_no_user_signals(panel, recorder):
    panel.set_runs(THREE_RUNS)
    panel.set_selected_run(2)
    panel.set_run_settings("adam", {"lr": 0.3, "beta1": 0.7, "beta2": 0.95, "eps": 1e-9}, (5, 6))
    panel.set_run_settings("newton", {"lr": 1.0}, (1, 1))
    panel.set_limits(1234, 1e-4)
    panel.set_step(3, 10)
    panel.set_status("Paused", "paused")
    panel.set_playing(True)
    panel.set_speed(0.0)
    panel.set_speed(30)
    panel.set_arithmetic("(1, 1) = (2, 2) − 0.5 × (2, 2)")
    panel.set_stability_hint("GD diverges above lr = 0.4")
    panel.set_basins_checked(True)
    panel.set_runs([{**run, "visible": False} for run in THREE_RUNS])
    panel.set_presentation(True)
    panel.set_style(True)
    assert recorder.calls == []
    # ...and each of them did take effect.
    assert panel.selected_run() == 2
    assert find(panel, QSpinBox, "maxSteps").value() == 1234
    assert find(panel, QLineEdit, "tolerance").text() == "0.0001"
    assert find(panel, QComboBox, "speedCombo").currentData() == 30.0
    assert find(panel, QPushButton, "playPause").text() == "Pause"
    assert panel.basins_toggle.isChecked()
    assert find(panel, QLabel, "stepCounter").text() == "Step 3 of 10"


# ---------------------------------------------------------------------- transport


@pytest.mark.parametrize(
    ("button", "signal", "args"),
    [
        ("firstStep", "firstRequested", ()),
        ("stepBack", "stepBackRequested", ()),
        ("stepForward", "stepRequested", (1,)),
        ("playPause", "playToggled", ()),
        ("resetRuns", "resetRequested", ()),
        ("addRun", "runAdded", ()),
    ],
)
def test_transport_buttons_emit(qtbot, panel, recorder, button, signal, args):
    qtbot.mouseClick(find(panel, QPushButton, button), Qt.MouseButton.LeftButton)
    assert recorder.calls == [(signal, args)]


def test_play_button_text_follows_set_playing(panel):
    button = find(panel, QPushButton, "playPause")
    assert button.text() == "Play"
    panel.set_playing(True)
    assert button.text() == "Pause"
    panel.set_playing(False)
    assert button.text() == "Play"


def test_speed_combo_offers_the_speeds_and_as_fast_as_possible(qtbot, panel, recorder):
    combo = find(panel, QComboBox, "speedCombo")
    speeds = [combo.itemData(i) for i in range(combo.count())]
    assert speeds == [1.0, 2.0, 5.0, 10.0, 30.0, 100.0, 1000.0, 0.0]
    choose_in_combo(qtbot, combo, "As fast as possible")
    assert recorder.of("speedChanged") == [(0.0,)]
    choose_in_combo(qtbot, combo, "5 steps/s")
    assert recorder.of("speedChanged") == [(0.0,), (5.0,)]


def test_set_speed_picks_the_nearest_listed_speed(panel):
    combo = find(panel, QComboBox, "speedCombo")
    panel.set_speed(25)  # between 10 and 30, nearer 30 on a log scale
    assert combo.currentData() == 30.0
    panel.set_speed(0.0)
    assert combo.currentText() == "As fast as possible"


def test_basins_toggle_emits_the_new_state(qtbot, panel, recorder):
    toggle = panel.basins_toggle
    assert toggle.objectName() == "basinsToggle"
    assert "minimum" in toggle.toolTip()
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert recorder.of("basinsToggled") == [(True,), (False,)]


# ---------------------------------------------------------------------- runs


def test_set_runs_shows_names_statuses_and_colours(panel):
    panel.set_runs(THREE_RUNS)
    run_list = find(panel, QListWidget, "runList")
    assert run_list.count() == 3
    for row, run in enumerate(THREE_RUNS):
        item = run_list.item(row)
        assert run["name"] in item.text()
        assert run["status"] in item.text()
        assert item.checkState() == Qt.CheckState.Checked
        swatch = item.icon().pixmap(14, 14).toImage()
        assert swatch.pixelColor(7, 7) == QColor(run["color"])


def test_set_runs_keeps_the_selection_when_the_count_is_unchanged(panel, recorder):
    panel.set_runs(THREE_RUNS)
    panel.set_selected_run(1)
    panel.set_runs([{**run, "status": "paused"} for run in THREE_RUNS])
    assert panel.selected_run() == 1
    assert "paused" in find(panel, QListWidget, "runList").item(1).text()
    assert recorder.calls == []


def test_unchecking_a_run_emits_its_visibility(qtbot, panel, recorder):
    panel.set_runs(THREE_RUNS)
    run_list = find(panel, QListWidget, "runList")
    center = check_indicator_center(run_list, 1)
    qtbot.mouseClick(run_list.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert recorder.of("runVisibilityChanged") == [(1, False)]
    assert run_list.item(1).checkState() == Qt.CheckState.Unchecked


def test_clicking_a_run_selects_it_and_remove_removes_it(qtbot, panel, recorder):
    panel.set_runs(THREE_RUNS)
    run_list = find(panel, QListWidget, "runList")
    rect = run_list.visualItemRect(run_list.item(2))
    qtbot.mouseClick(run_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert recorder.of("runSelected") == [(2,)]
    assert panel.selected_run() == 2
    qtbot.mouseClick(find(panel, QPushButton, "removeRun"), Qt.MouseButton.LeftButton)
    assert recorder.of("runRemoved") == [(2,)]


def test_settings_edits_are_for_the_selected_run(qtbot, panel, recorder):
    panel.set_runs(THREE_RUNS)
    panel.set_selected_run(2)
    type_into(qtbot, find(panel, QLineEdit, "hyper_lr"), "0.3")
    assert recorder.of("hyperparameterChanged") == [(2, "lr", 0.3)]


def test_remove_is_disabled_with_one_run(panel):
    remove = find(panel, QPushButton, "removeRun")
    panel.set_runs(THREE_RUNS[:1])
    assert not remove.isEnabled()
    panel.set_runs(THREE_RUNS[:2])
    assert remove.isEnabled()


# ---------------------------------------------------------------------- readouts


def test_step_counter_and_hint(panel):
    panel.set_step(12, 57)
    assert find(panel, QLabel, "stepCounter").text() == "Step 12 of 57"
    hint = find(panel, QLabel, "stabilityHint")
    assert not hint.isVisible()
    panel.set_stability_hint("Plain GD diverges above lr = 0.4 (2/λmax)")
    assert hint.isVisible()
    assert hint.text() == "Plain GD diverges above lr = 0.4 (2/λmax)"
    panel.set_stability_hint(None)
    assert not hint.isVisible()


def _dominant_text_color(label: QLabel) -> QColor:
    """The most saturated pixel of the label: a pixel of its text, not the background."""
    image = label.grab().toImage()
    best = QColor(0, 0, 0)
    for y in range(image.height()):
        for x in range(image.width()):
            color = image.pixelColor(x, y)
            if color.hsvSaturation() > best.hsvSaturation():
                best = color
    return best


@pytest.mark.parametrize(
    ("kind", "channel"),
    [("running", "blue"), ("converged", "green"), ("diverged", "red"), ("max-steps", "red")],
)
def test_status_is_coloured_by_kind(qtbot, panel, kind, channel):
    panel.set_status(f"Status {kind}", kind)
    label = find(panel, QLabel, "runStatus")
    qtbot.waitUntil(lambda: label.isVisible())
    assert f"Status {kind}" in label.text()
    color = _dominant_text_color(label)
    rgb = {"red": color.red(), "green": color.green(), "blue": color.blue()}
    assert rgb[channel] == max(rgb.values())
    assert color.hsvSaturation() > 100
    if kind == "max-steps":  # amber: strong red and green, little blue
        assert color.green() > 2 * color.blue()


def test_paused_status_is_grey(qtbot, panel):
    panel.set_status("Paused", "paused")
    assert _dominant_text_color(find(panel, QLabel, "runStatus")).hsvSaturation() < 40


def test_a_new_status_restyles_only_the_status(qtbot, panel):
    """Restyling a label lays its text out again; a new landscape sets the status every time,
    and the arithmetic's style, which did not change, must not be set again."""
    from PySide6.QtCore import QEvent, QObject

    restyled: list[str] = []

    class Restyles(QObject):
        def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
            if event.type() == QEvent.Type.StyleChange:
                restyled.append(watched.objectName())
            return False

    watcher = Restyles(panel)
    status, arithmetic = find(panel, QLabel, "runStatus"), find(panel, QLabel, "arithmetic")
    for label in (status, arithmetic):
        label.installEventFilter(watcher)
    panel.set_status("Running", "running")
    panel.set_status("Converged", "converged")
    panel.set_status("Converged again", "converged")
    assert restyled.count("runStatus") == 2  # two new colours; the same one is not set again
    assert "arithmetic" not in restyled


def test_arithmetic_breaks_only_at_operators(panel):
    text = "(2.40, 3.20) = (3.00, 4.00) − 0.1 × (6.00, 8.00)"
    panel.set_arithmetic(text)
    label = find(panel, QLabel, "arithmetic")
    assert label.text().replace("\n", " ") == text
    panel.set_presentation(True)  # 28 px monospace cannot hold it on one line in 380 px
    lines = label.text().split("\n")
    assert len(lines) > 1
    assert " ".join(lines) == text
    assert all(line.startswith(("(", "=", "−", "×")) for line in lines)


def test_a_momentum_steps_note_goes_on_its_own_line_before_it_widens_the_panel(panel):
    """A diverging run's huge numbers made "− (step)   [∇f was (…)]" one unbreakable line: in
    presentation mode the lesson column grew to two thirds of a 1024-pixel screen."""
    text = (
        "(-4.67e+05, -3.71e+07) = (128.07, 570.27) − (4.67e+05, 3.71e+07)"
        "   [∇f was (9.34e+06, 7.42e+08)]"
    )
    panel.set_arithmetic(text)
    label = find(panel, QLabel, "arithmetic")
    metrics = label.fontMetrics()
    step_and_note = "− (4.67e+05, 3.71e+07)   [∇f was (9.34e+06, 7.42e+08)]"
    assert label.minimumSizeHint().width() < metrics.horizontalAdvance(step_and_note)
    panel.set_presentation(True)
    lines = label.text().split("\n")
    assert "[∇f was (9.34e+06, 7.42e+08)]" in lines  # a line of its own, the vector whole
    assert " ".join(line.strip() for line in lines).replace("  ", " ") == " ".join(text.split())


def test_presentation_mode_makes_the_numbers_big(panel):
    names = ("stepCounter", "runStatus", "arithmetic")
    labels = [find(panel, QLabel, name) for name in names]
    normal = [QFontInfo(label.font()).pixelSize() for label in labels]
    assert all(size < 28 for size in normal)
    # On a 1200-line projector the window asks for 2.3 times the normal size.
    panel.set_presentation(True, 2.3)
    assert all(QFontInfo(label.font()).pixelSize() >= 28 for label in labels)
    # Type follows the screen: a 720-line projector gets less, but still more than normal.
    panel.set_presentation(True, 1.4)
    small = [QFontInfo(label.font()).pixelSize() for label in labels]
    assert all(n < s < 28 + 12 for n, s in zip(normal, small, strict=True))
    panel.set_presentation(False)
    assert [QFontInfo(label.font()).pixelSize() for label in labels] == normal


def _wheel(widget, notches: int) -> None:
    center = QPointF(widget.rect().center())
    event = QWheelEvent(
        center,
        QPointF(widget.mapToGlobal(widget.rect().center())),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_wheel_changes_a_slider_only_when_it_has_focus(qtbot, panel, recorder):
    """Scrolling the side panel past a slider must not change the learning rate."""
    slider = find(panel, QSlider, "hyperSlider_lr")
    before = slider.value()
    panel.activateWindow()
    find(panel, QPushButton, "addRun").setFocus()
    qtbot.waitUntil(lambda: not slider.hasFocus())
    _wheel(slider, 1)
    assert slider.value() == before
    assert recorder.of("hyperparameterChanged") == []

    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    _wheel(slider, 1)
    assert slider.value() > before
    assert len(recorder.of("hyperparameterChanged")) == 1
