"""The mathematics in the formula panel: typeset, or a plain form that reads as mathematics."""

from landscape_gui.qt import typeset
from landscape_gui.qt.views.formula_panel import MathLabel, display_text


def test_the_plain_form_is_mathematics_not_code():
    text = display_text("∂f/∂x = 2*x^2*sqrt(y) - 20*exp(-0.2*x*y)*pi")
    assert text == "∂f/∂x = 2x²√(y) − 20exp(−0.2x·y)π"
    assert not any(mark in text for mark in ("*", "^", "sqrt", "pi"))


def test_a_picture_too_wide_to_read_gives_way_to_wrapped_text(qtbot):
    label = MathLabel()
    qtbot.addWidget(label)
    label.resize(360, 80)
    label.show()
    short = typeset.latex_to_svg(r"\nabla f = \left(2x,\; 2y\right)")
    label.set_math("∇f = (2*x, 2*y)", short)
    assert label.has_picture()
    terms = " + ".join(f"{k} x^{{{k}}} y^{{{k + 1}}}" for k in range(2, 40))
    wide = typeset.latex_to_svg(rf"\frac{{\partial f}}{{\partial x}} = {terms}")
    plain = " + ".join(f"{k}*x^{k}*y^{k + 1}" for k in range(2, 40))
    label.set_math(f"∂f/∂x = {plain}", wide)
    assert not label.has_picture()  # it would be shrunk to a few pixels high
    shown = label.findChild(type(label._text), "mathText")
    assert shown.isVisible() and "*" not in shown.text() and "^" not in shown.text()
    assert shown.text().endswith("(all of it: hover)")  # not a 25-line wall
    assert label.toolTip().endswith(plain)  # all of it, on hover


def test_a_long_formula_set_from_elsewhere_shows_its_start(qtbot):
    """A preset's long formula showed only its end ("…)^2+(x+y^2-7)^2") in a narrow box."""
    from landscape_gui.qt.views.formula_panel import FormulaPanel

    panel = FormulaPanel([("bowl", "The bowl")])
    qtbot.addWidget(panel)
    panel.resize(260, 500)
    panel.show()
    qtbot.waitExposed(panel)
    himmelblau = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2 + 0.001*(x^4 + y^4)"
    panel.set_formula_text(himmelblau)
    assert panel.formula_edit.cursorPosition() == 0
    # While the student types, the cursor stays where they are.
    panel.activateWindow()
    panel.formula_edit.setFocus()
    qtbot.waitUntil(panel.formula_edit.hasFocus)
    panel.formula_edit.setCursorPosition(5)
    panel.set_formula_text(himmelblau + " + x")
    assert panel.formula_edit.cursorPosition() != 0
