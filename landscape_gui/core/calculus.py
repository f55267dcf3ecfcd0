"""Exact calculus on a parsed formula: partials, gradient, Hessian, critical points and their kind.

Differentiation is fast and runs wherever it is needed. Simplifying and solving can take
unbounded time on a hostile or merely unlucky formula, so ``analyse`` runs them under a time
limit (``timebound.call_with_time_limit``) and reports what it could not finish.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from landscape_gui.core.formula import (
    X,
    Y,
    parameter_symbol,
    substitute_bounded,
    to_input_syntax,
)
from landscape_gui.core.timebound import TimeLimitExceeded, call_with_time_limit

MINIMUM, MAXIMUM, SADDLE, DEGENERATE = "minimum", "maximum", "saddle", "degenerate"
MAX_CRITICAL_POINTS = 50


def _clean(derivative: sp.Expr) -> sp.Expr:
    """Make a derivative usable everywhere it exists.

    d/dx floor(x) and d/dx sign(x) are zero wherever they are defined, so the Dirac deltas and
    unevaluated derivatives sympy leaves are dropped; Heaviside steps (from min/max) are written
    with sign() so the result stays in the app's own vocabulary and can be typed back.
    """
    cleaned = derivative.replace(sp.DiracDelta, lambda *args: sp.Integer(0))
    cleaned = cleaned.replace(lambda e: isinstance(e, sp.Derivative), lambda e: sp.Integer(0))
    cleaned = cleaned.replace(sp.Heaviside, lambda u, *rest: (1 + sp.sign(u)) / 2)
    # d|u| of a u sympy cannot prove real (a power with a symbolic exponent) comes out in
    # re, im and arg. Landscape draws f only where it is real, and there u is a positive
    # number (a negative base to a non-whole power is undefined): re u = u, im u = arg u = 0.
    if cleaned.has(sp.re, sp.im, sp.arg, sp.conjugate):
        cleaned = cleaned.replace(sp.re, lambda u: u).replace(sp.conjugate, lambda u: u)
        cleaned = cleaned.replace(sp.im, lambda u: sp.Integer(0))
        cleaned = cleaned.replace(sp.arg, lambda u: sp.Integer(0))
    return cleaned


# Functions that are constant between their jumps: their derivative is 0 wherever it exists.
_STEP_FUNCTIONS = (sp.floor, sp.ceiling, sp.sign)


def _freeze_steps(expr: sp.Expr, pieces: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    """``expr`` with each outermost floor/ceil/sign replaced by a fresh constant symbol.

    Differentiating through them makes sympy build Subs(Derivative(floor(...))) terms that
    cannot be evaluated, and on some nestings it fails outright; held constant, they
    differentiate to what they are wherever the derivative exists: zero.
    """
    if isinstance(expr, _STEP_FUNCTIONS):
        symbol = sp.Dummy("step", real=True)
        pieces[symbol] = expr
        return symbol
    if not expr.args or not expr.has(*_STEP_FUNCTIONS):
        return expr
    return expr.func(*(_freeze_steps(arg, pieces) for arg in expr.args))


def partial(expr: sp.Expr, variable: sp.Symbol) -> sp.Expr:
    """The exact partial derivative: every other letter is held still."""
    pieces: dict[sp.Symbol, sp.Expr] = {}
    frozen = _freeze_steps(expr, pieces)
    derivative = _clean(sp.diff(frozen, variable))
    return derivative.xreplace(pieces) if pieces else derivative


def where_not_differentiable(expr: sp.Expr) -> list[str]:
    """Where f has a jump, corner or cusp, in words: the derivatives shown do not hold there."""
    from landscape_gui.core.formula import to_input_syntax

    places: list[str] = []
    for node in sp.preorder_traversal(expr):
        if not node.free_symbols & {X, Y}:
            continue
        if isinstance(node, (sp.floor, sp.ceiling)):
            place = f"{to_input_syntax(node.args[0])} is a whole number"
        elif isinstance(node, (sp.sign, sp.Abs)) and not node.args[0].has(*_STEP_FUNCTIONS):
            place = f"{to_input_syntax(node.args[0])} = 0"
        elif isinstance(node, (sp.Min, sp.Max)) and len(node.args) == 2:
            a, b = (to_input_syntax(arg) for arg in node.args)
            place = f"{a} = {b}"
        elif node.is_Pow and node.exp.is_Rational and 0 < node.exp < 1:
            base = node.base.args[0] if isinstance(node.base, sp.Abs) else node.base
            place = f"{to_input_syntax(base)} = 0"
        else:
            continue
        if place not in places:
            places.append(place)
    return places


def gradient(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    return partial(expr, X), partial(expr, Y)


def hessian(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(f_xx, f_xy, f_yy): the Hessian is symmetric, so three entries say it all."""
    fx, fy = gradient(expr)
    return partial(fx, X), partial(fx, Y), partial(fy, Y)


def is_at_most_quadratic(expr: sp.Expr) -> bool:
    """Whether f is a polynomial in x and y of total degree 2 or less (its coefficients may
    hold parameters): only then is its Hessian the same everywhere."""
    try:
        return bool(expr.is_polynomial(X, Y)) and sp.Poly(expr, X, Y).total_degree() <= 2
    except sp.PolynomialError:
        return False


def substitute_parameters(expr: sp.Expr, values: Mapping[str, float]) -> sp.Expr:
    """Put numbers in for parameters; floats that are whole or short decimals stay exact.

    Raises FormulaError (a ValueError) when the values make a number too large to work with.
    """
    replacements = {parameter_symbol(name): _exact_number(value) for name, value in values.items()}
    return substitute_bounded(expr, replacements)


def _exact_number(value: float) -> sp.Expr:
    if not math.isfinite(value):
        raise ValueError(f"parameter value {value} is not a finite number")
    return sp.nsimplify(sp.Float(repr(float(value))), rational=True, tolerance=1e-15)


def classify(fxx: float, fxy: float, fyy: float) -> str:
    """The second-derivative test, with a tolerance so rounding does not invent a kind."""
    size = max(abs(fxx), abs(fyy), abs(fxy), 1.0)
    if not math.isfinite(size):
        return DEGENERATE
    # Scaled to at most 1 in size first, so huge curvatures cannot overflow the products.
    fxx, fxy, fyy = fxx / size, fxy / size, fyy / size
    determinant = fxx * fyy - fxy * fxy
    if abs(determinant) <= 1e-9:
        return DEGENERATE
    if determinant < 0:
        return SADDLE
    return MINIMUM if fxx > 0 else MAXIMUM


@dataclass(frozen=True)
class CriticalPoint:
    """A point where the gradient is zero: flat ground, the kind told by the Hessian."""

    x: float
    y: float
    value: float
    kind: str
    exact: tuple[str, str] | None = None  # coordinates in input syntax, when solved exactly

    def as_dict(self) -> dict[str, float | str]:
        return {"x": self.x, "y": self.y, "f": self.value, "kind": self.kind}


@dataclass
class SymbolicAnalysis:
    """What the bounded symbolic work found. Anything it ran out of time for is reported."""

    f: str
    df_dx: str
    df_dy: str
    hessian: tuple[str, str, str]
    latex: dict[str, str] = field(default_factory=dict)  # f, df_dx, df_dy for typesetting
    critical_points: list[CriticalPoint] = field(default_factory=list)
    critical_points_exact: bool = False
    # True when the exact solve is known to list every critical point (grad f polynomial:
    # sympy's solve is complete there), so no numerical search needs to run alongside it.
    critical_points_complete: bool = False
    notes: list[str] = field(default_factory=list)


def tidy(expr: sp.Expr) -> sp.Expr:
    """A display form: the shortest of ``expr``, its expansion and (for a quotient) its
    cancelled form that is still in the app's own vocabulary.

    Not ``simplify``: it tries dozens of rewrites, takes a hundred times longer on a plain
    polynomial, and its first call imports sympy.physics.units (0.2 s), all to shorten
    derivatives that expanding or cancelling already writes as a student would.
    """
    best, size = expr, sp.count_ops(expr)
    candidates = [sp.expand]
    if any(p.exp.is_negative for p in expr.atoms(sp.Pow)):
        candidates.append(sp.cancel)
    for rewrite in candidates:
        candidate = rewrite(expr)
        if candidate == best or not in_vocabulary(candidate):
            continue
        candidate_size = sp.count_ops(candidate)
        if candidate_size < size:
            best, size = candidate, candidate_size
    return best


_VOCABULARY = (
    sp.Add, sp.Mul, sp.Pow, sp.Symbol, sp.Number, sp.NumberSymbol,
    sp.sin, sp.cos, sp.tan, sp.asin, sp.acos, sp.atan, sp.atan2, sp.sinh, sp.cosh, sp.tanh,
    sp.exp, sp.log, sp.Abs, sp.sign, sp.floor, sp.ceiling, sp.Min, sp.Max,
)  # fmt: skip


def in_vocabulary(expr: sp.Expr) -> bool:
    """True when every part of ``expr`` is something the formula parser reads."""
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, _VOCABULARY) or node.is_Dummy:
            return False
        if node.is_Number and not node.is_finite:
            return False
    return True


def _tidy_all(*exprs: sp.Expr) -> tuple[sp.Expr, ...]:
    return tuple(tidy(e) for e in exprs)


def _derivatives(expr: sp.Expr) -> tuple[sp.Expr, ...]:
    return (*gradient(expr), *hessian(expr))


class NotIsolated(ValueError):
    """grad f = 0 has no list of isolated solutions; the message says why, in words."""


def solution_is_complete(expr: sp.Expr) -> bool:
    """True when sympy's solve of grad f = 0 lists every solution: a polynomial system.
    (For sin and its kin it gives the principal solutions only: sin x = 0 at 0 and pi.)"""
    return all(d.is_polynomial(X, Y) for d in gradient(expr))


def solve_critical_points(expr: sp.Expr) -> list[CriticalPoint]:
    """Solve grad f = 0 exactly. Raises ValueError when the solutions are not isolated points."""
    fx, fy = gradient(expr)
    if fx == 0 and fy == 0:
        raise NotIsolated("the landscape is flat: every point is critical")
    solutions = sp.solve([fx, fy], [X, Y], dict=True)
    fxx, fxy, fyy = hessian(expr)
    points = []
    for solution in solutions:
        if X not in solution or Y not in solution:
            raise NotIsolated("the critical points form curves, not isolated points")
        sx, sy = solution[X], solution[Y]
        if sx.free_symbols or sy.free_symbols:
            raise NotIsolated("the critical points form curves, not isolated points")
        x_value, y_value = complex(sx.evalf(30)), complex(sy.evalf(30))
        if abs(x_value.imag) > 1e-12 or abs(y_value.imag) > 1e-12:
            continue
        at = {X: sx, Y: sy}
        hxx, hxy, hyy = (float(sp.re(h.subs(at).evalf(30))) for h in (fxx, fxy, fyy))
        value = complex(expr.subs(at).evalf(30))
        points.append(
            CriticalPoint(
                x=x_value.real,
                y=y_value.real,
                value=value.real,
                kind=classify(hxx, hxy, hyy),
                exact=(to_input_syntax(sp.nsimplify(sx)), to_input_syntax(sp.nsimplify(sy))),
            )
        )
        if len(points) > MAX_CRITICAL_POINTS:
            raise NotIsolated("too many critical points to list")
    points.sort(key=lambda p: (p.x, p.y))
    return points


def _latex(exprs: Iterable[sp.Expr]) -> dict[str, str]:
    try:
        return {name: sp.latex(e) for name, e in zip(("f", "df_dx", "df_dy"), exprs, strict=True)}
    except Exception:  # typesetting is a nicety: without it the plain text still shows
        return {}


def _unanalysed(expr: sp.Expr, note: str) -> SymbolicAnalysis:
    text = to_input_syntax(expr)
    return SymbolicAnalysis(
        f=text, df_dx="?", df_dy="?", hessian=("?", "?", "?"), latex={}, notes=[note]
    )


def analyse(
    expr: sp.Expr, seconds: float = 3.0, solve_expr: sp.Expr | None = None
) -> SymbolicAnalysis:
    """Exact derivatives (tidied) and critical points, each within a share of ``seconds``.

    The derivatives are of ``expr``, which may keep its parameters as letters (∂f/∂x = 2ax
    teaches more than 4x); critical points are of ``solve_expr`` (default ``expr``), which
    must have numbers in for the parameters, because where they lie depends on them.
    Whatever does not finish in time is left as-is (raw derivatives, no exact critical points)
    and a note says so; callers then fall back to numerical critical points. The shares are
    half for differentiating (it almost always takes milliseconds), a quarter for tidying and
    half for solving: at most 1.25 × ``seconds`` in all. Nothing here raises.
    """
    analysis = analyse_derivatives(expr, seconds)
    if analysis.df_dx == "?":
        return analysis
    add_exact_critical_points(analysis, expr if solve_expr is None else solve_expr, seconds / 2)
    return analysis


def _bounded(function: Callable[..., Any], args: tuple[Any, ...], seconds: float | None) -> Any:
    return function(*args) if seconds is None else call_with_time_limit(function, args, seconds)


def analyse_derivatives(expr: sp.Expr, seconds: float | None = 3.0) -> SymbolicAnalysis:
    """The first part of ``analyse``: the derivatives, tidied, and where they do not hold.

    Milliseconds for a formula a student types, so the window shows (and typesets) them at
    once instead of waiting behind the exact solve, which can take its whole time limit.
    ``seconds`` None runs without a time limit: only for a formula the parser knows to be
    cheap (``formula.looks_expensive``), where a limit would cost more than the work.
    """
    notes: list[str] = []
    try:
        derivatives = _bounded(_derivatives, (expr,), None if seconds is None else seconds / 2)
    except TimeLimitExceeded:
        return _unanalysed(expr, "working out the derivatives took too long")
    except Exception:  # sympy raises many kinds; each means "could not differentiate"
        return _unanalysed(expr, "the derivatives of this formula cannot be worked out")
    try:
        # Only the gradient is shown; the Hessian is listed as computed (tidying it was
        # most of the tidying time, for text nothing draws).
        tidied = _bounded(_tidy_all, derivatives[:2], None if seconds is None else seconds / 4)
    except TimeLimitExceeded:
        tidied = derivatives[:2]
        notes.append("simplifying took too long; derivatives are shown as computed")
    except Exception:
        tidied = derivatives[:2]
    analysis = SymbolicAnalysis(
        f=to_input_syntax(expr),
        df_dx=to_input_syntax(tidied[0]),
        df_dy=to_input_syntax(tidied[1]),
        hessian=tuple(to_input_syntax(h) for h in derivatives[2:]),  # type: ignore[arg-type]
        # f is typeset as typed (cos(2πx) stays cos(2πx), 0.26 stays 0.26); only the
        # derivatives, which sympy wrote, are tidied.
        latex=_latex((expr, *tidied)),
    )
    places = where_not_differentiable(expr)
    if places:
        shown = places[:3] + (["…"] if len(places) > 3 else [])
        notes.append(
            "the derivatives shown do not hold where "
            + ", or where ".join(shown)
            + " (f has a jump, corner or cusp there)"
        )
    analysis.notes = notes
    return analysis


@dataclass(frozen=True)
class ExactCriticalPoints:
    """What solving grad f = 0 exactly found: the points, whether it was solved at all and
    whether the list is complete, and a note when it was not solved."""

    points: list[CriticalPoint]
    exact: bool
    complete: bool
    note: str | None = None


def exact_critical_points(solve_expr: sp.Expr, seconds: float) -> ExactCriticalPoints:
    """The second, slow part of ``analyse``: solve grad f = 0 within ``seconds``. Never raises."""
    try:
        points = call_with_time_limit(solve_critical_points, (solve_expr,), seconds)
    except TimeLimitExceeded:
        return ExactCriticalPoints([], False, False, "solving grad f = 0 exactly took too long")
    except NotIsolated as error:  # the reasons solve_critical_points gives, in words
        return ExactCriticalPoints([], False, False, f"no exact critical points: {error}")
    except Exception:  # sympy raises many kinds; each means "not solved"
        note = "no exact critical points: grad f = 0 could not be solved exactly"
        return ExactCriticalPoints([], False, False, note)
    try:
        complete = solution_is_complete(solve_expr)
    except Exception:
        complete = False
    return ExactCriticalPoints(points, True, complete)


def add_exact_critical_points(
    analysis: SymbolicAnalysis, solve_expr: sp.Expr, seconds: float
) -> None:
    """Put what ``exact_critical_points`` finds into ``analysis``."""
    found = exact_critical_points(solve_expr, seconds)
    analysis.critical_points = found.points
    analysis.critical_points_exact = found.exact
    analysis.critical_points_complete = found.complete
    if found.note:
        analysis.notes.append(found.note)
