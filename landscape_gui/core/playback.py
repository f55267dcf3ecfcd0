"""The descent runs as the window plays them, without Qt: what was recorded of every run, the
step being shown (the cursor), the selected run, and every text said about them (run names,
statuses, the step's arithmetic, the caption, the stability hint).

The Qt side (qt/runs.py) asks the worker for steps, runs the timers and draws; it keeps none
of this itself. Tests drive this model directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from landscape_gui.core import calculus, numbers
from landscape_gui.core.descent import STATUS_NAMES, History
from landscape_gui.core.explain import StepRecord, explain_end, explain_start, explain_step
from landscape_gui.core.formula import X, Y
from landscape_gui.core.optimizers import ALL_OPTIMIZERS, gd_stability_bound
from landscape_gui.core.state import RunSettings

if TYPE_CHECKING:
    from landscape_gui.core.domain import Domain
    from landscape_gui.core.landscape import Landscape

MAX_DRAWN_POINTS = 600

STATUS_TEXT = {
    "running": "running",
    "converged": "converged: |∇f| < tolerance",
    "max-steps": "stopped at the step limit",
    # True of both ways to diverge; the caption says which one this run took.
    "diverged": "diverged: the steps ran away (too large a learning rate, or no bottom)",
}
assert set(STATUS_TEXT) == set(STATUS_NAMES)
# A run along a curve g = c converges where f stops changing along it, not where |∇f| is small.
CONSTRAINED_CONVERGED = "converged: stationary along the curve (∇f ∥ ∇g)"
# A diverged run whose stop has a named cause says that cause, not "ran away".
REASON_TEXT = {
    "gradient": "stopped: the step landed where the gradient is undefined",
    "value": "stopped: the step landed where f is undefined",
    "position": "diverged: the step overflowed (too large a learning rate)",
    "ran-off": "diverged: the run ran off the domain (too large a learning rate, or no bottom)",
    "constraint": "stopped: the step could not get back onto the curve g = c",
}


def _pair(x: float, y: float) -> str:
    return f"({numbers.number(x, 4)}, {numbers.number(y, 4)})"


class Track:
    """Everything recorded of one run so far; row k is step k.

    Filled from and read back as :class:`History` records (the one record type); stored in
    buffers that double when full, so appending a batch costs only the batch (a fast
    run streams hundreds of thousands of steps; re-concatenating would grow quadratically).
    ``x``, ``y``, ``f``, ``gx``, ``gy`` are views of the recorded part; a constrained run (one
    walking along a curve g = c) also records ``g`` and the λ estimate (``constrained``).
    """

    def __init__(self) -> None:
        self._data = np.full((7, 256), np.nan)
        self._count = 0
        self.status = "running"
        self.reason: str | None = None  # why a diverged run stopped (DescentRun.stop_reason)
        self.steps_taken = 0
        self.constrained = False

    def __len__(self) -> int:
        return self._count

    x = property(lambda self: self._data[0, : self._count])
    y = property(lambda self: self._data[1, : self._count])
    f = property(lambda self: self._data[2, : self._count])
    gx = property(lambda self: self._data[3, : self._count])
    gy = property(lambda self: self._data[4, : self._count])
    g = property(lambda self: self._data[5, : self._count] if self.constrained else None)
    lam = property(lambda self: self._data[6, : self._count] if self.constrained else None)

    def set_recorded(self, history: History) -> None:
        """Replace the contents with a recorded history (from a session file)."""
        self._count = 0
        self.constrained = history.constrained
        self._extend(history.rows())
        self.status = history.status
        self.reason = None  # a session file records the status only
        self.steps_taken = max(self._count - 1, 0)

    def append(self, history: History, steps_taken: int, reason: str | None = None) -> None:
        """Add the steps a worker update carries (they start where the recording ends); a
        constrained run's updates carry g and λ; ``reason`` says why a diverged run stopped
        (``DescentRun.stop_reason``)."""
        if history.first_step != self._count:
            raise RuntimeError("descent updates arrived out of order")
        if history.constrained:
            self.constrained = True
        self._extend(history.rows())
        self.status = history.status
        self.reason = reason
        self.steps_taken = steps_taken

    def history(self) -> History:
        """What is recorded, as the one record type (a copy: for the session file and CSV)."""
        x, y, f, gx, gy, g, lam = self._data[:, : self._count].copy()
        if not self.constrained:
            return History(x, y, f, gx, gy, status=self.status)
        return History(x, y, f, gx, gy, status=self.status, g=g, lam=lam)

    def _extend(self, rows: np.ndarray) -> None:
        needed = self._count + rows.shape[1]
        if needed > self._data.shape[1]:
            grown = np.full((7, max(needed, 2 * self._data.shape[1])), np.nan)
            grown[:, : self._count] = self._data[:, : self._count]
            self._data = grown
        self._data[: rows.shape[0], self._count : needed] = rows
        self._count = needed

    @property
    def finished(self) -> bool:
        return self.status != "running"

    def row(self, step: int) -> tuple[float, float, float, float, float] | None:
        if self._count == 0:
            return None
        x, y, f, gx, gy = (float(v) for v in self._data[:5, min(step, self._count - 1)])
        return (x, y, f, gx, gy)

    def record(self, step: int) -> StepRecord:
        row = self.row(step)
        assert row is not None, "no steps recorded"
        return StepRecord(*row)

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
        points: np.ndarray = self._data[:3, index].T
        return points


def within_domain(points: np.ndarray, domain: Domain, margin: float = 0.05) -> np.ndarray:
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
    spec = ALL_OPTIMIZERS[settings.optimizer]
    lr = settings.learning_rate
    return f"{spec.name}, lr {lr:g}" if lr is not None else spec.name


@dataclass(frozen=True)
class Curvature:
    """The Hessian of a quadratic landscape (the same at every point), or None otherwise."""

    hessian: tuple[tuple[float, float], tuple[float, float]] | None

    @property
    def eigenvalues(self) -> tuple[float, float] | None:
        if self.hessian is None:
            return None
        low, high = np.linalg.eigvalsh(np.array(self.hessian))
        return (float(low), float(high))


def quadratic_curvature(landscape: Landscape) -> Curvature:
    """Worked out once per landscape: whether f is quadratic, and its Hessian."""
    hessian = landscape.compiled.hessian_exprs
    if any(h.free_symbols & {X, Y} for h in hessian):
        return Curvature(None)  # not a quadratic: the bound would change from point to point
    if not calculus.is_at_most_quadratic(landscape.compiled.formula.expr):
        # |x| + |y| has a zero Hessian wherever it has one, and a bottom all the same: only a
        # polynomial of degree 2 or less has the same curvature everywhere.
        return Curvature(None)
    fxx, fxy, fyy = (float(v) for v in landscape.hessian(0.0, 0.0))
    if not all(math.isfinite(v) for v in (fxx, fxy, fyy)):
        return Curvature(None)
    return Curvature(((fxx, fxy), (fxy, fyy)))


def stability_hint(curvature: Curvature, optimizer: str) -> str | None:
    """What the learning rate can do on a quadratic, for the step rules that follow the
    gradient with a fixed rate: the 2/λmax bound where one exists, and the truth where not."""
    if curvature.hessian is None or optimizer not in ("gd", "momentum", "nesterov"):
        return None
    bound = gd_stability_bound(curvature.hessian)
    eigenvalues = curvature.eigenvalues
    assert eigenvalues is not None  # the Hessian is known
    if bound is None:
        low, high = eigenvalues
        if high <= 0:
            return "No learning rate converges: this landscape has no bottom."
        return (
            "No learning rate converges here: on this saddle plain GD runs away along the "
            "downhill-curving direction at any learning rate."
        )
    low, _high = eigenvalues
    if low == 0:
        return "A flat valley floor: GD stops somewhere along it, not at one point."
    if optimizer == "gd":
        return f"Plain GD diverges above lr = {bound:.4g} (2/λmax)"
    return f"Plain GD would diverge above lr = {bound:.4g} (2/λmax)"


class Playback:
    """The recorded runs, the cursor and the selection (see the module docstring)."""

    def __init__(self) -> None:
        self.tracks: list[Track] = []
        self.cursor = 0
        self.selected = 0
        self.playing = False
        self.failure: str | None = None  # why the runs could not start, if they could not

    # Changes
    def start_over(self, run_count: int) -> None:
        self.tracks = [Track() for _ in range(run_count)]
        self.cursor = 0
        self.failure = None
        self.selected = max(0, min(self.selected, run_count - 1))

    def fail(self, message: str) -> None:
        self.tracks = []
        self.failure = message

    def select(self, index: int) -> None:
        """Select a run (the runs themselves may be about to change: start_over clamps)."""
        self.selected = max(0, index)

    def move_to(self, step: int) -> None:
        self.cursor = max(0, min(step, self.recorded_end()))

    # Queries
    def recorded_end(self) -> int:
        """The last recorded step of the longest run."""
        return max((len(t) - 1 for t in self.tracks), default=0)

    def all_finished(self) -> bool:
        return bool(self.tracks) and all(t.finished for t in self.tracks)

    def at_end(self) -> bool:
        return self.all_finished() and self.cursor >= self.recorded_end()

    def selected_track(self) -> Track | None:
        if 0 <= self.selected < len(self.tracks):
            return self.tracks[self.selected]
        return None

    def selected_row(self) -> tuple[float, float, float, float, float] | None:
        track = self.selected_track()
        return track.row(self.cursor) if track is not None else None

    # Texts
    def track_status(self, index: int) -> str:
        track = self.tracks[index] if index < len(self.tracks) else None
        if track is None or len(track) == 0:
            return "waiting" if track is not None and not track.finished else "—"
        if track.finished and self.cursor >= len(track) - 1:
            return track.status
        return f"step {min(self.cursor, len(track) - 1)}"

    def overall_status(self) -> tuple[str, str]:
        """The status line and its kind (running, paused, converged, ..., idle)."""
        if self.failure is not None:
            return (f"not started: {self.failure}", "diverged")
        if not self.tracks:
            return ("no runs", "idle")
        track = self.selected_track()
        at_end = track is not None and self.cursor >= len(track) - 1
        if track is not None and track.finished and at_end:
            if track.constrained and track.status == "converged":
                return (CONSTRAINED_CONVERGED, track.status)
            text = STATUS_TEXT[track.status]
            if track.status == "diverged" and track.reason in REASON_TEXT:
                text = REASON_TEXT[track.reason]
            return (text, track.status)
        if self.playing:
            return ("running", "running")
        return ("paused" if self.cursor > 0 else "ready: press Step or Play", "paused")

    def arithmetic(self, settings: RunSettings) -> str:
        """The last step of the selected run, written out with its numbers."""
        track = self.selected_track()
        if track is None or len(track) == 0:
            return ""
        n = numbers.arithmetic
        k = min(self.cursor, len(track) - 1)
        if k == 0:
            return (
                f"start at ({n(track.x[0])}, {n(track.y[0])}); ∇f there = "
                f"({n(track.gx[0])}, {n(track.gy[0])})"
            )
        old = (track.x[k - 1], track.y[k - 1])
        new = (track.x[k], track.y[k])
        grad = (track.gx[k - 1], track.gy[k - 1])
        if settings.optimizer == "gd":
            return (
                f"({n(new[0])}, {n(new[1])}) = ({n(old[0])}, {n(old[1])}) − "
                f"{settings.learning_rate:g} × ({n(grad[0])}, {n(grad[1])})"
            )
        step = (old[0] - new[0], old[1] - new[1])
        return (
            f"({n(new[0])}, {n(new[1])}) = ({n(old[0])}, {n(old[1])}) − "
            f"({n(step[0])}, {n(step[1])})   [∇f was ({n(grad[0])}, {n(grad[1])})]"
        )

    def explanation(self, settings: RunSettings, landscape: Landscape, tolerance: float) -> str:
        """The caption: what the step on screen did, or why the run stopped."""
        track = self.selected_track()
        if track is None or len(track) == 0:
            return ""
        k = min(self.cursor, len(track) - 1)
        if track.finished and k == len(track) - 1 and (k > 0 or track.status != "running"):
            last = track.record(k)
            if track.constrained and track.status == "converged" and track.lam is not None:
                # ∇f is not zero at a constrained optimum, only parallel to ∇g.
                ending = (
                    f"After {k} steps the run stopped at {_pair(last.x, last.y)} on the curve: "
                    f"f no longer changes along it (∇f ∥ ∇g, "
                    f"λ ≈ {numbers.number(float(track.lam[k]), 4)}), "
                    f"f = {numbers.number(last.f, 4)}."
                )
                return ending if k == 0 else f"{self._step_text(track, k, settings)} {ending}"
            kind = None
            if track.status == "converged" and landscape is not None:
                kind = calculus.classify(*(float(h) for h in landscape.hessian(last.x, last.y)))
            # The start's height tells overshooting (a smaller rate helps) from falling off a
            # landscape with no bottom (it does not).
            ending = explain_end(
                track.status, k, last, kind, tolerance, first=track.record(0), reason=track.reason
            )
            return ending if k == 0 else f"{self._step_text(track, k, settings)} {ending}"
        if k == 0:
            return explain_start(track.record(0))
        return self._step_text(track, k, settings)

    @staticmethod
    def _step_text(track: Track, k: int, settings: RunSettings) -> str:
        return explain_step(
            k, track.record(k - 1), track.record(k), settings.optimizer, settings.learning_rate
        )
