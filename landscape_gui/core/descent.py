"""A descent run: N starts walked downhill together, with full history and stop rules.

One :class:`DescentRun` serves a single hiker, a race and a grid of 40,000 starts: the
running points are kept in compact arrays (a point that stops is dropped from them), so
each step costs a handful of numpy calls whatever N is, and nothing is masked per step.

Per start the status is one of:

* ``"running"``   still walking;
* ``"converged"`` ``|grad f| < tol`` at its last recorded point;
* ``"max-steps"`` the run reached ``max_steps`` before the start converged;
* ``"diverged"``  a step produced a non-finite position, value or gradient, or left the
  disc ``|position| <= 1e8``.

A start that stops is frozen.  History holds only finite rows: when a step lands on a
non-finite point the start's history ends at the previous (finite) row; a finite point
beyond ``1e8`` is recorded, as the evidence of the blow-up.  :meth:`DescentRun.stop_reason`
says which rule stopped a diverged start (the step left the landscape's defined part, landed
where the gradient is undefined, or ran off), and :meth:`DescentRun.failed_point` where the
step that broke landed.  A run whose every start has an undefined value or gradient is
refused (:class:`DescentError` with a sentence); in a run of many starts, one with an
undefined start is "diverged" with an empty history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from landscape_gui.core.optimizers import get_optimizer, resolve_hyperparameters

__all__ = [
    "COLUMNS",
    "CONVERGED",
    "DIVERGED",
    "DIVERGENCE_RADIUS",
    "MAX_STEPS",
    "RUNNING",
    "STATUS_NAMES",
    "DescentError",
    "DescentRun",
    "History",
    "LandscapeLike",
    "run_to_end",
]

RUNNING, CONVERGED, MAX_STEPS, DIVERGED = 0, 1, 2, 3
STATUS_NAMES = ("running", "converged", "max-steps", "diverged")
DIVERGENCE_RADIUS = 1e8

# Why a diverged start stopped (see DescentRun.stop_reason).
NO_REASON, BAD_POSITION, UNDEFINED_VALUE, UNDEFINED_GRADIENT, RAN_OFF = range(5)
STOP_REASONS = (None, "position", "value", "gradient", "ran-off")

# Columns of a history record.
COLUMNS = ("x", "y", "f", "gx", "gy")
_X, _Y, _F, _GX, _GY = range(5)
_WIDTH = 5
# History is stored in blocks of about this many floats, so a long single run and a wide
# grid both grow without copying what is already recorded.
_BLOCK_FLOATS = 1 << 20
_MAX_BLOCK_STEPS = 4096


@runtime_checkable
class LandscapeLike(Protocol):
    """What a run needs from a landscape; ``core.landscape.Landscape`` provides it.

    All methods are elementwise on float arrays of one shape and return NaN where the
    function (or derivative) is undefined.  A landscape may also offer
    ``value_and_gradient(x, y) -> (f, fx, fy)``; a run uses it when present, since one call
    per step instead of two is most of a single-start run's cost.
    """

    def value(self, x: np.ndarray, y: np.ndarray) -> np.ndarray: ...

    def gradient(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def hessian(
        self, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


class DescentError(ValueError):
    """Bad arguments for a run (starts, max_steps, tol, history index)."""


@dataclass(frozen=True, eq=False)
class History:
    """One run's recorded steps: the one record of a run's path, whoever carries it.

    The descent run produces it, the worker streams slices of it to the window, the playback
    track is filled from it and hands it back, the session file stores it and the CSV writer
    writes it; no other type holds a run's steps.  Row ``k`` is the point after
    ``first_step + k`` steps (a session file and a CSV always start at step 0).  ``status`` is
    the run's status when the record was taken (one of ``STATUS_NAMES``).

    Columns are 1-D float arrays of one length.  A descent history holds only finite rows; a
    session file may also hold NaN.  Equality treats NaN as equal to NaN, so a history read
    back from a file equals the one saved.
    """

    x: np.ndarray
    y: np.ndarray
    f: np.ndarray
    gx: np.ndarray
    gy: np.ndarray
    status: str = "running"
    first_step: int = 0

    def __post_init__(self) -> None:
        arrays = [np.asarray(getattr(self, name), dtype=float) for name in COLUMNS]
        if any(a.ndim != 1 or a.shape != arrays[0].shape for a in arrays):
            raise ValueError("x, y, f, gx and gy must be 1-D arrays of one length")
        if self.first_step < 0:
            raise ValueError("a history cannot start before step 0")
        for name, array in zip(COLUMNS, arrays, strict=True):
            object.__setattr__(self, name, array)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, History):
            return NotImplemented
        return (
            self.status == other.status
            and self.first_step == other.first_step
            and all(
                np.array_equal(getattr(self, name), getattr(other, name), equal_nan=True)
                for name in COLUMNS
            )
        )

    # mutable arrays: not hashable (typeshed types object.__hash__ as a method, not optional)
    __hash__ = None  # type: ignore[assignment]

    @property
    def step(self) -> np.ndarray:
        """The step number of each row."""
        return np.arange(self.first_step, self.first_step + len(self), dtype=np.int64)

    @property
    def norm(self) -> np.ndarray:
        """|grad f| of each row."""
        norm: np.ndarray = np.hypot(self.gx, self.gy)
        return norm

    def rows(self) -> np.ndarray:
        """The columns as one ``(5, n)`` array: x, y, f, gx, gy."""
        return np.vstack([getattr(self, name) for name in COLUMNS])

    @classmethod
    def from_records(cls, first_step: int, records: np.ndarray, status: str = "running") -> History:
        """Build from an ``(n, 5)`` array of ``x, y, f, gx, gy`` rows."""
        records = np.asarray(records, dtype=float).reshape(-1, _WIDTH)
        x, y, f, gx, gy = records.T.copy()
        return cls(x, y, f, gx, gy, status=status, first_step=first_step)


class DescentRun:
    """N starts descending together under one optimizer.

    ``starts`` is ``(N, 2)`` (or one ``(x, y)`` pair).  Hyperparameters are validated up
    front (:class:`~landscape_gui.core.optimizers.OptimizerError`), so the inner loop never
    checks them.  With ``record=False`` only the last finite row of each start is kept (for
    basin maps, where 40,000 full histories are not wanted).  Not thread-safe: one thread
    advances a run and reads its results.
    """

    def __init__(
        self,
        landscape: LandscapeLike,
        starts: object,
        optimizer: str = "gd",
        hyperparameters: Mapping[str, object] | None = None,
        *,
        max_steps: int = 1000,
        tol: float = 1e-6,
        record: bool = True,
    ) -> None:
        self._spec = get_optimizer(optimizer)
        self._params = resolve_hyperparameters(optimizer, hyperparameters)
        starts_array = _as_starts(starts)
        if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)):
            raise DescentError(f"max_steps must be an integer, got {max_steps!r}")
        if max_steps < 0:
            raise DescentError(f"max_steps must be >= 0, got {max_steps}")
        if isinstance(tol, bool) or not isinstance(tol, (int, float, np.integer, np.floating)):
            raise DescentError(f"tol must be a number, got {tol!r}")
        tol = float(tol)
        if not np.isfinite(tol) or tol < 0.0:
            raise DescentError(f"tol must be finite and >= 0, got {tol}")

        self._landscape = landscape
        # Optional fast path: one call for f and grad f (one lambdified function, not two).
        self._value_and_gradient = getattr(landscape, "value_and_gradient", None)
        self._max_steps = int(max_steps)
        self._tol = tol
        self._record = bool(record)
        n: int = starts_array.shape[0]
        self._n = n
        self._steps_taken = 0
        self._status = np.full(n, RUNNING, dtype=np.int8)
        # Last finite row and its step, for starts that have stopped (running starts read
        # theirs from the active arrays).  A start with no finite row keeps its start
        # position and NaN for the rest.
        self._final = np.full((n, _WIDTH), np.nan)
        self._final[:, :2] = starts_array
        self._final_step = np.full(n, -1, dtype=np.int64)
        self._reason = np.zeros(n, dtype=np.int8)
        self._failed_point = np.full((n, 2), np.nan)
        self._block_steps = max(1, min(_MAX_BLOCK_STEPS, _BLOCK_FLOATS // (_WIDTH * n)))
        self._blocks: list[np.ndarray] = []

        self._active: np.ndarray | None = None  # indices of running starts; None = all
        self._state = self._spec.init_state(n)
        with np.errstate(all="ignore"):
            rec = self._evaluate(starts_array[:, 0], starts_array[:, 1], 0)
            self._rec = rec
            self._settle(rec, None, 0)
        if (self._final_step < 0).all() and (self._status == DIVERGED).all():
            raise DescentError(_undefined_start_message(starts_array, self._reason))
        if self._max_steps == 0:
            self._stop_remaining()

    # ------------------------------------------------------------------ read-only facts

    @property
    def optimizer(self) -> str:
        return self._spec.key

    @property
    def hyperparameters(self) -> dict[str, float]:
        return dict(self._params)

    @property
    def n_starts(self) -> int:
        return self._n

    @property
    def max_steps(self) -> int:
        return self._max_steps

    @property
    def tol(self) -> float:
        return self._tol

    @property
    def steps_taken(self) -> int:
        """Steps the run has taken (the last recorded step of every start still running)."""
        return self._steps_taken

    @property
    def is_finished(self) -> bool:
        return self._active is not None and self._active.size == 0

    @property
    def records_history(self) -> bool:
        return self._record

    @property
    def status_codes(self) -> np.ndarray:
        """Status per start as int8 codes indexing :data:`STATUS_NAMES` (a copy)."""
        codes: np.ndarray = self._status.copy()
        return codes

    def stop_reason(self, index: int = 0) -> str | None:
        """Why a diverged start stopped: ``"position"`` (a step went to a non-finite point),
        ``"value"`` (f is undefined where it landed), ``"gradient"`` (f is defined there but
        its slope is not: a corner, cusp or overflow), ``"ran-off"`` (beyond 1e8); else None."""
        return STOP_REASONS[self._reason[self._check_index(index)]]

    def failed_point(self, index: int = 0) -> tuple[float, float] | None:
        """Where the step that stopped a diverged start landed (None when it was not a point
        or the start did not diverge on a step)."""
        x, y = self._failed_point[self._check_index(index)]
        if not (np.isfinite(x) and np.isfinite(y)):
            return None
        return float(x), float(y)

    def status(self, index: int = 0) -> str:
        """Status name of start ``index``."""
        return STATUS_NAMES[self._status[self._check_index(index)]]

    def statuses(self) -> list[str]:
        return [STATUS_NAMES[code] for code in self._status.tolist()]

    @property
    def last_step(self) -> np.ndarray:
        """Per start, the step of its last recorded (finite) row; -1 if it has none."""
        out: np.ndarray = self._final_step.copy()
        out[self._active_indices()] = self._steps_taken
        return out

    @property
    def last_records(self) -> np.ndarray:
        """Per start, its last finite ``x, y, f, gx, gy`` row, ``(N, 5)``.

        A start with no finite row has its start position and NaN elsewhere.
        """
        out: np.ndarray = self._final.copy()
        out[self._active_indices()] = self._rec.T
        return out

    @property
    def positions(self) -> np.ndarray:
        """Current positions ``(N, 2)``; a stopped start sits at its last finite point."""
        return self.last_records[:, :2]

    def history(self, index: int = 0, since: int = 0) -> History:
        """The recorded rows of start ``index`` from step ``since`` on (for live streaming),
        with the start's status now."""
        index = self._check_index(index)
        if not self._record:
            raise DescentError("this run was created with record=False and keeps no history")
        since = max(0, int(since))
        last = self._steps_taken if self._status[index] == RUNNING else int(self._final_step[index])
        status = self.status(index)
        if last < since:
            return History.from_records(since, np.empty((0, _WIDTH)), status)
        size = self._block_steps
        parts = []
        for block_index in range(since // size, last // size + 1):
            block = self._blocks[block_index]
            lo = max(since - block_index * size, 0)
            hi = min(last - block_index * size, size - 1) + 1
            parts.append(block[lo:hi, :, index])
        return History.from_records(since, np.concatenate(parts), status)

    # ------------------------------------------------------------------ stepping

    def advance(self, n_steps: int = 1) -> int:
        """Take up to ``n_steps`` steps; returns how many were taken (0 once finished)."""
        if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)):
            raise DescentError(f"n_steps must be an integer, got {n_steps!r}")
        if n_steps < 0:
            raise DescentError(f"n_steps must be >= 0, got {n_steps}")
        todo = min(int(n_steps), self._max_steps - self._steps_taken)
        taken = 0
        # Divergence is an expected outcome here, reported through the status, so numpy's
        # overflow/invalid warnings are silenced for the whole loop (not per step: speed).
        with np.errstate(all="ignore"):
            while taken < todo and not self.is_finished:
                self._step_once()
                taken += 1
        if self._steps_taken >= self._max_steps and not self.is_finished:
            self._stop_remaining()
        return taken

    def _step_once(self) -> None:
        rec = self._rec
        hessian = None
        if self._spec.needs_hessian:
            hessian = self._landscape.hessian(rec[_X], rec[_Y])
        # Transposed views: (n, 2) positions and gradient without copying.
        new = self._spec.step(rec[:2].T, self._state, rec[3:].T, hessian, self._params)
        k = self._steps_taken + 1
        new_rec = self._evaluate(new[:, 0], new[:, 1], k)
        self._steps_taken = k
        self._settle(new_rec, rec, k)

    def _evaluate(self, x: np.ndarray, y: np.ndarray, step: int) -> np.ndarray:
        """Value and gradient at (x, y) as the step's ``(5, n)`` record (stored if recording).

        Records are column-major, one contiguous row per quantity, so the landscape gets
        contiguous x and y arrays.
        """
        all_active = self._active is None
        if self._record and all_active:
            # Every start is running: write straight into the history block.
            rec = self._history_slot(step)
        else:
            rec = np.empty((_WIDTH, x.shape[0]))
        rec[_X] = x
        rec[_Y] = y
        x = rec[_X]
        y = rec[_Y]
        if self._value_and_gradient is not None:
            rec[_F], rec[_GX], rec[_GY] = self._value_and_gradient(x, y)
        else:
            rec[_F] = self._landscape.value(x, y)
            rec[_GX], rec[_GY] = self._landscape.gradient(x, y)
        if self._record and not all_active:
            self._history_slot(step)[:, self._active] = rec
        return rec

    def _history_slot(self, step: int) -> np.ndarray:
        """The ``(5, N)`` storage for ``step``, adding a block when a new one starts."""
        block_index, row = divmod(step, self._block_steps)
        if block_index == len(self._blocks):
            self._blocks.append(np.empty((self._block_steps, _WIDTH, self._n)))
        slot: np.ndarray = self._blocks[block_index][row]
        return slot

    def _settle(self, rec: np.ndarray, previous: np.ndarray | None, step: int) -> None:
        """Apply the stop rules to the new records and drop the starts that stopped."""
        n = rec.shape[1]
        # Rows (x, gx) and (y, gy) in one hypot: |position| and |gradient| together.  hypot,
        # not x*x + y*y: the squares would overflow or underflow long before the bounds.
        lengths = np.hypot(rec[_X::3], rec[_Y::3])
        inside = lengths[0] <= DIVERGENCE_RADIUS
        # A gradient whose length overflows is as undefined as a NaN one (its norm would be
        # written as inf), so "steep" also requires a finite length.
        steep = (lengths[1] >= self._tol) & (lengths[1] < np.inf)
        finite = np.isfinite(rec)
        # Fast path, taken on almost every step: count instead of reducing with all().
        if np.count_nonzero(finite) == finite.size and np.count_nonzero(inside & steep) == n:
            self._rec = rec
            return
        finite = finite.all(axis=0) & np.isfinite(lengths[1])
        keep = finite & inside & steep
        active = self._active_indices()
        # Finite new rows are the last record of the starts that stop now; starts whose new
        # row is not finite end on their previous row (none at the start).
        stopping_finite = finite & ~keep
        idx = active[stopping_finite]
        self._final[idx] = rec[:, stopping_finite].T
        self._final_step[idx] = step
        self._status[idx] = np.where(inside[stopping_finite], CONVERGED, DIVERGED)
        self._reason[idx] = np.where(inside[stopping_finite], NO_REASON, RAN_OFF)
        broken = ~finite
        idx = active[broken]
        bad = rec[:, broken]
        with np.errstate(all="ignore"):
            position_ok = np.isfinite(bad[_X]) & np.isfinite(bad[_Y])
        self._reason[idx] = np.where(
            ~position_ok,
            BAD_POSITION,
            np.where(np.isfinite(bad[_F]), UNDEFINED_GRADIENT, UNDEFINED_VALUE),
        )
        self._failed_point[idx] = bad[:2].T
        if previous is not None:
            self._final[idx] = previous[:, broken].T
            self._final_step[idx] = step - 1
        self._status[idx] = DIVERGED
        # Keep running only the starts that passed every rule.
        self._active = active[keep]
        self._rec = rec[:, keep]
        self._state = self._state.take(keep)

    def _stop_remaining(self) -> None:
        active = self._active_indices()
        self._final[active] = self._rec.T
        self._final_step[active] = self._steps_taken
        self._status[active] = MAX_STEPS
        self._active = active[:0]
        self._rec = self._rec[:, :0]
        self._state = self._state.take(np.zeros(0, dtype=np.int64))

    def _active_indices(self) -> np.ndarray:
        if self._active is None:
            return np.arange(self._n)
        return self._active

    def _check_index(self, index: int) -> int:
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise DescentError(f"start index must be an integer, got {index!r}")
        if not -self._n <= index < self._n:
            raise DescentError(f"start index {index} out of range for {self._n} start(s)")
        return int(index) % self._n


def _undefined_start_message(starts: np.ndarray, reasons: np.ndarray) -> str:
    if starts.shape[0] > 1:
        return "f or its slope is undefined at every start: choose starts where f has a value"
    where = f"({starts[0, 0]:.4g}, {starts[0, 1]:.4g})"
    if reasons[0] == UNDEFINED_GRADIENT:
        return (
            f"the slope of f is undefined at the start {where} (a corner, cusp or jump, or "
            "too steep for numbers): "
            "choose another start"
        )
    return f"f is undefined at the start {where}: choose a start where f has a value"


def _as_starts(starts: object) -> np.ndarray:
    try:
        array = np.array(starts, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DescentError(f"starts must be numbers shaped (N, 2): {exc}") from None
    if array.shape == (2,):
        array = array.reshape(1, 2)
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] == 0:
        raise DescentError(f"starts must have shape (N, 2) with N >= 1, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise DescentError("start positions must be finite numbers")
    return array


def run_to_end(
    landscape: LandscapeLike,
    starts: object,
    optimizer: str = "gd",
    hyperparameters: Mapping[str, object] | None = None,
    *,
    max_steps: int = 1000,
    tol: float = 1e-6,
    record: bool = True,
) -> DescentRun:
    """Create a run and advance it until every start has stopped."""
    run = DescentRun(
        landscape,
        starts,
        optimizer,
        hyperparameters,
        max_steps=max_steps,
        tol=tol,
        record=record,
    )
    run.advance(max_steps)
    return run
