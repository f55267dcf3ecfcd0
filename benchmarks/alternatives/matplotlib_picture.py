"""The picture a user would make without Landscape: a sympy + matplotlib script.

    python benchmarks/alternatives/matplotlib_picture.py OUT.png [FORMULA] [LIMIT]

Same job as ``landscape screenshot -f "sin(x)cos(y) + 0.1(x^2 + y^2)" --x-range -3 3
--y-range -3 3``: parse the formula, take both partial derivatives, sample a 200 x 200 grid,
draw a 3D surface, filled contours and contour lines, put f and its derivatives in the title,
and save a 1600 x 1000 pixel PNG (the screenshot's default size) with the Agg backend.
benchmarks/run.py runs it in a new process and times it from start to PNG written.
"""

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402
from sympy.parsing.sympy_parser import (  # noqa: E402
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

DEFAULT_FORMULA = "sin(x)cos(y) + 0.1(x^2 + y^2)"


def main() -> None:
    output = sys.argv[1]
    text = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_FORMULA
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    x, y = sp.symbols("x y", real=True)
    transformations = standard_transformations + (
        implicit_multiplication_application,
        convert_xor,
    )
    f = parse_expr(text, local_dict={"x": x, "y": y}, transformations=transformations)
    fx, fy = sp.diff(f, x), sp.diff(f, y)
    f_numeric = sp.lambdify((x, y), f, modules="numpy")

    grid = np.linspace(-limit, limit, 200)
    gx, gy = np.meshgrid(grid, grid, indexing="ij")
    z = np.broadcast_to(f_numeric(gx, gy), gx.shape)

    figure = plt.figure(figsize=(16, 10), dpi=100)
    surface = figure.add_subplot(1, 2, 1, projection="3d")
    surface.plot_surface(gx, gy, z, cmap="viridis", linewidth=0, antialiased=False)
    surface.set_xlabel("x")
    surface.set_ylabel("y")
    surface.set_zlabel("z")
    contours = figure.add_subplot(1, 2, 2)
    filled = contours.contourf(gx, gy, z, levels=20, cmap="viridis")
    contours.contour(gx, gy, z, levels=20, colors="k", linewidths=0.5)
    contours.set_aspect("equal")
    contours.set_xlabel("x")
    contours.set_ylabel("y")
    figure.colorbar(filled, ax=contours)
    figure.suptitle(
        f"$f = {sp.latex(f)}$\n"
        f"$\\partial f/\\partial x = {sp.latex(fx)}$,  "
        f"$\\partial f/\\partial y = {sp.latex(fy)}$"
    )
    figure.savefig(output)


if __name__ == "__main__":
    main()
