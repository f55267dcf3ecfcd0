"""Typeset mathematics: sympy's LaTeX drawn as SVG by ziamath, for QtSvg to show.

Runs in the analysis worker (pure Python, about 60 ms a formula), never on the GUI thread.
ziafont must write SVG 1.1: QtSvg draws nothing of its SVG 2 output.
"""

from __future__ import annotations

import warnings

from landscape_gui.core.calculus import SymbolicAnalysis

FONT_SIZE = 22
# Pictures are typeset once, in the light appearance's ink; switching to dark recolours them
# (a byte replacement) instead of typesetting, or worse solving, again.
INK = {False: "#202020", True: "#f0f0f0"}


def recoloured(svg: bytes | None, dark: bool) -> bytes | None:
    """A typeset picture in the ink of the light or dark appearance."""
    if svg is None or not dark:
        return svg
    return svg.replace(INK[False].encode(), INK[True].encode())


def latex_to_svg(latex: str, size: int = FONT_SIZE) -> bytes | None:
    """The formula as SVG bytes in the light appearance's ink, or None when it cannot be
    typeset (then show plain text)."""
    try:
        with warnings.catch_warnings():
            # ziamath 0.13 loads its font with a deprecated importlib.resources call.
            warnings.simplefilter("ignore", DeprecationWarning)
            import ziafont
            import ziamath

        ziafont.config.svg2 = False
        return ziamath.Latex(latex, size=size, color=INK[False]).svg().encode("utf-8")
    except Exception:  # any typesetting failure falls back to the Unicode text already shown
        return None


def derivative_pictures(analysis: SymbolicAnalysis) -> dict[str, bytes | None]:
    latex = analysis.latex
    if not latex:
        return {}
    lines = {
        "f": rf"f(x, y) = {latex['f']}",
        "df_dx": rf"\frac{{\partial f}}{{\partial x}} = {latex['df_dx']}",
        "df_dy": rf"\frac{{\partial f}}{{\partial y}} = {latex['df_dy']}",
        "grad": rf"\nabla f = \left( {latex['df_dx']},\; {latex['df_dy']} \right)",
    }
    return {name: latex_to_svg(text) for name, text in lines.items()}


def analyse_and_typeset(display_expr, solve_expr, seconds: float):
    """The exact analysis and its pictures in one call, so the analysis worker can run all of
    the symbolic work (differentiating, simplifying, solving, typesetting a huge formula) in a
    helper process that is killed when the window closes or time runs out."""
    from landscape_gui.core import calculus

    analysis = calculus.analyse(display_expr, seconds=seconds, solve_expr=solve_expr)
    try:
        pictures = derivative_pictures(analysis)
    except Exception:  # typesetting is a nicety: the plain text still shows
        pictures = {}
    return analysis, pictures


def warm_up() -> None:
    """Do once what the first analysis would pay for: import the typesetter, load its font
    and sympy's printers (a quarter to half a second)."""
    from landscape_gui.core.formula import X, Y

    derivatives_and_pictures(X**2 * Y, None)


def derivatives_and_pictures(display_expr, seconds: float | None):
    """The tidied derivatives and their pictures, without the exact solve: what the window
    shows first (the solve comes later, from its own worker)."""
    from landscape_gui.core import calculus

    analysis = calculus.analyse_derivatives(display_expr, seconds=seconds)
    try:
        pictures = derivative_pictures(analysis)
    except Exception:  # typesetting is a nicety: the plain text still shows
        pictures = {}
    return analysis, pictures
