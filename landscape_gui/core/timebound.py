"""Run slow symbolic work with a hard time limit.

sympy's simplify and solve can run for minutes on an unlucky formula and cannot be cancelled
from outside. On the main thread of a POSIX process a SIGALRM timer interrupts them in place
(cheap: this is the CLI and test path). Anywhere else (the window's worker thread) the work runs
in a separate process that is killed when time is up, so nothing keeps burning a core after we
have given up on it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess


class TimeLimitExceeded(Exception):
    """The work did not finish within its time limit."""


def call_with_time_limit(
    function: Callable[..., Any], args: tuple[Any, ...], seconds: float, helper: str = "symbolic"
) -> Any:
    """``function(*args)``, or TimeLimitExceeded after ``seconds``.

    ``function`` must be a module-level function and ``args`` picklable, because off the main
    thread the call runs in a child process (one per ``helper`` name, so compiling a formula
    never queues behind a slow simplify). Exceptions raised by ``function`` propagate. Calls
    nest: an inner limit never outlives the one around it.
    """
    if seconds <= 0:
        raise TimeLimitExceeded("no time allowed")
    if can_interrupt_here():
        return _call_with_alarm(function, args, seconds)
    return _call_in_child_process(function, args, seconds, helper)


def can_interrupt_here() -> bool:
    """True where a timer signal can stop work in place (the main thread of a POSIX process)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class _Alarm(BaseException):
    # A BaseException so that sympy's own broad `except Exception` blocks cannot swallow it.
    pass


def _raise_alarm(signum: int, frame: FrameType | None) -> None:
    # An alarm that arrives when no bounded call is running is stale (it expired just as a
    # call was finishing): there is nothing to stop. Raised anyway, it would land in whatever
    # runs next, such as a Qt event filter, which swallows it, and re-arm itself every 50 ms.
    if not _deadlines:
        return
    # If the signal lands in a finalizer or a gc callback, Python swallows the exception
    # ("Exception ignored in ..."); fire again shortly so the work still stops. The call's own
    # `finally` cancels this timer once the alarm has been handled.
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    raise _Alarm


# Deadlines (time.monotonic) of the alarm-bounded calls now running on the main thread,
# innermost last: a nested call must not cancel or outlast the timer of the call around it.
_deadlines: list[float] = []


def _quiet_about_alarms(
    hook: Callable[[sys.UnraisableHookArgs], Any],
) -> Callable[[sys.UnraisableHookArgs], None]:
    """An unraisable-exception hook that drops our alarm: swallowed in a finalizer, it is
    re-raised a moment later anyway, and must not print a traceback on the user's terminal."""

    def quiet(unraisable: sys.UnraisableHookArgs) -> None:
        if not isinstance(unraisable.exc_value, _Alarm):
            hook(unraisable)

    return quiet


def _call_with_alarm(function: Callable[..., Any], args: tuple[Any, ...], seconds: float) -> Any:
    now = time.monotonic()
    outer = _deadlines[-1] if _deadlines else None
    deadline = now + seconds if outer is None else min(now + seconds, outer)
    depth = len(_deadlines)
    previous = signal.signal(signal.SIGALRM, _raise_alarm)
    previous_hook = sys.unraisablehook
    if outer is None:
        sys.unraisablehook = _quiet_about_alarms(previous_hook)
    _deadlines.append(deadline)
    outer_expired = False
    try:
        signal.setitimer(signal.ITIMER_REAL, max(deadline - now, 1e-6))
        try:
            return function(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Alarm:
        if outer is not None and outer <= deadline:
            outer_expired = True
            raise  # the outer call's time is up, not only ours: let it stop too
        raise TimeLimitExceeded(f"gave up after {seconds:g} s") from None
    finally:
        # An alarm can still land here, between any two steps of the clean-up (it was due
        # just as the call ended, or the handler re-armed it). Every step can be repeated, so
        # the clean-up simply runs again until it completes: otherwise this call's deadline
        # would stay listed and the handler would re-arm itself every 50 ms for ever.
        while True:
            try:
                _end_call(depth, outer, outer_expired, previous, previous_hook)
                break
            except _Alarm:
                continue


def _end_call(
    depth: int,
    outer: float | None,
    outer_expired: bool,
    previous: Any,
    previous_hook: Callable[[sys.UnraisableHookArgs], Any],
) -> None:
    """Undo what ``_call_with_alarm`` set up; safe to run more than once."""
    del _deadlines[depth:]
    if outer is None:
        # Whatever path got here (an alarm raised just before the inner `finally` could
        # cancel the timer re-arms it), no timer outlives the outermost call.
        signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)
    sys.unraisablehook = previous_hook
    if outer is not None and not outer_expired:
        # Re-arm the outer call's timer; if its time passed meanwhile, it fires at once.
        signal.setitimer(signal.ITIMER_REAL, max(outer - time.monotonic(), 1e-6))


# Starting a helper means starting Python and importing numpy and sympy: allowed for
# separately, so that a call's own limit measures only the call.
HELPER_NICENESS = 10  # the helper process's nice value above its parent's
STARTUP_SECONDS = 30.0


def _child_main(connection: Connection[Any, Any]) -> None:
    """Serve calls until the parent closes the pipe; sympy stays imported between calls."""
    # What calls will need, imported while the parent is busy anyway (the functions sent
    # import their own modules when they arrive); not this package's modules, which import
    # this one.
    # Behind the GUI for the CPU, as its worker threads are (a solve can run for seconds).
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(HELPER_NICENESS)
    import numpy  # noqa: F401
    import sympy  # noqa: F401

    try:
        connection.send(("ready", None))
    except (OSError, EOFError):
        return
    while True:
        try:
            function, args = connection.recv()
        except (EOFError, OSError):
            return
        try:
            result = ("ok", function(*args))
        except Exception as error:  # sent back and re-raised in the parent
            result = ("error", error)
        try:
            connection.send(result)
        except (OSError, EOFError):
            return  # the parent has gone (it exited or crashed): nobody to answer
        except Exception as error:  # an unpicklable result is reported, not lost
            try:
                connection.send(("error", RuntimeError(f"could not return the result: {error}")))
            except (OSError, EOFError):
                return


class _ChildProcess:
    """One long-lived helper process, so only the first call pays for starting Python + sympy.

    When a call runs out of time the process is killed (that is the point: the work stops)
    and a fresh one is started on the next call.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._connection: Connection[Any, Any] | None = None

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        import multiprocessing  # here: the main thread's alarm path never needs it

        # spawn, not fork: forking a process that runs Qt threads can deadlock the child.
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe()
        self._process = context.Process(
            target=_child_main, args=(child_end,), daemon=True, name="landscape-symbolic"
        )
        try:
            self._process.start()
        except Exception:
            self._process = None
            raise
        child_end.close()
        self._connection = parent_end
        try:
            ready = parent_end.poll(STARTUP_SECONDS) and parent_end.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.kill()
            raise TimeLimitExceeded("the helper process did not start")

    def abort(self) -> None:
        """Kill the process now, from any thread, without waiting for a call in progress:
        that call ends at once with TimeLimitExceeded (its thread tidies up)."""
        if self._lock.acquire(blocking=False):
            try:
                self.kill()
            finally:
                self._lock.release()
            return
        process = self._process
        if process is not None and process.is_alive():
            process.kill()

    def kill(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
            if self._connection is not None:
                self._connection.close()
        self._process = None
        self._connection = None

    def running(self) -> bool:
        process = self._process
        return process is not None and process.is_alive()

    def start(self) -> None:
        """Start the process now, so that the first call does not wait for it."""
        with self._lock:
            self._ensure_started()

    def call(self, function: Callable[..., Any], args: tuple[Any, ...], seconds: float) -> Any:
        with self._lock:
            self._ensure_started()
            return self._call_started(function, args, seconds)

    def call_if_free(
        self, function: Callable[..., Any], args: tuple[Any, ...], seconds: float
    ) -> tuple[bool, Any]:
        """``(True, function(*args))`` from the process if it is running and no other call
        holds it; ``(False, None)`` at once otherwise (the caller does the work itself)."""
        if not self._lock.acquire(blocking=False):
            return False, None
        try:
            if not self.running():
                return False, None
            return True, self._call_started(function, args, seconds)
        finally:
            self._lock.release()

    def _call_started(
        self, function: Callable[..., Any], args: tuple[Any, ...], seconds: float
    ) -> Any:
        connection = self._connection
        assert connection is not None  # _ensure_started opened it
        try:
            connection.send((function, args))
            if not connection.poll(seconds):
                self.kill()
                raise TimeLimitExceeded(f"gave up after {seconds:g} s")
            status, payload = connection.recv()
        except (EOFError, OSError, BrokenPipeError):
            self.kill()
            raise TimeLimitExceeded("the helper process ended without an answer") from None
        if status == "error":
            raise payload
        return payload


# A helper process of one's own (the window's analysis worker has one, so closing a window
# stops that window's work and nobody else's).
HelperProcess = _ChildProcess

# One helper process for short symbolic jobs, shared by the windows of a process: the
# derivatives of cheap formulas, tidied and typeset (see qt.worker.AnalysisWorker). No
# window's close kills it (its jobs end in milliseconds); it ends with the process.
quick_helper = _ChildProcess()
_quick_helper_refused = [False]  # it could not start once: this process does without it


def quick_helper_usable() -> bool:
    return not _quick_helper_refused[0]


def start_quick_helper(warm_up: tuple[Callable[..., Any], tuple[Any, ...]] | None = None) -> None:
    """Start the quick helper now, from the calling thread; then run ``warm_up`` in it (an
    import or a first call whose one-off cost should not fall on the first real job)."""
    try:
        if not quick_helper.running():
            quick_helper.start()
        if warm_up is not None:
            quick_helper.call(warm_up[0], warm_up[1], STARTUP_SECONDS)
    except Exception:
        _quick_helper_refused[0] = True


def call_by_name(module: str, name: str, *args: Any) -> Any:
    """``module.name(*args)``: a job for a helper that the caller can send without importing
    ``module`` itself (the screenshot starts its helper's work before importing sympy)."""
    import importlib

    return getattr(importlib.import_module(module), name)(*args)


def start_quick_helper_in_background(
    warm_up: tuple[Callable[..., Any], tuple[Any, ...]] | None = None,
) -> None:
    """``start_quick_helper`` in a thread of its own: the caller goes on (the thread only
    waits on a pipe while the helper imports)."""
    threading.Thread(
        target=start_quick_helper, args=(warm_up,), name="landscape-quick-start", daemon=True
    ).start()


_child = _ChildProcess()
_children: dict[str, _ChildProcess] = {"symbolic": _child}
_children_lock = threading.Lock()


def _call_in_child_process(
    function: Callable[..., Any], args: tuple[Any, ...], seconds: float, helper: str = "symbolic"
) -> Any:
    with _children_lock:
        child = _children.setdefault(helper, _ChildProcess())
    return child.call(function, args, seconds)


def shutdown() -> None:
    """Stop the helper processes (the window calls this when it closes)."""
    with _children_lock:
        children = list(_children.values())
    for child in children:
        with child._lock:
            child.kill()
