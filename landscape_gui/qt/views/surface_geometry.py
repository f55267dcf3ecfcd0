"""The 3D view's geometry, without Qt: how true units map into the display box, the surface's
triangles and wire lines, axis ticks, the arrow's cone and the surface's shading. Plain numpy,
so it is tested without a window (tests/qt/test_geometry.py) and loads without Qt
(tests/test_architecture.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BOX_HALF = 5.0  # x and y map onto [-BOX_HALF, BOX_HALF]
BOX_HEIGHT = 5.0  # heights map onto [0, BOX_HEIGHT]

# Shading: light from the upper left, and no slope darker than this share of its colour.
LIGHT = np.array([0.35, -0.55, 1.0]) / np.linalg.norm([0.35, -0.55, 1.0])
AMBIENT_FLOOR = 0.45


def nice_ticks(lo: float, hi: float, target: int = 6) -> np.ndarray:
    """Round tick values (steps of 1, 2 or 5 x 10^k) inside [lo, hi], at most ~``target``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return np.array([lo]) if math.isfinite(lo) else np.array([])
    raw = (hi - lo) / max(target, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2.0, 5.0, 10.0) if m * mag >= raw * 0.999)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    ticks[np.abs(ticks) < step * 1e-9] = 0.0  # no "-0"
    return ticks


@dataclass(frozen=True)
class BoxMap:
    """True units -> display box. Degenerate ranges are widened so nothing divides by zero."""

    x_mid: float = 0.0
    y_mid: float = 0.0
    sx: float = 1.0
    sy: float = 1.0
    z_lo: float = 0.0
    z_hi: float = 1.0

    @staticmethod
    def _span(lo: float, hi: float) -> tuple[float, float]:
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return (0.0, 1.0)
        if hi < lo:
            lo, hi = hi, lo
        if hi - lo <= 1e-12 * max(1.0, abs(lo)):
            pad = 0.5 * max(1.0, abs(lo))
            return (lo - pad, hi + pad)
        return (lo, hi)

    @classmethod
    def build(
        cls,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
        z_limits: tuple[float, float],
    ) -> BoxMap:
        x0, x1 = cls._span(*x_range)
        y0, y1 = cls._span(*y_range)
        z0, z1 = cls._span(*z_limits)
        return cls(
            x_mid=(x0 + x1) / 2,
            y_mid=(y0 + y1) / 2,
            sx=2 * BOX_HALF / (x1 - x0),
            sy=2 * BOX_HALF / (y1 - y0),
            z_lo=z0,
            z_hi=z1,
        )

    @property
    def sz(self) -> float:
        return BOX_HEIGHT / (self.z_hi - self.z_lo)

    def x(self, x: npt.ArrayLike) -> np.ndarray:
        result: np.ndarray = (np.asarray(x, dtype=float) - self.x_mid) * self.sx
        return result

    def y(self, y: npt.ArrayLike) -> np.ndarray:
        result: np.ndarray = (np.asarray(y, dtype=float) - self.y_mid) * self.sy
        return result

    def z(self, z: npt.ArrayLike, clip: bool = True) -> np.ndarray:
        heights = np.asarray(z, dtype=float)
        if clip:
            heights = np.clip(heights, self.z_lo, self.z_hi)
        result: np.ndarray = (heights - self.z_lo) * self.sz
        return result

    def true_x(self, d: float) -> float:
        return d / self.sx + self.x_mid

    def true_y(self, d: float) -> float:
        return d / self.sy + self.y_mid


def triangles(nx: int, ny: int) -> np.ndarray:
    """All triangles of an nx x ny ij-grid (vertex index i * ny + j), two per quad."""
    i, j = np.meshgrid(np.arange(nx - 1), np.arange(ny - 1), indexing="ij")
    a = (i * ny + j).ravel()
    b = a + ny
    c = a + 1
    d = b + 1
    return np.concatenate(
        [np.stack([a, b, c], axis=1), np.stack([b, d, c], axis=1)], axis=0
    ).astype(np.uint32)


def grid_segments(
    xd: np.ndarray, yd: np.ndarray, zd: np.ndarray, max_lines: int = 24
) -> np.ndarray:
    """Wire lines along every k-th grid row and column, broken at holes, as GL 'lines' pairs."""
    nx, ny = zd.shape
    pts = []
    rows = np.unique(np.r_[np.arange(0, nx, max(1, nx // max_lines)), nx - 1])
    cols = np.unique(np.r_[np.arange(0, ny, max(1, ny // max_lines)), ny - 1])
    if ny > 1:  # lines of constant x
        z = zd[rows]
        x = np.broadcast_to(xd[rows, None], z.shape)
        y = np.broadcast_to(yd[None, :], z.shape)
        p = np.stack([x, y, z], axis=-1)
        ok = np.isfinite(z[:, :-1]) & np.isfinite(z[:, 1:])
        pts.append(np.stack([p[:, :-1][ok], p[:, 1:][ok]], axis=1).reshape(-1, 3))
    if nx > 1:  # lines of constant y
        z = zd[:, cols]
        x = np.broadcast_to(xd[:, None], z.shape)
        y = np.broadcast_to(yd[None, cols], z.shape)
        p = np.stack([x, y, z], axis=-1)
        ok = np.isfinite(z[:-1]) & np.isfinite(z[1:])
        pts.append(np.stack([p[:-1][ok], p[1:][ok]], axis=1).reshape(-1, 3))
    if not pts:
        return np.zeros((0, 3), dtype=np.float32)
    return np.concatenate(pts).astype(np.float32)


def curve_segments(p: np.ndarray) -> np.ndarray:
    """A polyline (K, 3) with possible NaN rows -> 'lines' pairs that skip the gaps."""
    ok = np.isfinite(p).all(axis=1)
    keep = ok[:-1] & ok[1:]
    return np.stack([p[:-1][keep], p[1:][keep]], axis=1).reshape(-1, 3).astype(np.float32)


def cone(
    tip: np.ndarray, direction: np.ndarray, length: float, radius: float, n: int = 16
) -> tuple[np.ndarray, np.ndarray]:
    """Vertexes and faces of a closed cone whose apex is ``tip``, pointing along ``direction``."""
    d = direction / np.linalg.norm(direction)
    helper = np.array([0.0, 0.0, 1.0]) if abs(d[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(d, helper)
    u /= np.linalg.norm(u)
    v = np.cross(d, u)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    base = tip - d * length
    ring = base + radius * (np.cos(angles)[:, None] * u + np.sin(angles)[:, None] * v)
    verts = np.vstack([tip, base, ring]).astype(np.float32)
    k = np.arange(n)
    side = np.stack([np.zeros(n), 2 + k, 2 + (k + 1) % n], axis=1)
    cap = np.stack([np.ones(n), 2 + (k + 1) % n, 2 + k], axis=1)
    return verts, np.vstack([side, cap]).astype(np.uint32)


def lambert_shading(xd: np.ndarray, yd: np.ndarray, zd: np.ndarray) -> np.ndarray:
    """Cheap Lambert shading from grid slopes (display units); level ground keeps its exact
    colormap colour (1.0), and so does a point whose slope cannot be measured (beside a hole)."""
    nx, ny = zd.shape
    gx = np.gradient(zd, xd, axis=0) if nx > 1 else np.zeros_like(zd)
    gy = np.gradient(zd, yd, axis=1) if ny > 1 else np.zeros_like(zd)
    lit = (-gx * LIGHT[0] - gy * LIGHT[1] + LIGHT[2]) / np.sqrt(gx * gx + gy * gy + 1)
    shade = lit / LIGHT[2]
    shade = np.clip(np.nan_to_num(shade, nan=1.0), AMBIENT_FLOOR, 1.12)
    result: np.ndarray = shade.astype(np.float32)
    return result
