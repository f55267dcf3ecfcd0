"""Measure Landscape's performance targets and print them as one table.

    python benchmarks/run.py            # a few repeats of everything (a few minutes, most of
                                        # them the side-by-side rows' new processes)
    python benchmarks/run.py --quick    # fewer repeats and shorter runs
    python benchmarks/run.py --only basin
    python benchmarks/run.py --only versus      # only the side-by-side rows
    python benchmarks/run.py --json             # the same figures as one JSON object
    python benchmarks/run.py --profile screenshot   # where one command's time goes

Each benchmark is a function ``(repeats, quick) -> list[Measurement]`` listed in
:data:`BENCHMARKS`; timings are medians of ``repeats`` runs after one warm-up, so one slow
run (another process, a cold cache) does not move the figure. GUI measurements (window
start-up, event-loop stalls while a descent plays) belong here too, as more functions of the
same shape added to :data:`BENCHMARKS`.

The side-by-side rows (:data:`COMPARISONS`) quote Landscape's speed as a ratio against what a
user would run instead, measured in the same run: each pair of new processes is run in turn
(A, B, A, B, ...) after one untimed warm-up of each, so a change in the machine's load falls
on both sides alike; the alternatives are the small scripts in ``benchmarks/alternatives/``.
Wall time is the figure the goals are about; the children's CPU time (user + system) is
printed beside it because it moves much less when other processes share the cores.

No benchmark asserts a time: this prints numbers for people, it is not a test.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Measure this checkout's code, whether or not the package is installed.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

HIMMELBLAU = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"
SEED_FORMULA = "x^2 + 3xy + y^2"  # the lesson's example


@dataclass(frozen=True)
class Measurement:
    """One row of the table: the median and the spread of ``repeats`` timings."""

    name: str
    median: float
    low: float
    high: float
    unit: str
    repeats: int
    note: str = ""


def time_repeats(function: Callable[[], object], repeats: int, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls of ``function``, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def summarize(
    name: str, values: list[float], unit: str, note: str = "", scale: float = 1.0
) -> Measurement:
    """A table row from raw values (multiplied by ``scale``, e.g. 1e3 for seconds -> ms)."""
    scaled = [v * scale for v in values]
    return Measurement(
        name, statistics.median(scaled), min(scaled), max(scaled), unit, len(scaled), note
    )


# --------------------------------------------------------------------------- benchmarks


def bench_descent_steps(repeats: int, quick: bool) -> list[Measurement]:
    """Steps per second of one hiker on Himmelblau, recording history as the window does."""
    from landscape_gui.core.descent import DescentRun
    from landscape_gui.core.landscape import Landscape

    landscape = Landscape.from_text(HIMMELBLAU)
    steps = 1000 if quick else 5000
    rows = []
    for optimizer, hyperparameters in (
        ("gd", {"lr": 0.01}),
        ("adam", {"lr": 0.1}),
        ("newton", {"lr": 1.0}),
    ):
        times = []
        for _ in range(repeats + 1):  # the first is the warm-up
            # tol = 0 never stops a run, so every repeat takes all its steps.
            run = DescentRun(
                landscape, (0.1, 0.2), optimizer, hyperparameters, max_steps=steps, tol=0.0
            )
            start = time.perf_counter()
            run.advance(steps)
            times.append(time.perf_counter() - start)
        rates = [steps / t for t in times[1:]]
        rows.append(
            summarize(
                f"descent {optimizer}, 1 start",
                rates,
                "steps/s",
                f"{steps} steps; {1e6 / statistics.median(rates):.1f} µs/step",
            )
        )
    return rows


def bench_basin_map(repeats: int, quick: bool) -> list[Measurement]:
    """A 200 x 200 basin map of Himmelblau, 200 steps: the grid descent plus the clustering."""
    from landscape_gui.core.basins import compute_basins
    from landscape_gui.core.landscape import Domain, Landscape

    landscape = Landscape.from_text(HIMMELBLAU, domain=Domain(-5, 5, -5, 5))
    rows = []
    cases = [("gd", {"lr": 0.01})] if quick else [("gd", {"lr": 0.01}), ("adam", {"lr": 0.1})]
    for optimizer, hyperparameters in cases:
        found: list = []

        def run(optimizer=optimizer, hyperparameters=hyperparameters, found=found):
            found.append(compute_basins(landscape, 200, optimizer, hyperparameters, steps=200))

        times = time_repeats(run, repeats)
        basins = found[-1]
        rows.append(
            summarize(
                f"basin map {optimizer} 200² x 200 steps",
                times,
                "ms",
                f"{basins.n_basins} basins",
                scale=1e3,
            )
        )
    return rows


def bench_formula_sampling(repeats: int, quick: bool) -> list[Measurement]:
    """A new formula: parse, differentiate and lambdify, then sample a 200 x 200 grid.

    sympy caches results, so its cache is cleared before every repeat: the figure is what
    typing a new formula costs, not re-entering one.
    """
    from sympy.core.cache import clear_cache

    from landscape_gui.core.landscape import Landscape
    from landscape_gui.core.presets import PRESETS_BY_KEY

    rows = []
    for key in ("bowl", "goldstein", "ackley"):
        preset = PRESETS_BY_KEY[key]
        compile_times = []
        sample_times = []
        for _ in range(repeats + 1):
            clear_cache()
            start = time.perf_counter()
            landscape = Landscape.from_text(preset.formula, domain=preset.domain)
            compiled = time.perf_counter()
            landscape.sample(200)
            done = time.perf_counter()
            compile_times.append(compiled - start)
            sample_times.append(done - compiled)
        compile_times, sample_times = compile_times[1:], sample_times[1:]
        totals = [c + s for c, s in zip(compile_times, sample_times, strict=True)]
        rows.append(
            summarize(
                f"formula {preset.name}: compile + sample 200²",
                totals,
                "ms",
                f"compile {1e3 * statistics.median(compile_times):.0f} ms,"
                f" sample {1e3 * statistics.median(sample_times):.1f} ms",
                scale=1e3,
            )
        )
    return rows


def bench_cli_info(repeats: int, quick: bool) -> list[Measurement]:
    """``landscape info`` on the lesson's formula, as a user runs it: a new process each time."""
    command = [sys.executable, "-m", "landscape_gui", "info", "-f", SEED_FORMULA]
    environment = dict(os.environ, PYTHONPATH=str(REPO))

    def run():
        result = subprocess.run(
            command, cwd=REPO, env=environment, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"landscape info failed: {result.stderr.strip()}")

    times = time_repeats(run, repeats)
    return [summarize("landscape info (new process)", times, "ms", SEED_FORMULA, scale=1e3)]


def bench_gui(repeats: int, quick: bool) -> list[Measurement]:
    """Window start-up to the first drawn 3D frame, and how long the event loop stalls while a
    run streams as fast as possible (needs a display: run under xvfb-run on a headless box)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return [
            Measurement(
                "GUI (skipped: no display)",
                float("nan"),
                float("nan"),
                float("nan"),
                "",
                0,
                "run under xvfb-run -a",
            )
        ]
    script = REPO / "benchmarks" / "gui_probe.py"
    starts, gaps, rates = [], [], []
    for _ in range(max(1, repeats // 2)):
        result = subprocess.run(
            [sys.executable, str(script), "2" if quick else "5"],
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
        )
        if result.returncode != 0:
            raise RuntimeError(f"gui probe failed: {result.stderr.strip()[-400:]}")
        data = json.loads(result.stdout.strip().splitlines()[-1])
        starts.append(data["first_frame_s"])
        gaps.extend(data["gaps_ms"])
        rates.append(data["steps_per_second"])
    gaps.sort()

    def percentile(p: float) -> float:
        return gaps[min(len(gaps) - 1, int(p / 100 * len(gaps)))]

    return [
        summarize(
            "window start-up to first 3D frame",
            starts,
            "s",
            "new process, from gui_probe.py's start (interpreter start-up left out)",
        ),
        Measurement(
            "event-loop gap while streaming, median",
            percentile(50),
            gaps[0],
            gaps[-1],
            "ms",
            len(gaps),
            "5 ms timer; low/high = min/max",
        ),
        Measurement(
            "event-loop gap while streaming, p99",
            percentile(99),
            gaps[0],
            gaps[-1],
            "ms",
            len(gaps),
            "Rosenbrock, lr 1e-4, as fast as possible",
        ),
        summarize("steps/s shown while streaming", rates, "steps/s", "GUI + worker, 1 run"),
    ]


def bench_refusals(repeats: int, quick: bool) -> list[Measurement]:
    """How long the slowest refusal takes: hostile formulas (the parser's budget) and session
    documents nested or sized to hurt (the reader's limits). The tests check that these are
    refused; how fast is measured here, where a slow machine does not fail a test."""
    from landscape_gui.core.formula import FormulaError, parse_formula
    from landscape_gui.core.session import SessionError, from_json

    formulas = [
        "x^(e^100)",
        "(2^400)(2^400)(2^400)(2^400)",
        "9^9^9^9^9",
        "x" * 1_000_000,
        "(" * 10_000 + "x" + ")" * 10_000,
    ]
    documents = ["[" * 1_000_000, "{" * 50_000, '{"a": ' + "[" * 5000 + "]" * 5000 + "}"]

    def refuse(function: Callable[[str], object], error: type[Exception], text: str) -> None:
        try:
            function(text)
        except error:
            return

    def refuse_formulas() -> None:
        for text in formulas:
            refuse(parse_formula, FormulaError, text)

    def refuse_documents() -> None:
        for text in documents:
            refuse(from_json, SessionError, text)

    return [
        summarize(
            "hostile formulas refused", time_repeats(refuse_formulas, repeats), "ms", scale=1e3
        ),
        summarize(
            "hostile session files refused",
            time_repeats(refuse_documents, repeats),
            "ms",
            scale=1e3,
        ),
    ]


BENCHMARKS: dict[str, Callable[[int, bool], list[Measurement]]] = {
    "descent": bench_descent_steps,
    "basin": bench_basin_map,
    "formula": bench_formula_sampling,
    "cli": bench_cli_info,
    "refusals": bench_refusals,
    "gui": bench_gui,
}
"""Every benchmark by name, in the order the table lists them."""


# --------------------------------------------------------------------------- side by side

ALTERNATIVES = REPO / "benchmarks" / "alternatives"
PICTURE_FORMULA = "sin(x)cos(y) + 0.1(x^2 + y^2)"  # on [-3, 3]², 200 x 200, with derivatives


@dataclass(frozen=True)
class Comparison:
    """One side-by-side row: Landscape and the alternative, medians of interleaved runs.

    ``ratio`` is Landscape's median over the alternative's (below 1 is faster); ``ratio_low``
    and ``ratio_high`` are the smallest and largest of the per-pair ratios (run k of A over run
    k of B), which shows how much the machine moved during the measurement. A goal row with
    no alternative (the event-loop gaps) has ``alternative`` None and states its own figures.
    """

    name: str
    landscape: float
    alternative: float | None
    unit: str
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None
    goal: str
    met: bool | None
    repeats: int
    landscape_cpu: float | None = None
    alternative_cpu: float | None = None
    landscape_exit: float | None = None  # when the process ended, if "done" came before
    alternative_exit: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Job:
    """A command run in a new process, timed from just before it starts.

    ``until`` says when the job is done: "exit" (the process ended), "file" (``output`` was
    written: its modification time), or "frame" (the wall-clock ``first_frame_wall`` the child
    prints as JSON on its last line of output).
    """

    command: list[str]
    until: str = "exit"
    output: Path | None = None


def _child_cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_job(job: Job) -> tuple[float, float, float]:
    """(wall seconds until the job is done, CPU seconds the process and its children used,
    wall seconds until the process ended)."""
    if job.output is not None:
        job.output.unlink(missing_ok=True)
    environment = dict(os.environ, PYTHONPATH=str(REPO))
    cpu_before = _child_cpu_seconds()
    started = time.time()
    result = subprocess.run(
        job.command, cwd=REPO, env=environment, capture_output=True, text=True, check=False
    )
    exited = time.time()
    cpu = _child_cpu_seconds() - cpu_before
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(job.command[:4])} ... failed ({result.returncode}):"
            f" {result.stderr.strip()[-600:]}"
        )
    if job.until == "file":
        if job.output is None or not job.output.exists():
            raise RuntimeError(f"{' '.join(job.command[:4])} ... wrote no {job.output}")
        return job.output.stat().st_mtime - started, cpu, exited - started
    if job.until == "frame":
        data = json.loads(result.stdout.strip().splitlines()[-1])
        return data["first_frame_wall"] - started, cpu, exited - started
    return exited - started, cpu, exited - started


def compare(
    name: str,
    landscape: Job,
    alternative: Job,
    repeats: int,
    goal: float,
    note: str = "",
) -> Comparison:
    """Run the pair in turn (A, B, A, B, ...) after one untimed warm-up of each."""
    run_job(landscape)
    run_job(alternative)
    a_wall, a_cpu, a_exit, b_wall, b_cpu, b_exit = [], [], [], [], [], []
    for _ in range(repeats):
        wall, cpu, ended = run_job(landscape)
        a_wall.append(wall)
        a_cpu.append(cpu)
        a_exit.append(ended)
        wall, cpu, ended = run_job(alternative)
        b_wall.append(wall)
        b_cpu.append(cpu)
        b_exit.append(ended)
    a, b = statistics.median(a_wall), statistics.median(b_wall)
    pair_ratios = [x / y for x, y in zip(a_wall, b_wall, strict=True)]
    ratio = a / b
    return Comparison(
        name=name,
        landscape=a,
        alternative=b,
        unit="s",
        ratio=ratio,
        ratio_low=min(pair_ratios),
        ratio_high=max(pair_ratios),
        goal=f"ratio ≤ {goal:g}" if math.isfinite(goal) else "for scale",
        met=(ratio <= goal) if math.isfinite(goal) else None,
        repeats=repeats,
        landscape_cpu=statistics.median(a_cpu),
        alternative_cpu=statistics.median(b_cpu),
        landscape_exit=statistics.median(a_exit) if landscape.until != "exit" else None,
        alternative_exit=statistics.median(b_exit) if alternative.until != "exit" else None,
        note=note,
    )


def _python(*arguments: str | Path) -> list[str]:
    return [sys.executable, *(str(a) for a in arguments)]


def _scratch() -> Path:
    import tempfile

    folder = Path(tempfile.gettempdir()) / f"landscape-bench-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    return folder


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _skipped(name: str, goal: str) -> Comparison:
    return Comparison(
        name, math.nan, None, "", None, None, None, goal, None, 0, note="skipped: no display"
    )


def versus_picture(repeats: int, quick: bool) -> list[Comparison]:
    """`landscape screenshot` vs a sympy + matplotlib script: a new process to PNG written."""
    name = "picture: screenshot vs matplotlib script"
    if not _has_display():
        return [_skipped(name, "ratio ≤ 1")]
    folder = _scratch()
    ours, theirs = folder / "landscape.png", folder / "matplotlib.png"
    landscape = Job(
        _python("-m", "landscape_gui", "screenshot", "-f", PICTURE_FORMULA)
        + ["--x-range", "-3", "3", "--y-range", "-3", "3", "-o", str(ours)],
        until="file",
        output=ours,
    )
    alternative = Job(
        _python(ALTERNATIVES / "matplotlib_picture.py", theirs, PICTURE_FORMULA, "3"),
        until="file",
        output=theirs,
    )
    note = "1600 x 1000 PNG; sin(x)cos(y) + 0.1(x²+y²) on [-3, 3]², 200²; Agg backend"
    return [compare(name, landscape, alternative, repeats, 1.0, note)]


def versus_info(repeats: int, quick: bool) -> list[Comparison]:
    """`landscape info` vs a plain sympy script (parse, two partials, solve grad f = 0)."""
    landscape = Job(_python("-m", "landscape_gui", "info", "-f", SEED_FORMULA))
    alternative = Job(_python(ALTERNATIVES / "sympy_info.py", SEED_FORMULA))
    name = "derivatives + critical points: info vs sympy script"
    return [compare(name, landscape, alternative, repeats, 1.2, SEED_FORMULA + ", new process")]


def versus_window(repeats: int, quick: bool) -> list[Comparison]:
    """The window's first drawn 3D frame showing the landscape vs a bare GLViewWidget's, both
    from process start: as a user starts it again (the start picture kept by an earlier start,
    here the untimed warm-up), and for scale, a first start with nothing kept."""
    name = "window: first 3D frame vs bare GLViewWidget"
    first_name = "for scale: window's first start (nothing kept) vs bare GLViewWidget"
    if not _has_display():
        return [_skipped(name, "ratio ≤ 1.1"), _skipped(first_name, "for scale")]
    bare = Job(_python(ALTERNATIVES / "bare_glview.py", "frame"), until="frame")
    again = Job(_python(REPO / "benchmarks" / "gui_probe.py", "0"), until="frame")
    first = Job(_python(REPO / "benchmarks" / "gui_probe.py", "0", "--cold"), until="frame")
    note = (
        "process start to the first frame showing the landscape; bare view: 200² surface,"
        " 1600 x 1000"
    )
    first_note = "the kept start picture removed before each start: sympy and all come first"
    return [
        compare(first_name, first, bare, repeats, math.inf, first_note),
        compare(name, again, bare, repeats, 1.1, note),
    ]


def versus_gl_png(repeats: int, quick: bool) -> list[Comparison]:
    """For scale: a bare GLViewWidget grabbed to PNG vs the matplotlib script."""
    name = "for scale: bare GLViewWidget PNG vs matplotlib"
    if not _has_display():
        return [_skipped(name, "for scale")]
    folder = _scratch()
    ours, theirs = folder / "glview.png", folder / "matplotlib.png"
    bare = Job(_python(ALTERNATIVES / "bare_glview.py", "png", ours), until="file", output=ours)
    alternative = Job(
        _python(ALTERNATIVES / "matplotlib_picture.py", theirs, PICTURE_FORMULA, "3"),
        until="file",
        output=theirs,
    )
    note = "the floor for any pyqtgraph picture: Qt + GL start-up, one frame, PNG"
    floor = compare(name, bare, alternative, repeats, math.inf, note)
    with_sympy = Job(
        _python(ALTERNATIVES / "bare_glview.py", "png+sympy", ours), until="file", output=ours
    )
    sympy_name = "for scale: the same, sympy imported first, vs matplotlib"
    sympy_note = "the floor for a picture whose process does its own symbolic work"
    return [floor, compare(sympy_name, with_sympy, alternative, repeats, math.inf, sympy_note)]


def versus_gaps(repeats: int, quick: bool) -> list[Comparison]:
    """Event-loop gaps (a 5 ms timer's intervals) while a run plays as fast as possible."""
    name = "event-loop gaps while playing: p99 / max"
    goal = "p99 ≤ 33 ms, max ≤ 100 ms"
    if not _has_display():
        return [_skipped(name, goal)]
    gaps: list[float] = []
    idle: list[float] = []
    per_run_p99, per_run_max = [], []
    runs = 1 if quick else 2
    for _ in range(runs):
        data = _probe_report(
            "gui probe", REPO / "benchmarks" / "gui_probe.py", "2" if quick else "5"
        )
        run_gaps = data["gaps_ms"]
        idle.extend(data["idle_gaps_ms"])
        per_run_p99.append(_percentile(run_gaps, 99))
        per_run_max.append(max(run_gaps))
        gaps.extend(run_gaps)
    p99, worst = _percentile(gaps, 99), max(gaps)
    note = (
        f"p99 per run {', '.join(f'{v:.0f}' for v in per_run_p99)} ms; max per run"
        f" {', '.join(f'{v:.0f}' for v in per_run_max)} ms; idle p99 / max"
        f" {_percentile(idle, 99):.0f} / {max(idle):.0f} ms; Rosenbrock, lr 1e-4"
    )
    return [_goal_row(name, p99, worst, goal, p99 <= 33 and worst <= 100, len(gaps), note)]


def versus_stalls(repeats: int, quick: bool) -> list[Comparison]:
    """The longest event-loop gap (a 10 ms heartbeat) while hostile formulas are typed key by
    key, new landscapes are drawn (presets, a dragged parameter, ranges, undo, redo) and the
    runs are driven from the keyboard (500 quick presses): tests/qt/stall_probe.py, run in
    turn a few times; the worst gap of all runs and phases is the figure."""
    name = "event-loop stalls: typing, drawing landscapes, busy keys"
    goal = "worst ≤ 100 ms"
    if not _has_display():
        return [_skipped(name, goal)]
    reports = [
        _probe_report("stall probe", "-m", "tests.qt.stall_probe") for _ in range(1 if quick else 4)
    ]
    phases = ("typing", "drawing", "busy")

    def per_run(phase: str, key: str) -> str:
        return ", ".join(f"{report[phase][key]:.0f}" for report in reports)

    worst = max(report[phase]["worst_gap_ms"] for report in reports for phase in phases)
    note = "; ".join(
        f"{phase} worst {per_run(phase, 'worst_gap_ms')} (p99 {per_run(phase, 'p99_gap_ms')})"
        for phase in phases
    )
    return [_goal_row(name, worst, None, goal, worst <= 100, len(reports), note + " ms per run")]


def _probe_report(what: str, *arguments: str | Path) -> dict:
    """Run a probe in a new process in this checkout; its last line of output is its JSON."""
    result = subprocess.run(
        _python(*arguments), capture_output=True, text=True, check=False, cwd=REPO
    )
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed: {result.stderr.strip()[-400:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _goal_row(
    name: str, value: float, second: float | None, goal: str, met: bool, repeats: int, note: str
) -> Comparison:
    """A row with a goal of its own and no alternative to divide by (``second``, if given,
    is shown in the alternative's column: the gaps' max beside their p99)."""
    return Comparison(
        name=name,
        landscape=value,
        alternative=second,
        unit="ms",
        ratio=None,
        ratio_low=None,
        ratio_high=None,
        goal=goal,
        met=met,
        repeats=repeats,
        note=note,
    )


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


COMPARISONS: dict[str, Callable[[int, bool], list[Comparison]]] = {
    "picture": versus_picture,
    "info": versus_info,
    "window": versus_window,
    "gaps": versus_gaps,
    "stalls": versus_stalls,
    "glpng": versus_gl_png,
}
"""Every side-by-side row by name (``--only versus`` runs them all, ``--only picture`` one)."""


# --------------------------------------------------------------------------- profiles


def _spawned(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    environment = dict(os.environ, PYTHONPATH=str(REPO))
    started = time.time()
    result = subprocess.run(
        command, cwd=REPO, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} ... failed: {result.stderr.strip()[-600:]}")
    return started, result


def interpreter_start_seconds(repeats: int = 5) -> float:
    """A bare ``python -c pass``: what any new Python process costs before its own imports."""
    times = []
    for _ in range(repeats):
        started, _ = _spawned(_python("-c", "pass"))
        times.append(time.time() - started)
    return statistics.median(times)


def _import_lines(stderr: str):
    """(self seconds, cumulative seconds, module, nested) for each line of
    ``python -X importtime`` output."""
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.split("|", 2)
        if name.strip():
            own = int(own.split(":")[1].strip()) / 1e6
            yield own, int(cumulative.strip()) / 1e6, name.strip(), name.startswith("  ")


_STARTUP_MODULES: set[str] = set()


def import_times(stderr: str) -> tuple[float, dict[str, float]]:
    """From ``python -X importtime`` output: the total seconds of a command's imports (those
    nothing else triggered, leaving out what the interpreter imports before any script runs,
    which ``python -c pass`` already counts), and each root package's own share (the self
    time of all its modules, so sympy imported by landscape_gui counts as sympy)."""
    if not _STARTUP_MODULES:
        _, bare = _spawned(_python("-X", "importtime", "-c", "pass"))
        _STARTUP_MODULES.update(name for *_, name, _ in _import_lines(bare.stderr))
    total, by_package = 0.0, {}
    for own, cumulative, name, nested in _import_lines(stderr):
        if name in _STARTUP_MODULES:
            continue
        if not nested:
            total += cumulative
        package = name.split(".")[0]
        by_package[package] = by_package.get(package, 0.0) + own
    return total, by_package


def _cprofile_top(command: list[str], sort: str, count: int = 15, exclude: str = "") -> str:
    """``python -m cProfile`` of a command: the top ``count`` lines (main thread only)."""
    output = _scratch() / "profile.out"
    _spawned(_python("-m", "cProfile", "-o", output, *command))
    return _format_stats(output, sort, count, exclude)


_IMPORT_MACHINERY = (
    r"frozen importlib|built-in method builtins.exec|__init__.py:1\(<module>\)|<string>:1"
)


def _format_stats(output: Path, sort: str, count: int = 15, exclude: str = "") -> str:
    import pstats
    from io import StringIO

    text = StringIO()
    stats = pstats.Stats(str(output), stream=text).strip_dirs().sort_stats(sort)
    if exclude:
        stats.print_stats(f"^(?!.*({exclude}))", count)
    else:
        stats.print_stats(count)
    lines = text.getvalue().splitlines()
    start = next((k for k, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(lines[start : start + count + 1])


def _write_imports(out, total: float, by_package: dict[str, float], shown: int = 8) -> None:
    out.write(f"  imports (python -X importtime, top level): {total:.2f} s\n")
    for package, seconds in sorted(by_package.items(), key=lambda item: -item[1])[:shown]:
        out.write(f"    {package:<24} {seconds:6.2f} s\n")


ANALYSIS_PARTS = """\
import sys
import time

began = time.perf_counter()
from landscape_gui.core import calculus, timebound
from landscape_gui.core.landscape import Landscape

print(f"import landscape_gui.core.calculus (sympy): {time.perf_counter() - began:.2f} s"
      " (what a new helper process does before its first call)")
expr = Landscape.from_text(sys.argv[1]).expression()
fx, fy = calculus.gradient(expr)
hessian = calculus.hessian(expr)
began = time.perf_counter()
calculus._tidy_all(fx, fy)
print(f"tidy (expand/cancel both partials): {time.perf_counter() - began:.2f} s")
began = time.perf_counter()
try:
    points = timebound.call_with_time_limit(calculus.solve_critical_points, (expr,), 5.0)
    outcome = f"{len(points)} exact points"
except timebound.TimeLimitExceeded:
    outcome = "not solved within 5 s"
except Exception as error:
    outcome = f"gave up: {error}"
print(f"solve grad f = 0: {time.perf_counter() - began:.2f} s, {outcome}"
      " (the window allows it 2 s, after the derivatives are shown)")
began = time.perf_counter()
from landscape_gui.qt import typeset

analysis = calculus.analyse_derivatives(expr, seconds=None)
imported = time.perf_counter()
typeset.derivative_pictures(analysis)
print(f"typeset (ziamath), first call: {time.perf_counter() - imported:.2f} s")
"""


def profile_screenshot(quick: bool) -> int:
    """The screenshot command, phase by phase (benchmarks/trace_screenshot.py), and cProfile."""
    out = sys.stdout
    if not _has_display():
        out.write("--profile screenshot needs a display (run under xvfb-run -a)\n")
        return 1
    output = _scratch() / "traced.png"
    arguments = ["-f", PICTURE_FORMULA, "--x-range", "-3", "3", "--y-range", "-3", "3"]
    arguments += ["-o", str(output)]
    out.write(f"landscape screenshot {' '.join(arguments)}\nload average: {load_average()}\n")
    interpreter = interpreter_start_seconds()
    for run in range(1 if quick else 2):
        started, result = _spawned(_python(REPO / "benchmarks" / "trace_screenshot.py", *arguments))
        done = time.time() - started
        data = json.loads(result.stdout.strip().splitlines()[-1])
        offset = data["started_wall"] - started
        out.write(
            f"\nrun {run + 1}: {done:.2f} s from process start to exit; the interpreter's"
            f" own start-up {offset:.2f} s (python -c pass: {interpreter:.2f} s)\n"
        )
        out.write("  at (s)  took (s)  thread        what\n")
        for at, thread, what, took in data["events"]:
            thread = "GUI" if thread == "MainThread" else "worker"
            out.write(f"  {at + offset:6.2f}  {took:8.2f}  {thread:<12}  {what}\n")
    out.write(
        "\nThe analysis's parts one at a time, in a process of their own (no window, no"
        " helper process):\n"
    )
    parts = _scratch() / "analysis_parts.py"
    parts.write_text(ANALYSIS_PARTS)
    for line in _spawned(_python(parts, PICTURE_FORMULA))[1].stdout.splitlines():
        out.write(f"  {line}\n")
    out.write("\ncProfile of the main thread, top 15 by own time (tottime):\n")
    command = ["-m", "landscape_gui", "screenshot", *arguments]
    out.write(_cprofile_top(command, "tottime") + "\n")
    return 0


def profile_info(quick: bool) -> int:
    """`landscape info`: interpreter start-up, imports and work, against the sympy script."""
    out = sys.stdout
    out.write(f"landscape info -f {SEED_FORMULA!r}\nload average: {load_average()}\n")
    interpreter = interpreter_start_seconds()
    out.write(f"\npython -c pass: {interpreter:.3f} s\n")
    cases = (
        ("landscape info", ["-m", "landscape_gui", "info", "-f", SEED_FORMULA]),
        ("sympy script", [str(ALTERNATIVES / "sympy_info.py"), SEED_FORMULA]),
    )
    for label, command in cases:
        walls, imports = [], []
        for _ in range(3 if quick else 5):
            started, result = _spawned(_python("-X", "importtime", *command))
            walls.append(time.time() - started)
            imports.append(import_times(result.stderr))
        imports.sort(key=lambda found: found[0])
        imported, packages = imports[len(imports) // 2]
        wall = statistics.median(walls)
        work = wall - interpreter - imported
        out.write(
            f"\n{label}: {wall:.2f} s = interpreter {interpreter:.2f} s + imports"
            f" {imported:.2f} s + work {work:.2f} s  (medians; -X importtime adds a little)\n"
        )
        _write_imports(out, imported, packages)
    out.write(
        "\nlandscape info's work, in a process that has already imported what run_info imports:\n"
    )
    work = _scratch() / "info_work.py"
    work.write_text(
        "import cProfile\n"
        "import sys\n"
        "import time\n"
        "from landscape_gui import cli\n"
        "from landscape_gui.core import calculus, landscape  # what run_info imports\n"
        f"ARGV = {['info', '-f', SEED_FORMULA]!r}\n"
        "print('-- work --', file=sys.stderr)\n"
        "if len(sys.argv) > 1:\n"
        "    cProfile.run('cli.main(ARGV)', sys.argv[1])\n"
        "else:\n"
        "    began = time.perf_counter()\n"
        "    cli.main(ARGV)\n"
        "    print(f'-- work took {time.perf_counter() - began} --', file=sys.stderr)\n"
    )
    _, result = _spawned(_python("-X", "importtime", work))
    after = result.stderr.split("-- work --", 1)[1]
    took = float(after.rsplit("-- work took ", 1)[1].split(" --")[0])
    lazy, packages = import_times(after)
    out.write(f"  {took:.2f} s, of which {lazy:.2f} s importing modules on first use:\n")
    lazy_modules = sorted(
        ((cumulative, name) for _, cumulative, name, nested in _import_lines(after) if not nested),
        reverse=True,
    )
    for cumulative, name in lazy_modules[:5]:
        out.write(f"    {name:<28} {cumulative:6.2f} s\n")
    output = _scratch() / "info_work.out"
    _spawned(_python(work, output))
    out.write("  cProfile of the work, top 15 by cumulative time (import machinery left out):\n")
    out.write(_format_stats(output, "cumulative", exclude=_IMPORT_MACHINERY) + "\n")
    return 0


def profile_window(quick: bool) -> int:
    """Window start-up: the phases gui_probe.py marks, against the bare GLViewWidget."""
    out = sys.stdout
    if not _has_display():
        out.write("--profile window needs a display (run under xvfb-run -a)\n")
        return 1
    out.write(
        "window start-up to the first drawn 3D frame showing the landscape\n"
        f"load average: {load_average()}\n"
    )
    interpreter = interpreter_start_seconds()
    out.write(f"python -c pass: {interpreter:.2f} s\n")
    for run in range(1 if quick else 2):
        # (The first run keeps the start picture, if none was kept yet; the second draws it.)
        started, result = _spawned(_python(REPO / "benchmarks" / "gui_probe.py", "0"))
        data = json.loads(result.stdout.strip().splitlines()[-1])
        total = data["first_frame_wall"] - started
        offset = total - data["first_frame_s"]
        out.write(f"\nrun {run + 1}: first frame {total:.2f} s after process start\n")
        out.write(f"  {offset:6.2f}  interpreter start-up (until gui_probe.py runs)\n")
        previous = 0.0
        for phase, at in data["phases_s"].items():
            out.write(f"  {at + offset:6.2f}  {phase} (+{at - previous:.2f} s)\n")
            previous = at
        started, result = _spawned(_python(ALTERNATIVES / "bare_glview.py", "frame"))
        bare = json.loads(result.stdout.strip().splitlines()[-1])["first_frame_wall"] - started
        out.write(f"  bare GLViewWidget, same run: first frame {bare:.2f} s\n")
    _, result = _spawned(_python("-X", "importtime", ALTERNATIVES / "bare_glview.py", "frame"))
    out.write("\nbare GLViewWidget:\n")
    _write_imports(out, *import_times(result.stderr))
    out.write(
        "\ncProfile of the window's start-up (main thread), top 15 by cumulative time"
        " (import machinery left out):\n"
    )
    probe = [str(REPO / "benchmarks" / "gui_probe.py"), "0"]
    out.write(_cprofile_top(probe, "cumulative", exclude=_IMPORT_MACHINERY))
    out.write("\n")
    return 0


def profile_gaps(quick: bool) -> int:
    """The GUI thread while a run plays as fast as possible: the gaps and where its time goes."""
    out = sys.stdout
    if not _has_display():
        out.write("--profile gaps needs a display (run under xvfb-run -a)\n")
        return 1
    seconds = "2" if quick else "5"
    output = _scratch() / "gaps.out"
    out.write(f"playing Rosenbrock as fast as possible for {seconds} s\n")
    out.write(f"load average: {load_average()}\n")
    environment = dict(os.environ, PYTHONPATH=str(REPO), LANDSCAPE_PROBE_PROFILE=str(output))
    result = subprocess.run(
        _python(REPO / "benchmarks" / "gui_probe.py", seconds),
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    for label, gaps in (("idle, 1 s", data["idle_gaps_ms"]), ("playing", data["gaps_ms"])):
        long = [g for g in gaps if g > 33]
        out.write(
            f"  gaps {label}: n {len(gaps)}, median {_percentile(gaps, 50):.1f} ms,"
            f" p99 {_percentile(gaps, 99):.0f} ms, max {max(gaps):.0f} ms;"
            f" > 33 ms: {len(long)}, their total {sum(long):.0f} ms\n"
        )
    largest = sorted(range(len(data["gaps_ms"])), key=lambda k: -data["gaps_ms"][k])[:5]
    out.write(
        "  the five largest while playing (gap, at tick number): "
        + ", ".join(f"{data['gaps_ms'][k]:.0f} ms @{k}" for k in sorted(largest))
        + f" of {len(data['gaps_ms'])}\n"
    )
    out.write(f"  steps shown per second: {data['steps_per_second']:,.0f}\n")
    out.write("\ncProfile of the GUI thread while playing, top 15 by own time (tottime):\n")
    out.write(_format_stats(output, "tottime") + "\n")
    out.write("\n... and top 15 by cumulative time (Qt's event loop left out):\n")
    out.write(_format_stats(output, "cumulative", exclude=r"exec|run_until") + "\n")
    return 0


PROFILES: dict[str, Callable[[bool], int]] = {
    "screenshot": profile_screenshot,
    "info": profile_info,
    "window": profile_window,
    "gaps": profile_gaps,
}
"""``--profile ROW``: where one side-by-side row's Landscape time goes."""


# --------------------------------------------------------------------------- report


def machine_facts() -> dict[str, str]:
    """What the figures depend on: CPU, cores and the versions of the numeric libraries."""
    import numpy
    import sympy

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "sympy": sympy.__version__,
        "platform": platform.platform(terse=True),
    }


def format_table(rows: list[Measurement]) -> str:
    """The rows as an aligned plain-text table."""

    def number(value: float) -> str:
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"

    header = ("measurement", "median", "unit", "min", "max", "n", "note")
    body = [
        (r.name, number(r.median), r.unit, number(r.low), number(r.high), str(r.repeats), r.note)
        for r in rows
    ]
    widths = [max(len(line[k]) for line in [header, *body]) for k in range(len(header))]
    right = {1, 3, 4, 5}
    lines = []
    for line in [header, *body]:
        cells = [
            cell.rjust(width) if k in right else cell.ljust(width)
            for k, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def format_comparisons(rows: list[Comparison]) -> str:
    """The side-by-side rows as an aligned plain-text table."""

    def seconds(value: float | None, unit: str) -> str:
        if value is None or not math.isfinite(value):
            return "—"
        return f"{value:.0f} ms" if unit == "ms" else f"{value:.2f} s"

    def ratio(row: Comparison) -> str:
        if row.ratio is None:
            return "—"
        return f"{row.ratio:.2f} ({row.ratio_low:.2f}–{row.ratio_high:.2f})"

    def cpu(row: Comparison) -> str:
        if row.landscape_cpu is None or row.alternative_cpu is None:
            return "—"
        return f"{row.landscape_cpu:.2f} / {row.alternative_cpu:.2f} s"

    def ended(row: Comparison) -> str:
        if row.landscape_exit is None or row.alternative_exit is None:
            return ""
        return f"; processes ended at {row.landscape_exit:.2f} / {row.alternative_exit:.2f} s"

    def met(row: Comparison) -> str:
        return {True: "yes", False: "NO", None: "—"}[row.met]

    header = ("side by side", "Landscape", "alternative", "ratio (pairs)", "goal", "met", "n")
    header += ("CPU L / alt", "note")
    body = [
        (
            r.name,
            seconds(r.landscape, r.unit),
            seconds(r.alternative, r.unit),
            ratio(r),
            r.goal,
            met(r),
            str(r.repeats),
            cpu(r),
            r.note + ended(r),
        )
        for r in rows
    ]
    widths = [max(len(line[k]) for line in [header, *body]) for k in range(len(header))]
    right = {1, 2, 3, 6, 7}
    lines = []
    for line in [header, *body]:
        cells = [
            cell.rjust(width) if k in right else cell.ljust(width)
            for k, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def load_average() -> str:
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def _json_value(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


def compile_bytecode() -> None:
    """Write this checkout's bytecode, as installing the package does: with
    PYTHONDONTWRITEBYTECODE set (or a read-only checkout) every new process would otherwise
    compile the app's sources again, about 0.2 s that an installed app never spends."""
    import compileall

    compileall.compile_dir(REPO / "landscape_gui", quiet=2)


def main(argv: list[str] | None = None) -> int:
    from dataclasses import asdict

    names = [*BENCHMARKS, "versus", *COMPARISONS]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter runs")
    parser.add_argument("--only", metavar="NAME", help=f"one of: {', '.join(names)}")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.add_argument(
        "--profile",
        metavar="ROW",
        choices=sorted(PROFILES),
        help=f"where one command's time goes, instead of the tables: {', '.join(PROFILES)}",
    )
    args = parser.parse_args(argv)
    compile_bytecode()
    # The start picture the window keeps (landscape_gui.core.start_picture) goes to this run's
    # scratch folder, never the user's: its first timed start is the warm-up's second.
    os.environ["XDG_CACHE_HOME"] = str(_scratch() / "cache")
    if args.profile:
        return PROFILES[args.profile](args.quick)
    if args.only and args.only not in names:
        parser.error(f"--only takes one of: {', '.join(names)}")
    repeats = 3 if args.quick else 7
    pairs = 2 if args.quick else 5
    out = sys.stdout
    facts = machine_facts()
    load_before = load_average()
    rows: list[Measurement] = []
    for name, benchmark in BENCHMARKS.items():
        if args.only and name != args.only:
            continue
        rows.extend(benchmark(repeats, args.quick))
    comparisons: list[Comparison] = []
    for name, comparison in COMPARISONS.items():
        if args.only and args.only not in (name, "versus"):
            continue
        comparisons.extend(comparison(pairs, args.quick))
    load_after = load_average()
    if args.json:
        result = {
            "machine": facts,
            "quick": args.quick,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "rows": [{k: _json_value(v) for k, v in asdict(r).items()} for r in rows],
            "side_by_side": [
                {k: _json_value(v) for k, v in asdict(c).items()} for c in comparisons
            ],
        }
        out.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        return 0
    out.write("Landscape benchmarks" + (" (quick)" if args.quick else "") + "\n")
    out.write("  ".join(f"{key}: {value}" for key, value in facts.items()) + "\n")
    out.write(f"load average (1, 5, 15 min): {load_before} before, {load_after} after\n\n")
    if rows:
        out.write(format_table(rows) + "\n")
    if comparisons:
        out.write("\n" if rows else "")
        out.write(format_comparisons(comparisons) + "\n")
        out.write(
            "\nEach pair ran in turn in new processes (A, B, A, B, ...), medians of wall time;"
            " ratio = Landscape / alternative, in brackets the smallest and largest per-pair"
            " ratio.\nThe alternatives are the scripts in benchmarks/alternatives/.\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
