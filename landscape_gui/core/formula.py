"""The safe formula parser: text a student typed -> a sympy expression, or a FormulaError.

User text is untrusted, so it never reaches ``eval``, ``exec``, ``sympify`` or ``parse_expr``
(the last two call ``eval``). A hand-written tokenizer and precedence-climbing parser build sympy
objects directly from a closed vocabulary, and every resource the input controls is bounded:
length, nesting depth, literal size and the size of numeric powers.

Accepted syntax, the way people type it: ``x^2 + 3xy + y^2``, ``2x``, ``sin(x)cos(y)``,
``e^(-x^2-y^2)``, ``x²+y²``, ``π``, Unicode minus, ``**``, and an optional ``f(x,y) =`` or
``z =`` prefix. Any other single letter is a parameter.
"""

from __future__ import annotations

import cmath
import difflib
import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp
from sympy.printing.str import StrPrinter

from landscape_gui.core.limits import MAX_PARAMETERS

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_LITERAL_DIGITS = 40
MAX_NUMERIC_EXPONENT = 1000
MAX_RESULT_DIGITS = 400
# Every number a formula holds, typed or worked out from constants, stays within floats' range
# with room to spare; beyond it sympy builds giant integers and numpy overflows.
MAX_MAGNITUDE = 1e300
# Functions applied inside functions (sin(sin(...))) and powers whose exponent holds x or y
# inside such exponents (x^x^x) make derivatives grow exponentially with the depth.
_MIN_MAGNITUDE = 0.999e-300  # 1e-300 as a float is a hair above the exact 10^-300
MAX_FUNCTION_NESTING = 8
MAX_POWER_TOWER = 3
MAX_NODES = 3000
# Characters that a paste brings along but nobody sees: a byte-order mark, zero-width spaces
# and joiners, the word joiner and the soft hyphen. They are read as nothing.
_INVISIBLE = frozenset("\ufeff\u200b\u200c\u200d\u2060\u00ad\u180e")
_TOO_LARGE = "a number in this formula is too large to work with (beyond about 1e300)"

X = sp.Symbol("x", real=True)
Y = sp.Symbol("y", real=True)


def _cbrt(u: sp.Expr) -> sp.Expr:
    # The real cube root: x**(1/3) is complex for x < 0, which would punch a hole in the landscape.
    return sp.sign(u) * sp.Abs(u) ** sp.Rational(1, 3)


def _log(u: sp.Expr, base: sp.Expr | None = None) -> sp.Expr:
    if base is None:
        return sp.log(u)
    if not base.free_symbols and (base.is_nonpositive or base == 1):
        raise FormulaError("the base of a logarithm must be a positive number other than 1")
    return sp.log(u) / sp.log(base)


# name -> (allowed argument counts, builder). The closed vocabulary: nothing else is callable.
FUNCTIONS: dict[str, tuple[tuple[int, ...], Callable[..., sp.Expr]]] = {
    "sin": ((1,), sp.sin),
    "cos": ((1,), sp.cos),
    "tan": ((1,), sp.tan),
    "asin": ((1,), sp.asin),
    "acos": ((1,), sp.acos),
    "atan": ((1,), sp.atan),
    "atan2": ((2,), sp.atan2),
    "sinh": ((1,), sp.sinh),
    "cosh": ((1,), sp.cosh),
    "tanh": ((1,), sp.tanh),
    "exp": ((1,), sp.exp),
    "log": ((1, 2), _log),
    "ln": ((1,), sp.log),
    "log10": ((1,), lambda u: sp.log(u) / sp.log(10)),
    "log2": ((1,), lambda u: sp.log(u) / sp.log(2)),
    "sqrt": ((1,), sp.sqrt),
    "cbrt": ((1,), _cbrt),
    "abs": ((1,), sp.Abs),
    "sign": ((1,), sp.sign),
    "floor": ((1,), sp.floor),
    "ceil": ((1,), sp.ceiling),
    "min": ((2, 3, 4, 5, 6, 7, 8), sp.Min),
    "max": ((2, 3, 4, 5, 6, 7, 8), sp.Max),
}
CONSTANTS = {"pi": sp.pi, "e": sp.E}
# Function names that end in digits: the tokenizer reads letters then checks these.
_DIGIT_SUFFIXED = ("atan2", "log10", "log2")
_SUPERSCRIPTS = {
    "⁰": "0",
    "¹": "1",
    "²": "2",
    "³": "3",
    "⁴": "4",
    "⁵": "5",
    "⁶": "6",
    "⁷": "7",
    "⁸": "8",
    "⁹": "9",
    "⁻": "-",
}
_OPERATOR_ALIASES = {
    "−": "-",
    "–": "-",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "∗": "*",
    "÷": "/",
    "**": "^",
}
_DIGITS = "0123456789"
_CLOSING = {"(": ")", "[": "]", "{": "}"}
_PREFIX = re.compile(r"^\s*(?:f\s*\(\s*x\s*,\s*y\s*\)|z|f)\s*=(?!=)")
_NUMBER = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


class FormulaError(ValueError):
    """A formula that cannot be used, with what is wrong and where.

    ``position`` is the 0-based index into the text the user typed (``None`` when the whole
    text is at fault); the message shows it 1-based, the way an editor counts columns.
    """

    def __init__(self, message: str, position: int | None = None):
        self.message = message
        self.position = position
        where = "" if position is None else f" at {position + 1}"
        self.hint = ""
        super().__init__(f"{message}{where}")

    def with_hint(self, hint: str) -> FormulaError:
        self.hint = hint
        self.args = (f"{self.args[0]} — {hint}",)
        return self


@dataclass(frozen=True)
class Formula:
    """A parsed formula: the text it came from, its expression and its parameters."""

    text: str
    expr: sp.Expr
    parameters: tuple[str, ...]

    def symbols(self) -> dict[str, sp.Symbol]:
        return {name: parameter_symbol(name) for name in self.parameters}


def parameter_symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, op, lparen, rparen, comma, power_digits, end
    text: str
    position: int
    value: object = None


def _tokenize(text: str, start: int) -> list[_Token]:
    tokens: list[_Token] = []
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace() or ch in _INVISIBLE:
            i += 1
            continue
        if ch in _DIGITS or (ch == "." and i + 1 < n and text[i + 1] in _DIGITS):
            match = _NUMBER.match(text, i)
            assert match is not None  # a digit, or a point before a digit, starts a number
            literal = match.group(0)
            # "2e" is 2·e, not a number: the pattern takes an exponent only when digits follow.
            if match.end() < n and text[match.end()] == ".":
                raise FormulaError(f"malformed number '{literal}.'", i)
            if tokens and tokens[-1].kind == "number":
                raise FormulaError("two numbers in a row: put an operator between them", i)
            tokens.append(_Token("number", literal, i))
            i = match.end()
            continue
        if ch.isascii() and ch.isalpha():
            j = i
            while j < n and text[j].isascii() and text[j].isalpha():
                j += 1
            for name in _DIGIT_SUFFIXED:
                if (
                    text.startswith(name, i)
                    and len(name) > j - i
                    and text[i:j] == name.rstrip("0123456789")
                ):
                    j = i + len(name)
                    break
            tokens.append(_Token("name", text[i:j], i))
            i = j
            continue
        if ch == "π":
            tokens.append(_Token("name", "pi", i))
            i += 1
            continue
        if ch in _SUPERSCRIPTS:
            j = i
            while j < n and text[j] in _SUPERSCRIPTS:
                j += 1
            digits = "".join(_SUPERSCRIPTS[c] for c in text[i:j])
            if not re.fullmatch(r"-?\d+", digits):
                raise FormulaError(f"superscript '{text[i:j]}' is not a whole number", i)
            tokens.append(_Token("power_digits", text[i:j], i, int(digits)))
            i = j
            continue
        two = text[i : i + 2]
        if two == "**":
            tokens.append(_Token("op", "^", i))
            i += 2
            continue
        op = _OPERATOR_ALIASES.get(ch, ch)
        if op in "+-*/^":
            tokens.append(_Token("op", op, i))
        elif ch in "([{":
            tokens.append(_Token("lparen", ch, i))
        elif ch in ")]}":
            tokens.append(_Token("rparen", ch, i))
        elif ch == ",":
            tokens.append(_Token("comma", ch, i))
        else:
            raise FormulaError(f"unexpected character {_describe_char(ch)}", i)
        i += 1
    tokens.append(_Token("end", "", n))
    return tokens


def _describe_char(ch: str) -> str:
    if ch == "=":
        return "'=' (type only the right-hand side, e.g. x^2 + y^2)"
    if ch in "'\"":
        return f"{ch!r} (text in quotes is not part of a formula)"
    if ch in "_.":
        return f"'{ch}'"
    if ch.isprintable():
        return f"'{ch}'"
    return f"U+{ord(ch):04X}"


def _number_value(literal: str, position: int) -> sp.Number:
    match = _NUMBER.fullmatch(literal)
    assert match is not None  # the tokenizer made the literal with this pattern
    mantissa, exponent = match.group(1), match.group(2)
    digits = mantissa.replace(".", "").lstrip("0")
    if len(digits) > MAX_LITERAL_DIGITS:
        raise FormulaError(f"number too long (at most {MAX_LITERAL_DIGITS} digits)", position)
    whole, _, fraction = mantissa.partition(".")
    value = sp.Rational(int((whole or "0") + fraction), 10 ** len(fraction))
    if exponent:
        power = int(exponent[1:])
        if abs(power) > 300:
            raise FormulaError("number's exponent too large (at most e±300)", position)
        value *= sp.Integer(10) ** power
    if value != 0 and not (_MIN_MAGNITUDE <= abs(value) <= MAX_MAGNITUDE):
        raise FormulaError("number out of range (between 1e-300 and 1e300 in size, or 0)", position)
    return value


class _Parser:
    """Precedence climbing over the token list.

    Grammar (lowest to highest): sum := product (('+'|'-') product)*;
    product := unary (('*'|'/') unary | implicit unary)*; unary := ('-'|'+') unary | power;
    power := postfix ('^' unary)?  (right-associative, so -x^2 = -(x^2) and 2^-1 works);
    postfix := atom superscript*; atom := number | name | call | '(' sum ')'.
    """

    def __init__(self, text: str, tokens: list[_Token]):
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.parameters: set[str] = set()

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def enter(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"formula nested too deeply (at most {MAX_DEPTH} levels)", position)

    def parse(self) -> sp.Expr:
        if self.current.kind == "end":
            raise FormulaError("the formula is empty: type something like x^2 + y^2")
        expr = self.parse_sum()
        token = self.current
        if token.kind == "rparen":
            raise FormulaError(f"unmatched closing '{token.text}'", token.position)
        if token.kind != "end":
            raise FormulaError(f"unexpected '{token.text}'", token.position)
        return expr

    def parse_sum(self) -> sp.Expr:
        terms = [self.parse_product()]
        while self.current.kind == "op" and self.current.text in "+-":
            op = self.advance()
            term = self.parse_product()
            terms.append(-term if op.text == "-" else term)
        if len(terms) == 1:
            return terms[0]
        expr = sp.Add(*terms)
        _check_size(expr, self.current.position)
        _check_constant(expr, self.current.position)
        return expr

    def _starts_atom(self, token: _Token) -> bool:
        return token.kind in ("number", "name", "lparen")

    def parse_product(self) -> sp.Expr:
        expr = self.parse_unary()
        while True:
            token = self.current
            if token.kind == "op" and token.text in "*/":
                self.advance()
                if self.current.kind == "op" and self.current.text in "*/^":
                    raise FormulaError(f"'{token.text}' needs something after it", token.position)
                right = self.parse_unary()
                expr = expr * right if token.text == "*" else expr / right
            elif self._starts_atom(token):
                # Juxtaposition is multiplication: 2x, 3xy, sin(x)cos(y), (x+1)(x-1).
                right = self.parse_power()
                expr = expr * right
            else:
                return expr
            _check_size(expr, token.position)
            _check_constant(expr, token.position)

    def parse_unary(self) -> sp.Expr:
        token = self.current
        if token.kind == "op" and token.text in "+-":
            self.advance()
            self.enter(token.position)
            operand = self.parse_unary()
            self.depth -= 1
            return -operand if token.text == "-" else operand
        return self.parse_power()

    def parse_power(self) -> sp.Expr:
        prefix, base = self.parse_postfix()
        token = self.current
        if token.kind == "op" and token.text == "^":
            self.advance()
            self.enter(token.position)
            exponent = self.parse_unary()
            self.depth -= 1
            base = _power(base, exponent, token.position)
        return prefix * base

    def parse_postfix(self) -> tuple[sp.Expr, sp.Expr]:
        """The atom and any superscripts on it, as (factors before it, the powered factor).

        A letter run like ``xy`` is two factors; a power after it belongs to the last one only,
        so ``3xy^2`` is 3·x·y², the way it is written on paper.
        """
        atom = self.parse_atom()
        prefix, expr = (sp.Mul(*atom[:-1]), atom[-1]) if isinstance(atom, tuple) else (1, atom)
        while self.current.kind == "power_digits":
            token = self.advance()
            expr = _power(expr, sp.Integer(token.value), token.position)
        return prefix, expr

    def parse_atom(self) -> sp.Expr | tuple[sp.Expr, ...]:
        token = self.current
        if token.kind == "number":
            self.advance()
            return _number_value(token.text, token.position)
        if token.kind == "lparen":
            self.advance()
            self.enter(token.position)
            expr = self.parse_sum()
            self.depth -= 1
            self.expect_close(token)
            return expr
        if token.kind == "name":
            return self.parse_name()
        if token.kind == "end":
            if self.index > 0:
                previous = self.tokens[self.index - 1]
                raise FormulaError(
                    f"the formula ends after '{previous.text}': something is missing",
                    previous.position,
                )
            raise FormulaError("the formula is empty")
        if token.kind == "rparen":
            raise FormulaError(f"unexpected '{token.text}'", token.position)
        if token.kind == "comma":
            raise FormulaError("a ',' only separates a function's arguments", token.position)
        raise FormulaError(f"'{token.text}' needs something before it", token.position)

    def expect_close(self, opening: _Token) -> None:
        token = self.current
        if token.kind == "rparen":
            expected = _CLOSING[opening.text]
            if token.text != expected:
                raise FormulaError(
                    f"'{opening.text}' is closed by '{token.text}'; expected '{expected}'",
                    token.position,
                )
            self.advance()
            return
        if token.kind == "end":
            raise FormulaError(f"'{opening.text}' is never closed", opening.position)
        raise FormulaError(f"expected ')' but found '{token.text}'", token.position)

    def parse_name(self) -> sp.Expr | tuple[sp.Expr, ...]:
        token = self.advance()
        name = token.text
        followed_by_paren = self.current.kind == "lparen"
        if name in FUNCTIONS:
            if not followed_by_paren:
                raise FormulaError(f"'{name}' needs parentheses", token.position).with_hint(
                    f"write {name}(x)"
                )
            return self.parse_call(token)
        if followed_by_paren and len(name) > 1 and set(name) - {"x", "y"}:
            error = FormulaError(f"unknown function '{name}'", token.position)
            close = difflib.get_close_matches(name, FUNCTIONS, n=1, cutoff=0.6)
            if close:
                return_error = error.with_hint(f"did you mean '{close[0]}'?")
            else:
                return_error = error.with_hint("for a product write a*b*(...)")
            raise return_error
        return self.split_letters(token)

    def split_letters(self, token: _Token) -> tuple[sp.Expr, ...]:
        """A run of letters like ``xy`` or ``pix`` is a product of constants, x, y, parameters."""
        name = token.text
        factors = []
        i = 0
        while i < len(name):
            offset = token.position + i
            rest = name[i:]
            function = next(
                (
                    f
                    for f in sorted(FUNCTIONS, key=len, reverse=True)
                    if rest.startswith(f) and len(f) > 1
                ),
                None,
            )
            if function:
                raise FormulaError(f"'{function}' needs parentheses", offset).with_hint(
                    f"write {function}({rest[len(function) :] or 'x'})"
                )
            if rest.startswith("pi"):
                factors.append(sp.pi)
                i += 2
                continue
            letter = name[i]
            if letter == "e":
                factors.append(sp.E)
            elif letter == "x":
                factors.append(X)
            elif letter == "y":
                factors.append(Y)
            elif letter == "z":
                raise FormulaError(
                    "z is the height itself: write f using x, y and parameters", offset
                )
            else:
                self.parameters.add(letter)
                factors.append(parameter_symbol(letter))
            i += 1
        # One parameter per run of letters: "ax" is a·x, but "ab", "if" or "alpha" are more
        # likely a mistyped name than a product, so they are refused with the way to write it.
        named_parameters = set(name.replace("pi", "")) - {"x", "y", "e"}
        if len(named_parameters) >= 2:
            letters = "*".join(name)
            raise FormulaError(f"unknown name '{name}'", token.position).with_hint(
                f"parameters are single letters; for a product write {letters}"
            )
        return tuple(factors)

    def parse_call(self, name_token: _Token) -> sp.Expr:
        name = name_token.text
        opening = self.advance()
        self.enter(opening.position)
        arguments = []
        if self.current.kind == "rparen":
            raise FormulaError(f"{name}() needs an argument", self.current.position)
        while True:
            arguments.append(self.parse_sum())
            if self.current.kind == "comma":
                self.advance()
                continue
            break
        self.expect_close(opening)
        self.depth -= 1
        counts, builder = FUNCTIONS[name]
        for argument in arguments:
            _check_constant(argument, name_token.position)
        if len(arguments) not in counts:
            wanted = " or ".join(str(c) for c in counts[:2]) + (
                " or more" if len(counts) > 2 else ""
            )
            noun = "argument" if counts == (1,) else "arguments"
            raise FormulaError(
                f"{name} takes {wanted} {noun}, got {len(arguments)}", name_token.position
            )
        if any(_undefined(a) for a in arguments):
            raise FormulaError(
                f"the argument of {name} is undefined (it divides by zero)", name_token.position
            )
        try:
            result = builder(*arguments)
        except FormulaError as error:
            if error.position is None:
                raise FormulaError(error.message, name_token.position) from None
            raise
        except (ValueError, TypeError, ArithmeticError, RecursionError):
            # sympy refuses some combinations outright (min of a non-real constant, ...).
            raise FormulaError(
                f"{name}(...) cannot be worked out for these arguments", name_token.position
            ) from None
        _check_size(result, name_token.position)
        _check_constant(result, name_token.position)
        return result


def _digits_of(value: sp.Number) -> float:
    """Roughly how many decimal digits a rational needs; large ones make sympy slow."""
    if value == 0:
        return 0.0
    p, q = sp.fraction(value)
    return max(math.log10(abs(int(p)) + 1), math.log10(abs(int(q)) + 1))


def _check_size(expr: sp.Expr, position: int | None) -> None:
    if (
        expr.is_Number
        and expr.is_finite
        and expr != 0
        and not (_MIN_MAGNITUDE <= abs(expr) <= MAX_MAGNITUDE)
    ):
        raise FormulaError(
            "a number in this formula is out of range (between 1e-300 and 1e300 in size)",
            position,
        )
    if expr.is_Rational and _digits_of(expr) > MAX_RESULT_DIGITS:
        raise FormulaError("a number in the formula has too many digits to work with", position)


def _undefined(expr: sp.Expr) -> bool:
    return bool(expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo))


def _is_constant(expr: sp.Expr) -> bool:
    return not expr.free_symbols


def _check_constant(expr: sp.Expr, position: int | None) -> None:
    """Refuse a constant (sub)expression too large for floats, before sympy works with it.

    sympy decides signs and comparisons of constants by evaluating them to enough digits, and
    evaluates floor(exp(10^5)) into a 43,000-digit integer: with a constant like exp(10^10) it
    never finishes. A float estimate (``_approx``) costs microseconds and catches them first.
    """
    if not _is_constant(expr):
        coefficient = expr.as_coeff_Mul()[0] if expr.is_Mul else None
        if coefficient is not None and coefficient.is_Number:
            _check_size(coefficient, position)
        return
    if _undefined(expr):
        raise FormulaError("this part of the formula is undefined (it divides by zero)", position)
    value = _approx(expr)
    if math.isinf(abs(value)) or abs(value) > MAX_MAGNITUDE:
        raise FormulaError(_TOO_LARGE, position)
    if abs(value.imag) > 1e-9 * (1 + abs(value.real)):
        raise FormulaError(
            "this part of the formula has imaginary values (like the square root of a negative "
            "number, or acos beyond ±1); Landscape draws real heights",
            position,
        )


_CMATH_FUNCTIONS = {
    sp.sin: cmath.sin,
    sp.cos: cmath.cos,
    sp.tan: cmath.tan,
    sp.asin: cmath.asin,
    sp.acos: cmath.acos,
    sp.atan: cmath.atan,
    sp.sinh: cmath.sinh,
    sp.cosh: cmath.cosh,
    sp.tanh: cmath.tanh,
    sp.exp: cmath.exp,
}


def _approx(expr: sp.Expr) -> complex:
    """A float estimate of a constant expression, built from floats only (never sympy's evalf).

    Overflow gives an infinite value; what it cannot estimate gives NaN (harmless: NaN passes
    the size check, and the cases that reach it are small). Results are cached per expression.
    """
    try:
        return _approx_cached(expr)
    except RecursionError:
        return complex(math.nan)


@functools.lru_cache(maxsize=4096)
def _approx_cached(expr: sp.Expr) -> complex:
    inf = complex(math.inf)
    try:
        if expr.is_Integer or expr.is_Rational:
            p, q = int(expr.p), int(expr.q)
            if p == 0:
                return 0j
            # int / int is exact before rounding; only a result beyond floats overflows.
            return complex(p / q)
        if expr.is_Float:
            return complex(float(expr))
        if expr is sp.pi:
            return complex(math.pi)
        if expr is sp.E:
            return complex(math.e)
        if expr is sp.I:
            return 1j
        if expr in (sp.zoo, sp.oo, -sp.oo):
            return inf
        if expr is sp.nan:
            return complex(math.nan)
        args = [_approx_cached(a) for a in expr.args]
        if expr.is_Add:
            return sum(args, 0j)
        if expr.is_Mul:
            result = 1 + 0j
            for a in args:
                result *= a
            return result
        if expr.is_Pow:
            base, exponent = args
            if base == 0:
                return 0j if exponent.real > 0 else inf
            # |base^exponent| from logarithms first: complex ** overflows with an exception.
            log_size = exponent.real * math.log(abs(base)) - exponent.imag * cmath.phase(base)
            if log_size > 700:
                return inf
            return base**exponent
        function = _CMATH_FUNCTIONS.get(expr.func)
        if function is not None:
            return function(args[0])
        if expr.func is sp.log:
            return cmath.log(args[0]) if args[0] != 0 else inf
        if expr.func is sp.Abs:
            return complex(abs(args[0]))
        if expr.func is sp.sign:
            return complex((args[0].real > 0) - (args[0].real < 0))
        if expr.func is sp.floor:
            return complex(math.floor(args[0].real)) if math.isfinite(args[0].real) else inf
        if expr.func is sp.ceiling:
            return complex(math.ceil(args[0].real)) if math.isfinite(args[0].real) else inf
        if expr.func in (sp.Min, sp.Max):
            reals = [a.real for a in args]
            return complex(min(reals) if expr.func is sp.Min else max(reals))
        if expr.func is sp.atan2:
            return complex(math.atan2(args[0].real, args[1].real))
    except OverflowError:
        return inf
    except (ZeroDivisionError, ValueError):
        return complex(math.nan)
    return complex(math.nan)


def _power(base: sp.Expr, exponent: sp.Expr, position: int | None) -> sp.Expr:
    """Build base^exponent, refusing numeric powers big enough to hang sympy (9^9^9^9)."""
    if exponent.is_Number:
        if abs(exponent) > MAX_NUMERIC_EXPONENT:
            raise FormulaError(
                f"exponent too large (at most {MAX_NUMERIC_EXPONENT} in size)", position
            )
        if base.is_Rational and exponent.is_Rational:
            estimated = _digits_of(base) * float(abs(exponent))
            if estimated > MAX_RESULT_DIGITS:
                raise FormulaError(
                    "this power gives a number with too many digits to work with", position
                )
    elif _is_constant(exponent):
        # A constant exponent that is not a plain number (pi, e^2): bound it by its value.
        magnitude = abs(_approx(exponent))
        if not magnitude <= MAX_NUMERIC_EXPONENT:
            raise FormulaError("exponent too large (or not a real number)", position)
    if _is_constant(base) and _is_constant(exponent):
        base_value, exponent_value = _approx(base), _approx(exponent)
        if base_value != 0 and math.isfinite(abs(base_value)):
            log10_size = exponent_value.real * math.log10(abs(base_value))
            if log10_size > math.log10(MAX_MAGNITUDE) or log10_size < -math.log10(MAX_MAGNITUDE):
                raise FormulaError(
                    "this power gives a number out of range (beyond about 1e±300)", position
                )
    try:
        result = sp.Pow(base, exponent)
    except (ValueError, TypeError, ArithmeticError):
        raise FormulaError("this power cannot be worked out", position) from None
    _check_size(result, position)
    _check_constant(result, position)
    return result


def substitute_bounded(expr: sp.Expr, replacements: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """``expr`` with numbers put in for symbols, under the parser's bounds.

    ``expr.subs`` would let sympy evaluate whatever the numbers make: with a = 1000, a^a^a is
    a power with a 3,000-digit exponent that never finishes. Rebuilding bottom-up checks each
    constant power and function argument first, as the parser does for typed numbers, and
    raises FormulaError with a sentence instead.
    """
    if not replacements or not expr.free_symbols & set(replacements):
        return expr
    memo: dict[sp.Expr, sp.Expr] = {}

    def rebuild(node: sp.Expr) -> sp.Expr:
        if node in memo:
            return memo[node]
        if node.is_Symbol:
            result = replacements.get(node, node)
        elif not node.args or not node.free_symbols & set(replacements):
            result = node
        else:
            args = [rebuild(arg) for arg in node.args]
            try:
                if node.is_Pow:
                    result = _power(args[0], args[1], None)
                else:
                    for arg in args:
                        _check_constant(arg, None)
                    result = node.func(*args)
                _check_size(result, None)
                _check_constant(result, None)
            except FormulaError as error:
                raise FormulaError(f"with these parameter values, {error.message}") from None
            except (ValueError, TypeError, ArithmeticError):
                raise FormulaError(
                    "with these parameter values the formula cannot be worked out"
                ) from None
        memo[node] = result
        return result

    return rebuild(expr)


def _check_tree(expr: sp.Expr) -> None:
    """Bound the shape of the whole expression: its size and how deeply functions nest."""
    count = 0
    # (node, functions around it, exponent-holding-x/y powers around it)
    stack = [(expr, 0, 0)]
    while stack:
        node, functions, tower = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise FormulaError("the formula is too large to work with; try a shorter one")
        if node.is_Number:
            _check_size(node, None)
            continue
        if isinstance(node, sp.Function):
            functions += 1
            if functions > MAX_FUNCTION_NESTING:
                raise FormulaError(
                    "functions are nested too deeply (at most "
                    f"{MAX_FUNCTION_NESTING} inside each other)"
                )
        if node.is_Pow and not _is_constant(node.exp):
            tower += 1
            if tower > MAX_POWER_TOWER:
                raise FormulaError(
                    f"powers are stacked too high (at most {MAX_POWER_TOWER} levels like x^y^x)"
                )
        stack.extend((arg, functions, tower) for arg in node.args)


def parse_formula(text: str) -> Formula:
    """Parse what the user typed. Raises FormulaError with a message and a position."""
    if not isinstance(text, str):
        raise FormulaError("a formula must be text")
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"the formula is too long ({len(text):,} characters; at most {MAX_LENGTH:,})"
        )
    try:
        return _parse(text)
    except RecursionError:
        raise FormulaError("the formula is nested too deeply to work with") from None
    except (ValueError, TypeError, ArithmeticError, AttributeError, KeyError) as error:
        if isinstance(error, FormulaError):
            raise
        # sympy raised while building the maths: say so without its internals.
        raise FormulaError("the formula cannot be worked out; try writing it differently") from None


def _parse(text: str) -> Formula:
    # A byte-order mark or zero-width space pasted in front is not part of the formula.
    stripped = text.lstrip("".join(_INVISIBLE))
    offset = len(text) - len(stripped)
    prefix = _PREFIX.match(stripped)
    start = offset + (prefix.end() if prefix else 0)
    parser = _Parser(text, _tokenize(text, start))
    expr = parser.parse()
    _check_tree(expr)
    if _undefined(expr):
        raise FormulaError("the formula is undefined everywhere (it divides by zero)")
    if expr.has(sp.I):
        raise FormulaError("the formula has imaginary values; Landscape draws real heights")
    if len(parser.parameters) > MAX_PARAMETERS:
        raise FormulaError(
            f"too many parameters ({len(parser.parameters)}; at most {MAX_PARAMETERS})"
        )
    return Formula(text=text, expr=expr, parameters=tuple(sorted(parser.parameters)))


# A formula within these bounds is cheap for every symbolic step the app takes (differentiate,
# expand, lambdify, typeset): milliseconds. Anything bigger gets a budget that can stop it.
CHEAP_OPERATIONS = 40
CHEAP_EXPONENT = 6


def looks_expensive(expr: sp.Expr) -> bool:
    """True when symbolic work on ``expr`` could take long: then it runs where it can be
    stopped (a helper process that is killed), not in a thread of the window's own process.

    Small formulas with small whole powers and no x or y in an exponent are the classroom's
    everyday (x^2 + 3xy + y^2, sin(x)cos(y), Rosenbrock): their derivatives, expansions and
    pictures are bounded by their size. The check is cheap (one walk of the tree).
    """
    if sp.count_ops(expr) > CHEAP_OPERATIONS:
        return True
    for power in expr.atoms(sp.Pow):
        exponent = power.exp
        if not exponent.is_Number:
            return True  # x^y, 2^x, a^x: derivatives and solving grow with the tower
        if abs(exponent) > CHEAP_EXPONENT:
            return True  # (x + y + 1)^40 expands to hundreds of terms
    return False


class _InputSyntaxPrinter(StrPrinter):  # type: ignore[misc]  # sympy has no type information
    """Prints an expression in the app's own input syntax, so it can be pasted back."""

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        text: str = super()._print_Pow(expr, rational)
        return text.replace("**", "^")

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return "e"

    def _print_Abs(self, expr: sp.Expr) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_ceiling(self, expr: sp.Expr) -> str:
        return f"ceil({self._print(expr.args[0])})"

    def _print_Integer(self, expr: sp.Expr) -> str:
        return _integer_text(int(expr.p))

    def _print_Rational(self, expr: sp.Expr) -> str:
        return f"{_integer_text(int(expr.p))}/{_integer_text(int(expr.q))}"

    def _print_Min(self, expr: sp.Expr) -> str:
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Max(self, expr: sp.Expr) -> str:
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"


def _integer_text(n: int) -> str:
    """An integer as the parser reads it back: 1e300, not 301 digits (at most 40 are read)."""
    text = str(abs(n))
    sign = "-" if n < 0 else ""
    if len(text) <= MAX_LITERAL_DIGITS:
        return sign + text
    mantissa = text.rstrip("0")
    zeros = len(text) - len(mantissa)
    if len(mantissa) <= MAX_LITERAL_DIGITS:
        return f"{sign}{mantissa}e{zeros}"
    # Too many significant digits to type: the nearest float, which the parser reads.
    return f"{sign}{float(abs(n)):.17g}".replace("e+", "e")


def to_input_syntax(expr: sp.Expr) -> str:
    """The expression written the way a user would type it (``^`` for powers, ``e``, ``abs``)."""
    text: str = _InputSyntaxPrinter().doprint(expr)
    return text.replace("**", "^")
