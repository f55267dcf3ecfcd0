"""Work off the GUI thread gives way while the window paints a new landscape.

Python threads share one interpreter lock. Every OpenGL call the 3D view makes lets go of it,
and a worker busy in Python (sympy differentiating, Newton's method on ∇f = 0) then holds it
for up to a switch interval before the GUI thread gets it back. Measured on Mesa's software
renderer: a still picture of the 3D view took 16 ms alone and 39 ms beside a busy worker
thread (220 ms at Python's default 5 ms interval); a worker busy without the lock (hashing)
cost it nothing. So the window holds the workers while it paints a new landscape's stages
(some 50 ms), and the compile worker's long jobs call ``give_way()`` between their steps:
there it waits, without the lock, until the paints are done.

Nothing here knows about Qt: the window says when it paints; the core says where it can stop.
"""

from __future__ import annotations

import threading
import time

# The longest the workers are held at a stretch: a holder that never lets go (a window closed
# mid-paint), or landscapes arriving faster than they are painted, only slow work down.
MAX_HOLD_SECONDS = 0.5

_lock = threading.Lock()
_holders: set[int] = set()
_free = threading.Event()
_free.set()
_held_since = 0.0


def hold_workers(holder: object) -> None:
    """From now until ``release_workers(holder)``, ``give_way()`` waits (off the main thread)."""
    global _held_since
    with _lock:
        if not _holders:
            _held_since = time.monotonic()
        _holders.add(id(holder))
        _free.clear()


def release_workers(holder: object) -> None:
    with _lock:
        _holders.discard(id(holder))
        if not _holders:
            _free.set()


def workers_held() -> bool:
    return not _free.is_set()


def give_way() -> None:
    """Called between the steps of long work: returns at once unless a window is painting, and
    always at once on the main thread (the command line, or work the window does itself)."""
    if _free.is_set() or threading.current_thread() is threading.main_thread():
        return
    left = _held_since + MAX_HOLD_SECONDS - time.monotonic()
    if left > 0:
        _free.wait(left)
