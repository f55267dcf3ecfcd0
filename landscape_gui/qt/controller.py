"""The controller: owns the session state and is the one bridge between state, views and workers.

It writes to the views only through the protocols in view_protocols.py, so it runs headless
with fake views in the tests.

Views only draw what they are given and report what the user did; the core only computes. Every
user change goes through here: validated, applied to a copy of the state, pushed on the undo
stack, and then drawn by ``_apply``, which is the single place views are updated from state.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from landscape_gui import startup
from landscape_gui.core import arrows, calculus, colorscale, lesson
from landscape_gui.core.formula import FormulaError, parse_formula, to_input_syntax
from landscape_gui.core.landscape import (
    DEFAULT_PARAMETER_VALUE,
    CompiledFormula,
    Domain,
    GridSample,
    Landscape,
    marked_critical_points,
    merge_critical_points,
)
from landscape_gui.core.optimizers import OPTIMIZERS
from landscape_gui.core.presets import PRESETS_BY_KEY, preset_for_formula
from landscape_gui.core.scene import SceneError, build_scene
from landscape_gui.core.state import TOGGLES, RunSettings, SessionState
from landscape_gui.qt import typeset
from landscape_gui.qt.runs import RunsController
from landscape_gui.qt.view_protocols import ViewsProtocol
from landscape_gui.qt.worker import AnalysisWorker, CompileWorker, WorkerThread

MAX_RUNS = 8

COMPILED_CACHE_SIZE = 16
ANALYSIS_DELAY_MS = 400
GRADIENT_FIELD_SIZE = 15
ARROW_SAMPLES = 41  # a 41 x 41 look at |grad f| chooses the landscape's arrow scale
FAN_SAMPLES = 181


class _StateChange(QUndoCommand):
    """An undoable change: the whole state before and after (small plain data, cheap to copy)."""

    def __init__(
        self,
        controller: Controller,
        before: SessionState,
        after: SessionState,
        text: str,
        merge_key: str | None = None,
    ):
        super().__init__(text)
        self.controller = controller
        self.before = before
        self.after = after
        self.merge_key = merge_key

    def id(self) -> int:  # Qt override: equal ids of consecutive commands may merge
        return -1 if self.merge_key is None else hash(self.merge_key) & 0x7FFFFFFF

    failed = False  # the change could not be applied: the stack drops it (setObsolete)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt override)
        # A slider drag is one undo step, not hundreds.
        if not isinstance(other, _StateChange) or other.merge_key != self.merge_key or other.failed:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self._applied(self.controller._apply(self.after))

    def undo(self) -> None:
        self._applied(self.controller._apply(self.before))

    def _applied(self, ok: bool) -> None:
        # A change that cannot be applied was rolled back by _apply; an obsolete command is
        # deleted by the stack instead of being pushed (or kept for another undo or redo).
        if not ok:
            self.failed = True
            self.setObsolete(True)


class Controller(QObject):
    landscapeChanged = Signal()  # a new landscape is drawn (formula, parameters or domain)
    probeChanged = Signal(float, float)
    message = Signal(str)  # a short status-bar message

    analysisRequested = Signal(int, object, object)  # to the worker (queued)
    compileRequested = Signal(int, object, object)  # request, formula, state to draw (or None)

    def __init__(self, views: ViewsProtocol, state: SessionState | None = None, parent=None):
        super().__init__(parent)
        self.views = views
        self.state = state.copy() if state else SessionState()
        self.undo_stack = QUndoStack(self)
        self._compiled: OrderedDict[str, CompiledFormula] = OrderedDict()
        self.landscape: Landscape | None = None
        self.grid: GridSample | None = None
        self.z_limits = (0.0, 1.0)
        self.color_scale_mode = "auto"
        self.color_scale = "linear"
        self.arrow_scale = 1.0  # gradient arrows are arrow_scale × ∇f long (per landscape)
        self._field_scale: float | None = None
        self.critical_points: list[calculus.CriticalPoint] = []
        self._marked_critical: frozenset[tuple[float, float]] | None = None
        self.analysis: calculus.SymbolicAnalysis | None = None
        self._analysis_generation = 0
        self._shown_point: tuple[float, float] | None = None
        self._probe_gesture = 0  # a click or a drag: one undo step each
        self._loading = None  # a session being opened: its recorded runs replace recomputing
        self.lesson_index: int | None = None
        self._analysed_key: tuple | None = None
        self._requested_key: tuple | None = None
        self._failed_analysis_key: tuple | None = None
        self._dark = False
        self._math: tuple[dict[str, str], dict[str, bytes | None]] = ({}, {})
        self._scenes: dict[tuple, object] = {}  # scenes the compile worker built, by _scene_key

        self._analysis_timer = QTimer(self)
        self._analysis_timer.setSingleShot(True)
        self._analysis_timer.setInterval(ANALYSIS_DELAY_MS)
        self._analysis_timer.timeout.connect(self._request_analysis)
        self._analysis_worker = AnalysisWorker()
        self._analysis_thread = WorkerThread(self._analysis_worker, "landscape-analysis")
        self.analysisRequested.connect(self._analysis_worker.analyse)
        self._analysis_worker.finished.connect(self._analysis_finished)
        self._compile_request = 0
        self._compile_waiting = None
        self._compile_worker = CompileWorker()
        self._compile_thread = WorkerThread(self._compile_worker, "landscape-compile")
        self.compileRequested.connect(self._compile_worker.compile)
        self._compile_worker.compiled.connect(self._compiled_ready)

        views.formula.formulaEdited.connect(self.set_formula)
        views.formula.presetChosen.connect(self.choose_preset)
        views.formula.domainEdited.connect(self.set_domain)
        views.formula.domainResetRequested.connect(self.reset_domain)
        views.formula.parameterChanged.connect(self.set_parameter)
        views.contour.probeRequested.connect(self.set_probe)
        views.contour.probeDragged.connect(self.drag_probe)
        views.contour.hovered.connect(self.hover)
        views.contour.hoverEnded.connect(self.end_hover)
        views.readout.criticalPointChosen.connect(self.set_probe)

        self.runs = RunsController(self)
        self.runs.statusChanged.connect(self.message)  # "finished: press R to reset", ...
        panel = views.descent
        panel.runSelected.connect(self.select_run)
        panel.runAdded.connect(self.add_run)
        panel.runRemoved.connect(self.remove_run)
        panel.runVisibilityChanged.connect(self.set_run_visible)
        panel.optimizerChanged.connect(self.set_run_optimizer)
        panel.hyperparameterChanged.connect(self.set_run_hyperparameter)
        panel.startEdited.connect(self.set_run_start)
        panel.maxStepsChanged.connect(self.set_max_steps)
        panel.toleranceChanged.connect(self.set_tolerance)
        panel.firstRequested.connect(self.runs.first)
        panel.stepBackRequested.connect(self.runs.step_back)
        panel.stepRequested.connect(self.runs.step)
        panel.playToggled.connect(self.runs.toggle_play)
        panel.resetRequested.connect(self.runs.reset)
        panel.speedChanged.connect(self.runs.set_speed)
        panel.basinsToggled.connect(lambda on: self.set_toggle("basins", on))

    # Start-up and shutdown
    def start(self) -> None:
        """Draw the initial state (not undoable: there is nothing before it)."""
        self._apply(self.state, force=True)

    def shutdown(self) -> None:
        """Stop every worker without waiting for slow work (see WorkerThread.stop): closing the
        window never blocks for long, and no answer arrives after it."""
        self._analysis_timer.stop()
        self._compile_waiting = None
        self._analysis_worker.finished.disconnect(self._analysis_finished)
        self._compile_worker.compiled.disconnect(self._compiled_ready)
        self.runs.shutdown()
        self._compile_thread.stop()
        self._analysis_thread.stop()

    def compile_formula(self, text: str, formula, then, failed) -> None:
        """``then(compiled)`` once the compile worker has compiled ``formula`` (a session's),
        or ``failed(message)``: the path a typed formula takes, never the GUI thread."""
        self._when_compiled((text, formula), lambda: then(self._compiled[text]), failed)

    def load_session(self, session, scene=None) -> bool:
        """Replace everything with a session read from a file (already validated, its formula
        compiled and its ``scene`` built off the GUI thread). Returns False, with everything
        as it was (state, undo history, runs), when its landscape cannot be drawn."""
        selected = self.runs.selected
        self.runs.select(session.selected_run)
        self._loading = session
        try:
            ok = self._apply(session.state, force=True, scene=scene)
        finally:
            self._loading = None
        if not ok:
            self.runs.select(selected)
            return False
        self._failed_analysis_key = None
        self.undo_stack.clear()
        if session.state.camera:
            self.views.surface.set_camera_state(session.state.camera)
        self.undo_stack.setClean()
        return True

    # User changes (each one undoable)
    def _change(self, after: SessionState, text: str, merge_key: str | None = None) -> bool:
        """Apply ``after`` as one undoable step; False (nothing changed) when it cannot be."""
        command = _StateChange(self, self.state.copy(), after, text, merge_key)
        self.undo_stack.push(command)
        return not command.failed

    def set_formula(self, text: str) -> bool:
        """Use a typed formula. A bad one shows its error and changes nothing else.

        Parsing happens at once (so errors show while typing); differentiating and compiling
        a formula not seen before happens on the compile worker, and the landscape changes
        when it is done (``landscapeChanged``). Returns False for a formula with an error.
        """
        text = text.strip()
        self.lesson_index = None  # the user took over from the lesson
        try:
            formula = parse_formula(text)
        except FormulaError as error:
            self.views.formula.show_error(str(error), error.position)
            self.message.emit(f"Formula not used: {error}")
            return False
        self.views.formula.show_error(None)
        if text == self.state.formula:
            self._when_compiled(None)  # cancels a slower formula still compiling
            return True

        def with_formula() -> SessionState:
            after = self.state.copy()
            after.formula = text
            preset = preset_for_formula(text)
            after.preset = preset.key if preset else None
            after.parameters = {
                name: self.state.parameters.get(name, DEFAULT_PARAMETER_VALUE)
                for name in formula.parameters
            }
            return after

        self._when_compiled(
            (text, formula),
            lambda: self._change(with_formula(), f"formula {text}"),
            drawn=with_formula(),
        )
        return True

    def _when_compiled(self, pending, then=None, failed=None, drawn=None) -> None:
        """Run ``then`` once ``pending`` = (text, formula) is compiled: at once when it is in
        the cache, else when the compile worker answers. Only the latest request counts.
        ``failed`` (optional) takes the message when it cannot be compiled; by default the
        formula panel shows it. ``drawn`` is the state ``then`` will apply: the worker builds
        its scene too, so no sampling or critical-point search runs on the GUI thread."""
        self._compile_request += 1
        superseded, self._compile_waiting = self._compile_waiting, None
        if superseded is not None and superseded[3] is not None:
            superseded[3]("another formula was chosen while it was being compiled")
        if pending is None:
            return
        text, formula = pending
        compiled = self._compiled.get(text)
        if compiled is not None and (drawn is None or _scene_key(drawn) in self._scenes):
            then()
            return
        key = None if drawn is None else _scene_key(drawn)
        self._compile_waiting = (self._compile_request, text, then, failed, key)
        self.message.emit("Working out the derivatives…" if compiled is None else "Drawing…")
        self.compileRequested.emit(self._compile_request, compiled or formula, drawn)

    def _compiled_ready(self, request: int, result) -> None:
        waiting = self._compile_waiting
        if waiting is None or waiting[0] != request:
            return  # superseded by a newer formula
        self._compile_waiting = None
        _, text, then, failed, key = waiting
        if isinstance(result, str):
            if failed is not None:
                self.message.emit("")
                failed(result)
                return
            self.views.formula.show_error(result)
            self.message.emit(f"Formula not used: {result}")
            return
        compiled, scene = result
        self._remember_compiled(text, compiled)
        self._scenes.clear()  # only the one about to be drawn is worth keeping
        if scene is not None and key is not None:
            self._scenes[key] = scene  # a Scene, or the SceneError that refuses it
        self.message.emit("")
        then()

    def choose_preset(self, key: str) -> None:
        preset = PRESETS_BY_KEY[key]
        self.lesson_index = None
        self.views.formula.show_error(None)
        self._when_compiled(
            (preset.formula, parse_formula(preset.formula)),
            lambda: self._change(self._preset_state(preset), f"preset {preset.name}"),
            drawn=self._preset_state(preset),
        )

    # The lesson (L / Shift+L)
    def next_lesson_stage(self) -> None:
        index = 0 if self.lesson_index is None else self.lesson_index + 1
        self.show_lesson_stage(min(index, len(lesson.STAGES) - 1))

    def previous_lesson_stage(self) -> None:
        index = 0 if self.lesson_index is None else self.lesson_index - 1
        self.show_lesson_stage(max(index, 0))

    def show_lesson_stage(self, index: int) -> None:
        stage = lesson.STAGES[index]

        def use() -> None:
            self.lesson_index = index
            after = self.state.copy()
            after.formula = stage.formula
            preset = preset_for_formula(stage.formula)
            after.preset = preset.key if preset else None
            after.parameters = {}
            after.domain = stage.domain
            after.probe = stage.probe
            for name, on in stage.toggles.items():
                setattr(after.toggles, name, on)
            after.runs = [RunSettings("gd", {"lr": stage.learning_rate}, stage.probe)]
            self.runs.select(0)
            self._change(after, f"lesson: {stage.title}")
            self.runs.redraw()  # the caption tells the stage's story

        self.views.formula.show_error(None)
        self._when_compiled((stage.formula, parse_formula(stage.formula)), use)

    def lesson_caption(self) -> str | None:
        if self.lesson_index is None:
            return None
        stage = lesson.STAGES[self.lesson_index]
        return (
            f"Lesson {self.lesson_index + 1} of {len(lesson.STAGES)}, {stage.title}: {stage.text}"
        )

    def _preset_state(self, preset) -> SessionState:
        key = preset.key
        after = self.state.copy()
        after.formula = preset.formula
        after.preset = key
        after.parameters = {}
        after.domain = preset.domain
        after.probe = preset.start
        for run in after.runs:
            run.start = preset.start
            run.hyperparameters = {**run.hyperparameters, "lr": preset.learning_rate}
        return after

    def set_domain(self, values) -> None:
        try:
            domain = Domain(*(float(v) for v in values))
        except ValueError as error:
            self.message.emit(f"Ranges not used: {error}")
            self.views.formula.set_domain(self.state.domain.as_tuple())
            return
        if domain == self.state.domain:
            return
        after = self.state.copy()
        after.domain = domain
        self._change(after, "ranges", merge_key="domain")

    def reset_domain(self) -> None:
        preset = PRESETS_BY_KEY.get(self.state.preset) if self.state.preset else None
        self.set_domain((preset.domain if preset else Domain()).as_tuple())

    def set_parameter(self, name: str, value: float) -> None:
        if name not in self.state.parameters or not math.isfinite(value):
            return
        after = self.state.copy()
        after.parameters[name] = float(value)
        self._change(after, f"parameter {name}", merge_key=f"parameter {name}")

    def set_resolution(self, resolution: int) -> None:
        if resolution != self.state.resolution and 20 <= resolution <= 1000:
            after = self.state.copy()
            after.resolution = int(resolution)
            self._change(after, f"{resolution} × {resolution} grid")

    def set_toggle(self, name: str, on: bool) -> None:
        if name not in TOGGLES:
            raise ValueError(f"no view toggle called {name}")
        after = self.state.copy()
        setattr(after.toggles, name, bool(on))
        self._change(after, name.replace("_", " "))

    def set_probe(self, x: float, y: float) -> None:
        """Move the probe, which is also where every run starts (a race starts together).
        Each call is its own undo step; the moves of one drag merge into it (drag_probe)."""
        self._probe_gesture += 1
        self.drag_probe(x, y)

    def drag_probe(self, x: float, y: float) -> None:
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        after = self.state.copy()
        after.probe = (float(x), float(y))
        for run in after.runs:
            run.start = (float(x), float(y))
        self._change(after, "start point", merge_key=f"probe {self._probe_gesture}")
        self.probeChanged.emit(float(x), float(y))

    def show_point(self, x: float, y: float) -> None:
        """Show the readout, arrow and slices at a point without changing any setting
        (the descent's current point as it moves)."""
        self._shown_point = (float(x), float(y))
        self._draw_probe()

    # Descent runs (the race)
    def select_run(self, index: int) -> None:
        if 0 <= index < len(self.state.runs):
            self.runs.select(index)
            self.runs.redraw()
            if self.state.toggles.basins:
                self.runs.update_basins()  # the map follows the selected run's optimizer

    def add_run(self) -> None:
        if len(self.state.runs) >= MAX_RUNS:
            self.message.emit(f"At most {MAX_RUNS} runs race at once.")
            return
        after = self.state.copy()
        base = after.runs[self.runs.selected] if after.runs else RunSettings()
        used = {run.optimizer for run in after.runs}
        optimizer = next((key for key in OPTIMIZERS if key not in used), base.optimizer)
        after.runs.append(RunSettings(optimizer, {}, base.start))
        self.runs.select(len(after.runs) - 1)
        self._change(after, "add run")

    def remove_run(self, index: int) -> None:
        if len(self.state.runs) <= 1 or not 0 <= index < len(self.state.runs):
            return
        after = self.state.copy()
        del after.runs[index]
        self.runs.select(min(self.runs.selected, len(after.runs) - 1))
        self._change(after, "remove run")

    def set_run_visible(self, index: int, visible: bool) -> None:
        if 0 <= index < len(self.state.runs):
            after = self.state.copy()
            after.runs[index].visible = bool(visible)
            self._change(after, "show run" if visible else "hide run")

    def set_run_optimizer(self, index: int, key: str) -> None:
        if key not in OPTIMIZERS or not 0 <= index < len(self.state.runs):
            return
        after = self.state.copy()
        after.runs[index] = after.runs[index].with_optimizer(key)
        self._change(after, f"optimizer {OPTIMIZERS[key].name}")

    def set_run_hyperparameter(self, index: int, name: str, value: float) -> None:
        if not 0 <= index < len(self.state.runs):
            return
        spec = OPTIMIZERS[self.state.runs[index].optimizer]
        try:
            value = spec.parameter(name).validate(value, spec.name)
        except ValueError as error:
            self.message.emit(str(error))
            self.runs.redraw()
            return
        after = self.state.copy()
        after.runs[index].hyperparameters[name] = value
        self._change(after, f"{name} = {value:g}", merge_key=f"hyper {index} {name}")

    def scale_learning_rate(self, factor: float) -> None:
        """+ and − in class: double or halve the selected run's learning rate."""
        index = self.runs.selected
        if not 0 <= index < len(self.state.runs):
            return
        current = self.state.runs[index].learning_rate
        if current is None:
            return
        self.set_run_hyperparameter(index, "lr", current * factor)
        self.message.emit(f"learning rate {current * factor:g}")

    def set_run_start(self, index: int, x: float, y: float) -> None:
        if not (0 <= index < len(self.state.runs) and math.isfinite(x) and math.isfinite(y)):
            return
        after = self.state.copy()
        after.runs[index].start = (float(x), float(y))
        if index == self.runs.selected:
            after.probe = (float(x), float(y))
        self._change(after, "start point", merge_key=f"start {index}")

    def set_max_steps(self, steps: int) -> None:
        if steps >= 1 and steps != self.state.max_steps:
            after = self.state.copy()
            after.max_steps = int(steps)
            self._change(after, "step limit", merge_key="max steps")

    def set_tolerance(self, tolerance: float) -> None:
        if math.isfinite(tolerance) and tolerance > 0 and tolerance != self.state.tolerance:
            after = self.state.copy()
            after.tolerance = float(tolerance)
            self._change(after, "tolerance", merge_key="tolerance")

    def hover(self, x: float, y: float) -> None:
        if self.landscape is None:
            return
        r = self.landscape.at(x, y)
        self.views.contour.set_hover_text(
            f"x = {_short(r.x)}   y = {_short(r.y)}   f = {_short(r.f)}\n"
            f"∂f/∂x = {_short(r.df_dx)}   ∂f/∂y = {_short(r.df_dy)}   |∇f| = {_short(r.grad_norm)}"
        )

    def end_hover(self) -> None:
        """The hover readout shows only while the pointer is on the map (and never in an
        exported picture): numbers left behind would describe a point no one points at."""
        self.views.contour.set_hover_text("")

    # Applying state to the views
    def _compile(self, text: str) -> CompiledFormula:
        """The compiled formula from the cache; compiled here only when it is not there
        (start-up, opening a session, or undoing past the cache)."""
        compiled = self._compiled.get(text)
        if compiled is None:
            compiled = CompiledFormula(parse_formula(text))
        self._remember_compiled(text, compiled)
        return compiled

    def _remember_compiled(self, text: str, compiled: CompiledFormula) -> None:
        self._compiled[text] = compiled
        self._compiled.move_to_end(text)
        while len(self._compiled) > COMPILED_CACHE_SIZE:
            self._compiled.popitem(last=False)

    def _apply(self, state: SessionState, force: bool = False, scene=None) -> bool:
        """Make ``state`` the current one and draw it. A state whose landscape cannot be built
        is refused before anything changes; if drawing fails half-way, the previous state is
        drawn again. Either way the user gets one message and False."""
        previous = self.state
        landscape_changed = force or (
            previous.formula != state.formula
            or previous.parameters != state.parameters
            or previous.domain != state.domain
            or previous.resolution != state.resolution
        )
        if landscape_changed and scene is None:
            scene = self._scenes.pop(_scene_key(state), None)  # built by the worker
            if isinstance(scene, SceneError):
                self._refuse(state, str(scene))
                return False
        if landscape_changed and scene is None:
            try:
                scene = build_scene(self._compile(state.formula), state)
            except (SceneError, FormulaError) as error:
                self._refuse(state, str(error))
                return False
            except Exception as error:  # compiling outside the worker (undo past the cache)
                self._refuse(state, f"it cannot be computed here ({error})")
                return False
        if not landscape_changed:
            scene = None
        try:
            self._draw_state(state, previous, scene, force)
        except Exception as error:  # a view could not draw it: put the previous state back
            startup.log().exception("drawing a new state failed; drawing the previous one again")
            self.state = previous
            try:
                self._draw_state(previous, state, self._rebuilt(previous), True)
            except Exception:
                startup.log().exception("drawing the previous state failed too")
            self._refuse(state, f"it could not be drawn ({type(error).__name__}: {error})")
            return False
        return True

    def _rebuilt(self, state: SessionState):
        return build_scene(self._compile(state.formula), state)

    def _refuse(self, state: SessionState, reason: str) -> None:
        """One message for a change that was not applied; the views show the current state."""
        views = self.views
        if state.formula != self.state.formula:
            views.formula.show_error(f"Not used: this landscape cannot be drawn, because {reason}.")
        views.formula.set_preset(self.state.preset)
        views.formula.set_domain(self.state.domain.as_tuple())
        views.formula.set_parameters(dict(self.state.parameters))
        self.message.emit(f"Nothing changed: the landscape cannot be drawn, because {reason}.")

    def _draw_state(self, state: SessionState, previous: SessionState, scene, force) -> None:
        self.state = state.copy()
        views = self.views
        views.formula.set_formula_text(state.formula)
        views.formula.set_preset(state.preset)
        views.formula.set_domain(state.domain.as_tuple())
        views.formula.set_parameters(dict(state.parameters))
        if scene is not None:
            self._show_scene(scene, formula_changed=force or previous.formula != state.formula)
        self._draw_toggles()
        if scene is None and previous.probe != state.probe:
            self._mark_critical_points()
        self._shown_point = None
        runs_changed = scene is not None or _run_setup(previous) != _run_setup(state)
        basins_changed = previous.toggles.basins != state.toggles.basins
        if state.toggles.basins and (runs_changed or basins_changed):
            self.runs.update_basins()
        elif basins_changed:
            self.runs.update_basins()  # hides the overlay
        self.views.descent.set_basins_checked(state.toggles.basins)
        if self._loading is not None:
            loading = self._loading
            self.runs.restore(loading.histories, loading.selected_run, loading.cursor)
        elif runs_changed:
            self.runs.reconfigure()  # draws the probe at the (new) start
        else:
            self.runs.redraw()
        self._draw_probe()
        if scene is not None:
            self.landscapeChanged.emit()

    def _show_scene(self, scene, formula_changed: bool) -> None:
        compiled = scene.landscape.compiled
        self.landscape = scene.landscape
        self.grid = scene.grid
        self.z_limits = scene.z_limits
        self.arrow_scale = self._choose_arrow_scale()
        self._draw_heights()
        self.end_hover()  # the old readout described the old landscape
        # Exact points from an earlier analysis stay valid while only the ranges change.
        exact = self.analysis.critical_points if self._analysis_is_current() else []
        self._show_critical_points(scene.critical_points, exact)
        if formula_changed:
            self.analysis = None
            fx, fy = compiled.df_dx_expr, compiled.df_dy_expr
            self._math = (
                {
                    "f": f"f(x, y) = {to_input_syntax(compiled.formula.expr)}",
                    "df_dx": f"∂f/∂x = {to_input_syntax(fx)}",
                    "df_dy": f"∂f/∂y = {to_input_syntax(fy)}",
                    "grad": f"∇f = ({to_input_syntax(fx)}, {to_input_syntax(fy)})",
                },
                {},
            )
            self._show_math()
        self._analysis_timer.start()

    def _choose_arrow_scale(self) -> float:
        """One arrow scale per landscape, from how steep it is across the domain."""
        d = self.state.domain
        xs = np.linspace(d.x_min, d.x_max, ARROW_SAMPLES)
        ys = np.linspace(d.y_min, d.y_max, ARROW_SAMPLES)
        gx, gy = self.landscape.gradient(*np.meshgrid(xs, ys, indexing="ij"))
        with np.errstate(over="ignore", invalid="ignore"):
            norms = np.hypot(gx, gy)
        return arrows.arrow_scale(norms, min(d.width, d.height))

    def _show_critical_points(self, numeric, exact) -> None:
        self.critical_points = merge_critical_points(numeric, exact, self.state.domain)
        self._marked_critical = None
        self._mark_critical_points()

    def _mark_critical_points(self) -> None:
        """Mark the points nearest the probe: chosen again whenever the probe moves, so on
        Rastrigin the marks follow the probe rather than staying where the analysis found it.
        The views are told only when the chosen set changes (a drag moves the probe often)."""
        marked = marked_critical_points(self.critical_points, self.state.probe)
        chosen = frozenset((p.x, p.y) for p in marked)
        if chosen == self._marked_critical:
            return
        self._marked_critical = chosen
        # The list holds every point, the marked ones (nearest the probe) first.
        listed = marked + [p for p in self.critical_points if p not in marked]
        points = [(p.x, p.y, p.kind, p.value, p.exact is not None) for p in listed]
        note = ""
        if len(marked) < len(self.critical_points):
            note = (
                f"{len(marked)} of {len(self.critical_points)} marked on the map: the lowest "
                "minimum, the highest maximum and those nearest the probe."
            )
        elif not self.critical_points:
            note = "None inside the x and y ranges."
        self.views.readout.set_critical_points(points, note)
        self.views.contour.set_critical_points([(p.x, p.y, p.kind) for p in marked], note)

    def _analysis_key(self) -> tuple:
        return (self.state.formula, tuple(sorted(self.state.parameters.items())))

    def _analysis_is_current(self) -> bool:
        return self.analysis is not None and self._analysed_key == self._analysis_key()

    def _request_analysis(self) -> None:
        if self.landscape is None or self._analysis_is_current():
            return
        if self._failed_analysis_key == self._analysis_key():
            return  # it failed for this formula and these parameters: do not try again
        self._analysis_generation += 1
        self._requested_key = self._analysis_key()
        self.analysisRequested.emit(
            self._analysis_generation,
            self.landscape.compiled.formula.expr,
            self.landscape.expression(),
        )

    def _analysis_finished(self, generation: int, result) -> None:
        stale = generation != self._analysis_generation or self._requested_key != (
            self._analysis_key()
        )
        if stale or self.landscape is None:
            return  # an answer about a formula or parameters no longer on screen
        if isinstance(result, str):
            # The plain derivatives stay on screen; say why the tidy ones never came, once.
            self._failed_analysis_key = self._requested_key
            self.message.emit(
                f"The exact analysis stopped ({result}): the derivatives shown are correct but "
                "not simplified, and the critical points are found numerically."
            )
            return
        analysis, pictures = result
        self.analysis = analysis
        self._analysed_key = self._requested_key
        self._math = (
            {
                "f": f"f(x, y) = {to_input_syntax(self.landscape.compiled.formula.expr)}",
                "df_dx": f"∂f/∂x = {analysis.df_dx}",
                "df_dy": f"∂f/∂y = {analysis.df_dy}",
                "grad": f"∇f = ({analysis.df_dx}, {analysis.df_dy})",
            },
            pictures,
        )
        self._show_math()
        self._show_critical_points(self.landscape.find_critical_points(), analysis.critical_points)

    def _draw_toggles(self) -> None:
        toggles = self.state.toggles
        views = self.views
        views.surface.set_wireframe(toggles.wireframe)
        views.contour.set_contours_visible(toggles.contours)
        # S shows the two slices; the fan of slopes belongs to the gradient (G), not to them.
        views.slices.set_parts(toggles.slices, toggles.gradient_arrow)
        self._field_scale = None
        if toggles.gradient_field and self.landscape is not None:
            d = self.state.domain
            xs = np.linspace(d.x_min, d.x_max, GRADIENT_FIELD_SIZE)
            ys = np.linspace(d.y_min, d.y_max, GRADIENT_FIELD_SIZE)
            gx, gy = self.landscape.gradient(*np.meshgrid(xs, ys, indexing="ij"))
            spacing = min(d.width, d.height) / (GRADIENT_FIELD_SIZE - 1)
            with np.errstate(over="ignore", invalid="ignore"):
                norms = np.hypot(gx, gy)
            self._field_scale = arrows.arrow_scale(norms, spacing, share=0.9)
            views.contour.set_gradient_field(xs, ys, gx, gy, self._field_scale)
        else:
            views.contour.set_gradient_field(None)

    def _draw_probe(self) -> None:
        if self.landscape is None:
            return
        views = self.views
        x, y = self._shown_point or self.state.probe
        r = self.landscape.at(x, y)
        views.readout.set_readout(r.x, r.y, r.f, r.df_dx, r.df_dy, r.grad_norm, r.ascent_direction)
        toggles = self.state.toggles
        finite = all(math.isfinite(v) for v in (r.f, r.df_dx, r.df_dy))
        if finite and toggles.gradient_arrow:
            scale = self.arrow_scale
            views.contour.set_probe(x, y, r.df_dx, r.df_dy, r.f, scale, self._arrow_note(r))
            views.surface.set_probe(x, y, r.f, r.df_dx, r.df_dy, scale)
        else:
            views.contour.set_probe(None)
            views.surface.set_probe(None)
        views.surface.set_tangent_plane(toggles.tangent_plane and finite)
        if toggles.slices:
            views.surface.set_slice_planes(x, y)
            xs, ys = self.grid.xs, self.grid.ys
            views.slices.set_x_slice(
                xs, self.landscape.value(xs, np.full_like(xs, y)), x, y, r.f, r.df_dx
            )
            views.slices.set_y_slice(
                ys, self.landscape.value(np.full_like(ys, x), ys), x, y, r.f, r.df_dy
            )
        else:
            views.surface.set_slice_planes(None, None)
        if toggles.gradient_arrow:
            angles = np.linspace(0.0, 2 * math.pi, FAN_SAMPLES)
            slopes = r.directional_derivative(angles)
            direction = r.ascent_direction
            grad_angle = math.atan2(direction[1], direction[0]) if direction else None
            views.slices.set_directional(angles, slopes, grad_angle, r.grad_norm)

    def _arrow_note(self, readout) -> str:
        """What the arrows' lengths mean, said on the map; and that there is none when flat."""
        note = arrows.scale_text(self.arrow_scale)
        side = min(self.state.domain.width, self.state.domain.height)
        if arrows.vanishes(readout.grad_norm, self.arrow_scale, side):
            note += f" · here |∇f| = {_short(readout.grad_norm)}: flat, no uphill direction"
        if self._field_scale is not None and self._field_scale != self.arrow_scale:
            note += f" · field arrows = {self._field_scale:g} × ∇f"
        return note

    def _draw_heights(self) -> None:
        """The surface and the map's colours and levels, on the chosen colour scale."""
        grid = self.grid
        self.color_scale = colorscale.choose(grid.z, self.z_limits, self.color_scale_mode)
        levels = colorscale.levels(self.z_limits, self.color_scale, 20)
        views = self.views
        views.surface.set_surface(grid.xs, grid.ys, grid.z, self.z_limits, self.color_scale)
        views.contour.set_field(grid.xs, grid.ys, grid.z, self.z_limits, levels, self.color_scale)

    def set_color_scale(self, mode: str) -> None:
        """'auto' (logarithmic for steep landscapes), 'linear' or 'log': a preference of this
        window, not of the session."""
        if mode not in colorscale.SCALES:
            raise ValueError(f"no colour scale called {mode}")
        self.color_scale_mode = mode
        if self.grid is not None:
            self._draw_heights()
            self.runs.redraw()  # paths and probe sit on the redrawn surface

    def set_map_aspect(self, mode: str) -> None:
        """How the contour map scales x against y: 'auto', 'equal' or 'fill' (a preference
        of this window, not of the session)."""
        self.views.contour.set_aspect_mode(mode)

    def set_dark(self, dark: bool) -> None:
        self._dark = dark
        for view in self.views.all():
            setter = getattr(view, "set_style", None)
            if setter:
                setter(dark)
        self._show_math()  # the same pictures in the other ink: nothing is solved again

    def _show_math(self) -> None:
        texts, pictures = self._math
        shown = {name: typeset.recoloured(svg, self._dark) for name, svg in pictures.items()}
        self.views.formula.set_math(texts, shown)


def _scene_key(state: SessionState) -> tuple:
    """What a scene depends on: a scene built for one state serves any state with these."""
    return (
        state.formula,
        tuple(sorted(state.parameters.items())),
        state.domain,
        state.resolution,
    )


def _run_setup(state: SessionState) -> tuple:
    """What the descent depends on (visibility only changes the drawing)."""
    return (
        [(r.optimizer, sorted(r.hyperparameters.items()), r.start) for r in state.runs],
        state.max_steps,
        state.tolerance,
    )


def _short(value: float) -> str:
    if not math.isfinite(value):
        return "undefined"
    return f"{value:.4g}"
