"""The one atomic writer: complete files or nothing, and an old file survives a failed write."""

import errno
import os
import subprocess
import sys

import pytest

from landscape_gui.core import atomic
from landscape_gui.core.atomic import (
    AtomicWriteError,
    atomic_folder,
    atomic_open,
    atomic_write,
    describe_write_error,
    display_name,
    remove_stale_temporaries,
)
from tests.full_disk import tiny_full_disk


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    with tiny_full_disk(tmp_path, monkeypatch) as disk:
        yield disk


def test_atomic_open_writes_the_whole_file(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_open(target, "w", encoding="utf-8") as handle:
        handle.write("hello")
    assert target.read_text() == "hello"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_atomic_write_writes_bytes_and_returns_the_file_written(tmp_path):
    target = tmp_path / "out.bin"
    assert atomic_write(target, b"\x00\x01" * 100_000) == str(target)
    assert target.read_bytes() == b"\x00\x01" * 100_000
    assert os.listdir(tmp_path) == ["out.bin"]


def test_a_failure_midway_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(target, "w") as handle:
        handle.write("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_permissions_of_a_replaced_file_are_kept(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    with atomic_open(target, "w") as handle:
        handle.write("new")
    assert os.stat(target).st_mode & 0o777 == 0o640


@pytest.mark.parametrize("how", ["bytes", "stream", "folder"])
def test_a_full_disk_is_an_error_and_the_old_file_stays_byte_identical(full_disk, how):
    target = full_disk.path / ("frames" if how == "folder" else "out.bin")
    good = b"the previous good file\n" * 50
    if how != "folder":
        target.write_bytes(good)
    full_disk.fill(leave=8192)
    data = bytes(range(256)) * 400  # 100 KB: more than is free
    with pytest.raises(AtomicWriteError) as info:
        if how == "bytes":
            atomic_write(target, data)
        elif how == "stream":
            with atomic_open(target, "wb") as handle:
                for start in range(0, len(data), 1000):
                    handle.write(data[start : start + 1000])
        else:
            with atomic_folder(target) as folder:
                folder.write("a.bin", data[:4000])
                folder.write("b.bin", data)
    assert info.value.errno == errno.ENOSPC
    assert "No space left on device; free some space" in describe_write_error(info.value)
    if how == "folder":
        assert full_disk.entries() == set()
    else:
        assert target.read_bytes() == good
        assert full_disk.entries() == {"out.bin"}


def test_a_write_that_stops_short_is_an_error(tmp_path, monkeypatch):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    monkeypatch.setattr(atomic, "_write_chunk", lambda fd, data: 0)
    with pytest.raises(AtomicWriteError, match="No space left"):
        atomic_write(target, b"new contents")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_writing_through_a_symlink_writes_the_file_it_points_to(tmp_path):
    real_folder = tmp_path / "real"
    real_folder.mkdir()
    real = real_folder / "data.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert atomic_write(link, b"new") == str(real)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    with atomic_open(link, "w", encoding="utf-8") as handle:
        handle.write("newer")
    assert link.is_symlink() and real.read_text() == "newer"
    assert sorted(os.listdir(tmp_path)) == ["link.csv", "real"]
    assert os.listdir(real_folder) == ["data.csv"]
    # A dangling link creates the file it names, as a shell redirection does.
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(real_folder / "new.csv")
    atomic_write(dangling, b"x")
    assert dangling.is_symlink() and (real_folder / "new.csv").read_bytes() == b"x"


def test_a_folder_at_the_target_is_refused_and_left_alone(tmp_path):
    folder = tmp_path / "lesson.landscape"
    folder.mkdir()
    (folder / "inside.txt").write_text("keep")
    with pytest.raises(AtomicWriteError) as info:
        atomic_write(folder, b"data")
    assert info.value.errno == errno.EISDIR
    assert info.value.strerror == "it is a folder, not a file; choose a file name"
    assert (folder / "inside.txt").read_text() == "keep"
    assert os.listdir(tmp_path) == ["lesson.landscape"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_at_the_target_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(AtomicWriteError, match="not a regular file"):
        atomic_write(fifo, b"data")
    with pytest.raises(AtomicWriteError, match="not a regular file"), atomic_open(fifo, "w"):
        pass
    assert os.listdir(tmp_path) == ["pipe.csv"]


def test_a_missing_folder_is_said_plainly(tmp_path):
    with pytest.raises(AtomicWriteError) as info:
        atomic_write(tmp_path / "missing" / "x.png", b"png")
    assert info.value.errno == errno.ENOENT
    assert info.value.strerror == "the folder does not exist; choose an existing folder"
    assert os.listdir(tmp_path) == []


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temporaries_of_a_killed_write_are_removed_next_time(tmp_path):
    host = atomic._host_tag()
    dead = tmp_path / f".landscape-{host}-{_dead_pid()}-0123abcd.tmp"
    dead.write_bytes(b"x" * 1000)  # what kill -9 in the middle of a save leaves
    dead_folder = tmp_path / f".landscape-{host}-{_dead_pid()}-4567abcd.tmp"
    dead_folder.mkdir()
    (dead_folder / "step_0000.png").write_bytes(b"png")
    alive = tmp_path / f".landscape-{host}-{os.getpid()}-89abcdef.tmp"  # a write in progress
    alive.write_bytes(b"y")
    other_host = f"{(int(host, 16) + 1) % 0x10000:04x}"
    elsewhere = tmp_path / f".landscape-{other_host}-{_dead_pid()}-00000000.tmp"
    elsewhere.write_bytes(b"z")  # another machine's write on a shared folder: too new to judge
    old_style = tmp_path / ".session.0123456789ab.tmp"
    old_style.write_bytes(b"from an earlier version")
    os.utime(old_style, (1, 1))
    unrelated = [tmp_path / ".landscape-notes.tmp", tmp_path / "keep.tmp", tmp_path / ".hidden"]
    for path in unrelated:
        path.write_text("mine")

    atomic_write(tmp_path / "session", b"new")

    assert not dead.exists() and not dead_folder.exists() and not old_style.exists()
    assert alive.exists() and elsewhere.exists()
    assert all(path.read_text() == "mine" for path in unrelated)
    os.utime(elsewhere, (1, 1))  # a day old: its writer has surely given up
    assert remove_stale_temporaries(str(tmp_path)) == [elsewhere.name]


KILLED_WRITER = """
import sys, time
from landscape_gui.core.atomic import atomic_open
with atomic_open(sys.argv[1], "wb") as handle:
    handle.write(b"half a session" * 100_000)
    handle.flush()
    print("writing", flush=True)
    time.sleep(600)  # killed long before this ends
"""


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 is POSIX")
def test_kill_9_in_the_middle_of_a_save_keeps_the_file_and_the_next_save_cleans_up(tmp_path):
    target = tmp_path / "lesson.landscape"
    target.write_bytes(b"the good session")
    with subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    ) as writer:
        assert writer.stdout.readline() == "writing\n"
        writer.kill()  # SIGKILL: no clean-up code runs
        writer.wait()
    leftovers = [name for name in os.listdir(tmp_path) if name != "lesson.landscape"]
    assert len(leftovers) == 1 and atomic._TEMPORARY_NAME.match(leftovers[0])
    assert target.read_bytes() == b"the good session"
    atomic_write(target, b"the next session")
    assert os.listdir(tmp_path) == ["lesson.landscape"]
    assert target.read_bytes() == b"the next session"


@pytest.mark.parametrize("name", ["a" * 251 + ".csv", "é" * 125 + ".csv", "b" * 255])
def test_the_longest_legal_names_can_be_written(tmp_path, name):
    assert len(name.encode()) in (255, 254)
    atomic_write(tmp_path / name, b"data")
    with atomic_open(tmp_path / name, "w", encoding="utf-8") as handle:
        handle.write("text")
    assert os.listdir(tmp_path) == [name]
    assert (tmp_path / name).read_text() == "text"


def test_temporary_names_are_short_whatever_the_target():
    assert len(atomic.temporary_name()) <= 40
    assert atomic._TEMPORARY_NAME.match(atomic.temporary_name())


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="names are bytes on POSIX only")
def test_a_name_that_is_not_utf8_is_written_and_leaves_nothing_behind(tmp_path):
    raw = os.fsencode(tmp_path) + b"/caf\xe9 \xff.csv"
    name = os.fsdecode(raw)  # how a command line hands it over (surrogateescape)
    atomic_write(name, b"data")
    assert os.listdir(os.fsencode(tmp_path)) == [b"caf\xe9 \xff.csv"]
    with open(raw, "rb") as handle:
        assert handle.read() == b"data"
    assert display_name(name).endswith("caf\ufffd \ufffd.csv")
    display_name(name).encode("utf-8")  # printable: no lone surrogates left
    with pytest.raises(RuntimeError), atomic_open(name, "wb"):
        raise RuntimeError("stopped")
    assert os.listdir(os.fsencode(tmp_path)) == [b"caf\xe9 \xff.csv"]


def test_a_new_folder_of_files_appears_complete_or_not_at_all(tmp_path):
    target = tmp_path / "frames"
    with atomic_folder(target) as folder:
        folder.write("step_0000.png", b"a")
        folder.write("step_0001.png", b"b")
    assert sorted(os.listdir(target)) == ["step_0000.png", "step_0001.png"]
    assert os.listdir(tmp_path) == ["frames"]
    with pytest.raises(AtomicWriteError, match="exists already"), atomic_folder(target):
        pass
    with pytest.raises(RuntimeError), atomic_folder(tmp_path / "other") as folder:
        folder.write("step_0000.png", b"a")
        raise RuntimeError("cancelled")
    assert os.listdir(tmp_path) == ["frames"]


def test_describe_write_error_finds_the_system_reason_behind_wrappers():
    try:
        try:
            raise PermissionError(errno.EACCES, "Permission denied", "/x")
        except OSError as inner:
            raise ValueError("wrapped") from inner
    except ValueError as outer:
        assert describe_write_error(outer) == (
            "Permission denied; choose a folder you can write to"
        )
    assert describe_write_error(RuntimeError("?")) == "the file could not be written"
