"""The one worker pattern: a QObject living in its own QThread, spoken to only by queued signals.

Workers never touch widgets. The GUI thread emits a request signal; the worker's slot runs in
the worker thread and answers with a result signal, which Qt queues back to the GUI thread.
``WorkerThread`` owns the start/stop lifecycle so every worker shuts down the same way (quit,
then wait), and closing the window never leaves a thread running.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal, Slot

from landscape_gui.core import calculus
from landscape_gui.qt import typeset


class WorkerThread:
    """Owns a worker object and the thread it runs in."""

    def __init__(self, worker: QObject, name: str):
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        self.thread.start()

    def stop(self, timeout_ms: int = 5000) -> None:
        if self.thread.isRunning():
            stopper = getattr(self.worker, "request_stop", None)
            if stopper is not None:
                stopper()
            self.thread.quit()
            self.thread.wait(timeout_ms)


class AnalysisWorker(QObject):
    """Slow symbolic work off the GUI thread: tidy derivatives, exact critical points, typesetting.

    Each request carries a generation number; answers to superseded requests are still sent but
    the controller drops them, so typing quickly never shows a stale derivative.
    """

    finished = Signal(int, object)  # generation, AnalysisResult

    @Slot(int, object, object, bool)
    def analyse(self, generation: int, display_expr, solve_expr, dark: bool) -> None:
        analysis = calculus.analyse(display_expr, seconds=4.0, solve_expr=solve_expr)
        pictures = typeset.derivative_pictures(analysis, dark=dark)
        self.finished.emit(generation, (analysis, pictures))
