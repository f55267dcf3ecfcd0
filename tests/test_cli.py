"""The `landscape` command's contract: output, files, and exit codes with one clear line."""

import io
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landscape_gui import __version__
from landscape_gui.cli import main
from tests.full_disk import tiny_full_disk


def run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_info_prints_the_seeds_partials_and_the_gradient_at_a_point(capsys):
    code, out, err = run(["info", "-f", "x^2 + 3xy + y^2", "--at", "3", "4"], capsys)
    assert code == 0 and err == ""
    assert "∂f/∂x = 2*x + 3*y" in out
    assert "∂f/∂y = 3*x + 2*y" in out
    assert "(0, 0)  saddle" in out
    # At (3, 4): grad = (2*3 + 3*4, 3*3 + 2*4) = (18, 17); f = 9 + 36 + 16 = 61.
    assert "grad f = (18, 17)" in out and "f = 61" in out


def test_info_json_for_the_bowl(capsys):
    code, out, _ = run(["info", "-f", "x^2 + y^2", "--at", "3", "4", "--json"], capsys)
    data = json.loads(out)
    assert code == 0
    assert data["df_dx"] == "2*x" and data["df_dy"] == "2*y"
    assert data["critical_points"] == [{"x": 0.0, "y": 0.0, "kind": "minimum", "f": 0.0}]
    assert data["at"] == {"x": 3.0, "y": 4.0, "f": 25.0, "grad": [6.0, 8.0], "grad_norm": 10.0}


def test_info_output_can_be_pasted_back(capsys):
    _, out, _ = run(["info", "-f", "e^(-x^2 - y^2) * sin(x)", "--json"], capsys)
    derivative = json.loads(out)["df_dx"]
    code, out, _ = run(["info", "-f", derivative, "--json"], capsys)
    assert code == 0 and json.loads(out)["f"]


def test_info_with_a_parameter(capsys):
    code, out, _ = run(
        ["info", "-f", "a x^2 + y^2", "--param", "a=3", "--at", "1", "1", "--json"], capsys
    )
    assert code == 0
    assert json.loads(out)["at"]["grad"] == [6.0, 2.0]


def test_descend_writes_the_trajectory_csv(tmp_path, capsys):
    path = tmp_path / "run.csv"
    code, out, err = run(
        [
            "descend",
            "-f",
            "x^2 + y^2",
            "--start",
            "3",
            "4",
            "--lr",
            "0.1",
            "--steps",
            "200",
            "-o",
            str(path),
        ],
        capsys,
    )
    assert code == 0 and out == ""
    assert err.startswith("converged after ")
    text = path.read_text()
    assert "# function: x^2 + y^2" in text and "# optimizer: gd" in text
    assert "# status: converged" in text
    frame = pd.read_csv(path, comment="#")
    assert list(frame.columns) == [
        "run",
        "optimizer",
        "step",
        "x",
        "y",
        "f",
        "df_dx",
        "df_dy",
        "grad_norm",
    ]
    # Step 0 is the start; step 1 is (3, 4) - 0.1 * (6, 8) = (2.4, 3.2).
    assert frame.loc[0, ["x", "y", "f", "grad_norm"]].tolist() == [3.0, 4.0, 25.0, 10.0]
    assert frame.loc[1, ["x", "y"]].tolist() == pytest.approx([2.4, 3.2])
    assert frame["grad_norm"].iloc[-1] < 1e-6
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    table = np.genfromtxt(
        io.StringIO("\n".join(lines)), delimiter=",", names=True, dtype=None, encoding="utf-8"
    )
    assert table["x"][0] == 3.0 and len(table) == len(frame)


def test_descend_to_stdout_and_divergence_is_still_success(capsys):
    # The lesson's x^2 + 3xy + y^2 is a saddle: from (1, 0.5) GD slides off to infinity.
    code, out, err = run(["descend", "-f", "x^2 + 3xy + y^2", "--start", "1", "0.5"], capsys)
    assert code == 0
    assert "# status: diverged" in out
    # It slides down a saddle with no bottom: a smaller --lr cannot help, and it says so.
    assert err.startswith("diverged") and "no bottom" in err and "will not help" in err
    rows = [line for line in out.splitlines() if line and not line.startswith(("#", "run,"))]
    assert all(np.isfinite(float(v)) for v in rows[-1].split(",")[3:])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["info", "-f", "sinn(x)"], "did you mean 'sin'"),
        (["info", "-f", "__import__('os')"], "bad formula"),
        (["info", "-f", "9^9^9^9"], "exponent too large"),
        (["info", "-f", "x", "--param", "b=2"], "no parameter b"),
        (["info", "-f", "x", "--at", "1"], "--at"),
        (["info", "-f", "x", "--x-range", "2", "1"], "lower end"),
        (["descend", "-f", "x^2", "--start", "1", "1", "--optimizer", "sgd"], "invalid choice"),
        (["descend", "-f", "x^2", "--start", "1", "1", "--lr", "0"], "greater than 0"),
        (["descend", "-f", "x^2", "--start", "1", "nan"], "finite"),
        (
            ["descend", "-f", "x^2", "--start", "1", "1", "-o", "/no/such/dir/out.csv"],
            "cannot write",
        ),
        (
            [
                "descend",
                "-f",
                "x^2",
                "--start",
                "1",
                "1",
                "--set",
                "betta1=0.5",
                "--optimizer",
                "adam",
            ],
            "betta1",
        ),
        (["screenshot", "-f", "x^2 +", "-o", "out.png"], "bad formula"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(args, capsys)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_the_installed_entry_point_runs_headless():
    result = subprocess.run(
        [sys.executable, "-m", "landscape_gui", "info", "-f", "x^2+y^2", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["df_dy"] == "2*y"


def test_a_session_path_opens_the_window_on_it(monkeypatch, tmp_path):
    import landscape_gui.qt.app as app

    opened = []
    monkeypatch.setattr(app, "run", lambda path=None: opened.append(path) or 0)
    session = tmp_path / "lesson.landscape"
    assert main([str(session)]) == 0
    assert main([]) == 0
    assert opened == [str(session), None]


def test_an_unknown_word_is_not_taken_for_a_file(capsys):
    code, _, err = run(["frobnicate"], capsys)
    assert code == 2 and "unknown command 'frobnicate'" in err


def test_no_display_is_said_plainly(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    code, _, err = run(["screenshot", "-f", "x^2", "-o", str(tmp_path / "a.png")], capsys)
    assert code == 2 and "no display" in err and "xvfb-run" in err
    code, _, err = run([], capsys)
    assert code == 2 and "no display" in err


# ------------------------------------------------------------------ minus signs and odd values


@pytest.mark.parametrize(
    "args",
    [
        ["info", "-f", "-x^2-y^2", "--json"],
        ["info", "--formula", "-x^2-y^2", "--json"],
        ["info", "--form", "-x^2-y^2", "--json"],
        ["info", "-f-x^2-y^2", "--json"],
        ["info", "--formula=-x^2-y^2", "--json"],
    ],
)
def test_a_formula_may_start_with_a_minus(args, capsys):
    code, out, err = run(args, capsys)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["df_dx"] == "-2*x"
    assert data["critical_points"][0]["kind"] == "maximum"


def test_negative_numbers_in_any_spelling_are_values(capsys):
    code, out, err = run(
        ["info", "-f", "x^2 + y", "--x-range", "-1e1", "-.5", "--at", "-2.5e-1", "-3", "--json"],
        capsys,
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["domain"][:2] == [-10.0, -0.5]
    assert (data["at"]["x"], data["at"]["y"]) == (-0.25, -3.0)
    code, out, err = run(
        ["descend", "-f", "x^2", "--start", "-1e-3", "-2", "--steps", "1", "--lr", "0.1"], capsys
    )
    assert code == 0 and "-0.001" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["info", "--formula=--"], "-f/--formula needs a formula"),
        (["info", "-f", "--"], "-f/--formula needs a formula"),
        (["info", "-f", ""], "-f/--formula needs a formula"),
        (["info", "-f", "--at", "1", "2"], "expected one argument"),
        (["descend", "-f", "x", "--start", "1", "-inf"], "not a finite number"),
        (["descend", "-f", "x", "--start", "1", "-nan"], "not a finite number"),
        (["info", "-f", "-"], "bad formula"),
    ],
)
def test_odd_values_exit_2_with_one_line(args, message, capsys):
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_help_and_version_return_0_from_main(capsys):
    assert run(["--version"], capsys)[:2] == (0, f"landscape {__version__}\n")
    code, out, _ = run(["info", "--help"], capsys)
    assert code == 0 and out.startswith("usage: landscape info")


# ------------------------------------------------------------------ a reader that goes away


class _ClosedPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize(
    "args",
    [
        ["info", "-f", "x^2 + y^2", "--at", "1", "1"],
        ["info", "-f", "x^2 + y^2", "--json"],
        ["descend", "-f", "x^2 + y^2", "--start", "3", "4"],
        ["--help"],
    ],
)
def test_a_closed_standard_output_stops_quietly_with_exit_0(args, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(args) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "args",
    [
        ["descend", "-f", "x^2+y^2", "--start", "3", "4", "--lr", "0.001", "--steps", "5000"],
        ["info", "-f", "x^2+y^2", "--at", "1", "1"],
    ],
)
def test_piping_into_a_reader_that_stops_early_gives_no_traceback(args):
    """What `landscape descend ... | head -1` does: the reader closes the pipe before the end."""
    with subprocess.Popen(
        [sys.executable, "-m", "landscape_gui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    ) as child:
        child.stdout.close()  # no reader any more: every write to the pipe fails with EPIPE
        err = child.stderr.read().decode()
        assert child.wait(timeout=120) == 0
    assert err == ""


# ------------------------------------------------------------------ outputs that cannot be written

DESCEND = ["descend", "-f", "x^2 + y^2", "--start", "3", "4", "--lr", "0.01", "--steps", "400"]


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    with tiny_full_disk(tmp_path, monkeypatch) as disk:
        yield disk


def assert_one_line(err: str, *fragments: str) -> None:
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and "Errno" not in err and "libpng" not in err
    for fragment in fragments:
        assert fragment in err


def test_descend_onto_a_full_disk_exits_2_and_keeps_the_old_file(full_disk, capsys):
    target = full_disk.path / "run.csv"
    target.write_bytes(b"the previous good run\n")
    full_disk.fill(leave=4096)  # 400 steps of CSV are about 60 KB
    code, out, err = run([*DESCEND, "-o", str(target)], capsys)
    assert code == 2 and out == ""
    assert_one_line(err, "cannot write", "No space left on device; free some space")
    assert target.read_bytes() == b"the previous good run\n"
    assert full_disk.entries() == {"run.csv"}


def test_screenshot_onto_a_full_disk_exits_2_with_one_line(full_disk, qapp):
    """Run as a command (it opens its own window); libpng must not add a line of its own."""
    target = full_disk.path / "shot.png"
    target.write_bytes(b"the previous good picture")
    full_disk.fill(leave=4096)
    command = [sys.executable, "-m", "landscape_gui"]
    if not full_disk.real:  # the simulated full disk lives in this process: take it along
        command = [sys.executable, "-c", SIMULATED_FULL_DISK_MAIN]
    result = subprocess.run(
        [*command, "screenshot", "-f", "x^2+y^2", "--size", "400", "300", "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert result.returncode == 2, result.stderr
    assert_one_line(result.stderr, "landscape screenshot: cannot write", "No space left")
    assert target.read_bytes() == b"the previous good picture"
    assert full_disk.entries() == {"shot.png"}


SIMULATED_FULL_DISK_MAIN = """
import errno, os, sys
from landscape_gui.core import atomic
budget = [4096]
real_write = atomic._write_chunk
def write_until_full(fd, data):
    if budget[0] <= 0:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    written = real_write(fd, data[: budget[0]])
    budget[0] -= written
    return written
atomic._write_chunk = write_until_full
from landscape_gui.cli import main
from tests.full_disk import tiny_full_disk
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("command", ["descend", "screenshot"])
def test_a_folder_or_a_fifo_as_output_exits_2_before_any_work(tmp_path, capsys, command):
    folder = tmp_path / "out.png"
    folder.mkdir()
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    base = DESCEND if command == "descend" else ["screenshot", "-f", "x^2"]
    code, out, err = run([*base, "-o", str(folder)], capsys)
    assert code == 2 and out == ""
    assert_one_line(err, f"landscape {command}: cannot write", "it is a folder")
    code, out, err = run([*base, "-o", str(fifo)], capsys)
    assert code == 2 and out == ""
    assert_one_line(err, "not a regular file")
    assert sorted(os.listdir(tmp_path)) == ["out.png", "pipe.png"]
    assert list(folder.iterdir()) == []


def test_a_read_only_folder_exits_2_and_keeps_the_old_file(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "handouts"
    folder.mkdir()
    (folder / "run.csv").write_text("old")
    mounted = False
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        expected = "Permission denied; choose a folder you can write to"
    elif mount_read_only(folder):  # root may write anywhere, but not on a read-only disk
        mounted = True
        expected = "Read-only file system; choose another place"
    else:  # a container that may not mount: the system's answer, simulated
        from landscape_gui.core import atomic

        def refused(directory, target):
            raise atomic._as_write_error(PermissionError(13, "Permission denied"), target)

        monkeypatch.setattr(atomic, "_create_temporary", refused)
        expected = "Permission denied; choose a folder you can write to"
    try:
        code, _, err = run([*DESCEND, "-o", str(folder / "run.csv")], capsys)
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], capture_output=True, timeout=30)
        os.chmod(folder, 0o755)
    assert code == 2
    assert_one_line(err, expected)
    assert os.listdir(folder) == ["run.csv"] and (folder / "run.csv").read_text() == "old"


def mount_read_only(folder) -> bool:
    """Bind ``folder`` onto itself read-only (Linux, root)."""
    if not sys.platform.startswith("linux"):
        return False
    steps = [
        ["mount", "--bind", str(folder), str(folder)],
        ["mount", "-o", "remount,bind,ro", str(folder)],
    ]
    for step in steps:
        if subprocess.run(step, capture_output=True, timeout=30).returncode:
            subprocess.run(["umount", str(folder)], capture_output=True, timeout=30)
            return False
    return True


def test_output_through_a_symlink_writes_the_file_it_points_to(tmp_path, capsys):
    real = tmp_path / "data" / "run.csv"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    code, _, _ = run([*DESCEND, "-o", str(link)], capsys)
    assert code == 0
    assert link.is_symlink() and real.read_text().startswith("# function: x^2 + y^2")
    assert sorted(os.listdir(tmp_path)) == ["data", "link.csv"]
    assert os.listdir(real.parent) == ["run.csv"]


def test_the_longest_legal_name_and_a_name_that_is_not_utf8(tmp_path, capsys):
    long_name = "r" * 251 + ".csv"
    assert run([*DESCEND, "-o", str(tmp_path / long_name)], capsys)[0] == 0
    odd = os.fsdecode(os.fsencode(tmp_path) + b"/run-\xe9\xff.csv")  # as argv hands it over
    code, _, err = run([*DESCEND, "-o", odd], capsys)
    assert code == 0, err
    assert sorted(os.listdir(os.fsencode(tmp_path))) == [b"r" * 251 + b".csv", b"run-\xe9\xff.csv"]
    # Too long by one byte: refused in one line that can be printed.
    code, _, err = run([*DESCEND, "-o", str(tmp_path / ("r" * 256))], capsys)
    assert code == 2
    assert_one_line(err, "File name too long; choose a shorter name")
    missing = os.fsdecode(os.fsencode(tmp_path) + b"/no-\xff/run.csv")
    code, _, err = run([*DESCEND, "-o", missing], capsys)
    assert code == 2
    assert_one_line(err, "no-\ufffd", "the folder does not exist")
    assert len(os.listdir(tmp_path)) == 2


def test_a_temporary_left_by_a_killed_descend_is_removed_by_the_next(tmp_path, capsys):
    from landscape_gui.core import atomic

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    leftover = tmp_path / f".landscape-{atomic._host_tag()}-{child.pid}-00c0ffee.tmp"
    leftover.write_bytes(b"half a run")
    assert run([*DESCEND, "-o", str(tmp_path / "run.csv")], capsys)[0] == 0
    assert os.listdir(tmp_path) == ["run.csv"]


# ------------------------------------------------------------------ fuzzing the argument handling

_VALUES = st.sampled_from(
    [
        "x^2 + y^2", "-x^2-y^2", "x", "-", "--", "", " ", "sinn(x)", "x^2 +", "a x^2", "-f",
        "1", "-1", "0", "-1e-3", "1e308", "inf", "-inf", "nan", "abc", "2.5", "-.5",
        "a=2", "b=1", "a", "ab=1", "a=nan", "momentum=0.9", "betta1=0.5", "=", "lr=-1",
        "gd", "adam", "newton", "sgd", "5", "200", "20000000",
        "out.csv", "out.png", "folder", "missing/x.csv", "--bogus", "-z", "--at",
    ]
)  # fmt: skip
_OPTIONS = st.sampled_from(
    [
        "-f", "--formula", "--formula=-x", "--formula=--", "--param", "--x-range", "--y-range",
        "--at", "--json", "--start", "--optimizer", "--lr", "--set", "--tol", "--steps",
        "--size", "-o", "--output", "-h", "--", "-", "--bogus", "-x^2",
    ]
)  # fmt: skip
_ARGV = st.tuples(
    st.sampled_from(["info", "descend", "screenshot", "--version", "nonsense", "x.landscape"]),
    st.lists(st.tuples(_OPTIONS, st.lists(_VALUES, max_size=3)), max_size=6),
).map(lambda parts: [parts[0], *(t for option, vals in parts[1] for t in (option, *vals))])


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=_ARGV)
def test_fuzzed_arguments_exit_0_or_2_without_a_traceback(argv, capsys, monkeypatch, tmp_path):
    import landscape_gui.qt.app as app
    import landscape_gui.qt.screenshot as screenshot

    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir(exist_ok=True)
    monkeypatch.setattr(app, "run", lambda path=None: 0)  # no window, no screenshot
    monkeypatch.setattr(screenshot, "save_window_screenshot", lambda *args: None)
    code = main(argv)
    captured = capsys.readouterr()
    assert code in (0, 2), (argv, captured.err)
    assert "Traceback" not in captured.err
    if code == 2:
        assert len(captured.err.strip().splitlines()) == 1, (argv, captured.err)


def test_info_on_a_polynomial_needs_no_numerical_stack():
    """The exact answer is complete for a polynomial gradient: no numerical search, so
    neither numpy nor a compiled formula is loaded (landscape info starts like plain sympy)."""
    code = (
        "import sys\nfrom landscape_gui.cli import main\n"
        "code = main(['info', '-f', 'x^3 - 3x + y^2'])\n"
        "print(sorted(m for m in ('numpy', 'PySide6', 'multiprocessing') if m in sys.modules))\n"
        "sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "(-1, 0)  saddle" in result.stdout and "(1, 0)  minimum" in result.stdout
    assert result.stdout.strip().endswith("[]")


def test_info_on_a_periodic_formula_still_searches_numerically(capsys):
    code, out, _ = run(["info", "-f", "cos(x) + y^2"], capsys)
    assert code == 0
    # solve gives x = 0 and pi; the search finds -pi too.
    assert "(-3.14159, 0)  minimum" in out and "(pi, 0)  minimum" in out
