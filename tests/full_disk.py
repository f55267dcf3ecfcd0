"""A tiny, nearly full filesystem for write-fault tests: a real one when we may mount it.

As root (CI runs as root on Linux) a 256 KB tmpfs is mounted on a folder of ``tmp_path`` and
filled up; everywhere else the atomic writer's one low-level write is replaced by one that
writes ``leave`` bytes and then fails with ENOSPC, as a full disk does (set
LANDSCAPE_SIMULATE_FULL_DISK=1 to try that path as root). Either way the test runs: a fault
test that is skipped proves nothing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys

from landscape_gui.core import atomic


class FullDisk:
    def __init__(self, path, monkeypatch, real: bool):
        self.path = path
        self.real = real
        self._monkeypatch = monkeypatch
        self._filler = path / "filler.bin"

    def fill(self, leave: int = 0) -> None:
        """Leave about ``leave`` bytes free (a real tmpfs rounds up to whole pages)."""
        if not self.real:
            budget = [leave]
            real_write = atomic._write_chunk

            def write_until_full(fd, data):
                if budget[0] <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                written = real_write(fd, data[: budget[0]])
                budget[0] -= written
                return written

            self._monkeypatch.setattr(atomic, "_write_chunk", write_until_full)
            return
        chunk = b"\0" * 4096
        fd = os.open(self._filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            size = 0
            while True:
                try:
                    written = os.write(fd, chunk)
                except OSError as error:
                    assert error.errno == errno.ENOSPC
                    break
                if written == 0:
                    break
                size += written
            os.ftruncate(fd, max(0, size - leave))
        finally:
            os.close(fd)

    def entries(self) -> set[str]:
        """What is on the disk apart from the filler: no temporary may be among them."""
        return {p.name for p in self.path.iterdir()} - {self._filler.name}


def _mount_tmpfs(path) -> bool:
    if os.environ.get("LANDSCAPE_SIMULATE_FULL_DISK"):  # to check the fallback as root too
        return False
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return False
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", str(path)],
        capture_output=True,
        timeout=30,
    )
    return result.returncode == 0


@contextlib.contextmanager
def tiny_full_disk(tmp_path, monkeypatch):
    """A :class:`FullDisk` on ``tmp_path / "disk"`` (unmounted again afterwards)."""
    path = tmp_path / "disk"
    path.mkdir()
    real = _mount_tmpfs(path)
    try:
        yield FullDisk(path, monkeypatch, real)
    finally:
        if (
            real
            and subprocess.run(["umount", str(path)], capture_output=True, timeout=30).returncode
        ):
            with contextlib.suppress(Exception):
                subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)
