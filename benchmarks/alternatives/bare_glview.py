"""The least a Qt program can do to show the same surface: a bare pyqtgraph GLViewWidget.

    python benchmarks/alternatives/bare_glview.py frame          # print wall time of 1st frame
    python benchmarks/alternatives/bare_glview.py png OUT.png    # grab the frame to a PNG
    python benchmarks/alternatives/bare_glview.py png+sympy OUT.png  # sympy's partials first

One 200 x 200 GLSurfacePlotItem of sin(x)cos(y) + 0.1(x^2 + y^2) on [-3, 3]^2 (coloured by
height, viridis), in a 1600 x 1000 window (Landscape's default window size). ``frame`` prints, as
JSON, the wall-clock time (``time.time()``) of the first ``frameSwapped``, so benchmarks/run.py
can measure from the moment it started the process, as it does for the real window; ``png``
grabs the framebuffer and writes it, for comparison with the matplotlib script; ``png+sympy``
first imports sympy and takes the formula's two partial derivatives, as any program that
does its own symbolic work in its own process must (the matplotlib script does too). Needs
a display (Xvfb with GLX on a headless machine).
"""

import json
import sys
import time


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "frame"
    if mode == "png+sympy":
        import sympy as sp

        x, y = sp.symbols("x y", real=True)
        f = sp.sin(x) * sp.cos(y) + sp.Rational(1, 10) * (x**2 + y**2)
        sp.diff(f, x), sp.diff(f, y)
    import numpy as np
    import pyqtgraph as pg
    import pyqtgraph.opengl as gl
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    view = gl.GLViewWidget()
    view.resize(1600, 1000)
    grid = np.linspace(-3.0, 3.0, 200)
    gx, gy = np.meshgrid(grid, grid, indexing="ij")
    z = np.sin(gx) * np.cos(gy) + 0.1 * (gx**2 + gy**2)
    # Coloured by height in viridis, as Landscape and the matplotlib script colour it.
    levels = (z - z.min()) / (z.max() - z.min())
    colors = pg.colormap.get("viridis").map(levels.ravel(), mode="float")
    surface = gl.GLSurfacePlotItem(
        x=grid, y=grid, z=z, colors=colors, computeNormals=False, smooth=False
    )
    view.addItem(surface)
    view.setCameraPosition(distance=15)

    if mode in ("png", "png+sympy"):
        view.show()
        view.grabFramebuffer().save(sys.argv[2], "PNG")
        return

    first = []

    def swapped() -> None:
        if not first:
            first.append(time.time())
            app.quit()

    view.frameSwapped.connect(swapped)
    view.show()
    app.exec()
    print(json.dumps({"first_frame_wall": first[0]}))


if __name__ == "__main__":
    main()
