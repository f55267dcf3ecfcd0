"""Numbers as text: the one family of formatters every view, caption and command uses.

The variants differ on purpose, each for where its text is read:

* :func:`number` - ``digits`` significant digits: the ``landscape info`` output (6) and the
  window's short status texts (4).
* :func:`readout` - the probe readout: 4 significant digits, e-notation below 1e-3 (so a tiny
  slope is not shown as 0), and a true minus sign (−) that lines up with the digits.
* :func:`decimals` - two decimals for slopes read off a slice plot, e-notation when huge or
  tiny; round-off below 1e-12 reads as 0.00.
* :func:`spoken` - captions, as a number is read aloud: two decimals, or three significant
  digits when large or tiny.
* :func:`arithmetic` - the worked step ``new = old − lr × ∇f``: always two decimals so the
  columns of the sum line up, three significant digits once huge.
* :func:`entry` - what a number box shows: the shortest text that types back to the value
  (``1e-8``, not ``1e-08``).
* :func:`level` - contour labels: three significant digits, e-notation when huge or tiny.
* :func:`tick` - axis ticks: just enough decimals for the tick spacing.
* :func:`height` - colour-bar labels: whole numbers without decimals, never an SI prefix.

Every variant except :func:`entry`, :func:`level` and :func:`tick` (whose inputs are finite by
construction) says :data:`UNDEFINED` for NaN and infinities; none but :func:`entry` (which must
type back to the value) writes a negative zero such as ``-0`` or ``-0.00``.
"""

from __future__ import annotations

import math

__all__ = [
    "UNDEFINED",
    "arithmetic",
    "decimals",
    "entry",
    "height",
    "level",
    "number",
    "readout",
    "spoken",
    "tick",
]

UNDEFINED = "undefined"
MINUS = "−"


def _no_negative_zero(text: str, zero: str = "0") -> str:
    """``-0``, ``-0.00``, ``-0.000e+00``: round-off, not a sign worth showing."""
    if text.startswith("-") and float(text) == 0:
        return zero or text[1:]
    return text


def number(value: float, digits: int = 6) -> str:
    """``digits`` significant digits (``landscape info``: 6, short status texts: 4)."""
    if not math.isfinite(value):
        return UNDEFINED
    return _no_negative_zero(f"{value:.{digits}g}")


def readout(value: float) -> str:
    """The probe readout: 4 significant digits, e-notation below 1e-3, a true minus sign."""
    if not math.isfinite(value):
        return UNDEFINED
    text = f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    return _no_negative_zero(text).replace("-", MINUS)


def decimals(value: float) -> str:
    """Two decimals for everyday values, scientific notation for huge or tiny ones."""
    if not math.isfinite(value):
        return UNDEFINED
    magnitude = abs(value)
    if magnitude < 1e-12:
        return "0.00"  # round-off at a flat point, not a slope worth reading
    if magnitude >= 1e5 or magnitude < 5e-3:
        return f"{value:.2e}"
    return _no_negative_zero(f"{value:.2f}", "0.00")


def spoken(value: float) -> str:
    """A number as it is read aloud: 2 decimals, or 3 significant digits when large or tiny."""
    if not math.isfinite(value):
        return UNDEFINED
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-2:
        return f"{value:.3g}"
    return _no_negative_zero(f"{value:.2f}", "0.00")


def arithmetic(value: float) -> str:
    """The worked step: always two decimals (the sum's columns line up), 3 digits when huge."""
    if not math.isfinite(value):
        return UNDEFINED
    return _no_negative_zero(f"{value:.2f}", "0.00") if abs(value) < 1e5 else f"{value:.3g}"


def entry(value: float) -> str:
    """Short, exact-enough text for a number box: 0.1, 0.0001, 1e-8, 0.999."""
    text = f"{value:.6g}"
    mantissa, exponent_mark, exponent = text.partition("e")
    if exponent_mark:
        text = f"{mantissa}e{int(exponent)}"
    return text


def level(value: float) -> str:
    """A contour label: 3 significant digits, e-notation when huge or tiny."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e4 or magnitude < 1e-2:
        return f"{value:.2e}"
    return f"{value:.3g}"


def tick(value: float, step: float) -> str:
    """An axis tick label with just enough decimals for this tick spacing."""
    if step <= 0 or not math.isfinite(step):
        return f"{value:.3g}"
    if abs(value) >= 1e5 or (abs(value) < 1e-3 and value != 0):
        return f"{value:.2g}"
    places = max(0, -math.floor(math.log10(step) + 1e-9))
    return _no_negative_zero(f"{value:.{places}f}", "")


def height(value: float) -> str:
    """A colour-bar label in plain units: 0.5, 120, 3.2e+05 (never an SI prefix)."""
    magnitude = abs(value)
    if value == 0:
        return "0"
    if magnitude >= 1e5 or magnitude < 1e-3:
        return f"{value:.2g}"
    if value == round(value):
        return f"{value:.0f}"
    return f"{value:.3g}"
