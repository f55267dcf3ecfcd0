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

from landscape_gui.core import arrows, calculus, colorscale, contours
from landscape_gui.core.formula import to_input_syntax
from landscape_gui.core.landscape import (
    CompiledFormula,
    GridSample,
    Landscape,
    contour_levels,
    height_limits,
)
from landscape_gui.core.pacing import give_way
from landscape_gui.core.state import SessionState

CONTOUR_COUNT = 20
GRADIENT_FIELD_SIZE = 15
ARROW_SAMPLES = 41  # a 41 x 41 look at |grad f| chooses the landscape's arrow scale


class SceneError(ValueError):
    """The landscape of a state cannot be drawn; the message says why in plain words."""


@dataclass
class Scene:
    landscape: Landscape
    grid: GridSample
    z_limits: tuple[float, float]
    levels: np.ndarray
    critical_points: list[calculus.CriticalPoint]  # found numerically
    arrow_scale: float  # gradient arrows are arrow_scale × ∇f long
    # The gradient field's arrows: xs, ys, gx, gy (GRADIENT_FIELD_SIZE² samples) and scale.
    field: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]
    texts: dict[str, str]  # f and its derivatives as the user would type them
    color_scale: str  # the 'auto' colour scale of these heights ('linear' or 'log')
    # The map's level lines on that scale, traced: (contourpy generator, lines per level).
    traced: tuple[object, list[np.ndarray]]


def build_scene(compiled: CompiledFormula, state: SessionState) -> Scene:
    """The scene of ``state`` (whose formula ``compiled`` is), or :class:`SceneError`."""
    try:
        with np.errstate(all="ignore"):
            # The state's parameters are f's and a constraint's; the landscape takes f's.
            values = {k: v for k, v in state.parameters.items() if k in compiled.parameters}
            landscape = Landscape(compiled, values, state.domain)
            give_way()  # between steps, a worker gives way to a window painting (core.pacing)
            grid = landscape.sample(state.resolution)
            z_limits = height_limits(grid.z)
            if not all(math.isfinite(v) for v in z_limits) or not math.isfinite(
                z_limits[1] - z_limits[0]
            ):
                raise OverflowError("heights beyond the range of numbers")
            levels = contour_levels(z_limits, CONTOUR_COUNT)
            points = landscape.find_critical_points()
            give_way()
            points += _cusp_minima(landscape, points)
            scale = _arrow_scale(landscape, state)
            field = _gradient_field(landscape, state)
            give_way()
            texts = _texts(compiled)
            give_way()
            scale_name = colorscale.choose(grid.z, z_limits, "auto")
            map_levels = colorscale.levels(z_limits, scale_name, CONTOUR_COUNT)
            generator = contours.tracer(grid.xs, grid.ys, grid.z)
            lines = []
            for value in contours.clean_levels(map_levels):
                give_way()
                lines.append(contours.trace(generator, value))
    except SceneError:
        raise
    except (ArithmeticError, FloatingPointError) as error:
        raise SceneError("its values are too large to compute with (over about 1e308)") from error
    except Exception as error:  # numpy and lambdified sympy raise many kinds
        raise SceneError(f"it cannot be computed here ({type(error).__name__}: {error})") from error
    return Scene(
        landscape,
        grid,
        z_limits,
        levels,
        points,
        scale,
        field,
        texts,
        scale_name,
        (generator, lines),
    )


def _arrow_scale(landscape: Landscape, state: SessionState) -> float:
    """One arrow scale per landscape, from how steep it is across the domain."""
    d = state.domain
    xs = np.linspace(d.x_min, d.x_max, ARROW_SAMPLES)
    ys = np.linspace(d.y_min, d.y_max, ARROW_SAMPLES)
    gx, gy = landscape.gradient(*np.meshgrid(xs, ys, indexing="ij"))
    norms = np.hypot(gx, gy)
    return arrows.arrow_scale(norms, min(d.width, d.height))


def _gradient_field(
    landscape: Landscape, state: SessionState
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    d = state.domain
    xs = np.linspace(d.x_min, d.x_max, GRADIENT_FIELD_SIZE)
    ys = np.linspace(d.y_min, d.y_max, GRADIENT_FIELD_SIZE)
    gx, gy = landscape.gradient(*np.meshgrid(xs, ys, indexing="ij"))
    spacing = min(d.width, d.height) / (GRADIENT_FIELD_SIZE - 1)
    scale = arrows.arrow_scale(np.hypot(gx, gy), spacing, share=0.9)
    return (xs, ys, gx, gy, scale)


def _texts(compiled: CompiledFormula) -> dict[str, str]:
    fx = to_input_syntax(compiled.df_dx_expr)
    fy = to_input_syntax(compiled.df_dy_expr)
    return {
        "f": f"f(x, y) = {to_input_syntax(compiled.formula.expr)}",
        "df_dx": f"∂f/∂x = {fx}",
        "df_dy": f"∂f/∂y = {fy}",
        "grad": f"∇f = ({fx}, {fy})",
    }


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
