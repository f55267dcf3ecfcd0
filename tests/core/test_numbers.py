"""The one family of number formatters: each variant's own job, and what they share."""

import math

import pytest

from landscape_gui.core import numbers

FINITE_ONLY = (
    numbers.number,
    numbers.readout,
    numbers.decimals,
    numbers.spoken,
    numbers.arithmetic,
)


@pytest.mark.parametrize("format_", FINITE_ONLY)
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_every_variant_says_undefined_for_what_is_not_a_number(format_, value):
    assert format_(value) == numbers.UNDEFINED == "undefined"


@pytest.mark.parametrize(
    ("format_", "text"),
    [
        (lambda v: numbers.number(v, 4), "0"),  # the window's status texts said "-0"
        (numbers.number, "0"),
        (numbers.readout, "0"),
        (numbers.arithmetic, "0.00"),  # the worked step said "-0.00"
        (lambda v: numbers.tick(v, 0.2), "0.0"),  # a tick at -0.0 said "-0.0"
        (numbers.level, "0"),
    ],
)
def test_no_variant_shows_a_negative_zero(format_, text):
    assert format_(-0.0) == text


def test_arithmetic_rounds_a_tiny_negative_to_zero_without_a_sign():
    assert numbers.arithmetic(-0.001) == "0.00"
    assert numbers.arithmetic(-0.25) == "-0.25"


def test_number_keeps_the_digits_asked_for():
    assert numbers.number(1 / 3) == "0.333333"
    assert numbers.number(1 / 3, 4) == "0.3333"
    assert numbers.number(-2.5e-7, 4) == "-2.5e-07"


def test_readout_uses_a_true_minus_sign_and_e_notation_when_tiny():
    assert numbers.readout(-1.5) == "−1.5"
    assert numbers.readout(0.0001234) == "1.234e−04"  # the exponent's sign too
    assert numbers.readout(-0.0001234) == "−1.234e−04"


def test_spoken_and_arithmetic_differ_on_purpose_for_small_numbers():
    # A caption reads a small gradient aloud; the worked sum keeps two decimals per column.
    assert numbers.spoken(0.004) == "0.004"
    assert numbers.arithmetic(0.004) == "0.00"
    assert numbers.spoken(2.5) == numbers.arithmetic(2.5) == "2.50"
    assert numbers.spoken(0) == "0"


def test_entry_types_back_to_the_value():
    for value in (0.1, 1e-8, 0.999, 2.5e-12, 123456.0):
        assert float(numbers.entry(value)) == value
    assert numbers.entry(1e-8) == "1e-8"


def test_level_and_tick():
    assert numbers.level(12.5) == "12.5"
    assert numbers.level(25000.0) == "2.50e+04"
    assert numbers.tick(0.4, 0.2) == "0.4"
    assert numbers.tick(150.0, 50.0) == "150"
    assert numbers.tick(2.0e6, 1.0e6) == "2e+06"


def test_height_labels_whole_numbers_plainly():
    assert numbers.height(120.0) == "120"
    assert numbers.height(0.5) == "0.5"
    assert numbers.height(320000.0) == "3.2e+05"


def test_no_module_outside_core_numbers_defines_its_own_formatter():
    """The nine formatters #11 counted now live in core/numbers.py only."""
    import pathlib

    import landscape_gui

    root = pathlib.Path(landscape_gui.__file__).parent
    gone = (
        "def _fmt(",
        "def _short(",
        "def format_number(",
        "def format_value(",
        "def arithmetic_number(",
        "def _format_level(",
        "def format_tick(",
        "def format_height(",
        "def number(",
    )
    for path in root.rglob("*.py"):
        if path.name == "numbers.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not [name for name in gone if name in text], path
