"""The controller without a window: fake views record what they were told, and the tests assert
those values (the way ndv tests its controller). The workers are real; no widget is made."""

from __future__ import annotations

import json
import typing
from collections import defaultdict
from typing import Any

import pytest

from landscape_gui.core import limits
from landscape_gui.core.optimizers import OPTIMIZERS
from landscape_gui.core.session import SessionFile, to_json
from landscape_gui.core.state import RunSettings, SessionState
from landscape_gui.qt import typeset
from landscape_gui.qt.controller import Controller
from landscape_gui.qt.view_protocols import Intent, ViewsProtocol


class FakeIntent:
    def __init__(self) -> None:
        self.slots: list = []

    def connect(self, slot, /) -> None:
        self.slots.append(slot)

    def emit(self, *args) -> None:
        for slot in self.slots:
            slot(*args)


class FakeView:
    """Implements a view protocol: intents are FakeIntents, every other method records its
    arguments; ``last(name)`` is what the view was told most recently."""

    def __init__(self, protocol: type) -> None:
        self.calls: dict[str, list[tuple]] = defaultdict(list)
        self._methods = {
            name for name in dir(protocol) if not name.startswith("_") and name != "connect"
        }
        for name, kind in typing.get_type_hints(protocol).items():
            if kind is Intent:
                setattr(self, name, FakeIntent())

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in self._methods:
            raise AttributeError(f"the controller called {name}, which the protocol lacks")

        def record(*args, **kwargs) -> None:
            self.calls[name].append(args + tuple(kwargs.values()))

        return record

    def last(self, name: str) -> tuple:
        assert self.calls[name], f"{name} was never called"
        return self.calls[name][-1]


class FakeViews:
    def __init__(self) -> None:
        for name, protocol in typing.get_type_hints(ViewsProtocol).items():
            setattr(self, name, FakeView(protocol))

    def all(self) -> list[Any]:
        return [getattr(self, name) for name in typing.get_type_hints(ViewsProtocol)]


@pytest.fixture
def headless(qapp, qtbot):
    views = FakeViews()
    controller = Controller(views, SessionState())
    controller.start()
    runs = controller.runs
    qtbot.waitUntil(lambda: runs.recorded_end() > 0, timeout=5000)
    yield controller, views
    controller.shutdown()


def shown_run_settings(views) -> tuple:
    return views.descent.last("set_run_settings")


def test_add_run_shows_its_complete_settings(headless):
    controller, views = headless
    views.descent.runAdded.emit()
    optimizer, hyperparameters, start = shown_run_settings(views)
    assert optimizer == "momentum"
    assert set(hyperparameters) == {p.name for p in OPTIMIZERS["momentum"].hyperparameters}
    assert hyperparameters == controller.state.runs[1].hyperparameters
    assert [row["name"] for row in views.descent.last("set_runs")[0]] == [
        "Gradient descent, lr 0.1",
        f"Momentum, lr {OPTIMIZERS['momentum'].defaults()['lr']:g}",
    ]


def test_select_run_shows_that_runs_settings(headless):
    controller, views = headless
    views.descent.runAdded.emit()
    views.descent.optimizerChanged.emit(1, "adam")
    views.descent.runSelected.emit(0)
    assert shown_run_settings(views)[:2] == ("gd", {"lr": 0.1})
    views.descent.runSelected.emit(1)
    optimizer, hyperparameters, _ = shown_run_settings(views)
    assert optimizer == "adam"
    assert hyperparameters["beta1"] == 0.9 and hyperparameters["beta2"] == 0.999


@pytest.mark.parametrize(
    ("intent", "arguments", "read"),
    [
        ("hyperparameterChanged", (0, "lr", 0.3), lambda s: s.runs[0].hyperparameters["lr"]),
        ("optimizerChanged", (0, "adam"), lambda s: s.runs[0].optimizer),
        ("startEdited", (0, 1.0, -2.0), lambda s: s.runs[0].start),
        ("maxStepsChanged", (77,), lambda s: s.max_steps),
        ("toleranceChanged", (1e-3,), lambda s: s.tolerance),
        ("runVisibilityChanged", (0, False), lambda s: s.runs[0].visible),
    ],
)
def test_undo_and_redo_of_each_setting_redraw_the_panel(headless, intent, arguments, read):
    controller, views = headless
    before = read(controller.state)
    getattr(views.descent, intent).emit(*arguments)
    after = read(controller.state)
    assert after != before
    panel_after = (shown_run_settings(views), views.descent.last("set_limits"))
    controller.undo_stack.undo()
    assert read(controller.state) == before
    # The panel was told the restored values, not left showing the undone ones.
    assert shown_run_settings(views)[:3] == (
        controller.state.runs[0].optimizer,
        controller.state.runs[0].hyperparameters,
        controller.state.runs[0].start,
    )
    assert views.descent.last("set_limits") == (
        controller.state.max_steps,
        controller.state.tolerance,
    )
    controller.undo_stack.redo()
    assert read(controller.state) == after
    assert (shown_run_settings(views), views.descent.last("set_limits")) == panel_after


def test_opening_a_session_draws_its_values(headless, qtbot):
    controller, views = headless
    state = SessionState(
        formula="x^2 + 3xy + y^2",
        preset=None,
        probe=(1.0, -1.0),
        runs=[RunSettings("gd", {"lr": 0.05}, (1.0, -1.0)), RunSettings("adam", {}, (1.0, -1.0))],
        max_steps=40,
    )
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):  # built by the worker
        controller.load_session(SessionFile(state, [None, None], selected_run=1, cursor=0))
    qtbot.waitUntil(lambda: controller.runs.recorded_end() > 0, timeout=5000)
    assert views.formula.last("set_formula_text") == ("x^2 + 3xy + y^2",)
    assert shown_run_settings(views)[0] == "adam"
    assert views.descent.last("set_selected_run") == (1,)
    assert views.descent.last("set_limits")[0] == 40
    # The lesson's own landscape is a saddle: the hint says no learning rate converges.
    controller.select_run(0)
    assert "at any learning rate" in views.descent.last("set_stability_hint")[0]


def test_dark_mode_restyles_every_view_and_recolours_the_mathematics(headless, qtbot):
    controller, views = headless
    qtbot.waitUntil(lambda: controller.analysis is not None, timeout=15000)
    light = views.formula.last("set_math")[1]
    with qtbot.assertNotEmitted(controller.analysisRequested, wait=600):
        controller.set_dark(True)  # nothing is solved again (the wait outlasts the timer)
    for view in (views.surface, views.contour, views.slices, views.descent, views.caption):
        assert view.last("set_style") == (True,)
    dark = views.formula.last("set_math")[1]
    assert set(dark) == set(light) and dark
    for name, svg in light.items():
        if svg is not None:
            assert dark[name] == typeset.recoloured(svg, True) != svg


def test_arrows_are_scale_times_the_gradient_and_vanish_on_flat_ground(headless):
    controller, views = headless
    x, y, gx, gy, f0, scale, note = views.contour.last("set_probe")
    assert (x, y, gx, gy, f0) == pytest.approx((3.0, 4.0, 6.0, 8.0, 25.0))  # the seed's bowl
    assert scale == pytest.approx(0.1) and note == "arrow = 0.1 × ∇f"
    assert views.surface.last("set_probe")[-1] == scale  # the 3D arrow uses the same scale
    views.contour.probeRequested.emit(0.0, 0.0)  # the bottom of the bowl
    note = views.contour.last("set_probe")[-1]
    assert "flat, no uphill direction" in note
    # Near it the ground still slopes: the arrow is only too short to see (not "flat").
    views.contour.probeRequested.emit(0.001, 0.0)
    note = views.contour.last("set_probe")[-1]
    assert "|∇f| = 0.002" in note and "arrow is too short to see" in note
    assert "flat" not in note


def test_a_race_names_its_runs_on_both_maps(headless, qtbot):
    from landscape_gui.qt.views.palette import run_color

    controller, views = headless

    def legend(view) -> list:
        return view.calls["set_run_legend"][-1][0] if view.calls["set_run_legend"] else None

    views.descent.runAdded.emit()
    names = [row["name"] for row in views.descent.last("set_runs")[0]]
    expected = [(name, run_color(i)) for i, name in enumerate(names)]
    qtbot.waitUntil(lambda: legend(views.contour) == expected, timeout=5000)
    assert legend(views.surface) == expected
    views.descent.runVisibilityChanged.emit(0, False)  # a hidden run leaves the legend
    qtbot.waitUntil(lambda: legend(views.contour) == expected[1:], timeout=5000)
    views.descent.runRemoved.emit(0)  # one run left: nothing to tell apart, no legend
    qtbot.waitUntil(lambda: legend(views.contour) == [], timeout=5000)
    assert legend(views.surface) == []


def test_many_critical_points_say_how_many_are_marked(headless, qtbot):
    from landscape_gui.core import calculus

    controller, views = headless
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):
        controller.choose_preset("rastrigin")
    points, note = views.readout.last("set_critical_points")
    marked, map_note = views.contour.last("set_critical_points")
    assert len(marked) == calculus.MAX_CRITICAL_POINTS < len(points)
    assert note == map_note and note.startswith(f"{len(marked)} of {len(points)} marked")
    assert any(abs(x) < 1e-6 and abs(y) < 1e-6 and kind == "minimum" for x, y, kind in marked)


def _marked_by_distance(controller, marked, probe):
    """The marked points other than the global extremes kept whatever the probe, and the
    distance from the probe to the nearest critical point left unmarked."""
    import math

    points = controller.critical_points
    kept = [
        min((p for p in points if p.kind == "minimum"), key=lambda p: p.value),
        max((p for p in points if p.kind == "maximum"), key=lambda p: p.value),
    ]
    keys = {(x, y) for x, y, _kind in marked}
    near = [
        math.hypot(p.x - probe[0], p.y - probe[1])
        for p in points
        if (p.x, p.y) in keys and p not in kept
    ]
    unmarked = [
        math.hypot(p.x - probe[0], p.y - probe[1]) for p in points if (p.x, p.y) not in keys
    ]
    return near, min(unmarked)


@pytest.mark.parametrize("preset", ["rastrigin", "ackley"])
def test_the_marked_critical_points_follow_the_probe(headless, qtbot, preset):
    from landscape_gui.core import calculus

    controller, views = headless
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):
        controller.choose_preset(preset)
    assert len(controller.critical_points) > calculus.MAX_CRITICAL_POINTS
    for probe in [(-4.2, 4.1), (0.3, -0.2), (4.0, -3.9)]:
        controller.set_probe(*probe)
        marked, note = views.contour.last("set_critical_points")
        assert len(marked) == calculus.MAX_CRITICAL_POINTS
        assert note.startswith(f"{len(marked)} of {len(controller.critical_points)} marked")
        near, first_unmarked = _marked_by_distance(controller, marked, probe)
        assert len(near) >= calculus.MAX_CRITICAL_POINTS - 2
        assert max(near) <= first_unmarked  # nearest the probe, wherever it moved
        listed = views.readout.last("set_critical_points")[0]
        assert [(x, y) for x, y, *_ in listed[: len(marked)]] == [(x, y) for x, y, _ in marked]
    # Near the origin, the global minimum there and its neighbours are all marked.
    controller.set_probe(0.3, -0.2)
    marked = views.contour.last("set_critical_points")[0]
    assert any(x == 0.0 and y == 0.0 and kind == "minimum" for x, y, kind in marked)
    assert sum(1 for x, y, _ in marked if max(abs(x), abs(y)) < 1.2) >= 9


def test_a_probe_move_that_keeps_the_marks_does_not_redraw_them(headless, qtbot):
    controller, views = headless
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):
        controller.choose_preset("rastrigin")
    controller.set_probe(0.3, -0.2)
    drawn = len(views.contour.calls["set_critical_points"])
    controller.drag_probe(0.31, -0.2)  # a drag's next position: the same nearest points
    assert len(views.contour.calls["set_critical_points"]) == drawn


def test_the_workers_wait_while_the_views_take_a_new_landscape(headless, qtbot):
    """The runs' preview, asked for half-way through drawing a landscape, was computed beside
    the rest of the drawing, and each waited for the interpreter lock the other held."""
    from landscape_gui.core import pacing

    controller, views = headless
    held_while_drawn: list[bool] = []
    views.surface.set_surface = lambda *args: held_while_drawn.append(pacing.workers_held())
    views.slices.set_directional = lambda *args: held_while_drawn.append(pacing.workers_held())
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):
        controller.set_formula("x^2 + 2y^2")
    assert held_while_drawn == [True, True]  # the surface first, the fan of slopes last
    assert not pacing.workers_held()  # and let go after (no window holds them on)


def test_the_runs_first_steps_at_the_probe_do_not_draw_the_probe_again(headless, qtbot):
    """The runs start at the probe: their preview, drawn a moment after the landscape, shows
    the point already on screen, which is not drawn a second time (it costs a stall)."""
    controller, views = headless
    runs = controller.runs
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):
        controller.set_formula("x^2 + 2y^2")
    drawn = len(views.slices.calls["set_x_slice"])
    with qtbot.waitSignal(runs.previewShown, timeout=5000):
        pass
    assert runs.cursor == 0 and runs.recorded_end() > 0
    assert len(views.slices.calls["set_x_slice"]) == drawn
    runs.step(1)  # a step moves the point: drawn there
    assert len(views.slices.calls["set_x_slice"]) == drawn + 1
    x, y = controller.state.runs[0].start
    assert views.readout.last("set_readout")[:2] != (x, y)


def test_s_hides_the_slices_but_not_the_fan_of_slopes(headless):
    controller, views = headless
    controller.set_toggle("slices", True)
    controller.set_toggle("gradient_arrow", True)
    assert views.slices.last("set_parts") == (True, True)
    controller.set_toggle("slices", False)
    assert views.slices.last("set_parts") == (False, True)  # the fan belongs to the gradient
    fans = len(views.slices.calls["set_directional"])
    controller.set_probe(1.0, 2.0)
    assert len(views.slices.calls["set_directional"]) > fans  # and still follows the probe
    controller.set_toggle("gradient_arrow", False)
    assert views.slices.last("set_parts") == (False, False)


@pytest.mark.parametrize(
    ("setter", "value"),
    [
        ("set_max_steps", limits.MAX_STEPS + 1),
        ("set_tolerance", limits.TOLERANCE_LIMIT * 2),
        ("set_resolution", limits.MAX_RESOLUTION + 1),
        ("set_resolution", limits.MIN_RESOLUTION - 1),
        ("set_domain", (-2 * limits.COORDINATE_LIMIT, 1.0, -1.0, 1.0)),
        ("set_probe", (2 * limits.COORDINATE_LIMIT, 0.0)),
    ],
)
def test_the_controller_refuses_what_a_session_file_could_not_hold(headless, setter, value):
    """The window and the session file share one set of limits (core/limits.py): a value the
    file would refuse is refused when it is set, so every session the window holds can be saved
    and opened again."""
    controller, _views = headless
    before = controller.state.copy()
    arguments = value if isinstance(value, tuple) and setter != "set_domain" else (value,)
    getattr(controller, setter)(*arguments)
    assert controller.state == before
    to_json(SessionFile(controller.state, [None] * len(controller.state.runs)))


def test_a_lesson_stage_chosen_before_the_first_landscape_arrives_is_drawn(qapp, qtbot):
    """The first landscape is built by the worker; a lesson stage chosen before it arrived
    superseded its request, and as the stage's landscape equals the start-up one, nothing was
    ever drawn (found by the layout probe, which chooses a stage at once)."""
    views = FakeViews()
    controller = Controller(views, SessionState())
    try:
        controller.start()
        controller.show_lesson_stage(3)  # at once: the start-up scene is still on its way
        qtbot.waitUntil(lambda: controller.landscape is not None, timeout=30000)
        assert controller.lesson_index == 3
        assert views.surface.last("set_surface") is not None
    finally:
        controller.shutdown()


def test_the_controller_keeps_the_camera_the_view_reports(headless):
    controller, views = headless
    views.descent.maxStepsChanged.emit(77)  # an edit, to undo below
    steps = controller.undo_stack.count()
    camera = {"distance": 9.0, "elevation": 12.0, "azimuth": 33.0, "center": [0.5, -1.0, 2.0]}
    views.surface.cameraMoved.emit(camera)
    assert controller.state.camera == camera
    # Looking is not editing: no undo step, and undoing an edit leaves the camera alone.
    assert controller.undo_stack.count() == steps
    controller.undo_stack.undo()
    assert controller.state.max_steps != 77
    assert controller.state.camera == camera
    # The session file is written from the controller's state.
    saved = json.loads(to_json(SessionFile(controller.state.copy(), [None], 0, 0)))
    assert saved["camera"] == camera


def test_opening_a_session_tells_the_view_its_camera(headless, qtbot):
    controller, views = headless
    camera = {"distance": 9.0, "elevation": 12.0, "azimuth": 33.0, "center": [0.0, 0.0, 1.0]}
    state = SessionState(camera=camera)
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):
        controller.load_session(SessionFile(state, [None], selected_run=0, cursor=0))
    assert views.surface.last("set_camera_state") == (camera,)
    assert controller.state.camera == camera
    # A file without a camera is seen from the default one.
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):
        controller.load_session(SessionFile(SessionState(), [None], selected_run=0, cursor=0))
    assert views.surface.calls["reset_view"]
