"""Work off the GUI thread waits at its steps while a window paints (core.pacing)."""

from __future__ import annotations

import threading
import time

import pytest

from landscape_gui.core import pacing
from landscape_gui.core.formula import parse_formula
from landscape_gui.core.landscape import CompiledFormula
from landscape_gui.core.scene import Scene, build_scene
from landscape_gui.core.state import SessionState


@pytest.fixture
def holder():
    token = object()
    yield token
    pacing.release_workers(token)


def _in_thread(work) -> tuple[threading.Thread, list]:
    done: list = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)
    thread.start()
    return thread, done


def test_free_work_does_not_wait():
    assert not pacing.workers_held()
    thread, done = _in_thread(pacing.give_way)
    thread.join(5)
    assert done == [None]


def test_a_scene_built_beside_a_painting_window_waits_for_it(holder, monkeypatch):
    monkeypatch.setattr(pacing, "MAX_HOLD_SECONDS", 60.0)
    compiled = CompiledFormula(parse_formula("x^2 + 3*x*y + y^2"))
    pacing.hold_workers(holder)
    assert pacing.workers_held()
    thread, done = _in_thread(lambda: build_scene(compiled, SessionState()))
    thread.join(0.5)  # alone, the scene takes some 30 ms
    assert thread.is_alive() and done == []  # waiting at its first step
    pacing.release_workers(holder)
    thread.join(10)
    assert len(done) == 1 and isinstance(done[0], Scene)
    assert not pacing.workers_held()


def test_the_main_thread_never_waits(holder, monkeypatch):
    """The command line builds scenes on the main thread: a hold there would be a hang."""
    monkeypatch.setattr(pacing, "MAX_HOLD_SECONDS", 60.0)
    pacing.hold_workers(holder)
    started = time.monotonic()
    pacing.give_way()
    assert time.monotonic() - started < 1.0


def test_a_hold_never_let_go_only_delays_work(holder, monkeypatch):
    monkeypatch.setattr(pacing, "MAX_HOLD_SECONDS", 0.2)
    pacing.hold_workers(holder)
    thread, done = _in_thread(
        lambda: [pacing.give_way() for _ in range(50)]  # many steps, one bounded wait
    )
    thread.join(3)  # waiting 0.2 s at each of the 50 steps would take 10 s
    assert not thread.is_alive() and len(done) == 1
    assert pacing.workers_held()  # still held: the work went on regardless


def test_workers_go_on_when_every_holder_lets_go(holder):
    other = object()
    pacing.hold_workers(holder)
    pacing.hold_workers(other)
    pacing.release_workers(holder)
    assert pacing.workers_held()
    pacing.release_workers(other)
    assert not pacing.workers_held()
