"""Basins of attraction: where descent ends, for every start on a grid over the domain.

The lesson's "start anywhere, step downhill, repeat" ends in a valley, but which valley depends
on where the hiker starts and on the optimizer. A basin map answers that for a whole grid at
once: one vectorized :class:`~landscape_gui.core.descent.DescentRun` walks every grid point,
then the end points are grouped into the minima they reached.

Labels, per start:

* ``0, 1, ...`` the index of the minimum reached in :attr:`BasinMap.minima` (lowest f first);
* :data:`DIVERGED_LABEL` (-1) the walk blew up (the run's "diverged" status);
* :data:`WALKING_LABEL` (-2) no minimum was reached within the steps: still walking, or
  stopped on a saddle or a maximum (a start exactly on the line that leads into a saddle
  converges to it, but a saddle is not a valley, so it is not reported as one).

A start reached a minimum when its run converged (``|grad f| < tol``) at a point whose Hessian
has no clearly negative curvature, or when it stopped for lack of steps within ``radius`` of a
strict local minimum, measured by the Newton step ``|H^-1 grad f|`` (the distance to the
bottom of the local quadratic). The second rule lets optimizers that circle a minimum without
meeting ``tol`` in time (Adam, momentum) still draw their basins, while a walker on the floor
of a long valley (Rosenbrock) is far from the bottom by that measure and stays "walking".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from landscape_gui.core.descent import CONVERGED, DIVERGED, MAX_STEPS, DescentRun
from landscape_gui.core.landscape import Landscape

__all__ = [
    "CLUSTER_RTOL",
    "Cancelled",
    "DIVERGED_LABEL",
    "WALKING_LABEL",
    "BasinMap",
    "compute_basins",
]

DIVERGED_LABEL = -1
WALKING_LABEL = -2
# End points closer than this fraction of the domain's larger side reached the same minimum.
CLUSTER_RTOL = 1e-3
# Curvature below this fraction of the Hessian's size counts as zero (flat, not negative).
_CURVATURE_RTOL = 1e-8
_MAX_RESOLUTION = 2000
# Grid-hash cells are clipped to this, so far-away end points cannot overflow int64.
_MAX_CELL = 2**60
# Steps between two looks at ``cancelled``: a few milliseconds of work on a 200 x 200 grid.
_CANCEL_CHECK_STEPS = 10


class Cancelled(Exception):
    """``compute_basins`` was told to stop (its ``cancelled`` callback returned True)."""


@dataclass(frozen=True)
class BasinMap:
    """Which minimum each start of a grid descended into.

    ``labels[i, j]`` is for the start ``(xs[i], ys[j])`` (indexing 'ij', like
    :class:`~landscape_gui.core.landscape.GridSample`). ``minima[k] = (x, y, f)`` is the mean
    end point of basin ``k`` and f there, ordered by f (to 1e-9), then x. ``counts`` maps
    every basin index and both special labels to their number of starts.
    """

    xs: np.ndarray
    ys: np.ndarray
    labels: np.ndarray
    minima: list[tuple[float, float, float]]
    counts: dict[int, int]
    steps: int
    optimizer: str
    hyperparameters: dict[str, float]

    @property
    def n_basins(self) -> int:
        return len(self.minima)


def compute_basins(
    landscape: Landscape,
    resolution: int = 200,
    optimizer: str = "gd",
    hyperparameters: Mapping[str, object] | None = None,
    steps: int = 200,
    tol: float = 1e-6,
    cancelled: Callable[[], bool] | None = None,
) -> BasinMap:
    """Descend from every point of a resolution x resolution grid over the landscape's domain.

    Bad optimizer names or hyperparameters raise the optimizers' ``OptimizerError``; bad
    ``steps`` or ``tol`` raise ``DescentError`` (both are ``ValueError``). ``cancelled`` is
    asked every few steps; when it returns True the work stops with :class:`Cancelled` (a
    newer map was asked for, or the window is closing).
    """
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)):
        raise ValueError(f"the basin resolution must be an integer, got {resolution!r}")
    if not 2 <= resolution <= _MAX_RESOLUTION:
        raise ValueError(f"the basin resolution must be between 2 and {_MAX_RESOLUTION}")
    domain = landscape.domain
    xs = np.linspace(domain.x_min, domain.x_max, int(resolution))
    ys = np.linspace(domain.y_min, domain.y_max, int(resolution))
    grid_x, grid_y = np.meshgrid(xs, ys, indexing="ij")
    starts = np.column_stack((grid_x.ravel(), grid_y.ravel()))

    run = DescentRun(
        landscape, starts, optimizer, hyperparameters, max_steps=steps, tol=tol, record=False
    )
    if cancelled is None:
        run.advance(steps)
    else:
        while run.steps_taken < steps and not run.is_finished:
            if cancelled():
                raise Cancelled
            run.advance(min(_CANCEL_CHECK_STEPS, steps - run.steps_taken))
    status = run.status_codes
    records = run.last_records

    radius = CLUSTER_RTOL * max(domain.width, domain.height)
    flat = np.full(status.shape, WALKING_LABEL, dtype=np.int64)
    flat[status == DIVERGED] = DIVERGED_LABEL
    candidates = np.flatnonzero(
        ((status == CONVERGED) | (status == MAX_STEPS)) & np.isfinite(records).all(axis=1)
    )
    reached, points = _reached_minima(
        landscape, records[candidates], status[candidates] == CONVERGED, radius
    )
    candidates = candidates[reached]

    minima: list[tuple[float, float, float]] = []
    if candidates.size:
        cluster = _cluster(points, radius, (domain.x_min, domain.y_min))
        n_clusters = int(cluster.max()) + 1
        sizes = np.bincount(cluster, minlength=n_clusters)
        mean_x = np.bincount(cluster, weights=points[:, 0], minlength=n_clusters) / sizes
        mean_y = np.bincount(cluster, weights=points[:, 1], minlength=n_clusters) / sizes
        mean_f = np.asarray(landscape.value(mean_x, mean_y), dtype=float)
        order = _order_by_height(mean_x, mean_y, mean_f)
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        flat[candidates] = rank[cluster]
        minima = [(float(mean_x[k]), float(mean_y[k]), float(mean_f[k])) for k in order]

    counts = dict.fromkeys((*range(len(minima)), DIVERGED_LABEL, WALKING_LABEL), 0)
    values, numbers = np.unique(flat, return_counts=True)
    counts.update(zip(values.tolist(), numbers.tolist(), strict=True))
    return BasinMap(
        xs=xs,
        ys=ys,
        labels=flat.reshape(grid_x.shape),
        minima=minima,
        counts=counts,
        steps=run.max_steps,
        optimizer=run.optimizer,
        hyperparameters=run.hyperparameters,
    )


def _order_by_height(x: np.ndarray, y: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Lowest f first, then x, then y; NaN heights last.

    Heights equal to about 1e-9 of the largest one tie (Himmelblau's four minima all have
    f = 0 up to rounding), so equally deep minima come in a stable left-to-right order.
    """
    finite = np.isfinite(f)
    scale = max(1.0, float(np.abs(f[finite]).max())) if finite.any() else 1.0
    with np.errstate(all="ignore"):
        height = np.where(finite, np.round(f / scale, 9), np.inf)
    return np.lexsort((y, x, height))


def _reached_minima(
    landscape: Landscape, records: np.ndarray, converged: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """Which end points reached a minimum, and where that minimum is estimated to be.

    ``records`` are finite ``x, y, f, gx, gy`` rows. The estimate is the end point moved by the
    Newton step where the Hessian is positive definite (a far tighter cluster than the end
    points of starts that stopped short), and the end point itself elsewhere.
    """
    x, y, gx, gy = records[:, 0], records[:, 1], records[:, 3], records[:, 4]
    if x.size == 0:
        return np.zeros(0, dtype=bool), np.empty((0, 2))
    hxx, hxy, hyy = (np.asarray(h, dtype=float) for h in landscape.hessian(x, y))
    with np.errstate(all="ignore"):
        half_trace = 0.5 * (hxx + hyy)
        spread = np.hypot(0.5 * (hxx - hyy), hxy)
        lowest_curvature = half_trace - spread
        size = np.abs(hxx) + 2.0 * np.abs(hxy) + np.abs(hyy)
        det = hxx * hyy - hxy * hxy
        newton_x = (hyy * gx - hxy * gy) / det
        newton_y = (hxx * gy - hxy * gx) / det
        positive_definite = lowest_curvature > _CURVATURE_RTOL * size
        downhill_somewhere = lowest_curvature < -_CURVATURE_RTOL * size
        newton_ok = positive_definite & np.isfinite(newton_x) & np.isfinite(newton_y)
        close = newton_ok & (np.hypot(newton_x, newton_y) <= radius)
    # Converged on a saddle or a maximum is not a valley; NaN curvature (a kink) gives no
    # evidence either way, so a converged start there keeps its minimum.
    reached = (converged & ~downhill_somewhere) | close
    points = np.column_stack(
        (np.where(newton_ok, x - newton_x, x), np.where(newton_ok, y - newton_y, y))
    )
    return reached, points[reached]


def _cluster(points: np.ndarray, radius: float, origin: tuple[float, float]) -> np.ndarray:
    """Cluster ids ``0..k-1`` for ``(n, 2)`` points: points in touching grid cells share one.

    Cells are ``radius`` wide, found by one sort (``np.unique``); only occupied cells are then
    joined to their neighbours, so the cost is O(n log n), not O(n^2).
    """
    with np.errstate(all="ignore"):
        scaled = np.floor((points - np.asarray(origin)) / radius)
    cells = np.clip(scaled, -_MAX_CELL, _MAX_CELL).astype(np.int64)
    unique, inverse = np.unique(cells, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    index = {cell: k for k, cell in enumerate(map(tuple, unique.tolist()))}
    parent = list(range(len(index)))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for (cx, cy), k in index.items():
        # Half of the 8 neighbours suffices: each pair of touching cells is met once.
        for dx, dy in ((1, -1), (1, 0), (1, 1), (0, 1)):
            other = index.get((cx + dx, cy + dy))
            if other is not None:
                root_a, root_b = find(k), find(other)
                if root_a != root_b:
                    parent[max(root_a, root_b)] = min(root_a, root_b)
    roots = np.array([find(k) for k in range(len(parent))], dtype=np.int64)
    _, cluster_of_cell = np.unique(roots, return_inverse=True)
    return cluster_of_cell.reshape(-1)[inverse]
