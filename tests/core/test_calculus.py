"""Exact derivatives and critical points, checked against the lesson's worked examples."""

import threading

import pytest
import sympy as sp

from landscape_gui.core import calculus
from landscape_gui.core.formula import X, Y, parse_formula
from landscape_gui.core.timebound import TimeLimitExceeded, call_with_time_limit


def expr(text):
    return parse_formula(text).expr


def test_the_seed_partials():
    # The lesson: d/dx (x^2 + 3xy + y^2) = 2x + 3y (the y^2 term has no x, so it vanishes).
    fx, fy = calculus.gradient(expr("x^2 + 3xy + y^2"))
    assert sp.expand(fx - (2 * X + 3 * Y)) == 0
    assert sp.expand(fy - (3 * X + 2 * Y)) == 0


def test_the_bowl_gradient_and_hessian():
    f = expr("x^2 + y^2")
    fx, fy = calculus.gradient(f)
    assert (fx.subs({X: 3, Y: 4}), fy.subs({X: 3, Y: 4})) == (6, 8)
    assert calculus.hessian(f) == (2, 0, 2)


def test_derivatives_of_kinks_and_steps_are_usable():
    # d/dx |x| = sign(x); d/dx floor(x) = 0 where it exists; min/max give steps written with sign.
    assert calculus.partial(expr("abs(x)"), X) == sp.sign(X)
    assert calculus.partial(expr("floor(x) + y"), X) == 0
    step = calculus.partial(expr("max(x, y)"), X)
    assert not step.has(sp.Heaviside)
    assert step.subs({X: 2, Y: 1}) == 1 and step.subs({X: 1, Y: 2}) == 0


@pytest.mark.parametrize(
    ("hessian", "kind"),
    [
        ((2, 0, 2), calculus.MINIMUM),
        ((-2, 0, -1), calculus.MAXIMUM),
        ((2, 0, -2), calculus.SADDLE),
        ((2, 3, 2), calculus.SADDLE),
        ((0, 0, 0), calculus.DEGENERATE),
        ((1, 1, 1), calculus.DEGENERATE),
    ],
)
def test_second_derivative_test(hessian, kind):
    assert calculus.classify(*hessian) == kind


def test_exact_critical_points_with_kinds():
    seed = calculus.solve_critical_points(expr("x^2 + 3xy + y^2"))
    assert [(p.x, p.y, p.kind) for p in seed] == [(0.0, 0.0, calculus.SADDLE)]
    # f = x^3 - 3x + y^2: f_x = 3x^2 - 3 = 0 at x = ±1, f_y = 2y = 0; f_xx = 6x.
    points = calculus.solve_critical_points(expr("x^3 - 3x + y^2"))
    assert [(p.x, p.y, p.kind) for p in points] == [
        (-1.0, 0.0, calculus.SADDLE),
        (1.0, 0.0, calculus.MINIMUM),
    ]
    assert points[1].exact == ("1", "0")
    assert points[1].value == pytest.approx(-2.0)


def test_lines_of_critical_points_are_not_listed_as_points():
    with pytest.raises(ValueError, match="curves"):
        calculus.solve_critical_points(expr("x^2"))


def test_analyse_reports_tidy_derivatives():
    analysis = calculus.analyse(expr("x^2 + 3xy + y^2"), seconds=4)
    assert analysis.df_dx == "2*x + 3*y"
    assert analysis.df_dy == "3*x + 2*y"
    assert analysis.critical_points_exact


def test_parameters_are_substituted_exactly():
    f = calculus.substitute_parameters(expr("a x^2 + y^2"), {"a": 0.5})
    assert f == X**2 / 2 + Y**2


def _slow(seconds):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass
    return "finished"


def test_time_limit_on_the_main_thread():
    with pytest.raises(TimeLimitExceeded):
        call_with_time_limit(_slow, (5.0,), 0.2)
    assert call_with_time_limit(_slow, (0.0,), 1.0) == "finished"


def test_time_limit_off_the_main_thread_uses_a_killable_process():
    outcome = {}

    def run():
        try:
            call_with_time_limit(_slow, (30.0,), 0.5)
        except TimeLimitExceeded:
            outcome["timed_out"] = True
        outcome["value"] = call_with_time_limit(_slow, (0.0,), 5.0)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert outcome == {"timed_out": True, "value": "finished"}


def test_the_exact_solve_says_when_its_list_is_complete():
    # A polynomial gradient: sympy's solve lists every critical point, no search is needed.
    seed = calculus.analyse(expr("x^2 + 3xy + y^2"), seconds=4)
    assert seed.critical_points_complete
    # cos x: solve gives the principal solutions only (x = 0 and pi, not -pi): not complete.
    periodic = calculus.exact_critical_points(expr("cos(x) + y^2"), 4.0)
    assert periodic.exact and not periodic.complete


def test_tidying_keeps_the_shorter_form_in_the_apps_vocabulary():
    assert calculus.tidy(expr("(x + 1)^2 - x^2")) == 2 * X + 1
    quotient = calculus.tidy(expr("(x^2 - 1)/(x - 1)"))
    assert quotient == X + 1
    assert calculus.in_vocabulary(quotient)
