"""Measure Landscape's performance targets and print them as one table.

    python benchmarks/run.py            # a few repeats of everything (about half a minute)
    python benchmarks/run.py --quick    # fewer repeats and shorter runs
    python benchmarks/run.py --only basin

Each benchmark is a function ``(repeats, quick) -> list[Measurement]`` listed in
:data:`BENCHMARKS`; timings are medians of ``repeats`` runs after one warm-up, so one slow
run (another process, a cold cache) does not move the figure. GUI measurements (window
start-up, event-loop stalls while a descent plays) belong here too, as more functions of the
same shape added to :data:`BENCHMARKS`; they are not written yet.

No benchmark asserts a time: this prints numbers for people, it is not a test.
"""

from __future__ import annotations

import argparse
import json
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
        summarize("window start-up to first 3D frame", starts, "s", "new process"),
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


BENCHMARKS: dict[str, Callable[[int, bool], list[Measurement]]] = {
    "descent": bench_descent_steps,
    "basin": bench_basin_map,
    "formula": bench_formula_sampling,
    "cli": bench_cli_info,
    "gui": bench_gui,
}
"""Every benchmark by name, in the order the table lists them."""


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter runs")
    parser.add_argument("--only", metavar="NAME", help=f"one of: {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    if args.only and args.only not in BENCHMARKS:
        parser.error(f"--only takes one of: {', '.join(BENCHMARKS)}")
    repeats = 3 if args.quick else 7
    out = sys.stdout
    facts = machine_facts()
    out.write("Landscape benchmarks" + (" (quick)" if args.quick else "") + "\n")
    out.write("  ".join(f"{key}: {value}" for key, value in facts.items()) + "\n\n")
    rows: list[Measurement] = []
    for name, benchmark in BENCHMARKS.items():
        if args.only and name != args.only:
            continue
        rows.extend(benchmark(repeats, args.quick))
    out.write(format_table(rows) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
