"""Every save and export from the window under write faults: a full disk, a folder or a pipe
at the target, a symlink. Each must say what went wrong in one sentence, keep the previous
file byte for byte, and leave no temporary file behind."""

import os

import pytest

from landscape_gui.core.session import SessionIOError, save_session
from tests.full_disk import tiny_full_disk
from tests.qt.test_files import answer_save_dialog


@pytest.fixture
def window(window):
    win = window
    errors = []
    win.files.show_error = lambda title, message: errors.append(message)
    win.errors = errors
    return win


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    with tiny_full_disk(tmp_path, monkeypatch) as disk:
        yield disk


def _save_session(window):
    return window.files.save_as() or None


EXPORTS = {
    # kind: (file name, the action, needs steps on screen)
    "trajectory CSV": ("runs.csv", lambda w: w.files.export_trajectory_csv()),
    "session": ("lesson.landscape", _save_session),
    "window PNG": ("window.png", lambda w: w.files.export_window_png()),
    "3D view PNG": ("surface.png", lambda w: w.files.export_surface_png()),
    "contour PNG": ("contours.png", lambda w: w.files.export_contour_png()),
    "contour SVG": ("contours.svg", lambda w: w.files.export_contour_svg()),
    "slices SVG": ("slices.svg", lambda w: w.files.export_slices_svg()),
    "GIF": ("run.gif", lambda w: w.files.export_gif()),
    "PNG sequence": ("frames", lambda w: w.files.export_png_sequence()),
}


def _one_clear_sentence(message: str) -> None:
    assert "\n" not in message and "Errno" not in message and "Traceback" not in message
    assert message.endswith(".")


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_a_full_disk_fails_cleanly_for_every_export(window, full_disk, kind):
    name, action = EXPORTS[kind]
    window.controller.runs.step(4)
    target = full_disk.path / name
    good = b"the previous good file, which must survive\n" * 20
    if kind != "PNG sequence":  # that one only ever creates a new folder
        target.write_bytes(good)
    answer_save_dialog(window, target)
    full_disk.fill(leave=4096)  # every export here is larger than that

    assert action(window) is None
    assert len(window.errors) == 1, window.errors
    message = window.errors[0]
    assert "No space left on device; free some space or choose another place." in message
    assert name in message
    _one_clear_sentence(message)
    if kind == "PNG sequence":
        assert full_disk.entries() == set()
    else:
        assert target.read_bytes() == good
        assert full_disk.entries() == {name}


@pytest.mark.parametrize("kind", ["session", "contour SVG", "trajectory CSV"])
def test_a_folder_at_the_target_is_refused(window, tmp_path, kind):
    name, action = EXPORTS[kind]
    folder = tmp_path / name
    folder.mkdir()
    answer_save_dialog(window, folder)
    assert action(window) is None
    assert len(window.errors) == 1 and "it is a folder" in window.errors[0]
    _one_clear_sentence(window.errors[0])
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert os.listdir(tmp_path) == [name]


def test_saving_a_session_onto_a_folder_without_the_extension_is_refused(window, tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    answer_save_dialog(window, folder)
    assert not window.files.save_as()
    assert "it is a folder" in window.errors[0]
    assert os.listdir(tmp_path) == ["lessons"] and window.files.path is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("kind", ["session", "window PNG", "trajectory CSV"])
def test_a_fifo_at_the_target_is_refused(window, tmp_path, kind):
    name, action = EXPORTS[kind]
    fifo = tmp_path / name
    os.mkfifo(fifo)
    answer_save_dialog(window, fifo)
    assert action(window) is None
    assert len(window.errors) == 1 and "not a regular file" in window.errors[0]
    _one_clear_sentence(window.errors[0])
    assert os.listdir(tmp_path) == [name]
    with pytest.raises(SessionIOError, match="not a regular file"):
        save_session(fifo, window.files.current_session())


@pytest.mark.parametrize("kind", ["session", "contour SVG", "window PNG"])
def test_exporting_onto_a_symlink_writes_the_file_it_points_to(window, tmp_path, kind):
    name, action = EXPORTS[kind]
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / name
    real.write_bytes(b"old")
    link = tmp_path / name
    link.symlink_to(real)
    answer_save_dialog(window, link)
    assert action(window)
    assert not window.errors
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.stat().st_size > 1000
    assert os.listdir(shared) == [name]
