"""Hostile input end to end: every formula a tester broke the app with, plus a fuzzer.

Each run happens in a child process with a generous timeout, so a formula that hangs makes
the test fail (TimeoutExpired) instead of blocking the suite; the invariants themselves are
checked in the child by tests/core/hostile.py, which names the formula that broke them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


WHAT = ("corpus", "corpus-info", "parser", "pipeline", "grammatical", "info")
# Generous limits: the point is that a hang fails; the budgets inside are a few seconds.
TIMEOUT = 300


def _child(what: str) -> tuple[str, str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tests.core.hostile", what],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout or ""
        out = out.decode() if isinstance(out, bytes) else out
        last = out.strip().splitlines()[-1:] or ["(nothing)"]
        return "timeout", f"did not finish in {TIMEOUT} s; the last formula done: {last[0]}", ""
    return str(result.returncode), result.stdout, result.stderr


@pytest.fixture(scope="module")
def children():
    """All six runs, two at a time (the machine's two cores), started once for the module."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(WHAT, pool.map(_child, WHAT), strict=True))


def _run_hostile(children, what: str) -> str:
    code, out, err = children[what]
    assert code != "timeout", f"'{what}' {out}"
    assert code == "0", out[-3000:] + err[-3000:]
    assert out.strip().endswith("ok")
    assert "Traceback" not in err, err[-3000:]
    return out


def test_the_hostile_corpus_is_drawn_or_refused_with_a_sentence(children):
    out = _run_hostile(children, "corpus")
    outcome = dict(line.split(" => ", 1) for line in out.splitlines()[:-1])
    assert len(outcome) >= 70
    # What used to crash or hang, and should draw:
    for text in ("'1e300(x^2+y^2)'", "'\\ufeffx^2+y^2'", "'cbrt(x)'", "'x^2\\u200b+y^2'"):
        assert outcome[text] == "drawn", text


def test_the_hostile_corpus_through_landscape_info(children):
    out = _run_hostile(children, "corpus-info")
    assert "'x^2 + sin(exp(10^10))' => exit 2" in out
    assert "'abs(floor(x))+abs(ceil(y))+floor(abs(x y))+sign(floor(x y))' => exit 0" in out


def test_fuzzed_token_strings_through_the_parser(children):
    _run_hostile(children, "parser")


def test_fuzzed_token_strings_through_the_core_pipeline(children):
    _run_hostile(children, "pipeline")


def test_fuzzed_well_formed_formulas_through_the_core_pipeline(children):
    _run_hostile(children, "grammatical")


def test_fuzzed_token_strings_through_landscape_info(children):
    _run_hostile(children, "info")
