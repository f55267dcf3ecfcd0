"""The contour map's geometry, without Qt: where level labels go, how far an arrow may reach
before the map's edge, the gradient field's arrows, the basin colours, the image's pixel grid
and where the labels at a constraint curve's points sit so that none hides another. Plain numpy,
so it is tested without a window (tests/qt/test_geometry.py) and loads without Qt
(tests/test_architecture.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Domain = tuple[float, float, float, float]  # x0, x1, y0, y1
Box = tuple[float, float, float, float]  # left, right, bottom, top (data units)
BARB_DEGREES = 28.0  # a field arrow's barbs: the reversed direction turned by this much
BARB_SHARE = 0.35  # and this share of the arrow's length


def safe_limits(z_limits: Sequence[float]) -> tuple[float, float]:
    """Colour limits that can be drawn: finite, and a little apart when they coincide."""
    lo, hi = (float(v) for v in z_limits)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi <= lo:
        pad = max(abs(lo) * 1e-6, 1e-9)
        lo, hi = lo - pad, hi + pad
    return lo, hi


def pixel_rect(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float, float]:
    """(x, y, width, height) of the image rectangle that puts each pixel's centre on its grid
    point."""
    dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1) if len(xs) > 1 else 1.0
    dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1) if len(ys) > 1 else 1.0
    return (
        float(xs[0] - dx / 2),
        float(ys[0] - dy / 2),
        float(xs[-1] - xs[0] + dx),
        float(ys[-1] - ys[0] + dy),
    )


def level_label_positions(
    per_level: Sequence[np.ndarray],
    domain: Domain,
    max_labels: int,
    avoid: Sequence[tuple[float, float]] = (),
    clearance: float = 0.0,
    half_size: tuple[float, float] = (0.0, 0.0),
) -> list[tuple[int, float, float]]:
    """Where to write the value of a few levels on their lines: ``(level index, x, y)``.

    At most ``max_labels`` levels, spread over the list; each label goes to the point of its
    line farthest from the map's edges, from the labels already placed and from the points
    in ``avoid`` (the critical-point markers, which a label would otherwise cover). A level
    whose line is too short, only a sliver in a corner (where the overlays would hide it), or
    nowhere ``clearance`` away from every marker (a small ring round an extremum) gets none.
    A label is ``half_size`` (half its width and height, in data units) from each edge, so
    none is cut by the map's frame.
    """
    count = len(per_level)
    step = max(1, math.ceil(count / max_labels))
    chosen = list(range(step // 2, count, step)) if count else []
    x0, x1, y0, y1 = domain
    side = min(abs(x1 - x0), abs(y1 - y0)) or 1.0
    markers = np.asarray(avoid, dtype=float).reshape(-1, 2)
    obstacles = markers  # the markers, then each label as it is placed
    found = []
    for index in chosen:
        points = per_level[index]
        points = points[np.isfinite(points[:, 0])] if len(points) else points
        if len(points) < 6:
            continue
        candidates = points[:: max(1, len(points) // 80)]
        half_x, half_y = half_size
        inside = (
            (candidates[:, 0] >= min(x0, x1) + half_x)
            & (candidates[:, 0] <= max(x0, x1) - half_x)
            & (candidates[:, 1] >= min(y0, y1) + half_y)
            & (candidates[:, 1] <= max(y0, y1) - half_y)
        )
        candidates = candidates[inside]
        if not len(candidates):
            continue  # nowhere on this line does the label fit inside the map
        if len(markers) and clearance > 0:
            candidates = candidates[_nearest(candidates, markers) >= clearance]
            if not len(candidates):
                continue  # every spot on this line is under a marker
        edge = np.minimum.reduce(
            [
                candidates[:, 0] - min(x0, x1),
                max(x0, x1) - candidates[:, 0],
                candidates[:, 1] - min(y0, y1),
                max(y0, y1) - candidates[:, 1],
            ]
        )
        score = np.clip(edge / side, 0.0, 0.1)
        if len(obstacles):
            gaps = _nearest(candidates, obstacles)
            score = np.minimum(score, np.clip(gaps / side, 0.0, 0.2)) + 1e-3 * gaps / side
        best_index = int(np.argmax(score))
        if edge[best_index] < 0.04 * side:
            continue  # a sliver in a corner: a label there would hide under the overlays
        best = candidates[best_index]
        obstacles = np.vstack((obstacles, best[None, :2]))
        found.append((index, float(best[0]), float(best[1])))
    return found


def _nearest(points: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Each point's distance to the nearest of ``others`` (both n x 2)."""
    dx = points[:, 0, None] - others[None, :, 0]
    dy = points[:, 1, None] - others[None, :, 1]
    nearest: np.ndarray = np.sqrt((dx * dx + dy * dy).min(axis=1))
    return nearest


def share_inside(x: float, y: float, dx: float, dy: float, domain: Domain | None) -> float:
    """How much of the step (dx, dy) from (x, y) stays on the map (1 when all of it)."""
    if domain is None:
        return 1.0
    x0, x1, y0, y1 = domain
    share = 1.0
    for start, step, low, high in (
        (x, dx, min(x0, x1), max(x0, x1)),
        (y, dy, min(y0, y1), max(y0, y1)),
    ):
        if step > 0 and start + step > high:
            share = min(share, (high - start) / step)
        elif step < 0 and start + step < low:
            share = min(share, (low - start) / step)
    return max(share, 0.0)


def arrow_head_angle(gx: float, gy: float) -> float:
    """pyqtgraph's ArrowItem angle for a head pointing along (gx, gy): the item points left at
    angle 0 and turns clockwise on screen (where y points down)."""
    return 180.0 - math.degrees(math.atan2(gy, gx))


def gradient_field_segments(
    xs: npt.ArrayLike, ys: npt.ArrayLike, gx: npt.ArrayLike, gy: npt.ArrayLike, scale: float
) -> np.ndarray:
    """``scale × ∇f`` arrows centred on the grid points (xs[i], ys[j]), as one NaN-separated
    (N, 2) polyline: per arrow the shaft, then the two barbs. Flat or undefined points get
    NaN rows (no arrow)."""
    grid_x, grid_y = np.meshgrid(
        np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), indexing="ij"
    )
    px, py = grid_x.ravel(), grid_y.ravel()
    gx = np.asarray(gx, dtype=float).ravel()
    gy = np.asarray(gy, dtype=float).ravel()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        norm = np.hypot(gx, gy)
        ok = np.isfinite(norm) & (norm > 0)
        ux = np.where(ok, gx / np.where(ok, norm, 1.0), np.nan)
        uy = np.where(ok, gy / np.where(ok, norm, 1.0), np.nan)
        length = np.where(ok, scale * norm, np.nan)
    head = (BARB_SHARE * length)[:, None]
    half = (length / 2)[:, None]
    tail = np.column_stack((px, py)) - half * np.column_stack((ux, uy))
    tip = np.column_stack((px, py)) + half * np.column_stack((ux, uy))
    cos_a, sin_a = math.cos(math.radians(BARB_DEGREES)), math.sin(math.radians(BARB_DEGREES))
    left = tip - head * np.column_stack((ux * cos_a - uy * sin_a, uy * cos_a + ux * sin_a))
    right = tip - head * np.column_stack((ux * cos_a + uy * sin_a, uy * cos_a - ux * sin_a))
    gap = np.full_like(tail, np.nan)
    points: np.ndarray = np.stack((tail, tip, gap, left, tip, right, gap), axis=1).reshape(-1, 2)
    return points


def hex_rgb(color: str) -> tuple[int, int, int]:
    """ "#RRGGBB" as (r, g, b)."""
    text = color.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"expected a #RRGGBB colour, got {color!r}")
    return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))


def basin_rgba(
    labels: np.ndarray,
    colors: Sequence[str],
    alpha: float,
    diverged_stripes: Sequence[tuple[int, int, int]],
) -> np.ndarray:
    """The basin overlay as an RGBA uint8 image: label k >= 0 takes colors[k] (cycled), -1
    (diverged) diagonal stripes two cells wide of the two ``diverged_stripes`` greys (a hatched
    hole, not one more basin colour), -2 (still walking) nothing."""
    labels = np.asarray(labels).astype(np.int64, copy=False)
    table = np.array([hex_rgb(c) for c in colors], dtype=np.uint8)
    opacity = round(255 * alpha)
    rgba = np.zeros((*labels.shape, 4), dtype=np.uint8)
    basin = labels >= 0
    rgba[basin, :3] = table[labels[basin] % len(table)]
    rgba[basin, 3] = opacity
    i, j = np.indices(labels.shape)
    stripe = ((i + j) // 2) % 2
    diverged = labels == -1
    rgba[diverged, :3] = np.asarray(diverged_stripes, dtype=np.uint8)[stripe[diverged]]
    rgba[diverged, 3] = opacity
    return rgba


# pyqtgraph's TextItem anchor: (0, 0) hangs the text below and right of the point (y up).
_CORNER_X = (-0.04, 1.04)
_CORNER_Y = (1.1, -0.1)
_BESIDE = ((-0.12, 0.5), (1.12, 0.5), (0.5, 1.25), (0.5, -0.25))


def anchor_beside(x: float, y: float, inwards: bool, domain: Domain | None) -> tuple[float, float]:
    """A text anchor for a label at (x, y): on the side of the map's centre left or right
    (so the map's edge never cuts it), and towards the centre (the probe's label) or away
    from it (the Lagrange points') up or down, so the two never lie on each other."""
    if domain is None:
        return (0.0, 1.0)
    x0, x1, y0, y1 = domain
    right = x < (x0 + x1) / 2
    up = (y < (y0 + y1) / 2) == inwards
    return (_CORNER_X[0] if right else _CORNER_X[1], _CORNER_Y[0] if up else _CORNER_Y[1])


def label_box(x: float, y: float, anchor: tuple[float, float], w: float, h: float) -> Box:
    """Where a ``w`` x ``h`` label anchored at ``anchor`` to (x, y) lies."""
    ax, ay = anchor
    return (x - ax * w, x - ax * w + w, y + ay * h - h, y + ay * h)


def box_overlap(a: Box, b: Box) -> float:
    """The area two boxes share."""
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[2], b[2]))


def place_point_labels(
    labels: Sequence[tuple[float, float, float, float, bool]],
    domain: Domain | None,
    visible: Box,
    obstacles: Sequence[Box],
    star: tuple[float, float],
) -> list[tuple[float, float]]:
    """The anchor of each label ``(x, y, w, h, inwards)`` (data units), placed in order: the
    spot around its point where least of it is cut at the edge of ``visible`` or lies on the
    labels placed before it and the ``obstacles`` (other points' stars, the touching contour),
    one of the four corners (its preferred one, :func:`anchor_beside`, when all are equal) or
    straight beside, above or below it. ``star`` is half a star's size (x, y): an obstacle
    under the label's own point does not count."""
    left, right, bottom, top = visible
    taken: list[Box] = []
    anchors = []
    for x, y, w, h, inwards in labels:
        preferred = anchor_beside(x, y, inwards, domain)
        spots = [preferred] + [
            (ax, ay) for ax in _CORNER_X for ay in _CORNER_Y if (ax, ay) != preferred
        ]
        spots += list(_BESIDE)
        mine = (x - star[0], x + star[0], y - star[1], y + star[1])
        others = taken + [s for s in obstacles if not box_overlap(s, mine)]
        best, chosen = math.inf, preferred
        for order, anchor in enumerate(spots):
            b = label_box(x, y, anchor, w, h)
            inside = max(0.0, min(b[1], right) - max(b[0], left)) * max(
                0.0, min(b[3], top) - max(b[2], bottom)
            )
            # What is cut at the map's edge or lies on another label, least first.
            cost = (w * h - inside) * 4 + sum(box_overlap(b, t) for t in others) + order * 1e-9
            if cost < best:
                best, chosen = cost, anchor
        anchors.append(chosen)
        taken.append(label_box(x, y, chosen, w, h))
    return anchors
