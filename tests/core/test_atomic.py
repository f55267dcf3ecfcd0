"""The one atomic writer: complete files or nothing, and an old file survives a failed write."""

import os

import pytest

from landscape_gui.core.atomic import atomic_open, atomic_path


def test_atomic_open_writes_the_whole_file(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_open(target, "w", encoding="utf-8") as handle:
        handle.write("hello")
    assert target.read_text() == "hello"
    assert os.listdir(tmp_path) == ["out.txt"]


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


def test_atomic_path_needs_an_existing_folder_and_some_content(tmp_path):
    with pytest.raises(FileNotFoundError), atomic_path(tmp_path / "missing" / "x.png"):
        pass
    with pytest.raises(OSError, match="nothing was written"), atomic_path(tmp_path / "x.png"):
        pass
    assert list(tmp_path.iterdir()) == []
    with atomic_path(tmp_path / "x.png") as temporary:
        assert temporary.endswith(".png") and os.path.dirname(temporary) == str(tmp_path)
        with open(temporary, "wb") as handle:
            handle.write(b"png")
    assert (tmp_path / "x.png").read_bytes() == b"png"
    assert os.listdir(tmp_path) == ["x.png"]
