"""`landscape descend` and `info` on landscapes whose numbers overflow: a CSV and one line, or
one clear refusal, never a traceback."""

from __future__ import annotations

import io
import math

import pandas
import pytest

from landscape_gui import cli
from landscape_gui.core.optimizers import OPTIMIZERS


def run(argv, capsys):
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_a_gradient_that_overflows_ends_the_run_cleanly_for_every_optimizer(capsys, optimizer):
    # f = e^(x^2) at x = 25 is 1e271 with a slope of 1e273: the first full step overflows.
    code, out, err = run(
        ["descend", "-f", "exp(x^2)", "--start", "25", "0", "--optimizer", optimizer], capsys
    )
    assert code == 0
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    rows = pandas.read_csv(io.StringIO(out), comment="#")
    assert len(rows) >= 1
    assert all(math.isfinite(v) for v in rows[["x", "y", "f", "grad_norm"]].to_numpy().ravel())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--x-range", "0", "1e-12"], "at least 0.000001 wide"),
        (["--x-range", "0", "5e-324", "--y-range", "0", "5e-324"], "at least 0.000001 wide"),
        (["--x-range", "1e-300", "2e-300", "--y-range", "1e-300", "2e-300"], "at least"),
    ],
)
def test_ranges_too_narrow_are_one_line_without_warnings(capsys, args, message):
    code, out, err = run(["info", "-f", "x^2 + y^2", *args], capsys)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_an_undefined_start_is_refused_in_a_sentence(capsys):
    code, out, err = run(["descend", "-f", "log(x)", "--start", "-1", "0"], capsys)
    assert code == 2
    assert "f is undefined at the start (-1, 0): choose a start where f has a value" in err
    assert "Step 0 of -1" not in err


def test_info_on_cbrt_prints_derivatives_that_paste_back_and_says_where_they_fail(capsys):
    from landscape_gui.core.formula import parse_formula

    code, out, err = run(["info", "-f", "cbrt(x)"], capsys)
    assert code == 0 and err == ""
    assert "Piecewise" not in out and "Eq(" not in out
    for line in out.splitlines():
        for label in ("f(x, y) = ", "∂f/∂x = ", "∂f/∂y = "):
            if line.startswith(label):
                parse_formula(line[len(label) :])
    assert "do not hold where x = 0" in out
