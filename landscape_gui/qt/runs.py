"""Descent runs in the window: the recorded tracks, the step cursor and playback.

The descent worker computes; this object keeps what it sent (every step of every run) and a
cursor, the step being shown. Stepping back and forward inside the recorded history only moves
the cursor; stepping past its end asks the worker for more. Every change of the runs' settings
or of the landscape starts a new *generation*: the worker rebuilds its runs, answers about older
generations are dropped, and the first few hundred steps come back at once as a faint preview
of where the path will go, which the cursor then replays.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QObject, QTimer, Signal

from landscape_gui.core import pacing
from landscape_gui.core.descent import History
from landscape_gui.core.optimizers import get_optimizer
from landscape_gui.core.playback import (
    MAX_DRAWN_POINTS,
    Curvature,
    Playback,
    quadratic_curvature,
    run_name,
    stability_hint,
    within_domain,
)
from landscape_gui.core.state import RunSettings
from landscape_gui.qt.views.palette import run_color
from landscape_gui.qt.worker import DescentWorker, RunUpdate, WorkerThread

PREVIEW_STEPS = 300
MAX_BASIN_STEPS = 500
FRAME_MS = 16
FINISHED_NOTICE = "finished: press R to reset, or Home to replay"


class RunsController(QObject):
    """The descent half of the controller (see module docstring). What is recorded, the cursor
    and the selection live in ``model`` (core.playback.Playback); this object talks to the
    worker, runs the timers and draws."""

    stepShown = Signal(int)  # the cursor moved
    finished = Signal()  # every run has stopped and the cursor reached the end
    statusChanged = Signal(str)  # a one-off notice for the status bar
    # The first steps of runs started over (a new landscape's or new settings') are drawn:
    # every view changed at once, so the window paints them in stages (MainWindow).
    previewShown = Signal()

    extendRequested = Signal(int, int)
    configureRequested = Signal(int, object)
    playFastRequested = Signal(int)
    basinsRequested = Signal(int, object)
    basinsShown = Signal()
    pauseRequested = Signal()

    def __init__(self, controller):
        super().__init__(controller)
        self.controller = controller
        self.model = Playback()
        self.generation = 0
        self.speed = 10.0  # steps per second; 0 means as fast as possible
        self._curvature = Curvature(None)  # worked out once per landscape
        self._curvature_of = None
        self._pending = False  # an extend request is on its way
        self.awaiting_curve = False  # runs along a curve wait for it to be compiled
        self._awaiting_recorded = None  # what a session file recorded of them, meanwhile
        self._waiting_for_target: int | None = None
        self._preview_due = False  # started over: the next draw shows the preview
        self._worker = DescentWorker()
        self._thread = WorkerThread(self._worker, "landscape-descent")
        self.configureRequested.connect(self._worker.configure)
        self.extendRequested.connect(self._worker.extend)
        self.playFastRequested.connect(self._worker.play_fast)
        self.pauseRequested.connect(self._worker.pause)
        self._worker.progressed.connect(self._progressed)
        self._worker.failed.connect(self._failed)
        self._worker.stopped.connect(self._fast_stopped)
        self.basinsRequested.connect(self._worker.compute_basins)
        self._worker.basinsReady.connect(self._basins_ready)
        self._basin_request = 0
        self.basin_map = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.setInterval(FRAME_MS)
        self._draw_timer.timeout.connect(self._draw)
        self._frame_cost = 0.0  # seconds the last streamed frame took to draw and paint
        self._paint_started: float | None = None
        self._paint_guard = QTimer(self)
        self._paint_guard.setSingleShot(True)
        self._paint_guard.setInterval(200)
        self._paint_guard.timeout.connect(self._frame_shown)
        self._last_detail = 0.0
        controller.views.surface.frameSwapped.connect(self._frame_shown)

    # Read-only views of the model, for the exporters and the file actions.
    tracks = property(lambda self: self.model.tracks)
    cursor = property(lambda self: self.model.cursor)
    selected = property(lambda self: self.model.selected)
    playing = property(lambda self: self.model.playing)

    def shutdown(self) -> None:
        self._timer.stop()
        self._draw_timer.stop()
        self._paint_guard.stop()
        pacing.release_workers(self)
        worker = self._worker
        for signal, slot in (
            (worker.progressed, self._progressed),
            (worker.failed, self._failed),
            (worker.stopped, self._fast_stopped),
            (worker.basinsReady, self._basins_ready),
        ):
            signal.disconnect(slot)
        self._thread.stop()

    # Configuration
    def select(self, index: int) -> None:
        self.model.select(index)

    def reconfigure(self, recorded=None) -> None:
        """Start over from the runs' starts with the current landscape and settings.

        ``recorded`` (one history or None per run, from a session file) is shown at once; the
        worker is told how far each run already got and only computes beyond that.
        """
        controller = self.controller
        landscape = controller.landscape
        if landscape is None:
            return
        curve = controller.constraints.current()
        state = controller.state
        if curve is None and any(get_optimizer(r.optimizer).constrained for r in state.runs):
            # A run along the curve waits for the curve (compiled on its worker): what a
            # session file recorded shows at once, and curve_ready() starts the runs.
            self.generation += 1
            self._worker.latest_generation = self.generation
            self.model.start_over(len(state.runs))
            self._show_recorded(recorded)
            self.awaiting_curve = True
            self._awaiting_recorded = recorded
            self._pending = False
            self._refresh_panel()
            return
        self.awaiting_curve = False
        self._awaiting_recorded = None
        self.generation += 1
        self._worker.latest_generation = self.generation  # older work is dropped at once
        self.model.start_over(len(state.runs))
        already = self._show_recorded(recorded)
        self._pending = not any(already)
        self._waiting_for_target = None
        was_playing = self.model.playing
        self._set_playing(False)
        setup = (
            landscape.compiled,
            dict(landscape.parameter_values),
            landscape.domain,
            [RunSettings(r.optimizer, dict(r.hyperparameters), r.start) for r in state.runs],
            state.max_steps,
            state.tolerance,
            already,
            curve,
        )
        self.configureRequested.emit(self.generation, setup)
        if not any(already):
            self._preview_due = True
            self.extendRequested.emit(self.generation, PREVIEW_STEPS)
        self._refresh_panel()
        if was_playing:
            self.statusChanged.emit("restarted: the settings changed")

    def _show_recorded(self, recorded: list[History | None] | None) -> list[int]:
        """Put what a session file recorded into the tracks; how many rows each run has."""
        state = self.controller.state
        already = [0] * len(state.runs)
        for index, history in enumerate(recorded or []):
            if history is not None and index < len(state.runs) and len(history):
                self.model.tracks[index].set_recorded(history)
                already[index] = len(history)
        return already

    def curve_ready(self) -> None:
        """The curve the runs along it were waiting for is compiled: start them (continuing
        what a session file recorded, if that is what they were waiting with)."""
        if self.awaiting_curve:
            cursor = self.model.cursor
            self.reconfigure(recorded=self._awaiting_recorded)
            self._move_to(min(cursor, self.recorded_end()), request_more=False)

    def restore(self, histories, selected: int, cursor: int) -> None:
        """Show runs recorded in a session file at once, and let the worker catch up quietly so
        that stepping on continues them (same settings give the same steps, so nothing jumps)."""
        self.model.select(selected)
        self.reconfigure(recorded=histories)
        self._move_to(min(max(cursor, 0), self.recorded_end()), request_more=False)

    def show_step(self, step: int) -> None:
        """Draw the runs at a recorded step (used to draw animation frames)."""
        self.model.move_to(step)
        self._draw()

    def update_basins(self) -> None:
        """Recompute the basin overlay for the selected run's optimizer, or hide it."""
        controller = self.controller
        state = controller.state
        self._basin_request += 1
        self._worker.latest_basin_request = self._basin_request
        if not state.toggles.basins or controller.landscape is None or not state.runs:
            self.basin_map = None
            controller.views.contour.set_basins(None)
            return
        landscape = controller.landscape
        settings = state.runs[min(self.model.selected, len(state.runs) - 1)]
        steps = min(state.max_steps, MAX_BASIN_STEPS)
        controller.message.emit("Running descent from every point of the map…")
        self.basinsRequested.emit(
            self._basin_request,
            (
                landscape.compiled,
                dict(landscape.parameter_values),
                landscape.domain,
                RunSettings(settings.optimizer, dict(settings.hyperparameters)),
                steps,
            ),
        )

    def _basins_ready(self, request: int, result) -> None:
        if request != self._basin_request:
            return  # the settings changed while it ran; a newer map is on its way
        controller = self.controller
        if isinstance(result, str):
            controller.message.emit(f"No basin map: {result}")
            return
        self.basin_map = result
        controller.views.contour.set_basins(result.xs, result.ys, result.labels)
        counts = result.counts
        parts = [f"{len(result.minima)} basin{'s' if len(result.minima) != 1 else ''}"]
        if counts.get(-1):
            parts.append(f"{counts[-1]} starts diverged")
        if counts.get(-2):
            parts.append(f"{counts[-2]} did not reach a minimum in {result.steps} steps")
        controller.message.emit("Basins of attraction: " + ", ".join(parts) + ".")
        self.basinsShown.emit()

    # Transport (user commands)
    def step(self, count: int = 1) -> None:
        self._set_playing(False)
        self._move_to(self.model.cursor + count)

    def step_back(self, count: int = 1) -> None:
        self._set_playing(False)
        self._move_to(max(0, self.model.cursor - count))

    def first(self) -> None:
        self._set_playing(False)
        self._move_to(0)

    def last(self) -> None:
        self._set_playing(False)
        self._move_to(self.recorded_end())

    def reset(self) -> None:
        self._set_playing(False)
        self.reconfigure()

    def toggle_play(self) -> None:
        if self.model.playing:
            self._set_playing(False)
            return
        if self.model.at_end():
            self.statusChanged.emit(FINISHED_NOTICE)
            return
        self._set_playing(True)

    def set_speed(self, steps_per_second: float) -> None:
        self.speed = max(0.0, float(steps_per_second))
        if self.model.playing:
            self._set_playing(False)
            self._set_playing(True)

    # Queries
    def recorded_end(self) -> int:
        return self.model.recorded_end()

    def all_finished(self) -> bool:
        return self.model.all_finished()

    def selected_track(self):
        return self.model.selected_track()

    def waiting_for_steps(self) -> bool:
        """A request for more steps is on its way to the worker."""
        return self._pending

    # Internals
    def _set_playing(self, playing: bool) -> None:
        if playing == self.model.playing:
            return
        self.model.playing = playing
        if playing:
            if self.speed == 0:
                # The jump to the recorded end is drawn on the event loop's next turn, as
                # streamed frames are: pressing Play costs the panel's refresh, and the
                # frame comes after, not both in one stall.
                self.model.move_to(self.recorded_end())
                self._draw_timer.start(0)
                self.stepShown.emit(self.model.cursor)
                self.playFastRequested.emit(self.generation)
            else:
                interval = max(FRAME_MS, int(1000 / self.speed))
                self._timer.start(interval)
        else:
            self._timer.stop()
            self.pauseRequested.emit()
            self._draw()  # everything exact again, including what streaming skipped
            return
        self._refresh_panel()

    def _tick(self) -> None:
        interval_s = self._timer.interval() / 1000
        advance = max(1, round(self.speed * interval_s))
        if self.model.at_end():
            self._set_playing(False)
            self.finished.emit()
            self.statusChanged.emit(FINISHED_NOTICE)
            return
        self._move_to(self.model.cursor + advance)

    def _move_to(self, target: int, request_more: bool = True) -> None:
        end = self.recorded_end()
        if target > end and request_more and not self.all_finished():
            # Past the recording: ask the worker, and show the target when it arrives.
            if not self._pending:
                self._pending = True
                self.extendRequested.emit(self.generation, max(target - end, PREVIEW_STEPS))
            self._waiting_for_target = target
            target = end
        self.model.move_to(target)
        self._draw()
        self.stepShown.emit(self.model.cursor)

    def _progressed(self, generation: int, updates: list[RunUpdate]) -> None:
        if generation != self.generation:
            return
        tracks = self.model.tracks
        for update in updates:
            if update.index < len(tracks):
                tracks[update.index].append(update.history, update.steps_taken, update.reason)
        self._pending = False
        if self.model.playing and self.speed == 0:
            self.model.move_to(self.recorded_end())
        elif self._waiting_for_target is not None:
            target, self._waiting_for_target = self._waiting_for_target, None
            self._move_to(target)
            return
        # Streamed batches are drawn at most once a frame, and never more often than the
        # drawing itself allows (a software-rendered 3D view can take 50 ms a frame): storing
        # them is cheap, drawing is not, and the window must keep answering the user.
        if not self._draw_timer.isActive():
            self._draw_timer.start(max(FRAME_MS, int(2000 * self._frame_cost)))
        self.stepShown.emit(self.model.cursor)

    def _fast_stopped(self, generation: int) -> None:
        if (
            generation == self.generation
            and self.model.playing
            and self.speed == 0
            and self.all_finished()
        ):
            self._set_playing(False)
            self.finished.emit()
            self.statusChanged.emit(FINISHED_NOTICE)

    def _failed(self, generation: int, message: str) -> None:
        if generation != self.generation:
            return
        self._pending = False
        self.model.fail(message)
        self.controller.message.emit(f"Descent not started: {message}")
        self._refresh_panel()
        self._draw()

    # Drawing
    def redraw(self) -> None:
        """Draw the runs and everything that follows them (after a setting or selection change)."""
        self._draw()

    def _draw(self) -> None:
        streaming = self.model.playing and self.speed == 0
        started = time.perf_counter()
        if streaming:  # the worker stands aside from here until the frame is shown
            pacing.hold_workers(self)
            self._paint_guard.start()  # in case no frame is shown (a hidden 3D view)
        self._draw_paths()
        if not streaming:
            self._draw_details()
        elif started - self._last_detail > 0.2:
            # While streaming thousands of steps a second, the probe, readout and slices (which
            # cost far more to repaint than the paths) wait until play stops; only the step
            # counter and caption follow, about five times a second.
            self._last_detail = started
            panel = self.controller.views.descent
            panel.set_step(self.model.cursor, self.recorded_end())
            self.controller.views.caption.set_text(
                self.controller.caption_text(None, self.explanation())
            )
        self._paint_started = started if streaming else None
        if self._preview_due and not streaming and (self.recorded_end() > 0 or self.all_finished()):
            # (The worker's first answer may hold only the starts: the preview is its steps.)
            self._preview_due = False
            self.previewShown.emit()

    def _frame_shown(self) -> None:
        """The 3D view finished painting a streamed frame: that is what a frame costs here."""
        pacing.release_workers(self)
        self._paint_guard.stop()
        if self._paint_started is not None:
            self._frame_cost = time.perf_counter() - self._paint_started
            self._paint_started = None

    def _draw_paths(self) -> None:
        controller = self.controller
        views = controller.views
        state = controller.state
        surface_paths, contour_paths = [], []
        preview = state.toggles.path_preview
        cursor = self.model.cursor
        for index, (track, settings) in enumerate(zip(self.model.tracks, state.runs, strict=False)):
            if not settings.visible or len(track) == 0:
                continue
            color = run_color(index)
            shown = min(cursor, len(track) - 1) + 1
            done = within_domain(track.points(0, shown), state.domain)
            stepwise = shown <= MAX_DRAWN_POINTS  # longer paths are thinned: no dot per step
            surface_paths.append((done, color, False))
            contour_paths.append((done[:, :2], color, False, stepwise))
            if preview and shown < len(track):
                ahead = within_domain(track.points(shown - 1, len(track)), state.domain)
                surface_paths.append((ahead, color, True))
                contour_paths.append((ahead[:, :2], color, True))
        views.surface.set_paths(surface_paths)
        views.contour.set_paths(contour_paths)
        # A race names its runs on both maps, in their colours.
        legend = [
            (run_name(settings), run_color(index))
            for index, settings in enumerate(state.runs)
            if settings.visible
        ]
        legend = legend if len(state.runs) > 1 else []
        views.surface.set_run_legend(legend)
        views.contour.set_run_legend(legend)

    def _draw_details(self) -> None:
        row = self.model.selected_row()
        if row is not None and all(math.isfinite(v) for v in row[:2]):
            self.controller.show_point(row[0], row[1])
        self._refresh_panel()

    def _selected_settings(self) -> RunSettings | None:
        runs = self.controller.state.runs
        return runs[self.model.selected] if 0 <= self.model.selected < len(runs) else None

    def _refresh_panel(self) -> None:
        controller = self.controller
        panel = controller.views.descent
        state = controller.state
        model = self.model
        rows = [
            {
                "name": run_name(settings),
                "color": run_color(index),
                "status": model.track_status(index),
                "visible": settings.visible,
            }
            for index, settings in enumerate(state.runs)
        ]
        panel.set_runs(rows)
        panel.set_selected_run(model.selected)
        settings = self._selected_settings()
        if settings is not None:
            panel.set_run_settings(settings.optimizer, settings.hyperparameters, settings.start)
        panel.set_limits(state.max_steps, state.tolerance)
        panel.set_step(model.cursor, self.recorded_end() if model.tracks else 0)
        panel.set_playing(model.playing)
        panel.set_status(*model.overall_status())
        panel.set_arithmetic(model.arithmetic(settings) if settings is not None else "")
        panel.set_stability_hint(self.stability_hint())
        self.refresh_caption()

    def refresh_caption(self) -> None:
        """The caption: the lesson's words at the start of a stage, else what the step on
        screen did (and what a constraint shows there)."""
        controller = self.controller
        lesson_text = controller.lesson_caption() if self.model.cursor == 0 else None
        controller.views.caption.set_text(controller.caption_text(lesson_text, self.explanation()))

    def explanation(self) -> str:
        """The caption: what the step on screen did, or why the run stopped."""
        settings = self._selected_settings()
        if settings is None:
            return ""
        state = self.controller.state
        return self.model.explanation(settings, self.controller.landscape, state.tolerance)

    def update_arithmetic(self) -> str:
        settings = self._selected_settings()
        return self.model.arithmetic(settings) if settings is not None else ""

    def stability_hint(self) -> str | None:
        """For a quadratic, what the learning rate can do (worked out once per landscape)."""
        landscape = self.controller.landscape
        settings = self._selected_settings()
        if landscape is None or settings is None:
            return None
        if self._curvature_of is not landscape:
            self._curvature = quadratic_curvature(landscape)
            self._curvature_of = landscape
        return stability_hint(self._curvature, settings.optimizer)
