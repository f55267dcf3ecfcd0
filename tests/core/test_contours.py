"""core.contours: the map's level lines, traced off the GUI thread."""

from __future__ import annotations

import numpy as np

from landscape_gui.core import contours


def test_pieces_join_with_one_nan_row_between():
    a = np.array([[0.0, 0.0], [1.0, 1.0]])
    b = np.array([[2.0, 2.0]])
    joined = contours.combine_nan_separated([a, None, np.empty((0, 2)), b])
    assert joined.shape == (4, 2)
    assert np.isnan(joined[2]).all() and joined[3].tolist() == [2.0, 2.0]
    assert contours.combine_nan_separated([]).shape == (0, 2)


def test_trace_levels_skips_non_finite_levels_and_holes():
    xs = np.linspace(-1.0, 1.0, 21)
    ys = np.linspace(-1.0, 1.0, 21)
    z = np.add.outer(xs**2, ys**2)
    z[0, 0] = np.nan
    lines = contours.trace_levels(xs, ys, z, np.array([0.5, np.nan, 0.25]))
    assert len(lines) == 2
    for points, level in zip(lines, (0.25, 0.5), strict=True):
        finite = points[np.isfinite(points[:, 0])]
        assert len(finite) > 10
        assert np.allclose(np.hypot(finite[:, 0], finite[:, 1]), np.sqrt(level), atol=0.02)
