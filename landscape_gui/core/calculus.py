"""Exact calculus on a parsed formula: partials, gradient, Hessian, critical points and their kind.

Differentiation is fast and runs wherever it is needed. Simplifying and solving can take
unbounded time on a hostile or merely unlucky formula, so ``analyse`` runs them under a time
limit (``timebound.call_with_time_limit``) and reports what it could not finish.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp

from landscape_gui.core.formula import X, Y, parameter_symbol, to_input_syntax
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
    return cleaned


def partial(expr: sp.Expr, variable: sp.Symbol) -> sp.Expr:
    """The exact partial derivative: every other letter is held still."""
    return _clean(sp.diff(expr, variable))


def gradient(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    return partial(expr, X), partial(expr, Y)


def hessian(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(f_xx, f_xy, f_yy): the Hessian is symmetric, so three entries say it all."""
    fx, fy = gradient(expr)
    return partial(fx, X), partial(fx, Y), partial(fy, Y)


def substitute_parameters(expr: sp.Expr, values: Mapping[str, float]) -> sp.Expr:
    """Put numbers in for parameters; floats that are whole or short decimals stay exact."""
    replacements = {parameter_symbol(name): _exact_number(value) for name, value in values.items()}
    return expr.subs(replacements) if replacements else expr


def _exact_number(value: float) -> sp.Expr:
    if not math.isfinite(value):
        raise ValueError(f"parameter value {value} is not a finite number")
    return sp.nsimplify(sp.Float(repr(float(value))), rational=True, tolerance=1e-15)


def classify(fxx: float, fxy: float, fyy: float) -> str:
    """The second-derivative test, with a tolerance so rounding does not invent a kind."""
    determinant = fxx * fyy - fxy * fxy
    scale = max(abs(fxx), abs(fyy), abs(fxy), 1.0) ** 2
    if not math.isfinite(determinant):
        return DEGENERATE
    if abs(determinant) <= 1e-9 * scale:
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

    def as_dict(self) -> dict:
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
    notes: list[str] = field(default_factory=list)


def tidy(expr: sp.Expr) -> sp.Expr:
    """A display form: simplify, but only keep it when it is actually shorter."""
    simplified = sp.simplify(expr)
    return simplified if sp.count_ops(simplified) <= sp.count_ops(expr) else expr


def _tidy_all(*exprs: sp.Expr) -> tuple[sp.Expr, ...]:
    return tuple(tidy(e) for e in exprs)


def solve_critical_points(expr: sp.Expr) -> list[CriticalPoint]:
    """Solve grad f = 0 exactly. Raises ValueError when the solutions are not isolated points."""
    fx, fy = gradient(expr)
    if fx == 0 and fy == 0:
        raise ValueError("the landscape is flat: every point is critical")
    solutions = sp.solve([fx, fy], [X, Y], dict=True)
    fxx, fxy, fyy = hessian(expr)
    points = []
    for solution in solutions:
        if X not in solution or Y not in solution:
            raise ValueError("the critical points form curves, not isolated points")
        sx, sy = solution[X], solution[Y]
        if sx.free_symbols or sy.free_symbols:
            raise ValueError("the critical points form curves, not isolated points")
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
            raise ValueError("too many critical points to list")
    points.sort(key=lambda p: (p.x, p.y))
    return points


def analyse(
    expr: sp.Expr, seconds: float = 3.0, solve_expr: sp.Expr | None = None
) -> SymbolicAnalysis:
    """Exact derivatives (tidied) and critical points, each within a share of ``seconds``.

    The derivatives are of ``expr``, which may keep its parameters as letters (∂f/∂x = 2ax
    teaches more than 4x); critical points are of ``solve_expr`` (default ``expr``), which
    must have numbers in for the parameters, because where they lie depends on them.
    Whatever does not finish in time is left as-is (raw derivatives, no exact critical points)
    and a note says so; callers then fall back to numerical critical points.
    """
    fx, fy = gradient(expr)
    hxx, hxy, hyy = hessian(expr)
    notes: list[str] = []
    try:
        tidied = call_with_time_limit(_tidy_all, (expr, fx, fy, hxx, hxy, hyy), seconds / 2)
    except TimeLimitExceeded:
        tidied = (expr, fx, fy, hxx, hxy, hyy)
        notes.append("simplifying took too long; derivatives are shown as computed")
    analysis = SymbolicAnalysis(
        f=to_input_syntax(tidied[0]),
        df_dx=to_input_syntax(tidied[1]),
        df_dy=to_input_syntax(tidied[2]),
        hessian=tuple(to_input_syntax(h) for h in tidied[3:]),
        # f is typeset as typed (cos(2πx) stays cos(2πx), 0.26 stays 0.26); only the
        # derivatives, which sympy wrote, are tidied.
        latex={
            name: sp.latex(e)
            for name, e in zip(("f", "df_dx", "df_dy"), (expr, *tidied[1:3]), strict=True)
        },
    )
    try:
        analysis.critical_points = call_with_time_limit(
            solve_critical_points, (expr if solve_expr is None else solve_expr,), seconds / 2
        )
        analysis.critical_points_exact = True
    except TimeLimitExceeded:
        notes.append("solving grad f = 0 exactly took too long")
    except Exception as error:  # sympy raises many kinds; each means "not solved"
        notes.append(f"no exact critical points: {error}")
    analysis.notes = notes
    return analysis
