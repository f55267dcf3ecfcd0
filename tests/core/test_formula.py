"""The safe parser: what people type parses to the right expression; everything else is refused
with a message and a position, quickly, and nothing it is given ever runs."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape_gui.core import formula as formula_module
from landscape_gui.core.formula import FormulaError, X, Y, parse_formula, to_input_syntax

a, b, k = (sp.Symbol(n, real=True) for n in "abk")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x^2 + 3xy + y^2", X**2 + 3 * X * Y + Y**2),
        ("2x", 2 * X),
        ("sin(x)cos(y)", sp.sin(X) * sp.cos(Y)),
        ("e^(-x^2-y^2)", sp.exp(-(X**2) - Y**2)),
        ("x²+y²", X**2 + Y**2),
        ("π", sp.pi),
        ("x − y", X - Y),
        ("x**2", X**2),
        ("f(x,y) = x + y", X + Y),
        ("f(x, y)=x*y", X * Y),
        ("z = x - 1", X - 1),
        ("-x^2", -(X**2)),
        ("2^-1", sp.Rational(1, 2)),
        ("3xy^2", 3 * X * Y**2),
        ("(x+1)(x-1)", (X + 1) * (X - 1)),
        ("0.5x", X / 2),
        ("1e-3x", X / 1000),
        ("2ex", 2 * sp.E * X),
        ("x^2^3", X**8),  # right-associative, as on paper: x^(2^3)
        ("a x^2 + b y^2", a * X**2 + b * Y**2),
        ("k", k),
        (
            "abs(x) + sqrt(y) + ln(x) + log(x, 2)",
            sp.Abs(X) + sp.sqrt(Y) + sp.log(X) + sp.log(X) / sp.log(2),
        ),
        ("atan2(y, x)", sp.atan2(Y, X)),
        ("log10(x) + log2(y)", sp.log(X) / sp.log(10) + sp.log(Y) / sp.log(2)),
        ("min(x, y) + max(x, y, 1)", sp.Min(X, Y) + sp.Max(X, Y, 1)),
        ("floor(x) + ceil(y) + sign(x)", sp.floor(X) + sp.ceiling(Y) + sp.sign(X)),
        ("sinh(x)cosh(y)tanh(x)", sp.sinh(X) * sp.cosh(Y) * sp.tanh(X)),
        (
            "asin(x)+acos(y)+atan(x)+tan(y)+exp(x)",
            sp.asin(X) + sp.acos(Y) + sp.atan(X) + sp.tan(Y) + sp.exp(X),
        ),
        ("[x + 1] * {y}", (X + 1) * Y),
        ("x × y ÷ 2", X * Y / 2),
    ],
)
def test_what_people_type_parses(text, expected):
    assert sp.simplify(parse_formula(text).expr - expected) == 0


def test_cbrt_is_the_real_cube_root():
    expr = parse_formula("cbrt(x)").expr
    assert float(expr.subs(X, -8)) == pytest.approx(-2.0)
    assert float(expr.subs(X, 27)) == pytest.approx(3.0)


def test_single_letters_other_than_x_y_e_are_parameters():
    assert parse_formula("a x^2 + b y^2 + k").parameters == ("a", "b", "k")
    assert parse_formula("x^2 + e").parameters == ()


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("sinn(x)", "unknown function 'sinn' at 1 — did you mean 'sin'?", 0),
        ("x + sinx", "'sin' needs parentheses", 4),
        ("x +", "something is missing", 2),
        ("(x + 1", "'(' is never closed", 0),
        ("x + 1)", "unmatched closing ')'", 5),
        ("x = 1", "'='", 2),
        ("", "empty", None),
        ("x $ y", "unexpected character '$'", 2),
        ("1.2.3", "malformed number", 0),
        ("sin(x, y)", "sin takes 1 argument, got 2", 0),
        ("z + x", "z is the height", 0),
        ("alpha", "unknown name 'alpha'", 0),
        ("1/0", "divides by zero", 1),
        ("sqrt(-1)", "imaginary", 0),
    ],
)
def test_errors_say_what_and_where(text, message, position):
    with pytest.raises(FormulaError) as caught:
        parse_formula(text)
    assert message in str(caught.value)
    assert caught.value.position == position


HOSTILE = [
    "__import__('os').system('touch /tmp/landscape_pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "exec('1')",
    "eval('1')",
    "lambda: 1",
    "open('/etc/passwd').read()",
    "x if y else 1",
    "x; import os",
    "x[0]",
    "'x'",
    '"x"',
    "x.real",
    "globals()",
    "sympify('x')",
    "Symbol('x')",
    "9^9^9^9",
    "10^10^10",
    "2^1000^1000",
    "(((((" * 2000 + "x" + ")))))" * 2000,
    "(" * 1000 + "x" + ")" * 1000,
    "-" * 1500 + "x",
    "x" * 1_000_000,
    "9" * 100,
    "1e999999",
    "x^(e^100)",
    "(2^400)(2^400)(2^400)(2^400)",
    "\x00",
    "x\ny",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_refused_quickly(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        result = parse_formula(text)
    except FormulaError as error:
        assert str(error)
    else:
        # Only harmless juxtapositions may parse (e.g. "x\ny" is x*y); never anything callable.
        assert result.expr.free_symbols <= {X, Y}
    assert not (tmp_path / "landscape_pwned").exists()


def test_nothing_user_typed_reaches_eval(monkeypatch):
    """The parser builds sympy objects itself: sympify and parse_expr are never called."""

    def forbidden(*args, **kwargs):
        raise AssertionError("user text reached an eval-based sympy entry point")

    monkeypatch.setattr(sp, "sympify", forbidden)
    monkeypatch.setattr(sp.parsing.sympy_parser, "parse_expr", forbidden)
    monkeypatch.setattr(formula_module.sp, "sympify", forbidden)
    for text in ["x^2 + 3xy + y^2", "sin(x)cos(y) + 0.5a", "e^(-x^2-y^2)"]:
        parse_formula(text)


ALPHABET = st.sampled_from(list("xyzabe0123456789.+-*/^()[],= _'\"πé²−sincoqrtlgxpmf\\;:"))


@settings(max_examples=400, deadline=None)
@given(st.text(ALPHABET, max_size=40) | st.text(max_size=40))
def test_fuzz_every_input_parses_or_gives_a_clear_error(text):
    try:
        result = parse_formula(text)
    except FormulaError as error:
        assert error.message
        assert error.position is None or 0 <= error.position <= len(text)
    else:
        assert isinstance(result.expr, sp.Expr)
        names = {s.name for s in result.expr.free_symbols}
        assert names <= {"x", "y"} | set(result.parameters)


@pytest.mark.parametrize(
    "text",
    [
        "x^2 + 3xy + y^2",
        "e^(-x^2 - y^2)",
        "abs(x) + min(x, y)^2",
        "a x^2 + ceil(y)/3",
        "sin(x)cos(y)",
        "(1 - x)^2 + 100(y - x^2)^2",
        "x^(1/3) + 2^x",
    ],
)
def test_input_syntax_round_trips(text):
    expr = parse_formula(text).expr
    assert parse_formula(to_input_syntax(expr)).expr == expr
