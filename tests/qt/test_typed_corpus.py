"""Every hostile formula the tester typed into the window, typed again: the window must settle
on each (the new landscape, or the error shown and the last good landscape kept), never crash,
never print a traceback, and keep its event loop turning.

The window runs in a child process with a time limit, so a hang fails the test instead of
blocking the run, and a crash is an exit code rather than the end of the test session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys, time
import landscape_gui.core.landscape
from landscape_gui.qt.app import create_application
app = create_application()
from PySide6.QtCore import QTimer, Qt
from PySide6.QtTest import QTest
from landscape_gui.qt import export
from landscape_gui.qt.main_window import MainWindow
from tests.core.hostile import TESTER

window = MainWindow(remember_geometry=False, prompt_unsaved=False)
window.resize(1400, 900)
window.show()
controller = window.controller
export.wait_until(lambda: controller.landscape is not None, 30)

gaps, last = [], [time.perf_counter()]
def beat():
    now = time.perf_counter()
    gaps.append(now - last[0])
    last[0] = now
heart = QTimer()
heart.timeout.connect(beat)
heart.start(10)

messages = []
controller.message.connect(messages.append)
edit = window.views.formula.formula_edit
error = window.views.formula.error_label
unsettled, results = [], []
worst = {}
for text in TESTER:
    gaps_before = len(gaps)
    messages.clear()
    before = controller.state.formula
    edit.setFocus()
    edit.setText(text)
    QTest.keyClick(edit, Qt.Key.Key_Return)
    def settled():
        if error.text():
            return "refused"
        if messages and messages[-1].startswith("Formula not used"):
            return "refused"
        if controller.state.formula != before and controller.landscape is not None:
            return "drawn"
        if controller.state.formula == before and messages and messages[-1] == "":
            return "drawn"
        return None
    ok = export.wait_until(lambda: settled() is not None, 30)
    outcome = settled() if ok else "unsettled"
    results.append((text[:40], outcome, controller.state.formula == before))
    worst[text[:40]] = round(1000 * max(gaps[gaps_before:], default=0), 1)
    if outcome == "unsettled":
        unsettled.append(text[:60])
    if outcome == "refused":
        assert controller.landscape is not None, text  # the last good landscape stays
    # Settle the view before the next one, and leave the formula to a known good one.
    export.wait_until(lambda: False, 0.05)
heart.stop()
window.close()
from landscape_gui.qt import worker
# A worker still finishing (the analysis of the last formula, behind the GUI for the CPU) is
# waited for, as the app's own exit does, so the process never ends with a thread running.
worker.wait_for_abandoned(60_000)
print(json.dumps({
    "count": len(TESTER),
    "unsettled": unsettled,
    "drawn": sum(1 for r in results if r[1] == "drawn"),
    "refused": sum(1 for r in results if r[1] == "refused"),
    "worst_gap_ms": round(1000 * max(gaps), 1),
    "worst_input": max(worst, key=worst.get),
    "gaps_by_input_ms": worst,
    "median_gap_ms": round(1000 * sorted(gaps)[len(gaps) // 2], 1),
}))
"""


def test_every_typed_hostile_formula_settles_without_a_crash():
    result = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["unsettled"] == []
    assert report["drawn"] + report["refused"] == report["count"] >= 20
    assert report["refused"] > 0 and report["drawn"] > 0  # the corpus has both kinds
    # Not a speed target (the benchmark measures those): a guard against a frozen window,
    # which the tester saw for 16 s on `x^2 + sin(exp(10^10))`.
    assert report["worst_gap_ms"] < 3000, report
    print(report)
