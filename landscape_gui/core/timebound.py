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


def _child_main(connection, function, args):
    try:
        connection.send(("ok", function(*args)))
    except Exception as error:  # sent back and re-raised in the parent
        connection.send(("error", error))
    finally:
        connection.close()


def _call_in_child_process(function, args, seconds):
    # spawn, not fork: forking a process that runs Qt threads can deadlock the child.
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(sender, function, args), daemon=True)
    process.start()
    sender.close()
    try:
        # A spawned child first imports sympy (about 0.6 s), so allow for start-up.
        if not receiver.poll(seconds + 2.0):
            raise TimeLimitExceeded(f"gave up after {seconds:g} s")
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise TimeLimitExceeded("the helper process ended without an answer") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if status == "error":
        raise payload
    return payload
