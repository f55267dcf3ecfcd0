"""Reference cycles are collected on the GUI thread only, once worker threads exist.

A cycle holding Qt objects freed by a worker thread deadlocked the window (the worker held a
QObject lock and waited for the interpreter lock; the GUI thread held the interpreter lock
and waited for the QObject lock). So collection must never start in a worker.
"""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from landscape_gui.qt.worker import WorkerThread


def make_cycles(count: int) -> None:
    for _ in range(count):
        cycle: list = []
        cycle.append(cycle)


def test_cycles_made_in_another_thread_are_collected_on_the_gui_thread(qtbot):
    worker = WorkerThread(QObject(), "garbage-test")
    collections: list[bool] = []  # per collection: did it run on the GUI thread?

    def record(phase: str, _info: dict) -> None:
        if phase == "start":
            collections.append(threading.current_thread() is threading.main_thread())

    gc.callbacks.append(record)
    try:
        # Far more allocations than the automatic threshold (700): left automatic, the
        # collector would start in this thread many times over.
        maker = threading.Thread(target=make_cycles, args=(50_000,))
        maker.start()
        maker.join()
        qtbot.waitUntil(lambda: len(collections) > 0, timeout=5000)
    finally:
        gc.callbacks.remove(record)
        worker.stop()
    assert all(collections), f"{collections.count(False)} collections ran in another thread"
    assert not gc.isenabled()


def test_a_settled_window_leaves_what_exists_out_of_collections_until_it_closes(qtbot):
    """Full collections run on the GUI thread; walking sympy and every widget each time
    stalled the window (about 80 ms at rest). Once the window has settled, what exists is
    frozen out of collections; closing the window hands it back, so its cycles still go."""
    from tests.qt.conftest import open_window

    gc.unfreeze()
    win = open_window(qtbot)
    qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=10_000)
    frozen = gc.get_freeze_count()
    assert frozen > len(gc.get_objects()), (frozen, len(gc.get_objects()))
    with qtbot.waitSignal(win.destroyed, timeout=5000):
        win.close()
    assert gc.get_freeze_count() == 0
