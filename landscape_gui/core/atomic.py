"""Atomic file writes: the one way Landscape writes a user's file.

Every byte goes through :func:`_write_chunk` into a temporary file in the target's folder; the
writer loops until all bytes are written, flushes and fsyncs, and only then renames the
temporary file over the target. On any failure the temporary file is removed and an existing
target keeps its old contents, byte for byte. Errors are :class:`AtomicWriteError` (an
``OSError``) whose ``strerror`` is a short reason a student can act on; use
:func:`describe_write_error` to turn any write error into that reason.

- The target is resolved first: writing to a symlink writes the file it points to (the link
  stays a link), and the temporary file goes beside that file.
- A folder, FIFO, device or socket at the target is refused: only regular files are replaced.
- Temporary names are short and fixed in size (``.landscape-<host>-<pid>-<random>.tmp``), so a
  legal file name of up to 255 bytes still works, and they never depend on the target's name
  (no encoding surprises with names that are not UTF-8).
- A write killed midway (``kill -9``, a power cut) leaves such a temporary file behind; the next
  write into the same folder removes the ones whose writing process is gone (same machine), or
  that are older than a day (another machine sharing the folder).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import secrets
import shutil
import socket
import stat
import sys
import time
import zlib
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Buffer

TEMPORARY_PREFIX = ".landscape-"
TEMPORARY_SUFFIX = ".tmp"
STALE_AFTER_SECONDS = 24 * 3600  # temporaries we cannot check the writer of (other machines)
OLD_STYLE_STALE_AFTER_SECONDS = 15 * 60  # temporaries of earlier versions (no pid in the name)

_TEMPORARY_NAME = re.compile(r"^\.landscape-([0-9a-f]{4})-([0-9]{1,10})-[0-9a-f]{8}\.tmp$")


class AtomicWriteError(OSError):
    """The file could not be written; nothing partial was left and an old file is untouched.

    ``strerror`` is the system's reason and what to do about it ("No space left on device;
    free some space or choose another place"), ``filename`` the target.
    """


# ----------------------------------------------------------------------------- messages

_ADVICE = {
    errno.ENOSPC: "free some space or choose another place",
    errno.EACCES: "choose a folder you can write to",
    errno.EPERM: "choose a folder you can write to",
    errno.EROFS: "choose another place",
    errno.ENOENT: "choose an existing folder",
    errno.ENOTDIR: "choose an existing folder",
    errno.EISDIR: "choose a file name",
    errno.ENAMETOOLONG: "choose a shorter name",
    errno.EIO: "try another place",
    errno.ELOOP: "choose another name",
    errno.EFBIG: "choose another place",
}
if hasattr(errno, "EDQUOT"):
    _ADVICE[errno.EDQUOT] = "free some space or choose another place"


def _reason(code: int | None, strerror: str | None) -> str:
    """The system's words for ``code`` followed by what to do, e.g. "No space left on device;
    free some space or choose another place"."""
    text = strerror or (os.strerror(code) if code else "") or "the file could not be written"
    advice = _ADVICE.get(code) if code is not None else None
    return f"{text}; {advice}" if advice and advice not in text else text


def describe_write_error(error: BaseException) -> str:
    """A short reason for a failed write, for ``"cannot write NAME: <reason>"`` messages.

    Looks through wrapping errors (``raise ... from``) for the operating system's error and
    never returns Python's own exception text.
    """
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        if isinstance(current, AtomicWriteError) and current.strerror:
            return current.strerror
        current = current.__cause__ or current.__context__
    for candidate in seen:
        if isinstance(candidate, OSError) and (candidate.errno or candidate.strerror):
            return _reason(candidate.errno, candidate.strerror)
    return "the file could not be written"


def display_name(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """``path`` as text that can always be printed or shown (undecodable bytes become \ufffd)."""
    return os.fsencode(path).decode("utf-8", "replace")


def _error(code: int, target: str, reason: str | None = None) -> AtomicWriteError:
    return AtomicWriteError(code, reason or _reason(code, None), target)


def _as_write_error(exc: OSError, target: str) -> AtomicWriteError:
    if isinstance(exc, AtomicWriteError):
        return exc
    return AtomicWriteError(exc.errno or errno.EIO, _reason(exc.errno, exc.strerror), target)


# ----------------------------------------------------------------------------- the target


def resolve_target(path: str | os.PathLike[str]) -> str:
    """The file a write to ``path`` must replace: symlinks followed, checked to be writable.

    Raises :class:`AtomicWriteError` for a folder or another non-regular file at the target,
    or a missing folder.
    """
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text:
        raise _error(errno.ENOENT, text, "no file name was given")
    target = os.path.realpath(text)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _as_write_error(exc, target) from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise _error(errno.EISDIR, target, "it is a folder, not a file; choose a file name")
        if not stat.S_ISREG(info.st_mode):
            raise _error(
                errno.EINVAL,
                target,
                "it is not a regular file (a pipe, device or socket); choose a file name",
            )
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise _error(errno.ENOENT, target, "the folder does not exist; choose an existing folder")
    return target


# ----------------------------------------------------------------------------- temporaries

_HOST_TAG: str | None = None


def _host_tag() -> str:
    global _HOST_TAG
    if _HOST_TAG is None:
        _HOST_TAG = f"{zlib.crc32(socket.gethostname().encode('utf-8', 'replace')) & 0xFFFF:04x}"
    return _HOST_TAG


def temporary_name() -> str:
    """A fresh temporary file name: short, fixed in size, with this process's id in it."""
    return f"{TEMPORARY_PREFIX}{_host_tag()}-{os.getpid()}-{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"


def _process_is_gone(pid: int) -> bool:
    if pid == os.getpid():
        return False
    if sys.platform == "win32":  # os.kill would terminate it there; fall back to the age rule
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, OSError):
        return False
    return False


def _is_stale(name: str, entry: os.DirEntry[str], target_base: str | None, now: float) -> bool:
    try:
        age = now - entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return False
    match = _TEMPORARY_NAME.match(name)
    if match:
        host, pid = match.group(1), int(match.group(2))
        if host == _host_tag() and _process_is_gone(pid):
            return True
        return age > STALE_AFTER_SECONDS
    if target_base and _is_old_style_temporary(name, target_base):
        return age > OLD_STYLE_STALE_AFTER_SECONDS
    return False


def _is_old_style_temporary(name: str, target_base: str) -> bool:
    """Earlier versions named temporaries ``.<stem>.<12 hex>.tmp<ext>`` after the target."""
    stem, extension = os.path.splitext(target_base)
    for base, suffix in ((target_base, ""), (stem, extension)):
        prefix = f".{base}."
        if name.startswith(prefix) and name.endswith(".tmp" + suffix):
            middle = name[len(prefix) : len(name) - len(".tmp" + suffix)]
            if re.fullmatch(r"[0-9a-f]{12}", middle):
                return True
    return False


def remove_stale_temporaries(directory: str, target: str | None = None) -> list[str]:
    """Remove temporaries in ``directory`` left by killed writes; returns the names removed.

    Only names this module makes are touched, and only when their writer is gone (or, when
    that cannot be checked, when they are old). Problems are ignored: cleaning up is a courtesy.
    """
    removed: list[str] = []
    target_base = os.path.basename(target) if target else None
    now = time.time()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(".") or not _is_stale(name, entry, target_base, now):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                if _TEMPORARY_NAME.match(name):  # a PNG-sequence folder being assembled
                    shutil.rmtree(entry.path)
                    removed.append(name)
            else:
                os.unlink(entry.path)
                removed.append(name)
        except OSError:
            continue
    return removed


def _create_temporary(directory: str, target: str) -> tuple[int, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        temporary = os.path.join(directory, temporary_name())
        try:
            # os.open applies the umask (mkstemp would not): a new file gets the usual mode.
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
        except OSError as exc:
            raise _as_write_error(exc, target) from None
    raise _error(errno.EEXIST, target, "no free temporary file name in its folder")


# ----------------------------------------------------------------------------- writing


def _write_chunk(fd: int, data: memoryview) -> int:
    """The one low-level write every byte goes through (tests replace it to simulate faults)."""
    return os.write(fd, data)


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> int:
    view = memoryview(data).cast("B")
    total = len(view)
    while view:
        written = _write_chunk(fd, view)
        if written <= 0:  # a write that makes no progress is a full disk in practice
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]
    return total


def _finish(fd: int, expected_size: int) -> None:
    """Everything is on the disk: sizes agree, then fsync (the data, not just the cache)."""
    os.fsync(fd)
    if os.fstat(fd).st_size != expected_size:
        raise OSError(errno.EIO, "the file on disk is shorter than what was written")


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


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _prepare(path: str | os.PathLike[str]) -> tuple[str, int, str]:
    """(target, fd, temporary): the resolved target and a new temporary file beside it."""
    target = resolve_target(path)
    directory = os.path.dirname(target)
    remove_stale_temporaries(directory, target)
    fd, temporary = _create_temporary(directory, target)
    return target, fd, temporary


def _abandon(fd: int | None, temporary: str) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
    _remove(temporary)


def atomic_write(path: str | os.PathLike[str], data: bytes | bytearray | memoryview) -> str:
    """Write ``data`` to ``path`` atomically; returns the file actually written (links
    followed). Raises :class:`AtomicWriteError`, leaving any old file as it was."""
    fd: int | None
    target, fd, temporary = _prepare(path)
    try:
        size = _write_all(fd, data)
        _finish(fd, size)
        closing, fd = fd, None
        os.close(closing)
        _commit(temporary, target)
    except BaseException as exc:
        _abandon(fd, temporary)
        if isinstance(exc, OSError):
            raise _as_write_error(exc, target) from exc
        raise
    return target


class _Sink(io.RawIOBase):
    """A raw file whose writes go through :func:`_write_chunk` and are counted."""

    def __init__(self, fd: int):
        super().__init__()
        self._fd = fd
        self.size = 0

    def writable(self) -> bool:
        return True

    def abandon(self) -> None:
        """Refuse further writes (the fd is about to be closed and its number reused)."""
        self._fd = -1

    def write(self, data: Buffer) -> int:
        if self._fd < 0:
            raise OSError(errno.EBADF, "the file was abandoned")
        view = memoryview(data)
        written = _write_chunk(self._fd, view.cast("B"))
        if written <= 0 and len(view):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.size += written
        return written

    def fileno(self) -> int:
        return self._fd


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "wb", **open_arguments: Any
) -> Iterator[IO[Any]]:
    """An open file to write ("wb", or "w" with ``encoding``/``newline``/``errors``); it
    becomes ``path`` only if the block finishes without error. Raises
    :class:`AtomicWriteError` for a write the system refused."""
    if mode not in ("w", "wt", "wb"):
        raise ValueError(f"atomic_open writes new files only, not mode {mode!r}")
    fd: int | None
    target, fd, temporary = _prepare(path)
    sink = _Sink(fd)
    handle = None
    try:
        buffered = io.BufferedWriter(sink)
        handle = buffered if mode == "wb" else io.TextIOWrapper(buffered, **open_arguments)
        yield handle
        handle.flush()
        _finish(fd, sink.size)
        sink.abandon()
        closing, fd = fd, None
        os.close(closing)
        _commit(temporary, target)
    except BaseException as exc:
        sink.abandon()
        _abandon(fd, temporary)
        if isinstance(exc, OSError):
            raise _as_write_error(exc, target) from exc
        raise
    finally:
        # The sink does not own the fd, so this only drops buffers; after a failed write the
        # flush that closing tries fails again, which is already reported.
        if handle is not None:
            with contextlib.suppress(Exception):
                handle.close()


# ----------------------------------------------------------------------------- folders


class FolderWriter:
    """Files written into a temporary folder that becomes the target folder at the end."""

    def __init__(self, folder: str):
        self.folder = folder
        self.names: list[str] = []

    def write(self, name: str, data: bytes) -> None:
        if os.path.basename(name) != name or name in ("", ".", ".."):
            raise ValueError(f"not a plain file name: {name!r}")
        path = os.path.join(self.folder, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0))
        try:
            size = _write_all(fd, data)
            _finish(fd, size)
        finally:
            os.close(fd)
        self.names.append(name)


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike[str]) -> Iterator[FolderWriter]:
    """A new folder of files, all or nothing: ``path`` must not exist yet (nothing of the
    user's is overwritten); the files are written into a temporary folder beside it, which
    is renamed to ``path`` once every file is complete and on disk."""
    text = os.fspath(path)
    if not text:
        raise _error(errno.ENOENT, text, "no folder name was given")
    folder = os.path.abspath(text)
    parent = os.path.dirname(folder)
    if os.path.lexists(folder):
        raise _error(errno.EEXIST, folder, "it exists already; choose a new folder name")
    if not os.path.isdir(parent):
        raise _error(errno.ENOENT, folder)
    remove_stale_temporaries(parent)
    temporary = None
    try:
        for _ in range(100):
            candidate = os.path.join(parent, temporary_name())
            try:
                os.mkdir(candidate)
            except FileExistsError:
                continue
            temporary = candidate
            break
        else:
            raise _error(errno.EEXIST, folder, "no free temporary folder name beside it")
        yield FolderWriter(temporary)
        _fsync_directory(temporary)
        if os.path.lexists(folder):
            raise _error(errno.EEXIST, folder, "it exists already; choose a new folder name")
        os.rename(temporary, folder)
        _fsync_directory(parent)
    except BaseException as exc:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _as_write_error(exc, folder) from exc
        raise
