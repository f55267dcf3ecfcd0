"""The scene's critical points: the ones a cusp hides from Newton's method are there too."""

import math

from landscape_gui.core.formula import parse_formula
from landscape_gui.core.landscape import CompiledFormula, Domain
from landscape_gui.core.presets import PRESETS_BY_KEY
from landscape_gui.core.scene import build_scene
from landscape_gui.core.state import SessionState


def _scene(formula: str, domain: Domain):
    state = SessionState(formula=formula, domain=domain, probe=(1.0, 1.0))
    return build_scene(CompiledFormula(parse_formula(formula)), state)


def _at_origin(points):
    return [p for p in points if math.hypot(p.x, p.y) < 1e-9]


def test_ackleys_cone_point_is_its_global_minimum():
    preset = PRESETS_BY_KEY["ackley"]
    points = _scene(preset.formula, preset.domain).critical_points
    origin = _at_origin(points)
    assert [p.kind for p in origin] == ["minimum"]
    assert origin[0].value == min(p.value for p in points)  # the lowest of them all


def test_smooth_minima_are_not_listed_twice():
    preset = PRESETS_BY_KEY["rastrigin"]
    points = _scene(preset.formula, preset.domain).critical_points
    assert len(_at_origin(points)) == 1


def test_a_cone_that_is_no_preset_gets_no_invented_minimum():
    # The same cone point, but not the preset's formula: nothing is taken from the table.
    points = _scene("sqrt(x^2 + y^2) + 0.5", Domain(-2, 2, -2, 2)).critical_points
    assert _at_origin(points) == []
