"""What a user would run instead of ``landscape info``: a plain sympy script.

    python benchmarks/alternatives/sympy_info.py [FORMULA]

Parse the formula (same spelling as Landscape: ``x^2 + 3xy + y^2``), take both partial
derivatives, solve grad f = 0 and say what kind each critical point is (from the Hessian),
then print it all. benchmarks/run.py runs it in a new process, as a user would.
"""

import sys

import sympy as sp
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

DEFAULT_FORMULA = "x^2 + 3xy + y^2"


def kind(fxx, fxy, fyy) -> str:
    determinant = fxx * fyy - fxy**2
    if determinant > 0:
        return "minimum" if fxx > 0 else "maximum"
    if determinant < 0:
        return "saddle"
    return "degenerate"


def main() -> None:
    text = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_FORMULA
    x, y = sp.symbols("x y")
    transformations = standard_transformations + (
        implicit_multiplication_application,
        convert_xor,
    )
    f = parse_expr(text, local_dict={"x": x, "y": y}, transformations=transformations)
    fx, fy = sp.diff(f, x), sp.diff(f, y)
    print(f"f(x, y) = {f}")
    print(f"df/dx = {fx}")
    print(f"df/dy = {fy}")
    for point in sp.solve([fx, fy], [x, y], dict=True):
        at = {x: point[x], y: point[y]}
        second = [sp.diff(f, a, b).subs(at) for a, b in ((x, x), (x, y), (y, y))]
        print(f"critical point ({point[x]}, {point[y]}): {kind(*second)}, f = {f.subs(at)}")


if __name__ == "__main__":
    main()
