"""Background work runs behind the GUI thread for the CPU, so drawing is not starved.

On two cores, sympy, the sampling and the descent took the CPU from the GUI thread while it
drew a frame. On Linux each thread has its own nice value: worker threads and the helper
processes run at a lower priority, the GUI thread keeps its own.
"""

from __future__ import annotations

import os
import sys
import threading

import pytest
from PySide6.QtCore import QObject

from landscape_gui.core import timebound
from landscape_gui.qt.worker import WORKER_NICENESS, WorkerThread

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's"
)


def niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def niceness_of_thread(name: str) -> int | None:
    """The nice value of this process's thread called ``name`` (Qt names the OS thread
    after the QThread's object name), or None while there is none."""
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/comm") as comm:
                if comm.read().strip() != name:
                    continue
            with open(f"/proc/self/task/{task}/stat") as stat:
                # The fields after the command's closing parenthesis; nice is field 19.
                return int(stat.read().rsplit(")", 1)[1].split()[16])
        except FileNotFoundError:
            continue
    return None


def test_a_worker_thread_runs_behind_the_gui_thread(qtbot):
    gui = niceness()
    thread = WorkerThread(QObject(), "priority-test")
    try:
        # (a process already nicer than that keeps its own value: it cannot be raised)
        expected = max(gui, WORKER_NICENESS)
        qtbot.waitUntil(lambda: niceness_of_thread("priority-test") == expected, timeout=5000)
        assert niceness() == gui  # the GUI thread itself is untouched
    finally:
        thread.stop()


def test_the_helper_process_runs_behind_its_parent():
    parent = os.nice(0)
    try:
        child = timebound._call_in_child_process(os.nice, (0,), 60, helper="priority-test")
    finally:
        with timebound._children_lock:
            helper = timebound._children.pop("priority-test")
        with helper._lock:
            helper.kill()
    assert child == min(parent + timebound.HELPER_NICENESS, 19)
