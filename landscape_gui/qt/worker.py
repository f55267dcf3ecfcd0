"""The one worker pattern: a QObject living in its own QThread, spoken to only by queued signals.

Workers never touch widgets. The GUI thread emits a request signal; the worker's slot runs in
the worker thread and answers with a result signal, which Qt queues back to the GUI thread.
``WorkerThread`` owns the start/stop lifecycle so every worker shuts down the same way (quit,
then wait), and closing the window never leaves a thread running.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
import time
import weakref
from dataclasses import dataclass

import numpy as np
import shiboken6
from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from landscape_gui.core import basins, calculus, pacing, timebound
from landscape_gui.core.descent import DescentError, DescentRun, History
from landscape_gui.core.formula import FormulaError, looks_expensive, parse_formula
from landscape_gui.core.landscape import CompiledFormula, Landscape
from landscape_gui.core.optimizers import OptimizerError, get_optimizer
from landscape_gui.core.scene import SceneError, build_scene
from landscape_gui.core.session import SessionError, load_session
from landscape_gui.qt import typeset

# How long closing a window waits for a worker to finish what it is doing. Every slow job
# either runs in a helper process that is killed (the exact analysis) or checks a stop flag
# often (descent, basins), so this is ample; a job that still has not returned (a formula
# being compiled) is abandoned to the reaper, never destroyed while it runs.
STOP_WAIT_MS = 250
REAP_INTERVAL_MS = 50
# How often the GUI thread collects reference cycles once worker threads exist (see below):
# often enough that a few hundred milliseconds of a worker's garbage is all that waits.
GUI_COLLECT_INTERVAL_S = 0.25


def collect_garbage_on_gui_thread() -> None:
    """From now on, Python's cycle collector runs on the GUI thread only.

    Left automatic, it runs in whichever thread happens to allocate. When a worker thread
    frees a cycle holding Qt objects (a closed window's widgets and their connections), Qt
    destroys them in that thread: it holds a QObject lock while PySide waits for the
    interpreter lock, and the GUI thread, deleting a related object, holds the interpreter
    lock while it waits for that QObject lock. Both wait for ever: the window freezes (gdb
    showed exactly these two stacks). pyqtgraph's GarbageCollector exists for this: automatic
    collection off, a GUI-thread timer collecting instead. Called on the GUI thread.
    """
    global _GUI_COLLECTOR
    if _GUI_COLLECTOR is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _GUI_COLLECTOR = GarbageCollector(interval=GUI_COLLECT_INTERVAL_S)


_GUI_COLLECTOR = None


def leave_settled_objects_out_of_collections() -> None:
    """Leave everything alive now out of later cycle collections (``gc.freeze``).

    Once a window has settled, most of what the process holds lives as long as it does: the
    modules (sympy alone is most of it), sympy's caches and the window's widgets. A full
    collection walks all of it on the GUI thread each time, about 80 ms at rest on the test
    machine and several times that under load, a stall the student sees while a run plays.
    Frozen, a full collection only walks what was made since. A closing window hands it all
    back (``return_settled_objects_to_collections``), so nothing it held is kept for good.
    """
    gc.freeze()


def return_settled_objects_to_collections() -> None:
    """Undo ``leave_settled_objects_out_of_collections``: a closed window's cycles (and
    anything else frozen with it) are collected again by the next full collection."""
    gc.unfreeze()


WORKER_NICENESS = 10  # how much less of a core a worker thread gets than the GUI thread


def run_behind_the_gui() -> None:
    """Lower the calling thread's scheduling priority (Linux schedules each thread by its
    own nice value): on two cores, sympy, the sampling and the descent would otherwise take
    the CPU from the GUI thread while it draws, and the window stalls though it has work to
    do. Where a thread's priority cannot be set this way (macOS, Windows) nothing changes."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)


class WorkerThread:
    """Owns a worker object and the thread it runs in."""

    def __init__(self, worker: QObject, name: str):
        collect_garbage_on_gui_thread()  # before any worker thread can allocate
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        # Called directly on ``started``, so in the new thread, before any of its work (a
        # plain function connected the default way would be queued to this thread).
        self.thread.started.connect(run_behind_the_gui, Qt.ConnectionType.DirectConnection)
        self.thread.start()
        _STARTED.add(self)

    def stop(self, timeout_ms: int = STOP_WAIT_MS) -> None:
        """Ask the worker to stop and the thread to quit; wait a moment, no longer.

        A thread still busy after ``timeout_ms`` is handed to the reaper, which keeps it (and
        its worker) alive until it has finished, so it is never destroyed while running.
        """
        stopper = getattr(self.worker, "request_stop", None)
        if stopper is not None:
            stopper()
        self.thread.quit()
        if not self.thread.wait(timeout_ms):
            _reaper().hold(self.thread, self.worker)


class _Reaper(QObject):
    """Holds threads that were still busy when their window closed, until they finish."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[QThread, QObject]] = []
        self._timer = QTimer(self)
        self._timer.setInterval(REAP_INTERVAL_MS)
        self._timer.timeout.connect(self.release_finished)

    def hold(self, thread: QThread, worker: QObject) -> None:
        self.held.append((thread, worker))
        self._timer.start()

    def release_finished(self) -> None:
        self.held = [(t, w) for t, w in self.held if not t.wait(0)]
        if not self.held:
            self._timer.stop()


_REAPER: _Reaper | None = None


def _reaper() -> _Reaper:
    global _REAPER
    if _REAPER is None:
        _REAPER = _Reaper()  # made on the GUI thread, where stop() is called
    return _REAPER


_STARTED: weakref.WeakSet[WorkerThread] = weakref.WeakSet()


def running_threads() -> list[str]:
    """Names of worker threads still running that were neither stopped nor handed to the
    reaper: a window that closed without stopping one leaked it (the tests check this)."""
    held = {id(thread) for thread, _worker in _REAPER.held} if _REAPER is not None else set()
    names = []
    for started in list(_STARTED):
        thread = started.thread
        if shiboken6.isValid(thread) and thread.isRunning() and id(thread) not in held:
            names.append(thread.objectName())
    return names


def busy_threads() -> int:
    """How many abandoned worker threads are still running (tests; the app's exit)."""
    if _REAPER is None:
        return 0
    _REAPER.release_finished()
    return len(_REAPER.held)


def wait_for_abandoned(timeout_ms: int) -> bool:
    """Wait up to ``timeout_ms`` for abandoned threads to finish; True when none is left."""
    deadline = time.monotonic() + timeout_ms / 1000
    while busy_threads():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        _REAPER.held[0][0].wait(max(1, int(remaining * 1000)))
    return True


class CompileWorker(QObject):
    """Differentiating and lambdifying a new formula (up to a few hundred ms for a big one)
    happens here, so typing never freezes the window; the result is then only called.

    CompiledFormula bounds its own cost (``landscape.COMPILE_SECONDS``): off the main thread
    it first tries the work in a helper process that is killed when time is up, so one
    formula can never hold this thread for longer than that."""

    # request number, (CompiledFormula, Scene, SceneError or None) or an error message
    compiled = Signal(int, object)

    def __init__(self) -> None:
        super().__init__()
        # Written by the GUI thread: the newest request it has sent. Requests queued behind a
        # newer one are dropped unanswered (a slider dragged sends many; only the last counts).
        self.latest_request = -1

    @Slot(int, object, object)
    def compile(self, request: int, formula, state) -> None:
        """Compile ``formula`` (its text, its parse, or already compiled) and, when ``state``
        is given, build the scene the window will draw for it: sampling the grid and searching
        for critical points can take seconds, which must not be spent on the GUI thread."""
        if request < self.latest_request:
            return
        pacing.give_way()  # a window painting the landscape before this one goes first
        if request < self.latest_request:
            return  # superseded meanwhile
        try:
            if isinstance(formula, str):
                formula = parse_formula(formula)
            compiled = formula if isinstance(formula, CompiledFormula) else CompiledFormula(formula)
        except FormulaError as error:  # already one sentence for the student
            self.compiled.emit(request, str(error))
            return
        except Exception:  # anything else: a message, never a crash or Python's own text
            self.compiled.emit(request, "this formula cannot be drawn; try writing it differently")
            return
        scene: object = None
        if state is not None:
            try:
                scene = build_scene(compiled, state)
            except SceneError as error:  # the controller refuses the change with this reason
                scene = error
        self.compiled.emit(request, (compiled, scene))


ANALYSIS_SECONDS = 4.0  # differentiating and tidying (the exact solve has its own)
ANALYSIS_LIMIT_SECONDS = 20.0  # the whole job in a helper process, typesetting included
SOLVE_SECONDS = 2.0  # sympy's solve of grad f = 0, inside the helper process
SOLVE_LIMIT_SECONDS = 30.0  # the same call, the helper's start-up included


class AnalysisWorker(QObject):
    """The derivatives, tidied, and their typeset pictures, off the GUI thread.

    This is what a student looks at, so nothing slow stands in front of it: the exact solve
    of grad f = 0 is a separate job (``SolveWorker``). A formula the parser knows to be cheap
    (``formula.looks_expensive``) takes milliseconds of work, done in the process's shared
    quick helper (``timebound.quick_helper``) as ``quick_helper_mode`` says, else in this
    thread. Done in the window's process, that work holds the interpreter lock the GUI thread
    needs to draw: with the analysis of the last landscape running beside the drawing of the
    next (undo held down, one preset after another), the longest stalls were half as long
    again. Any other formula runs in a helper process of this worker's own, started only
    then, so a formula sympy or the typesetter could chew on for minutes is stopped by
    killing that process, when time is up or when the window closes. Each request carries a
    generation number; answers to superseded requests are still sent but the controller
    drops them. The answer is ``(analysis, pictures)``, or a message saying why there is
    none (the plain derivatives already on screen stay).
    """

    finished = Signal(int, object)  # generation, (SymbolicAnalysis, pictures) or a message

    # How the cheap analyses use the quick helper:
    WHEN_FREE = "when free"  # if it runs and is free; started after the first answer here
    ALWAYS = "always"  # waiting for it (the screenshot starts it first thing)
    NEVER = "never"  # this thread does them all

    def __init__(self) -> None:
        super().__init__()
        self.helper = timebound.HelperProcess()  # starts a process on its first call only
        self.quick_helper = timebound.quick_helper
        # Written by the GUI thread (and set to NEVER at shutdown).
        self.quick_helper_mode = self.WHEN_FREE

    def request_stop(self) -> None:
        # From the GUI thread at shutdown: a job in the helper process ends at once.
        self.quick_helper_mode = self.NEVER
        self.helper.abort()

    @Slot(int, object, object)
    def analyse(self, generation: int, display_expr, _solve_expr=None) -> None:
        # (``_solve_expr``, f with numbers in, is the SolveWorker's: the controller sends it
        # there once the derivatives are shown.)
        start_helper = False
        try:
            if looks_expensive(display_expr):
                result = self.helper.call(
                    typeset.derivatives_and_pictures,
                    (display_expr, ANALYSIS_SECONDS),
                    ANALYSIS_LIMIT_SECONDS,
                )
            else:  # cheap by the parser's measure: no time limit needed
                answered, result = self._quick_call(display_expr)
                if not answered:
                    result = typeset.derivatives_and_pictures(display_expr, None)
                    start_helper = self.quick_helper_mode == self.WHEN_FREE
        except timebound.TimeLimitExceeded:
            result = f"it took longer than {ANALYSIS_LIMIT_SECONDS:g} s"
        except Exception as error:  # any failure becomes an answer: the thread carries on
            result = f"sympy failed: {type(error).__name__}: {str(error)[:200]}"
        self.finished.emit(generation, result)
        if start_helper and timebound.quick_helper_usable():
            timebound.start_quick_helper()  # after the answer: nobody waits for it

    def _quick_call(self, display_expr) -> tuple[bool, object]:
        """``(True, answer)`` from the quick helper, or ``(False, None)``: do it here."""
        mode = self.quick_helper_mode
        if mode == self.NEVER or not timebound.quick_helper_usable():
            return False, None
        job = (display_expr, None)
        try:
            if mode == self.ALWAYS:
                answer = self.quick_helper.call(
                    typeset.derivatives_and_pictures, job, ANALYSIS_LIMIT_SECONDS
                )
                return True, answer
            return self.quick_helper.call_if_free(
                typeset.derivatives_and_pictures, job, ANALYSIS_LIMIT_SECONDS
            )
        except timebound.TimeLimitExceeded:  # the helper ended: this thread does the work
            return False, None


class SolveWorker(QObject):
    """sympy's exact solve of grad f = 0, which on a transcendental formula runs to its time
    limit: always in a helper process (killed when time is up or the window closes), started
    on the first request, never in front of anything the window shows. The answer replaces
    the numerical critical points when it comes: ``calculus.ExactCriticalPoints``, or a
    message when the helper itself failed."""

    solved = Signal(int, object)  # generation, ExactCriticalPoints or a message

    def __init__(self) -> None:
        super().__init__()
        self.helper = timebound.HelperProcess()
        # Written by the GUI thread: the newest generation it asked about (older queued
        # requests are skipped, not solved), and whether the window is closing.
        self.latest_generation = -1
        self.stopping = False

    def request_stop(self) -> None:
        self.stopping = True
        self.helper.abort()

    @Slot(int, object)
    def solve(self, generation: int, solve_expr) -> None:
        if self.stopping or generation < self.latest_generation:
            return
        try:
            result = self.helper.call(
                calculus.exact_critical_points, (solve_expr, SOLVE_SECONDS), SOLVE_LIMIT_SECONDS
            )
        except timebound.TimeLimitExceeded:
            result = f"it took longer than {SOLVE_LIMIT_SECONDS:g} s"
        except Exception as error:
            result = f"sympy failed: {type(error).__name__}: {str(error)[:200]}"
        self.solved.emit(generation, result)


@dataclass(frozen=True)
class RunUpdate:
    """New recorded steps of run ``index`` (the one record type, plain arrays safe to hand
    across threads) and how many steps the run has taken (a diverged run's failing step is
    counted but not recorded), and for a diverged run why it stopped: the status is the
    History's, the reason only qualifies it, so it rides here rather than in a second record.
    The generation travels beside it in the signal."""

    index: int
    history: History  # a constrained run's history carries g and the λ estimate
    steps_taken: int
    reason: str | None = None  # why a diverged run stopped (DescentRun.stop_reason)


YIELD_SECONDS = 0.0005
BASIN_RESOLUTION = 200
RECOMPUTE_SLICE = 2000  # steps between checks for a newer configuration or a closing window


class DescentWorker(QObject):
    """Owns the optimizer state of every run and advances them on request.

    Commands carry the generation of the configuration they are about; a command for an older
    generation is ignored, so a reset or a new formula cancels whatever was queued before it.
    Playing "as fast as possible" steps in chunks of about one frame (``FRAME_SECONDS``) and
    returns to the event loop between chunks, which both caps the stream at ~60 updates a
    second and lets a pause or reset through promptly.
    """

    progressed = Signal(int, object)  # generation, list[RunUpdate]
    basinsReady = Signal(int, object)  # request number, BasinMap or an error message
    failed = Signal(int, str)  # generation, message
    stopped = Signal(int)  # generation: a fast run ended (finished or paused)

    FRAME_SECONDS = 1 / 60

    def __init__(self) -> None:
        super().__init__()
        self._generation = -1
        self._runs: list[DescentRun] = []
        self._sent: list[int] = []
        self._catch_up: list[int] = []
        self._fast = False
        self._chunk = 64
        # Also written by the GUI thread: the newest generation and basin request it has sent
        # (work for an older one is dropped at once), and whether the window is closing.
        self.latest_generation = -1
        self.latest_basin_request = -1
        self.stopping = False

    def request_stop(self) -> None:
        # Called from the GUI thread at shutdown; a plain attribute write is atomic in CPython.
        self.stopping = True
        self._fast = False

    def _superseded(self, generation: int) -> bool:
        return self.stopping or generation < self.latest_generation

    @Slot(int, object)
    def configure(self, generation: int, setup) -> None:
        """Build fresh runs from ``setup`` = (compiled, parameter_values, domain, runs,
        max_steps, tolerance, already, constraint) and send what the GUI does not have yet:
        ``already`` says how many records of each run it holds (from a session file); those
        steps are recomputed silently so the optimizer state is right for continuing. The
        constraint (or None) goes to the runs whose optimizer walks along a curve."""
        self._generation = generation
        self._fast = False
        if self._superseded(generation):
            self._runs = []
            return
        compiled, parameter_values, domain, runs, max_steps, tolerance, already, curve = setup
        try:
            landscape = Landscape(compiled, dict(parameter_values), domain)
            self._runs = [
                DescentRun(
                    landscape,
                    [run.start],
                    run.optimizer,
                    run.hyperparameters,
                    max_steps=max_steps,
                    tol=tolerance,
                    constraint=curve if get_optimizer(run.optimizer).constrained else None,
                )
                for run in runs
            ]
        except (OptimizerError, DescentError, ValueError) as error:
            self._runs = []
            self.failed.emit(generation, str(error))
            return
        self._sent = list(already)
        # Steps the GUI already holds (from a session file) are recomputed only when more are
        # asked for: opening a file of a million steps costs nothing until one steps past it.
        self._catch_up = [max(0, count - 1) for count in already]
        self._emit_new()

    def _caught_up(self, generation: int) -> bool:
        """Recompute the steps the GUI already has, in slices (so a newer configuration or
        closing the window cuts it short); False when it was cut short."""
        with np.errstate(all="ignore"):
            for run, count in zip(self._runs, self._catch_up, strict=True):
                while run.steps_taken < count and not run.is_finished:
                    if self._superseded(generation):
                        return False
                    run.advance(min(RECOMPUTE_SLICE, count - run.steps_taken))
        self._catch_up = [0] * len(self._runs)
        return True

    @Slot(int, object)
    def compute_basins(self, request: int, setup) -> None:
        """Descent from every start of a grid (vectorized): which minimum each one reaches."""
        compiled, parameter_values, domain, settings, steps = setup

        def cancelled() -> bool:
            return self.stopping or request < self.latest_basin_request

        if cancelled():
            return
        try:
            landscape = Landscape(compiled, dict(parameter_values), domain)
            result = basins.compute_basins(
                landscape,
                resolution=BASIN_RESOLUTION,
                optimizer=settings.optimizer,
                hyperparameters=settings.hyperparameters,
                steps=steps,
                cancelled=cancelled,
            )
        except basins.Cancelled:
            return  # a newer map was asked for, or the window is closing
        except (OptimizerError, DescentError, ValueError) as error:
            result = str(error)
        self.basinsReady.emit(request, result)

    @Slot(int, int)
    def extend(self, generation: int, steps: int) -> None:
        """Take up to ``steps`` more steps in every run that has not stopped."""
        if generation != self._generation or not self._runs or self._superseded(generation):
            return
        if not self._caught_up(generation):
            return
        with np.errstate(all="ignore"):
            for run in self._runs:
                done = run.steps_taken + steps
                while run.steps_taken < done and not run.is_finished:
                    pacing.give_way()  # a new landscape being painted goes first
                    if self._superseded(generation):
                        return
                    run.advance(min(RECOMPUTE_SLICE, done - run.steps_taken))
        self._emit_new()

    @Slot(int)
    def play_fast(self, generation: int) -> None:
        if generation != self._generation or not self._runs:
            return
        if not self._caught_up(generation):
            return
        self._fast = True
        self._fast_chunk()

    @Slot()
    def pause(self) -> None:
        self._fast = False

    def _fast_chunk(self) -> None:
        if not self._fast:
            return
        deadline = time.perf_counter() + self.FRAME_SECONDS
        while time.perf_counter() < deadline and not self._all_finished():
            # Stand aside while the GUI thread draws and paints a frame (core.pacing), before
            # a chunk as well as after: drawing makes hundreds of short Python calls, each of
            # which would otherwise wait a switch interval for the interpreter lock.
            if pacing.workers_held():
                pacing.give_way()
                continue
            started = time.perf_counter()
            for run in self._runs:
                run.advance(self._chunk)
            # Size chunks to a few milliseconds so the deadline is met closely.
            spent = time.perf_counter() - started
            time.sleep(YIELD_SECONDS)  # hand the lock to the GUI thread between chunks
            if spent < 0.002:
                self._chunk = min(self._chunk * 2, 1 << 16)
            elif spent > 0.008 and self._chunk > 1:
                self._chunk //= 2
        self._emit_new()
        if self._all_finished():
            self._fast = False
            self.stopped.emit(self._generation)
        elif self._fast:
            QTimer.singleShot(0, self._fast_chunk)
        else:
            self.stopped.emit(self._generation)

    def _all_finished(self) -> bool:
        return all(run.is_finished for run in self._runs)

    def _emit_new(self) -> None:
        updates = []
        for index, run in enumerate(self._runs):
            if self._catch_up[index] > run.steps_taken:
                continue  # the GUI has these steps (and their status) from the file
            history = run.history(0, since=self._sent[index])
            updates.append(RunUpdate(index, history, run.steps_taken, run.stop_reason(0)))
            self._sent[index] += len(history)
        self.progressed.emit(self._generation, updates)


class SessionLoader(QObject):
    """Opening a session file, off the GUI thread: reading and checking it (a 50 MB file takes
    seconds) and then building its landscape, so a file that cannot be drawn is refused before
    the open session is touched. Its formula is compiled in between by the compile worker, the
    same path a typed formula takes.

    Answers carry the request number; the file actions drop answers to an older request
    (a cancelled or superseded open).
    """

    progressed = Signal(int, float)  # request, fraction done (reading and checking)
    loaded = Signal(int, object)  # request, (SessionFile, Formula) or a message
    prepared = Signal(int, object)  # request, Scene or a message

    def __init__(self) -> None:
        super().__init__()
        self.latest_request = -1  # written by the GUI thread
        self._last_report = 0.0

    def request_stop(self) -> None:
        self.latest_request = 1 << 62

    @Slot(int, str)
    def load(self, request: int, path: str) -> None:
        if request < self.latest_request:
            return

        def report(fraction: float) -> None:
            now = time.monotonic()
            if fraction >= 1.0 or now - self._last_report > 0.05:  # ~20 updates a second
                self._last_report = now
                self.progressed.emit(request, fraction)

        try:
            session = load_session(path, report)
            result = (session, parse_formula(session.state.formula))
        except (SessionError, OSError) as error:
            result = _session_message(error, path)
        except FormulaError as error:  # checked by load_session already; kept for safety
            result = f"{os.path.basename(path)}: formula: {error}"
        except Exception as error:  # anything else is still a refusal, never a crash
            result = f"{os.path.basename(path)}: {type(error).__name__}: {error}"
        self.loaded.emit(request, result)

    @Slot(int, object, object)
    def prepare(self, request: int, compiled, state) -> None:
        if request < self.latest_request:
            return
        try:
            result = build_scene(compiled, state)
        except SceneError as error:
            result = f"its landscape cannot be drawn, because {error}"
        self.prepared.emit(request, result)


def _session_message(error: Exception, path: str) -> str:
    message = str(error)
    if path not in message:  # session errors name the file themselves
        message = f"{os.path.basename(path)}: {message}"
    return message
