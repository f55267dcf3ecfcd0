"""A constraint g(x, y) = c: the curve, f along it, and the Lagrange points where ∇f = λ∇g.

The lesson's next chapter after "the gradient is perpendicular to the contours": walk along a
curve g(x, y) = c; where f is largest or smallest on it, the curve just touches a contour of f,
so ∇f and ∇g are parallel, ∇f = λ∇g, and λ says how much that optimum value changes per unit
of c. No Qt here; every function is array-in, array-out, so the views only draw.

API
---
``parse_constraint(text, parameter_values=None, seconds=COMPILE_SECONDS) -> Constraint``
    ``text`` is ``g(x, y) = c`` with exactly one ``=``. Both sides go through the same safe
    parser as f (``core.formula``) and the compile runs under the same budget. When only one
    side holds x or y, that side is g and the other is c (``x^2 + y^2 = r^2``,
    ``1 = x^2 + y^2``); when both do, everything moves left: g = left − right, c = 0
    (``y = x^2`` is g = y − x², c = 0). An inequality, a second ``=``, no ``=`` or no x and y
    at all is refused. Errors are ``FormulaError`` with one sentence and a position in the
    whole text.
``parse_constraint_text(text) -> ConstraintFormula``
    The same checks without compiling (cheap: live validation, the session file).
``Constraint``
    ``text`` (as typed), ``g_expr`` and ``c_expr`` (sympy), ``c`` (a float, with the
    parameters' values), ``value(x, y)`` = g, ``residual(x, y)`` = g − c,
    ``gradient(x, y)`` = ∇g, ``hessian(x, y)``; ``expression()`` = g − c with the parameters
    put in; ``with_parameters(values)`` re-uses the compiled functions; ``project(x, y)``
    moves points onto the curve (Newton's method along ∇g).
``trace_curve(constraint, domain, resolution=200) -> list[np.ndarray]``
    Polylines (N × 2) of g = c inside the domain: marching squares (contourpy) on a grid of
    g − c, then two Newton steps along ∇g snap each point onto the curve. Each polyline runs
    along the unit tangent t = (−g_y, g_x)/|∇g| (∇g turned a quarter anticlockwise), so "along
    the curve" means the same thing on every polyline; a closed one ends where it began.
``joined(polylines) -> np.ndarray``
    All polylines in one NaN-separated (N × 2) array, for one curve item.
``along_curve(landscape, constraint, polyline) -> CurveProfile``
    Arc length s from the polyline's first point, f, the unit tangent and the along-curve slope
    df/ds = ∇f·t at every point: the "f along the curve" plot.
``locate_on_curves(profiles, x, y) -> (index, s) | None``
    Which profile the probe is nearest and its arc length there (the marker on that plot).
``tangent_slope(landscape, constraint, x, y) -> np.ndarray``
    ∇f·t at any points (the probe's slope on that plot).
``gradient_angle(fx, fy, gx, gy) -> np.ndarray``
    The angle between ∇f and ∇g in degrees, 0-180 (NaN where either vanishes); 0 or 180 at a
    Lagrange point.
``classify_on_curve(landscape, constraint, x, y, lam) -> str``
    The kind of one Lagrange point (what a converged constrained run reached).
``lambda_estimate(fx, fy, gx, gy) -> np.ndarray``
    ∇f·∇g / |∇g|²: the λ that best fits ∇f ≈ λ∇g at any point (exact at Lagrange points).
``lagrange_points(landscape, constraint, seconds=LAGRANGE_SECONDS) -> LagrangeResult``
    The Lagrange points inside the landscape's domain. Solves ∇f = λ∇g, g = c exactly with
    sympy within ``seconds`` (``core.timebound``), then adds numerical points (local extrema
    of f along the traced curve, refined by Newton's method on the Lagrange system) that no
    exact point accounts for; when the exact solve times out or fails, the numerical points
    are all there is and a note says why (``numerical_lagrange_points`` is that search alone).
    Each ``LagrangePoint`` has x, y, kind (``"constrained maximum"``, ``"constrained
    minimum"`` or ``"neither"``, from the along-curve second derivative, which is
    −det(bordered Hessian)/|∇g|²), f, lam and ``exact`` (sympy values of x, y, f, λ, or None
    for numerical points).
    ``LAMBDA_MEANING`` is the sentence that says what λ means.

Descent along the curve is the descent engine's: ``DescentRun(landscape, starts, "projected"
or "penalty", constraint=...)`` (``core.optimizers.CONSTRAINED_OPTIMIZERS``), whose history
records g and the λ estimate per step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import sympy as sp

from landscape_gui.core import calculus, timebound
from landscape_gui.core.domain import Domain
from landscape_gui.core.formula import (
    MAX_LENGTH,
    Formula,
    FormulaError,
    X,
    Y,
    parse_formula,
    to_input_syntax,
)
from landscape_gui.core.landscape import (
    COMPILE_SECONDS,
    CompiledFormula,
    Landscape,
)
from landscape_gui.core.limits import DEFAULT_PARAMETER_VALUE, DEFAULT_RESOLUTION, MAX_PARAMETERS

__all__ = [
    "CONSTRAINED_MAXIMUM",
    "CONSTRAINED_MINIMUM",
    "LAGRANGE_SECONDS",
    "LAMBDA_MEANING",
    "NEITHER",
    "Constraint",
    "ConstraintFormula",
    "CurveProfile",
    "ExactValues",
    "LagrangePoint",
    "LagrangeResult",
    "along_curve",
    "classify_on_curve",
    "gradient_angle",
    "joined",
    "lagrange_points",
    "lambda_estimate",
    "locate_on_curves",
    "numerical_lagrange_points",
    "parse_constraint",
    "parse_constraint_text",
    "tangent_slope",
    "trace_curve",
]

CONSTRAINED_MAXIMUM = "constrained maximum"
CONSTRAINED_MINIMUM = "constrained minimum"
NEITHER = "neither"
# The exact solve of ∇f = λ∇g, g = c gives up after this long (the numerical points remain).
LAGRANGE_SECONDS = 3.0
MAX_LAGRANGE_POINTS = 50
LAMBDA_MEANING = (
    "λ is how much the optimum value of f changes per unit of c: "
    "move the curve to g = c + h and the constrained optimum moves by about λ·h."
)
_NO_EQUALS = "write the constraint as g(x, y) = c, e.g. x^2 + y^2 = 1"
_LAMBDA = sp.Symbol("lambda", real=True)
# Newton's method on the Lagrange system: how many steps, and when a point has settled.
_NEWTON_STEPS = 40
_SNAP_STEPS = 2


# ---------------------------------------------------------------------------- parsing


def _parse_side(text: str, start: int, end: int) -> Formula:
    side = text[start:end]
    if not side.strip():
        where = "before" if start == 0 else "after"
        raise FormulaError(f"nothing {where} '=': {_NO_EQUALS}", start if start else None)
    try:
        return parse_formula(side)
    except FormulaError as error:
        position = None if error.position is None else error.position + start
        moved = FormulaError(error.message, position)
        return_error = moved.with_hint(error.hint) if error.hint else moved
        raise return_error from None


def _has_xy(expr: sp.Expr) -> bool:
    return bool(expr.free_symbols & {X, Y})


class Constraint:
    """g(x, y) = c, compiled once: g − c, ∇g and the Hessian of g as numpy functions.

    Like a ``Landscape`` it holds numbers for its parameters; ``with_parameters`` gives the
    same compiled functions with other numbers (a slider move costs nothing but numbers).
    """

    def __init__(
        self,
        text: str,
        g_expr: sp.Expr,
        c_expr: sp.Expr,
        compiled: CompiledFormula,
        parameter_values: Mapping[str, float] | None = None,
    ) -> None:
        self.text = text
        self.g_expr = g_expr
        self.c_expr = c_expr
        self.compiled = compiled
        given = dict(parameter_values or {})
        values: dict[str, float] = {}
        for name in compiled.parameters:
            value = float(given.get(name, DEFAULT_PARAMETER_VALUE))
            if not math.isfinite(value):
                raise ValueError(f"parameter {name} must be a finite number")
            values[name] = value
        self.parameter_values = values
        self._arguments = tuple(values[name] for name in compiled.parameters)
        self._expression = calculus.substitute_parameters(compiled.formula.expr, values)
        c_value = calculus.substitute_parameters(c_expr, values)
        try:
            c_number = complex(sp.N(c_value, 20))
        except (TypeError, ValueError, ArithmeticError):  # zoo, nan: not a number at all
            c_number = complex(math.nan)
        if abs(c_number.imag) > 1e-12 or not math.isfinite(c_number.real):
            raise FormulaError("the right side c of the constraint is not a real number")
        self.c = c_number.real

    @property
    def parameters(self) -> tuple[str, ...]:
        return self.compiled.parameters

    def with_parameters(self, parameter_values: Mapping[str, float]) -> Constraint:
        """The same compiled constraint with other numbers for its parameters (extra names,
        such as f's own parameters, are ignored)."""
        return Constraint(self.text, self.g_expr, self.c_expr, self.compiled, parameter_values)

    def expression(self) -> sp.Expr:
        """g − c with the parameters' values put in (for the exact solve)."""
        return self._expression

    def value(self, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        """g itself (not g − c): what the CSV's ``g`` column records."""
        residual: np.ndarray = self.compiled.value(x, y, self._arguments) + self.c
        return residual

    def residual(self, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        """g − c: zero on the curve."""
        return self.compiled.value(x, y, self._arguments)

    def gradient(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """∇g: perpendicular to the curve."""
        return self.compiled.gradient(x, y, self._arguments)

    def residual_and_gradient(
        self, x: npt.ArrayLike, y: npt.ArrayLike
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(g − c, g_x, g_y) in one call."""
        return self.compiled.value_and_gradient(x, y, self._arguments)

    def hessian(
        self, x: npt.ArrayLike, y: npt.ArrayLike
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.compiled.hessian(x, y, self._arguments)

    def project(
        self, x: npt.ArrayLike, y: npt.ArrayLike, steps: int = 8
    ) -> tuple[np.ndarray, np.ndarray]:
        """Points moved onto the curve by Newton's method along ∇g: p ← p − (g − c)∇g/|∇g|².

        Points where the step is undefined (∇g = 0, or g undefined) come back as NaN.
        """
        px = np.array(x, dtype=float, copy=True)
        py = np.array(y, dtype=float, copy=True)
        with np.errstate(all="ignore"):
            for _ in range(steps):
                r, gx, gy = self.residual_and_gradient(px, py)
                scale = r / (gx * gx + gy * gy)
                px = px - scale * gx
                py = py - scale * gy
        return px, py

    def __repr__(self) -> str:
        return f"Constraint({self.text!r})"


@dataclass(frozen=True)
class ConstraintFormula:
    """A parsed, not yet compiled, constraint: what live validation and the session file
    check (parsing is cheap; compiling is what costs)."""

    text: str
    g_expr: Any
    c_expr: Any
    parameters: tuple[str, ...]

    @property
    def residual_expr(self) -> Any:
        """g − c."""
        return self.g_expr - self.c_expr


def parse_constraint_text(text: str) -> ConstraintFormula:
    """Parse ``g(x, y) = c`` without compiling it. Raises FormulaError with one sentence."""
    if not isinstance(text, str):
        raise FormulaError("a constraint must be text")
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"the constraint is too long ({len(text):,} characters; at most {MAX_LENGTH:,})"
        )
    inequality = next((i for i, ch in enumerate(text) if ch in "<>≤≥≠!"), None)
    if inequality is not None:
        raise FormulaError(
            "a constraint is an equation, not an inequality: write it as g(x, y) = c, "
            "e.g. x^2 + y^2 = 1",
            inequality,
        )
    if "=" not in text:
        raise FormulaError(_NO_EQUALS)
    equals = text.index("=")
    if text.count("=") > 1:
        second = text.index("=", equals + 1)
        raise FormulaError(
            "a constraint has exactly one '=': write it as g(x, y) = c, e.g. x^2 + y^2 = 1",
            second,
        )
    left = _parse_side(text, 0, equals)
    right = _parse_side(text, equals + 1, len(text))
    left_xy, right_xy = _has_xy(left.expr), _has_xy(right.expr)
    if not left_xy and not right_xy:
        raise FormulaError(
            "the constraint has no x or y in it, so it draws no curve: "
            "write it as g(x, y) = c, e.g. x^2 + y^2 = 1"
        )
    if left_xy and right_xy:
        g_expr, c_expr = left.expr - right.expr, sp.Integer(0)
    elif left_xy:
        g_expr, c_expr = left.expr, right.expr
    else:
        g_expr, c_expr = right.expr, left.expr
    if not _has_xy(g_expr - c_expr):
        raise FormulaError(
            "x and y cancel out of this constraint, so it draws no curve: "
            "write it as g(x, y) = c, e.g. x^2 + y^2 = 1"
        )
    parameters = tuple(sorted(set(left.parameters) | set(right.parameters)))
    if len(parameters) > MAX_PARAMETERS:
        raise FormulaError(f"too many parameters ({len(parameters)}; at most {MAX_PARAMETERS})")
    return ConstraintFormula(text, g_expr, c_expr, parameters)


def parse_constraint(
    text: str,
    parameter_values: Mapping[str, float] | None = None,
    seconds: float | None = COMPILE_SECONDS,
) -> Constraint:
    """Parse and compile ``g(x, y) = c`` (compiling within ``seconds``, the same budget as
    f's). Raises FormulaError with one sentence."""
    parsed = parse_constraint_text(text)
    formula = Formula(text=text, expr=parsed.residual_expr, parameters=parsed.parameters)
    compiled = CompiledFormula(formula, seconds=seconds)
    return Constraint(text, parsed.g_expr, parsed.c_expr, compiled, parameter_values)


# ---------------------------------------------------------------------------- the curve


def _unit_tangent(gx: np.ndarray, gy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t_x, t_y, |∇g|): ∇g turned a quarter anticlockwise, made unit length."""
    with np.errstate(all="ignore"):
        norm = np.hypot(gx, gy)
        tx = -gy / norm
        ty = gx / norm
    return tx, ty, norm


def trace_curve(
    constraint: Constraint, domain: Domain, resolution: int = DEFAULT_RESOLUTION
) -> list[np.ndarray]:
    """Polylines (N × 2) of g = c inside ``domain``, each running along t = ∇g turned left."""
    import contourpy  # only where a curve is traced: not a start-up cost of the core

    if not 4 <= resolution <= 2000:
        raise ValueError("the grid resolution must be between 4 and 2000")
    xs = np.linspace(domain.x_min, domain.x_max, resolution)
    ys = np.linspace(domain.y_min, domain.y_max, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys, indexing="ij")
    values = constraint.residual(grid_x, grid_y)
    # contourpy wants z[j, i] at (xs[i], ys[j]): the transpose of the 'ij' grid.
    z = np.ma.masked_invalid(values.T)
    generator = contourpy.contour_generator(
        xs, ys, z, line_type=contourpy.LineType.Separate, corner_mask=True
    )
    lines = generator.lines(0.0)
    cell = max(domain.width, domain.height) / (resolution - 1)
    polylines: list[np.ndarray] = []
    for line in lines:
        points = np.asarray(line, dtype=float)
        if points.shape[0] < 2:
            continue
        points = _snap(constraint, points, domain, cell)
        polylines.append(_oriented(constraint, points))
    return polylines


def joined(polylines: Sequence[np.ndarray]) -> np.ndarray:
    """The polylines as one (N × 2) array with a NaN row between them: one curve item drawn
    with ``connect='finite'`` (the way the contour map draws all its levels)."""
    parts: list[np.ndarray] = []
    for line in polylines:
        if parts:
            parts.append(np.full((1, 2), np.nan))
        parts.append(np.asarray(line, dtype=float).reshape(-1, 2))
    if not parts:
        return np.empty((0, 2))
    return np.concatenate(parts)


def _snap(constraint: Constraint, points: np.ndarray, domain: Domain, cell: float) -> np.ndarray:
    """Points moved onto the curve by a couple of Newton steps along ∇g; a point whose step is
    undefined, larger than a grid cell or leaves the domain keeps its traced position."""
    sx, sy = constraint.project(points[:, 0], points[:, 1], steps=_SNAP_STEPS)
    with np.errstate(all="ignore"):
        moved = np.hypot(sx - points[:, 0], sy - points[:, 1])
        ok = np.isfinite(sx) & np.isfinite(sy) & (moved <= cell)
        ok &= (sx >= domain.x_min) & (sx <= domain.x_max)
        ok &= (sy >= domain.y_min) & (sy <= domain.y_max)
    snapped: np.ndarray = points.copy()
    snapped[ok, 0] = sx[ok]
    snapped[ok, 1] = sy[ok]
    return snapped


def _oriented(constraint: Constraint, points: np.ndarray) -> np.ndarray:
    """The polyline reversed if it runs against the unit tangent t on the whole."""
    gx, gy = constraint.gradient(points[:, 0], points[:, 1])
    tx, ty, _ = _unit_tangent(gx, gy)
    steps = np.diff(points, axis=0)
    with np.errstate(all="ignore"):
        along = steps[:, 0] * tx[:-1] + steps[:, 1] * ty[:-1]
    if np.nansum(along) < 0:
        reversed_points: np.ndarray = points[::-1].copy()
        return reversed_points
    return points


@dataclass(frozen=True)
class CurveProfile:
    """f along one polyline: arc length s, position, f, unit tangent and the slope df/ds."""

    s: np.ndarray
    x: np.ndarray
    y: np.ndarray
    f: np.ndarray
    tx: np.ndarray
    ty: np.ndarray
    slope: np.ndarray  # ∇f·t
    closed: bool

    @property
    def length(self) -> float:
        return float(self.s[-1]) if self.s.size else 0.0

    def locate(self, x: float, y: float) -> float:
        """The arc length of the polyline point nearest (x, y): where the probe sits on the plot."""
        if self.s.size == 0:
            return math.nan
        with np.errstate(all="ignore"):
            distance = np.hypot(self.x - x, self.y - y)
        if not np.isfinite(distance).any():
            return math.nan
        return float(self.s[int(np.nanargmin(distance))])


def locate_on_curves(
    profiles: Sequence[CurveProfile], x: float, y: float
) -> tuple[int, float] | None:
    """Which profile passes nearest (x, y), and the arc length there: where the probe's marker
    goes on the "f along the curve" plot (None when there is no curve)."""
    best: tuple[float, int, float] | None = None
    for index, profile in enumerate(profiles):
        if profile.s.size == 0:
            continue
        with np.errstate(all="ignore"):
            distance = np.hypot(profile.x - x, profile.y - y)
        if not np.isfinite(distance).any():
            continue
        nearest = int(np.nanargmin(distance))
        if best is None or distance[nearest] < best[0]:
            best = (float(distance[nearest]), index, float(profile.s[nearest]))
    return None if best is None else (best[1], best[2])


def along_curve(landscape: Landscape, constraint: Constraint, polyline: np.ndarray) -> CurveProfile:
    """The "f along the curve" plot for one polyline from :func:`trace_curve`."""
    points = np.asarray(polyline, dtype=float).reshape(-1, 2)
    x, y = points[:, 0].copy(), points[:, 1].copy()
    steps = np.hypot(np.diff(x), np.diff(y))
    s = np.concatenate(([0.0], np.cumsum(steps))) if x.size else np.empty(0)
    f, fx, fy = landscape.value_and_gradient(x, y)
    gx, gy = constraint.gradient(x, y)
    tx, ty, _ = _unit_tangent(gx, gy)
    with np.errstate(all="ignore"):
        slope = fx * tx + fy * ty
    closed = bool(x.size > 2 and math.hypot(x[0] - x[-1], y[0] - y[-1]) <= 1e-9 * (1 + abs(s[-1])))
    return CurveProfile(s, x, y, f, tx, ty, slope, closed)


def tangent_slope(
    landscape: Landscape, constraint: Constraint, x: npt.ArrayLike, y: npt.ArrayLike
) -> np.ndarray:
    """df/ds = ∇f·t, t the unit tangent of the level curve of g through (x, y)."""
    fx, fy = landscape.gradient(x, y)
    gx, gy = constraint.gradient(x, y)
    tx, ty, _ = _unit_tangent(gx, gy)
    with np.errstate(all="ignore"):
        slope: np.ndarray = fx * tx + fy * ty
    return slope


def gradient_angle(
    fx: npt.ArrayLike, fy: npt.ArrayLike, gx: npt.ArrayLike, gy: npt.ArrayLike
) -> np.ndarray:
    """The angle between ∇f and ∇g in degrees (0-180), NaN where either is zero or undefined."""
    fx, fy, gx, gy = (np.asarray(v, dtype=float) for v in (fx, fy, gx, gy))
    with np.errstate(all="ignore"):
        cross = fx * gy - fy * gx
        dot = fx * gx + fy * gy
        angle = np.degrees(np.arctan2(np.abs(cross), dot))
        zero = (np.hypot(fx, fy) == 0) | (np.hypot(gx, gy) == 0)
    result: np.ndarray = np.where(zero, np.nan, angle)
    return result


def lambda_estimate(
    fx: npt.ArrayLike, fy: npt.ArrayLike, gx: npt.ArrayLike, gy: npt.ArrayLike
) -> np.ndarray:
    """∇f·∇g / |∇g|²: the best λ for ∇f ≈ λ∇g (NaN where ∇g = 0)."""
    fx, fy, gx, gy = (np.asarray(v, dtype=float) for v in (fx, fy, gx, gy))
    with np.errstate(all="ignore"):
        estimate: np.ndarray = (fx * gx + fy * gy) / (gx * gx + gy * gy)
    return estimate


# ---------------------------------------------------------------------------- Lagrange points


@dataclass(frozen=True)
class ExactValues:
    """A Lagrange point as sympy solved it (exact numbers such as sqrt(2)/2)."""

    x: Any
    y: Any
    f: Any
    lam: Any

    def as_text(self) -> dict[str, str]:
        """Each value in the app's input syntax (it can be typed back)."""
        return {
            "x": to_input_syntax(self.x),
            "y": to_input_syntax(self.y),
            "f": to_input_syntax(self.f),
            "lambda": to_input_syntax(self.lam),
        }


@dataclass(frozen=True)
class LagrangePoint:
    """A point of the curve where ∇f = λ∇g: where a contour of f just touches the curve."""

    x: float
    y: float
    kind: str
    f: float
    lam: float
    exact: ExactValues | None = None

    @property
    def is_exact(self) -> bool:
        return self.exact is not None

    def as_dict(self) -> dict[str, float | str]:
        """The CLI's JSON entry: ``{x, y, kind, f, lambda}``."""
        return {"x": self.x, "y": self.y, "kind": self.kind, "f": self.f, "lambda": self.lam}


@dataclass
class LagrangeResult:
    """The Lagrange points found, whether the exact solve finished, and notes in words."""

    points: list[LagrangePoint] = field(default_factory=list)
    exact: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0  # how long the exact solve took (or was allowed, when it gave up)


class _NotIsolated(ValueError):
    pass


def _kind_from_second_derivative(second: float, scale: float) -> str | None:
    """The along-curve test: d²f/ds² < 0 is a maximum, > 0 a minimum; None when too small."""
    if not math.isfinite(second) or abs(second) <= 1e-9 * max(1.0, scale):
        return None
    return CONSTRAINED_MAXIMUM if second < 0 else CONSTRAINED_MINIMUM


def _second_along(
    hf: Sequence[float], hg: Sequence[float], lam: float, gx: float, gy: float
) -> float:
    """d²f/ds² at a Lagrange point: tᵀ(H_f − λH_g)t with t the unit tangent; this equals
    −det(bordered Hessian)/|∇g|²."""
    norm = math.hypot(gx, gy)
    if norm == 0 or not math.isfinite(norm):
        return math.nan
    tx, ty = -gy / norm, gx / norm
    lxx = hf[0] - lam * hg[0]
    lxy = hf[1] - lam * hg[1]
    lyy = hf[2] - lam * hg[2]
    return lxx * tx * tx + 2 * lxy * tx * ty + lyy * ty * ty


# Exact values longer than this many operations are shown as solved, not simplified.
_SIMPLIFY_OPS = 60


def _solve_lagrange(
    f_expr: sp.Expr, g_expr: sp.Expr
) -> list[tuple[float, float, float, float, ExactValues]]:
    """The real solutions of ∇f = λ∇g, g − c = 0 (``g_expr`` is g − c) as
    (x, y, λ, f, exact values). All the symbolic work (solving, evaluating, tidying) is here,
    inside the caller's time limit; module level, because it may run in the helper process."""
    fx, fy = calculus.gradient(f_expr)
    gx, gy = calculus.gradient(g_expr)
    equations = [fx - _LAMBDA * gx, fy - _LAMBDA * gy, g_expr]
    solutions = sp.solve(equations, [X, Y, _LAMBDA], dict=True)
    if len(solutions) > MAX_LAGRANGE_POINTS:
        raise _NotIsolated("too many Lagrange points to list")
    found = []
    for solution in solutions:
        if X not in solution or Y not in solution:
            raise _NotIsolated("the Lagrange points form curves, not isolated points")
        sx, sy = solution[X], solution[Y]
        if sx.free_symbols or sy.free_symbols:
            raise _NotIsolated("the Lagrange points form curves, not isolated points")
        sl = solution.get(_LAMBDA)
        if sl is None:
            # λ is free only where ∇g = 0 and ∇f = 0 together: no single λ to report.
            raise _NotIsolated("∇g vanishes on the curve there, so λ is not determined")
        sl = _simplest(sl.subs({X: sx, Y: sy}))
        x, y, lam = _real(sx), _real(sy), _real(sl)
        if x is None or y is None or lam is None:
            continue  # a complex solution: not a point of the (x, y) floor
        f_exact = _simplest(f_expr.subs({X: sx, Y: sy}))
        f_value = _real(f_exact)
        if f_value is None:
            continue
        found.append((x, y, lam, f_value, ExactValues(sx, sy, f_exact, sl)))
    return found


def _real(value: Any) -> float | None:
    number = complex(sp.N(value, 30))
    if abs(number.imag) > 1e-12 * (1 + abs(number.real)) or not math.isfinite(number.real):
        return None
    return number.real


def _simplest(value: Any) -> Any:
    """``value`` simplified when it is short enough to simplify quickly (f(√2/2, √2/2) = √2)."""
    if sp.count_ops(value) > _SIMPLIFY_OPS:
        return value
    try:
        simplified = sp.simplify(value)
    except Exception:  # a display nicety: the unsimplified value is just as exact
        return value
    return simplified if sp.count_ops(simplified) <= sp.count_ops(value) else value


def _exact_points(
    landscape: Landscape,
    constraint: Constraint,
    solutions: list[tuple[float, float, float, float, ExactValues]],
) -> list[LagrangePoint]:
    return [
        LagrangePoint(x, y, classify_on_curve(landscape, constraint, x, y, lam), f, lam, exact)
        for x, y, lam, f, exact in solutions
    ]


def classify_on_curve(
    landscape: Landscape, constraint: Constraint, x: float, y: float, lam: float
) -> str:
    """What a Lagrange point (x, y) with multiplier ``lam`` is: ``"constrained maximum"``,
    ``"constrained minimum"`` or ``"neither"``, by the along-curve second derivative
    tᵀ(H_f − λH_g)t (= −det(bordered Hessian)/|∇g|²); when that vanishes, by comparing f a
    little way along the curve on both sides."""
    with np.errstate(all="ignore"):
        hf = [float(h) for h in landscape.hessian(x, y)]
        hg = [float(h) for h in constraint.hessian(x, y)]
        gx, gy = (float(v) for v in constraint.gradient(x, y))
        second = _second_along(hf, hg, lam, gx, gy)
    scale = max((abs(v) for v in (*hf, *hg) if math.isfinite(v)), default=1.0)
    kind = _kind_from_second_derivative(second, scale * max(1.0, abs(lam)))
    if kind is not None:
        return kind
    return _classify_by_neighbours(landscape, constraint, x, y, gx, gy)


def _classify_by_neighbours(
    landscape: Landscape, constraint: Constraint, x: float, y: float, gx: float, gy: float
) -> str:
    norm = math.hypot(gx, gy)
    if norm == 0 or not math.isfinite(norm):
        return NEITHER
    tx, ty = -gy / norm, gx / norm
    here = float(landscape.value(x, y))
    size = 1e-3 * max(1.0, math.hypot(x, y))
    px, py = constraint.project(
        np.array([x + size * tx, x - size * tx]), np.array([y + size * ty, y - size * ty])
    )
    values = landscape.value(px, py)
    if not np.isfinite(values).all() or not math.isfinite(here):
        return NEITHER
    tolerance = 1e-12 * max(1.0, abs(here))
    if (values > here + tolerance).all():
        return CONSTRAINED_MINIMUM
    if (values < here - tolerance).all():
        return CONSTRAINED_MAXIMUM
    return NEITHER


def _newton_lagrange(
    landscape: Landscape, constraint: Constraint, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Newton's method on F(x, y, λ) = (f_x − λg_x, f_y − λg_y, g − c) from many starts at once.

    Returns x, y, λ and whether each start settled (NaN rows did not)."""
    with np.errstate(all="ignore"):
        fx, fy = landscape.gradient(x, y)
        gx, gy = constraint.gradient(x, y)
        lam = lambda_estimate(fx, fy, gx, gy)
        step_size = np.full(x.shape, np.inf)
        for _ in range(_NEWTON_STEPS):
            fx, fy = landscape.gradient(x, y)
            r, gx, gy = constraint.residual_and_gradient(x, y)
            fxx, fxy, fyy = landscape.hessian(x, y)
            gxx, gxy, gyy = constraint.hessian(x, y)
            lxx, lxy, lyy = fxx - lam * gxx, fxy - lam * gxy, fyy - lam * gyy
            jacobian = np.stack(
                (
                    np.stack((lxx, lxy, -gx), axis=-1),
                    np.stack((lxy, lyy, -gy), axis=-1),
                    np.stack((gx, gy, np.zeros_like(gx)), axis=-1),
                ),
                axis=-2,
            )
            rhs = np.stack((fx - lam * gx, fy - lam * gy, r), axis=-1)
            ok = np.isfinite(jacobian).all(axis=(-1, -2)) & np.isfinite(rhs).all(axis=-1)
            ok &= np.abs(np.linalg.det(np.where(ok[:, None, None], jacobian, np.eye(3)))) > 1e-300
            safe = np.where(ok[:, None, None], jacobian, np.eye(3))
            delta = np.linalg.solve(safe, np.where(ok[:, None], rhs, 0.0)[..., None])[..., 0]
            x = np.where(ok, x - delta[:, 0], np.nan)
            y = np.where(ok, y - delta[:, 1], np.nan)
            lam = np.where(ok, lam - delta[:, 2], np.nan)
            step_size = np.hypot(delta[:, 0], delta[:, 1])
        fx, fy = landscape.gradient(x, y)
        r, gx, gy = constraint.residual_and_gradient(x, y)
        scale = 1.0 + np.hypot(x, y)
        settled = np.isfinite(x) & np.isfinite(y) & np.isfinite(lam)
        settled &= step_size < 1e-8 * scale
        settled &= np.abs(r) < 1e-8 * (1.0 + np.hypot(gx, gy) * scale)
        settled &= np.hypot(fx - lam * gx, fy - lam * gy) < 1e-7 * (1.0 + np.hypot(fx, fy))
    return x, y, lam, settled


def numerical_lagrange_points(
    landscape: Landscape, constraint: Constraint, resolution: int = DEFAULT_RESOLUTION
) -> list[LagrangePoint]:
    """Lagrange points found on the traced curve: every local extremum of f along a polyline
    (and every sign change of df/ds) starts Newton's method on the Lagrange system."""
    domain = landscape.domain
    starts: list[tuple[float, float]] = []
    for polyline in trace_curve(constraint, domain, resolution):
        profile = along_curve(landscape, constraint, polyline)
        slope = profile.slope
        n = slope.size
        if n < 3:
            continue
        closed = profile.closed
        count = n - 1 if closed else n
        for i in range(count):
            if not closed and (i == 0 or i == n - 1):
                continue
            j = (i + 1) % count if closed else i + 1
            a, b = slope[i], slope[j]
            if not (math.isfinite(a) and math.isfinite(b)):
                continue
            if a == 0 or (a > 0) != (b > 0):
                starts.append((float(profile.x[i]), float(profile.y[i])))
    if not starts:
        return []
    array = np.array(starts, dtype=float)
    x, y, lam, settled = _newton_lagrange(landscape, constraint, array[:, 0], array[:, 1])
    scale = max(domain.width, domain.height)
    points: list[LagrangePoint] = []
    for px, py, pl, ok in zip(x, y, lam, settled, strict=True):
        if not ok or not domain.contains(float(px), float(py)):
            continue
        if any(math.hypot(px - p.x, py - p.y) < 1e-6 * scale for p in points):
            continue
        kind = classify_on_curve(landscape, constraint, float(px), float(py), float(pl))
        value = float(landscape.value(px, py))
        points.append(LagrangePoint(float(px), float(py), kind, value, float(pl)))
        if len(points) >= MAX_LAGRANGE_POINTS:
            break
    return points


def lagrange_points(
    landscape: Landscape,
    constraint: Constraint,
    seconds: float = LAGRANGE_SECONDS,
    resolution: int = DEFAULT_RESOLUTION,
) -> LagrangeResult:
    """The Lagrange points inside the landscape's domain: exact ones (solved within
    ``seconds``), plus numerical ones no exact point accounts for (sympy lists only some
    solutions of periodic systems). Nothing here raises on a hard formula.

    Off the main thread the exact solve runs in the helper process (``core.timebound``); the
    numerical search runs where it is called, like ``Landscape.find_critical_points``: on the
    main thread it too gives up after ``seconds`` (finding nothing), elsewhere the window's
    worker runs it, never the GUI thread.
    """
    import time

    result = LagrangeResult()
    started = time.perf_counter()
    try:
        solutions = timebound.call_with_time_limit(
            _solve_lagrange, (landscape.expression(), constraint.expression()), seconds
        )
        result.points = _exact_points(landscape, constraint, solutions)
        result.exact = True
    except timebound.TimeLimitExceeded:
        result.notes.append(
            f"solving ∇f = λ∇g, g = c exactly took more than {seconds:g} s; "
            "the points shown were found numerically on the curve"
        )
    except _NotIsolated as error:
        result.notes.append(f"no exact Lagrange points: {error}")
    except Exception:  # sympy raises many kinds; each means "not solved"
        result.notes.append(
            "∇f = λ∇g, g = c could not be solved exactly; "
            "the points shown were found numerically on the curve"
        )
    result.seconds = time.perf_counter() - started
    numeric: list[LagrangePoint] = []
    with np.errstate(all="ignore"):
        try:
            if timebound.can_interrupt_here():
                numeric = timebound.call_with_time_limit(
                    numerical_lagrange_points, (landscape, constraint, resolution), seconds
                )
            else:
                numeric = numerical_lagrange_points(landscape, constraint, resolution)
        except timebound.TimeLimitExceeded:
            result.notes.append("the numerical search along the curve took too long")
        except (ArithmeticError, ValueError):
            pass
    domain = landscape.domain
    scale = max(domain.width, domain.height)
    merged = [p for p in result.points if domain.contains(p.x, p.y)]
    for point in numeric:
        if not any(math.hypot(point.x - p.x, point.y - p.y) < 1e-5 * scale for p in merged):
            merged.append(point)
    merged.sort(key=lambda p: (p.x, p.y))
    result.points = merged[:MAX_LAGRANGE_POINTS]
    return result
