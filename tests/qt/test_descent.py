"""Gradient descent in the window: stepping, playing, racing, diverging, and clean shutdown."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from landscape_gui.qt import worker
from landscape_gui.qt.main_window import MainWindow
from tests.qt.conftest import track


def panel_button(window, name):
    from PySide6.QtWidgets import QAbstractButton

    return window.views.descent.findChild(QAbstractButton, name)


def test_step_shows_the_lessons_first_step(qtbot, window):
    runs = window.controller.runs
    with qtbot.waitSignal(runs.stepShown, timeout=3000):
        qtbot.mouseClick(panel_button(window, "stepForward"), Qt.MouseButton.LeftButton)
    assert runs.cursor == 1
    # GD with lr 0.1 from (3, 4): (3, 4) - 0.1 * (6, 8) = (2.4, 3.2).
    assert window.views.readout.labels["point"].text() == "(2.4, 3.2)"
    arithmetic = window.views.descent.arithmetic
    shown = " ".join(arithmetic.text().split())  # the panel may wrap it over two lines
    assert shown == "(2.40, 3.20) = (3.00, 4.00) − 0.1 × (6.00, 8.00)"
    counter = window.views.descent.step_counter
    assert "1" in counter.text()


def test_step_back_and_forward_move_through_history_without_recomputing(qtbot, window):
    runs = window.controller.runs
    for _ in range(3):
        runs.step(1)
    assert runs.cursor == 3
    recorded = runs.recorded_end()
    generation = runs.generation
    qtbot.mouseClick(panel_button(window, "stepBack"), Qt.MouseButton.LeftButton)
    assert runs.cursor == 2
    # (3,4) -> (2.4,3.2) -> (1.92,2.56): 0.8^2 of the start.
    assert window.controller._shown_point == pytest.approx((1.92, 2.56))
    runs.step(1)
    assert runs.cursor == 3 and runs.generation == generation
    assert runs.recorded_end() == recorded


def test_play_runs_to_convergence(qtbot, window):
    runs = window.controller.runs
    runs.set_speed(0)  # as fast as possible
    with qtbot.waitSignal(runs.finished, timeout=10000):
        qtbot.mouseClick(panel_button(window, "playPause"), Qt.MouseButton.LeftButton)
    track = runs.tracks[0]
    assert track.status == "converged"
    assert np.hypot(track.gx[-1], track.gy[-1]) < 1e-6
    status = window.views.descent.run_status
    assert "converged" in status.text()


def test_play_at_a_steady_rate_then_pause(qtbot, window):
    runs = window.controller.runs
    runs.set_speed(30)
    runs.toggle_play()
    qtbot.waitUntil(lambda: runs.cursor >= 5, timeout=20000)
    runs.toggle_play()
    paused_at = runs.cursor
    with qtbot.assertNotEmitted(runs.stepShown, wait=300):  # no tick moves it any more
        pass
    assert runs.cursor == paused_at and not runs.playing


def test_reset_returns_to_the_start(qtbot, window):
    runs = window.controller.runs
    runs.step(5)
    qtbot.mouseClick(panel_button(window, "resetRuns"), Qt.MouseButton.LeftButton)
    assert runs.cursor == 0
    # The restarted run's first steps are computed again, and the readout shows its start.
    point = window.views.readout.labels["point"]
    qtbot.waitUntil(lambda: runs.recorded_end() > 0, timeout=5000)
    # Drawn on the event loop's next turns, as every batch of steps from the worker is.
    qtbot.waitUntil(lambda: point.text() == "(3, 4)", timeout=2000)
    assert runs.cursor == 0


def test_the_lessons_saddle_diverges_with_a_finite_path(qtbot, window):
    controller = window.controller
    with qtbot.waitSignal(controller.landscapeChanged, timeout=5000):
        controller.set_formula("x^2 + 3xy + y^2")
    controller.set_probe(1.0, 0.5)
    controller.set_run_hyperparameter(0, "lr", 0.1)
    runs = controller.runs
    runs.set_speed(0)
    with qtbot.waitSignal(runs.finished, timeout=10000):
        runs.toggle_play()
    track = runs.tracks[0]
    assert track.status == "diverged"
    assert np.all(np.isfinite(track.x)) and np.all(np.isfinite(track.y))
    status = window.views.descent.run_status
    # A saddle has no bottom: a smaller learning rate would not help, so it is not advised.
    assert "diverged" in status.text() and "try a smaller" not in status.text()
    assert "no bottom" in runs.explanation()


def test_a_race_of_three_runs_each_ends_with_its_own_status(qtbot, window):
    controller = window.controller
    with qtbot.waitSignal(controller.landscapeChanged, timeout=5000):
        controller.set_formula("x^2 + 10y^2")
    controller.set_probe(3.0, 1.0)
    controller.add_run()  # momentum
    controller.add_run()  # nesterov
    controller.set_run_optimizer(2, "adam")
    controller.set_run_hyperparameter(0, "lr", 0.2)  # 0.2 > 2/20: plain GD diverges along y
    assert [r.optimizer for r in controller.state.runs] == ["gd", "momentum", "adam"]
    runs = controller.runs
    runs.set_speed(0)
    controller.set_max_steps(3000)
    with qtbot.waitSignal(runs.finished, timeout=20000):
        runs.toggle_play()
    statuses = [t.status for t in runs.tracks]
    assert statuses[0] == "diverged"
    assert statuses[1] == "converged" and statuses[2] in ("converged", "max-steps")
    run_list = window.views.descent.run_list
    names = [run_list.item(i).text() for i in range(3)]
    assert "diverged" in names[0] and "converged" in names[1]


def test_changing_the_formula_mid_run_restarts_cleanly(qtbot, window):
    runs = window.controller.runs
    runs.set_speed(5)
    runs.toggle_play()
    qtbot.waitUntil(lambda: runs.cursor >= 1, timeout=5000)
    generation = runs.generation
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        window.controller.set_formula("(x - 1)^2 + y^2")
    assert runs.generation > generation and not runs.playing and runs.cursor == 0
    qtbot.waitUntil(lambda: runs.recorded_end() > 0, timeout=5000)
    # The new run starts where the old one did, on the new landscape: f(3, 4) = 4 + 16.
    assert runs.tracks[0].f[0] == 20.0


def test_closing_while_playing_fast_exits_cleanly(qtbot):
    win = track(MainWindow(remember_geometry=False, prompt_unsaved=False))
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignal(win.controller.landscapeChanged, timeout=5000):
        win.controller.set_formula("(1 - x)^2 + 100(y - x^2)^2")
    win.controller.set_max_steps(1_000_000)
    win.controller.set_run_hyperparameter(0, "lr", 0.0001)
    runs = win.controller.runs
    qtbot.waitUntil(lambda: runs.recorded_end() > 0, timeout=5000)
    runs.set_speed(0)
    runs.toggle_play()
    qtbot.waitUntil(lambda: runs.cursor > 1000, timeout=10000)
    win.close()
    # Stopped within the close's short wait or, on a loaded machine, handed to the reaper
    # that keeps it until it ends: never left running with no owner; and each one ends.
    assert worker.running_threads() == []
    threads = [runs._thread.thread, win.controller.pipeline._analysis_thread.thread]
    qtbot.waitUntil(lambda: not any(thread.isRunning() for thread in threads), timeout=10000)


def test_undo_a_learning_rate_change(qtbot, window):
    controller = window.controller
    controller.set_run_hyperparameter(0, "lr", 0.3)
    assert controller.state.runs[0].hyperparameters["lr"] == 0.3
    controller.undo_stack.undo()
    assert controller.state.runs[0].hyperparameters == {"lr": 0.1}


def test_the_basin_map_of_himmelblau_finds_four_basins(qtbot, window):
    controller = window.controller
    with qtbot.waitSignal(controller.landscapeChanged, timeout=5000):
        window.actions["preset:himmelblau"].trigger()
    window.activateWindow()  # the B shortcut goes to the active window
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    with qtbot.waitSignal(controller.runs.basinsShown, timeout=20000):
        viewport = window.views.contour.plot_widget().viewport()
        viewport.setFocus()
        qtbot.keyClick(viewport, Qt.Key.Key_B)
    basin_map = controller.runs.basin_map
    minima = sorted((round(x, 3), round(y, 3)) for x, y, _ in basin_map.minima)
    assert minima == [(-3.779, -3.283), (-2.805, 3.131), (3.0, 2.0), (3.584, -1.848)]
    assert window.views.contour.basin_item.isVisible()
    assert window.views.descent.basins_toggle.isChecked()
    assert "4 basins" in window.statusBar().currentMessage()
    window.views.descent.basins_toggle.click()  # off again from the panel
    assert not controller.state.toggles.basins
    assert not window.views.contour.basin_item.isVisible()


def _play_to_end(qtbot, window, formula, start, lr):
    controller = window.controller
    with qtbot.waitSignal(controller.landscapeChanged, timeout=5000):
        controller.set_formula(formula)
    controller.set_probe(*start)
    controller.set_run_hyperparameter(0, "lr", lr)
    runs = controller.runs
    runs.set_speed(0)
    with qtbot.waitSignal(runs.finished, timeout=10000):
        runs.toggle_play()
    qtbot.waitUntil(lambda: runs.model.at_end(), timeout=5000)
    return runs


def test_a_step_onto_the_cusp_is_named_in_the_caption_not_divergence(qtbot, window):
    # On the cone sqrt(x^2+y^2) the gradient is (x, y)/r, of length 1: from (1, 0) with lr 0.5
    # two steps of 0.5 land exactly on the tip, where the gradient is undefined.
    runs = _play_to_end(qtbot, window, "sqrt(x^2+y^2)", (1.0, 0.0), 0.5)
    track = runs.tracks[0]
    assert track.status == "diverged" and track.reason == "gradient"
    text = window.views.caption.text()
    assert "gradient is undefined" in text
    assert "Diverged" not in text and "smaller" not in text
    status = window.views.descent.run_status.text()
    assert "gradient is undefined" in status and "ran away" not in status


def test_a_step_onto_an_undefined_point_is_named_in_the_caption(qtbot, window):
    # log(x) + y^2 from (0.5, 0): the gradient is (2, 0); lr 1 steps to x = -1.5, where log
    # has no value.
    runs = _play_to_end(qtbot, window, "log(x) + y^2", (0.5, 0.0), 1.0)
    track = runs.tracks[0]
    assert track.status == "diverged" and track.reason == "value"
    assert "f is undefined" in runs.explanation()
    assert "f is undefined" in window.views.descent.run_status.text()
