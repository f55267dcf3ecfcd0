"""Run slow symbolic work with a hard time limit.

sympy's simplify and solve can run for minutes on an unlucky formula and cannot be cancelled
from outside. On the main thread of a POSIX process a SIGALRM timer interrupts them in place
(cheap: this is the CLI and test path). Anywhere else (the window's worker thread) the work runs
in a separate process that is killed when time is up, so nothing keeps burning a core after we
have given up on it.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable
from typing import Any


class TimeLimitExceeded(Exception):
    """The work did not finish within its time limit."""


def call_with_time_limit(function: Callable[..., Any], args: tuple, seconds: float) -> Any:
    """``function(*args)``, or TimeLimitExceeded after ``seconds``.

    ``function`` must be a module-level function and ``args`` picklable, because off the main
    thread the call runs in a child process. Exceptions raised by ``function`` propagate.
    """
    if seconds <= 0:
        raise TimeLimitExceeded("no time allowed")
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        return _call_with_alarm(function, args, seconds)
    return _call_in_child_process(function, args, seconds)


class _Alarm(BaseException):
    # A BaseException so that sympy's own broad `except Exception` blocks cannot swallow it.
    pass


def _raise_alarm(signum, frame):
    raise _Alarm


def _call_with_alarm(function, args, seconds):
    previous = signal.signal(signal.SIGALRM, _raise_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return function(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Alarm:
        raise TimeLimitExceeded(f"gave up after {seconds:g} s") from None
    finally:
        signal.signal(signal.SIGALRM, previous)


def _child_main(connection) -> None:
    """Serve calls until the parent closes the pipe; sympy stays imported between calls."""
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
        except Exception as error:  # an unpicklable result is reported, not lost
            connection.send(("error", RuntimeError(f"could not return the result: {error}")))


class _ChildProcess:
    """One long-lived helper process, so only the first call pays for starting Python + sympy.

    When a call runs out of time the process is killed (that is the point: the work stops)
    and a fresh one is started on the next call.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process = None
        self._connection = None

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        # spawn, not fork: forking a process that runs Qt threads can deadlock the child.
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe()
        self._process = context.Process(
            target=_child_main, args=(child_end,), daemon=True, name="landscape-symbolic"
        )
        self._process.start()
        child_end.close()
        self._connection = parent_end
        self._fresh = True

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
            self._connection.close()
        self._process = None
        self._connection = None

    def call(self, function, args, seconds):
        with self._lock:
            self._ensure_started()
            # A new child first imports sympy (about 0.6 s); allow for that start-up once.
            allowance = seconds + (5.0 if self._fresh else 0.0)
            self._fresh = False
            try:
                self._connection.send((function, args))
                if not self._connection.poll(allowance):
                    self.kill()
                    raise TimeLimitExceeded(f"gave up after {seconds:g} s")
                status, payload = self._connection.recv()
            except (EOFError, OSError, BrokenPipeError):
                self.kill()
                raise TimeLimitExceeded("the helper process ended without an answer") from None
        if status == "error":
            raise payload
        return payload


# A helper process of one's own (the window's analysis worker has one, so closing a window
# stops that window's work and nobody else's).
HelperProcess = _ChildProcess

_child = _ChildProcess()


def _call_in_child_process(function, args, seconds):
    return _child.call(function, args, seconds)


def shutdown() -> None:
    """Stop the helper process (the window calls this when it closes)."""
    with _child._lock:
        _child.kill()
