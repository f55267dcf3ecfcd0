"""The trajectory CSV: the one writer (and its reader) shared by the window and the CLI.

Format (a user-facing contract, documented in the README)::

    # function: x^2 + y^2
    # optimizer: gd
    # lr: 0.1
    # status: converged
    # app_version: 0.1.0
    run,optimizer,step,x,y,f,df_dx,df_dy,grad_norm
    1,gd,0,3.0,4.0,25.0,6.0,8.0,10.0
    1,gd,1,2.4,3.2,16.0,4.8,6.4,8.0

* ``# key: value`` metadata lines come first, in the caller's order, then ``app_version``.
  Values are escaped so they cannot break a line: ``\\`` -> ``\\\\``, newline -> ``\\n``,
  carriage return -> ``\\r``, other control/line-separator characters -> ``\\uXXXX``.
* One row per recorded position; step 0 is the start.  Every number is finite and written
  with ``repr(float)``, so reading it back gives the identical float.  Rows end at a run's
  last finite position.  Lines end with ``\\n``; the file is UTF-8.
* Run names and optimizer keys never contain a comma, ``#``, quote or colon, so no field
  is ever quoted.

Reading it elsewhere: pandas ``read_csv(path, comment="#")``; the csv module after
skipping lines that start with ``#``; numpy ``genfromtxt(path, delimiter=",", names=True,
dtype=None, encoding="utf-8", skip_header=<number of '#' lines>)``.  numpy needs
``skip_header`` because with ``names=True`` it takes the first line, even a comment, as the
header.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, NamedTuple

import numpy as np

import landscape_gui
from landscape_gui.core.atomic import atomic_open
from landscape_gui.core.descent import COLUMNS, DescentRun, History

__all__ = [
    "HEADER",
    "HEADER_LINE",
    "TrajectoryFormatError",
    "TrajectoryRow",
    "TrajectoryRun",
    "TrajectoryWriteError",
    "descent_metadata",
    "read_trajectory_csv",
    "read_trajectory_file",
    "runs_from_descent",
    "runs_from_rows",
    "trajectory_metadata",
    "write_trajectory_csv",
    "write_trajectory_file",
]

HEADER = ("run", "optimizer", "step", "x", "y", "f", "df_dx", "df_dy", "grad_norm")
HEADER_LINE = ",".join(HEADER)
APP_VERSION_KEY = "app_version"

# Characters that would need quoting (or end a line, or start a comment) in a field.
_FORBIDDEN_IN_NAME = set(",#\"':")
_OPTIMIZER_RE = re.compile(r"[A-Za-z0-9_.\-]+\Z")
_STEP_RE = re.compile(r"\d+\Z")
_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|.?)", re.DOTALL)
_SIMPLE_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r"}
_SIMPLE_UNESCAPES = {"\\": "\\", "n": "\n", "r": "\r"}


class TrajectoryFormatError(ValueError):
    """Data that cannot be written as, or was not read as, a valid trajectory CSV."""


class TrajectoryWriteError(OSError):
    """The trajectory file could not be written; no partial file was left behind."""


@dataclass(frozen=True)
class TrajectoryRun:
    """What a CSV ``run`` groups together: a name and the optimizer's settings around the one
    record of the steps (:class:`~landscape_gui.core.descent.History`, which also carries the
    status)."""

    name: str
    optimizer: str
    history: History
    hyperparameters: Mapping[str, float] = field(default_factory=dict)


class TrajectoryRow(NamedTuple):
    """One parsed data row."""

    run: str
    optimizer: str
    step: int
    x: float
    y: float
    f: float
    df_dx: float
    df_dy: float
    grad_norm: float


# ------------------------------------------------------------------------------ building


def runs_from_descent(run: DescentRun, names: Sequence[str] | None = None) -> list[TrajectoryRun]:
    """One :class:`TrajectoryRun` per start of ``run``; names default to "1", "2", ..."""
    if names is None:
        names = [str(i + 1) for i in range(run.n_starts)]
    if len(names) != run.n_starts:
        raise TrajectoryFormatError(f"{len(names)} name(s) given for {run.n_starts} start(s)")
    return [
        TrajectoryRun(
            name=name,
            optimizer=run.optimizer,
            history=run.history(i),
            hyperparameters=run.hyperparameters,
        )
        for i, name in enumerate(names)
    ]


def trajectory_metadata(
    function: str,
    runs: Sequence[TrajectoryRun],
    extra: Mapping[str, object] | None = None,
) -> dict[str, str]:
    """The standard metadata block for ``runs`` of ``function``.

    With one run (or several sharing optimizer and hyperparameters) this is
    ``function, optimizer, <each hyperparameter>, status``.  Runs that differ get
    ``optimizer: a=gd; b=adam``, per-run ``a.lr`` keys, and ``status: a=...; b=...``.
    ``extra`` items follow; ``app_version`` is added by the writer.
    """
    meta: dict[str, str] = {"function": str(function)}
    runs = list(runs)
    first = runs[0] if runs else None
    shared = first is not None and all(
        r.optimizer == first.optimizer and dict(r.hyperparameters) == dict(first.hyperparameters)
        for r in runs
    )
    if shared and first is not None:
        meta["optimizer"] = first.optimizer
        for name, value in first.hyperparameters.items():
            meta[name] = _format_value(value)
    else:
        meta["optimizer"] = "; ".join(f"{r.name}={r.optimizer}" for r in runs)
        for r in runs:
            for name, value in r.hyperparameters.items():
                meta[f"{r.name}.{name}"] = _format_value(value)
    if len(runs) == 1:
        meta["status"] = runs[0].history.status
    else:
        meta["status"] = "; ".join(f"{r.name}={r.history.status}" for r in runs)
    for key, extra_value in (extra or {}).items():
        if key in meta or key == APP_VERSION_KEY:
            raise TrajectoryFormatError(f"metadata key {key!r} is reserved")
        meta[key] = _format_value(extra_value)
    return meta


# What `landscape descend` and the window's "Export trajectory" add after the standard block.
START_KEY, TOLERANCE_KEY, MAX_STEPS_KEY, PARAMETERS_KEY = "start", "tol", "max_steps", "parameters"


def descent_metadata(
    function: str,
    runs: Sequence[TrajectoryRun],
    starts: Sequence[Sequence[float]],
    tolerance: float,
    max_steps: int,
    parameters: Mapping[str, float],
) -> dict[str, str]:
    """The metadata of a descent's CSV, the same from the command and the window: the standard
    block, then each run's start (``x y``, runs separated by ``; ``), the tolerance, the step
    limit and the formula's parameters (``a=1.0, b=2.0``) when it has any."""
    extra: dict[str, object] = {
        START_KEY: "; ".join(f"{float(x)!r} {float(y)!r}" for x, y in starts),
        TOLERANCE_KEY: tolerance,
        MAX_STEPS_KEY: max_steps,
    }
    if parameters:
        extra[PARAMETERS_KEY] = ", ".join(f"{k}={v!r}" for k, v in parameters.items())
    return trajectory_metadata(function, runs, extra)


# ------------------------------------------------------------------------------ writing


def write_trajectory_csv(
    stream: IO[str], runs: Sequence[TrajectoryRun], metadata: Mapping[str, object]
) -> int:
    """Write ``metadata`` and ``runs`` to the text ``stream``; returns the number of rows.

    Everything is validated before the first character is written.  ``app_version`` is
    always the version of the app writing the file (a given value is replaced).
    """
    runs = list(runs)
    lines = _metadata_lines(metadata)
    _check_runs(runs)
    stream.write("".join(lines))
    stream.write(HEADER_LINE + "\n")
    count = 0
    for run in runs:
        chunk: list[str] = []
        for line in _row_lines(run):
            chunk.append(line)
            if len(chunk) >= 4096:
                stream.write("".join(chunk))
                count += len(chunk)
                chunk.clear()
        stream.write("".join(chunk))
        count += len(chunk)
    return count


def write_trajectory_file(
    path: str | os.PathLike[str],
    runs: Sequence[TrajectoryRun],
    metadata: Mapping[str, object],
) -> int:
    """Write the CSV to ``path`` atomically; returns the number of rows.

    The text goes to a temporary file in the same folder, which replaces ``path`` only once
    it is complete and flushed to disk; on any failure the temporary file is removed and an
    existing file at ``path`` is left untouched.  OS failures are raised as
    :class:`TrajectoryWriteError` (an ``OSError``) naming ``path``; bad data as
    :class:`TrajectoryFormatError` before anything is created.
    """
    target = os.path.abspath(os.fspath(path))
    runs = list(runs)
    _metadata_lines(metadata)  # validate first: bad data never creates a file
    _check_runs(runs)
    try:
        with atomic_open(target, "w", encoding="utf-8", newline="") as handle:
            return write_trajectory_csv(handle, runs, metadata)
    except TrajectoryWriteError:
        raise
    except OSError as exc:
        raise _write_error(exc, target) from exc


def _write_error(exc: OSError, target: str) -> TrajectoryWriteError:
    reason = exc.strerror or str(exc)
    return TrajectoryWriteError(exc.errno, f"cannot write trajectory file: {reason}", target)


def _metadata_lines(metadata: Mapping[str, object]) -> list[str]:
    lines = []
    for key, value in metadata.items():
        if key == APP_VERSION_KEY:
            continue
        _check_key(key)
        lines.append(f"# {key}: {_escape(_format_value(value))}\n")
    lines.append(f"# {APP_VERSION_KEY}: {_escape(landscape_gui.__version__)}\n")
    return lines


def _format_value(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value)


def _check_key(key: object) -> None:
    if (
        not isinstance(key, str)
        or not key
        or key != key.strip()
        or ":" in key
        or any(_is_control(ch) for ch in key)
    ):
        raise TrajectoryFormatError(
            f"metadata key {key!r} must be non-empty text without ':', line breaks, "
            "or surrounding spaces"
        )


def _check_name(name: object) -> None:
    if (
        not isinstance(name, str)
        or not name
        or name != name.strip()
        or any(ch in _FORBIDDEN_IN_NAME or _is_control(ch) for ch in name)
    ):
        raise TrajectoryFormatError(
            f"run name {name!r} must be non-empty text without commas, '#', quotes, ':', "
            "line breaks or surrounding spaces"
        )


def _check_runs(runs: Sequence[TrajectoryRun]) -> None:
    seen: set[str] = set()
    for run in runs:
        _check_name(run.name)
        if run.name in seen:
            raise TrajectoryFormatError(f"run name {run.name!r} is used twice")
        seen.add(run.name)
        if not isinstance(run.optimizer, str) or not _OPTIMIZER_RE.match(run.optimizer):
            raise TrajectoryFormatError(
                f"run {run.name!r}: optimizer key {run.optimizer!r} must be letters, digits, "
                "'_', '.' or '-'"
            )
        h = run.history
        if h.first_step != 0:
            raise TrajectoryFormatError(
                f"run {run.name!r}: steps must be 0, 1, 2, ... (the start is step 0)"
            )
        for name in COLUMNS:
            if not np.all(np.isfinite(getattr(h, name))):
                raise TrajectoryFormatError(
                    f"run {run.name!r}: history holds a non-finite value; "
                    "a trajectory ends at its last finite position"
                )


def _row_lines(run: TrajectoryRun) -> Iterator[str]:
    h = run.history
    prefix = f"{run.name},{run.optimizer},"
    columns = [np.asarray(c, dtype=float).tolist() for c in (h.x, h.y, h.f, h.gx, h.gy, h.norm)]
    for step, (x, y, f, gx, gy, norm) in enumerate(zip(*columns, strict=True)):
        yield f"{prefix}{step},{x!r},{y!r},{f!r},{gx!r},{gy!r},{norm!r}\n"


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp")


def _escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[ch])
        elif ch != "\t" and _is_control(ch):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _unescape(text: str, lineno: int) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code in _SIMPLE_UNESCAPES:
            return _SIMPLE_UNESCAPES[code]
        if len(code) == 5 and code[0] == "u":
            return chr(int(code[1:], 16))
        raise TrajectoryFormatError(
            f"line {lineno}: unknown escape '\\{code}' in a metadata value "
            "(a literal backslash is written '\\\\')"
        )

    return _ESCAPE_RE.sub(replace, text)


# ------------------------------------------------------------------------------ reading


def read_trajectory_csv(stream: Iterable[str]) -> tuple[dict[str, str], list[TrajectoryRow]]:
    """Parse a trajectory CSV strictly: ``(metadata, rows)`` or :class:`TrajectoryFormatError`.

    Metadata values come back as (unescaped) strings.  Blank lines are ignored; anything
    else that does not follow the format is an error naming the line.
    """
    metadata: dict[str, str] = {}
    rows: list[TrajectoryRow] = []
    header_seen = False
    finished_runs: set[str] = set()
    current: tuple[str, str] | None = None  # (run, optimizer) of the rows being read
    next_step = 0
    for lineno, raw in enumerate(stream, 1):
        line = raw[:-1] if raw.endswith("\n") else raw
        line = line[:-1] if line.endswith("\r") else line
        if lineno == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        if line.startswith("#"):
            if header_seen:
                raise TrajectoryFormatError(
                    f"line {lineno}: metadata line after the header (metadata comes first)"
                )
            key, value = _parse_metadata(line, lineno)
            if key in metadata:
                raise TrajectoryFormatError(f"line {lineno}: metadata key {key!r} repeated")
            metadata[key] = value
            continue
        if not header_seen:
            if line != HEADER_LINE:
                raise TrajectoryFormatError(
                    f"line {lineno}: expected the header {HEADER_LINE!r}, got {_clip(line)!r}"
                )
            header_seen = True
            continue
        row = _parse_row(line, lineno)
        if current is None or row.run != current[0]:
            if row.run in finished_runs:
                raise TrajectoryFormatError(
                    f"line {lineno}: rows of run {row.run!r} are not contiguous"
                )
            if current is not None:
                finished_runs.add(current[0])
            current = (row.run, row.optimizer)
            next_step = 0
        elif row.optimizer != current[1]:
            raise TrajectoryFormatError(
                f"line {lineno}: run {row.run!r} changes optimizer from {current[1]!r} "
                f"to {row.optimizer!r}"
            )
        if row.step != next_step:
            raise TrajectoryFormatError(
                f"line {lineno}: run {row.run!r} step {row.step} should be {next_step} "
                "(steps start at 0 and go up by 1)"
            )
        next_step += 1
        rows.append(row)
    if not header_seen:
        raise TrajectoryFormatError(f"no header line {HEADER_LINE!r} found")
    return metadata, rows


def read_trajectory_file(
    path: str | os.PathLike[str],
) -> tuple[dict[str, str], list[TrajectoryRow]]:
    """:func:`read_trajectory_csv` on a UTF-8 file."""
    with open(path, encoding="utf-8", newline="") as handle:
        return read_trajectory_csv(handle)


def runs_from_rows(rows: Sequence[TrajectoryRow]) -> list[TrajectoryRun]:
    """Group parsed rows back into runs (status and hyperparameters are not in the rows)."""
    grouped: dict[str, list[TrajectoryRow]] = {}
    for row in rows:
        grouped.setdefault(row.run, []).append(row)
    runs = []
    for name, group in grouped.items():
        # grad_norm is |grad f| of the row, so the record recomputes it from df_dx, df_dy.
        table = np.array([row[3:8] for row in group], dtype=float).reshape(-1, 5)
        history = History.from_records(group[0].step, table)
        runs.append(TrajectoryRun(name=name, optimizer=group[0].optimizer, history=history))
    return runs


def _parse_metadata(line: str, lineno: int) -> tuple[str, str]:
    body = line[2:] if line.startswith("# ") else None
    key, colon, value = (body or "").partition(":")
    if body is None or not colon or (value and not value.startswith(" ")):
        raise TrajectoryFormatError(
            f"line {lineno}: metadata lines must look like '# key: value', got {_clip(line)!r}"
        )
    try:
        _check_key(key)
    except TrajectoryFormatError as exc:
        raise TrajectoryFormatError(f"line {lineno}: {exc}") from None
    return key, _unescape(value[1:], lineno)


def _parse_row(line: str, lineno: int) -> TrajectoryRow:
    fields = line.split(",")
    if len(fields) != len(HEADER):
        raise TrajectoryFormatError(
            f"line {lineno}: expected {len(HEADER)} comma-separated fields, got {len(fields)}"
        )
    run, optimizer, step = fields[:3]
    try:
        _check_name(run)
    except TrajectoryFormatError as exc:
        raise TrajectoryFormatError(f"line {lineno}: {exc}") from None
    if not _OPTIMIZER_RE.match(optimizer):
        raise TrajectoryFormatError(f"line {lineno}: bad optimizer key {_clip(optimizer)!r}")
    if not _STEP_RE.match(step):
        raise TrajectoryFormatError(f"line {lineno}: step {_clip(step)!r} is not a whole number")
    numbers = []
    for name, text in zip(HEADER[3:], fields[3:], strict=True):
        if not _FLOAT_RE.match(text):
            raise TrajectoryFormatError(
                f"line {lineno}: {name} {_clip(text)!r} is not a finite decimal number"
            )
        value = float(text)
        if not math.isfinite(value):
            raise TrajectoryFormatError(f"line {lineno}: {name} {_clip(text)!r} is not finite")
        numbers.append(value)
    return TrajectoryRow(run, optimizer, int(step), *numbers)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
