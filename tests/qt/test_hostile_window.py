"""Formulas, ranges and numbers that crashed the window (segfaults, aborts) now draw or are
refused with a sentence. A crash here takes the whole test process down, which fails the run."""

from __future__ import annotations

import numpy as np

from landscape_gui.core.formula import parse_formula
from landscape_gui.core.landscape import Landscape, contour_levels, height_limits
from landscape_gui.qt.views.contour_view import ContourView
from landscape_gui.qt.views.surface_view import SurfaceView
from landscape_gui.qt.worker import CompileWorker
from tests.qt.conftest import wait_for_steps


def test_views_draw_heights_near_the_top_of_the_float_range(qtbot):
    # Before, heights up to 1.8e308 reached the views and the contour levels overflowed.
    grid = Landscape.from_text("1e300*x*exp(x^2+y^2)").sample(120)
    limits = height_limits(grid.z)
    surface = SurfaceView()
    contour = ContourView()
    for widget in (surface, contour):
        qtbot.addWidget(widget)
        widget.resize(500, 400)
        widget.show()
        qtbot.waitExposed(widget)
    surface.set_surface(grid.xs, grid.ys, grid.z, limits)
    contour.set_field(grid.xs, grid.ys, grid.z, limits, contour_levels(limits))
    assert not surface.grab().isNull()
    assert not contour.grab().isNull()


def test_formulas_that_crashed_or_hung_the_window_draw_or_are_refused(qtbot, window):
    # One window for all of them: a crash anywhere takes the test down.
    for text in (
        "1e300*x*exp(x^2+y^2)",
        "1e300*exp(x)",
        "floor(abs(floor(abs(floor(x)+y))+x))^ceil(abs(y))",
        "\ufeffx^2+y^2",
    ):
        with qtbot.waitSignal(window.controller.landscapeChanged, timeout=20000):
            assert window.controller.set_formula(text), text
        wait_for_steps(qtbot, window.controller.runs, 5)
        z = window.controller.grid.z
        assert np.all(np.isnan(z) | np.isfinite(z)), text
    for text, message in (
        ("(10^300)x(10^100)", "out of range"),
        ("1e300*1e8*x", "out of range"),
        ("x^2 + sin(exp(10^10))", "too large"),
        ("min(1/0,x)", "divides by zero"),
    ):
        before = window.controller.state.formula
        assert not window.controller.set_formula(text), text
        assert window.controller.state.formula == before
        error = window.views.formula.error_label
        assert error.isVisible() and message in error.text(), text


def test_a_range_too_narrow_to_draw_is_refused_not_fatal(qtbot, window):
    before = window.controller.state.domain
    with qtbot.waitSignal(window.controller.message) as blocker:
        window.controller.set_domain((0.0, 1e-12, 0.0, 1.0))
    assert "at least 0.000001 wide" in blocker.args[0]
    assert window.controller.state.domain == before


def test_the_compile_worker_answers_a_bad_formula_with_its_sentence(qtbot):
    worker = CompileWorker()
    with qtbot.waitSignal(worker.compiled) as blocker:
        worker.compile(7, parse_formula("0^x"), None)
    request, result = blocker.args
    assert request == 7
    assert result == "the slope of this formula is undefined everywhere"


def test_no_learning_rate_bound_is_promised_on_the_lessons_saddle(qtbot, window):
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=20000):
        window.controller.set_formula("x^2 + 3xy + y^2")
    hint = window.views.descent.stability_hint.text()
    assert "diverges above" not in hint
    assert "No learning rate converges" in hint
