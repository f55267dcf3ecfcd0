"""The landscape the window last opened on, kept on disk so the next start can draw it at once.

Opening the window costs most of its time before the first landscape can be drawn: sympy's
import, parsing and compiling the formula, building every view. A window opens on the same
landscape start after start (the default, at the user's grid resolution), so the heights drawn
last time are kept in a cache file and drawn into the 3D view first, before sympy is imported
and before anything else is built; the landscape worked out afresh replaces them moments
later. The file is named by a key of everything the picture depends on (the formula text, its
parameters, domain and grid, the colour scale chosen, the app's version): a start on anything
else finds no picture and draws nothing early. A missing, unreadable or damaged file is the
same as no picture: this is a cache, never a reason for the window not to open.

No Qt and no sympy here: this runs before either is imported.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from landscape_gui import __version__
from landscape_gui.core.atomic import atomic_write

COLOR_SCALES = ("linear", "log")
FILE_NAME = "start-picture.npz"
LARGEST_SIDE = 1000  # more samples than any grid resolution the window offers


@dataclass(frozen=True)
class StartPicture:
    """What the 3D view's ``set_surface`` draws: heights z[i, j] = f(xs[i], ys[j])."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    z_limits: tuple[float, float]
    color_scale: str


def picture_key(
    formula: str,
    parameters: dict[str, float],
    domain: tuple[float, float, float, float],
    resolution: int,
    color_scale_mode: str,
) -> str:
    """The key of everything a start's first picture depends on, the app's version included
    (a new version may sample or colour differently)."""
    described = json.dumps(
        [
            __version__,
            formula,
            sorted((name, float(value)) for name, value in parameters.items()),
            [float(v) for v in domain],
            int(resolution),
            color_scale_mode,
        ]
    )
    return hashlib.sha256(described.encode("utf-8")).hexdigest()


def load(folder: Path, key: str) -> StartPicture | None:
    """The picture kept under ``key`` in ``folder``, or None (none kept, another key, or a
    file that is not a whole picture)."""
    try:
        with open(folder / FILE_NAME, "rb") as handle, np.load(handle, allow_pickle=False) as kept:
            if str(kept["key"]) != key:
                return None
            xs, ys, z = (np.array(kept[name], dtype=float) for name in ("xs", "ys", "z"))
            low, high = (float(v) for v in kept["z_limits"])
            color_scale = str(kept["color_scale"])
    except (OSError, KeyError, ValueError, TypeError, EOFError, zipfile.BadZipFile):
        return None
    if not _is_whole(xs, ys, z, (low, high), color_scale):
        return None
    return StartPicture(xs, ys, z, (low, high), color_scale)


def save(folder: Path, key: str, picture: StartPicture) -> bool:
    """Keep ``picture`` under ``key`` (replacing any picture kept before), written whole or
    not at all. False when it could not be written (a read-only home, a full disk)."""
    if not _is_whole(picture.xs, picture.ys, picture.z, picture.z_limits, picture.color_scale):
        return False
    buffer = io.BytesIO()
    np.savez(
        buffer,
        key=np.array(key),
        xs=np.asarray(picture.xs, dtype=float),
        ys=np.asarray(picture.ys, dtype=float),
        z=np.asarray(picture.z, dtype=float),
        z_limits=np.array(picture.z_limits, dtype=float),
        color_scale=np.array(picture.color_scale),
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / FILE_NAME, buffer.getvalue())
    except OSError:
        return False
    return True


def _is_whole(
    xs: np.ndarray, ys: np.ndarray, z: np.ndarray, z_limits: tuple[float, float], color_scale: str
) -> bool:
    xs, ys, z = np.asarray(xs), np.asarray(ys), np.asarray(z)
    low, high = z_limits
    return (
        xs.ndim == 1
        and ys.ndim == 1
        and 2 <= xs.size <= LARGEST_SIDE
        and 2 <= ys.size <= LARGEST_SIDE
        and z.shape == (xs.size, ys.size)
        and bool(np.isfinite(xs).all() and np.isfinite(ys).all())
        and bool((np.diff(xs) > 0).all() and (np.diff(ys) > 0).all())
        and math.isfinite(low)
        and math.isfinite(high)
        and low < high
        and color_scale in COLOR_SCALES
    )
