"""The lesson's stages say true things about what they show."""

import re

from landscape_gui.core.formula import parse_formula
from landscape_gui.core.landscape import CompiledFormula, Landscape
from landscape_gui.core.lesson import STAGES


def test_the_partial_derivatives_stage_probes_where_the_two_slopes_differ():
    stage = next(s for s in STAGES if s.title.startswith("Partial derivatives"))
    landscape = Landscape(CompiledFormula(parse_formula(stage.formula)), {}, stage.domain)
    reading = landscape.at(*stage.probe)
    assert abs(reading.df_dx - reading.df_dy) >= 2  # a class can tell ∂f/∂x from ∂f/∂y
    # The text quotes the slopes at its own probe point.
    assert f"{reading.df_dx:g} and {reading.df_dy:g}" in stage.text


def test_no_stage_points_at_a_place_the_window_does_not_have():
    for stage in STAGES:
        assert "under the caption" not in stage.text
        assert not re.search(r"\b(above|below) the fold\b", stage.text)
