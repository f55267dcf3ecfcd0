"""The start picture kept between starts: read back whole under its key, or not at all."""

import errno
import io
import os
import zipfile

import numpy as np
import pytest

from landscape_gui.core import start_picture
from landscape_gui.core.start_picture import StartPicture, load, picture_key, save

KEY_INPUTS = {
    "formula": "x^2 + y^2",
    "parameters": {"a": 1.0},
    "domain": (-5.0, 5.0, -4.0, 4.0),
    "resolution": 200,
    "color_scale_mode": "auto",
}


def a_picture(n: int = 30, m: int = 20) -> StartPicture:
    xs = np.linspace(-5.0, 5.0, n)
    ys = np.linspace(-4.0, 4.0, m)
    z = xs[:, None] ** 2 + ys[None, :] ** 2
    return StartPicture(xs, ys, z, (0.0, 41.0), "linear")


def test_a_kept_picture_is_read_back_as_it_was(tmp_path):
    key = picture_key(**KEY_INPUTS)
    picture = a_picture()
    assert save(tmp_path, key, picture)
    read = load(tmp_path, key)
    assert read is not None
    np.testing.assert_array_equal(read.xs, picture.xs)
    np.testing.assert_array_equal(read.ys, picture.ys)
    np.testing.assert_array_equal(read.z, picture.z)
    assert read.z_limits == (0.0, 41.0)
    assert read.color_scale == "linear"


def test_holes_in_the_landscape_are_kept(tmp_path):
    picture = a_picture()
    z = picture.z.copy()
    z[3, 4] = np.nan
    z[5, 6] = np.inf
    save(tmp_path, "k", StartPicture(picture.xs, picture.ys, z, (0.0, 41.0), "log"))
    read = load(tmp_path, "k")
    assert read is not None and np.isnan(read.z[3, 4]) and np.isposinf(read.z[5, 6])
    assert read.color_scale == "log"


def test_a_start_on_another_landscape_finds_no_picture(tmp_path):
    save(tmp_path, picture_key(**KEY_INPUTS), a_picture())
    other = dict(KEY_INPUTS, formula="x^2 - y^2")
    assert load(tmp_path, picture_key(**other)) is None


@pytest.mark.parametrize(
    "changed",
    [
        {"formula": "x^2 + y^2 + 1"},
        {"parameters": {"a": 2.0}},
        {"parameters": {}},
        {"domain": (-5.0, 5.0, -4.0, 4.5)},
        {"resolution": 300},
        {"color_scale_mode": "log"},
    ],
)
def test_the_key_changes_with_everything_the_picture_depends_on(changed):
    assert picture_key(**dict(KEY_INPUTS, **changed)) != picture_key(**KEY_INPUTS)


def test_the_key_changes_with_the_apps_version(monkeypatch):
    before = picture_key(**KEY_INPUTS)
    monkeypatch.setattr(start_picture, "__version__", "999.0")
    assert picture_key(**KEY_INPUTS) != before


def test_no_folder_no_picture(tmp_path):
    assert load(tmp_path / "never made", "k") is None


def _written(tmp_path, **arrays) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    (tmp_path / start_picture.FILE_NAME).write_bytes(buffer.getvalue())


def _whole(**changes):
    picture = a_picture()
    arrays = {
        "key": np.array("k"),
        "xs": picture.xs,
        "ys": picture.ys,
        "z": picture.z,
        "z_limits": np.array(picture.z_limits),
        "color_scale": np.array(picture.color_scale),
    }
    arrays.update(changes)
    return {name: value for name, value in arrays.items() if value is not None}


@pytest.mark.parametrize(
    "damage",
    [
        {"z": None},  # a part missing
        {"z": np.zeros((3, 3))},  # the heights' shape does not match the grid
        {"xs": np.linspace(5.0, -5.0, 30)},  # decreasing
        {"xs": np.array([0.0])},  # one sample
        {"xs": np.zeros((30, 1))},  # not a line of samples
        {"ys": np.full(20, np.nan)},
        {"z_limits": np.array([1.0, 1.0])},
        {"z_limits": np.array([0.0, np.inf])},
        {"z_limits": np.array([0.0])},
        {"color_scale": np.array("sepia")},
        {"z": np.array(["a"] * 600).reshape(30, 20)},  # not numbers
        {"z": np.array([object()] * 600, dtype=object).reshape(30, 20)},  # pickled objects
    ],
)
def test_a_damaged_picture_is_no_picture(tmp_path, damage):
    _written(tmp_path, **_whole(**damage))
    assert load(tmp_path, "k") is None


@pytest.mark.parametrize(
    "content", [b"", b"not a zip file", b"PK\x03\x04" + os.urandom(200), b"\x93NUMPY" + bytes(40)]
)
def test_a_file_that_is_not_a_picture_is_no_picture(tmp_path, content):
    (tmp_path / start_picture.FILE_NAME).write_bytes(content)
    assert load(tmp_path, "k") is None


def test_a_truncated_picture_is_no_picture(tmp_path):
    save(tmp_path, "k", a_picture())
    path = tmp_path / start_picture.FILE_NAME
    whole = path.read_bytes()
    for cut in (10, len(whole) // 2, len(whole) - 10):
        path.write_bytes(whole[:cut])
        assert load(tmp_path, "k") is None


def test_a_folder_where_the_file_should_be_is_no_picture(tmp_path):
    (tmp_path / start_picture.FILE_NAME).mkdir()
    assert load(tmp_path, "k") is None
    assert not save(tmp_path, "k", a_picture())


def test_a_picture_that_cannot_be_written_is_refused_and_the_kept_one_stays(tmp_path, monkeypatch):
    save(tmp_path, "old", a_picture())
    before = (tmp_path / start_picture.FILE_NAME).read_bytes()

    def disk_full(_path, _data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(start_picture, "atomic_write", disk_full)
    assert not save(tmp_path, "new", a_picture(40, 40))
    assert (tmp_path / start_picture.FILE_NAME).read_bytes() == before


def test_a_cache_folder_that_is_a_file_keeps_nothing(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    assert not save(blocker, "k", a_picture())
    assert load(blocker, "k") is None
    assert blocker.read_text() == "not a folder"


def test_a_picture_that_is_not_whole_is_not_kept(tmp_path):
    picture = a_picture()
    bad = StartPicture(picture.xs, picture.ys, picture.z[:-1], picture.z_limits, "linear")
    assert not save(tmp_path, "k", bad)
    assert not (tmp_path / start_picture.FILE_NAME).exists()


def test_the_kept_file_is_a_plain_numpy_archive_without_pickles(tmp_path):
    save(tmp_path, "k", a_picture())
    with zipfile.ZipFile(tmp_path / start_picture.FILE_NAME) as archive:
        names = sorted(archive.namelist())
    assert names == sorted(
        f"{name}.npy" for name in ("key", "xs", "ys", "z", "z_limits", "color_scale")
    )
    with np.load(tmp_path / start_picture.FILE_NAME, allow_pickle=False) as kept:
        assert str(kept["key"]) == "k"
