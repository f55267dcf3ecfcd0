"""The trajectory CSV: exact format, exact float round trip, strict reader, atomic writes."""

import csv
import io
import os

import numpy as np
import pytest

import landscape_gui
from landscape_gui.core import trajectory
from landscape_gui.core.descent import DescentRun, History, run_to_end
from landscape_gui.core.trajectory import (
    HEADER_LINE,
    TrajectoryFormatError,
    TrajectoryRun,
    TrajectoryWriteError,
    read_trajectory_csv,
    read_trajectory_file,
    runs_from_descent,
    runs_from_rows,
    trajectory_metadata,
    write_trajectory_csv,
    write_trajectory_file,
)

VERSION = landscape_gui.__version__


class Bowl:
    """f = x^2 + y^2."""

    def value(self, x, y):
        return x * x + y * y

    def gradient(self, x, y):
        return 2 * x, 2 * y

    def hessian(self, x, y):
        return np.full_like(x, 2.0), np.zeros_like(x), np.full_like(x, 2.0)


def bowl_run(max_steps=2):
    run = DescentRun(Bowl(), [(3.0, 4.0)], "gd", {"lr": 0.1}, max_steps=max_steps)
    run.advance(max_steps)
    return run


def history(rows, status="running"):
    """History from (x, y, f, gx, gy) tuples, steps 0, 1, ... (a sixth column, |grad f| in
    the CSV, is what the record computes; it is ignored here)."""
    table = np.array(rows, dtype=float).reshape(len(rows), -1)
    return History.from_records(0, table[:, :5], status)


def to_text(runs, metadata):
    buffer = io.StringIO()
    write_trajectory_csv(buffer, runs, metadata)
    return buffer.getvalue()


def test_exact_text_for_two_gd_steps_on_the_bowl():
    # (3, 4): f 25, g (6, 8), |g| 10; (2.4, 3.2): f 16, g (4.8, 6.4), |g| 8;
    # (1.92, 2.56): f 10.24, g (3.84, 5.12), |g| 6.4 (each step scales everything by 0.8).
    run = bowl_run()
    runs = runs_from_descent(run)
    text = to_text(runs, trajectory_metadata("x^2 + y^2", runs))
    lines = text.splitlines()
    assert lines[:6] == [
        "# function: x^2 + y^2",
        "# optimizer: gd",
        "# lr: 0.1",
        "# status: max-steps",
        f"# app_version: {VERSION}",
        "run,optimizer,step,x,y,f,df_dx,df_dy,grad_norm",
    ]
    assert lines[6] == "1,gd,0,3.0,4.0,25.0,6.0,8.0,10.0"
    fields = [line.split(",") for line in lines[7:]]
    assert [f[:3] for f in fields] == [["1", "gd", "1"], ["1", "gd", "2"]]
    expected = [[2.4, 3.2, 16.0, 4.8, 6.4, 8.0], [1.92, 2.56, 10.24, 3.84, 5.12, 6.4]]
    got = [[float(v) for v in f[3:]] for f in fields]
    assert got == [pytest.approx(row, rel=1e-14) for row in expected]
    assert text.endswith("\n") and "\r" not in text
    assert len(lines) == 9


def test_metadata_keeps_the_given_order_and_app_version_is_last():
    text = to_text([], {"status": "converged", "function": "x", "lr": 0.5, "n": 3})
    assert text.splitlines() == [
        "# status: converged",
        "# function: x",
        "# lr: 0.5",
        "# n: 3",
        f"# app_version: {VERSION}",
        HEADER_LINE,
    ]


def test_a_given_app_version_is_replaced_by_the_writers():
    text = to_text([], {"app_version": "0.0.1", "function": "x"})
    assert text.splitlines()[:2] == ["# function: x", f"# app_version: {VERSION}"]


def test_floats_round_trip_exactly():
    values = [0.1, 1 / 3, -0.0, 1e-300, 5e-324, 123456789.12345679, -2.5e17, 1.7976931348623157e308]
    rows = [(v, -v, v * 0.5, 1.0, v, float(np.hypot(1.0, v))) for v in values]
    run = TrajectoryRun("a", "adam", history(rows))
    metadata, parsed = read_trajectory_csv(io.StringIO(to_text([run], {})))
    assert metadata == {"app_version": VERSION}
    for row, original in zip(parsed, rows, strict=True):
        got = (row.x, row.y, row.f, row.df_dx, row.df_dy, row.grad_norm)
        assert [v.hex() for v in got] == [float(v).hex() for v in original]
    assert [r.step for r in parsed] == list(range(len(values)))
    assert str(parsed[2].x) == "-0.0"


def test_round_trip_of_a_real_run_through_a_file(tmp_path):
    run = run_to_end(Bowl(), [(3.0, 4.0), (-1.0, 0.5)], "momentum", max_steps=40)
    runs = runs_from_descent(run, names=["left", "right"])
    metadata = trajectory_metadata("x^2 + y^2", runs, extra={"seed": 7})
    path = tmp_path / "run.csv"
    assert write_trajectory_file(path, runs, metadata) == 82
    read_meta, rows = read_trajectory_file(path)
    assert read_meta == {
        "function": "x^2 + y^2",
        "optimizer": "momentum",
        "lr": "0.05",
        "momentum": "0.9",
        "status": "left=max-steps; right=max-steps",
        "seed": "7",
        "app_version": VERSION,
    }
    back = runs_from_rows(rows)
    assert [r.name for r in back] == ["left", "right"]
    for original, again in zip(runs, back, strict=True):
        assert again.optimizer == "momentum"
        for name in ("step", "x", "y", "f", "gx", "gy", "norm"):
            assert np.array_equal(getattr(original.history, name), getattr(again.history, name))


def test_metadata_for_runs_that_differ():
    runs = [
        TrajectoryRun("a", "gd", history([(1, 1, 2, 2, 2)], "converged"), {"lr": 0.1}),
        TrajectoryRun("b", "adam", history([(1, 1, 2, 2, 2)], "diverged"), {"lr": 0.2}),
    ]
    assert trajectory_metadata("f", runs) == {
        "function": "f",
        "optimizer": "a=gd; b=adam",
        "a.lr": "0.1",
        "b.lr": "0.2",
        "status": "a=converged; b=diverged",
    }
    with pytest.raises(TrajectoryFormatError, match="reserved"):
        trajectory_metadata("f", runs, extra={"function": "g"})


def test_genfromtxt_reads_the_file(tmp_path):
    run = bowl_run(max_steps=3)
    runs = runs_from_descent(run)
    path = tmp_path / "t.csv"
    write_trajectory_file(path, runs, trajectory_metadata("x^2+y^2", runs))
    lines = path.read_text(encoding="utf-8").splitlines()
    n_meta = sum(line.startswith("#") for line in lines)
    assert n_meta == 5
    table = np.genfromtxt(
        path,
        delimiter=",",
        names=True,
        comments="#",
        skip_header=n_meta,
        dtype=None,
        encoding="utf-8",
    )
    assert table.dtype.names == (
        "run",
        "optimizer",
        "step",
        "x",
        "y",
        "f",
        "df_dx",
        "df_dy",
        "grad_norm",
    )
    assert table["step"].tolist() == [0, 1, 2, 3]
    assert table["x"].tolist() == run.history(0).x.tolist()
    assert table["grad_norm"][0] == 10.0
    # Without skip_header, filtering the comment lines works too.
    with open(path, encoding="utf-8") as handle:
        filtered = np.genfromtxt(
            (line for line in handle if not line.startswith("#")),
            delimiter=",",
            names=True,
        )
    assert filtered["f"].tolist() == run.history(0).f.tolist()


def test_csv_module_reads_the_rows(tmp_path):
    run = bowl_run()
    runs = runs_from_descent(run, names=["hiker"])
    path = tmp_path / "t.csv"
    write_trajectory_file(path, runs, {"function": "x^2 + y^2"})
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(line for line in handle if not line.startswith("#"))
        records = list(reader)
    assert [r["step"] for r in records] == ["0", "1", "2"]
    assert records[0]["run"] == "hiker"
    assert float(records[1]["y"]) == run.history(0).y[1]


def test_newlines_in_metadata_cannot_break_the_format():
    formula = "x^2 +\n y^2\r\\n\x0b\u2028end"
    text = to_text([], {"function": formula, "note": "tab\there"})
    lines = text.splitlines()
    assert len(lines) == 4
    assert lines[0] == "# function: x^2 +\\n y^2\\r\\\\n\\u000b\\u2028end"
    metadata, rows = read_trajectory_csv(io.StringIO(text))
    assert metadata["function"] == formula
    assert metadata["note"] == "tab\there"
    assert rows == []


@pytest.mark.parametrize(
    ("runs", "metadata", "fragment"),
    [
        ([TrajectoryRun("a,b", "gd", history([(0, 0, 0, 0, 0, 0)]))], {}, "run name"),
        ([TrajectoryRun("#1", "gd", history([(0, 0, 0, 0, 0, 0)]))], {}, "run name"),
        ([TrajectoryRun("", "gd", history([(0, 0, 0, 0, 0, 0)]))], {}, "run name"),
        (
            [
                TrajectoryRun("a", "gd", history([(0, 0, 0, 0, 0, 0)])),
                TrajectoryRun("a", "gd", history([(0, 0, 0, 0, 0, 0)])),
            ],
            {},
            "used twice",
        ),
        ([TrajectoryRun("a", "g,d", history([(0, 0, 0, 0, 0, 0)]))], {}, "optimizer key"),
        ([TrajectoryRun("a", "gd", history([(0, np.nan, 0, 0, 0, 0)]))], {}, "non-finite"),
        ([], {"bad:key": 1}, "metadata key"),
        ([], {"bad\nkey": 1}, "metadata key"),
        ([], {"": 1}, "metadata key"),
    ],
)
def test_writer_rejects_bad_data_before_writing(runs, metadata, fragment):
    buffer = io.StringIO()
    with pytest.raises(TrajectoryFormatError, match=fragment) as info:
        write_trajectory_csv(buffer, runs, metadata)
    assert isinstance(info.value, ValueError)
    assert buffer.getvalue() == ""


def test_writer_rejects_histories_not_starting_at_step_zero():
    h = history([(0, 0, 0, 0, 0, 0), (1, 1, 1, 1, 1, 1)])
    shifted = History(h.x, h.y, h.f, h.gx, h.gy, first_step=1)
    with pytest.raises(TrajectoryFormatError, match="step 0"):
        write_trajectory_csv(io.StringIO(), [TrajectoryRun("a", "gd", shifted)], {})


GOOD = (
    f"# function: x\n{HEADER_LINE}\n"
    "a,gd,0,1.0,2.0,3.0,4.0,5.0,6.0\n"
    "a,gd,1,1.0,2.0,3.0,4.0,5.0,6.0\n"
)


def test_reader_accepts_the_reference_text_and_crlf():
    metadata, rows = read_trajectory_csv(io.StringIO(GOOD))
    assert metadata == {"function": "x"}
    assert rows[1] == ("a", "gd", 1, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
    crlf_meta, crlf_rows = read_trajectory_csv(io.StringIO(GOOD.replace("\n", "\r\n"), newline=""))
    assert (crlf_meta, crlf_rows) == (metadata, rows)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "no header"),
        ("# function: x\n", "no header"),
        ("run,optimizer,step,x,y,f\n", "expected the header"),
        (GOOD.replace("1.0,2.0,3.0,4.0,5.0,6.0\na", "1.0,2.0,3.0,4.0,5.0\na"), "9 comma"),
        (GOOD.replace("a,gd,1,1.0", "a,gd,1,nan"), "not a finite"),
        (GOOD.replace("a,gd,1,1.0", "a,gd,1,inf"), "not a finite"),
        (GOOD.replace("a,gd,1,1.0", "a,gd,1,1_0"), "not a finite"),
        (GOOD.replace("a,gd,1,1.0", "a,gd,1,1e999"), "not finite"),
        (GOOD.replace("a,gd,1,", "a,gd,x,"), "whole number"),
        (GOOD.replace("a,gd,1,", "a,gd,2,"), "should be 1"),
        (GOOD.replace("a,gd,0,", "a,gd,1,"), "should be 0"),
        (GOOD + "# late: 1\n", "after the header"),
        ("# function: x\n# function: y\n" + HEADER_LINE + "\n", "repeated"),
        ("# function x\n" + HEADER_LINE + "\n", "# key: value"),
        ("#function: x\n" + HEADER_LINE + "\n", "# key: value"),
        ("# function: a\\qb\n" + HEADER_LINE + "\n", "unknown escape"),
        (GOOD + "b,gd,0,1,2,3,4,5,6\na,gd,2,1,2,3,4,5,6\n", "not contiguous"),
        (GOOD.replace("a,gd,1,", "a,adam,1,"), "changes optimizer"),
        (GOOD.replace("a,gd,1,", 'a",gd,1,'), "run name"),
    ],
)
def test_reader_rejects_malformed_input(text, fragment):
    with pytest.raises(TrajectoryFormatError, match=fragment) as info:
        read_trajectory_csv(io.StringIO(text))
    assert isinstance(info.value, ValueError)


def test_reader_names_the_bad_line():
    text = GOOD.replace("a,gd,1,1.0", "a,gd,1,oops")
    with pytest.raises(TrajectoryFormatError, match="line 4"):
        read_trajectory_csv(io.StringIO(text))


def files_in(folder):
    return sorted(p.name for p in folder.iterdir())


def test_atomic_write_replaces_an_existing_file(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    runs = runs_from_descent(bowl_run())
    assert write_trajectory_file(path, runs, {"function": "x^2 + y^2"}) == 3
    assert path.read_text(encoding="utf-8").startswith("# function: x^2 + y^2\n")
    assert files_in(tmp_path) == ["out.csv"]


def test_missing_folder_raises_an_os_error_and_creates_nothing(tmp_path):
    path = tmp_path / "missing" / "out.csv"
    with pytest.raises(TrajectoryWriteError) as info:
        write_trajectory_file(path, runs_from_descent(bowl_run()), {})
    assert isinstance(info.value, OSError)
    assert "cannot write trajectory file" in str(info.value)
    assert str(path) in str(info.value)
    assert files_in(tmp_path) == []


def test_folder_that_is_a_file_raises_an_os_error(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    with pytest.raises(OSError, match="cannot write trajectory file"):
        write_trajectory_file(blocker / "out.csv", runs_from_descent(bowl_run()), {})
    assert files_in(tmp_path) == ["blocker"]


def test_failure_midway_leaves_no_partial_file(tmp_path, monkeypatch):
    path = tmp_path / "out.csv"
    path.write_text("previous contents\n")
    real_rows = trajectory._row_lines

    def failing_rows(run):
        yield from list(real_rows(run))[:2]
        raise RuntimeError("disk vanished")

    monkeypatch.setattr(trajectory, "_row_lines", failing_rows)
    with pytest.raises(RuntimeError, match="disk vanished"):
        write_trajectory_file(path, runs_from_descent(bowl_run()), {"function": "f"})
    assert files_in(tmp_path) == ["out.csv"]
    assert path.read_text() == "previous contents\n"


def test_os_failure_at_flush_or_rename_is_reported_and_cleaned_up(tmp_path, monkeypatch):
    path = tmp_path / "out.csv"
    runs = runs_from_descent(bowl_run())

    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(TrajectoryWriteError, match="No space left on device"):
        write_trajectory_file(path, runs, {})
    assert files_in(tmp_path) == []
    monkeypatch.undo()

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(TrajectoryWriteError, match="Permission denied"):
        write_trajectory_file(path, runs, {})
    assert files_in(tmp_path) == []


def test_bad_data_creates_no_file(tmp_path):
    path = tmp_path / "out.csv"
    bad = [TrajectoryRun("a,b", "gd", history([(0, 0, 0, 0, 0, 0)]))]
    with pytest.raises(TrajectoryFormatError):
        write_trajectory_file(path, bad, {})
    assert files_in(tmp_path) == []


def test_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / "out.csv"
    write_trajectory_file(path, runs_from_descent(bowl_run()), {})
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    path.chmod(0o600)
    write_trajectory_file(path, runs_from_descent(bowl_run()), {})
    assert path.stat().st_mode & 0o777 == 0o600


def test_descent_metadata_is_the_one_block_for_the_command_and_the_window():
    runs = [
        TrajectoryRun("1", "gd", history([(1, 1, 2, 2, 2)], "converged"), {"lr": 0.1}),
        TrajectoryRun("2", "gd", history([(1, 1, 2, 2, 2)], "converged"), {"lr": 0.1}),
    ]
    meta = trajectory.descent_metadata(
        "x^2 + a", runs, [(3.0, 4.0), (-1, 0.5)], 1e-6, 500, {"a": 2.0}
    )
    assert meta == {
        "function": "x^2 + a",
        "optimizer": "gd",
        "lr": "0.1",
        "status": "1=converged; 2=converged",
        "start": "3.0 4.0; -1.0 0.5",
        "tol": "1e-06",
        "max_steps": "500",
        "parameters": "a=2.0",
    }
    assert "parameters" not in trajectory.descent_metadata("x", runs[:1], [(0, 0)], 1e-6, 5, {})
