"""Contour lines of a sampled landscape, traced once per landscape (off the GUI thread).

contourpy's marching squares gives each level's lines as one (N, 2) array with NaN rows
between pieces, the form a plot draws in one call (``connect='finite'``).
"""

from __future__ import annotations

from collections.abc import Sequence

import contourpy
import numpy as np


def combine_nan_separated(chunks: Sequence[np.ndarray | None]) -> np.ndarray:
    """Join (N, 2) point arrays into one array, a NaN row between pieces (connect='finite')."""
    pieces = [c for c in chunks if c is not None and len(c)]
    if not pieces:
        return np.empty((0, 2))
    gap = np.full((1, 2), np.nan)
    out = []
    for piece in pieces:
        out.append(piece)
        out.append(gap)
    return np.concatenate(out[:-1])


def tracer(xs: np.ndarray, ys: np.ndarray, z: np.ndarray) -> contourpy.ContourGenerator:
    """A generator of the lines of ``z[i, j] = f(xs[i], ys[j])``; non-finite heights are holes."""
    z = np.asarray(z, dtype=float)
    finite = np.isfinite(z)
    masked = np.ma.masked_array(np.where(finite, z, np.nan).T, mask=~finite.T)
    return contourpy.contour_generator(
        xs, ys, masked, line_type=contourpy.LineType.ChunkCombinedNan
    )


def trace(generator: contourpy.ContourGenerator | None, level: float) -> np.ndarray:
    """The lines at one level, NaN-separated."""
    if generator is None:
        return np.empty((0, 2))
    chunks = generator.lines(float(level))[0]
    return combine_nan_separated([c for c in chunks if c is not None])


def trace_levels(
    xs: np.ndarray, ys: np.ndarray, z: np.ndarray, levels: np.ndarray
) -> list[np.ndarray]:
    """The lines at each of ``levels`` (finite ones, sorted), as ``trace`` gives them."""
    generator = tracer(xs, ys, z)
    return [trace(generator, level) for level in clean_levels(levels)]


def clean_levels(levels: np.ndarray) -> np.ndarray:
    ordered: np.ndarray = np.sort(np.asarray(levels, dtype=float).ravel())
    finite: np.ndarray = ordered[np.isfinite(ordered)]
    return finite
