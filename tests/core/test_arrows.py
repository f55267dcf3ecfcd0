"""Arrow lengths: scale × ∇f with one round scale per landscape."""

import numpy as np
import pytest

from landscape_gui.core.arrows import arrow_scale, round_down_nicely, scale_text, vanishes


@pytest.mark.parametrize(
    ("value", "nice"), [(0.23, 0.2), (0.099, 0.05), (7.0, 5.0), (1.0, 1.0), (3.2e-5, 2e-5)]
)
def test_scales_are_round_numbers(value, nice):
    assert round_down_nicely(value) == pytest.approx(nice)


def test_the_bowl_gets_a_round_scale_from_its_typical_steepness():
    xs = np.linspace(-5, 5, 41)
    x, y = np.meshgrid(xs, xs, indexing="ij")
    scale = arrow_scale(np.hypot(2 * x, 2 * y), side=10.0)
    # A typical steep gradient (90th percentile of |grad f| = 2r) is about 12 here; 15 % of the
    # side is 1.5, so the scale is 1.5 / 12 = 0.125, rounded down to 0.1.
    assert scale == pytest.approx(0.1)
    assert scale_text(scale) == "arrow = 0.1 × ∇f"
    assert vanishes(1e-6, scale, 10.0) and not vanishes(5.0, scale, 10.0)


def test_flat_or_undefined_landscapes_get_scale_one():
    assert arrow_scale(np.zeros((5, 5)), 10.0) == 1.0
    assert arrow_scale(np.full((5, 5), np.nan), 10.0) == 1.0
    assert arrow_scale(np.array([1e308, np.inf]), 10.0) > 0
