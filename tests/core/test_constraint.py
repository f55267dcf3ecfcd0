"""Constraints g(x, y) = c: parsing, the curve, f along it and the textbook Lagrange points.

Expected values come from the mathematics (sympy's exact sqrt(2), 1/2, ...), never from output.
"""

import io
import json
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from landscape_gui.cli import main
from landscape_gui.core import constraint as cons
from landscape_gui.core.constraint import (
    CONSTRAINED_MAXIMUM,
    CONSTRAINED_MINIMUM,
    NEITHER,
    along_curve,
    gradient_angle,
    lagrange_points,
    lambda_estimate,
    parse_constraint,
    tangent_slope,
    trace_curve,
)
from landscape_gui.core.descent import DescentError, DescentRun, History, run_to_end
from landscape_gui.core.explain import StepRecord, explain_step
from landscape_gui.core.formula import FormulaError, X, Y, parameter_symbol
from landscape_gui.core.landscape import Domain, Landscape
from landscape_gui.core.lesson import CONSTRAINT_STAGES, LESSON, STAGES
from landscape_gui.core.optimizers import (
    CONSTRAINED_OPTIMIZERS,
    OPTIMIZERS,
    OptimizerError,
    get_optimizer,
    penalty_weight,
    resolve_hyperparameters,
)
from landscape_gui.core.playback import Playback, Track
from landscape_gui.core.presets import CONSTRAINT_PRESETS, CONSTRAINT_PRESETS_BY_KEY
from landscape_gui.core.session import (
    SessionError,
    SessionFile,
    from_json,
    load_session,
    to_json,
)
from landscape_gui.core.state import RunSettings, SessionState
from landscape_gui.core.trajectory import (
    TrajectoryFormatError,
    TrajectoryRun,
    read_trajectory_csv,
    runs_from_descent,
    runs_from_rows,
    trajectory_metadata,
    write_trajectory_csv,
)

SQRT2 = sp.sqrt(2)


def exactly(value, expected):
    return sp.simplify(value - expected) == 0


# ---------------------------------------------------------------------------- parsing


def test_g_on_the_left_c_on_the_right():
    c = parse_constraint("x^2 + y^2 = 1")
    assert c.text == "x^2 + y^2 = 1"
    assert sp.expand(c.g_expr - (X**2 + Y**2)) == 0
    assert c.c_expr == 1 and c.c == 1.0
    assert float(c.value(0.6, 0.8)) == pytest.approx(1.0)
    assert float(c.residual(0.6, 0.8)) == pytest.approx(0.0, abs=1e-15)
    gx, gy = c.gradient(np.array([0.6, 3.0]), np.array([0.8, 4.0]))
    assert gx.tolist() == pytest.approx([1.2, 6.0]) and gy.tolist() == pytest.approx([1.6, 8.0])


def test_the_sides_may_be_swapped_and_c_may_hold_parameters():
    c = parse_constraint("r^2 = x^2 + y^2", {"r": 2.0})
    assert sp.expand(c.g_expr - (X**2 + Y**2)) == 0
    assert c.c == 4.0
    assert c.parameters == ("r",)
    assert float(c.residual(2.0, 0.0)) == pytest.approx(0.0)
    # A slider move: the same compiled functions, other numbers.
    moved = c.with_parameters({"r": 3.0})
    assert moved.compiled is c.compiled and moved.c == 9.0


def test_x_and_y_on_both_sides_move_everything_left():
    c = parse_constraint("y = x^2")
    assert sp.expand(c.g_expr - (Y - X**2)) == 0 and c.c == 0.0
    assert float(c.residual(2.0, 4.0)) == 0.0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("x^2 + y^2", "write the constraint as g(x, y) = c, e.g. x^2 + y^2 = 1"),
        ("x = y = 1", "exactly one '='"),
        ("a = 2", "no x or y"),
        ("x = x + 1", "cancel"),
        ("= 1", "nothing before '='"),
        ("x^2 + y^2 =", "nothing after '='"),
    ],
)
def test_clear_errors(text, words):
    with pytest.raises(FormulaError) as caught:
        parse_constraint(text)
    assert words in str(caught.value)


def test_an_error_points_into_the_whole_text():
    # The bad character is the ')' after "1 = x^2 + ": 0-based 10, shown 1-based as 11.
    with pytest.raises(FormulaError) as caught:
        parse_constraint("1 = x^2 + )")
    assert caught.value.position == 10


def test_the_constraint_goes_through_the_safe_parser():
    # Python syntax that eval would run is refused like any bad formula.
    with pytest.raises(FormulaError):
        parse_constraint("__import__('os').system('true') = 1")


# ---------------------------------------------------------------------------- the curve


def test_the_unit_circle_is_traced_onto_the_curve_and_runs_anticlockwise():
    c = parse_constraint("x^2 + y^2 = 1")
    lines = trace_curve(c, Domain(-2, 2, -2, 2), 100)
    assert len(lines) == 1
    line = lines[0]
    assert np.abs(np.hypot(line[:, 0], line[:, 1]) - 1).max() < 1e-12
    # Closed: it ends where it began.
    assert np.allclose(line[0], line[-1])
    # t = ∇g turned a quarter anticlockwise: (−y, x) on the circle, so the signed area is +π.
    area = 0.5 * np.sum(line[:-1, 0] * line[1:, 1] - line[1:, 0] * line[:-1, 1])
    assert area == pytest.approx(math.pi, rel=1e-3)


def test_a_line_is_cut_at_the_domain_and_stays_inside():
    c = parse_constraint("x + y = 2")
    domain = Domain(-5, 5, -5, 5)
    (line,) = trace_curve(c, domain, 60)
    assert np.abs(line.sum(axis=1) - 2).max() < 1e-12
    assert (line >= -5).all() and (line <= 5).all()
    # The ends are the domain's edges: (−3, 5) and (5, −3), in the direction t = (−1, 1)/√2.
    assert line[0] == pytest.approx([5, -3]) and line[-1] == pytest.approx([-3, 5])


def test_a_curve_outside_the_domain_gives_no_polyline():
    c = parse_constraint("x^2 + y^2 = 100")
    assert trace_curve(c, Domain(-1, 1, -1, 1), 40) == []


def test_f_along_the_circle_is_cos_plus_sin_of_the_arc_length():
    # On the unit circle, starting anywhere, arc length is angle: f = x + y = cos θ + sin θ
    # and df/ds = −sin θ + cos θ, which is ∇f·t with t = (−y, x).
    landscape = Landscape.from_text("x + y")
    c = parse_constraint("x^2 + y^2 = 1")
    (line,) = trace_curve(c, landscape.domain, 300)
    profile = along_curve(landscape, c, line)
    assert profile.closed
    assert profile.length == pytest.approx(2 * math.pi, rel=1e-3)
    theta = np.arctan2(profile.y, profile.x)
    assert np.allclose(profile.f, np.cos(theta) + np.sin(theta))
    assert np.allclose(profile.slope, np.cos(theta) - np.sin(theta))
    assert np.allclose(np.unwrap(theta) - np.unwrap(theta)[0], profile.s, atol=2e-3)
    # The probe at (0, 1): slope cos(π/2) − sin(π/2) = −1.
    assert float(tangent_slope(landscape, c, 0.0, 1.0)) == pytest.approx(-1.0)
    # Where the probe sits on the plot: the arc length of the curve point nearest it.
    s = profile.locate(0.0, 1.0)
    index = int(np.searchsorted(profile.s, s))
    assert math.hypot(profile.x[index], profile.y[index] - 1) < 2 * math.pi / 300


def test_gradient_angle_and_lambda_estimate():
    # Parallel, opposite, perpendicular, and undefined where one gradient vanishes.
    angles = gradient_angle([1, -1, 0, 0], [1, -1, 1, 0], [2, 2, 1, 1], [2, 2, 0, 1])
    assert angles[:3].tolist() == pytest.approx([0.0, 180.0, 90.0])
    assert math.isnan(angles[3])
    assert lambda_estimate([1, -1], [1, -1], [2, 2], [2, 2]).tolist() == [0.5, -0.5]


# ---------------------------------------------------------------------------- Lagrange points


def _check_exact(point, x, y, f, lam, kind):
    assert point.kind == kind
    assert point.exact is not None
    assert exactly(point.exact.x, x) and exactly(point.exact.y, y)
    assert exactly(point.exact.f, f) and exactly(point.exact.lam, lam)
    assert (point.x, point.y, point.f, point.lam) == pytest.approx(
        tuple(float(v) for v in (x, y, f, lam)), abs=1e-12
    )


def test_x_plus_y_on_the_unit_circle():
    result = lagrange_points(Landscape.from_text("x + y"), parse_constraint("x^2 + y^2 = 1"))
    assert result.exact and not result.notes
    low, high = result.points  # sorted by x
    h = SQRT2 / 2
    _check_exact(high, h, h, SQRT2, h, CONSTRAINED_MAXIMUM)
    _check_exact(low, -h, -h, -SQRT2, -h, CONSTRAINED_MINIMUM)


def test_xy_on_the_circle_of_radius_root_two():
    result = lagrange_points(Landscape.from_text("xy"), parse_constraint("x^2 + y^2 = 2"))
    assert result.exact
    by_place = {(round(p.x), round(p.y)): p for p in result.points}
    assert set(by_place) == {(1, 1), (-1, -1), (1, -1), (-1, 1)}
    half = sp.Rational(1, 2)
    for sx, sy in ((1, 1), (-1, -1)):
        _check_exact(by_place[(sx, sy)], sx, sy, 1, half, CONSTRAINED_MAXIMUM)
    for sx, sy in ((1, -1), (-1, 1)):
        _check_exact(by_place[(sx, sy)], sx, sy, -1, -half, CONSTRAINED_MINIMUM)


def test_the_bowl_on_the_line_x_plus_y_equals_2():
    result = lagrange_points(Landscape.from_text("x^2 + y^2"), parse_constraint("x + y = 2"))
    assert result.exact
    (point,) = result.points
    _check_exact(point, 1, 1, 2, 2, CONSTRAINED_MINIMUM)
    assert point.as_dict() == {
        "x": 1.0,
        "y": 1.0,
        "kind": "constrained minimum",
        "f": 2.0,
        "lambda": 2.0,
    }


def test_lambda_is_how_the_optimum_moves_with_c():
    # The bowl on x + y = c has minimum c²/2; its derivative at c = 2 is 2 = λ.
    landscape = Landscape.from_text("x^2 + y^2")
    h = 1e-4
    optimum = {
        c: lagrange_points(landscape, parse_constraint(f"x + y = {c}")).points[0].f
        for c in (2 - h, 2 + h)
    }
    slope = (optimum[2 + h] - optimum[2 - h]) / (2 * h)
    assert slope == pytest.approx(2.0, rel=1e-6)


def test_an_inflection_along_the_curve_is_neither():
    # f = x³ on the unit circle: at (0, ±1) the tangent is horizontal and f = x³ only
    # flattens there, so those Lagrange points are neither maxima nor minima.
    result = lagrange_points(Landscape.from_text("x^3"), parse_constraint("x^2 + y^2 = 1"))
    kinds = {(round(p.x), round(p.y)): p.kind for p in result.points}
    assert kinds == {
        (1, 0): CONSTRAINED_MAXIMUM,
        (-1, 0): CONSTRAINED_MINIMUM,
        (0, 1): NEITHER,
        (0, -1): NEITHER,
    }


def test_parameters_are_put_in_before_solving():
    a = parameter_symbol("a")
    landscape = Landscape.from_text("a x + y", {"a": 1.0})
    result = lagrange_points(landscape, parse_constraint("x^2 + y^2 = 1"))
    assert {p.kind for p in result.points} == {CONSTRAINED_MAXIMUM, CONSTRAINED_MINIMUM}
    assert a not in result.points[0].exact.x.free_symbols


def test_numerical_points_agree_with_the_exact_ones():
    landscape = Landscape.from_text("xy")
    points = cons.numerical_lagrange_points(landscape, parse_constraint("x^2 + y^2 = 2"))
    found = sorted((round(p.x, 9), round(p.y, 9), p.kind, round(p.lam, 9)) for p in points)
    assert found == [
        (-1.0, -1.0, CONSTRAINED_MAXIMUM, 0.5),
        (-1.0, 1.0, CONSTRAINED_MINIMUM, -0.5),
        (1.0, -1.0, CONSTRAINED_MINIMUM, -0.5),
        (1.0, 1.0, CONSTRAINED_MAXIMUM, 0.5),
    ]
    assert all(p.exact is None for p in points)


def test_a_transcendental_case_times_out_and_falls_back_to_the_curve():
    landscape = Landscape.from_text("sin(x) + cos(x y)")
    constraint = parse_constraint("exp(x) + y^3 + sin(y) = 2")
    result = lagrange_points(landscape, constraint, seconds=0.5)
    assert not result.exact
    assert "took more than 0.5 s" in result.notes[0]
    assert result.points and all(p.exact is None for p in result.points)
    for p in result.points:
        # Each satisfies the Lagrange system: on the curve, ∇f = λ∇g.
        fx, fy = (float(v) for v in landscape.gradient(p.x, p.y))
        gx, gy = (float(v) for v in constraint.gradient(p.x, p.y))
        assert abs(float(constraint.residual(p.x, p.y))) < 1e-9
        assert math.hypot(fx - p.lam * gx, fy - p.lam * gy) < 1e-7
        assert p.kind in (CONSTRAINED_MAXIMUM, CONSTRAINED_MINIMUM, NEITHER)
    # The curve is one branch crossing the domain (x grows as y falls): along it, maxima and
    # minima of f take turns.
    kinds = [p.kind for p in sorted(result.points, key=lambda p: p.x)]
    assert len(kinds) >= 3
    assert all(a != b for a, b in zip(kinds, kinds[1:], strict=False))


def test_f_constant_on_the_curve_has_no_isolated_points():
    result = lagrange_points(Landscape.from_text("x^2 + y^2"), parse_constraint("x^2 + y^2 = 1"))
    assert result.points == []
    assert "not isolated" in result.notes[0]


# ---------------------------------------------------------------------------- constrained descent

# Five starts around the unit circle, none on the ray through the maximum (there ∇f is
# already parallel to ∇g, and the first return to the curve lands on the maximum itself).
FIVE_STARTS = [(2.0, 0.0), (0.0, 2.0), (-0.3, 0.9), (0.5, -0.5), (3.0, -1.0)]


@pytest.mark.parametrize(
    ("f", "g", "optimum", "lam"),
    [
        ("x + y", "x^2 + y^2 = 1", (-SQRT2 / 2, -SQRT2 / 2), -SQRT2 / 2),
        ("x^2 + y^2", "x + y = 2", (1, 1), 2),
    ],
)
def test_projected_descent_from_five_starts_ends_at_the_constrained_minimum(f, g, optimum, lam):
    landscape = Landscape.from_text(f)
    constraint = parse_constraint(g)
    run = run_to_end(landscape, FIVE_STARTS, "projected", max_steps=2000, constraint=constraint)
    assert run.statuses() == ["converged"] * 5
    expected = np.array([float(optimum[0]), float(optimum[1])])
    for index in range(5):
        history = run.history(index)
        assert history.constrained
        end = np.array([history.x[-1], history.y[-1]])
        assert np.abs(end - expected).max() < 1e-6
        # Every step after the start lies on the curve, and the λ estimate settles on λ.
        assert np.abs(history.g[1:] - constraint.c).max() < 1e-9
        assert history.lam[-1] == pytest.approx(float(lam), abs=1e-6)


def test_projected_descent_on_the_saddle_and_ellipse_finds_the_minimum_on_its_side():
    # f = x² − y² on x²/4 + y² = 1: on the curve f = x² − (1 − x²/4) = 5x²/4 − 1, smallest
    # (−1) at x = 0, i.e. (0, ±1), with ∇f = (0, ∓2) = λ(0, ±2): λ = −1.
    landscape = Landscape.from_text("x^2 - y^2")
    constraint = parse_constraint("x^2/4 + y^2 = 1")
    starts = [(1.5, 1.0), (-1.9, 0.2), (0.3, 3.0), (1.5, -1.0), (-0.5, -0.1)]
    run = run_to_end(landscape, starts, "projected", max_steps=2000, constraint=constraint)
    assert run.statuses() == ["converged"] * 5
    expected = [[0, 1], [0, 1], [0, 1], [0, -1], [0, -1]]
    assert np.abs(run.positions - np.array(expected)).max() < 1e-6
    assert [run.history(i).lam[-1] for i in range(5)] == pytest.approx([-1.0] * 5, abs=1e-6)


def test_projected_descent_on_xy_reaches_the_nearer_minimum():
    landscape = Landscape.from_text("xy")
    constraint = parse_constraint("x^2 + y^2 = 2")
    run = run_to_end(landscape, [(2.0, -0.5), (-0.5, 2.0)], "projected", constraint=constraint)
    assert run.statuses() == ["converged", "converged"]
    assert np.abs(run.positions - np.array([[1.0, -1.0], [-1.0, 1.0]])).max() < 1e-6


def test_the_penalty_method_gets_close():
    for f, g, optimum in (
        ("x + y", "x^2 + y^2 = 1", (-math.sqrt(2) / 2, -math.sqrt(2) / 2)),
        ("x^2 + y^2", "x + y = 2", (1.0, 1.0)),
    ):
        run = run_to_end(
            Landscape.from_text(f),
            FIVE_STARTS,
            "penalty",
            max_steps=500,
            constraint=parse_constraint(g),
        )
        assert "diverged" not in run.statuses()
        distance = np.hypot(*(run.positions - np.array(optimum)).T)
        assert distance.max() < 5e-3
        # A penalty, not a projection: it ends a little off the curve (by about λ/μ_max·|∇g|).
        assert all(run.history(i).g[-1] != 1.0 for i in range(5))


def test_the_penalty_schedule():
    params = resolve_hyperparameters("penalty")
    assert params == {"lr": 0.1, "mu": 1.0, "growth": 1.02, "mu_max": 1000.0}
    assert penalty_weight(0, params) == 1.0
    assert penalty_weight(10, params) == pytest.approx(1.02**10)
    assert penalty_weight(349, params) == 1000.0  # 1.02^349 > 1000 > 1.02^348
    assert 1.02**348 < 1000 < 1.02**349
    assert penalty_weight(10**9, params) == 1000.0  # no overflow however long it runs
    with pytest.raises(OptimizerError, match="at least 1"):
        resolve_hyperparameters("penalty", {"growth": 0.5})


def test_constrained_optimizers_need_a_constraint_and_others_refuse_one():
    landscape = Landscape.from_text("x + y")
    with pytest.raises(DescentError, match="needs a constraint"):
        DescentRun(landscape, (1.0, 0.0), "projected")
    with pytest.raises(DescentError, match="does not use a constraint"):
        DescentRun(landscape, (1.0, 0.0), "gd", constraint=parse_constraint("x^2 + y^2 = 1"))
    assert "projected" not in OPTIMIZERS and "projected" in CONSTRAINED_OPTIMIZERS
    assert get_optimizer("penalty").constrained


def test_a_run_that_cannot_return_to_its_curve_stops_with_the_constraint_reason():
    # x = 1 − √y ends at (1, 0); f = −x pushes the walk there, and the next step goes below
    # y = 0 where g = √y + x is undefined: the return to the curve fails.
    run = run_to_end(
        Landscape.from_text("-x"),
        (0.5, 0.25),
        "projected",
        max_steps=200,
        constraint=parse_constraint("sqrt(y) + x = 1"),
    )
    assert run.status() == "diverged"
    assert run.stop_reason() == "constraint"
    assert run.history(0).y[-1] > 0


def test_a_start_where_grad_g_vanishes_is_refused_in_words():
    with pytest.raises(DescentError, match="gradient is zero there"):
        DescentRun(
            Landscape.from_text("x + y"),
            (0.0, 0.0),
            "projected",
            constraint=parse_constraint("x^2 + y^2 = 1"),
        )


def test_streaming_a_constrained_run_gives_the_same_rows():
    landscape = Landscape.from_text("x + y")
    constraint = parse_constraint("x^2 + y^2 = 1")
    whole = run_to_end(landscape, (2.0, 0.0), "projected", constraint=constraint)
    streamed = DescentRun(landscape, (2.0, 0.0), "projected", constraint=constraint)
    pieces = []
    since = 0
    while not streamed.is_finished:
        streamed.advance(7)
        piece = streamed.history(0, since)
        pieces.append(piece)
        since += len(piece)
    for name in ("x", "y", "f", "gx", "gy", "g", "lam"):
        joined = np.concatenate([getattr(p, name) for p in pieces])
        assert np.array_equal(joined, getattr(whole.history(0), name))


# ---------------------------------------------------------------------------- the CSV


def _csv(runs, metadata):
    buffer = io.StringIO()
    write_trajectory_csv(buffer, runs, metadata)
    return buffer.getvalue()


def test_a_constrained_run_writes_g_and_lambda_columns_described_in_the_metadata():
    landscape = Landscape.from_text("x^2 + y^2")
    constraint = parse_constraint("x + y = 2")
    run = run_to_end(landscape, (3.0, 0.0), "projected", max_steps=3, constraint=constraint)
    runs = runs_from_descent(run)
    text = _csv(runs, trajectory_metadata("x^2 + y^2", runs, constraint=constraint.text))
    lines = text.splitlines()
    assert lines[0] == "# function: x^2 + y^2"
    assert lines[1] == "# constraint: x + y = 2"
    assert any(line.startswith("# column g: g(x, y) at the point") for line in lines)
    assert any(line.startswith("# column lambda: the multiplier estimate") for line in lines)
    header = next(line for line in lines if not line.startswith("#"))
    assert header == "run,optimizer,step,x,y,f,df_dx,df_dy,grad_norm,g,lambda"
    # Step 1: from (3, 0) the tangential step along (1, −1)/√2 ... then back onto x + y = 2.
    metadata, rows = read_trajectory_csv(io.StringIO(text))
    assert metadata["constraint"] == "x + y = 2"
    history = run.history(0)
    assert [row.g for row in rows] == history.g.tolist()
    assert [row.lam for row in rows] == history.lam.tolist()
    assert rows[1].g == 2.0  # on the curve after the first step
    back = runs_from_rows(rows)[0].history
    assert np.array_equal(back.lam, history.lam) and np.array_equal(back.g, history.g)


def test_unconstrained_files_are_unchanged_and_a_mixed_race_leaves_the_fields_empty():
    landscape = Landscape.from_text("x + y")
    plain = run_to_end(landscape, (1.0, 0.0), "gd", max_steps=2)
    plain_runs = runs_from_descent(plain)
    text = _csv(plain_runs, trajectory_metadata("x + y", plain_runs))
    assert "run,optimizer,step,x,y,f,df_dx,df_dy,grad_norm\n1,gd,0,1.0,0.0,1.0,1.0,1.0," in text
    assert "lambda" not in text and "constraint" not in text
    _, rows = read_trajectory_csv(io.StringIO(text))
    assert type(rows[0]).__name__ == "TrajectoryRow" and len(rows[0]) == 9

    constraint = parse_constraint("x^2 + y^2 = 1")
    projected = run_to_end(landscape, (1.0, 0.0), "projected", max_steps=2, constraint=constraint)
    mixed = [
        TrajectoryRun("a", "gd", plain.history(0)),
        TrajectoryRun("b", "projected", projected.history(0)),
    ]
    text = _csv(mixed, trajectory_metadata("x + y", mixed, constraint=constraint.text))
    assert "\na,gd,0,1.0,0.0,1.0,1.0,1.0,1.4142135623730951,,\n" in text
    _, rows = read_trajectory_csv(io.StringIO(text))
    assert rows[0].g is None and rows[0].lam is None and rows[-1].g == pytest.approx(1.0)


def test_a_constrained_file_needs_its_constraint_and_reserves_the_column_keys():
    landscape = Landscape.from_text("x + y")
    constraint = parse_constraint("x^2 + y^2 = 1")
    runs = runs_from_descent(
        run_to_end(landscape, (1.0, 0.0), "projected", max_steps=2, constraint=constraint)
    )
    with pytest.raises(TrajectoryFormatError, match="needs the constraint"):
        _csv(runs, trajectory_metadata("x + y", runs))
    with pytest.raises(TrajectoryFormatError, match="reserved"):
        trajectory_metadata("x + y", runs, {"column g": "mine"}, constraint=constraint.text)
    bad = "# function: x\nrun,optimizer,step,x,y,f,df_dx,df_dy,grad_norm,g,lambda\n"
    with pytest.raises(TrajectoryFormatError, match="lambda"):
        read_trajectory_csv(io.StringIO(bad + "a,projected,0,1.0,0.0,1.0,1.0,1.0,1.0,1.0,x\n"))
    with pytest.raises(TrajectoryFormatError, match="some rows only"):
        read_trajectory_csv(
            io.StringIO(
                bad
                + "a,projected,0,1.0,0.0,1.0,1.0,1.0,1.0,1.0,0.5\n"
                + "a,projected,1,1.0,0.0,1.0,1.0,1.0,1.0,,\n"
            )
        )


# ---------------------------------------------------------------------------- the session file

DATA = Path(__file__).parent / "data"


def _constrained_session():
    landscape = Landscape.from_text("x + y")
    constraint = parse_constraint("x^2 + y^2 = r^2", {"r": 1.0})
    run = run_to_end(landscape, (2.0, 0.0), "projected", max_steps=500, constraint=constraint)
    state = SessionState(
        formula="x + y",
        preset=None,
        parameters={"r": 1.0},
        runs=[RunSettings("projected", {}, (2.0, 0.0)), RunSettings("gd", {}, (1.0, 1.0))],
        constraint="x^2 + y^2 = r^2",
    )
    history = run.history(0)
    return SessionFile(state, [history, None], 0, 3)


def test_a_version_1_file_still_opens_without_a_constraint():
    text = (DATA / "session_v1.landscape").read_text(encoding="utf-8")
    assert json.loads(text)["format_version"] == 1
    session = load_session(DATA / "session_v1.landscape")
    assert session.state.constraint is None
    assert session.state.formula == "a*x^2 + y^2" and session.state.parameters == {"a": 2.0}
    history = session.histories[0]
    assert not history.constrained
    # gd on 2x² + y² from (3, 4) with lr 0.1: x shrinks by 1 − 0.1·4 = 0.6 a step.
    assert history.x.tolist() == pytest.approx([3.0, 1.8, 1.08, 0.648, 0.3888])
    assert session.histories[1] is None
    # Saved again, it becomes format 2 with "constraint": null, and reads back equal.
    again = json.loads(to_json(session))
    assert again["format_version"] == 2 and again["constraint"] is None
    assert from_json(to_json(session)) == session


def test_a_constrained_session_round_trips_with_g_and_lambda():
    session = _constrained_session()
    text = to_json(session)
    document = json.loads(text)
    assert document["constraint"] == "x^2 + y^2 = r^2"
    history = document["runs"][0]["history"]
    assert set(history) == {"x", "y", "f", "gx", "gy", "g", "lambda", "status"}
    assert history["lambda"][-1] == pytest.approx(-math.sqrt(2) / 2, abs=1e-6)
    loaded = from_json(text)
    assert loaded == session
    assert loaded.state.constraint == "x^2 + y^2 = r^2"
    assert np.array_equal(loaded.histories[0].lam, session.histories[0].lam)


def _edited(change):
    document = json.loads(to_json(_constrained_session()))
    change(document)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(constraint=3), r"^constraint: expected text, got 3"),
        (
            lambda d: d.update(constraint="x^2 + y^2"),
            r"^constraint: write the constraint as g\(x, y\) = c",
        ),
        (
            lambda d: d.update(constraint="__import__('os') = 1"),
            r"^constraint: ",
        ),
        (lambda d: d["parameters"].pop("r"), r"no value for 'r', which the formula and the"),
        (
            lambda d: d.update(constraint=None, parameters={}),
            r"^runs\[0\]\.optimizer: Projected descent walks along a curve, but the session "
            "has no constraint",
        ),
        (
            lambda d: d["runs"][0]["history"].pop("lambda"),
            r"^runs\[0\]\.history: missing 'lambda'",
        ),
        (
            lambda d: d["runs"][1].update(
                history={k: [0.0] for k in ("x", "y", "f", "gx", "gy", "g", "lambda")}
                | {"status": "running"}
            ),
            r"^runs\[1\]\.history: unknown keys 'g', 'lambda'",
        ),
        (
            lambda d: d["runs"][0]["history"].update(g=[1.0]),
            r"^runs\[0\]\.history: the arrays differ in length",
        ),
        (
            lambda d: d.update(format_version=1),
            r"^unknown key 'constraint'",
        ),
    ],
)
def test_the_constraint_fields_are_validated_strictly(change, message):
    with pytest.raises(SessionError, match=message):
        from_json(_edited(change))


# ---------------------------------------------------------------------------- the command


def _cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_info_prints_the_lagrange_points_and_what_lambda_means(capsys):
    code, out, err = _cli(["info", "-f", "x + y", "--constraint", "x^2 + y^2 = 1"], capsys)
    assert code == 0 and err == ""
    assert "constraint: x^2 + y^2 = 1" in out
    assert (
        "(sqrt(2)/2, sqrt(2)/2)  constrained maximum, f = sqrt(2) ≈ 1.41421, "
        "λ = sqrt(2)/2 ≈ 0.707107"
    ) in out
    assert "(-sqrt(2)/2, -sqrt(2)/2)  constrained minimum, f = -sqrt(2) ≈ -1.41421" in out
    assert "λ is how much the optimum value of f changes per unit of c" in out


def test_info_json_has_the_constrained_points(capsys):
    code, out, _ = _cli(["info", "-f", "x^2 + y^2", "--constraint", "x + y = 2", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["constraint"] == "x + y = 2"
    assert data["constrained_points"] == [
        {"x": 1.0, "y": 1.0, "kind": "constrained minimum", "f": 2.0, "lambda": 2.0}
    ]
    code, out, _ = _cli(["info", "-f", "xy", "--constraint", "x^2 + y^2 = 2", "--json"], capsys)
    points = json.loads(out)["constrained_points"]
    assert sorted((p["x"], p["y"], p["kind"], p["f"], p["lambda"]) for p in points) == [
        (-1.0, -1.0, "constrained maximum", 1.0, 0.5),
        (-1.0, 1.0, "constrained minimum", -1.0, -0.5),
        (1.0, -1.0, "constrained minimum", -1.0, -0.5),
        (1.0, 1.0, "constrained maximum", 1.0, 0.5),
    ]


def test_descend_on_a_curve_writes_g_and_lambda(tmp_path, capsys):
    path = tmp_path / "walk.csv"
    code, out, err = _cli(
        ["descend", "-f", "x + y", "--constraint", "x^2 + y^2 = 1", "--start", "2", "0",
         "-o", str(path)],
        capsys,
    )  # fmt: skip
    assert code == 0 and out == ""
    assert "converged" in err and "constrained minimum" in err
    metadata, rows = read_trajectory_csv(io.StringIO(path.read_text(encoding="utf-8")))
    assert metadata["constraint"] == "x^2 + y^2 = 1" and metadata["optimizer"] == "projected"
    assert "column lambda" in metadata
    assert (rows[-1].x, rows[-1].y) == pytest.approx((-math.sqrt(0.5), -math.sqrt(0.5)), abs=1e-6)
    assert rows[-1].lam == pytest.approx(-math.sqrt(0.5), abs=1e-6)
    assert rows[-1].g == pytest.approx(1.0, abs=1e-12)


def test_descend_with_the_penalty_method_and_a_parameter_of_the_constraint(capsys):
    code, out, _ = _cli(
        ["descend", "-f", "x^2 + y^2", "--constraint", "x + y = c", "--param", "c=2",
         "--optimizer", "penalty", "--start", "3", "0", "--steps", "500"],
        capsys,
    )  # fmt: skip
    assert code == 0
    metadata, rows = read_trajectory_csv(io.StringIO(out))
    assert metadata["parameters"] == "c=2.0" and metadata["mu_max"] == "1000.0"
    assert (rows[-1].x, rows[-1].y) == pytest.approx((1.0, 1.0), abs=5e-3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["info", "-f", "x + y", "--constraint", "x^2 + y^2"],
            "bad constraint: write the constraint as g(x, y) = c, e.g. x^2 + y^2 = 1",
        ),
        (["info", "-f", "x", "--constraint", "a = 1"], "bad constraint: the constraint has no x"),
        (
            ["descend", "-f", "x + y", "--optimizer", "projected", "--start", "1", "0"],
            "needs a constraint g(x, y) = c (give one with --constraint",
        ),
        (
            ["descend", "-f", "x + y", "--constraint", "x^2 + y^2 = 1", "--optimizer", "adam",
             "--start", "1", "0"],
            "Adam does not use a constraint",
        ),
        (
            ["info", "-f", "x + y", "--constraint", "x + y = 1", "--param", "q=2"],
            "neither the formula nor the constraint has a parameter 'q'",
        ),
        (
            ["descend", "-f", "x + y", "--constraint", "x^2 + y^2 = 1", "--start", "0", "0"],
            "gradient is zero there",
        ),
    ],
)  # fmt: skip
def test_constraint_errors_exit_2_with_one_line(args, message, capsys):
    code, out, err = _cli(args, capsys)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_constraint_starting_with_a_minus_is_read_as_the_constraint(capsys):
    code, out, _ = _cli(["info", "-f", "x + y", "--constraint", "-x^2 - y^2 = -1"], capsys)
    assert code == 0 and "constrained maximum" in out


# ---------------------------------------------------------------------------- lesson and presets


def _stage(title):
    return next(s for s in CONSTRAINT_STAGES if s.title == title)


def _stage_objects(stage):
    landscape = Landscape.from_text(stage.formula, domain=stage.domain)
    return landscape, parse_constraint(stage.constraint)


def test_the_lesson_continues_with_the_constraint_stages():
    assert LESSON == STAGES + CONSTRAINT_STAGES
    assert [s.title for s in CONSTRAINT_STAGES] == [
        "Staying on a path",
        "f along the curve",
        "The touching contour",
        "∇f ∥ ∇g",
        "What λ means",
    ]
    for stage in CONSTRAINT_STAGES:
        assert stage.constraint is not None and get_optimizer(stage.optimizer).constrained
        assert stage.domain.contains(*stage.probe)
        landscape, constraint = _stage_objects(stage)
        assert trace_curve(constraint, stage.domain, 50)  # the curve is in view


def test_the_f_along_the_curve_stage_quotes_its_own_slope():
    landscape, constraint = _stage_objects(_stage("f along the curve"))
    assert float(tangent_slope(landscape, constraint, 1.0, 0.0)) == pytest.approx(1.0)
    assert float(constraint.residual(1.0, 0.0)) == 0.0  # the probe is on the curve


def test_the_touching_contour_stage_sits_at_the_maximum():
    stage = _stage("The touching contour")
    landscape, constraint = _stage_objects(stage)
    top = max(lagrange_points(landscape, constraint).points, key=lambda p: p.f)
    assert top.kind == CONSTRAINED_MAXIMUM
    assert stage.probe == pytest.approx((top.x, top.y), abs=1e-15)
    assert exactly(top.exact.f, SQRT2) and "x + y = √2" in stage.text


def test_the_parallel_gradients_stage_says_what_the_run_does():
    stage = _stage("∇f ∥ ∇g")
    landscape, constraint = _stage_objects(stage)
    fx, fy = landscape.gradient(*stage.probe)
    gx, gy = constraint.gradient(*stage.probe)
    assert float(gradient_angle(fx, fy, gx, gy)) == pytest.approx(45.0) and "45°" in stage.text
    run = run_to_end(
        landscape, stage.probe, stage.optimizer, {"lr": stage.learning_rate},
        constraint=constraint,
    )  # fmt: skip
    assert run.status() == "converged"
    x, y = run.positions[0]
    assert (x, y) == pytest.approx((-math.sqrt(0.5), -math.sqrt(0.5)), abs=1e-6)
    fx, fy = landscape.gradient(x, y)
    gx, gy = constraint.gradient(x, y)
    assert float(gradient_angle(fx, fy, gx, gy)) == pytest.approx(180.0, abs=1e-4)
    assert run.history(0).lam[-1] == pytest.approx(-math.sqrt(0.5), abs=1e-6)


def test_the_lambda_stage_numbers():
    stage = _stage("What λ means")
    landscape, constraint = _stage_objects(stage)
    run = run_to_end(
        landscape, stage.probe, stage.optimizer, {"lr": stage.learning_rate},
        constraint=constraint,
    )  # fmt: skip
    assert run.positions[0] == pytest.approx([1.0, 1.0], abs=1e-6)
    assert run.history(0).lam[-1] == pytest.approx(2.0, abs=1e-6)
    moved = lagrange_points(landscape, parse_constraint("x + y = 2.1")).points[0]
    assert exactly(moved.exact.f, sp.Rational(441, 200))  # 2.1²/2 = 2.205
    assert "0.205" in stage.text


@pytest.mark.parametrize("preset", CONSTRAINT_PRESETS, ids=lambda p: p.key)
def test_each_constraint_preset_teaches_what_it_says(preset):
    landscape = Landscape.from_text(preset.formula, domain=preset.domain)
    constraint = parse_constraint(preset.constraint)
    result = lagrange_points(landscape, constraint)
    assert result.exact
    minima = [p.f for p in result.points if p.kind == CONSTRAINED_MINIMUM]
    maxima = [p.f for p in result.points if p.kind == CONSTRAINED_MAXIMUM]
    assert min(minima) == pytest.approx(preset.minimum, abs=1e-12)
    if preset.maximum is None:
        assert maxima == []
    else:
        assert max(maxima) == pytest.approx(preset.maximum, abs=1e-12)
    # The preset's start walks, by projected descent, to a constrained minimum.
    run = run_to_end(
        landscape, preset.start, "projected", {"lr": preset.learning_rate},
        constraint=constraint,
    )  # fmt: skip
    assert run.status() == "converged"
    end = run.positions[0]
    assert any(
        math.hypot(end[0] - p.x, end[1] - p.y) < 1e-6 and p.kind == CONSTRAINED_MINIMUM
        for p in result.points
    )
    assert preset.domain.contains(*preset.start)
    assert CONSTRAINT_PRESETS_BY_KEY[preset.key] is preset


# ---------------------------------------------------------------------------- more edges


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("x == 1", "a constraint has exactly one '=': write it as g(x, y) = c, e.g. x^2", 3),
        ("x^2 + y^2 <= 1", "a constraint is an equation, not an inequality", 10),
        ("x ≥ 1", "a constraint is an equation, not an inequality", 2),
        ("x" + " + x" * 600 + " = 1", "the constraint is too long", None),
    ],
)
def test_equations_only_and_not_too_long(text, message, position):
    with pytest.raises(FormulaError) as caught:
        parse_constraint(text)
    assert str(caught.value).startswith(message)
    assert caught.value.position == position


def test_only_points_inside_the_domain_are_listed():
    landscape = Landscape.from_text("x + y", domain=Domain(0, 2, 0, 2))
    result = lagrange_points(landscape, parse_constraint("x^2 + y^2 = 1"))
    assert [p.kind for p in result.points] == [CONSTRAINED_MAXIMUM]


def test_the_exact_solve_runs_in_the_helper_process_off_the_main_thread():
    # The window's worker thread cannot use SIGALRM: the solve goes to a killable process.
    landscape = Landscape.from_text("x + y")
    constraint = parse_constraint("x^2 + y^2 = 1")
    found = []
    worker = threading.Thread(target=lambda: found.append(lagrange_points(landscape, constraint)))
    worker.start()
    worker.join(60)
    (result,) = found
    assert result.exact
    low, high = result.points  # sorted by x
    assert exactly(low.exact.lam, -SQRT2 / 2) and exactly(high.exact.lam, SQRT2 / 2)


def test_the_probe_is_located_on_the_nearest_curve():
    landscape = Landscape.from_text("x + y")
    constraint = parse_constraint("x^2 - y^2 = 1")  # a hyperbola: two branches
    profiles = [along_curve(landscape, constraint, p) for p in trace_curve(constraint, Domain())]
    assert len(profiles) == 2
    index, s = cons.locate_on_curves(profiles, 1.0, 0.0)
    assert profiles[index].x[np.searchsorted(profiles[index].s, s)] > 0  # the right branch
    assert cons.locate_on_curves([], 1.0, 0.0) is None


def test_a_track_keeps_g_and_lambda_for_the_window_to_save_and_export():
    landscape = Landscape.from_text("x + y")
    constraint = parse_constraint("x^2 + y^2 = 1")
    run = DescentRun(landscape, (2.0, 0.0), "projected", constraint=constraint)
    track = Track()
    run.advance(3)
    track.append(run.history(0), run.steps_taken)
    run.advance(300)
    track.append(run.history(0, since=4), run.steps_taken)
    whole = run.history(0)
    assert track.constrained and len(track) == len(whole)
    assert np.array_equal(track.g, whole.g) and np.array_equal(track.lam, whole.lam)
    assert track.row(0) == (2.0, 0.0, 2.0, 1.0, 1.0)
    plain = Track()
    plain.append(run_to_end(landscape, (1.0, 1.0), "gd", max_steps=2).history(0), 2)
    assert not plain.constrained and plain.g is None and plain.lam is None
    again = Track()
    again.set_recorded(whole)
    assert np.array_equal(again.lam, whole.lam)
    assert again.history() == whole


_HOSTILE_SCRIPT = """
import warnings
warnings.simplefilter("error")  # no numpy warning may escape either
from tests.core.hostile import TESTER
from landscape_gui.core.constraint import lagrange_points, parse_constraint, trace_curve
from landscape_gui.core.formula import FormulaError
from landscape_gui.core.landscape import Landscape

plane = Landscape.from_text("x + y")
for text in TESTER:
    for constraint_text, landscape in ((text + " = 1", plane), ("x^2 + y^2 = 1", None)):
        try:
            constraint = parse_constraint(constraint_text)
            if landscape is None:
                landscape = Landscape.from_text(text)
            trace_curve(constraint, landscape.domain)
            result = lagrange_points(landscape, constraint, seconds=0.5)
            assert all(p.kind for p in result.points), text
        except FormulaError as error:
            assert "\\n" not in str(error) and "Traceback" not in str(error), text
print("ok", len(TESTER))
"""


def test_the_testers_hostile_formulas_as_constraints_end_in_a_sentence_or_work():
    # In a child process with a timeout: a formula that hangs fails this test, not the suite.
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", _HOSTILE_SCRIPT],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("ok ")


def test_polylines_join_with_nan_rows_for_one_curve_item():
    lines = [np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[2.0, 2.0], [3.0, 3.0], [4.0, 4.0]])]
    path = cons.joined(lines)
    assert path.shape == (6, 2)
    assert np.isnan(path[2]).all() and path[3].tolist() == [2.0, 2.0]
    assert cons.joined([]).shape == (0, 2)


def test_the_caption_of_a_step_on_a_curve_says_what_the_step_rule_did():
    landscape = Landscape.from_text("x + y")
    constraint = parse_constraint("x^2 + y^2 = 1")
    run = run_to_end(landscape, (2.0, 0.0), "projected", max_steps=3, constraint=constraint)
    playback = Playback()
    playback.start_over(1)
    playback.tracks[0].append(run.history(0), run.steps_taken)
    playback.move_to(1)
    caption = playback.explanation(RunSettings("projected", {}, (2.0, 0.0)), landscape, 1e-6)
    assert "Projected descent steps against the part of the gradient along the curve" in caption
    assert "returns to the curve, at (1.00, -0.05)" in caption  # (0.99875, −0.04994)
    penalty = explain_step(
        1, StepRecord(2, 0, 2, 1, 1), StepRecord(1.96, -0.04, 1.92, 1, 1), "penalty", 0.1
    )
    assert "The penalty method steps downhill on f + (μ/2)(g − c)²" in penalty


def test_a_track_saves_as_a_history_with_g_and_lambda():
    landscape = Landscape.from_text("x + y")
    constraint = parse_constraint("x^2 + y^2 = 1")
    run = run_to_end(landscape, (2.0, 0.0), "projected", max_steps=20, constraint=constraint)
    track = Track()
    track.append(run.history(0), run.steps_taken)
    saved = track.history()
    assert saved == run.history(0)
    assert saved.constrained and saved.lam is not track.lam  # a copy, not a view


def test_cube_roots_come_out_exact():
    # f = xy² on x + y³ = 2: along the curve x = 2 − y³, f = 2y² − y⁵, whose slope 4y − 5y⁴
    # vanishes at y = 0 (f = 0, a minimum: f = 2y² near it) and at y³ = 4/5, x = 6/5 (the
    # maximum, f = (6/5)(4/5)^(2/3)); there λ = f_x/g_x = y² = (4/5)^(2/3).
    result = lagrange_points(Landscape.from_text("x y^2"), parse_constraint("x + y^3 = 2"))
    assert result.exact
    low, high = sorted(result.points, key=lambda p: p.f)
    y = sp.Rational(4, 5) ** sp.Rational(1, 3)
    _check_exact(high, sp.Rational(6, 5), y, sp.Rational(6, 5) * y**2, y**2, CONSTRAINED_MAXIMUM)
    _check_exact(low, 2, 0, 0, 0, CONSTRAINED_MINIMUM)


def test_the_one_history_carries_g_and_lambda_and_compares_them():
    landscape = Landscape.from_text("x + y")
    constraint = parse_constraint("x^2 + y^2 = 1")
    history = run_to_end(landscape, (2.0, 0.0), "projected", max_steps=20, constraint=constraint)
    whole = history.history(0)
    assert whole.constrained and whole.status == history.status(0)
    assert whole.rows().shape == (7, len(whole))
    shifted = whole.lam + 1.0
    other = History(
        whole.x, whole.y, whole.f, whole.gx, whole.gy, whole.status, 0, whole.g, shifted
    )
    assert other != whole  # λ counts in equality
    plain = History(whole.x, whole.y, whole.f, whole.gx, whole.gy, whole.status)
    assert plain != whole and not plain.constrained
    with pytest.raises(ValueError, match="both g and lambda"):
        History(whole.x, whole.y, whole.f, whole.gx, whole.gy, g=whole.g)
