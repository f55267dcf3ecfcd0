"""Every preset's known minima (from the standard test-function tables) are real minima of the
formula as typed, and gradient descent started nearby walks into them."""

import math

import pytest

from landscape_gui.core import calculus
from landscape_gui.core.descent import run_to_end
from landscape_gui.core.landscape import Landscape
from landscape_gui.core.presets import DEFAULT_PRESET, PRESETS, preset_for_formula

MINIMA = [(p, m) for p in PRESETS for m in p.minima]


def test_the_default_is_the_bowl_and_the_lessons_example_is_second():
    assert DEFAULT_PRESET.formula == "x^2 + y^2"
    assert PRESETS[1].formula == "x^2 + 3xy + y^2"
    assert len({p.key for p in PRESETS}) == len(PRESETS) == 14


@pytest.mark.parametrize(("preset", "minimum"), MINIMA, ids=lambda v: getattr(v, "key", str(v)))
def test_known_minimum_is_flat_and_has_the_published_height(preset, minimum):
    landscape = Landscape.from_text(preset.formula, domain=preset.domain)
    readout = landscape.at(*minimum)
    assert preset.domain.contains(*minimum)
    assert readout.f == pytest.approx(preset.minimum_value, abs=1e-4)
    if preset.key != "ackley":  # Ackley's minimum is a cusp: its gradient is undefined there
        assert readout.grad_norm < 2e-2  # the tables give 4-6 digits
        kind = calculus.classify(*(float(h) for h in landscape.hessian(*minimum)))
        assert kind == calculus.MINIMUM


@pytest.mark.parametrize(("preset", "minimum"), MINIMA, ids=lambda v: getattr(v, "key", str(v)))
def test_descent_from_nearby_reaches_the_minimum(preset, minimum):
    landscape = Landscape.from_text(preset.formula, domain=preset.domain)
    start = (minimum[0] + 0.03 * preset.domain.width, minimum[1] - 0.02 * preset.domain.height)
    # Ackley's cusp makes fixed-step GD circle the bottom at a distance of about lr * |grad|.
    lr = 1e-3 if preset.key == "ackley" else preset.learning_rate
    run = run_to_end(landscape, [start], "gd", {"lr": lr}, max_steps=60_000, tol=1e-7)
    history = run.history(0)
    end = (history.x[-1], history.y[-1])
    tolerance = 3e-3 if preset.key == "ackley" else 1e-3
    assert math.dist(end, minimum) < tolerance, (run.status(0), end)
    assert history.f[-1] == pytest.approx(preset.minimum_value, abs=1e-2)


def test_formulas_are_recognised_whatever_the_spacing():
    assert preset_for_formula("x^2+3xy+y^2").key == "seed"
    assert preset_for_formula("x^2 + 3 y^2") is None
