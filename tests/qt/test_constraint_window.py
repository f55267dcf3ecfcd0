"""The constraint g(x, y) = c in the window, driven as a student would: type it, see the curve on
both views, probe the tangency, read λ in the caption, undo, run a descent that stays on it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from landscape_gui.core.landscape import Domain
from landscape_gui.core.state import SessionState
from landscape_gui.qt.constraints import constraint_text
from landscape_gui.qt.main_window import MainWindow
from tests.qt.conftest import track

ROOT_HALF = math.sqrt(2) / 2


@pytest.fixture
def window(qtbot):
    state = SessionState(formula="x + y", preset=None, domain=Domain(-2, 2, -2, 2), probe=(1, 1))
    win = MainWindow(state, remember_geometry=False, prompt_unsaved=False)
    track(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    # The compile worker builds the first landscape; a change typed before it arrives would
    # wait for it (the controller applies changes to the state being drawn).
    qtbot.waitUntil(lambda: win.controller.landscape is not None, timeout=30000)
    yield win


def type_into(qtbot, edit, text):
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def type_constraint(qtbot, window, text):
    constraints = window.controller.constraints
    with qtbot.waitSignal(constraints.curveShown, timeout=10000):
        type_into(qtbot, window.views.formula.constraint_edit, text)


def wait_for_lagrange(qtbot, window):
    constraints = window.controller.constraints
    qtbot.waitUntil(lambda: constraints.lagrange is not None, timeout=30000)


def test_typing_a_constraint_draws_its_curve_on_both_views(qtbot, window):
    type_constraint(qtbot, window, "x^2 + y^2 = 1")
    assert constraint_text(window.controller.state) == "x^2 + y^2 = 1"
    # The map was given the unit circle.
    points = window.views.contour.constraint_points()
    finite = points[np.isfinite(points).all(axis=1)]
    assert len(finite) > 50
    assert np.allclose(np.hypot(finite[:, 0], finite[:, 1]), 1.0, atol=1e-6)
    assert window.views.contour.constraint_item.isVisible()
    # The surface lifts it to z = f = x + y along the curve.
    lifted = window.views.surface.constraint_path()
    lifted = lifted[np.isfinite(lifted).all(axis=1)]
    assert np.allclose(lifted[:, 2], lifted[:, 0] + lifted[:, 1])
    # f along the curve: one closed loop of length 2π.
    slices = window.views.slices
    assert slices.curve_slice.widget.isVisible()
    s, values = slices.curve_slice.curve.getData()
    assert np.nanmax(s) == pytest.approx(2 * math.pi, rel=1e-3)
    assert slices.curve_title().startswith("f around g = c")  # once around: a closed curve


def test_the_probe_on_the_maximum_shows_parallel_gradients_and_lambda(qtbot, window):
    type_constraint(qtbot, window, "x^2 + y^2 = 1")
    wait_for_lagrange(qtbot, window)
    controller = window.controller
    kinds = sorted((p.kind, round(p.f, 9)) for p in controller.constraints.lagrange.points)
    assert kinds == [
        ("constrained maximum", round(math.sqrt(2), 9)),
        ("constrained minimum", round(-math.sqrt(2), 9)),
    ]
    contour = window.views.contour
    controller.set_probe(-1.0, 1.0)  # on neither: the map marks both with kind and λ
    texts = sorted(contour.lagrange_texts())
    assert texts == ["max f = 1.414\nλ = 0.7071", "min f = −1.414\nλ = −0.7071"]
    controller.set_probe(ROOT_HALF, ROOT_HALF)
    caption = window.views.caption.text()
    assert "angle 0°" in caption
    assert "λ = 0.7071" in caption
    assert "∇f ∥ ∇g" in caption
    assert "per unit of c" in caption  # what λ means
    # The label at the point says it too (the maximum's own label joins it).
    assert contour.angle_label.toPlainText() == "∇f ∥ ∇g, angle 0°\nmax f = 1.414\nλ = 0.7071"
    assert contour.lagrange_texts() == ["min f = −1.414\nλ = −0.7071"]
    # Both arrows start at the point; ∇f = (1, 1) and ∇g = (√2, √2) point the same way.
    fx, fy = contour.grad_f_shaft.getData()
    gx, gy = contour.grad_g_shaft.getData()
    assert (fx[0], fy[0]) == pytest.approx((ROOT_HALF, ROOT_HALF))
    assert (gx[0], gy[0]) == pytest.approx((ROOT_HALF, ROOT_HALF))
    scale = controller.arrow_scale
    assert (fx[1] - fx[0], fy[1] - fy[0]) == pytest.approx((scale, scale))
    assert (gx[1] - gx[0], gy[1] - gy[0]) == pytest.approx((scale * math.sqrt(2),) * 2)
    # The contour of f through the point is the line x + y = √2, touching the circle there.
    tx, ty = contour.touch_line.getData()
    assert contour.touch_line.isVisible()
    assert np.allclose(tx + ty, math.sqrt(2), atol=1e-6)
    # On the plot of f along the curve, the probe's slope ∇f·t is 0 at the maximum.
    assert "slope ∇f·t = 0.00" in window.views.slices.curve_title()
    # G hides the two arrows with the probe's own; the touching contour stays.
    controller.set_toggle("gradient_arrow", False)
    assert not contour.grad_f_shaft.isVisible() and not contour.grad_g_shaft.isVisible()
    assert contour.touch_line.isVisible()


def test_off_the_optimum_the_caption_gives_the_angle(qtbot, window):
    type_constraint(qtbot, window, "x^2 + y^2 = 1")
    wait_for_lagrange(qtbot, window)
    window.controller.set_probe(1.0, 0.0)  # ∇f = (1, 1), ∇g = (2, 0): 45° apart
    caption = window.views.caption.text()
    assert "the angle between ∇f and ∇g is 45°" in caption
    assert "∇f ∥ ∇g" not in caption.split("Where")[0]


def test_a_bad_constraint_shows_a_clear_message_and_keeps_the_last_good_one(qtbot, window):
    type_constraint(qtbot, window, "x^2 + y^2 = 1")
    drawn = window.views.contour.constraint_points().copy()
    edit = window.views.formula.constraint_edit
    error = window.views.formula.constraint_error
    type_into(qtbot, edit, "x^2 + y^2")
    qtbot.waitUntil(error.isVisible, timeout=10000)
    assert "write the constraint as g(x, y) = c" in error.text()
    assert "last good constraint stays in use" in error.text()
    assert constraint_text(window.controller.state) == "x^2 + y^2 = 1"
    np.testing.assert_array_equal(window.views.contour.constraint_points(), drawn)
    type_into(qtbot, edit, "x^2 + sinn(y) = 1")
    qtbot.waitUntil(lambda: "sinn" in error.text(), timeout=10000)
    assert constraint_text(window.controller.state) == "x^2 + y^2 = 1"
    # A good one clears the message.
    type_constraint(qtbot, window, "x + y = 1")
    assert not error.isVisible()


def test_undo_restores_the_previous_constraint_and_none(qtbot, window):
    controller = window.controller
    type_constraint(qtbot, window, "x^2 + y^2 = 1")
    type_constraint(qtbot, window, "x + y = 1")
    with qtbot.waitSignal(controller.constraints.curveShown, timeout=10000):
        controller.undo_stack.undo()
    assert constraint_text(controller.state) == "x^2 + y^2 = 1"
    assert window.views.formula.constraint_edit.text() == "x^2 + y^2 = 1"
    finite = window.views.contour.constraint_points()
    finite = finite[np.isfinite(finite).all(axis=1)]
    assert np.allclose(np.hypot(finite[:, 0], finite[:, 1]), 1.0, atol=1e-6)
    controller.undo_stack.undo()
    assert constraint_text(controller.state) is None
    assert not window.views.contour.constraint_item.isVisible()
    assert not window.views.slices.curve_slice.widget.isVisible()
    assert window.views.formula.constraint_edit.text() == ""
    # Clearing the box is a change of its own, undone like any other.
    type_constraint(qtbot, window, "x^2 + y^2 = 1")
    with qtbot.waitSignal(controller.constraints.curveShown, timeout=10000):
        type_into(qtbot, window.views.formula.constraint_edit, "")
    assert constraint_text(controller.state) is None
    with qtbot.waitSignal(controller.constraints.curveShown, timeout=10000):
        controller.undo_stack.undo()
    assert constraint_text(controller.state) == "x^2 + y^2 = 1"


def run_to_the_end(qtbot, window):
    runs = window.controller.runs
    qtbot.waitUntil(lambda: not runs.waiting_for_steps() and runs.recorded_end() > 0, timeout=10000)
    runs.step(5000)
    qtbot.waitUntil(
        lambda: runs.all_finished() and runs.cursor >= runs.recorded_end(), timeout=30000
    )


def test_the_descent_panel_offers_the_curve_optimizers_only_with_a_constraint(qtbot, window):
    panel = window.views.descent
    assert "projected" not in panel.available_optimizers()
    type_constraint(qtbot, window, "x^2 + y^2 = 1")
    assert {"projected", "penalty"} <= set(panel.available_optimizers())
    window.controller.set_run_optimizer(0, "projected")
    assert window.controller.state.runs[0].optimizer == "projected"
    # Removing the constraint puts the run back on plain descent, in the same undo step.
    with qtbot.waitSignal(window.controller.constraints.curveShown, timeout=10000):
        type_into(qtbot, window.views.formula.constraint_edit, "")
    assert window.controller.state.runs[0].optimizer == "gd"
    assert "projected" not in panel.available_optimizers()


def test_a_projected_run_ends_on_the_curve_at_the_minimum(qtbot, window, tmp_path):
    controller = window.controller
    type_constraint(qtbot, window, "x^2 + y^2 = 1")
    controller.set_probe(1.0, 0.0)
    controller.set_run_optimizer(0, "projected")
    controller.add_run()  # the penalty method races it
    assert [r.optimizer for r in controller.state.runs] == ["projected", "penalty"]
    run_to_the_end(qtbot, window)
    projected, penalty = controller.runs.tracks
    assert projected.status == "converged"
    x, y = projected.x[-1], projected.y[-1]
    assert math.hypot(x, y) == pytest.approx(1.0, abs=1e-6)  # on the curve
    assert (x, y) == pytest.approx((-ROOT_HALF, -ROOT_HALF), abs=1e-3)  # at the minimum
    assert projected.lam[-1] == pytest.approx(-ROOT_HALF, abs=1e-3)
    assert (penalty.x[-1], penalty.y[-1]) == pytest.approx((-ROOT_HALF, -ROOT_HALF), abs=0.05)
    # The map draws both paths; the caption says the run stopped where ∇f ∥ ∇g.
    assert len(window.views.contour.path_lines) >= 2
    controller.select_run(0)
    assert "∇f ∥ ∇g" in window.views.caption.text()
    # The CSV has the core's constrained columns, and names the curve.
    target = tmp_path / "race.csv"
    window.files.ask_save_path = lambda caption, file_filter, suggestion: str(target)
    window.files.show_error = lambda *message: pytest.fail(" ".join(message))
    assert window.files.export_trajectory_csv() == str(target)
    text = target.read_text(encoding="utf-8")
    assert "# constraint: x^2 + y^2 = 1" in text
    header = next(line for line in text.splitlines() if not line.startswith("#"))
    assert header.split(",")[-2:] == ["g", "lambda"]


def test_a_session_round_trip_keeps_the_constraint_and_its_runs(qtbot, window, tmp_path):
    controller = window.controller
    type_constraint(qtbot, window, "x^2 + y^2 = 1")
    controller.set_probe(1.0, 0.0)
    controller.set_run_optimizer(0, "projected")
    run_to_the_end(qtbot, window)
    saved = controller.runs.tracks[0]
    saved_x, saved_lam = saved.x.copy(), saved.lam.copy()
    path = tmp_path / "circle.landscape"
    window.files.ask_save_path = lambda caption, file_filter, suggestion: str(path)
    window.files.show_error = lambda *message: pytest.fail(" ".join(message))
    assert window.files.save_as()

    other = MainWindow(remember_geometry=False, prompt_unsaved=False)
    track(other)
    other.show()
    qtbot.waitExposed(other)
    other.files.show_error = lambda *message: pytest.fail(" ".join(message))
    with qtbot.waitSignal(other.controller.constraints.curveShown, timeout=20000):
        other.files.open(str(path))
    state = other.controller.state
    assert constraint_text(state) == "x^2 + y^2 = 1"
    assert state.runs[0].optimizer == "projected"
    assert other.views.formula.constraint_edit.text() == "x^2 + y^2 = 1"
    points = other.views.contour.constraint_points()
    points = points[np.isfinite(points).all(axis=1)]
    assert np.allclose(np.hypot(points[:, 0], points[:, 1]), 1.0, atol=1e-6)
    restored = other.controller.runs.tracks[0]
    np.testing.assert_array_equal(restored.x, saved_x)
    np.testing.assert_array_equal(restored.lam, saved_lam)
    assert "projected" in other.views.descent.available_optimizers()


def test_a_constraint_with_a_parameter_gets_its_slider(qtbot, window):
    controller = window.controller
    type_constraint(qtbot, window, "x^2 + y^2 = r^2")
    assert controller.state.parameters == {"r": 1.0}
    assert list(window.views.formula.parameter_rows) == ["r"]
    with qtbot.waitSignal(controller.constraints.curveShown, timeout=10000):
        controller.set_parameter("r", 1.5)
    points = window.views.contour.constraint_points()
    points = points[np.isfinite(points).all(axis=1)]
    assert np.allclose(np.hypot(points[:, 0], points[:, 1]), 1.5, atol=1e-6)


def test_the_lesson_keys_go_on_to_the_stages_on_a_curve(qtbot, window):
    from landscape_gui.core import lesson

    controller = window.controller
    last_plain = len(lesson.STAGES) - 1
    controller.show_lesson_stage(last_plain)
    qtbot.waitUntil(lambda: controller.lesson_index == last_plain, timeout=10000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.views.contour.setFocus()
    with qtbot.waitSignal(controller.constraints.curveShown, timeout=20000):
        qtbot.keyClick(window, Qt.Key.Key_L)
    first = lesson.CONSTRAINT_STAGES[0]
    assert controller.lesson_index == last_plain + 1
    assert constraint_text(controller.state) == first.constraint
    assert controller.state.runs[0].optimizer == first.optimizer
    assert window.views.caption.text().startswith(
        f"Lesson {last_plain + 2} of {len(lesson.LESSON)}, {first.title}"
    )
    assert window.views.contour.constraint_item.isVisible()
    # Shift+L goes back to the last stage without a curve.
    with qtbot.waitSignal(controller.constraints.curveShown, timeout=20000):
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ShiftModifier)
    assert controller.lesson_index == last_plain
    assert constraint_text(controller.state) is None
    assert not window.views.contour.constraint_item.isVisible()


def test_a_constraint_preset_sets_the_landscape_curve_and_a_run_along_it(qtbot, window):
    from landscape_gui.core.presets import CONSTRAINT_PRESETS_BY_KEY

    controller = window.controller
    combo = window.views.formula.constraint_preset_combo
    index = combo.findData("circle-product")
    assert index > 0
    with qtbot.waitSignal(controller.constraints.lagrangeShown, timeout=30000):
        combo.activated.emit(index)
    preset = CONSTRAINT_PRESETS_BY_KEY["circle-product"]
    state = controller.state
    assert (state.formula, constraint_text(state)) == ("xy", "x^2 + y^2 = 2")
    assert state.runs[0].optimizer == "projected"
    assert combo.currentData() == "circle-product"
    points = controller.constraints.lagrange.points
    maxima = sorted((round(p.x, 9), round(p.y, 9)) for p in points if p.kind.endswith("maximum"))
    assert maxima == [(-1.0, -1.0), (1.0, 1.0)]
    assert {round(p.f, 9) for p in points} == {preset.minimum, preset.maximum}
