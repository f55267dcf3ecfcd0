"""Each value on screen is read from the one state that holds it: the panel shows every run's
complete settings after adding, selecting and undoing; notices reach the status bar; dark mode
recolours instead of solving again; one click or one drag is one undo step."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from landscape_gui.core.numbers import entry as format_value
from landscape_gui.core.optimizers import OPTIMIZERS


def shown_settings(window) -> dict[str, str]:
    """What the panel's boxes say, and where each slider sits."""
    panel = window.views.descent
    return {name: row.box.text() for name, row in panel.hyper_rows.items()}


def expected_settings(window, index: int) -> dict[str, str]:
    run = window.controller.state.runs[index]
    return {name: format_value(value) for name, value in run.hyperparameters.items()}


def assert_sliders_match(window, index: int) -> None:
    panel = window.views.descent
    run = window.controller.state.runs[index]
    for name, row in panel.hyper_rows.items():
        assert row.slider.value() == row.position_of(run.hyperparameters[name]), name


def test_an_added_run_shows_all_its_settings(window):
    controller = window.controller
    controller.add_run()
    added = controller.state.runs[1]
    assert added.optimizer == "momentum"
    assert set(added.hyperparameters) == {p.name for p in OPTIMIZERS["momentum"].hyperparameters}
    assert window.views.descent.shown_optimizer() == "momentum"
    shown = shown_settings(window)
    assert all(shown.values()), shown  # no blank box
    assert shown == expected_settings(window, 1)
    assert_sliders_match(window, 1)


def test_selecting_a_run_shows_its_settings(window):
    controller = window.controller
    controller.add_run()
    controller.set_run_optimizer(1, "adam")
    controller.select_run(0)
    assert shown_settings(window) == expected_settings(window, 0)
    window.views.descent.run_list.setCurrentRow(1)  # as a click in the list does
    assert controller.runs.selected == 1
    shown = shown_settings(window)
    assert shown["beta1"] == "0.9" and shown["beta2"] == "0.999"
    assert shown == expected_settings(window, 1)
    assert_sliders_match(window, 1)


def test_undo_brings_the_panel_back_with_the_state(window):
    controller = window.controller
    controller.set_run_hyperparameter(0, "lr", 0.3)
    assert shown_settings(window)["lr"] == "0.3"
    controller.undo_stack.undo()
    assert controller.state.runs[0].hyperparameters["lr"] == 0.1
    assert shown_settings(window)["lr"] == "0.1"
    assert_sliders_match(window, 0)
    assert window.views.descent.run_list.item(0).text().startswith("Gradient descent, lr 0.1")


def test_playing_past_the_end_says_how_to_go_on(qtbot, window):
    controller = window.controller
    controller.set_max_steps(3)
    runs = controller.runs
    qtbot.waitUntil(lambda: runs.all_finished(), timeout=5000)
    runs.last()
    runs.toggle_play()
    assert "finished: press R to reset" in window.statusBar().currentMessage()


def test_dark_mode_recolours_without_solving_again(qtbot, window):
    controller = window.controller
    qtbot.waitUntil(lambda: controller.analysis is not None, timeout=15000)
    label = window.views.formula.math["df_dx"]
    assert label.has_picture()
    with qtbot.assertNotEmitted(controller.analysisRequested, wait=1000):
        controller.set_dark(True)
    assert controller.analysis is not None and label.has_picture()


def test_each_click_is_one_undo_step_and_a_drag_is_one(qtbot, window):
    controller = window.controller
    contour = window.views.contour
    start = controller.undo_stack.count()
    contour.probeRequested.emit(1.0, 1.0)
    contour.probeRequested.emit(2.0, 1.0)
    assert controller.undo_stack.count() == start + 2
    contour.probeRequested.emit(0.0, 0.0)  # a drag: its start, then its moves
    for x in (0.5, 1.0, 1.5):
        contour.probeDragged.emit(x, 0.0)
    assert controller.undo_stack.count() == start + 3
    assert controller.state.probe == (1.5, 0.0)
    controller.undo_stack.undo()
    assert controller.state.probe == (2.0, 1.0)


def test_a_real_drag_on_the_map_is_one_undo_step(qtbot, window):
    controller = window.controller
    viewport = window.views.contour.plot_widget().viewport()
    start = controller.undo_stack.count()
    centre = viewport.rect().center()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=centre)
    for step in range(1, 6):
        qtbot.mouseMove(viewport, centre + QPoint(12 * step, 6 * step))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=centre + QPoint(60, 30))
    assert controller.undo_stack.count() == start + 1


def test_the_hover_readout_never_outlives_the_pointer_or_the_landscape(qtbot, window):
    controller = window.controller
    contour = window.views.contour
    viewport = contour.plot_widget().viewport()
    centre = viewport.rect().center()
    with qtbot.waitSignal(contour.hovered, timeout=2000):
        qtbot.mouseMove(viewport, centre)
        qtbot.mouseMove(viewport, centre + QPoint(5, 5))
    assert contour.hover_label.isVisible()
    assert "f = " in contour.hover_label.toPlainText()
    # A new landscape: the numbers described the old one.
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):
        controller.set_formula("x^2 - y^2")
    assert not contour.hover_label.isVisible()
    # Hover again, then the pointer leaves the map.
    qtbot.mouseMove(viewport, centre + QPoint(-5, 0))
    qtbot.waitUntil(contour.hover_label.isVisible, timeout=2000)
    qtbot.mouseMove(window.views.descent)
    qtbot.waitUntil(lambda: not contour.hover_label.isVisible(), timeout=2000)
