"""The controller: owns the session state and is the one bridge between state, views and workers.

It writes to the views only through the protocols in view_protocols.py, so it runs headless
with fake views in the tests.

Views only draw what they are given and report what the user did; the core only computes. Every
user change goes through here: validated, applied to a copy of the state, pushed on the undo
stack, and then drawn by ``_apply``, which is the single place views are updated from state.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from landscape_gui import startup
from landscape_gui.core import arrows, calculus, colorscale, lesson, pacing
from landscape_gui.core.formula import FormulaError, parse_formula
from landscape_gui.core.landscape import (
    CompiledFormula,
    Domain,
    GridSample,
    Landscape,
    marked_critical_points,
    merge_critical_points,
)
from landscape_gui.core.limits import (
    COORDINATE_LIMIT,
    DEFAULT_PARAMETER_VALUE,
    MAX_RESOLUTION,
    MAX_RUNS,
    MAX_STEPS,
    MIN_RESOLUTION,
    TOLERANCE_LIMIT,
)
from landscape_gui.core.numbers import number
from landscape_gui.core.optimizers import ALL_OPTIMIZERS, CONSTRAINED_OPTIMIZERS, OPTIMIZERS
from landscape_gui.core.pipeline import analysis_key, landscape_differs, scene_key
from landscape_gui.core.presets import (
    CONSTRAINT_PRESETS_BY_KEY,
    PRESETS_BY_KEY,
    preset_for_formula,
)
from landscape_gui.core.scene import CONTOUR_COUNT, Scene, SceneError
from landscape_gui.core.state import TOGGLES, RunSettings, SessionState
from landscape_gui.qt import typeset
from landscape_gui.qt.constraints import ConstraintsController, constraint_text
from landscape_gui.qt.formula_pipeline import FormulaPipeline
from landscape_gui.qt.runs import RunsController
from landscape_gui.qt.view_protocols import ViewsProtocol

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
        self.merged_over = self.after
        self.after = other.after
        return True

    merged_over: SessionState | None = None  # ``after`` before the last merge (see unmerge)

    def unmerge(self, failed: SessionState) -> None:
        """The state merged in last could not be drawn: this step ends where it did before."""
        if self.merged_over is not None and self.after == failed:
            self.after, self.merged_over = self.merged_over, None

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

    def __init__(
        self,
        views: ViewsProtocol,
        state: SessionState | None = None,
        parent=None,
        compiled: CompiledFormula | None = None,
    ):
        """``compiled``: the state's formula, when the caller has compiled it already."""
        super().__init__(parent)
        self.views = views
        self.state = state.copy() if state else SessionState()
        self.undo_stack = QUndoStack(self)
        self.landscape: Landscape | None = None
        self.grid: GridSample | None = None
        self.z_limits = (0.0, 1.0)
        self.color_scale_mode = "auto"
        self.color_scale = "linear"
        self.arrow_scale = 1.0  # gradient arrows are arrow_scale × ∇f long (per landscape)
        self._field_scale: float | None = None
        self.critical_points: list[calculus.CriticalPoint] = []
        self._scene: Scene | None = None  # the scene on screen
        self._marked_critical: frozenset[tuple[float, float]] | None = None
        self.analysis: calculus.SymbolicAnalysis | None = None
        self._shown_point: tuple[float, float] | None = None
        self._probe_drawn: tuple | None = None  # _probe_inputs() when last drawn
        self._probe_gesture = 0  # a click or a drag: one undo step each
        self._loading = None  # a session being opened: its recorded runs replace recomputing
        self.lesson_index: int | None = None
        self._dark = False
        self._math: tuple[dict[str, str], dict[str, bytes | None]] = ({}, {})
        # A state waiting for its scene from the worker (undo, redo, a parameter or a range),
        # with ``force``; the landscape on screen stays until it arrives. The undo stack has
        # already moved: ``_settled_index`` is where it was when the screen last matched it.
        self._deferred: tuple[SessionState, bool] | None = None
        self._settled_index = 0
        self._rolling_back = False
        self._redeferring = False

        self.pipeline = FormulaPipeline(self)
        self.pipeline.busy.connect(self.message)
        self.pipeline.failed.connect(self._formula_failed)
        self.pipeline.analysed.connect(self._analysis_finished)
        self.pipeline.analysisFailed.connect(self._analysis_failed)
        self.pipeline.solved.connect(self._solve_finished)
        if compiled is not None:
            self.pipeline.remember_compiled(self.state.formula, compiled)
        first_frame = getattr(views.surface, "frameSwapped", None)
        if first_frame is not None:
            self.pipeline.await_first_frame = True
            first_frame.connect(self.pipeline.first_frame_drawn)

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
        views.surface.cameraMoved.connect(self.set_camera)

        self.constraints = ConstraintsController(self)
        views.formula.constraintEdited.connect(self.constraints.set_text)
        views.formula.constraintPresetChosen.connect(self.choose_constraint_preset)

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
        """Draw the initial state (not undoable: there is nothing before it). The formula
        panel shows it at once; the landscape follows when the worker has built it."""
        formula = self.views.formula
        formula.set_formula_text(self.state.formula)
        formula.set_preset(self.state.preset)
        formula.set_domain(self.state.domain.as_tuple())
        formula.set_parameters(dict(self.state.parameters))
        self._show_camera()
        self._apply(self.state, force=True)

    @property
    def analysisRequested(self):  # noqa: N802 (a Qt signal's name)
        """Emitted when the exact analysis is asked of the worker (the pipeline's signal)."""
        return self.pipeline.analysisRequested

    def shutdown(self) -> None:
        """Stop every worker without waiting for slow work (see WorkerThread.stop): closing the
        window never blocks for long, and no answer arrives after it."""
        self._deferred = None
        self.runs.shutdown()
        self.constraints.shutdown()
        self.pipeline.shutdown()
        # What a closed window drew is not kept alive by anything that outlives it.
        self.landscape = None
        self.grid = None
        self._scene = None
        self.critical_points = []
        self.analysis = None

    def compile_formula(self, text: str, formula, then, failed) -> None:
        """``then(compiled)`` once the compile worker has compiled ``formula`` (a session's),
        or ``failed(message)``: the path a typed formula takes, never the GUI thread."""
        compiled = self.pipeline.compiled
        self._when_compiled((text, formula), lambda: then(compiled.get(text)), failed)

    def load_session(self, session, scene=None) -> bool:
        """Replace everything with a session read from a file (already validated, its formula
        compiled and its ``scene`` built off the GUI thread; without one, the worker builds it
        and the session is loaded when it arrives). Returns False, with everything as it was
        (state, undo history, runs), when its landscape cannot be drawn."""
        if scene is None:
            scene = self.pipeline.scene_for(session.state)
        if scene is None:  # built by the worker first, then loaded (the file actions build it)
            self.pipeline.request(
                session.state.formula,
                None,
                lambda: self.load_session(session, self.pipeline.scene_for(session.state)),
                failed=lambda reason: self._refuse(session.state, reason),
                drawn=session.state,
            )
            return True
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
        self._deferred = None  # a change still waiting for its scene is not the file's
        self.pipeline.forget_analysis_failure()
        self.undo_stack.clear()
        self._show_camera()
        self.undo_stack.setClean()
        return True

    # The camera: the session state owns it, the 3D view reports where the user left it.
    def set_camera(self, camera: dict) -> None:
        """Keep where the user left the 3D camera, for the session file.

        Not an undo step: moving the camera is looking, not editing (Undo after an orbit
        takes back the last edit, not the orbit), and undo and redo leave the camera where
        it is (``_draw_state``). For the same reason it does not mark the session modified
        (the modified flag is the undo stack's clean state): closing after only looking
        around does not ask to save, though a save keeps the camera."""
        self.state.camera = dict(camera)

    def _show_camera(self) -> None:
        """Point the 3D view's camera where the state says; without one (a new session, a
        file without a camera) the default camera, which the view reports back."""
        if self.state.camera:
            self.views.surface.set_camera_state(self.state.camera)
        else:
            self.views.surface.reset_view()

    def reset_camera(self) -> None:
        """Back to the default camera (View > Reset 3D view); the view reports it."""
        self.views.surface.reset_view()

    # User changes (each one undoable)
    def _change(self, after: SessionState, text: str, merge_key: str | None = None) -> bool:
        """Apply ``after`` as one undoable step; False (nothing changed) when it cannot be.

        A change whose landscape is not built yet is pushed at once and drawn when the worker
        has built its scene (``_defer``); it is taken back whole if that fails."""
        command = _StateChange(self, self._target(), after, text, merge_key)
        self.undo_stack.push(command)
        return not command.failed

    def _target(self) -> SessionState:
        """A copy of the state the next change builds on: the one waiting for its landscape,
        if any (so a change made meanwhile does not drop it), else the one on screen."""
        return (self._deferred[0] if self._deferred is not None else self.state).copy()

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
        if text == self._target().formula:
            if self._deferred is None:
                self._when_compiled(None)  # cancels a slower formula still compiling
            return True

        def with_formula() -> SessionState:
            after = self._target()
            after.formula = text
            preset = preset_for_formula(text)
            after.preset = preset.key if preset else None
            # The constraint keeps its own parameters (they are not f's, but they are the state's).
            names = [*formula.parameters]
            names += self.constraints.parameter_names(constraint_text(self.state))
            after.parameters = {
                name: after.parameters.get(name, DEFAULT_PARAMETER_VALUE) for name in names
            }
            return after

        self._when_compiled(
            (text, formula),
            lambda: self._change(with_formula(), f"formula {text}"),
            drawn=with_formula(),
        )
        return True

    def _when_compiled(self, pending, then=None, failed=None, drawn=None) -> None:
        """Run ``then`` once ``pending`` = (text, formula) is compiled and the scene of
        ``drawn`` (the state ``then`` will apply) is built: at once when both are cached, else
        when the compile worker answers; only the latest request counts. ``failed`` (optional)
        takes the message when it cannot be compiled; by default the formula panel shows it."""
        if pending is None:
            self.pipeline.cancel()
            return
        text, formula = pending
        self.pipeline.request(text, formula, then, failed, drawn)

    def _formula_failed(self, message: str) -> None:
        self.views.formula.show_error(message)
        self.message.emit(f"Formula not used: {message}")

    def choose_preset(self, key: str) -> None:
        preset = PRESETS_BY_KEY[key]
        self.lesson_index = None
        self.views.formula.show_error(None)
        self._when_compiled(
            (preset.formula, parse_formula(preset.formula)),
            lambda: self._change(self._preset_state(preset), f"preset {preset.name}"),
            drawn=self._preset_state(preset),
        )

    def choose_constraint_preset(self, key: str) -> None:
        """A landscape with a curve on it that teaches Lagrange multipliers, with a projected
        descent run ready to walk the curve (one undo step)."""
        preset = CONSTRAINT_PRESETS_BY_KEY[key]
        self.lesson_index = None
        self.views.formula.show_error(None)
        self.views.formula.show_constraint_error(None)

        def chosen() -> SessionState:
            return self._teaching_state(
                self.state,
                preset.formula,
                preset.constraint,
                preset.domain,
                preset.start,
                RunSettings("projected", {"lr": preset.learning_rate}, preset.start),
            )

        def use() -> None:
            self.runs.select(0)
            if self._change(chosen(), f"constraint preset {preset.name}"):
                self.message.emit(preset.about)

        self._when_compiled((preset.formula, parse_formula(preset.formula)), use, drawn=chosen())

    # The lesson (L / Shift+L): the lesson's stages, then those on a curve
    def next_lesson_stage(self) -> None:
        index = 0 if self.lesson_index is None else self.lesson_index + 1
        self.show_lesson_stage(min(index, len(lesson.LESSON) - 1))

    def previous_lesson_stage(self) -> None:
        index = 0 if self.lesson_index is None else self.lesson_index - 1
        self.show_lesson_stage(max(index, 0))

    def show_lesson_stage(self, index: int) -> None:
        stage = lesson.LESSON[index]

        def staged() -> SessionState:
            after = self._teaching_state(
                self._target(),
                stage.formula,
                stage.constraint,
                stage.domain,
                stage.probe,
                RunSettings(stage.optimizer, {"lr": stage.learning_rate}, stage.probe),
            )
            for name, on in stage.toggles.items():
                setattr(after.toggles, name, on)
            return after

        def use() -> None:
            self.lesson_index = index
            self.runs.select(0)
            self._change(staged(), f"lesson: {stage.title}")
            self.runs.redraw()  # the caption tells the stage's story

        self.views.formula.show_error(None)
        self._when_compiled((stage.formula, parse_formula(stage.formula)), use, drawn=staged())

    def _teaching_state(
        self, base: SessionState, formula: str, constraint, domain, probe, run: RunSettings
    ) -> SessionState:
        """A copy of ``base`` turned into a prepared example (a lesson stage or a constraint
        preset): its landscape, curve, ranges and probe, and one run ready to go from the
        probe. ``base`` itself is left as it was."""
        after = base.copy()
        after.formula = formula
        preset = preset_for_formula(formula)
        after.preset = preset.key if preset else None
        after.constraint = constraint
        names = self.constraints.parameter_names(constraint)
        after.parameters = dict.fromkeys(names, DEFAULT_PARAMETER_VALUE)
        after.domain = domain
        after.probe = probe
        after.runs = [run]
        return after

    def lesson_caption(self) -> str | None:
        if self.lesson_index is None:
            return None
        stage = lesson.LESSON[self.lesson_index]
        return (
            f"Lesson {self.lesson_index + 1} of {len(lesson.LESSON)}, {stage.title}: {stage.text}"
        )

    def _preset_state(self, preset) -> SessionState:
        key = preset.key
        after = self._target()
        after.formula = preset.formula
        after.preset = key
        after.parameters = {
            name: self.state.parameters.get(name, DEFAULT_PARAMETER_VALUE)
            for name in self.constraints.parameter_names(constraint_text(after))
        }
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
        if domain == self._target().domain:
            return
        after = self._target()
        after.domain = domain
        self._change(after, "ranges", merge_key="domain")

    def reset_domain(self) -> None:
        preset = PRESETS_BY_KEY.get(self.state.preset) if self.state.preset else None
        self.set_domain((preset.domain if preset else Domain()).as_tuple())

    def set_parameter(self, name: str, value: float) -> None:
        if name not in self._target().parameters or not math.isfinite(value):
            return
        after = self._target()
        after.parameters[name] = float(value)
        self._change(after, f"parameter {name}", merge_key=f"parameter {name}")

    def set_resolution(self, resolution: int) -> None:
        if (
            resolution != self._target().resolution
            and MIN_RESOLUTION <= resolution <= MAX_RESOLUTION
        ):
            after = self._target()
            after.resolution = int(resolution)
            self._change(after, f"{resolution} × {resolution} grid")

    def set_toggle(self, name: str, on: bool) -> None:
        if name not in TOGGLES:
            raise ValueError(f"no view toggle called {name}")
        after = self._target()
        setattr(after.toggles, name, bool(on))
        self._change(after, name.replace("_", " "))

    def set_probe(self, x: float, y: float) -> None:
        """Move the probe, which is also where every run starts (a race starts together).
        Each call is its own undo step; the moves of one drag merge into it (drag_probe)."""
        self._probe_gesture += 1
        self.drag_probe(x, y)

    def drag_probe(self, x: float, y: float) -> None:
        if not all(math.isfinite(v) and abs(v) <= COORDINATE_LIMIT for v in (x, y)):
            return
        after = self._target()
        after.probe = (float(x), float(y))
        for run in after.runs:
            run.start = (float(x), float(y))
        self._change(after, "start point", merge_key=f"probe {self._probe_gesture}")
        self.probeChanged.emit(float(x), float(y))

    def show_point(self, x: float, y: float) -> None:
        """Show the readout, arrow and slices at a point without changing any setting
        (the descent's current point as it moves)."""
        self._shown_point = (float(x), float(y))
        if self._probe_drawn == self._probe_inputs():
            return  # drawn there already (a new landscape's runs showing their start)
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
        after = self._target()
        base = after.runs[self.runs.selected] if after.runs else RunSettings()
        used = {run.optimizer for run in after.runs}
        # With a constraint the step rules along the curve come first: they race best there.
        keys = [*CONSTRAINED_OPTIMIZERS, *OPTIMIZERS] if constraint_text(self.state) else OPTIMIZERS
        optimizer = next((key for key in keys if key not in used), base.optimizer)
        after.runs.append(RunSettings(optimizer, {}, base.start))
        self.runs.select(len(after.runs) - 1)
        self._change(after, "add run")

    def remove_run(self, index: int) -> None:
        if len(self.state.runs) <= 1 or not 0 <= index < len(self.state.runs):
            return
        after = self._target()
        del after.runs[index]
        self.runs.select(min(self.runs.selected, len(after.runs) - 1))
        self._change(after, "remove run")

    def set_run_visible(self, index: int, visible: bool) -> None:
        if 0 <= index < len(self.state.runs):
            after = self._target()
            after.runs[index].visible = bool(visible)
            self._change(after, "show run" if visible else "hide run")

    def set_run_optimizer(self, index: int, key: str) -> None:
        if key not in ALL_OPTIMIZERS or not 0 <= index < len(self.state.runs):
            return
        if key in CONSTRAINED_OPTIMIZERS and constraint_text(self.state) is None:
            self.message.emit(f"{ALL_OPTIMIZERS[key].name} needs a constraint g(x, y) = c.")
            return
        after = self._target()
        after.runs[index] = after.runs[index].with_optimizer(key)
        self._change(after, f"optimizer {ALL_OPTIMIZERS[key].name}")

    def set_run_hyperparameter(self, index: int, name: str, value: float) -> None:
        if not 0 <= index < len(self.state.runs):
            return
        spec = ALL_OPTIMIZERS[self.state.runs[index].optimizer]
        try:
            value = spec.parameter(name).validate(value, spec.name)
        except ValueError as error:
            self.message.emit(str(error))
            self.runs.redraw()
            return
        after = self._target()
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
        after = self._target()
        after.runs[index].start = (float(x), float(y))
        if index == self.runs.selected:
            after.probe = (float(x), float(y))
        self._change(after, "start point", merge_key=f"start {index}")

    def set_max_steps(self, steps: int) -> None:
        if 1 <= steps <= MAX_STEPS and steps != self.state.max_steps:
            after = self._target()
            after.max_steps = int(steps)
            self._change(after, "step limit", merge_key="max steps")

    def set_tolerance(self, tolerance: float) -> None:
        if 0 < tolerance <= TOLERANCE_LIMIT and tolerance != self.state.tolerance:
            after = self._target()
            after.tolerance = float(tolerance)
            self._change(after, "tolerance", merge_key="tolerance")

    def hover(self, x: float, y: float) -> None:
        if self.landscape is None:
            return
        r = self.landscape.at(x, y)
        self.views.contour.set_hover_text(
            f"x = {number(r.x, 4)}   y = {number(r.y, 4)}   f = {number(r.f, 4)}\n"
            f"∂f/∂x = {number(r.df_dx, 4)}   ∂f/∂y = {number(r.df_dy, 4)}   "
            f"|∇f| = {number(r.grad_norm, 4)}"
        )

    def end_hover(self) -> None:
        """The hover readout shows only while the pointer is on the map (and never in an
        exported picture): numbers left behind would describe a point no one points at."""
        self.views.contour.set_hover_text("")

    # Applying state to the views
    def _apply(self, state: SessionState, force: bool = False, scene=None) -> bool:
        """Make ``state`` the current one and draw it. A state whose landscape cannot be built
        is refused before anything changes; if drawing fails half-way, the previous state is
        drawn again. Either way the user gets one message and False.

        A state whose scene is not built yet is handed to the worker (``_defer``) and drawn
        when it arrives; nothing is compiled or sampled here, on the GUI thread."""
        if self._rolling_back:
            return True  # the stack is being put back to the state on screen
        previous = self.state
        # Nothing drawn yet (the first landscape's request was superseded, e.g. by a lesson
        # stage chosen at start-up) means this state's landscape must be drawn too.
        landscape_changed = force or self._scene is None or landscape_differs(previous, state)
        if self._deferred is not None and scene is None:
            # A landscape is on its way: this state (built on it) waits for it too.
            force = force or self._deferred[1]
            landscape_changed = True
        if landscape_changed and scene is None:
            scene = self.pipeline.scene_for(state)  # built by the worker
            if scene is None:
                self._defer(state, force)
                return True
        if self._deferred is not None:
            self._deferred = None  # drawn now: the request still on its way is not needed
            self.pipeline.cancel()
        if isinstance(scene, SceneError):
            self._refuse(state, str(scene))
            return False
        if not landscape_changed:
            scene = None
        else:
            self.pipeline.remember_scene(state, scene)
        try:
            self._draw_state(state, previous, scene, force)
        except Exception as error:  # a view could not draw it: put the previous state back
            startup.log().exception("drawing a new state failed; drawing the previous one again")
            self.state = previous
            try:
                again = self.pipeline.scene_for(previous)
                if isinstance(again, Scene):
                    self._draw_state(previous, state, again, True)
            except Exception:
                startup.log().exception("drawing the previous state failed too")
            self._refuse(state, f"it could not be drawn ({type(error).__name__}: {error})")
            return False
        return True

    def _defer(self, state: SessionState, force: bool) -> None:
        """Ask the worker for the scene of ``state`` and draw it when it comes."""
        if self._deferred is None:
            self._settled_index = self.undo_stack.index()
        elif scene_key(self._deferred[0]) == scene_key(state):
            self._deferred = (state.copy(), force)  # the scene on its way serves this state
            return
        self._deferred = (state.copy(), force)
        self._redeferring = True  # the request below supersedes our own earlier one
        try:
            self.pipeline.request(
                state.formula,
                None,
                self._draw_deferred,
                failed=self._deferred_failed,
                drawn=state,
                superseded=self._deferred_superseded,
            )
        finally:
            self._redeferring = False

    def _draw_deferred(self) -> None:
        deferred, self._deferred = self._deferred, None
        if deferred is None:
            return
        state, force = deferred
        if not self._apply(state, force):  # refused, with its message
            self._take_back(state)

    def _deferred_failed(self, message: str) -> None:
        if self._deferred is None:
            return
        state, _ = self._deferred
        self._deferred = None
        self._refuse(state, message)
        self._take_back(state)

    def _take_back(self, failed: SessionState) -> None:
        """A change drawn later could not be drawn: the undo stack is put back as if it had
        never been made (a drag's last value is not kept in its merged step either)."""
        self._roll_back()
        index = self.undo_stack.index()
        top = self.undo_stack.command(index - 1) if index > 0 else None
        if isinstance(top, _StateChange):
            top.unmerge(failed)

    def _deferred_superseded(self) -> None:
        # Another formula, preset or file was asked for while this waited: it is dropped, and
        # the undo stack goes back to the state on screen (the new request builds on that).
        if self._redeferring or self._deferred is None:
            return
        self._deferred = None
        self._roll_back()

    def _roll_back(self) -> None:
        """Put the undo stack back where the state on screen is (nothing is redrawn)."""
        if self.undo_stack.index() == self._settled_index:
            return
        self._rolling_back = True
        try:
            self.undo_stack.setIndex(self._settled_index)
        finally:
            self._rolling_back = False

    def _refuse(self, state: SessionState, reason: str) -> None:
        """One message for a change that was not applied; the views show the current state."""
        views = self.views
        if state.formula != self.state.formula:
            views.formula.show_error(f"Not used: this landscape cannot be drawn, because {reason}.")
        views.formula.set_preset(self.state.preset)
        views.formula.set_domain(self.state.domain.as_tuple())
        views.formula.set_parameters(dict(self.state.parameters))
        views.formula.set_constraint_text(constraint_text(self.state) or "")
        self.message.emit(f"Nothing changed: the landscape cannot be drawn, because {reason}.")

    def _draw_state(self, state: SessionState, previous: SessionState, scene, force) -> None:
        # The workers wait while the views take the new state: the runs' preview, asked for
        # half-way through, computed beside the rest of the drawing and doubled its time
        # (each of them waits for the interpreter lock the other holds). The window holds
        # them on from landscapeChanged until its paints are done (MainWindow._stage_paints).
        pacing.hold_workers(self)
        try:
            self._draw_views(state, previous, scene, force)
        finally:
            pacing.release_workers(self)

    def _draw_views(self, state: SessionState, previous: SessionState, scene, force) -> None:
        self.state = state.copy()
        if self._loading is None:
            # The camera is not part of an edit: undo, redo and changes keep it where it is.
            self.state.camera = previous.camera
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
        # The constraint first: clearing or redrawing its curve redraws the runs still on
        # screen, which shows their old point; the new state's point is decided after it.
        self.constraints.refresh()
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

    def _show_scene(self, scene: Scene, formula_changed: bool) -> None:
        """Draw a scene the worker built: everything numerical (arrow scale, gradient field,
        contour levels, critical points, the derivatives' text) is in it already."""
        self.landscape = scene.landscape
        self.grid = scene.grid
        self.z_limits = scene.z_limits
        self.arrow_scale = scene.arrow_scale
        self._scene = scene
        self._draw_heights()
        self.end_hover()  # the old readout described the old landscape
        # Exact points from an earlier analysis stay valid while only the ranges change.
        key = analysis_key(self.state)
        if formula_changed:
            self.analysis = None
            self.pipeline.forget_analysis(keep=key)
        exact = self.analysis.critical_points if self._analysis_is_current() else []
        self._show_critical_points(scene.critical_points, exact)
        if formula_changed:
            self._math = (dict(scene.texts), {})
            self._show_math()
        self.pipeline.schedule_analysis(scene.landscape, key)
        arrived = self.pipeline.arrived_analysis(key)
        if arrived is not None and self.analysis is None:
            # Asked for before the scene was built, it came first and waited for it.
            self._analysis_finished(key, arrived)

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
        solving = " Solving ∇f = 0 exactly…" if self.solving else ""
        self.views.readout.set_critical_points(points, (note + solving).strip())
        self.views.contour.set_critical_points([(p.x, p.y, p.kind) for p in marked], note)

    def _analysis_is_current(self) -> bool:
        return self.analysis is not None and self.pipeline.analysis_known(analysis_key(self.state))

    def _analysis_failed(self, key: tuple, reason: str) -> None:
        if key != analysis_key(self.state) or self.landscape is None:
            return  # about a formula or parameters no longer on screen
        # The plain derivatives stay on screen; say why the tidy ones never came, once.
        self.message.emit(
            f"The exact analysis stopped ({reason}): the derivatives shown are correct but "
            "not simplified, and the critical points are found numerically."
        )

    def _analysis_finished(self, key: tuple, result) -> None:
        if key != analysis_key(self.state) or self._scene is None:
            return  # an answer about a formula or parameters no longer on screen
        analysis, pictures = result
        self.analysis = analysis
        self._math = (
            {
                "f": self._scene.texts["f"],
                "df_dx": f"∂f/∂x = {analysis.df_dx}",
                "df_dy": f"∂f/∂y = {analysis.df_dy}",
                "grad": f"∇f = ({analysis.df_dx}, {analysis.df_dy})",
            },
            pictures,
        )
        self._show_math()
        self._show_critical_points(self._scene.critical_points, analysis.critical_points)

    def _solve_finished(self, key: tuple, result) -> None:
        """The exact critical points (or why there are none) replace the numerical ones."""
        if key != analysis_key(self.state) or self._scene is None or self.analysis is None:
            return
        analysis = self.analysis
        if isinstance(result, str):
            analysis.notes.append(f"no exact critical points: {result}")
        else:
            analysis.critical_points = result.points
            analysis.critical_points_exact = result.exact
            analysis.critical_points_complete = result.complete
            if result.note:
                analysis.notes.append(result.note)
        self._show_critical_points(self._scene.critical_points, analysis.critical_points)

    @property
    def solving(self) -> bool:
        """The exact solve of grad f = 0 is running for what is shown."""
        return self.pipeline.solving

    @property
    def solve_exactly(self) -> bool:
        return self.pipeline.solve_exactly

    @solve_exactly.setter
    def solve_exactly(self, value: bool) -> None:
        """False: numerical critical points only (the screenshot does not wait for sympy)."""
        self.pipeline.solve_exactly = value

    def analyse_now(self, landscape: Landscape | None = None) -> None:
        """Ask for the analysis of what is shown at once (see FormulaPipeline.analyse_now);
        given the state's ``landscape`` (compiled by the caller), before its scene is drawn."""
        self.pipeline.analyse_now(landscape, analysis_key(self.state))

    def _draw_toggles(self) -> None:
        toggles = self.state.toggles
        views = self.views
        views.surface.set_wireframe(toggles.wireframe)
        views.contour.set_contours_visible(toggles.contours)
        # S shows the two slices; the fan of slopes belongs to the gradient (G), not to them.
        views.slices.set_parts(toggles.slices, toggles.gradient_arrow)
        self._field_scale = None
        field = self._scene.field if self._scene is not None else None
        if toggles.gradient_field and field is not None:
            xs, ys, gx, gy, self._field_scale = field
            views.contour.set_gradient_field(xs, ys, gx, gy, self._field_scale)
        else:
            views.contour.set_gradient_field(None)

    def _probe_inputs(self) -> tuple:
        """Everything the probe's drawing depends on (objects compared as themselves)."""
        point = self._shown_point or self.state.probe
        state = self.state
        return (
            point,
            _Same(self._scene),
            _Same(self.constraints.scene),
            dataclasses.astuple(state.toggles),
            self.arrow_scale,
            self._field_scale,
            state.tolerance,
            state.domain.as_tuple(),
        )

    def _draw_probe(self) -> None:
        if self.landscape is None:
            return
        self._probe_drawn = self._probe_inputs()
        views = self.views
        x, y = self._shown_point or self.state.probe
        r = self.landscape.at(x, y)
        views.readout.set_readout(r.x, r.y, r.f, r.df_dx, r.df_dy, r.grad_norm, r.ascent_direction)
        toggles = self.state.toggles
        finite = all(math.isfinite(v) for v in (r.f, r.df_dx, r.df_dy))
        constrained = self.constraints.scene is not None
        if finite and toggles.gradient_arrow:
            scale = self.arrow_scale
            # With a constraint the contour drawn is the one through the curve's point (where
            # it touches the curve), not a second one through the probe.
            level = None if constrained else r.f
            views.contour.set_probe(x, y, r.df_dx, r.df_dy, level, scale, self._arrow_note(r))
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
        self.constraints.draw_probe(x, y, self.arrow_scale)
        if self.constraints.scene is not None:
            self.runs.refresh_caption()  # the caption speaks of the point just drawn

    def redraw_probe(self) -> None:
        """Draw the probe and everything said about it again (a constraint's curve or its
        Lagrange points arrived from a worker)."""
        self._draw_probe()
        self.runs.redraw()

    def caption_text(self, lesson_text: str | None, explanation: str) -> str:
        """The caption: the lesson's words, else what the constraint shows at the probe and
        what the step on screen did."""
        if lesson_text:
            return lesson_text
        constraint = self.constraints.caption()
        if constraint and self.runs.cursor > 0 and explanation:
            return f"{constraint} {explanation}"
        return constraint or explanation

    def _arrow_note(self, readout) -> str:
        """What the arrows' lengths mean, said on the map; and that there is none when flat."""
        note = arrows.scale_text(self.arrow_scale)
        side = min(self.state.domain.width, self.state.domain.height)
        if arrows.vanishes(readout.grad_norm, self.arrow_scale, side):
            size = number(readout.grad_norm, 4)
            if readout.grad_norm < self.state.tolerance:  # flat, as the runs judge it
                note += f" · here |∇f| = {size}: flat, no uphill direction"
            else:  # there is an uphill direction: its arrow is only too short to see
                note += f" · here |∇f| = {size}: its arrow is too short to see"
        if self._field_scale is not None and self._field_scale != self.arrow_scale:
            note += f" · field arrows = {self._field_scale:g} × ∇f"
        return note

    def _draw_heights(self) -> None:
        """The surface and the map's colours and levels, on the chosen colour scale."""
        grid = self.grid
        scene = self._scene
        if scene is not None and self.color_scale_mode == "auto":
            self.color_scale = scene.color_scale  # chosen and traced by the worker
        else:
            self.color_scale = colorscale.choose(grid.z, self.z_limits, self.color_scale_mode)
        levels = colorscale.levels(self.z_limits, self.color_scale, CONTOUR_COUNT)
        traced = None
        if scene is not None and scene.color_scale == self.color_scale:
            traced = scene.traced
        views = self.views
        views.surface.set_surface(grid.xs, grid.ys, grid.z, self.z_limits, self.color_scale)
        views.contour.set_field(
            grid.xs, grid.ys, grid.z, self.z_limits, levels, self.color_scale, traced
        )

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


def _run_setup(state: SessionState) -> tuple:
    """What the descent depends on (visibility only changes the drawing)."""
    return (
        constraint_text(state),
        [(r.optimizer, sorted(r.hyperparameters.items()), r.start) for r in state.runs],
        state.max_steps,
        state.tolerance,
    )


class _Same:
    """Equal only to a wrapper of the very same object (a scene has no cheap equality)."""

    __slots__ = ("obj",)

    def __init__(self, obj: object):
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj

    __hash__ = None  # type: ignore[assignment]
