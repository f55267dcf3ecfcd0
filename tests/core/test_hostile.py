"""Hostile input end to end: every formula a tester broke the app with, plus a fuzzer.

Each run happens in a child process with a generous timeout, so a formula that hangs makes
the test fail (TimeoutExpired) instead of blocking the suite; the invariants themselves are
checked in the child by tests/core/hostile.py, which names the formula that broke them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_hostile(what: str, timeout: float) -> str:
    # Generous limits: the point is that a hang fails; the budgets inside are a few seconds.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tests.core.hostile", what],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout or ""
        out = out.decode() if isinstance(out, bytes) else out
        last = out.strip().splitlines()[-1:] or ["(nothing)"]
        pytest.fail(f"'{what}' did not finish in {timeout:g} s; the last formula done: {last[0]}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result.stdout


def test_the_hostile_corpus_is_drawn_or_refused_with_a_sentence():
    out = _run_hostile("corpus", timeout=240)
    outcome = dict(line.split(" => ", 1) for line in out.splitlines()[:-1])
    assert len(outcome) >= 70
    # What used to crash or hang, and should draw:
    for text in ("'1e300(x^2+y^2)'", "'\\ufeffx^2+y^2'", "'cbrt(x)'", "'x^2\\u200b+y^2'"):
        assert outcome[text] == "drawn", text


def test_the_hostile_corpus_through_landscape_info():
    out = _run_hostile("corpus-info", timeout=300)
    assert "'x^2 + sin(exp(10^10))' => exit 2" in out
    assert "'abs(floor(x))+abs(ceil(y))+floor(abs(x y))+sign(floor(x y))' => exit 0" in out


def test_fuzzed_token_strings_through_the_parser():
    _run_hostile("parser", timeout=240)


def test_fuzzed_token_strings_through_the_core_pipeline():
    _run_hostile("pipeline", timeout=240)


def test_fuzzed_well_formed_formulas_through_the_core_pipeline():
    _run_hostile("grammatical", timeout=300)


def test_fuzzed_token_strings_through_landscape_info():
    _run_hostile("info", timeout=240)
