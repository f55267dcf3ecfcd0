"""The .landscape session file: exact round trips, a corpus of bad files, fuzzing, atomic saves."""

from __future__ import annotations

import copy
import json
import math
import os
import stat

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landscape_gui.core import session as session_module
from landscape_gui.core.descent import History
from landscape_gui.core.landscape import Domain
from landscape_gui.core.session import (
    MAX_FILE_BYTES,
    MAX_HISTORY_POINTS,
    SessionError,
    SessionFile,
    SessionIOError,
    from_json,
    load_session,
    save_session,
    to_json,
)
from landscape_gui.core.state import RunSettings, SessionState, ViewToggles

NAN = float("nan")


def _rich_session() -> SessionFile:
    state = SessionState(
        formula="a*x^2 + b*y^2 + sin(x)",
        preset=None,
        parameters={"a": 2.5, "b": -0.1},
        domain=Domain(-4.0, 6.5, -3.0, 3.25),
        resolution=321,
        probe=(1.25, -0.75),
        toggles=ViewToggles(
            gradient_arrow=False,
            gradient_field=True,
            contours=True,
            tangent_plane=True,
            slices=False,
            wireframe=True,
            path_preview=False,
        ),
        runs=[
            RunSettings("gd", {"lr": 0.05}, (1.0, 2.0), True),
            RunSettings("adam", {"lr": 0.2, "beta2": 0.95}, (-1.5, 0.5), False),
            RunSettings("newton", {}, (0.1, 0.2), True),
        ],
        max_steps=750,
        tolerance=1e-9,
        camera={"distance": 17.5, "elevation": 31.0, "azimuth": -42.5, "center": [0.5, -1.0, 2.0]},
    )
    histories = [
        History(
            x=[0.1 + 0.2, 1e-300, -0.0],
            y=[2.0, 1.5, 1.0],
            f=[3.5, NAN, 1.0],
            gx=[1.0, 0.5, 0.25],
            gy=[-2.0, -1.0, 5e-324],
            status="max-steps",
        ),
        None,
        History(x=[], y=[], f=[], gx=[], gy=[], status="diverged"),
    ]
    return SessionFile(state, histories, selected_run=2, cursor=2)


def _document() -> dict:
    """A valid format-1 document written out by hand (independent of the writer)."""
    return {
        "format_version": 1,
        "app": "Landscape",
        "app_version": "0.1.0",
        "formula": "a*x^2 + y^2",
        "preset": None,
        "parameters": {"a": 2.0},
        "domain": {"x_min": -5.0, "x_max": 5.0, "y_min": -4.0, "y_max": 4.0},
        "resolution": 150,
        "probe": [3.0, 4.0],
        "toggles": {
            "gradient_arrow": True,
            "gradient_field": False,
            "contours": True,
            "tangent_plane": False,
            "slices": True,
            "wireframe": False,
            "path_preview": True,
            "basins": False,
        },
        "runs": [
            {
                "optimizer": "gd",
                "hyperparameters": {"lr": 0.1},
                "start": [3.0, 4.0],
                "visible": True,
                "history": {
                    "x": [3.0, 1.8],
                    "y": [4.0, 3.2],
                    "f": [34.0, None],
                    "gx": [12.0, 7.2],
                    "gy": [8.0, 6.4],
                    "status": "running",
                },
            },
            {
                "optimizer": "momentum",
                "hyperparameters": {},
                "start": [-1.0, 2.0],
                "visible": False,
                "history": None,
            },
        ],
        "max_steps": 500,
        "tolerance": 1e-6,
        "camera": {"distance": 20.0, "elevation": 30.0, "azimuth": 45.0, "center": [0, 0, 1]},
        "selected_run": 1,
        "cursor": 1,
    }


def _raises(text: str, pattern: str) -> SessionError:
    with pytest.raises(SessionError, match=pattern) as info:
        from_json(text)
    assert "\n" not in str(info.value)
    return info.value


# ------------------------------------------------------------------------------ round trip


def test_rich_session_round_trips_exactly():
    original = _rich_session()
    loaded = from_json(to_json(original))
    assert loaded == original
    assert loaded.state == original.state
    assert loaded.histories[1] is None
    assert math.isnan(loaded.histories[0].f[1])
    assert loaded.histories[0].x[0] == 0.30000000000000004
    assert math.copysign(1.0, loaded.histories[0].x[2]) == -1.0  # -0.0 keeps its sign
    assert loaded.histories[0].gy[2] == 5e-324
    assert len(loaded.histories[2]) == 0 and loaded.histories[2].status == "diverged"
    assert (loaded.selected_run, loaded.cursor) == (2, 2)


def test_a_changed_history_is_not_equal():
    changed = _rich_session()
    changed.histories[0].f[1] = 0.0  # NaN -> 0.0 must be seen as a difference
    assert changed != _rich_session()
    assert History([1.0], [2.0], [3.0], [4.0], [5.0], "converged") != History(
        [1.0], [2.0], [3.0], [4.0], [5.0], "diverged"
    )


def test_saved_json_is_format_2_with_nulls_for_non_finite_values():
    session = _rich_session()
    session.histories[0].gx[1] = math.inf
    text = to_json(session)
    document = json.loads(text)
    assert document["format_version"] == 2
    assert document["constraint"] is None
    assert document["app"] == "Landscape"
    assert document["runs"][0]["history"]["f"] == [3.5, None, 1.0]
    assert document["runs"][0]["history"]["gx"] == [1.0, None, 0.25]
    assert document["runs"][1]["history"] is None
    # Stored resolved: every hyperparameter the optimizer takes, defaults included.
    assert document["runs"][1]["hyperparameters"] == {
        "lr": 0.2,
        "beta1": 0.9,
        "beta2": 0.95,
        "eps": 1e-8,
    }
    assert document["toggles"]["gradient_field"] is True
    assert "0.30000000000000004" in text  # full repr precision
    assert "NaN" not in text and "Infinity" not in text
    assert math.isnan(from_json(text).histories[0].gx[1])  # inf is stored as null -> NaN


def test_hand_written_document_loads_to_the_values_it_holds():
    loaded = from_json(json.dumps(_document()))
    state = loaded.state
    assert state.formula == "a*x^2 + y^2"
    assert state.preset is None
    assert state.parameters == {"a": 2.0}
    assert state.domain == Domain(-5.0, 5.0, -4.0, 4.0)
    assert state.resolution == 150
    assert state.probe == (3.0, 4.0)
    assert state.toggles == ViewToggles()
    assert state.runs == [
        RunSettings("gd", {"lr": 0.1}, (3.0, 4.0), True),
        RunSettings("momentum", {}, (-1.0, 2.0), False),
    ]
    assert state.max_steps == 500 and state.tolerance == 1e-6
    assert state.camera == {"distance": 20.0, "elevation": 30.0, "azimuth": 45.0,
                            "center": [0.0, 0.0, 1.0]}  # fmt: skip
    history = loaded.histories[0]
    assert history.status == "running"
    np.testing.assert_array_equal(history.x, [3.0, 1.8])
    assert history.f[0] == 34.0 and math.isnan(history.f[1])
    assert loaded.histories[1] is None
    assert (loaded.selected_run, loaded.cursor) == (1, 1)


def test_to_json_accepts_numpy_numbers_and_writes_plain_floats():
    state = SessionState(probe=(np.float64(0.5), np.int64(2)), tolerance=np.float32(0.25))
    text = to_json(SessionFile(state, [None], 0, 0))
    document = json.loads(text)
    assert document["probe"] == [0.5, 2.0] and document["tolerance"] == 0.25
    assert from_json(text).state.probe == (0.5, 2.0)


def test_a_descent_history_is_saved_as_it_is():
    records = np.array([[3.0, 4.0, 25.0, 6.0, 8.0], [2.4, 3.2, 16.0, 4.8, 6.4]])
    history = History.from_records(0, records, "converged")
    session = _rich_session()
    session.histories[0] = history
    loaded = from_json(to_json(session))
    np.testing.assert_array_equal(loaded.histories[0].y, [4.0, 3.2])
    np.testing.assert_array_equal(loaded.histories[0].gy, [8.0, 6.4])
    assert loaded.histories[0] == history and len(loaded.histories[0]) == 2
    session.histories[0] = History.from_records(5, records, "running")
    with pytest.raises(ValueError):
        to_json(session)
    with pytest.raises(ValueError):
        History([1.0, 2.0], [1.0], [1.0], [1.0], [1.0])


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (lambda s: setattr(s.state, "probe", (NAN, 0.0)), r"^probe\[0\]: expected a finite"),
        (lambda s: s.histories.append(None), r"^histories: one history per run"),
        (lambda s: setattr(s.state, "resolution", 5), r"^resolution: expected a whole number"),
        (lambda s: setattr(s.state, "parameters", {}), r"^parameters: no value for 'a'"),
        (lambda s: setattr(s.state, "toggles", None), r"cannot save this session"),
        (lambda s: setattr(s, "cursor", 751), r"^cursor: expected a whole number from 0 to 750"),
    ],
)
def test_to_json_refuses_a_session_it_could_not_open_again(change, pattern):
    session = _rich_session()
    change(session)
    with pytest.raises(SessionError, match=pattern):
        to_json(session)


# ------------------------------------------------------------------------------ bad files


def _mutated(change) -> str:
    document = _document()
    change(document)
    return json.dumps(document)


def _set(*path_and_value):
    *path, value = path_and_value

    def change(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _delete(*path):
    def change(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return change


BAD_DOCUMENTS = [
    ("wrong version", _set("format_version", 0), r"^format_version: 0 is not a Landscape"),
    ("version as text", _set("format_version", "1"), r"^format_version: expected a whole number"),
    ("version as bool", _set("format_version", True), r"^format_version: .*got true"),
    (
        "newer version",
        _set("format_version", 3),
        r"^made by a newer Landscape \(format 3\); .*reads format 2",
    ),
    ("no version", _delete("format_version"), r"^not a Landscape session file: .*format_version"),
    ("missing formula", _delete("formula"), r"^missing 'formula'$"),
    ("unknown top-level key", _set("colour", "red"), r"^unknown key 'colour'$"),
    (
        "misspelt key",
        lambda d: d.update(formla=d.pop("formula")),
        r"^missing 'formula' \(found unknown key 'formla'\)",
    ),
    ("other app", _set("app", "Mountains"), r"^app: expected 'Landscape', got the text 'Mount"),
    ("formula not text", _set("formula", 42), r"^formula: expected text, got 42"),
    (
        "formula too long",
        _set("formula", "x+" * 1100 + "y"),
        r"^formula: the formula is too long \(2,201 characters",
    ),
    ("formula syntax", _set("formula", "x^2 +"), r"^formula: the formula ends after '\+'"),
    ("unknown preset", _set("preset", "volcano"), r"^preset: expected a preset name or null"),
    (
        "parameter not in formula",
        _set("parameters", {"a": 2.0, "c": 1.0}),
        r"^parameters: the formula has no parameter 'c'",
    ),
    ("parameter missing", _set("parameters", {}), r"^parameters: no value for 'a'"),
    (
        "parameter name",
        _set("parameters", {"alpha": 1.0}),
        r"^parameters: 'alpha' is not a parameter name",
    ),
    (
        "nine parameters",
        _set("parameters", dict.fromkeys("abcdfghij", 1.0)),
        r"^parameters: too many parameters \(9; at most 8\)",
    ),
    ("parameter is null", _set("parameters", "a", None), r"^parameters\.a: expected a number"),
    ("NaN probe (null)", _set("probe", [None, 1.0]), r"^probe\[0\]: expected a number, got null"),
    ("huge probe", _set("probe", [1.0, 10**400]), r"^probe\[1\]: expected a finite number"),
    ("probe of three", _set("probe", [1, 2, 3]), r"^probe: expected two numbers \[x, y\]"),
    ("bool resolution", _set("resolution", True), r"^resolution: expected a whole number.*true"),
    ("float resolution", _set("resolution", 150.5), r"^resolution: .*from 20 to 1,000.*150\.5"),
    ("tiny resolution", _set("resolution", 19), r"^resolution: .*got 19"),
    ("bool domain", _set("domain", "x_min", True), r"^domain\.x_min: expected a number, got true"),
    ("flipped domain", _set("domain", "x_min", 6.0), r"^domain: each range needs its lower end"),
    ("domain key", _delete("domain", "y_max"), r"^domain: missing 'y_max'"),
    ("toggle as 1", _set("toggles", "contours", 1), r"^toggles\.contours: expected true or false"),
    ("extra toggle", _set("toggles", "glow", True), r"^toggles: unknown key 'glow'"),
    ("no runs", _set("runs", []), r"^runs: expected at least one run"),
    ("runs as object", _set("runs", {}), r"^runs: expected a list of runs, got an object"),
    (
        "nine runs",
        lambda d: d.update(runs=[copy.deepcopy(d["runs"][1]) for _ in range(9)]),
        r"^runs: too many runs \(9; at most 8\)",
    ),
    (
        "unknown optimizer",
        _set("runs", 0, "optimizer", "sgd2"),
        r"^runs\[0\]\.optimizer: unknown optimizer 'sgd2'",
    ),
    (
        "negative lr",
        _set("runs", 0, "hyperparameters", "lr", -0.1),
        r"^runs\[0\]\.hyperparameters: .*\(lr\) must be greater than 0, got -0\.1",
    ),
    (
        "bool lr",
        _set("runs", 0, "hyperparameters", "lr", True),
        r"^runs\[0\]\.hyperparameters\.lr: expected a number, got true",
    ),
    (
        "unknown hyperparameter",
        _set("runs", 1, "hyperparameters", "betta1", 0.5),
        r"^runs\[1\]\.hyperparameters: Momentum has no hyperparameter\(s\) betta1",
    ),
    (
        "a line break in a name",  # found by the fuzz below: the message must stay one line
        _set("runs", 1, "hyperparameters", "lr\n", 0.5),
        r"^runs\[1\]\.hyperparameters: Momentum has no hyperparameter\(s\) lr\\n; it takes",
    ),
    (
        "start as text",
        _set("runs", 1, "start", "3, 4"),
        r"^runs\[1\]\.start: expected two numbers \[x, y\], got the text '3, 4'",
    ),
    ("visible as 1", _set("runs", 0, "visible", 1), r"^runs\[0\]\.visible: expected true or false"),
    ("run key missing", _delete("runs", 1, "visible"), r"^runs\[1\]: missing 'visible'"),
    (
        "unequal history",
        _set("runs", 0, "history", "gy", [8.0]),
        r"^runs\[0\]\.history: the arrays differ in length \(x has 2, .* gy has 1\)",
    ),
    (
        "history of text",
        _set("runs", 0, "history", "f", [34.0, "1"]),
        r"^runs\[0\]\.history\.f\[1\]: expected a number or null, got the text '1'",
    ),
    (
        "history with a bool",
        _set("runs", 0, "history", "x", [True, 1.0]),
        r"^runs\[0\]\.history\.x\[0\]: expected a number or null, got true",
    ),
    (
        "history status",
        _set("runs", 0, "history", "status", "done"),
        r"^runs\[0\]\.history\.status: expected one of running, converged, max-steps, diverged",
    ),
    ("zero tolerance", _set("tolerance", 0), r"^tolerance: expected a number greater than 0"),
    ("zero max_steps", _set("max_steps", 0), r"^max_steps: expected a whole number from 1"),
    (
        "camera center",
        _set("camera", "center", [0, 0]),
        r"^camera\.center: expected three numbers \[x, y, z\], got a list of 2 items",
    ),
    ("camera distance", _set("camera", "distance", -1.0), r"^camera\.distance: .*greater than 0"),
    (
        "selected run",
        _set("selected_run", 2),
        r"^selected_run: expected a whole number from 0 to 1",
    ),
    ("cursor past end", _set("cursor", 501), r"^cursor: expected a whole number from 0 to 500"),
    # Sane sizes: numbers a window could never draw or step with are refused up front.
    (
        "start at 1e300",
        _set("runs", 0, "start", [1e300, 0.0]),
        r"^runs\[0\]\.start\[0\]: .*-1e\+06 to 1e\+06",
    ),
    ("probe beyond 1e6", _set("probe", [0.0, -2e6]), r"^probe\[1\]: expected a number from"),
    ("huge domain", _set("domain", "x_max", 1e7), r"^domain\.x_max: expected a number from"),
    ("parameter 1e308", _set("parameters", "a", 1e308), r"^parameters\.a: .*-1e\+06 to 1e\+06"),
    (
        "lr 1e308",
        _set("runs", 0, "hyperparameters", "lr", 1e308),
        r"hyperparameters\.lr: expected a number from",
    ),
    ("tolerance 1e300", _set("tolerance", 1e300), r"^tolerance: expected a number from"),
    (
        "camera far away",
        _set("camera", "distance", 1e300),
        r"^camera\.distance: expected a number from",
    ),
    (
        "camera centre",
        _set("camera", "center", [0.0, 0.0, 1e200]),
        r"^camera\.center\[2\]: expected",
    ),
]


@pytest.mark.parametrize(
    ("change", "pattern"),
    [pytest.param(change, pattern, id=name) for name, change, pattern in BAD_DOCUMENTS],
)
def test_bad_document_raises_a_clear_session_error(change, pattern):
    _raises(_mutated(change), pattern)


def test_the_hand_written_base_document_is_valid():
    # Guards the corpus: each bad document differs from a valid one only by its change.
    assert isinstance(from_json(json.dumps(_document())), SessionFile)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        pytest.param("hello", r"^not valid JSON .*line 1, column 1", id="not JSON"),
        pytest.param("", r"^the file is empty$", id="empty"),
        pytest.param(" \n\t", r"^the file is empty$", id="blank"),
        pytest.param("[1, 2]", r"^not a session file: .*got a list of 2 items", id="list at top"),
        pytest.param("null", r"^not a session file: expected a JSON object", id="null at top"),
        pytest.param('{"format_version": NaN}', r"NaN is not a JSON value", id="NaN literal"),
        pytest.param('{"a": 1, "a": 2}', r"the key 'a' appears twice", id="duplicate key"),
        pytest.param("1" * 5000, r"^not valid JSON: .*digits", id="giant integer"),
    ],
)
def test_text_that_is_not_a_session(text, pattern):
    _raises(text, pattern)


def test_number_literals_beyond_the_float_range():
    # json.dumps would write inf as Infinity, so the literals are put in the text directly.
    text = json.dumps(_document())
    _raises(
        text.replace('"y": [4.0, 3.2]', '"y": [4.0, 1e999]'),
        r"^runs\[0\]\.history\.y\[1\]: expected a finite number or null, got inf",
    )
    _raises(
        text.replace('"gx": [12.0, 7.2]', '"gx": [12.0, -' + "9" * 400 + "]"),
        r"^runs\[0\]\.history\.gx\[1\]: expected a finite number or null, got -999",
    )
    _raises(text.replace('"tolerance": 1e-06', '"tolerance": 1e400'), r"^tolerance: .*finite")


def test_truncated_json():
    text = json.dumps(_document(), indent=2)
    for cut in (1, len(text) // 3, len(text) // 2, len(text) - 1):
        _raises(text[:cut], r"^not valid JSON \(truncated or damaged\?\): ")


def test_formula_with_code_is_parsed_never_run(monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda command: calls.append(command))
    _raises(
        _mutated(_set("formula", "__import__('os').system('x')")),
        r"^formula: unexpected character '_' at 1",
    )
    assert calls == []


def test_deep_nesting_is_refused():
    nested = "[" * 5000 + "]" * 5000
    _raises('{"format_version": 1, "formula": ' + nested + "}", r"nested too deeply")
    _raises("[" * 1_000_000, r"1,000,000 lists and objects")
    _raises("{" * 50_000, r"lists and objects")


def test_too_long_history_is_refused():
    document = _document()
    history = document["runs"][0]["history"]
    for name in ("x", "y", "f", "gx", "gy"):
        history[name] = [0.5] * (MAX_HISTORY_POINTS + 1)
    _raises(
        json.dumps(document),
        r"^runs\[0\]\.history\.x: too long \(1,000,002 points; at most 1,000,001\)",
    )


def test_ten_million_element_array_is_refused():
    text = json.dumps(_document()).replace('"x": [3.0, 1.8]', '"x": [' + "0," * 9_999_999 + "0]")
    _raises(text, r"^runs\[0\]\.history\.x: too long \(10,000,000 points")
    _raises(
        text.replace('"start": [3.0, 4.0]', '"start": [' + "0," * 999 + "0]"),
        r"^runs\[0\]\.start: expected two numbers \[x, y\], got a list of 1,000 items",
    )


def test_text_over_the_cap_is_refused_before_parsing():
    _raises(" " * (MAX_FILE_BYTES + 1), r"^the file is too large")


def test_huge_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.landscape"
    with open(path, "wb") as handle:
        handle.truncate(3 * MAX_FILE_BYTES)  # sparse: nothing is really written
    with pytest.raises(SessionError, match=r"too large \(150\.0 MB; at most 50\.0 MB\)") as info:
        load_session(path)
    assert "huge.landscape" in str(info.value)


# ------------------------------------------------------------------------------ loading files


def test_load_session_names_the_file_and_the_place(tmp_path):
    path = tmp_path / "class.landscape"
    path.write_text(_mutated(_set("runs", 1, "start", [1.0])), encoding="utf-8")
    with pytest.raises(SessionError) as info:
        load_session(path)
    message = str(info.value)
    assert "class.landscape" in message and "runs[1].start: expected two numbers" in message
    assert info.value.location == "runs[1].start" and info.value.path == str(path)


def test_load_session_reads_a_saved_file_with_a_bom(tmp_path):
    path = tmp_path / "bom.landscape"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(_document()).encode("utf-8"))
    assert load_session(path).state.parameters == {"a": 2.0}


def test_load_session_refuses_binary(tmp_path):
    path = tmp_path / "picture.landscape"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    with pytest.raises(SessionError, match=r"not UTF-8 text \(byte 0x89 at offset 0\)"):
        load_session(path)


def test_load_session_missing_file_and_folder(tmp_path):
    with pytest.raises(SessionIOError) as info:
        load_session(tmp_path / "nope.landscape")
    assert isinstance(info.value, OSError) and isinstance(info.value, SessionError)
    assert info.value.filename == str(tmp_path / "nope.landscape")
    with pytest.raises(SessionError, match="not a regular file"):
        load_session(tmp_path)


# ------------------------------------------------------------------------------ fuzzing

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats()  # NaN and infinities dump as NaN/Infinity literals: must be refused
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _mutate(document, data):
    path = data.draw(st.sampled_from(list(_paths(document))))
    if not path:
        return data.draw(_JSON)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    action = data.draw(st.sampled_from(["delete", "replace", "swap", "add key"]))
    if action == "delete":
        del parent[key]
    elif action == "replace":
        parent[key] = data.draw(_JSON)
    elif action == "swap":
        value = parent[key]
        parent[key] = data.draw(
            st.sampled_from([str(value), [value], {"v": value}, True, False, None, 0, 1.5, -1])
        )
    elif isinstance(parent[key], dict):
        parent[key][data.draw(st.text(max_size=8))] = data.draw(_JSON)
    return document


def _check_outcome(text):
    try:
        loaded = from_json(text)
    except SessionError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert isinstance(loaded, SessionFile)
        assert len(loaded.histories) == len(loaded.state.runs)
        # Whatever opens can be saved and opened again unchanged.
        assert from_json(to_json(loaded)) == loaded


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzzed_documents_load_or_raise_session_error(data):
    document = _document()
    for _ in range(data.draw(st.integers(1, 3))):
        document = _mutate(document, data)
    text = json.dumps(document)
    edit = data.draw(st.sampled_from(["none", "truncate", "insert"]))
    if edit == "truncate":
        text = text[: data.draw(st.integers(0, len(text)))]
    elif edit == "insert":
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.text(min_size=1, max_size=5)) + text[at:]
    _check_outcome(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_random_text_raises_session_error(text):
    with pytest.raises(SessionError):
        from_json(text)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.binary(max_size=200))
def test_random_bytes_in_a_file_raise_session_error(tmp_path, raw):
    path = tmp_path / "random.landscape"
    path.write_bytes(raw)
    with pytest.raises(SessionError):
        load_session(path)


# ------------------------------------------------------------------------------ atomic save


def test_save_and_load_round_trip(tmp_path):
    path = tmp_path / "lesson.landscape"
    save_session(path, _rich_session())
    assert load_session(path) == _rich_session()
    assert json.loads(path.read_text(encoding="utf-8"))["format_version"] == 2
    assert os.listdir(tmp_path) == ["lesson.landscape"]


def test_save_into_a_missing_folder_leaves_nothing(tmp_path):
    target = tmp_path / "missing" / "s.landscape"
    with pytest.raises(SessionError) as info:
        save_session(target, _rich_session())
    assert isinstance(info.value, OSError)
    assert info.value.filename == str(target)
    assert str(target) in str(info.value) and "\n" not in str(info.value)
    assert os.listdir(tmp_path) == []


def _existing(tmp_path):
    path = tmp_path / "keep.landscape"
    save_session(path, SessionFile(SessionState(), [None], 0, 0))
    return path, path.read_bytes()


def test_failed_replace_keeps_the_old_file(tmp_path, monkeypatch):
    path, before = _existing(tmp_path)

    def broken_replace(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(SessionIOError, match="Permission denied"):
        save_session(path, _rich_session())
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.landscape"]  # the temp file is gone


def test_failed_write_midway_keeps_the_old_file(tmp_path, monkeypatch):
    path, before = _existing(tmp_path)

    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(SessionError, match="Input/output error"):
        save_session(path, _rich_session())
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.landscape"]


def test_failed_json_dumping_keeps_the_old_file(tmp_path, monkeypatch):
    path, before = _existing(tmp_path)

    def broken_dumps(*args, **kwargs):
        raise ValueError("out of ink")

    monkeypatch.setattr(session_module.json, "dumps", broken_dumps)
    with pytest.raises(SessionError, match="out of ink") as info:
        save_session(path, _rich_session())
    assert info.value.path == str(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.landscape"]


def test_invalid_session_is_never_written(tmp_path):
    path, before = _existing(tmp_path)
    session = _rich_session()
    session.state.runs[0].hyperparameters["lr"] = -1.0
    with pytest.raises(SessionError, match=r"runs\[0\]\.hyperparameters: .*greater than 0"):
        save_session(path, session)
    assert path.read_bytes() == before
    with pytest.raises(SessionError):
        save_session(tmp_path / "new.landscape", session)
    assert not (tmp_path / "new.landscape").exists()


def test_save_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path, _ = _existing(tmp_path)
    os.chmod(path, 0o600)
    save_session(path, _rich_session())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_session(path) == _rich_session()


def test_a_session_too_large_to_open_is_not_saved(tmp_path, monkeypatch):
    monkeypatch.setattr(session_module, "MAX_FILE_BYTES", 500)
    with pytest.raises(SessionError, match=r"too large to save .* 3 points"):
        save_session(tmp_path / "big.landscape", _rich_session())
    assert os.listdir(tmp_path) == []


def _long_history_document(
    n: int, rng: np.random.Generator, short: bool = False
) -> tuple[dict, list[np.ndarray]]:
    document = _document()
    columns = []
    history = document["runs"][0]["history"]
    for name in ("x", "y", "f", "gx", "gy"):
        values = rng.uniform(-1e3, 1e3, n)
        if short:  # "3.0, ": five characters a number, as in the tester's 49 MB files
            values = np.round(values / 200)
        values[rng.integers(0, n, 5)] = np.nan
        columns.append(values)
        history[name] = [None if math.isnan(v) else float(v) for v in values]
    return document, columns


def test_long_paths_read_exactly_the_numbers_written():
    document, columns = _long_history_document(20_000, np.random.default_rng(3))
    read = from_json(json.dumps(document)).histories[0]
    for name, column in zip(("x", "y", "f", "gx", "gy"), columns, strict=True):
        assert np.array_equal(getattr(read, name), column, equal_nan=True)


@pytest.mark.parametrize(
    ("bad", "pattern"),
    [
        ("NaN", r"NaN is not a JSON value"),
        ("true", r"history\.x\[7\]: expected a number or null, got true"),
        ('"1"', r"history\.x\[7\]: expected a number or null, got the text"),
        ("1e999", r"history\.x\[7\]: expected a finite number or null"),
        ("[1]", r"history\.x\[7\]: expected a number or null, got a list"),
    ],
)
def test_long_paths_with_a_bad_value_get_the_same_clear_message(bad, pattern):
    document, _ = _long_history_document(5_000, np.random.default_rng(4))
    text = json.dumps(document)
    values = json.dumps(document["runs"][0]["history"]["x"])
    items = values[1:-1].split(", ")
    items[7] = bad
    _raises(text.replace(values, "[" + ", ".join(items) + "]"), pattern)


def test_a_big_file_costs_a_small_multiple_of_its_size(tmp_path):
    """Paths are read straight into arrays: not ~32 bytes of Python float per number."""
    import tracemalloc

    document, _ = _long_history_document(300_000, np.random.default_rng(5), short=True)
    path = tmp_path / "big.landscape"
    path.write_text(json.dumps(document))
    size = path.stat().st_size
    del document
    tracemalloc.start()
    try:
        load_session(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * size, f"peak {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"
