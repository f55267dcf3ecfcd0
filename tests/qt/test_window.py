"""The window, driven as a student would: type, click, drag a slider, undo."""

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeySequence

from tests.qt.conftest import wait_for_steps, wait_for_worker


@pytest.fixture
def window(window, qtbot):
    """The shared window, active: shortcuts go to the active window."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    return window


def type_formula(qtbot, window, text):
    edit = window.views.formula.formula_edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def stages_wait_for_the_test(window, signal):
    """Stop the window's paint stages where ``signal`` started them, until the test restarts
    ``window._paint_stage_timer``. Without it, a loaded machine can let the first stage go
    before waitSignal returns: a turn of the event loop that outlasts the 16 ms stage (the
    landscape's own drawing, other sources dispatched in the same turn) fires the timer in
    that same turn."""

    def stop_once():
        window._paint_stage_timer.stop()
        signal.disconnect(stop_once)

    signal.connect(stop_once)  # after the window's own slot, which started the timer


def contour_image(window):
    return window.views.contour.grab().toImage()


def test_opens_on_the_bowl_with_the_lessons_numbers(window):
    readout = window.views.readout.labels
    assert window.views.formula.formula_edit.text() == "x^2 + y^2"
    assert readout["point"].text() == "(3, 4)"
    assert readout["df_dx"].text() == "6" and readout["df_dy"].text() == "8"
    assert readout["grad_norm"].text() == "10"


def test_typing_a_formula_updates_derivatives_and_views(qtbot, window):
    before = contour_image(window)
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        type_formula(qtbot, window, "x^2 + 3xy + y^2")
    math = window.views.formula.math
    assert "3*x + 2*y" in math["df_dy"].text()
    assert "2*x + 3*y" in math["df_dx"].text()
    # At the probe (3, 4): df/dx = 2*3 + 3*4 = 18, df/dy = 3*3 + 2*4 = 17.
    assert window.views.readout.labels["df_dx"].text() == "18"
    assert window.views.readout.labels["df_dy"].text() == "17"
    qtbot.waitUntil(lambda: contour_image(window) != before, timeout=5000)
    # The exact analysis arrives in the background: typeset pictures and an exact saddle.
    qtbot.waitUntil(lambda: window.controller.analysis is not None, timeout=20000)
    assert math["df_dx"].has_picture()
    # The exact solve comes after the derivatives, from its own worker.
    qtbot.waitUntil(lambda: not window.controller.solving, timeout=20000)
    points = window.controller.critical_points
    assert [(p.x, p.y, p.kind) for p in points] == [(0.0, 0.0, "saddle")]
    assert points[0].exact is not None


def test_derivatives_come_first_and_the_exact_solve_replaces_the_numbers(qtbot, window):
    """Nothing waits for sympy's solve: the typeset derivatives and the numerical critical
    points show while it runs ("Solving ∇f = 0 exactly…"), and its exact points replace
    the numerical ones when it is done."""
    controller = window.controller
    note = window.views.readout.critical_note
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):
        controller.set_formula("x^3 - 3x + y^2")
    qtbot.waitUntil(lambda: controller.analysis is not None, timeout=20000)
    assert window.views.formula.math["df_dx"].has_picture()
    assert controller.solving and "Solving" in note.text()
    assert controller.critical_points and all(p.exact is None for p in controller.critical_points)
    qtbot.waitUntil(lambda: not controller.solving, timeout=30000)
    assert "Solving" not in note.text()
    assert [(p.x, p.y, p.kind, p.exact) for p in controller.critical_points] == [
        (-1.0, 0.0, "saddle", ("-1", "0")),
        (1.0, 0.0, "minimum", ("1", "0")),
    ]


def test_a_bad_formula_keeps_the_last_good_landscape(qtbot, window):
    grid_before = window.controller.grid.z.copy()
    type_formula(qtbot, window, "sinn(x) + y")
    error = window.views.formula.error_label
    assert error.isVisible()
    assert "unknown function 'sinn'" in error.text() and "did you mean 'sin'" in error.text()
    assert window.controller.state.formula == "x^2 + y^2"
    assert np.array_equal(window.controller.grid.z, grid_before)
    # Fixing it clears the message.
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        type_formula(qtbot, window, "sin(x) + y")
    assert not error.isVisible()


def test_typing_is_debounced_without_pressing_enter(qtbot, window):
    edit = window.views.formula.formula_edit
    edit.selectAll()
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        qtbot.keyClicks(edit, "x^2 - y^2")
    assert window.controller.state.formula == "x^2 - y^2"


def test_parameter_slider_changes_the_landscape(qtbot, window):
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        type_formula(qtbot, window, "a x^2 + y^2")
    rows = window.views.formula.parameter_rows
    assert list(rows) == ["a"]
    slider = rows["a"].slider
    # Parameters start at 1: f(3, 4) = 9 + 16.
    assert window.views.readout.labels["f"].text() == "25"
    slider.setFocus()
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        slider.setValue(slider.maximum())  # a = 10
    assert window.controller.state.parameters["a"] == pytest.approx(10.0)
    assert window.views.readout.labels["f"].text() == "106"  # 10*9 + 16


def test_clicking_the_contour_map_moves_the_probe(qtbot, window):
    contour = window.views.contour
    view_box = contour.view_box
    scene_point = view_box.mapViewToScene(QPointF(-2.0, 1.0))
    widget_point = contour.plot_widget().mapFromScene(scene_point)
    with qtbot.waitSignal(window.controller.probeChanged, timeout=3000) as signal:
        qtbot.mouseClick(
            contour.plot_widget().viewport(), Qt.MouseButton.LeftButton, pos=widget_point
        )
    x, y = signal.args
    assert x == pytest.approx(-2.0, abs=0.1) and y == pytest.approx(1.0, abs=0.1)
    readout = window.controller.landscape.at(x, y)
    assert window.views.readout.labels["df_dx"].text() == f"{readout.df_dx:.4g}".replace("-", "−")


def test_clicking_a_critical_point_moves_the_probe_there(qtbot, window):
    items = window.views.readout.critical_list
    assert items.count() == 1
    item = items.item(0)
    rect = items.visualItemRect(item)
    with qtbot.waitSignal(window.controller.probeChanged, timeout=3000):
        qtbot.mouseClick(items.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.controller.state.probe == (0.0, 0.0)
    assert window.views.readout.labels["grad_norm"].text() == "0"


def test_undo_and_redo_a_formula(qtbot, window):
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        type_formula(qtbot, window, "x^2 - y^2")
    window.views.contour.setFocus()
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        qtbot.keySequence(window, QKeySequence.StandardKey.Undo)
    assert window.views.formula.formula_edit.text() == "x^2 + y^2"
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        qtbot.keySequence(window, QKeySequence.StandardKey.Redo)
    assert window.views.formula.formula_edit.text() == "x^2 - y^2"


def test_preset_menu_sets_formula_and_ranges(qtbot, window):
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        window.actions["preset:rosenbrock"].trigger()
    assert window.views.formula.formula_edit.text() == "(1 - x)^2 + 100(y - x^2)^2"
    boxes = [b.value() for b in window.views.formula.domain_boxes]
    assert boxes == [-2.0, 2.0, -1.0, 3.0]


def test_view_toggles_follow_the_menu(qtbot, window):
    action = window.actions["toggle:contours"]
    assert action.isChecked()
    action.trigger()
    assert window.controller.state.toggles.contours is False
    window.actions["undo"].trigger()
    assert window.controller.state.toggles.contours is True
    assert action.isChecked()


def test_poles_render_without_crashing(qtbot, window):
    for text in ("1/x", "log(x)", "exp(x^2)"):
        with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
            type_formula(qtbot, window, text)
        z = window.controller.grid.z
        low, high = window.controller.z_limits
        assert np.isfinite(low) and np.isfinite(high) and high > low
        assert np.isnan(z).any() or np.nanmax(z) > high  # holes or clipped heights


def test_help_about_names_the_version_and_licence(qtbot, window):
    from PySide6.QtWidgets import QDialog

    from landscape_gui import __version__

    window.actions["about"].trigger()
    dialogs = [w for w in window.findChildren(QDialog) if w.isVisible()]
    assert len(dialogs) == 1
    text = " ".join(
        label.text() for label in dialogs[0].findChildren(type(window.views.caption.label))
    )
    assert __version__ in text and "MIT" in text
    dialogs[0].close()
    assert not window.windowIcon().isNull()


def test_a_new_formula_compiles_off_the_gui_thread_and_the_latest_wins(qtbot, window):
    controller = window.controller
    compile_thread = controller.pipeline._compile_thread.thread
    seen = []
    original = type(controller.pipeline._compile_worker).compile

    def spy(worker, request, formula, state):
        from PySide6.QtCore import QThread

        seen.append(QThread.currentThread() is compile_thread)
        original(worker, request, formula, state)

    type(controller.pipeline._compile_worker).compile = spy
    try:
        controller.set_formula("x^4 + y^4 - x*y")
        with qtbot.waitSignal(controller.landscapeChanged, timeout=5000):
            controller.set_formula("x^4 + y^4 - 2x*y")  # typed on before the first was ready
    finally:
        type(controller.pipeline._compile_worker).compile = original
    # The superseded formula's answer, if any, is in before the state is looked at.
    wait_for_worker(qtbot, controller.pipeline._compile_thread)
    assert controller.state.formula == "x^4 + y^4 - 2x*y"
    assert seen and all(seen)
    # The superseded formula never became a state (one undo step back is the bowl).
    controller.undo_stack.undo()
    assert controller.state.formula == "x^2 + y^2"


def test_dark_appearance_darkens_the_chrome_and_the_views(qtbot, window):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    try:
        window.set_appearance("dark")
        background = QApplication.instance().palette().color(QPalette.ColorRole.Window)
        assert background.lightness() < 80
        # The typeset mathematics is drawn again in a light colour for the dark background.
        qtbot.waitUntil(lambda: window.controller.analysis is not None, timeout=20000)
        assert window.views.formula.math["f"].has_picture()
    finally:
        window.set_appearance("system")  # back to the default for the tests after this one
    background = QApplication.instance().palette().color(QPalette.ColorRole.Window)
    assert background.lightness() > 150


@pytest.mark.parametrize(
    "text",
    [
        "sinh(x)*cosh(y)",
        "x^100 + y^100",
        "atan2(y, x)",
        "floor(x) + ceil(y)",
        "0",
        "tan(x)",
        "1e300*x^2",
        "max(x, y, 1)",
        "log(x, y)",
    ],
)
def test_awkward_formulas_draw_without_errors(qtbot, window, text):
    # pytest-qt fails the test on any exception raised inside Qt's event loop.
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=10000):
        window.controller.set_formula(text)
    wait_for_steps(qtbot, window.controller.runs, 5)
    assert window.controller.state.formula == text
    assert not window.views.formula.error_label.isVisible()


def _bottom_tenth_share(contour) -> float:
    """How much of the map gets the bottom tenth of the colours (the 'purple sheet')."""
    shown = contour.image_item.image
    low, high = contour.image_item.levels
    finite = shown[np.isfinite(shown)]
    return float(np.mean((finite - low) / (high - low) < 0.1))


def _map_colours(contour) -> int:
    """Distinct colours (quantised to 32 levels a channel) in the map's data area on screen."""
    from PySide6.QtGui import QImage

    widget = contour.plot_widget()
    rect = widget.mapFromScene(contour.view_box.sceneBoundingRect()).boundingRect()
    image = widget.grab(rect).toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, stride * height)
    rgb = data.reshape(height, stride)[:, : width * 3].reshape(-1, 3) // 8
    return len(np.unique(rgb, axis=0))


@pytest.mark.parametrize("preset", ["rosenbrock", "beale", "goldstein"])
def test_steep_presets_are_coloured_on_a_log_scale_the_menu_can_change(
    qtbot, window, preset, request
):
    controller = window.controller
    contour = window.views.contour
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):
        controller.choose_preset(preset)
    # The map of a new landscape is painted a turn of the event loop after the 3D view; its
    # pixels are read below.
    qtbot.waitUntil(contour.updatesEnabled, timeout=3000)
    action = {a.objectName(): a for a in window.findChildren(type(window.actions["undo"]))}
    # The choice is a remembered preference: start from the default, and leave it so.
    action["color_scale_auto"].trigger()
    request.addfinalizer(action["color_scale_auto"].trigger)
    assert contour.color_scale == "log"
    spread = _bottom_tenth_share(contour)
    colours = _map_colours(contour)
    assert spread < 0.25  # the valley floor is not one colour
    # View > Colour scale > Linear: the old picture, mostly the bottom colour.
    action["color_scale_linear"].trigger()
    qtbot.waitUntil(lambda: contour.color_scale == "linear", timeout=3000)
    assert _bottom_tenth_share(contour) > 0.5
    assert _map_colours(contour) < colours
    for scale in ("linear", "log"):
        action[f"color_scale_{scale}"].trigger()
        qtbot.waitUntil(lambda s=scale: contour.color_scale == s, timeout=3000)
        axis = contour.color_bar.axis
        low, high = sorted(axis.range)
        labels = [
            label
            for spacing, values in axis.tickValues(low, high, axis.height())
            for label in axis.tickStrings(values, axis.scale, spacing)
            if label
        ]
        assert len(labels) >= 3  # numbers on the colour bar, on either scale
        assert all(math.isfinite(float(label)) for label in labels)  # plain numbers


def test_modules_imported_after_qt_are_not_scanned_for_pyside_features():
    """PySide6 reads the source of every module imported after it, for feature switches the
    app never uses; the window's start-up is spared that (see app.skip_pyside_feature_scan)."""
    import sys
    from pathlib import Path

    import landscape_gui.qt.app  # noqa: F401
    import landscape_gui.qt.main_window as module

    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not hasattr(feature, "_mod_uses_pyside"):
        pytest.skip("this PySide6 has no source scan to skip")
    assert "PySide6" in Path(module.__file__).read_text(encoding="utf-8")
    assert feature._mod_uses_pyside(module) is False


def test_a_new_landscape_is_painted_in_stages_and_a_picture_taken_at_once_is_whole(qtbot, window):
    """The 3D view, then the map, then the slices and the side panel, are painted a turn of
    the event loop after the drawing (one long paint was one long stall); a picture of the
    window taken in between shows them all the same, and nothing stays held."""
    from PySide6.QtGui import QImage

    from landscape_gui.core import pacing
    from landscape_gui.qt import export

    views = window.views
    held = [views.contour, views.slices, window.side_panel]
    stages_wait_for_the_test(window, window.controller.landscapeChanged)
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=10000):
        type_formula(qtbot, window, "sin(2x) + y^2")
    assert [widget.updatesEnabled() for widget in held] == [False, False, False]
    assert views.surface.frames_held()
    assert pacing.workers_held()  # the compile worker waits at its next step meanwhile
    image = export.widget_image(views.contour)
    assert all(widget.updatesEnabled() for widget in held)  # released for the picture
    assert not views.surface.frames_held()
    assert not pacing.workers_held()
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(rgb.constBits(), np.uint8, rgb.bytesPerLine() * rgb.height())
    pixels = data.reshape(rgb.height(), rgb.bytesPerLine())[:, : rgb.width() * 3]
    assert len(np.unique(pixels.reshape(-1, 3) // 16, axis=0)) > 20  # a coloured map

    stages_wait_for_the_test(window, window.controller.landscapeChanged)
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=10000):
        type_formula(qtbot, window, "x^2 - y^2")
    assert views.surface.frames_held()
    with qtbot.waitSignal(views.surface.frameSwapped, timeout=5000):
        window._paint_stage_timer.start()  # the held frame is drawn when let go
    qtbot.waitUntil(lambda: all(widget.updatesEnabled() for widget in held), timeout=3000)
    qtbot.waitUntil(lambda: not pacing.workers_held(), timeout=3000)  # and the workers go on


def test_views_changed_again_mid_stages_take_turns_and_the_runs_preview_is_staged(qtbot, window):
    """A view already painted waits behind those still waiting when everything changes
    again (a slider dragged), so each is painted within three stages; and the runs' first
    steps on a new landscape, which change every view at once, are painted in stages too."""
    views = window.views
    side = [views.slices, window.side_panel]
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=10000):
        type_formula(qtbot, window, "x^2 + 3y^2")
    window.release_held_paints()

    window._stage_paints()
    window._paint_stage_timer.stop()  # the stages are let go by hand below, one at a time
    window._release_next_paint_stage()
    assert not views.surface.frames_held() and not views.contour.updatesEnabled()
    window._stage_paints()  # everything changed again: the 3D view waits behind the others
    window._paint_stage_timer.stop()
    window._release_next_paint_stage()
    assert views.contour.updatesEnabled() and views.surface.frames_held()
    assert not any(widget.updatesEnabled() for widget in side)
    window._release_next_paint_stage()
    assert all(widget.updatesEnabled() for widget in side) and views.surface.frames_held()
    window._release_next_paint_stage()
    assert not views.surface.frames_held()

    stages_wait_for_the_test(window, window.controller.runs.previewShown)
    with qtbot.waitSignal(window.controller.runs.previewShown, timeout=10000):
        window.controller.runs.reset()
    assert views.surface.frames_held() and not views.contour.updatesEnabled()
    window._paint_stage_timer.start()
    qtbot.waitUntil(lambda: all(widget.updatesEnabled() for widget in side), timeout=3000)
    assert views.contour.updatesEnabled() and not views.surface.frames_held()


def test_the_caption_keeps_its_height_while_stepping_from_a_long_sentence_to_a_short(qtbot):
    """Across the top of the window, a caption one line shorter than the last must not move
    every view below it up (and the next step's down again); a new width starts afresh."""
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from landscape_gui.qt.views.caption_bar import CaptionBar

    top = QWidget()
    qtbot.addWidget(top)
    layout = QVBoxLayout(top)
    bar, below = CaptionBar(), QWidget()
    layout.addWidget(bar)
    layout.addWidget(below, 1)
    top.resize(400, 400)
    top.show()
    qtbot.waitExposed(top)
    bar.set_text("Step 1: " + "the gradient points uphill, so the step goes the other way. " * 3)
    qtbot.wait(20)
    low = below.y()
    bar.set_text("Step 0: the start.")
    qtbot.wait(20)
    assert below.y() == low
    top.resize(1400, 400)  # another width: measured again for the text on show
    qtbot.wait(20)
    assert below.y() < low
    one_line = below.y()
    bar.set_text("Step 2: " + "the gradient points uphill. " * 2)  # one line at this width
    qtbot.wait(20)
    assert below.y() == one_line
