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

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from landscape_gui.core import calculus
from landscape_gui.core.descent import STATUS_NAMES
from landscape_gui.core.explain import StepRecord, explain_end, explain_start, explain_step
from landscape_gui.core.formula import X, Y
from landscape_gui.core.optimizers import OPTIMIZERS, gd_stability_bound
from landscape_gui.core.state import RunSettings
from landscape_gui.qt.views.palette import run_color
from landscape_gui.qt.worker import DescentWorker, RunUpdate, WorkerThread

PREVIEW_STEPS = 300
MAX_BASIN_STEPS = 500
FRAME_MS = 16
MAX_DRAWN_POINTS = 600
_STATUS_TEXT = {
    "running": "running",
    "converged": "converged: |∇f| < tolerance",
    "max-steps": "stopped at the step limit",
    "diverged": "diverged: the steps blew up — try a smaller learning rate",
}
assert set(_STATUS_TEXT) == set(STATUS_NAMES)


class Track:
    """Everything recorded of one run so far; row k is step k.

    Stored in buffers that double when full, so appending a batch costs only the batch (a fast
    run streams hundreds of thousands of steps; re-concatenating would grow quadratically).
    ``x``, ``y``, ``f``, ``gx``, ``gy`` are views of the recorded part.
    """

    def __init__(self) -> None:
        self._data = np.empty((5, 256))
        self._count = 0
        self.status = "running"
        self.steps_taken = 0

    def __len__(self) -> int:
        return self._count

    x = property(lambda self: self._data[0, : self._count])
    y = property(lambda self: self._data[1, : self._count])
    f = property(lambda self: self._data[2, : self._count])
    gx = property(lambda self: self._data[3, : self._count])
    gy = property(lambda self: self._data[4, : self._count])

    def set_recorded(self, x, y, f, gx, gy, status: str) -> None:
        """Replace the contents with a recorded history (from a session file)."""
        self._count = 0
        self._extend(np.vstack((x, y, f, gx, gy)))
        self.status = status
        self.steps_taken = max(self._count - 1, 0)

    def append(self, update: RunUpdate) -> None:
        if update.first_step != self._count:
            raise RuntimeError("descent updates arrived out of order")
        self._extend(np.vstack((update.x, update.y, update.f, update.gx, update.gy)))
        self.status = update.status
        self.steps_taken = update.steps_taken

    def _extend(self, rows: np.ndarray) -> None:
        needed = self._count + rows.shape[1]
        if needed > self._data.shape[1]:
            grown = np.empty((5, max(needed, 2 * self._data.shape[1])))
            grown[:, : self._count] = self._data[:, : self._count]
            self._data = grown
        self._data[:, self._count : needed] = rows
        self._count = needed

    @property
    def finished(self) -> bool:
        return self.status != "running"

    def row(self, step: int) -> tuple[float, float, float, float, float] | None:
        if self._count == 0:
            return None
        return tuple(float(v) for v in self._data[:, min(step, self._count - 1)])

    def points(self, start: int, stop: int) -> np.ndarray:
        """(x, y, f) rows from step ``start`` to ``stop`` - 1, thinned to at most
        MAX_DRAWN_POINTS rows (always keeping the last: the current point)."""
        count = stop - start
        if count <= 0:
            return np.empty((0, 3))
        stride = max(1, math.ceil(count / MAX_DRAWN_POINTS))
        index = np.arange(start, stop, stride)
        if index[-1] != stop - 1:
            index = np.append(index, stop - 1)
        return self._data[:3, index].T


def _within(points: np.ndarray, domain, margin: float = 0.05) -> np.ndarray:
    """The path up to where it first leaves the drawn domain (a diverging run flies off to
    1e8; drawing that would shrink the landscape to a dot)."""
    mx, my = margin * domain.width, margin * domain.height
    inside = (
        (points[:, 0] >= domain.x_min - mx)
        & (points[:, 0] <= domain.x_max + mx)
        & (points[:, 1] >= domain.y_min - my)
        & (points[:, 1] <= domain.y_max + my)
    )
    if inside.all():
        return points
    return points[: int(np.argmin(inside))]


def run_name(settings: RunSettings) -> str:
    spec = OPTIMIZERS.get(settings.optimizer)
    name = spec.name if spec else settings.optimizer
    lr = settings.hyperparameters.get("lr", spec.defaults().get("lr") if spec else None)
    return f"{name}, lr {lr:g}" if lr is not None else name


class RunsController(QObject):
    """The descent half of the controller (see module docstring)."""

    stepShown = Signal(int)  # the cursor moved
    finished = Signal()  # every run has stopped and the cursor reached the end
    statusChanged = Signal(str)  # the overall status text

    extendRequested = Signal(int, int)
    configureRequested = Signal(int, object)
    playFastRequested = Signal(int)
    basinsRequested = Signal(int, object)
    basinsShown = Signal()
    pauseRequested = Signal()

    def __init__(self, controller):
        super().__init__(controller)
        self.controller = controller
        self.tracks: list[Track] = []
        self.cursor = 0
        self.generation = 0
        self.playing = False
        self.speed = 10.0  # steps per second; 0 means as fast as possible
        self.selected = 0
        self._pending = False  # an extend request is on its way
        self._waiting_for_target: int | None = None
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
        controller.window.views.surface.frameSwapped.connect(self._frame_shown)

    def shutdown(self) -> None:
        self._timer.stop()
        self._thread.stop()

    # Configuration
    def reconfigure(self, recorded=None) -> None:
        """Start over from the runs' starts with the current landscape and settings.

        ``recorded`` (one history or None per run, from a session file) is shown at once; the
        worker is told how far each run already got and only computes beyond that.
        """
        controller = self.controller
        landscape = controller.landscape
        if landscape is None:
            return
        self.generation += 1
        self.tracks = [Track() for _ in controller.state.runs]
        already = [0] * len(self.tracks)
        for index, history in enumerate(recorded or []):
            if history is not None and index < len(self.tracks) and len(history.x):
                self.tracks[index].set_recorded(
                    history.x, history.y, history.f, history.gx, history.gy, history.status
                )
                already[index] = len(history.x)
        self.cursor = 0
        self._pending = not any(already)
        self._waiting_for_target = None
        was_playing = self.playing
        self._set_playing(False)
        state = controller.state
        setup = (
            landscape.compiled,
            dict(landscape.parameter_values),
            landscape.domain,
            [RunSettings(r.optimizer, dict(r.hyperparameters), r.start) for r in state.runs],
            state.max_steps,
            state.tolerance,
            already,
        )
        self.configureRequested.emit(self.generation, setup)
        if not any(already):
            self.extendRequested.emit(self.generation, PREVIEW_STEPS)
        self.selected = min(self.selected, len(state.runs) - 1)
        self._refresh_panel()
        if was_playing:
            self.statusChanged.emit("restarted: the settings changed")

    def restore(self, histories, selected: int, cursor: int) -> None:
        """Show runs recorded in a session file at once, and let the worker catch up quietly so
        that stepping on continues them (same settings give the same steps, so nothing jumps)."""
        self.reconfigure(recorded=histories)
        self.selected = max(0, min(selected, len(self.tracks) - 1))
        self._move_to(min(max(cursor, 0), self.recorded_end()), request_more=False)

    def show_step(self, step: int) -> None:
        """Draw the runs at a recorded step (used to draw animation frames)."""
        self.cursor = max(0, min(step, self.recorded_end()))
        self._draw()

    def update_basins(self) -> None:
        """Recompute the basin overlay for the selected run's optimizer, or hide it."""
        controller = self.controller
        state = controller.state
        self._basin_request += 1
        if not state.toggles.basins or controller.landscape is None or not state.runs:
            self.basin_map = None
            controller.window.views.contour.set_basins(None)
            return
        landscape = controller.landscape
        settings = state.runs[min(self.selected, len(state.runs) - 1)]
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
        controller.window.views.contour.set_basins(result.xs, result.ys, result.labels)
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
        self._move_to(self.cursor + count)

    def step_back(self, count: int = 1) -> None:
        self._set_playing(False)
        self._move_to(max(0, self.cursor - count))

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
        if self.playing:
            self._set_playing(False)
            return
        if self.all_finished() and self.cursor >= self.recorded_end():
            self.statusChanged.emit("finished: press R to reset, or Home to replay")
            return
        self._set_playing(True)

    def set_speed(self, steps_per_second: float) -> None:
        self.speed = max(0.0, float(steps_per_second))
        if self.playing:
            self._set_playing(False)
            self._set_playing(True)

    # Queries
    def recorded_end(self) -> int:
        """The last recorded step of the longest run."""
        return max((len(t) - 1 for t in self.tracks), default=0)

    def all_finished(self) -> bool:
        return bool(self.tracks) and all(t.finished for t in self.tracks)

    def selected_track(self) -> Track | None:
        if 0 <= self.selected < len(self.tracks):
            return self.tracks[self.selected]
        return None

    # Internals
    def _set_playing(self, playing: bool) -> None:
        if playing == self.playing:
            return
        self.playing = playing
        if playing:
            if self.speed == 0:
                self._move_to(self.recorded_end(), request_more=False)
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
        end = self.recorded_end()
        if self.cursor >= end and self.all_finished():
            self._set_playing(False)
            self.finished.emit()
            return
        self._move_to(self.cursor + advance)

    def _move_to(self, target: int, request_more: bool = True) -> None:
        end = self.recorded_end()
        if target > end and request_more and not self.all_finished():
            # Past the recording: ask the worker, and show the target when it arrives.
            if not self._pending:
                self._pending = True
                self.extendRequested.emit(self.generation, max(target - end, PREVIEW_STEPS))
            self._waiting_for_target = target
            target = end
        self.cursor = max(0, min(target, end))
        self._draw()
        self.stepShown.emit(self.cursor)

    def _progressed(self, generation: int, updates: list[RunUpdate]) -> None:
        if generation != self.generation:
            return
        for update in updates:
            if update.index < len(self.tracks):
                self.tracks[update.index].append(update)
        self._pending = False
        if self.playing and self.speed == 0:
            self.cursor = self.recorded_end()
        elif self._waiting_for_target is not None:
            target, self._waiting_for_target = self._waiting_for_target, None
            self._move_to(target)
            return
        # Streamed batches are drawn at most once a frame, and never more often than the
        # drawing itself allows (a software-rendered 3D view can take 50 ms a frame): storing
        # them is cheap, drawing is not, and the window must keep answering the user.
        if not self._draw_timer.isActive():
            self._draw_timer.start(max(FRAME_MS, int(2000 * self._frame_cost)))
        self.stepShown.emit(self.cursor)

    def _fast_stopped(self, generation: int) -> None:
        if generation == self.generation and self.playing and self.speed == 0:
            if self.all_finished():
                self._set_playing(False)
                self.finished.emit()

    def _failed(self, generation: int, message: str) -> None:
        if generation != self.generation:
            return
        self._pending = False
        self.tracks = []
        self.controller.message.emit(f"Descent not started: {message}")
        self._refresh_panel(status=(f"not started: {message}", "diverged"))
        self._draw()

    # Drawing
    def redraw(self) -> None:
        """Draw the runs and everything that follows them (after a setting or selection change)."""
        self._draw()

    def _draw(self) -> None:
        streaming = self.playing and self.speed == 0
        started = time.perf_counter()
        self._draw_paths()
        if not streaming:
            self._draw_details()
        elif started - self._last_detail > 0.2:
            # While streaming thousands of steps a second, the probe, readout and slices (which
            # cost far more to repaint than the paths) wait until play stops; only the step
            # counter and caption follow, about five times a second.
            self._last_detail = started
            panel = self.controller.window.views.descent
            panel.set_step(self.cursor, self.recorded_end())
            self.controller.window.views.caption.set_text(self.explanation())
        self._paint_started = started if streaming else None
        if streaming:
            self._worker.gui_painting = True
            self._paint_guard.start()  # in case no frame is shown (a hidden 3D view)

    def _frame_shown(self) -> None:
        """The 3D view finished painting a streamed frame: that is what a frame costs here."""
        self._worker.gui_painting = False
        self._paint_guard.stop()
        if self._paint_started is not None:
            self._frame_cost = time.perf_counter() - self._paint_started
            self._paint_started = None

    def _draw_paths(self) -> None:
        controller = self.controller
        views = controller.window.views
        state = controller.state
        surface_paths, contour_paths = [], []
        preview = state.toggles.path_preview
        for index, (track, settings) in enumerate(zip(self.tracks, state.runs, strict=False)):
            if not settings.visible or len(track) == 0:
                continue
            color = run_color(index)
            shown = min(self.cursor, len(track) - 1) + 1
            done = _within(track.points(0, shown), state.domain)
            surface_paths.append((done, color, False))
            contour_paths.append((done[:, :2], color, False))
            if preview and shown < len(track):
                ahead = _within(track.points(shown - 1, len(track)), state.domain)
                surface_paths.append((ahead, color, True))
                contour_paths.append((ahead[:, :2], color, True))
        views.surface.set_paths(surface_paths)
        views.contour.set_paths(contour_paths)

    def _draw_details(self) -> None:
        controller = self.controller
        track = self.selected_track()
        row = track.row(self.cursor) if track is not None else None
        if row is not None and all(math.isfinite(v) for v in row[:2]):
            controller.show_point(row[0], row[1])
        self._refresh_panel()

    def _refresh_panel(self, status: tuple[str, str] | None = None) -> None:
        controller = self.controller
        panel = controller.window.views.descent
        state = controller.state
        rows = []
        for index, settings in enumerate(state.runs):
            track = self.tracks[index] if index < len(self.tracks) else None
            rows.append(
                {
                    "name": run_name(settings),
                    "color": run_color(index),
                    "status": self._track_status(track),
                    "visible": settings.visible,
                }
            )
        panel.set_runs(rows)
        panel.set_selected_run(self.selected)
        if 0 <= self.selected < len(state.runs):
            settings = state.runs[self.selected]
            panel.set_run_settings(
                settings.optimizer, dict(settings.hyperparameters), settings.start
            )
        panel.set_limits(state.max_steps, state.tolerance)
        panel.set_step(self.cursor, self.recorded_end() if self.tracks else 0)
        panel.set_playing(self.playing)
        panel.set_status(*(status or self._overall_status()))
        panel.set_arithmetic(self.update_arithmetic())
        panel.set_stability_hint(self.stability_hint())
        lesson_text = controller.lesson_caption() if self.cursor == 0 else None
        controller.window.views.caption.set_text(lesson_text or self.explanation())

    def _track_status(self, track: Track | None) -> str:
        if track is None or len(track) == 0:
            return "waiting" if track is not None and not track.finished else "—"
        if track.finished and self.cursor >= len(track) - 1:
            return track.status
        return f"step {min(self.cursor, len(track) - 1)}"

    def _overall_status(self) -> tuple[str, str]:
        if not self.tracks:
            return ("no runs", "idle")
        track = self.selected_track()
        at_end = track is not None and self.cursor >= len(track) - 1
        if track is not None and track.finished and at_end:
            return (_STATUS_TEXT[track.status], track.status)
        if self.playing:
            return ("running", "running")
        return ("paused" if self.cursor > 0 else "ready: press Step or Play", "paused")

    def update_arithmetic(self) -> str:
        """The last step of the selected run, written out with its numbers."""
        track = self.selected_track()
        if track is None or len(track) == 0:
            return ""
        k = min(self.cursor, len(track) - 1)
        settings = self.controller.state.runs[self.selected]
        if k == 0:
            return (
                f"start at ({_n(track.x[0])}, {_n(track.y[0])}); ∇f there = "
                f"({_n(track.gx[0])}, {_n(track.gy[0])})"
            )
        old = (track.x[k - 1], track.y[k - 1])
        new = (track.x[k], track.y[k])
        grad = (track.gx[k - 1], track.gy[k - 1])
        if settings.optimizer == "gd":
            lr = settings.hyperparameters.get("lr", OPTIMIZERS["gd"].defaults()["lr"])
            return (
                f"({_n(new[0])}, {_n(new[1])}) = ({_n(old[0])}, {_n(old[1])}) − {lr:g} × "
                f"({_n(grad[0])}, {_n(grad[1])})"
            )
        step = (old[0] - new[0], old[1] - new[1])
        return (
            f"({_n(new[0])}, {_n(new[1])}) = ({_n(old[0])}, {_n(old[1])}) − "
            f"({_n(step[0])}, {_n(step[1])})   [∇f was ({_n(grad[0])}, {_n(grad[1])})]"
        )

    def explanation(self) -> str:
        """The caption: what the step on screen did, or why the run stopped."""
        track = self.selected_track()
        if track is None or len(track) == 0:
            return ""
        state = self.controller.state
        settings = state.runs[self.selected]
        k = min(self.cursor, len(track) - 1)

        def record(i: int) -> StepRecord:
            return StepRecord(*(float(v) for v in track.row(i)))

        if track.finished and k == len(track) - 1 and (k > 0 or track.status != "running"):
            kind = None
            last = record(k)
            landscape = self.controller.landscape
            if track.status == "converged" and landscape is not None:
                kind = calculus.classify(*(float(h) for h in landscape.hessian(last.x, last.y)))
            ending = explain_end(track.status, k, last, kind, state.tolerance)
            return ending if k == 0 else f"{self._step_text(k, record, settings)} {ending}"
        if k == 0:
            return explain_start(record(0))
        return self._step_text(k, record, settings)

    def _step_text(self, k: int, record, settings: RunSettings) -> str:
        spec = OPTIMIZERS[settings.optimizer]
        lr = settings.hyperparameters.get("lr", spec.defaults().get("lr"))
        return explain_step(k, record(k - 1), record(k), settings.optimizer, lr)

    def stability_hint(self) -> str | None:
        """For a quadratic (constant Hessian), the learning rate above which plain GD diverges."""
        controller = self.controller
        landscape = controller.landscape
        if landscape is None or not controller.state.runs:
            return None
        settings = controller.state.runs[self.selected]
        if settings.optimizer not in ("gd", "momentum", "nesterov"):
            return None
        hessian = landscape.compiled.hessian_exprs
        if any(h.free_symbols & {X, Y} for h in hessian):
            return None  # not a quadratic: the bound would change from point to point
        fxx, fxy, fyy = (float(v) for v in landscape.hessian(0.0, 0.0))
        if not all(math.isfinite(v) for v in (fxx, fxy, fyy)):
            return None
        bound = gd_stability_bound([[fxx, fxy], [fxy, fyy]])
        if bound is None:
            return "No learning rate converges: the landscape has no bottom (a saddle)."
        if settings.optimizer == "gd":
            return f"Plain GD diverges above lr = {bound:.4g} (2/λmax)"
        return f"Plain GD would diverge above lr = {bound:.4g} (2/λmax)"


def _n(value: float) -> str:
    if not math.isfinite(value):
        return "undefined"
    return f"{value:.2f}" if abs(value) < 1e5 else f"{value:.3g}"
