"""Hostile formulas and a token fuzzer, for test_hostile.py to run in a child process.

Not a test module itself (pytest collects ``test_*.py`` only): the tests start
``python -m tests.core.hostile WHAT`` with a generous timeout, so a formula that hangs fails
the test instead of blocking the run. Each check raises AssertionError with the formula in
the message when an invariant breaks:

* the core pipeline (parse, compile within its budget, sample, critical points, exact
  analysis, a readout) either works or ends in one FormulaError sentence, never another
  exception and never a numpy warning; sampled numbers are NaN or within the value limit;
  printed f and derivatives parse back through the app's own parser;
* ``landscape info -f TEXT`` (``cli.main`` called in this process, its streams captured)
  exits 0 with nothing on stderr, or 2 with exactly one clear line on stderr.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landscape_gui import cli
from landscape_gui.core import calculus
from landscape_gui.core.formula import MAX_LENGTH, FormulaError, parse_formula
from landscape_gui.core.landscape import VALUE_LIMIT, CompiledFormula, Landscape


def _nest(function: str, depth: int) -> str:
    return f"{function}(" * depth + "x" + ")" * depth + " + y"


# What a tester typed (each of these crashed, hung or misled before), then more of the same.
TESTER = [
    "(10^300)x(10^100)",
    "1e300(x^2+y^2)",
    "x" + "^x" * 40,
    "abs(floor(x))+abs(ceil(y))+floor(abs(x y))+sign(floor(x y))",
    "floor(abs(floor(abs(floor(x)+y))+x))^ceil(abs(y))",
    _nest("sin", 15),
    _nest("exp", 15),
    _nest("log", 15),
    "".join(f"(x+{i})" for i in range(1, 21)),
    "".join(f"sin(x+{i}y)" for i in range(1, 21)),
    "x^2 + sin(exp(10^10))",
    "x^sin(exp(10^7))",
    "x^sin(exp(10^4))",
    "floor(exp(10^5))x",
    "min(1/0,x)",
    "acos(10^300)x",
    "\ufeffx^2+y^2",
    "1e300*1e8*x",
    "x^2 + 3xy + y^2",
    "cbrt(x)",
    "cbrt(x*y)",
    "sqrt(abs(x)) + y",
]
MINE = [
    "1e300*x*exp(x^2+y^2)",
    "1e300*exp(x)",
    "1e300*x^3",
    "10^300*x + 10^300*y",
    "exp(709)x",
    "exp(-1000)x",
    "sin(10^300)x",
    "tan(pi/2)x",
    "log(0)x",
    "log(x, 0)",
    "log(x, 1)",
    "log(x, -2)",
    "0^x",
    "0^(-x^2)",
    "(-8)^(1/3) x",
    "atan2(0, 0)x",
    "x^(10^300)",
    "(1/10^300)^2 x",
    "1e-300*1e-300*x",
    "9^9^9^9",
    "2^2^2^2^2^2",
    "x^2\u200b+y^2",
    "x\u00a0+ y",
    "\u2060x\u00ad+y",
    "min(x,y)^max(x,y)",
    "sign(x)^sign(y)",
    "floor(x)^floor(y)",
    "abs(x)^abs(y)",
    "x^x^x",
    "(x^2+y^2)^1000",
    "x^1000 y^1000",
    "exp(x)^1000",
    "exp(exp(exp(exp(x))))",
    "sqrt(x^2+y^2)",
    "cbrt(((tan(y))(7))^(sin(y)))",  # found by the fuzzer: re/im/arg in the derivative
    "abs(x^y)",
    "max(x, y, 1)",
    "floor(1e300)*x",
    "ceil(exp(690))x",
    "sin(exp(690))x",
    "exp(exp(6))x",
    "e^e^e^e",
    "pi^pi^pi^pi",
    "x/(x-x)",
    "(x+y)/(x+y)",
    "(" * 59 + "x" + ")" * 59,
    "(" * 70 + "x" + ")" * 70,
    "-" * 100 + "x",
    "x" * 2001,
    "1" * 41,
    "0.0000000000000000000000000000001x",
    "π²xy",
    "z = x^2",
    "f(x,y) = x^2 + y^2",
    "__import__('os')",
    "x^2 + y^2 # comment",
    "",
    "   ",
]
CORPUS = TESTER + MINE

# Words that are Python's or sympy's, not a student's.
_INTERNALS = re.compile(
    r"Traceback|Error\b|Exception|\bzoo\b|\bnan\b|\boo\b|ComplexInfinity|Subs\b|Piecewise|"
    r"Derivative|Dummy|_xi|set_int_max_str_digits|sympy|sympify|lambdify|numpy|\bint\b|"
    r"\bfloat\b|comparable|not supported|operand"
)


def _check_sentence(text: str, where: str) -> None:
    assert text and "\n" not in text.strip(), f"{where}: not one line: {text!r}"
    assert not _INTERNALS.search(text), f"{where}: internals in the message: {text!r}"


def _check_parses_back(printed: str, where: str) -> None:
    """What the app prints as f or a derivative is typed the app's way.

    Only size can stop it being read back (a derivative longer than a formula may be, or with
    a coefficient beyond 1e300); then the parser says so in a sentence.
    """
    if printed == "?":
        return
    try:
        parse_formula(printed)
    except FormulaError as error:
        sized = ("too long", "out of range", "too large", "too deeply", "too high", "too many")
        assert len(printed) > MAX_LENGTH or any(s in error.message for s in sized), (
            f"{where}: printed {printed!r} does not parse back: {error}"
        )


def check_pipeline(text: str, analyse_seconds: float | None = 1.0) -> str | None:
    """The whole core path for ``text``; returns the refusal sentence, or None if drawn."""
    where = repr(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            formula = parse_formula(text)
            compiled = CompiledFormula(formula)
        except FormulaError as error:
            _check_sentence(str(error), where)
            return str(error)
        landscape = Landscape(compiled)
        grid = landscape.sample(40)
        for array in (grid.z, grid.df_dx, grid.df_dy):
            assert array.dtype == float and array.shape == (40, 40), where
            assert np.all(np.isnan(array) | (np.abs(array) <= VALUE_LIMIT)), where
        landscape.find_critical_points(starts_per_axis=5)
        readout = landscape.at(1.0, 1.0)
        assert all(abs(v) <= VALUE_LIMIT or v != v for v in (readout.f, readout.df_dx)), where
        if analyse_seconds is None:  # the corpus checks this through landscape info
            return None
        analysis = calculus.analyse(landscape.expression(), seconds=analyse_seconds)
    for printed in (analysis.f, analysis.df_dx, analysis.df_dy):
        _check_parses_back(printed, where)
    for note in analysis.notes:
        _check_sentence(note, where)
    return None


def check_info(text: str) -> int:
    """``landscape info -f TEXT`` in this process: exit 0, or 2 with one clear line."""
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["info", "-f", text])
    where = repr(text)
    if code == 0:
        assert err.getvalue() == "", f"{where}: exit 0 but stderr {err.getvalue()!r}"
        lines = out.getvalue().splitlines()
        assert not _INTERNALS.search(out.getvalue()), f"{where}: internals in {lines}"
        for line in lines:
            for label in ("f(x, y) = ", "∂f/∂x = ", "∂f/∂y = "):
                if line.startswith(label):
                    _check_parses_back(line[len(label) :], where)
    else:
        assert code == 2, f"{where}: exit {code}"
        assert out.getvalue() == "", where
        _check_sentence(err.getvalue(), where)
    return code


# The fuzzer's vocabulary: what students type, what pastes bring, and what attackers try.
TOKENS = (
    ["x", "y", "a", "e", "pi", "π", "xy", "2x", "z"]
    + ["0", "1", "2", "10", ".5", "3.25", "1e300", "1e-300", "1e8", "9", "1000"]
    + ["+", "-", "*", "/", "^", "**", "(", ")", ")", "(", ",", "²", "³", "⁻¹", "−", "×", "·"]
    + ["sin(", "cos(", "tan(", "asin(", "acos(", "atan(", "atan2(", "sinh(", "cosh(", "tanh("]
    + ["exp(", "log(", "ln(", "log10(", "log2(", "sqrt(", "cbrt(", "abs(", "sign(", "floor("]
    + ["ceil(", "min(", "max(", "e^(", "10^", "^10^", "exp(10^"]
    + [" ", "\ufeff", "\u200b", "\u00a0", "=", "'", "_", ".", "[", "]", "{", "}", "#", "@"]
)
formulas = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map("".join)

# Well-formed formulas too, so that most examples get past the parser into sympy and numpy.
_ATOMS = ["x", "y", "a", "e", "pi", "0", "1", "2", "0.5", "10", "1e300", "1e-300", "1e8", "7"]
_UNARY = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log"]
_UNARY += ["sqrt", "cbrt", "abs", "sign", "floor", "ceil", "-"]
_BINARY = ["+", "-", "*", "/", "^", "atan2", "min", "max", "log", ""]


def _apply(parts) -> str:
    kind, name, args = parts
    if kind == "unary":
        return f"-({args[0]})" if name == "-" else f"{name}({args[0]})"
    if name in ("atan2", "min", "max", "log"):
        return f"{name}({args[0]}, {args[1]})"
    return f"({args[0]}){name}({args[1]})"


grammatical = st.recursive(
    st.sampled_from(_ATOMS),
    lambda inner: st.one_of(
        st.tuples(st.just("unary"), st.sampled_from(_UNARY), st.tuples(inner)),
        st.tuples(st.just("binary"), st.sampled_from(_BINARY), st.tuples(inner, inner)),
    ).map(_apply),
    max_leaves=8,
)


@settings(
    max_examples=3000,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(formulas)
def fuzz_parser(text: str) -> None:
    """What the window's GUI thread does on every keystroke: parse, and nothing else."""
    try:
        parse_formula(text)
    except FormulaError as error:
        _check_sentence(str(error), repr(text))


@settings(
    max_examples=1000,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(formulas)
def fuzz_pipeline(text: str) -> None:
    check_pipeline(text, analyse_seconds=0.5)


@settings(
    max_examples=100,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(grammatical)
def fuzz_grammatical(text: str) -> None:
    if _TRACE:
        print(repr(text), file=sys.stderr, flush=True)
    check_pipeline(text, analyse_seconds=0.3)


_TRACE = bool(__import__("os").environ.get("HOSTILE_TRACE"))


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(formulas)
def fuzz_info(text: str) -> None:
    check_info(text)


def main(what: str) -> None:
    if what == "corpus":
        for text in CORPUS:
            refusal = check_pipeline(text, analyse_seconds=None)
            print(f"{text[:60]!r} => {refusal or 'drawn'}", flush=True)
    elif what == "corpus-info":
        for text in CORPUS:
            print(f"{text[:60]!r} => exit {check_info(text)}", flush=True)
    else:
        fuzzers = {
            "parser": fuzz_parser,
            "pipeline": fuzz_pipeline,
            "grammatical": fuzz_grammatical,
            "info": fuzz_info,
        }
        fuzzers[what]()
    print("ok", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
