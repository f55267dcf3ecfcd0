"""Atomic file writes: the one way Landscape writes a user's file.

Everything goes to a temporary file in the target's folder, is flushed to disk, and replaces
the target only when complete; on any failure the temporary file is removed and an existing
target keeps its old contents. Callers wrap ``OSError`` in their own message.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator


def _temporary_name(target: str, suffix: str) -> str:
    directory, base = os.path.split(target)
    stem = os.path.splitext(base)[0] if suffix else base
    return os.path.join(directory, f".{stem}.{secrets.token_hex(6)}.tmp{suffix}")


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); harmless to skip where unsupported."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _commit(temporary: str, target: str) -> None:
    with contextlib.suppress(OSError):
        # Keep the permissions of the file being replaced (a new file gets the umask's).
        os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
    os.replace(temporary, target)
    _fsync_directory(os.path.dirname(target))


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "wb", **open_arguments) -> Iterator:
    """An open file to write; it becomes ``path`` only if the block finishes without error."""
    target = os.path.abspath(os.fspath(path))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temporary = _temporary_name(target, "")
        try:
            fd = os.open(temporary, flags, 0o666)  # os.open applies the umask; mkstemp would not
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(f"no free temporary file name next to {target}")
    try:
        with os.fdopen(fd, mode, **open_arguments) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _commit(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[str]:
    """A temporary path (same folder, same extension) for writers that want a file name, such
    as image encoders; it replaces ``path`` only if the block finishes without error and wrote
    something."""
    target = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(2, "no such folder", directory)
    temporary = _temporary_name(target, os.path.splitext(target)[1])
    try:
        yield temporary
        if not os.path.exists(temporary) or os.path.getsize(temporary) == 0:
            raise OSError("nothing was written")
        _commit(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
