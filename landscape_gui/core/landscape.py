"""A compiled landscape: f, grad f and the Hessian as fast numpy functions over a domain.

Compiling (differentiating and lambdifying) happens once per formula; parameters stay symbolic
arguments of the compiled functions, so moving a parameter slider costs nothing but new numbers.
Every numeric result is a float array in which undefined points (poles, log of negatives,
overflow, complex values) are NaN, and no numpy warning escapes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy
import numpy as np
import numpy.typing as npt
import sympy as sp

# sympy imports sympy.tensor.tensor on its first sum and sympy.codegen.ast on its first
# lambdify. Imported here, with this module, they load before Qt when the window starts
# (PySide6 inspects the source of every module imported after it, its "feature" hook,
# which made them cost half as much again on the way to the first frame).
import sympy.codegen.ast  # noqa: F401
import sympy.tensor.tensor  # noqa: F401
from sympy.printing.numpy import NumPyPrinter

from landscape_gui.core import calculus, timebound
from landscape_gui.core.domain import Domain, resolve_parameter_values
from landscape_gui.core.formula import (
    Formula,
    FormulaError,
    X,
    Y,
    looks_expensive,
    parameter_symbol,
    parse_formula,
)
from landscape_gui.core.limits import DEFAULT_PARAMETER_VALUE, DEFAULT_RESOLUTION
from landscape_gui.core.pacing import give_way


def _undefined(expr: sp.Expr) -> bool:
    return bool(expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo))


# Everything a new formula costs before it is drawn (differentiate, lambdify, a first sample)
# must finish within this many seconds, or the formula is refused with a sentence.
COMPILE_SECONDS = 5.0
# A first sample on this many points per axis stands for the drawing's cost.
TRIAL_RESOLUTION = 64
# The numerical search for critical points gives up (finding none) after this long.
CRITICAL_POINT_SECONDS = 3.0
# Heights and slopes beyond this size count as overflow (undefined, NaN): finite floats near
# the top of the range overflow again in the next subtraction or square, inside numpy, the
# contour tracer, pyqtgraph's range padding or the GL mesh.
VALUE_LIMIT = 1e300


_FLOAT = np.dtype(float)


def _finite_or_nan(values: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Broadcast a lambdified result to ``shape`` as floats, NaN where it is not a real number.

    A float array of the right shape that owns its memory (``base is None``: not a view of
    anything) is returned as it is, masked in place if needed, because copying it was most of
    the cost of a one-start descent step. ``CompiledFormula._call`` copies results that are its
    inputs or repeat each other, so no caller receives an array it already holds.
    """
    if (
        type(values) is np.ndarray
        and values.dtype is _FLOAT
        and values.shape == shape
        and values.base is None
    ):
        # The common case: one size check (False for NaN too), no copy.
        if values.size == 1:
            finite = -VALUE_LIMIT <= values.item() <= VALUE_LIMIT
        else:
            finite = bool((np.abs(values) <= VALUE_LIMIT).all())
        if not finite:
            values[~(np.abs(values) <= VALUE_LIMIT)] = np.nan
        return values
    array = np.asarray(values)
    if np.iscomplexobj(array):
        with np.errstate(all="ignore"):
            real = np.abs(array.imag) <= 1e-12 * (1 + np.abs(array.real))
        array = np.where(real, array.real, np.nan)
    try:
        array = np.array(np.broadcast_to(array, shape), dtype=float)
    except (TypeError, ValueError, OverflowError):  # an object array of huge Python ints
        return np.full(shape, np.nan)
    array[~(np.abs(array) <= VALUE_LIMIT)] = np.nan
    return array


@dataclass(frozen=True)
class GridSample:
    """f and its partials sampled on a grid; arrays have shape (len(xs), len(ys)), indexing 'ij'."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    df_dx: np.ndarray
    df_dy: np.ndarray


@dataclass(frozen=True)
class PointReadout:
    """Everything the readout shows at one point."""

    x: float
    y: float
    f: float
    df_dx: float
    df_dy: float

    @property
    def grad_norm(self) -> float:
        return math.hypot(self.df_dx, self.df_dy)

    @property
    def ascent_direction(self) -> tuple[float, float] | None:
        """The unit vector of steepest ascent, or None on flat ground (or where undefined)."""
        norm = self.grad_norm
        if not math.isfinite(norm) or norm == 0:
            return None
        return (self.df_dx / norm, self.df_dy / norm)

    def directional_derivative(self, angle: float | np.ndarray) -> float | np.ndarray:
        """D_u f = grad f · u for the unit vector u at ``angle`` radians from the x-axis (a
        float, or an array of angles for the whole fan of slopes)."""
        return self.df_dx * np.cos(angle) + self.df_dy * np.sin(angle)


# The generated code calls numpy.sin, functools.reduce(numpy.minimum, ...) and so on through
# these names only. Passing them, with the printer, instead of modules="numpy" skips lambdify's
# `from numpy import *`, which imports every numpy submodule (numpy.testing, numpy.f2py, ...):
# about 0.14 s of start-up, and a larger frozen app.
_NAMESPACE = {"numpy": numpy, "functools": functools}


def _lambdify(arguments: Sequence[Any], expressions: Any) -> Callable[..., Any]:
    printer = NumPyPrinter({"fully_qualified_modules": True, "inline": True})
    function: Callable[..., Any] = sp.lambdify(
        arguments, expressions, modules=[_NAMESPACE], printer=printer, cse=True
    )
    return function


def _too_expensive(seconds: float) -> FormulaError:
    return FormulaError(
        "this formula is too expensive to draw: working out its derivatives and a first "
        f"picture takes more than {seconds:g} seconds; try a shorter or simpler formula"
    )


def _trial_compile(formula: Formula) -> None:
    """What the window does with a new formula before it shows it (build, sample the grid,
    search for critical points), run in the helper process so that its cost is measured
    where it can be stopped."""
    landscape = Landscape(CompiledFormula(formula, seconds=None))
    landscape.sample(DEFAULT_RESOLUTION)
    landscape.find_critical_points()


class CompiledFormula:
    """A formula with its exact derivatives, lambdified once for numpy.

    Lambdify happens here, on the thread that builds the object; the functions it makes are then
    only called (from any thread), never rebuilt.

    Building is bounded by ``seconds`` (``None``: unbounded): on the main thread a timer stops
    it in place; on any other thread (the window's compile worker) a helper process first tries
    the same work and is killed when time is up, and only a formula that passed is built here.
    A formula that runs out of time, or that sympy cannot differentiate or turn into numpy
    code, raises FormulaError with one sentence.
    """

    def __init__(self, formula: Formula, seconds: float | None = COMPILE_SECONDS):
        if seconds is None or (
            not timebound.can_interrupt_here() and not looks_expensive(formula.expr)
        ):
            # Unbounded when asked, and for a formula the parser knows to be cheap: a trial
            # in a helper process (starting Python and sympy there, then compiling twice)
            # would cost a second for what takes milliseconds here.
            self._build_checked(formula)
            return
        try:
            if timebound.can_interrupt_here():
                timebound.call_with_time_limit(self._build_checked, (formula,), seconds)
                return
            timebound.call_with_time_limit(_trial_compile, (formula,), seconds, helper="compile")
        except timebound.TimeLimitExceeded:
            raise _too_expensive(seconds) from None
        self._build_checked(formula)

    def _build_checked(self, formula: Formula) -> None:
        try:
            self._build(formula)
            # A first sample: what the window does next, so its cost counts in the budget.
            grid = np.linspace(-5.0, 5.0, TRIAL_RESOLUTION)
            grid_x, grid_y = np.meshgrid(grid, grid, indexing="ij")
            arguments = [DEFAULT_PARAMETER_VALUE] * len(self.parameters)
            self.value_and_gradient(grid_x, grid_y, arguments)
            self.hessian(grid_x[:15, :15], grid_y[:15, :15], arguments)
        except FormulaError:
            raise
        except RecursionError:
            raise FormulaError(
                "this formula is nested too deeply to work out its derivatives"
            ) from None
        except Exception:  # sympy and lambdify raise many kinds; each means "cannot compile"
            raise FormulaError(
                "the derivatives of this formula cannot be worked out; try writing it differently"
            ) from None

    def _build(self, formula: Formula) -> None:
        self.formula = formula
        self.parameters = formula.parameters
        expr = formula.expr
        # Between the steps, a worker gives way to a window painting (core.pacing).
        give_way()
        self.df_dx_expr, self.df_dy_expr = calculus.gradient(expr)
        give_way()
        self.hessian_exprs = calculus.hessian(expr)
        if any(_undefined(e) for e in (self.df_dx_expr, self.df_dy_expr)):
            raise FormulaError("the slope of this formula is undefined everywhere")
        arguments = (X, Y, *[parameter_symbol(name) for name in self.parameters])
        give_way()
        self._value = _lambdify(arguments, expr)
        give_way()
        self._gradient = _lambdify(arguments, [self.df_dx_expr, self.df_dy_expr])
        give_way()
        self._hessian = _lambdify(arguments, list(self.hessian_exprs))
        give_way()
        # f and grad f in one call, sharing common subexpressions: the descent hot path.
        self._value_and_gradient = _lambdify(arguments, [expr, self.df_dx_expr, self.df_dy_expr])

    @classmethod
    def from_text(cls, text: str) -> CompiledFormula:
        return cls(parse_formula(text))

    def _call(
        self,
        function: Callable[..., Any],
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        parameter_values: Sequence[float],
    ) -> tuple[tuple[int, ...], Any]:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        shape = x.shape if x.shape == y.shape else np.broadcast_shapes(x.shape, y.shape)
        with np.errstate(all="ignore"):
            try:
                result = function(x, y, *parameter_values)
            except Exception:
                # Constant sub-expressions can raise in plain Python arithmetic (overflow,
                # division by zero, huge integers): whatever fails is undefined, never a crash.
                return shape, None
        # _finite_or_nan may hand back or mask an array in place, so no result may be one of
        # the inputs (f = x returns x itself) or appear twice (cse: df/dx = df/dy = 2x + 2y).
        if isinstance(result, (list, tuple)):
            result = list(result)
            taken = {id(x), id(y)}  # every object counted here stays alive: ids are unique
            for index, item in enumerate(result):
                if id(item) in taken:
                    result[index] = item = np.array(item)
                taken.add(id(item))
        elif result is x or result is y:
            result = np.array(result)
        return shape, result

    def value(
        self, x: npt.ArrayLike, y: npt.ArrayLike, parameter_values: Sequence[float] = ()
    ) -> np.ndarray:
        shape, result = self._call(self._value, x, y, parameter_values)
        return _finite_or_nan(np.nan if result is None else result, shape)

    def gradient(
        self, x: npt.ArrayLike, y: npt.ArrayLike, parameter_values: Sequence[float] = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        shape, result = self._call(self._gradient, x, y, parameter_values)
        if result is None:
            result = (np.nan, np.nan)
        return _finite_or_nan(result[0], shape), _finite_or_nan(result[1], shape)

    def value_and_gradient(
        self, x: npt.ArrayLike, y: npt.ArrayLike, parameter_values: Sequence[float] = ()
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        shape, result = self._call(self._value_and_gradient, x, y, parameter_values)
        if result is None:
            result = (np.nan, np.nan, np.nan)
        first, second, third = (_finite_or_nan(r, shape) for r in result)
        return first, second, third

    def hessian(
        self, x: npt.ArrayLike, y: npt.ArrayLike, parameter_values: Sequence[float] = ()
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        shape, result = self._call(self._hessian, x, y, parameter_values)
        if result is None:
            result = (np.nan, np.nan, np.nan)
        first, second, third = (_finite_or_nan(r, shape) for r in result)
        return first, second, third


@dataclass
class Landscape:
    """A compiled formula with numbers for its parameters, over a domain.

    It satisfies the descent code's landscape protocol: ``value``, ``gradient``, ``hessian``,
    elementwise on float arrays.
    """

    compiled: CompiledFormula
    parameter_values: dict[str, float] = field(default_factory=dict)
    domain: Domain = field(default_factory=Domain)

    def __post_init__(self) -> None:
        values = resolve_parameter_values(self.compiled.parameters, self.parameter_values)
        self.parameter_values = values
        self._arguments = tuple(values[name] for name in self.compiled.parameters)
        # Put in now, under the parser's bounds, so that values that make a number too large
        # (a^a^a with a = 1000) are refused here with a sentence, not hung on later.
        self._expression = calculus.substitute_parameters(self.compiled.formula.expr, values)

    @classmethod
    def from_text(
        cls,
        text: str,
        parameter_values: Mapping[str, float] | None = None,
        domain: Domain | None = None,
    ) -> Landscape:
        return cls(
            CompiledFormula.from_text(text), dict(parameter_values or {}), domain or Domain()
        )

    @property
    def formula(self) -> Formula:
        return self.compiled.formula

    def expression(self) -> sp.Expr:
        """f with the parameters' current values put in (for exact analysis and display)."""
        return self._expression

    def value(self, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        return self.compiled.value(x, y, self._arguments)

    def gradient(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        return self.compiled.gradient(x, y, self._arguments)

    def hessian(
        self, x: npt.ArrayLike, y: npt.ArrayLike
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.compiled.hessian(x, y, self._arguments)

    def value_and_gradient(
        self, x: npt.ArrayLike, y: npt.ArrayLike
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(f, df/dx, df/dy) in one call: what a descent step needs, computed once."""
        return self.compiled.value_and_gradient(x, y, self._arguments)

    def at(self, x: float, y: float) -> PointReadout:
        f = float(self.value(x, y))
        gx, gy = self.gradient(x, y)
        return PointReadout(float(x), float(y), f, float(gx), float(gy))

    def sample(self, resolution: int = DEFAULT_RESOLUTION) -> GridSample:
        """f and its partials on a resolution × resolution grid over the domain."""
        if not 2 <= resolution <= 2000:
            raise ValueError("the grid resolution must be between 2 and 2000")
        d = self.domain
        xs = np.linspace(d.x_min, d.x_max, resolution)
        ys = np.linspace(d.y_min, d.y_max, resolution)
        grid_x, grid_y = np.meshgrid(xs, ys, indexing="ij")
        gx, gy = self.gradient(grid_x, grid_y)
        return GridSample(xs, ys, self.value(grid_x, grid_y), gx, gy)

    def find_critical_points(self, starts_per_axis: int = 15) -> list[calculus.CriticalPoint]:
        """Critical points inside the domain, found numerically by Newton's method on grad f = 0.

        Works for any formula (periodic ones like Rastrigin have too many for sympy to list),
        started from a grid of points so that every basin of Newton's method gets a start.
        Numbers that overflow only lose those starts: this never raises or warns. On the main
        thread it gives up after ``CRITICAL_POINT_SECONDS`` (elsewhere the formula's compile
        budget has already measured it).
        """
        with np.errstate(all="ignore"):
            try:
                if timebound.can_interrupt_here():
                    points: list[calculus.CriticalPoint] = timebound.call_with_time_limit(
                        self._find_critical_points, (starts_per_axis,), CRITICAL_POINT_SECONDS
                    )
                    return points
                return self._find_critical_points(starts_per_axis)
            except (ArithmeticError, ValueError, timebound.TimeLimitExceeded):
                return []

    def _find_critical_points(self, starts_per_axis: int) -> list[calculus.CriticalPoint]:
        d = self.domain
        grid_x, grid_y = np.meshgrid(
            np.linspace(d.x_min, d.x_max, starts_per_axis),
            np.linspace(d.y_min, d.y_max, starts_per_axis),
            indexing="ij",
        )
        x, y = grid_x.ravel().copy(), grid_y.ravel().copy()
        for _ in range(60):
            give_way()
            gx, gy = self.gradient(x, y)
            hxx, hxy, hyy = self.hessian(x, y)
            with np.errstate(all="ignore"):  # huge curvatures overflow: those starts drop out
                det = hxx * hyy - hxy * hxy
                step_x = (hyy * gx - hxy * gy) / det
                step_y = (hxx * gy - hxy * gx) / det
            ok = np.isfinite(step_x) & np.isfinite(step_y)
            x = np.where(ok, x - step_x, np.nan)
            y = np.where(ok, y - step_y, np.nan)
        gx, gy = self.gradient(x, y)
        scale = max(d.width, d.height)
        # A tiny gradient alone is not enough: on a very flat bottom (x^100) Newton is still
        # creeping, and every creeping start would be listed as its own critical point.
        settled = np.hypot(step_x, step_y) < 1e-7 * scale
        found = np.isfinite(x) & np.isfinite(y) & settled
        found &= np.hypot(gx, gy) < 1e-8 * max(1.0, scale)
        found &= (x >= d.x_min) & (x <= d.x_max) & (y >= d.y_min) & (y <= d.y_max)
        points: list[calculus.CriticalPoint] = []
        for px, py in zip(x[found], y[found], strict=True):
            if any(math.hypot(px - p.x, py - p.y) < 1e-6 * scale for p in points):
                continue
            fxx, fxy, fyy = (float(h) for h in self.hessian(px, py))
            kind = calculus.classify(fxx, fxy, fyy)
            points.append(
                calculus.CriticalPoint(float(px), float(py), float(self.value(px, py)), kind)
            )
        # All of them: which to mark when there are many is the caller's choice
        # (marked_critical_points), never a cut in the order the starts happened to run.
        points.sort(key=lambda p: (p.x, p.y))
        return points


def merge_critical_points(
    numeric: list[calculus.CriticalPoint],
    exact: list[calculus.CriticalPoint],
    domain: Domain,
) -> list[calculus.CriticalPoint]:
    """Exact points inside the domain, plus numerical ones no exact point accounts for."""
    scale = max(domain.width, domain.height)
    merged = [p for p in exact if domain.contains(p.x, p.y)]
    for point in numeric:
        if not any(math.hypot(point.x - p.x, point.y - p.y) < 1e-5 * scale for p in merged):
            merged.append(point)
    merged.sort(key=lambda p: (p.x, p.y))
    return merged


def marked_critical_points(
    points: list[calculus.CriticalPoint],
    probe: tuple[float, float],
    limit: int = calculus.MAX_CRITICAL_POINTS,
) -> list[calculus.CriticalPoint]:
    """The critical points worth marking when there are more than ``limit``: the lowest
    minimum and the highest maximum always (the global ones a lesson asks about), then the
    rest nearest the probe first. All of them, nearest first, when they fit."""
    px, py = probe
    by_distance = sorted(points, key=lambda p: (math.hypot(p.x - px, p.y - py), p.x, p.y))
    if len(points) <= limit:
        return by_distance
    first: list[calculus.CriticalPoint] = []
    minima = [p for p in points if p.kind == "minimum"]
    maxima = [p for p in points if p.kind == "maximum"]
    if minima:
        first.append(min(minima, key=lambda p: p.value))
    if maxima:
        first.append(max(maxima, key=lambda p: p.value))
    rest = [p for p in by_distance if p not in first]
    return (first + rest)[:limit]


def _percentiles(values: np.ndarray, ranks: tuple[float, float]) -> tuple[float, float]:
    """np.percentile's default (linear) for two ranks, without it: in numpy 2.4 it goes
    through np.unique, whose first call imports numpy.ma (70 ms on the way to the first
    frame)."""
    ordered = np.sort(values, axis=None)
    found = []
    for rank in ranks:
        where = rank / 100 * (ordered.size - 1)
        below = math.floor(where)
        above = min(below + 1, ordered.size - 1)
        low, high = float(ordered[below]), float(ordered[above])
        found.append(low + (high - low) * (where - below) if high != low else low)
    return found[0], found[1]


def height_limits(z: np.ndarray) -> tuple[float, float]:
    """Heights to map onto the colour scale and the 3D box: robust to poles and overflow.

    The 1st-99th percentiles of the finite heights keep a pole (1/x) from squashing the rest
    of the landscape into a flat sheet; an all-equal landscape gets a small band around it.
    """
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return (-1.0, 1.0)
    low, high = _percentiles(finite, (1.0, 99.0))
    full_low, full_high = float(finite.min()), float(finite.max())
    # Keep the true extremes unless they are far outliers (a pole), so minima stay visible.
    span = max(high - low, 1e-12)
    if full_low >= low - 0.5 * span:
        low = full_low
    if full_high <= high + 0.5 * span:
        high = full_high
    if high - low <= 1e-12 * max(1.0, abs(high)):
        pad = max(1.0, abs(high)) * 0.5
        return (low - pad, high + pad)
    return (low, high)


def contour_levels(limits: tuple[float, float], count: int = 20) -> np.ndarray:
    """About ``count`` evenly spaced levels at round numbers inside the limits."""
    low, high = limits
    raw_step = (high - low) / max(count, 1)
    if not (math.isfinite(raw_step) and raw_step > 0):
        return np.empty(0)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    first = math.ceil(low / step) * step
    levels = np.arange(first, high, step)
    return levels[(levels > low) & (levels < high)]
