"""Colours for steep landscapes: the valley must not be one uniform colour."""

import numpy as np
import pytest

from landscape_gui.core import colorscale
from landscape_gui.core.formula import parse_formula
from landscape_gui.core.landscape import CompiledFormula, Landscape, height_limits
from landscape_gui.core.presets import PRESETS_BY_KEY


def _grid(key: str):
    preset = PRESETS_BY_KEY[key]
    landscape = Landscape(CompiledFormula(parse_formula(preset.formula)), {}, preset.domain)
    z = landscape.sample(100).z
    return z, height_limits(z)


def _bottom_share(shown, limits) -> float:
    """How much of the map gets the bottom tenth of the colours."""
    low, high = limits
    finite = shown[np.isfinite(shown)]
    return float(np.mean((finite - low) / (high - low) < 0.1))


@pytest.mark.parametrize("key", ["rosenbrock", "beale", "goldstein"])
def test_steep_landscapes_get_a_log_scale_that_spreads_the_colours(key):
    z, limits = _grid(key)
    assert _bottom_share(*colorscale.values(z, limits, "linear")) > 0.5  # the purple sheet
    assert colorscale.choose(z, limits, "auto") == "log"
    assert _bottom_share(*colorscale.values(z, limits, "log")) < 0.25


@pytest.mark.parametrize("key", ["bowl", "himmelblau", "camel6"])
def test_gentle_landscapes_stay_linear(key):
    z, limits = _grid(key)
    assert colorscale.choose(z, limits, "auto") == "linear"


def test_the_colour_bar_always_has_plain_numbers_in_order():
    steep = [_grid(key)[1] for key in ("rosenbrock", "beale", "goldstein")]
    # (2.5e-05, 2509): just above a round number, where a step of 1000 left two ticks.
    for limits in [(0.0, 1.0), (3.0, 1.0e6), (-0.5, 0.25), (1e-6, 3e-6), (2.5e-5, 2509.0)] + steep:
        for scale in ("linear", "log"):
            ticks = colorscale.ticks(limits, scale)
            assert len(ticks) >= 3, (limits, scale)
            positions = [p for p, _ in ticks]
            assert positions == sorted(positions)
            shown = colorscale.values(np.array(limits), limits, scale)[1]
            assert all(shown[0] - 1e-9 <= p <= shown[1] + 1e-9 for p in positions)
            for _position, label in ticks:
                float(label)  # a plain number, no SI prefix or "(x1e6)"


def test_log_levels_crowd_where_the_landscape_is_low():
    levels = colorscale.levels((3.0, 1.0e6), "log", 20)
    assert levels[0] < 3.0 + 1e3  # the valley gets rings, not just the rim
    assert np.all(np.diff(levels) > 0)
    assert colorscale.choose(np.zeros(4), (0.0, 1.0), "linear") == "linear"
    with pytest.raises(ValueError):
        colorscale.choose(np.zeros(4), (0.0, 1.0), "sideways")
