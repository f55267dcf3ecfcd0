"""What the window draws for a state, worked out before anything on screen changes.

Building it is all the numerical work a new formula, parameter or range costs (the landscape,
its grid, the colour limits, the contour levels and the numerical critical points), done
without Qt so that it can run off the GUI thread (opening a session) and, above all, so that
a state whose landscape cannot be built is refused whole: the controller builds the scene
first and only then changes its state, its undo history and the views.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from landscape_gui.core import calculus
from landscape_gui.core.landscape import (
    CompiledFormula,
    GridSample,
    Landscape,
    contour_levels,
    height_limits,
)
from landscape_gui.core.state import SessionState

CONTOUR_COUNT = 20


class SceneError(ValueError):
    """The landscape of a state cannot be drawn; the message says why in plain words."""


@dataclass
class Scene:
    landscape: Landscape
    grid: GridSample
    z_limits: tuple[float, float]
    levels: np.ndarray
    critical_points: list[calculus.CriticalPoint]  # found numerically


def build_scene(compiled: CompiledFormula, state: SessionState) -> Scene:
    """The scene of ``state`` (whose formula ``compiled`` is), or :class:`SceneError`."""
    try:
        with np.errstate(all="ignore"):
            landscape = Landscape(compiled, dict(state.parameters), state.domain)
            grid = landscape.sample(state.resolution)
            z_limits = height_limits(grid.z)
            if not all(math.isfinite(v) for v in z_limits) or not math.isfinite(
                z_limits[1] - z_limits[0]
            ):
                raise OverflowError("heights beyond the range of numbers")
            levels = contour_levels(z_limits, CONTOUR_COUNT)
            points = landscape.find_critical_points()
            points += _cusp_minima(landscape, points)
    except SceneError:
        raise
    except (ArithmeticError, FloatingPointError) as error:
        raise SceneError("its values are too large to compute with (over about 1e308)") from error
    except Exception as error:  # numpy and lambdified sympy raise many kinds
        raise SceneError(f"it cannot be computed here ({type(error).__name__}: {error})") from error
    return Scene(landscape, grid, z_limits, levels, points)


def _cusp_minima(
    landscape: Landscape, found: list[calculus.CriticalPoint]
) -> list[calculus.CriticalPoint]:
    """A preset's known minima where the gradient is undefined (Ackley's cone point at the
    origin): critical points too, which Newton's method on grad f = 0 cannot find. Taken from
    the preset table only while the formula and its heights there are the preset's."""
    from landscape_gui.core.presets import preset_for_formula

    preset = preset_for_formula(landscape.formula.text)
    if preset is None or preset.minimum_value is None:
        return []
    d = landscape.domain
    scale = max(d.width, d.height)
    extra = []
    for x, y in preset.minima:
        if not d.contains(x, y):
            continue
        if any(math.hypot(p.x - x, p.y - y) < 1e-5 * scale for p in found):
            continue
        gx, gy = (float(v) for v in landscape.gradient(x, y))
        value = float(landscape.value(x, y))
        if math.isfinite(gx) and math.isfinite(gy):
            continue  # smooth there: the numerical search speaks for it
        if abs(value - preset.minimum_value) <= 1e-9 * (1.0 + abs(value)):
            extra.append(calculus.CriticalPoint(float(x), float(y), value, "minimum"))
    return extra
