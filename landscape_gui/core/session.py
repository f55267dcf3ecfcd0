"""The ``.landscape`` session file: a whole session as versioned JSON, and its defensive reader.

A session file is something a student mails to a teacher, so opening one treats it as hostile:
every corrupt, truncated, wrong-version, wrong-type or oversized file raises
:class:`SessionError` with one line saying what is wrong and where (``runs[1].start: expected
two numbers [x, y], got the text 'a'``), and nothing is half-loaded. Validation is a
hand-written walker over the fixed schema below; the formula goes through the safe parser
(never ``eval``), optimizer settings through :func:`resolve_hyperparameters` and the domain
through :class:`Domain`, so a file can hold nothing the app could not have made itself.

Format 2 (a user-facing contract)::

    {
      "format_version": 2,
      "app": "Landscape",
      "app_version": "0.1.0",
      "formula": "a*x^2 + y^2",
      "constraint": "x^2 + y^2 = r^2",     # the curve g(x, y) = c as typed, or null
      "preset": null,                      # a preset key, or null
      "parameters": {"a": 2.0, "r": 1.0},  # exactly the formula's and constraint's parameters
      "domain": {"x_min": -5.0, "x_max": 5.0, "y_min": -5.0, "y_max": 5.0},
      "resolution": 200,                   # 20..1000
      "probe": [3.0, 4.0],
      "toggles": {"gradient_arrow": true, ...every ViewToggles field...},
      "runs": [                            # 1..8 runs
        {"optimizer": "gd", "hyperparameters": {"lr": 0.1}, "start": [3.0, 4.0],
         "visible": true,
         "history": {"x": [...], "y": [...], "f": [...], "gx": [...], "gy": [...],
                     "status": "converged"}},     # or null when nothing was recorded
        {"optimizer": "projected", ...,           # a constrained optimizer: needs "constraint"
         "history": {"x": [...], ..., "g": [...], "lambda": [...], "status": "converged"}}
      ],
      "max_steps": 500,                    # 1..1,000,000
      "tolerance": 1e-06,                  # > 0
      "camera": {"distance": 20.0, "elevation": 30.0, "azimuth": -45.0,
                 "center": [0.0, 0.0, 0.0]},      # or null
      "selected_run": 0,
      "cursor": 0                          # the step shown, 0..max_steps
    }

Format 1 is format 2 without ``"constraint"`` (and so without constrained runs, ``g`` or
``lambda``); such files still open, with no constraint. A history has ``g`` and ``lambda`` (the
constraint's g and the λ estimate per step, like the trajectory CSV's extra columns) exactly
when its run's optimizer is a constrained one; a constrained optimizer needs the constraint;
the constraint goes through the same safe parser as the formula.

Rules: every key is required and unknown keys are rejected at every level (a misspelt key would
otherwise be silently dropped; a future format that adds keys raises ``format_version``). JSON
``true`` is not a number and ``1`` is not a boolean. Numbers are finite, written with full
``repr`` precision, so they read back identical. History arrays are the one place a number may
be non-finite: NaN and infinities are written as ``null`` and read back as NaN (``NaN`` and
``Infinity`` literals are not JSON and are refused). Limits: 50 MB per file, 8 runs,
8 single-letter parameters, 1,000,001 points per history (steps 0..1,000,000).

Numbers a file sets are kept to sane sizes, so a file cannot ask for a landscape or a run no
one could draw (a start at 1e300 overflows every step): coordinates (the ranges, the probe,
the starts, the camera's centre) and parameter values within ±1e6 (``COORDINATE_LIMIT``,
``PARAMETER_LIMIT``); optimizer settings as the optimizer validates them and at most 1e6
(``HYPERPARAMETER_LIMIT``); the tolerance in (0, 1e6]; the camera distance in (0, 1e9] and its
angles within ±1e6 degrees. Recorded histories are what a run produced and may hold any finite
number (a diverged run's last points are huge).
"""

from __future__ import annotations

import codecs
import json
import math
import os
import re
import secrets
import stat
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

import landscape_gui
from landscape_gui.core.atomic import atomic_write
from landscape_gui.core.constraint import parse_constraint_text
from landscape_gui.core.descent import COLUMNS, STATUS_NAMES, History
from landscape_gui.core.domain import Domain
from landscape_gui.core.formula import FormulaError, parse_formula
from landscape_gui.core.limits import (
    COORDINATE_LIMIT,
    HYPERPARAMETER_LIMIT,
    MAX_PARAMETERS,
    MAX_RESOLUTION,
    MAX_RUNS,
    MAX_STEPS,
    MIN_RESOLUTION,
    PARAMETER_LIMIT,
    TOLERANCE_LIMIT,
)
from landscape_gui.core.optimizers import OptimizerError, get_optimizer, resolve_hyperparameters
from landscape_gui.core.presets import PRESETS_BY_KEY
from landscape_gui.core.state import TOGGLES, RunSettings, SessionState, ViewToggles

__all__ = [
    "APP_NAME",
    "FORMAT_VERSION",
    "MAX_FILE_BYTES",
    "MAX_HISTORY_POINTS",
    "MAX_PARAMETERS",
    "MAX_RUNS",
    "MAX_STEPS",
    "SessionError",
    "SessionFile",
    "SessionIOError",
    "from_json",
    "load_session",
    "save_session",
    "to_json",
]

FORMAT_VERSION = 2
# Older formats this version still opens.
READABLE_VERSIONS = (1, 2)
APP_NAME = "Landscape"
MAX_FILE_BYTES = 50_000_000
MAX_HISTORY_POINTS = MAX_STEPS + 1  # steps 0..MAX_STEPS
CAMERA_DISTANCE_LIMIT = 1e9
ANGLE_LIMIT = 1e6
# A real session holds a few dozen lists/objects and a few hundred strings; counting the
# brackets and quotes before parsing stops a 50 MB file of "[]," or "{}," from building
# millions of Python objects first.
MAX_CONTAINERS = 10_000
MAX_QUOTES = 20_000
_MAX_KEY_LENGTH = 32
_MAX_APP_VERSION_LENGTH = 64

_TOP_KEYS = (
    "format_version",
    "app",
    "app_version",
    "formula",
    "constraint",
    "preset",
    "parameters",
    "domain",
    "resolution",
    "probe",
    "toggles",
    "runs",
    "max_steps",
    "tolerance",
    "camera",
    "selected_run",
    "cursor",
)
_DOMAIN_KEYS = ("x_min", "x_max", "y_min", "y_max")
_RUN_KEYS = ("optimizer", "hyperparameters", "start", "visible", "history")
_TOP_KEYS_V1 = tuple(key for key in _TOP_KEYS if key != "constraint")
_ARRAY_KEYS = COLUMNS
_HISTORY_KEYS = (*_ARRAY_KEYS, "status")
# A constrained run's history also holds g and the λ estimate ("lambda" in the file).
_CONSTRAINED_KEYS = ("g", "lambda")
_CONSTRAINED_HISTORY_KEYS = (*_ARRAY_KEYS, *_CONSTRAINED_KEYS, "status")
_CAMERA_KEYS = ("distance", "elevation", "azimuth", "center")
_NUMBER_TYPES = frozenset({int, float, type(None)})


# ------------------------------------------------------------------------------ errors


def _one_line(text: str) -> str:
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


class SessionError(ValueError):
    """A session that cannot be opened or saved: what is wrong, where in the file, which file.

    ``location`` is a path into the JSON such as ``runs[1].start`` ("" for the file as a
    whole) and ``path`` the file, when there is one; ``str()`` is one line holding all three.
    """

    def __init__(self, problem: str, location: str = "", path: str | None = None):
        # Names in either come from the file, and may hold a line break or a tab: the
        # message stays one line, with such characters written as escapes (\\n).
        self.problem = problem = _one_line(problem)
        self.location = location = _one_line(location)
        self.path = path
        text = f"{location}: {problem}" if location else problem
        if path is not None:
            text = f"{path!r}: {text}"
        super().__init__(text)


class SessionIOError(OSError, SessionError):
    """The operating system refused to read or write the file (also an :class:`OSError`).

    A failed save leaves no partial file, and an existing file untouched.
    """

    def __init__(self, errno: int | None, message: str, path: str):
        OSError.__init__(self, errno, message, path)
        self.problem = message
        self.location = ""
        self.path = path


# ------------------------------------------------------------------------------ data


@dataclass
class SessionFile:
    """Everything a session file holds: the state, each run's recorded path, what was shown.

    ``histories`` has one entry per run in ``state.runs`` (None for a run with nothing
    recorded); ``selected_run`` indexes ``state.runs``; ``cursor`` is the step shown.
    """

    state: SessionState
    histories: list[History | None]
    selected_run: int = 0
    cursor: int = 0


# ------------------------------------------------------------------------------ public API


def to_json(session: SessionFile) -> str:
    """The session as format-2 JSON text; :class:`SessionError` if it could not be opened again.

    The document is checked by the same walker that opens files, so a save can never produce
    a file that Landscape refuses.
    """
    document = _document(session)
    _read_document(document)
    try:
        text = _dumps(document, 0) + "\n"
    except (TypeError, ValueError) as exc:
        raise SessionError(f"cannot write the session as JSON: {_clip(str(exc))}") from exc
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        points = sum(len(h) for h in session.histories if h is not None)
        raise SessionError(
            f"the session is too large to save ({_megabytes(size)}; at most "
            f"{_megabytes(MAX_FILE_BYTES)}): its paths hold {points:,} points"
        )
    return text


def from_json(text: str) -> SessionFile:
    """Read session JSON text, or raise :class:`SessionError` (and nothing else)."""
    if not isinstance(text, str):
        raise SessionError(f"expected JSON text, got {type(text).__name__}")
    if len(text) > MAX_FILE_BYTES:
        raise SessionError(
            f"the file is too large ({len(text):,} characters; "
            f"at most {_megabytes(MAX_FILE_BYTES)})"
        )
    if not text.strip():
        raise SessionError("the file is empty")
    return _read_document(_parse_json(text))


def save_session(path: str | os.PathLike[str], session: SessionFile) -> None:
    """Write the session atomically (see :mod:`landscape_gui.core.atomic`): through a symlink
    to the file it names, never over a folder or a pipe, every byte checked and fsynced.

    On any failure no partial file is left and an existing file keeps its old contents; the
    error is a :class:`SessionError` naming the path (a :class:`SessionIOError`, also an
    ``OSError``, when the operating system refused).
    """
    target = os.fspath(path)
    try:
        data = to_json(session).encode("utf-8")
    except SessionError as exc:
        raise SessionError(exc.problem, exc.location, target) from None
    except UnicodeEncodeError as exc:
        raise SessionError(
            f"cannot encode the session as UTF-8: {exc.reason}", "", target
        ) from None
    try:
        atomic_write(target, data)
    except SessionError:
        raise
    except OSError as exc:
        raise _io_error(exc, target, "save") from exc


READ_CHUNK_BYTES = 1 << 20


def load_session(
    path: str | os.PathLike[str], progress: Callable[[float], None] | None = None
) -> SessionFile:
    """Open a session file: its size is checked before reading, then :func:`from_json`.

    ``progress`` (optional) is called with the fraction done, 0 to 1, as the file is read
    (up to 0.5) and checked, so a window can show how far opening a big file has got.
    """
    target = os.fspath(path)
    report = progress or (lambda fraction: None)
    try:
        info = os.stat(target)
    except OSError as exc:
        raise _io_error(exc, target, "open") from exc
    if not stat.S_ISREG(info.st_mode):
        raise SessionError("not a regular file", "", target)
    if info.st_size > MAX_FILE_BYTES:
        raise SessionError(
            f"the file is too large ({_megabytes(info.st_size)}; at most "
            f"{_megabytes(MAX_FILE_BYTES)})",
            "",
            target,
        )
    try:
        with open(target, "rb") as handle:
            # In chunks (for the progress), never more than the cap: it may have grown.
            buffer = bytearray()
            while len(buffer) <= MAX_FILE_BYTES:
                chunk = handle.read(min(READ_CHUNK_BYTES, MAX_FILE_BYTES + 1 - len(buffer)))
                if not chunk:
                    break
                buffer += chunk
                report(0.5 * min(1.0, len(buffer) / max(info.st_size, 1)))
            data = bytes(buffer)
    except OSError as exc:
        raise _io_error(exc, target, "open") from exc
    if len(data) > MAX_FILE_BYTES:
        raise SessionError(f"the file is too large (over {_megabytes(MAX_FILE_BYTES)})", "", target)
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SessionError(
            f"not a session file: not UTF-8 text (byte {data[exc.start]:#04x} at offset "
            f"{exc.start:,})",
            "",
            target,
        ) from None
    del data  # the text is all that is needed now: keep the peak memory down
    report(0.6)
    try:
        return from_json(text)
    except SessionError as exc:
        raise SessionError(exc.problem, exc.location, target) from None
    finally:
        report(1.0)


# ------------------------------------------------------------------------------ reading


def _parse_json(text: str) -> object:
    containers = text.count("[") + text.count("{")
    if containers > MAX_CONTAINERS:
        raise SessionError(
            f"not a session file: {containers:,} lists and objects (nested or repeated); "
            f"a session file has at most {MAX_CONTAINERS:,}"
        )
    quotes = text.count('"')
    if quotes > MAX_QUOTES:
        raise SessionError(
            f"not a session file: {quotes:,} quote marks; a session file has at most {MAX_QUOTES:,}"
        )
    text, arrays = _pull_out_number_lists(text)
    token = arrays.pop() if arrays else None

    def pairs_hook(pairs: list[tuple[str, object]]) -> object:
        if token is not None and len(pairs) == 1 and pairs[0][0] == token:
            return arrays[int(pairs[0][1])]  # type: ignore[call-overload]  # an int index
        return _unique_keys(pairs)

    try:
        return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=pairs_hook)
    except json.JSONDecodeError as exc:
        # Some of json's messages end in "starting at": no second "at" after them.
        joint = " " if exc.msg.endswith(" at") else " at "
        raise SessionError(
            f"not valid JSON (truncated or damaged?): {exc.msg}{joint}line {exc.lineno}, "
            f"column {exc.colno}"
        ) from None
    except RecursionError:
        raise SessionError(
            "not a session file: lists or objects nested too deeply "
            "(a session file is at most 5 levels deep)"
        ) from None
    except SessionError:
        raise
    except ValueError as exc:  # e.g. an integer literal of more than 4300 digits
        raise SessionError(f"not valid JSON: {_clip(str(exc))}") from None


# Long flat lists of numbers (the recorded paths) are read straight into numpy arrays: as
# Python floats they would cost about 32 bytes a number, four times their text, and a 50 MB
# file would need most of a gigabyte. Lists shorter than this many characters take the
# ordinary path, as does any list numpy cannot read whole (its exact error then comes from
# the JSON reader).
_FAST_LIST_CHARACTERS = 4096
_NOT_A_NUMBER_LIST = re.compile(r"[^0-9eE+\-.,nul \t\r\n]")


def _pull_out_number_lists(text: str) -> tuple[str, list[Any]]:
    """``text`` with each long list of numbers and nulls replaced by a one-key object
    ``{token: index}`` and the arrays, the token last (nothing replaced: the text, [])."""
    token = f"\x00numbers-{secrets.token_hex(8)}"
    pieces: list[str] = []
    arrays: list[Any] = []
    done = 0
    start = text.find("[")
    while start != -1:
        end = text.find("]", start)
        if end == -1:
            break
        if end - start > _FAST_LIST_CHARACTERS and "[" not in text[start + 1 : end]:
            array = _number_list(text[start + 1 : end])
            if array is not None:
                pieces.append(text[done:start])
                pieces.append(f"{{{json.dumps(token)}: {len(arrays)}}}")
                arrays.append(array)
                done = end + 1
                start = text.find("[", done)
                continue
        start = text.find("[", start + 1)
    if not arrays:
        return text, []
    pieces.append(text[done:])
    return "".join(pieces), [*arrays, token]


def _number_list(inner: str) -> np.ndarray | None:
    """The numbers (null as NaN) of a list's inside, or None when it is anything else."""
    if _NOT_A_NUMBER_LIST.search(inner) is not None or not inner.strip():
        return None
    items = inner.count(",") + 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns, and stops, at text it cannot read
        try:
            array = np.fromstring(inner.replace("null", "nan"), dtype=float, sep=",")
        except (ValueError, DeprecationWarning):
            return None
    return array if array.shape == (items,) else None


def _refuse_constant(name: str) -> NoReturn:
    raise SessionError(f"not valid JSON: {name} is not a JSON value (a missing number is null)")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise SessionError(f"the key {_clip(repr(key))} appears twice in one object")
        result[key] = value
    return result


def _read_document(document: object) -> SessionFile:
    """The schema walker: a parsed JSON document -> SessionFile, or SessionError."""
    if not isinstance(document, dict):
        _fail("", f"not a session file: expected a JSON object {{...}}, got {_describe(document)}")
    version = _read_version(document)
    _object(document, "", _TOP_KEYS if version >= 2 else _TOP_KEYS_V1)
    if document["app"] != APP_NAME:
        _fail("app", f"expected {APP_NAME!r}, got {_describe(document['app'])}")
    _text(document["app_version"], "app_version", _MAX_APP_VERSION_LENGTH)

    formula_text = _text(document["formula"], "formula", None)
    try:
        formula = parse_formula(formula_text)
    except (FormulaError, ValueError, TypeError, ArithmeticError, RecursionError) as exc:
        _fail("formula", _clip(str(exc)))
    constraint_text, constraint_parameters = _constraint(document.get("constraint"))
    names = set(formula.parameters) | set(constraint_parameters)
    preset = document["preset"]
    if preset is not None and (not isinstance(preset, str) or preset not in PRESETS_BY_KEY):
        _fail("preset", f"expected a preset name or null, got {_describe(preset)}")
    parameters = _parameters(
        document["parameters"], tuple(sorted(names)), constraint_text is not None
    )
    domain = _domain(document["domain"])
    resolution = _integer(document["resolution"], "resolution", MIN_RESOLUTION, MAX_RESOLUTION)
    probe = _pair(document["probe"], "probe")
    toggles = _toggles(document["toggles"])
    runs, histories = _runs(document["runs"], constraint_text is not None)
    max_steps = _integer(document["max_steps"], "max_steps", 1, MAX_STEPS)
    tolerance = _number(document["tolerance"], "tolerance", TOLERANCE_LIMIT)
    if tolerance <= 0:
        _fail("tolerance", f"expected a number greater than 0, got {_describe(tolerance)}")
    camera = _camera(document["camera"])
    selected_run = _integer(document["selected_run"], "selected_run", 0, len(runs) - 1)
    cursor = _integer(document["cursor"], "cursor", 0, max_steps)

    state = SessionState(
        formula=formula_text,
        preset=preset,
        parameters=parameters,
        domain=domain,
        resolution=resolution,
        probe=probe,
        toggles=toggles,
        runs=runs,
        max_steps=max_steps,
        tolerance=tolerance,
        camera=camera,
        constraint=constraint_text,
    )
    return SessionFile(state, histories, selected_run, cursor)


def _constraint(value: object) -> tuple[str | None, tuple[str, ...]]:
    """The constraint's text (through the safe parser) and its parameters; (None, ())."""
    if value is None:
        return None, ()
    text = _text(value, "constraint", None)
    try:
        parsed = parse_constraint_text(text)
    except (FormulaError, ValueError, TypeError, ArithmeticError, RecursionError) as exc:
        _fail("constraint", _clip(str(exc)))
    return text, parsed.parameters


def _read_version(document: dict[str, Any]) -> int:
    # Checked before anything else: a newer file may have keys this version does not know.
    if "format_version" not in document:
        _fail("", "not a Landscape session file: it has no 'format_version'")
    version = document["format_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        _fail("format_version", f"expected a whole number, got {_describe(version)}")
    if version > FORMAT_VERSION:
        _fail(
            "",
            f"made by a newer Landscape (format {_clip(str(version), 20)}); this version of "
            f"Landscape reads format {FORMAT_VERSION}: update Landscape to open it",
        )
    if version not in READABLE_VERSIONS:
        _fail(
            "format_version",
            f"{_clip(str(version), 20)} is not a Landscape session format "
            f"(expected {' or '.join(map(str, READABLE_VERSIONS))})",
        )
    return version


def _parameters(
    value: object, expected: tuple[str, ...], has_constraint: bool = False
) -> dict[str, float]:
    if not isinstance(value, dict):
        _fail("parameters", f"expected an object {{name: number}}, got {_describe(value)}")
    if len(value) > MAX_PARAMETERS:
        _fail("parameters", f"too many parameters ({len(value)}; at most {MAX_PARAMETERS})")
    parameters: dict[str, float] = {}
    for name, number in value.items():
        if not (isinstance(name, str) and len(name) == 1 and name.isascii() and name.isalpha()):
            _fail(
                "parameters",
                f"{_clip(repr(name))} is not a parameter name (parameters are single letters)",
            )
        parameters[name] = _number(number, f"parameters.{name}", PARAMETER_LIMIT)
    extra = sorted(set(parameters) - set(expected))
    owner = "the formula and the constraint" if has_constraint else "the formula"
    if extra:
        verb = "have" if has_constraint else "has"
        _fail("parameters", f"{owner} {verb} no parameter {extra[0]!r}")
    missing = [name for name in expected if name not in parameters]
    if missing:
        uses = "use" if has_constraint else "uses"
        _fail("parameters", f"no value for {missing[0]!r}, which {owner} {uses}")
    return parameters


def _domain(value: object) -> Domain:
    document = _object(value, "domain", _DOMAIN_KEYS)
    bounds = [_number(document[key], f"domain.{key}", COORDINATE_LIMIT) for key in _DOMAIN_KEYS]
    try:
        return Domain(*bounds)
    except ValueError as exc:
        _fail("domain", str(exc))


def _toggles(value: object) -> ViewToggles:
    document = _object(value, "toggles", TOGGLES)
    return ViewToggles(**{name: _boolean(document[name], f"toggles.{name}") for name in TOGGLES})


def _runs(value: object, has_constraint: bool) -> tuple[list[RunSettings], list[History | None]]:
    if not isinstance(value, list):
        _fail("runs", f"expected a list of runs, got {_describe(value)}")
    if not value:
        _fail("runs", "expected at least one run")
    if len(value) > MAX_RUNS:
        _fail("runs", f"too many runs ({len(value):,}; at most {MAX_RUNS})")
    runs: list[RunSettings] = []
    histories: list[History | None] = []
    for index, item in enumerate(value):
        where = f"runs[{index}]"
        document = _object(item, where, _RUN_KEYS)
        optimizer = document["optimizer"]
        if not isinstance(optimizer, str) or len(optimizer) > _MAX_KEY_LENGTH:
            _fail(f"{where}.optimizer", f"expected an optimizer name, got {_describe(optimizer)}")
        try:
            spec = get_optimizer(optimizer)
        except OptimizerError as exc:
            _fail(f"{where}.optimizer", str(exc))
        if spec.constrained and not has_constraint:
            _fail(
                f"{where}.optimizer",
                f"{spec.name} walks along a curve, but the session has no constraint",
            )
        hyperparameters = _hyperparameters(document["hyperparameters"], optimizer, where)
        runs.append(
            RunSettings(
                optimizer=optimizer,
                hyperparameters=hyperparameters,
                start=_pair(document["start"], f"{where}.start"),
                visible=_boolean(document["visible"], f"{where}.visible"),
            )
        )
        histories.append(_history(document["history"], f"{where}.history", spec.constrained))
    return runs, histories


def _hyperparameters(value: object, optimizer: str, run: str) -> dict[str, float]:
    where = f"{run}.hyperparameters"
    if not isinstance(value, dict):
        _fail(where, f"expected an object {{name: number}}, got {_describe(value)}")
    if len(value) > 16:
        _fail(where, f"too many entries ({len(value):,})")
    given: dict[str, float] = {}
    for name, number in value.items():
        if not isinstance(name, str) or not name or len(name) > _MAX_KEY_LENGTH:
            _fail(where, f"{_clip(repr(name))} is not a hyperparameter name")
        given[name] = _number(number, f"{where}.{name}", HYPERPARAMETER_LIMIT)
    try:
        resolve_hyperparameters(optimizer, given)
    except OptimizerError as exc:
        _fail(where, _clip(str(exc)))
    return given  # as the user set them: unset ones keep following the defaults


def _history(value: object, where: str, constrained: bool = False) -> History | None:
    if value is None:
        return None
    keys = _CONSTRAINED_HISTORY_KEYS if constrained else _HISTORY_KEYS
    document = _object(value, where, keys)
    status = document["status"]
    if not isinstance(status, str) or status not in STATUS_NAMES:
        _fail(
            f"{where}.status",
            f"expected one of {', '.join(STATUS_NAMES)}, got {_describe(status)}",
        )
    names = keys[:-1]  # the arrays, without "status"
    lengths = {}
    for name in names:
        column = document[name]
        if not isinstance(column, (list, np.ndarray)):
            _fail(f"{where}.{name}", f"expected a list of numbers, got {_describe(column)}")
        if len(column) > MAX_HISTORY_POINTS:
            _fail(
                f"{where}.{name}",
                f"too long ({len(column):,} points; at most {MAX_HISTORY_POINTS:,})",
            )
        lengths[name] = len(column)
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n:,}" for name, n in lengths.items())
        _fail(where, f"the arrays differ in length ({described})")
    arrays: list[Any] = [_float_column(document[name], f"{where}.{name}") for name in names]
    x, y, f, gx, gy = arrays[: len(_ARRAY_KEYS)]
    if constrained:
        g, lam = arrays[len(_ARRAY_KEYS) :]
        return History(x, y, f, gx, gy, status=status, g=g, lam=lam)
    return History(x, y, f, gx, gy, status=status)


def _float_column(values: list[Any] | np.ndarray, where: str) -> np.ndarray:
    """A JSON list of numbers or nulls as floats (null -> NaN); infinities are refused."""
    if isinstance(values, np.ndarray):  # read straight from the text (_number_list)
        infinite = np.flatnonzero(np.isinf(values))
        if infinite.size:
            _fail(
                f"{where}[{int(infinite[0])}]",
                "expected a finite number or null, got a number beyond 1e308",
            )
        return values
    if not set(map(type, values)) <= _NUMBER_TYPES:
        index, bad = next((i, v) for i, v in enumerate(values) if type(v) not in _NUMBER_TYPES)
        _fail(f"{where}[{index}]", f"expected a number or null, got {_describe(bad)}")
    try:
        array = np.array(values, dtype=float)
    except OverflowError:  # an integer literal beyond the float range
        array = np.array([_as_float(v) for v in values], dtype=float)
    infinite = np.flatnonzero(np.isinf(array))
    if infinite.size:
        index = int(infinite[0])
        _fail(
            f"{where}[{index}]",
            f"expected a finite number or null, got {_describe(values[index])}",
        )
    return array


def _camera(value: object) -> dict[str, Any] | None:
    if value is None:
        return None
    document = _object(value, "camera", _CAMERA_KEYS)
    distance = _number(document["distance"], "camera.distance", CAMERA_DISTANCE_LIMIT)
    if distance <= 0:
        _fail("camera.distance", f"expected a number greater than 0, got {_describe(distance)}")
    center = document["center"]
    if not isinstance(center, list) or len(center) != 3:
        _fail("camera.center", f"expected three numbers [x, y, z], got {_describe(center)}")
    return {
        "distance": distance,
        "elevation": _number(document["elevation"], "camera.elevation", ANGLE_LIMIT),
        "azimuth": _number(document["azimuth"], "camera.azimuth", ANGLE_LIMIT),
        "center": [
            _number(v, f"camera.center[{i}]", COORDINATE_LIMIT) for i, v in enumerate(center)
        ],
    }


# ------------------------------------------------------------------------------ checks


def _fail(location: str, problem: str) -> NoReturn:
    raise SessionError(problem, location)


def _object(value: object, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(where, f"expected an object {{...}}, got {_describe(value)}")
    missing = [key for key in keys if key not in value]
    unknown = sorted((k for k in value if k not in keys), key=str)
    found = ""
    if unknown:
        listed = ", ".join(_clip(repr(k), 40) for k in unknown[:3])
        more = f" and {len(unknown) - 3:,} more" if len(unknown) > 3 else ""
        found = f"unknown key{'s' if len(unknown) > 1 else ''} {listed}{more}"
    if missing:
        _fail(where, f"missing {missing[0]!r}" + (f" (found {found})" if found else ""))
    if unknown:
        _fail(where, found)
    return value


def _number(value: object, where: str, limit: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(where, f"expected a number, got {_describe(value)}")
    number = _as_float(value)
    if not math.isfinite(number):
        _fail(where, f"expected a finite number, got {_describe(value)}")
    if limit is not None and abs(number) > limit:
        _fail(where, f"expected a number from {-limit:g} to {limit:g}, got {_describe(value)}")
    return number


def _as_float(value: float | None) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _integer(value: object, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _fail(where, f"expected a whole number from {low:,} to {high:,}, got {_describe(value)}")
    return int(value)


def _boolean(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        _fail(where, f"expected true or false, got {_describe(value)}")
    return value


def _pair(value: object, where: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        _fail(where, f"expected two numbers [x, y], got {_describe(value)}")
    return (
        _number(value[0], f"{where}[0]", COORDINATE_LIMIT),
        _number(value[1], f"{where}[1]", COORDINATE_LIMIT),
    )


def _text(value: object, where: str, max_length: int | None) -> str:
    if not isinstance(value, str):
        _fail(where, f"expected text, got {_describe(value)}")
    if max_length is not None and len(value) > max_length:
        _fail(where, f"too long ({len(value):,} characters; at most {max_length})")
    return value


def _describe(value: object) -> str:
    """A JSON value in a few words, never its whole (possibly huge or nested) contents."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _clip(repr(value), 30)
    if isinstance(value, str):
        return f"the text {_clip(repr(value), 40)}"
    if isinstance(value, (list, np.ndarray)):
        return f"a list of {len(value):,} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


# ------------------------------------------------------------------------------ writing


def _document(session: SessionFile) -> dict[str, Any]:
    """The session as plain JSON values (numpy scalars unwrapped, non-finite history -> null)."""
    if not isinstance(session, SessionFile):
        raise SessionError(f"expected a SessionFile, got {type(session).__name__}")
    try:
        state = session.state
        if len(session.histories) != len(state.runs):
            raise SessionError(
                f"one history per run expected ({len(state.runs)} runs, "
                f"{len(session.histories)} histories)",
                "histories",
            )
        domain = state.domain
        return {
            "format_version": FORMAT_VERSION,
            "app": APP_NAME,
            "app_version": landscape_gui.__version__,
            "formula": state.formula,
            "constraint": state.constraint,
            "preset": state.preset,
            "parameters": {name: _real(v) for name, v in state.parameters.items()},
            "domain": {key: _real(getattr(domain, key)) for key in _DOMAIN_KEYS},
            "resolution": _plain(state.resolution),
            "probe": [_real(v) for v in state.probe],
            "toggles": {name: _plain(getattr(state.toggles, name)) for name in TOGGLES},
            "runs": [
                {
                    "optimizer": run.optimizer,
                    "hyperparameters": {k: _real(v) for k, v in run.hyperparameters.items()},
                    "start": [_real(v) for v in run.start],
                    "visible": _plain(run.visible),
                    "history": _history_document(history),
                }
                for run, history in zip(state.runs, session.histories, strict=True)
            ],
            "max_steps": _plain(state.max_steps),
            "tolerance": _real(state.tolerance),
            "camera": _camera_document(state.camera),
            "selected_run": _plain(session.selected_run),
            "cursor": _plain(session.cursor),
        }
    except (AttributeError, TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, SessionError):
            raise
        raise SessionError(f"cannot save this session: {_clip(str(exc))}") from exc


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _real(value: object) -> object:
    """A number field as a float (5 -> 5.0), so the file reads the same whatever made it."""
    value = _plain(value)
    return float(value) if type(value) is int else value


def _history_document(history: History | None) -> dict[str, Any] | None:
    if history is None:
        return None
    if history.first_step != 0:
        raise ValueError("a saved history starts at step 0")
    document: dict[str, object] = {}
    columns = [(name, getattr(history, name)) for name in _ARRAY_KEYS]
    if history.g is not None and history.lam is not None:
        columns += [("g", history.g), ("lambda", history.lam)]
    for name, column in columns:
        array = np.asarray(column, dtype=float).ravel()
        values = array.tolist()
        for index in np.flatnonzero(~np.isfinite(array)).tolist():
            values[index] = None
        document[name] = values
    document["status"] = history.status
    return document


def _camera_document(camera: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if camera is None:
        return None
    document = {key: _real(value) for key, value in camera.items()}
    center = document.get("center")
    if isinstance(center, (list, tuple, np.ndarray)):
        document["center"] = [_real(v) for v in center]
    return document


def _dumps(value: object, level: int) -> str:
    """Indented JSON with each list of plain values on one line (a history stays readable)."""
    pad = "  " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{json.dumps(k)}: {_dumps(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = [pad + _dumps(v, level + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * level + "]"
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


def _io_error(exc: OSError, target: str, verb: str) -> SessionIOError:
    reason = exc.strerror or str(exc)
    return SessionIOError(exc.errno, f"cannot {verb} the session: {reason}", target)
