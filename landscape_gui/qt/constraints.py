"""The constraint g(x, y) = c in the window: compiled and traced off the GUI thread, then drawn.

The constraint half of the controller, as RunsController is the descent half. The text lives in
the session state (the controller's ``_change`` makes setting it undoable); this object keeps
only what was computed from it (the compiled g, the traced curve with f along it, the Lagrange
points), each tagged with the inputs it was computed for, and tells the views what to draw.

Compiling g, tracing the curve and solving ∇f = λ∇g all run on workers of the one worker
pattern (qt/worker.py): a typed constraint never freezes the window, and the exact solve is
bounded by core.constraint's time limit (a helper process off the main thread).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from landscape_gui.core import constraint as core_constraint
from landscape_gui.core.constraint import (
    CONSTRAINED_MAXIMUM,
    CONSTRAINED_MINIMUM,
    LAMBDA_MEANING,
    Constraint,
    CurveProfile,
    LagrangeResult,
)
from landscape_gui.core.formula import FormulaError
from landscape_gui.core.landscape import Landscape
from landscape_gui.core.limits import DEFAULT_PARAMETER_VALUE
from landscape_gui.core.numbers import UNDEFINED, readout
from landscape_gui.core.optimizers import CONSTRAINED_OPTIMIZERS, OPTIMIZERS
from landscape_gui.core.presets import CONSTRAINT_PRESETS
from landscape_gui.core.state import SessionState
from landscape_gui.qt.views.formula_panel import display_text
from landscape_gui.qt.worker import WorkerThread

CACHE_SIZE = 8
PARALLEL_DEGREES = 0.5  # an angle this close to 0° or 180° is said to be parallel
# The probe "sits on" a Lagrange point when the curve point is this share of the domain's
# shorter side away from it, or closer.
ON_POINT_SHARE = 0.01
KIND_SHORT = {CONSTRAINED_MAXIMUM: "max", CONSTRAINED_MINIMUM: "min"}


def constraint_text(state: SessionState) -> str | None:
    """The state's constraint as typed, or None (a state from before constraints has none)."""
    text = getattr(state, "constraint", None)
    return text or None


def set_constraint_text(state: SessionState, text: str | None) -> None:
    state.constraint = text or None  # type: ignore[attr-defined]


def _lagrange_words(point) -> str:
    """A Lagrange point's label on the map, two short lines (a long one is cut at the edge)."""
    kind = KIND_SHORT.get(point.kind, point.kind)
    return f"{kind} f = {readout(point.f)}\nλ = {readout(point.lam)}"


@dataclass
class CurveScene:
    """The traced curve of one constraint on one landscape: what the views draw of it."""

    key: tuple
    constraint: Constraint
    profiles: list[CurveProfile]
    points: np.ndarray  # (N, 2), NaN rows between pieces
    lifted: np.ndarray  # (N, 3): x, y, f
    s: np.ndarray  # arc length, continued from piece to piece, NaN at the gaps
    slope: np.ndarray  # ∇f·t at each point
    closed: bool
    cell: float  # the tracing grid's cell: how far a traced point may be from the curve

    @property
    def empty(self) -> bool:
        return not np.isfinite(self.points).any()


def build_curve_scene(key: tuple, constraint: Constraint, landscape: Landscape, resolution: int):
    """Trace g = c over the landscape's domain and work out f along it (no Qt: a worker's)."""
    domain = landscape.domain
    with np.errstate(all="ignore"):
        polylines = core_constraint.trace_curve(constraint, domain, resolution)
        profiles = [core_constraint.along_curve(landscape, constraint, p) for p in polylines]
    gap2, gap3, gap1 = np.full((1, 2), np.nan), np.full((1, 3), np.nan), np.full(1, np.nan)
    offsets = np.cumsum([0.0] + [p.length for p in profiles])
    points_array = _joined([np.column_stack((p.x, p.y)) for p in profiles], gap2)
    lifted_array = _joined([np.column_stack((p.x, p.y, p.f)) for p in profiles], gap3)
    s_array = _joined([p.s + o for p, o in zip(profiles, offsets, strict=False)], gap1)
    slope_array = _joined([p.slope for p in profiles], gap1)
    cell = max(domain.width, domain.height) / max(resolution - 1, 1)
    closed = len(profiles) == 1 and profiles[0].closed
    return CurveScene(
        key, constraint, profiles, points_array, lifted_array, s_array, slope_array, closed, cell
    )


def _joined(chunks: list, gap: np.ndarray) -> np.ndarray:
    """The pieces one after another, a NaN row between each two (connect='finite')."""
    if not chunks:
        return np.empty((0, *gap.shape[1:]))
    out = []
    for index, chunk in enumerate(chunks):
        if index:
            out.append(gap)
        out.append(chunk)
    return np.concatenate(out)


class ConstraintWorker(QObject):
    """Compiles a typed constraint and traces its curve (tens to hundreds of milliseconds)."""

    # request, CurveScene (or (Constraint, None) when no landscape was given), or
    # (message, position) when the text cannot be used
    prepared = Signal(int, object)

    @Slot(int, str, object, object)
    def prepare(self, request: int, text: str, compiled, setup) -> None:
        """``compiled`` is the Constraint already compiled for ``text`` (or None); ``setup`` is
        (key, landscape, resolution, parameter values), or None to only compile."""
        try:
            constraint = compiled
            if constraint is None:
                parameters = setup[3] if setup is not None else None
                constraint = core_constraint.parse_constraint(text, parameters)
            elif setup is not None:
                constraint = constraint.with_parameters(setup[3])
        except FormulaError as error:
            self.prepared.emit(request, (str(error), error.position))
            return
        except Exception as error:  # anything else is still a refusal, never a crash
            self.prepared.emit(request, (f"this constraint cannot be used ({error})", None))
            return
        if setup is None:
            self.prepared.emit(request, (constraint, None))
            return
        key, landscape, resolution, _parameters = setup
        try:
            scene = build_curve_scene(key, constraint, landscape, resolution)
        except Exception as error:
            self.prepared.emit(request, (f"its curve cannot be traced ({error})", None))
            return
        self.prepared.emit(request, scene)


class LagrangeWorker(QObject):
    """Solves ∇f = λ∇g, g = c (exactly within core's time limit, else numerically)."""

    solved = Signal(int, object)  # request, LagrangeResult or a message

    @Slot(int, object, object)
    def solve(self, request: int, landscape: Landscape, constraint: Constraint) -> None:
        try:
            result = core_constraint.lagrange_points(landscape, constraint)
        except Exception as error:  # any failure becomes an answer: the thread carries on
            result = f"the Lagrange points could not be found ({type(error).__name__})"
        self.solved.emit(request, result)


class ConstraintsController(QObject):
    """See the module docstring."""

    prepareRequested = Signal(int, str, object, object)
    solveRequested = Signal(int, object, object)
    curveShown = Signal()  # a curve (or none) is drawn for the current state
    lagrangeShown = Signal()  # the Lagrange points of the current curve are drawn

    def __init__(self, controller):
        super().__init__(controller)
        self.controller = controller
        self._compiled: OrderedDict[str, Constraint] = OrderedDict()
        self._parameters: dict[str, tuple[str, ...]] = {}  # each typed constraint's
        self.scene: CurveScene | None = None  # what is drawn now
        self.lagrange: LagrangeResult | None = None
        self._lagrange_key: tuple | None = None
        self._request = 0
        self._waiting: tuple | None = None  # (request, kind, text, key)
        self._solve_request = 0
        self._caption = ""
        self._worker = ConstraintWorker()
        self._thread = WorkerThread(self._worker, "landscape-constraint")
        self._solver = LagrangeWorker()
        self._solver_thread = WorkerThread(self._solver, "landscape-lagrange")
        self.prepareRequested.connect(self._worker.prepare)
        self._worker.prepared.connect(self._prepared)
        self.solveRequested.connect(self._solver.solve)
        self._solver.solved.connect(self._solved)

    def shutdown(self) -> None:
        self._worker.prepared.disconnect(self._prepared)
        self._solver.solved.disconnect(self._solved)
        self._thread.stop()
        self._solver_thread.stop()

    # The user typed a constraint
    def set_text(self, text: str) -> None:
        """Use a typed constraint: checked and compiled on the worker, then one undoable change;
        an error shows under the box and changes nothing. Empty text removes the constraint."""
        controller = self.controller
        text = text.strip()
        controller.lesson_index = None
        formula = controller.views.formula
        if text == (constraint_text(controller.state) or ""):
            formula.show_constraint_error(None)
            self._waiting = None
            return
        if not text:
            self._waiting = None
            formula.show_constraint_error(None)
            after = controller.state.copy()
            set_constraint_text(after, None)
            for index, run in enumerate(after.runs):
                if run.optimizer in CONSTRAINED_OPTIMIZERS:  # they need a curve to walk on
                    after.runs[index] = run.with_optimizer("gd")
            controller._change(after, "no constraint")
            return
        try:
            parsed = core_constraint.parse_constraint_text(text)  # cheap: errors while typing
        except FormulaError as error:
            self._waiting = None
            formula.show_constraint_error(str(error), error.position)
            controller.message.emit(f"Constraint not used: {error}")
            return
        self._parameters[text] = parsed.parameters
        self._request += 1
        if text in self._compiled and controller.landscape is not None:
            self._use(text)
            return
        self._waiting = (self._request, "compile", text, None)
        controller.message.emit("Working out g and ∇g…")
        self.prepareRequested.emit(self._request, text, None, None)

    def _use(self, text: str) -> None:
        controller = self.controller
        controller.views.formula.show_constraint_error(None)
        after = controller.state.copy()
        set_constraint_text(after, text)
        # The parameters are f's and the constraint's (a new one starts at the usual value).
        names = [*controller.landscape.compiled.parameters, *self._parameters.get(text, ())]
        after.parameters = {
            name: controller.state.parameters.get(name, DEFAULT_PARAMETER_VALUE) for name in names
        }
        controller._change(after, f"constraint {text}")

    def parameter_names(self, text: str | None) -> tuple[str, ...]:
        """The parameters of the constraint ``text`` (parsed when it was typed or drawn)."""
        if text is None:
            return ()
        if text not in self._parameters:
            try:
                self._parameters[text] = core_constraint.parse_constraint_text(text).parameters
            except FormulaError:
                return ()
        return self._parameters[text]

    # Drawing the state's constraint
    def _key(self) -> tuple | None:
        controller = self.controller
        state = controller.state
        text = constraint_text(state)
        if text is None or controller.landscape is None:
            return None
        return (
            text,
            state.formula,
            tuple(sorted(state.parameters.items())),
            state.domain,
            state.resolution,
        )

    def refresh(self) -> None:
        """Draw the current state's constraint: at once when its curve is known, else when the
        worker has traced it (the previous curve stays until then)."""
        controller = self.controller
        text = constraint_text(controller.state)
        controller.views.formula.set_constraint_text(text or "")
        keys = [*OPTIMIZERS, *CONSTRAINED_OPTIMIZERS] if text else list(OPTIMIZERS)
        controller.views.descent.set_available_optimizers(keys)
        state = controller.state
        preset = next(
            (
                p.key
                for p in CONSTRAINT_PRESETS
                if p.constraint == text and p.formula == state.formula
            ),
            None,
        )
        controller.views.formula.set_constraint_preset(preset)
        key = self._key()
        if key is None:
            if self._waiting is not None and self._waiting[1] == "trace":
                self._waiting = None
            if self.scene is not None:
                # The caller (the controller drawing a state) draws the probe next: drawing it
                # here would draw the runs of the state before.
                self._show(None, redraw=False)
            return
        if self.scene is not None and self.scene.key == key:
            return
        if self._waiting is not None and self._waiting[3] == key:
            return
        self._request += 1
        self._waiting = (self._request, "trace", text, key)
        setup = (
            key,
            controller.landscape,
            min(controller.state.resolution, 300),
            dict(controller.state.parameters),
        )
        self.prepareRequested.emit(self._request, text, self._compiled.get(text), setup)

    def _prepared(self, request: int, result) -> None:
        waiting = self._waiting
        if waiting is None or waiting[0] != request:
            return  # superseded
        self._waiting = None
        _, kind, text, key = waiting
        controller = self.controller
        if isinstance(result, tuple) and isinstance(result[0], str):
            message, position = result
            controller.views.formula.show_constraint_error(message, position)
            controller.message.emit(f"Constraint not used: {message}")
            return
        controller.message.emit("")
        if kind == "compile":
            constraint, _ = result
            self._remember(text, constraint)
            if controller.landscape is not None:
                self._use(text)
            return
        self._remember(text, result.constraint)
        if key == self._key():
            self._show(result)

    def _remember(self, text: str, constraint: Constraint) -> None:
        self._compiled[text] = constraint
        self._compiled.move_to_end(text)
        while len(self._compiled) > CACHE_SIZE:
            self._compiled.popitem(last=False)
        runs = self.controller.runs
        if runs.awaiting_curve and self.current() is not None:
            runs.curve_ready()

    def current(self) -> Constraint | None:
        """The state's constraint, compiled, with the state's parameter values (None when
        there is none, or while it is still being compiled)."""
        state = self.controller.state
        text = constraint_text(state)
        compiled = self._compiled.get(text) if text is not None else None
        if compiled is None:
            return None
        return compiled.with_parameters(state.parameters)

    def _show(self, scene: CurveScene | None, redraw: bool = True) -> None:
        controller = self.controller
        views = controller.views
        self.scene = scene
        if scene is None:
            self.lagrange = None
            self._lagrange_key = None
            views.contour.set_constraint(None)
            views.surface.set_constraint_path(None)
            views.slices.set_along_curve(None)
            self._caption = ""
        else:
            label = f"g = c: {display_text(scene.constraint.text)}"
            views.contour.set_constraint(scene.points, label)
            views.surface.set_constraint_path(scene.lifted)
            if self._lagrange_key != scene.key:
                self.lagrange = None
                views.contour.set_lagrange_points([])
                views.surface.set_lagrange_points(None)
                self._solve(scene)
            if scene.empty:
                controller.message.emit(
                    f"The curve {scene.constraint.text} does not cross the map's ranges."
                )
        if redraw:
            controller.redraw_probe()
        self.curveShown.emit()

    def _solve(self, scene: CurveScene) -> None:
        self._solve_request += 1
        self._lagrange_key = scene.key
        self.solveRequested.emit(self._solve_request, self.controller.landscape, scene.constraint)

    def _solved(self, request: int, result) -> None:
        if request != self._solve_request or self.scene is None:
            return
        controller = self.controller
        if isinstance(result, str):
            controller.message.emit(result)
            return
        self.lagrange = result
        self._draw_lagrange()
        if result.notes:
            controller.message.emit(" ".join(result.notes))
        controller.redraw_probe()
        self.lagrangeShown.emit()

    def _draw_lagrange(self, at=None) -> None:
        """Mark the Lagrange points with kind and λ; the one the probe sits on (``at``) has
        its words in the probe's label instead (two labels at one point would cover the
        touching contour)."""
        views = self.controller.views
        points = self.lagrange.points if self.lagrange is not None else []
        views.contour.set_lagrange_points(
            [(p.x, p.y, "" if p is at else _lagrange_words(p)) for p in points]
        )
        views.surface.set_lagrange_points(
            np.array([(p.x, p.y, p.f) for p in points], dtype=float).reshape(-1, 3)
        )

    # The probe
    def draw_probe(self, x: float, y: float, arrow_scale: float) -> None:
        """∇f and ∇g at the curve's point nearest (x, y), the contour of f through it, and the
        probe on the plot of f along the curve; the caption's sentence about it."""
        views = self.controller.views
        scene = self.scene
        landscape = self.controller.landscape
        if scene is None or scene.empty or landscape is None:
            views.contour.set_constraint_probe(None)
            views.surface.set_constraint_probe(None)
            if scene is None:
                views.slices.set_along_curve(None)
            else:
                views.slices.set_along_curve(
                    scene.s, scene.lifted[:, 2], None, None, None, closed=scene.closed
                )
            self._caption = (
                f"The curve {scene.constraint.text} does not cross the map's ranges."
                if scene is not None
                else ""
            )
            return
        point = self.nearest_point(x, y)
        if point is None:
            views.contour.set_constraint_probe(None)
            views.surface.set_constraint_probe(None)
            self._caption = ""
            return
        px, py, index = point
        constraint = scene.constraint
        with np.errstate(all="ignore"):
            f, fx, fy = (float(v) for v in landscape.value_and_gradient(px, py))
            gx, gy = (float(v) for v in constraint.gradient(px, py))
            angle = float(core_constraint.gradient_angle(fx, fy, gx, gy))
            lam = float(core_constraint.lambda_estimate(fx, fy, gx, gy))
            slope = float(core_constraint.tangent_slope(landscape, constraint, px, py))
        label = f"angle(∇f, ∇g) = {angle:.0f}°" if math.isfinite(angle) else "∇f or ∇g = 0"
        at = self._lagrange_at(px, py)
        if at is not None:  # one label at the point: its own words join the angle's
            label = f"∇f ∥ ∇g, angle {angle:.0f}°\n{_lagrange_words(at)}"
        if self.lagrange is not None:
            self._draw_lagrange(at)
        # The two arrows come and go with the gradient arrow (G), as the probe's own does; the
        # touching contour and the angle stay.
        arrows = (
            (fx, fy, gx, gy) if self.controller.state.toggles.gradient_arrow else (math.nan,) * 4
        )
        views.contour.set_constraint_probe(px, py, *arrows, f, arrow_scale, label)
        views.surface.set_constraint_probe(px, py, f, *arrows, arrow_scale)
        lagrange = self.lagrange.points if self.lagrange is not None else []
        marks = [(self._arc_length(p.x, p.y), p.f) for p in lagrange]
        views.slices.set_along_curve(
            scene.s,
            scene.lifted[:, 2],
            float(scene.s[index]),
            f,
            slope,
            lagrange=[m for m in marks if math.isfinite(m[0])],
            closed=scene.closed,
        )
        self._caption = self._sentence(px, py, angle, lam, slope, at)

    def nearest_point(self, x: float, y: float) -> tuple[float, float, int] | None:
        """The point of the curve nearest (x, y) and the index of the traced point nearest it:
        Newton's projection of (x, y) along ∇g when it lands near the nearest traced point
        (then it is exact: on the curve, at the foot of the perpendicular for a circle), else
        the traced point itself moved onto the curve."""
        scene = self.scene
        if scene is None or scene.empty:
            return None
        points = scene.points
        with np.errstate(all="ignore"):
            distance = np.hypot(points[:, 0] - x, points[:, 1] - y)
        index = int(np.nanargmin(distance))
        vx, vy = (float(v) for v in points[index])
        candidates = []
        for sx, sy in ((x, y), (vx, vy)):
            with np.errstate(all="ignore"):
                px, py = scene.constraint.project(np.array([sx]), np.array([sy]))
            px, py = float(px[0]), float(py[0])
            if math.isfinite(px) and math.isfinite(py):
                candidates.append((px, py))
        for px, py in candidates:
            if math.hypot(px - vx, py - vy) <= 2 * scene.cell:
                return px, py, self._index_near(px, py, index)
        return vx, vy, index

    def _index_near(self, px: float, py: float, fallback: int) -> int:
        points = self.scene.points if self.scene is not None else np.empty((0, 2))
        with np.errstate(all="ignore"):
            distance = np.hypot(points[:, 0] - px, points[:, 1] - py)
        if not np.isfinite(distance).any():
            return fallback
        return int(np.nanargmin(distance))

    def _arc_length(self, x: float, y: float) -> float:
        scene = self.scene
        if scene is None or scene.empty:
            return math.nan
        return float(scene.s[self._index_near(x, y, 0)])

    def _lagrange_at(self, px: float, py: float):
        """The Lagrange point the curve's point (px, py) sits on, if any."""
        domain = self.controller.state.domain
        near = ON_POINT_SHARE * min(domain.width, domain.height)
        lagrange = self.lagrange.points if self.lagrange is not None else []
        return next((p for p in lagrange if math.hypot(p.x - px, p.y - py) <= near), None)

    def _sentence(self, px, py, angle, lam, slope, at) -> str:
        """What the caption says about the constraint at the probe's point of the curve."""
        scene = self.scene
        assert scene is not None
        curve = display_text(scene.constraint.text)
        parallel = math.isfinite(angle) and min(angle, 180 - angle) <= PARALLEL_DEGREES
        where = f"({readout(px)}, {readout(py)})"
        shown_angle = f"{angle:.0f}°" if math.isfinite(angle) else UNDEFINED
        if at is not None:
            kind = (
                at.kind if at.kind in KIND_SHORT else "Lagrange point, neither maximum nor minimum"
            )
            return (
                f"On {curve} at {where}: ∇f ∥ ∇g (angle {shown_angle}), the "
                f"contour of f touches the curve: a {kind}, f = {readout(at.f)}, "
                f"λ = {readout(at.lam)} (∇f = λ∇g). {LAMBDA_MEANING}"
            )
        if parallel:
            return (
                f"On {curve} at {where}: ∇f ∥ ∇g (angle {shown_angle}), so "
                f"∇f = λ∇g with λ = {readout(lam)}: f is level along the curve here."
            )
        return (
            f"On {curve} at {where}: the angle between ∇f and ∇g is "
            f"{shown_angle}, so f still changes along the curve (∇f·t = {readout(slope)}). "
            "Where ∇f ∥ ∇g (★) the contour of f only touches the curve: f is largest or "
            "smallest on it there."
        )

    def caption(self) -> str:
        """The caption's sentence about the constraint ('' without one)."""
        return self._caption if self.scene is not None else ""
