"""Basin maps: which minimum each grid start descends into, with -1 diverged and -2 walking."""

import numpy as np
import pytest

from landscape_gui.core.basins import DIVERGED_LABEL, WALKING_LABEL, BasinMap, compute_basins
from landscape_gui.core.landscape import Domain, Landscape
from landscape_gui.core.optimizers import OptimizerError

HIMMELBLAU = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"
# The four minima of Himmelblau's function (all with f = 0), from the standard tables.
HIMMELBLAU_MINIMA = [
    (3.0, 2.0),
    (-2.805118, 3.131312),
    (-3.779310, -3.283186),
    (3.584428, -1.848126),
]


def _nearest_index(values: np.ndarray, target: float) -> int:
    return int(np.argmin(np.abs(values - target)))


def _check_bookkeeping(basins: BasinMap, resolution: int) -> None:
    assert basins.labels.shape == (resolution, resolution)
    assert np.issubdtype(basins.labels.dtype, np.integer)
    present = set(np.unique(basins.labels).tolist())
    assert present <= {DIVERGED_LABEL, WALKING_LABEL, *range(basins.n_basins)}
    for label, count in basins.counts.items():
        assert count == int(np.count_nonzero(basins.labels == label)), label
    assert sum(basins.counts.values()) == resolution * resolution


def test_himmelblau_has_four_basins_at_the_four_known_minima():
    landscape = Landscape.from_text(HIMMELBLAU, domain=Domain(-5, 5, -5, 5))
    basins = compute_basins(landscape, resolution=60, optimizer="gd", hyperparameters={"lr": 0.01})

    _check_bookkeeping(basins, 60)
    assert basins.n_basins == 4
    assert basins.steps == 200 and basins.optimizer == "gd"
    assert basins.hyperparameters == {"lr": 0.01}
    assert np.array_equal(basins.xs, np.linspace(-5, 5, 60))
    assert np.array_equal(basins.ys, np.linspace(-5, 5, 60))
    found = sorted((x, y) for x, y, _f in basins.minima)
    for (x, y), (known_x, known_y) in zip(found, sorted(HIMMELBLAU_MINIMA), strict=True):
        assert (x, y) == pytest.approx((known_x, known_y), abs=1e-5)
    for _x, _y, f in basins.minima:
        assert f == pytest.approx(0.0, abs=1e-9)
    # All four minima are equally deep (f = 0), so the order falls back to x.
    assert [m[0] for m in basins.minima] == sorted(m[0] for m in basins.minima)
    # Every start reaches a minimum, and the grid point nearest each minimum is in its basin.
    assert basins.counts[DIVERGED_LABEL] == 0 and basins.counts[WALKING_LABEL] == 0
    for label, (x, y, _f) in enumerate(basins.minima):
        i, j = _nearest_index(basins.xs, x), _nearest_index(basins.ys, y)
        assert basins.labels[i, j] == label
        assert basins.counts[label] > 0


def test_adam_circles_the_minima_without_converging_and_still_gets_four_basins():
    # Adam's steps near a minimum stay too big to meet tol in 200 steps; its end points are
    # still within a hair of the minima, which is what "settled" recognises.
    landscape = Landscape.from_text(HIMMELBLAU, domain=Domain(-5, 5, -5, 5))
    basins = compute_basins(landscape, 24, "adam", {"lr": 0.1}, steps=200)

    _check_bookkeeping(basins, 24)
    assert basins.n_basins == 4
    found = sorted((x, y) for x, y, _f in basins.minima)
    for (x, y), known in zip(found, sorted(HIMMELBLAU_MINIMA), strict=True):
        assert (x, y) == pytest.approx(known, abs=1e-5)


def test_the_bowl_is_one_basin():
    landscape = Landscape.from_text("x^2 + y^2")
    basins = compute_basins(landscape, 21, "gd", {"lr": 0.1})

    _check_bookkeeping(basins, 21)
    assert len(basins.minima) == 1
    x, y, f = basins.minima[0]
    assert (x, y, f) == pytest.approx((0.0, 0.0, 0.0), abs=1e-6)
    assert np.all(basins.labels == 0)
    assert basins.counts == {0: 21 * 21, DIVERGED_LABEL: 0, WALKING_LABEL: 0}


def test_starts_that_have_not_arrived_are_still_walking():
    # Two GD steps of lr 0.1 on the bowl shrink each start by 0.8^2: only the start already at
    # the bottom (the centre of an odd grid) has arrived.
    landscape = Landscape.from_text("x^2 + y^2", domain=Domain(-2, 2, -2, 2))
    basins = compute_basins(landscape, 5, "gd", {"lr": 0.1}, steps=2)

    assert basins.labels[2, 2] == 0
    expected = np.full((5, 5), WALKING_LABEL)
    expected[2, 2] = 0
    assert np.array_equal(basins.labels, expected)
    assert basins.minima == [(0.0, 0.0, 0.0)]
    assert basins.counts[WALKING_LABEL] == 24


def test_the_lessons_saddle_sends_starts_off_to_infinity():
    # f = x^2 + 3xy + y^2: along x = -y the Hessian's eigenvalue is -1, so each GD step of
    # lr 0.1 multiplies the distance from the diagonal by 1.1: from (5, -5) that passes 1e8
    # after ln(1e8 / 7.07) / ln(1.1) = 172 steps. Along x = y (eigenvalue 5) steps halve
    # the distance, so diagonal starts converge -- onto the saddle, which is no minimum.
    landscape = Landscape.from_text("x^2 + 3xy + y^2")
    basins = compute_basins(landscape, 60, "gd", {"lr": 0.1}, steps=200)

    _check_bookkeeping(basins, 60)
    assert basins.minima == []
    assert basins.counts[DIVERGED_LABEL] > 0
    assert basins.labels[-1, 0] == DIVERGED_LABEL  # the start (5, -5)
    assert basins.labels[0, -1] == DIVERGED_LABEL  # the start (-5, 5)
    assert np.all(np.diag(basins.labels) == WALKING_LABEL)
    assert set(np.unique(basins.labels).tolist()) == {DIVERGED_LABEL, WALKING_LABEL}


def test_labels_are_indexed_x_first_and_minima_ordered_by_height():
    # f = (x^2 - 1)^2 + 0.3x + y^2 on a wide, short domain: two valleys side by side along x,
    # split where f'(x) = 4x^3 - 4x + 0.3 = 0 has its middle root (a ridge). The left valley
    # is lower (the 0.3x tilt), so it is basin 0.
    landscape = Landscape.from_text("(x^2 - 1)^2 + 0.3x + y^2", domain=Domain(-2, 2, -1, 1))
    basins = compute_basins(landscape, 41, "gd", {"lr": 0.02}, steps=400)

    _check_bookkeeping(basins, 41)
    roots = np.sort(np.roots([4.0, 0.0, -4.0, 0.3]).real)
    left, ridge, right = roots
    assert basins.n_basins == 2
    assert basins.minima[0][:2] == pytest.approx((left, 0.0), abs=1e-6)
    assert basins.minima[1][:2] == pytest.approx((right, 0.0), abs=1e-6)
    assert basins.minima[0][2] < basins.minima[1][2]
    assert basins.minima[0][2] == pytest.approx((left**2 - 1) ** 2 + 0.3 * left, abs=1e-9)
    assert np.array_equal(basins.xs, np.linspace(-2, 2, 41))
    assert np.array_equal(basins.ys, np.linspace(-1, 1, 41))
    expected_row = np.where(basins.xs < ridge, 0, 1)
    assert np.array_equal(basins.labels, np.repeat(expected_row[:, None], 41, axis=1))


def test_end_points_are_clustered_not_one_basin_per_start():
    # Rastrigin's egg box: every local minimum near the centre is one basin, reached by many
    # starts; the global one at the origin is the lowest, so it is basin 0.
    landscape = Landscape.from_text(
        "20 + x^2 - 10cos(2π x) + y^2 - 10cos(2π y)", domain=Domain(-1.5, 1.5, -1.5, 1.5)
    )
    basins = compute_basins(landscape, 40, "gd", {"lr": 0.002}, steps=300)

    _check_bookkeeping(basins, 40)
    assert basins.n_basins == 9  # the minima near (i, j) for i, j in {-1, 0, 1}
    assert basins.minima[0] == pytest.approx((0.0, 0.0, 0.0), abs=1e-6)
    for label in range(basins.n_basins):
        assert basins.counts[label] > 1
    for x, y, _f in basins.minima:
        assert round(x) in (-1, 0, 1) and abs(x - round(x)) < 0.01
        assert round(y) in (-1, 0, 1) and abs(y - round(y)) < 0.01


def test_bad_arguments_are_refused():
    landscape = Landscape.from_text("x^2 + y^2")
    with pytest.raises(ValueError, match="resolution"):
        compute_basins(landscape, resolution=1)
    with pytest.raises(ValueError, match="resolution"):
        compute_basins(landscape, resolution=2.5)
    with pytest.raises(OptimizerError):
        compute_basins(landscape, 5, optimizer="sgd-with-wings")
    with pytest.raises(ValueError):
        compute_basins(landscape, 5, steps=-1)


def test_a_converged_start_where_the_curvature_is_undefined_keeps_its_basin():
    # f = |x|^1.5 + y^2: at x = 0 the slope 1.5 sign(x) |x|^0.5 is 0 but the curvature
    # 0.75 |x|^-0.5 is infinite (NaN), which is no evidence of a saddle, so the starts on x = 0
    # (already there, or brought to y = 0 by one GD step of lr 0.5) reached the minimum.
    # From x = +-1 the steps 0.75 |x|^0.5 overshoot into a 2-cycle near x = +-0.14: walking.
    landscape = Landscape.from_text("abs(x)^1.5 + y^2", domain=Domain(-1, 1, -1, 1))
    basins = compute_basins(landscape, 3, "gd", {"lr": 0.5}, steps=50)
    walking = WALKING_LABEL
    assert np.array_equal(
        basins.labels, [[walking, walking, walking], [0, 0, 0], [walking, walking, walking]]
    )
    assert basins.minima == [(0.0, 0.0, 0.0)]
