"""Budgets and bounds: what a formula, a range or a run may cost, and what overflow becomes."""

from __future__ import annotations

import io
import math
import threading
import time

import numpy as np
import pytest

from landscape_gui.core import calculus, timebound
from landscape_gui.core.descent import DescentError, DescentRun
from landscape_gui.core.explain import run_summary
from landscape_gui.core.formula import FormulaError, parse_formula, to_input_syntax
from landscape_gui.core.landscape import (
    VALUE_LIMIT,
    CompiledFormula,
    Domain,
    Landscape,
    contour_levels,
    height_limits,
)
from landscape_gui.core.timebound import TimeLimitExceeded, call_with_time_limit
from landscape_gui.core.trajectory import (
    runs_from_descent,
    trajectory_metadata,
    write_trajectory_csv,
)

EXPENSIVE = "".join(f"(x+{i}y)" for i in range(1, 21))  # about a second to compile


def _spin(seconds: float) -> str:
    """Busy Python work (interruptible by the alarm), bounded so a broken test cannot hang."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "finished"


def _outer_swallowing_inner() -> str:
    try:
        call_with_time_limit(_spin, (3.0,), 10.0)
    except TimeLimitExceeded:
        return "the outer limit was taken for the inner one"
    return "finished"


def _outer_after_quick_inner() -> str:
    call_with_time_limit(_spin, (0.0,), 10.0)
    return _spin(3.0)


def test_an_inner_time_limit_does_not_swallow_the_outer_one():
    with pytest.raises(TimeLimitExceeded):
        call_with_time_limit(_outer_swallowing_inner, (), 0.2)


def test_an_inner_call_does_not_cancel_the_outer_timer():
    with pytest.raises(TimeLimitExceeded):
        call_with_time_limit(_outer_after_quick_inner, (), 0.2)


def test_an_inner_limit_shorter_than_the_outer_stops_only_the_inner_call():
    def outer():
        with pytest.raises(TimeLimitExceeded):
            call_with_time_limit(_spin, (3.0,), 0.1)
        return "went on"

    assert call_with_time_limit(outer, (), 10.0) == "went on"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(10^300)x(10^100)", "out of range"),
        ("1e300*1e8*x", "out of range"),
        ("x^2 + sin(exp(10^10))", "too large"),
        ("x^sin(exp(10^7))", "too large"),
        ("floor(exp(10^5))x", "too large"),
        ("exp(1000) + x", "too large"),
        ("min(1/0, x)", "divides by zero"),
        ("acos(10^300)x", "imaginary"),
        ("log(x, 0)", "base of a logarithm"),
        ("sin(sin(sin(sin(sin(sin(sin(sin(sin(x)))))))))", "nested too deeply"),
        ("x^x^x^x^x", "stacked too high"),
    ],
)
def test_constants_and_shapes_that_would_hang_or_crash_sympy_are_refused_at_once(text, message):
    with pytest.raises(FormulaError, match=message):
        parse_formula(text)


@pytest.mark.parametrize("invisible", ["\ufeff", "\u200b", "\u2060", "\u00ad"])
def test_invisible_pasted_characters_are_read_as_nothing(invisible):
    assert parse_formula(f"{invisible}x^2 +{invisible} y^2").expr == parse_formula("x^2+y^2").expr


@pytest.mark.parametrize(
    "text", ["cbrt(x)", "cbrt(x*y)", "sqrt(abs(x)) + y", "1e299*x^2", "floor(x)*y^2"]
)
def test_printed_f_and_derivatives_parse_back(text):
    analysis = calculus.analyse(Landscape.from_text(text).expression(), seconds=2.0)
    for printed in (analysis.f, analysis.df_dx, analysis.df_dy):
        assert "Piecewise" not in printed and "Subs" not in printed
        parse_formula(printed)


def test_where_the_derivative_does_not_exist_is_said_in_the_app_syntax():
    analysis = calculus.analyse(Landscape.from_text("cbrt(x) + abs(y)").expression(), 2.0)
    note = next(n for n in analysis.notes if "do not hold" in n)
    assert "x = 0" in note and "y = 0" in note


def test_big_numbers_print_the_way_they_are_typed():
    assert to_input_syntax(parse_formula("10^300 x").expr) == "1e300*x"
    assert to_input_syntax(parse_formula("1e-300 x").expr) == "x/1e300"


def test_step_functions_differentiate_to_zero_instead_of_failing():
    compiled = CompiledFormula(parse_formula("floor(abs(floor(abs(floor(x)+y))+x))^ceil(abs(y))"))
    assert compiled.df_dx_expr == 0 and compiled.df_dy_expr == 0


def test_a_formula_too_expensive_to_prepare_is_refused_with_a_sentence_on_the_main_thread():
    with pytest.raises(FormulaError, match="too expensive to draw"):
        CompiledFormula(parse_formula(EXPENSIVE), seconds=0.05)


def test_off_the_main_thread_the_budget_is_kept_by_a_helper_process():
    outcome = {}

    def compile_in_a_thread():
        try:
            CompiledFormula(parse_formula(EXPENSIVE), seconds=0.2)
            outcome["result"] = "compiled"
        except FormulaError as error:
            outcome["result"] = str(error)
        try:
            outcome["cheap"] = CompiledFormula(parse_formula("x^2 + y^2"), seconds=20.0)
        except FormulaError as error:
            outcome["cheap"] = str(error)

    thread = threading.Thread(target=compile_in_a_thread)
    thread.start()
    thread.join(120)
    timebound.shutdown()
    assert not thread.is_alive()
    assert "too expensive to draw" in outcome["result"]
    assert isinstance(outcome["cheap"], CompiledFormula)


def test_values_beyond_the_limit_are_undefined_not_huge():
    landscape = Landscape.from_text("1e300*x*exp(x^2+y^2)")
    grid = landscape.sample(50)
    for array in (grid.z, grid.df_dx, grid.df_dy):
        assert np.all(np.isnan(array) | (np.abs(array) <= VALUE_LIMIT))
    limits = height_limits(grid.z)
    assert all(math.isfinite(v) for v in limits) and limits[0] < limits[1]
    assert len(contour_levels(limits)) > 0


def test_contour_levels_of_an_overflowing_span_are_none_rather_than_an_error():
    assert len(contour_levels((-1.7e308, 1.7e308))) == 0


@pytest.mark.parametrize(
    "bounds", [(0, 1e-12, 0, 1), (0, 5e-324, 0, 5e-324), (1e-300, 2e-300, 1e-300, 2e-300)]
)
def test_ranges_too_narrow_to_draw_are_refused_with_a_sentence(bounds):
    with pytest.raises(ValueError, match="at least 0.000001 wide"):
        Domain(*bounds)


def test_classifying_huge_curvatures_does_not_overflow():
    assert calculus.classify(1e300, 0.0, 1e300) == calculus.MINIMUM
    assert calculus.classify(1e300, 1e300 * 3, 1e300) == calculus.SADDLE


class _Steep:
    """f = -(x + y), steeper and steeper: past x = 0.5 its slope's components are finite but
    the slope's length overflows."""

    def value(self, x, y):
        return -(np.asarray(x, dtype=float) + y)

    def gradient(self, x, y):
        x = np.asarray(x, dtype=float)
        slope = np.where(x > 0.5, -1.5e308, -1.0)
        return slope, slope.copy()

    def hessian(self, x, y):
        zero = np.zeros(np.shape(x))
        return zero, zero.copy(), zero.copy()


def test_a_gradient_whose_length_overflows_stops_the_run_as_undefined():
    run = DescentRun(_Steep(), [(0.0, 0.0)], "gd", {"lr": 1.0})
    run.advance(10)
    assert run.status() == "diverged" and run.stop_reason() == "gradient"
    assert run.failed_point() == (1.0, 1.0)
    history = run.history()
    assert np.isfinite(history.norm).all()
    out = io.StringIO()
    runs = runs_from_descent(run, names=["1"])
    write_trajectory_csv(out, runs, trajectory_metadata("-(x + y)", runs, {}))
    assert "diverged" in out.getvalue()
    with pytest.raises(DescentError, match="slope of f is undefined at the start"):
        DescentRun(_Steep(), [(1.0, 1.0)], "gd")


def test_summary_names_a_saddle_that_a_run_converged_to():
    landscape = Landscape.from_text("x^2 - y^2")
    run = DescentRun(landscape, [(1.0, 0.0)], "gd", {"lr": 0.1})
    run.advance(1000)
    assert run.status() == "converged"
    assert "saddle point, not a minimum" in run_summary(run, landscape)


def test_summary_does_not_advise_a_smaller_lr_when_there_is_no_bottom():
    landscape = Landscape.from_text("x^2 + 3xy + y^2")
    run = DescentRun(landscape, [(1.0, 0.5)], "gd", {"lr": 0.01}, max_steps=100000)
    run.advance(100000)
    summary = run_summary(run, landscape)
    assert summary.startswith("diverged") and "no bottom" in summary
    assert "will not help" in summary


def test_summary_of_an_overshooting_run_advises_a_smaller_lr():
    landscape = Landscape.from_text("x^2 + y^2")
    run = DescentRun(landscape, [(3.0, 4.0)], "gd", {"lr": 1.5})
    run.advance(1000)
    assert "try a smaller --lr" in run_summary(run, landscape)


def test_summary_names_the_step_that_broke_and_where_it_went():
    # log(x) + y^2 from (0.05, 1), lr 0.1: step 1 goes to (-1.95, 0.8), where log is undefined.
    landscape = Landscape.from_text("log(x) + y^2")
    run = DescentRun(landscape, [(0.05, 1.0)], "gd", {"lr": 0.1})
    run.advance(10)
    summary = run_summary(run, landscape)
    assert summary.startswith("diverged at step 1: step 1 went to (-1.95, 0.8)")
    assert "last point with a value was step 0 at (0.05, 1)" in summary


def test_landing_exactly_on_a_cusp_is_not_called_an_lr_problem():
    landscape = Landscape.from_text("sqrt(x^2+y^2)")
    run = DescentRun(landscape, [(1.0, 0.0)], "gd", {"lr": 0.5})
    run.advance(100)
    assert run.stop_reason() == "gradient"
    summary = run_summary(run, landscape)
    assert "went to (0, 0), where f has no gradient" in summary
    assert "smaller" not in summary


def test_an_undefined_start_is_refused_with_a_sentence():
    with pytest.raises(DescentError, match=r"f is undefined at the start \(-1, 0\)"):
        DescentRun(Landscape.from_text("log(x)"), [(-1.0, 0.0)], "gd")


@pytest.mark.parametrize(
    ("text", "values"),
    [("a^a^a*x", {"a": 1000.0}), ("x^a", {"a": 5000.0}), ("a*exp(a)*x", {"a": 1e6})],
)
def test_parameter_values_cannot_make_sympy_build_giant_numbers(text, values):
    # a^a^a with a = 1000 is 1000^(1000^1000): expr.subs would evaluate it forever.
    with pytest.raises(FormulaError, match="with these parameter values"):
        Landscape.from_text(text, values)


def test_the_windows_caption_does_not_advise_a_smaller_rate_when_there_is_no_bottom():
    from landscape_gui.core.explain import StepRecord, explain_end

    start = StepRecord(1.0, 0.5, 2.75, 3.5, 4.0)
    fallen = StepRecord(7e7, -7e7, -5e15, 1e8, -1e8)
    risen = StepRecord(7e7, 7e7, 5e16, 1e8, 1e8)
    assert "no bottom" in explain_end("diverged", 200, fallen, None, 1e-6, first=start)
    assert "smaller" not in explain_end("diverged", 200, fallen, None, 1e-6, first=start)
    assert "smaller" in explain_end("diverged", 20, risen, None, 1e-6, first=start)
