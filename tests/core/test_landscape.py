"""Numeric landscapes: values, gradients, NaN where undefined, and numerical critical points."""

import math

import numpy as np
import pytest

from landscape_gui.core import calculus
from landscape_gui.core.landscape import (
    Domain,
    Landscape,
    contour_levels,
    height_limits,
    merge_critical_points,
)


def test_the_bowl_at_3_4():
    # The lesson: grad f = (6, 8) at (3, 4), length sqrt(36 + 64) = 10, pointing away from 0.
    readout = Landscape.from_text("x^2 + y^2").at(3, 4)
    assert (readout.f, readout.df_dx, readout.df_dy) == (25.0, 6.0, 8.0)
    assert readout.grad_norm == 10.0
    assert readout.ascent_direction == pytest.approx((0.6, 0.8))
    assert readout.directional_derivative(math.atan2(8, 6)) == pytest.approx(10.0)
    assert readout.directional_derivative(math.atan2(8, 6) + math.pi / 2) == pytest.approx(0.0)


def test_parameters_move_without_recompiling():
    landscape = Landscape.from_text("a x^2 + y^2", {"a": 3})
    assert landscape.at(1, 0).f == 3.0
    other = Landscape(landscape.compiled, {"a": -2}, landscape.domain)
    assert other.compiled is landscape.compiled
    assert other.at(1, 0).df_dx == -4.0


def test_unknown_parameter_is_refused():
    with pytest.raises(ValueError, match="no parameter b"):
        Landscape.from_text("a x", {"b": 1})


def test_grid_sample_shapes_and_orientation():
    landscape = Landscape.from_text("2x + 10y", domain=Domain(0, 1, 0, 2))
    grid = landscape.sample(5)
    assert grid.z.shape == (5, 5)
    # indexing 'ij': first axis is x.
    assert grid.z[4, 0] == pytest.approx(2.0) and grid.z[0, 4] == pytest.approx(20.0)
    assert np.all(grid.df_dx == 2.0) and np.all(grid.df_dy == 10.0)


def test_constants_broadcast_to_the_grid():
    grid = Landscape.from_text("3").sample(7)
    assert grid.z.shape == (7, 7) and np.all(grid.z == 3.0)
    assert np.all(grid.df_dx == 0.0)


@pytest.mark.parametrize(
    "text", ["1/x", "log(x)", "sqrt(x)", "exp(x^2)", "x/(x - y)", "asin(x)", "log(-1 - x^2)"]
)
def test_undefined_points_are_nan_without_warnings(text):
    # filterwarnings=error turns any numpy RuntimeWarning into a failure here.
    landscape = Landscape.from_text(text, domain=Domain(-30, 30, -3, 3))
    grid = landscape.sample(21)  # 21 points: x = 0 is on the grid
    for array in (grid.z, grid.df_dx, grid.df_dy):
        assert array.dtype == float
        assert not np.any(np.isinf(array))
    assert np.isnan(grid.z).any()


def test_domain_validation():
    with pytest.raises(ValueError):
        Domain(1, 0, 0, 1)
    with pytest.raises(ValueError):
        Domain(0, float("nan"), 0, 1)


def test_numerical_critical_points_of_himmelblau():
    # Himmelblau has 4 minima, 4 saddles and 1 maximum (at about (-0.2708, -0.9230)).
    points = Landscape.from_text("(x^2 + y - 11)^2 + (x + y^2 - 7)^2").find_critical_points()
    kinds = [p.kind for p in points]
    assert kinds.count("minimum") == 4 and kinds.count("saddle") == 4
    assert kinds.count("maximum") == 1
    maximum = next(p for p in points if p.kind == "maximum")
    assert (maximum.x, maximum.y) == pytest.approx((-0.270845, -0.923039), abs=1e-5)


def test_merge_prefers_exact_points():
    landscape = Landscape.from_text("x^3 - 3x + y^2")
    exact = calculus.solve_critical_points(landscape.expression())
    merged = merge_critical_points(landscape.find_critical_points(), exact, landscape.domain)
    assert len(merged) == 2 and all(p.exact for p in merged)


def test_height_limits_ignore_a_pole():
    xs = np.linspace(-1, 1, 201)
    z = 1 / np.where(xs == 0, np.nan, xs)[:, None] * np.ones(5)
    low, high = height_limits(z)
    assert high < 200 and low > -200  # not the pole's 1e16
    assert height_limits(np.full((4, 4), 2.0))[0] < 2.0 < height_limits(np.full((4, 4), 2.0))[1]
    assert height_limits(np.full((3, 3), np.nan)) == (-1.0, 1.0)


def test_contour_levels_are_round_and_inside():
    levels = contour_levels((0.0, 50.0), 20)
    assert levels[0] > 0 and levels[-1] < 50
    assert np.allclose(np.diff(levels), 2.5)


def test_a_very_flat_bottom_is_not_listed_as_many_critical_points():
    # x^100 + y^100 has one (degenerate) critical point; near it the gradient is tiny
    # everywhere, which must not turn every start of the numerical search into a "point".
    assert Landscape.from_text("x^100 + y^100").find_critical_points() == []
    assert len(Landscape.from_text("x^3 - 3x y^2").find_critical_points()) == 1


def test_huge_curvature_does_not_warn():
    # filterwarnings=error: an overflow warning here would fail the test.
    Landscape.from_text("sinh(x) * cosh(y)").find_critical_points()


def test_many_critical_points_are_all_found_and_the_ones_that_matter_marked():
    from landscape_gui.core import calculus
    from landscape_gui.core.landscape import marked_critical_points

    rastrigin = Landscape.from_text(
        "20 + x^2 - 10cos(2pi x) + y^2 - 10cos(2pi y)", domain=Domain(-5.12, 5.12, -5.12, 5.12)
    )
    points = rastrigin.find_critical_points()
    assert len(points) > calculus.MAX_CRITICAL_POINTS  # not cut at 50 in the order found
    assert any(abs(p.x) < 1e-6 and abs(p.y) < 1e-6 and p.kind == "minimum" for p in points)
    probe = (3.0, 4.0)
    marked = marked_critical_points(points, probe)
    assert len(marked) == calculus.MAX_CRITICAL_POINTS
    lowest = min((p for p in points if p.kind == "minimum"), key=lambda p: p.value)
    assert lowest in marked and abs(lowest.x) < 1e-6 and abs(lowest.y) < 1e-6
    # The rest are the nearest the probe: nothing left out is nearer than what was kept.
    kept = [p for p in marked if p is not lowest and p.kind != "maximum"]
    farthest_kept = max(math.hypot(p.x - 3, p.y - 4) for p in kept)
    left_out = [p for p in points if p not in marked]
    assert min(math.hypot(p.x - 3, p.y - 4) for p in left_out) >= farthest_kept - 1e-9
    few = points[:10]
    assert sorted(marked_critical_points(few, probe), key=lambda p: (p.x, p.y)) == few
