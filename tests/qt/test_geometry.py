"""The views' Qt-free geometry (surface_geometry, contour_geometry), checked against values
worked out by hand. No window is made."""

from __future__ import annotations

import math

import numpy as np
import pytest

from landscape_gui.qt.views import contour_geometry as cg
from landscape_gui.qt.views import surface_geometry as sg

NAN = math.nan


# ----------------------------------------------------------------------------- the 3D view


def test_the_box_map_puts_the_ranges_on_the_box():
    m = sg.BoxMap.build((-2.0, 2.0), (0.0, 10.0), (0.0, 5.0))
    assert m.x([-2.0, 2.0]).tolist() == [-sg.BOX_HALF, sg.BOX_HALF]
    assert m.y([0.0, 5.0, 10.0]).tolist() == [-sg.BOX_HALF, 0.0, sg.BOX_HALF]
    assert m.z(5.0) == sg.BOX_HEIGHT
    assert m.z(10.0) == sg.BOX_HEIGHT  # clipped to the box
    assert m.z(10.0, clip=False) == 2 * sg.BOX_HEIGHT
    assert m.true_x(sg.BOX_HALF) == 2.0 and m.true_y(-sg.BOX_HALF) == 0.0


def test_a_degenerate_range_is_widened_not_divided_by_zero():
    m = sg.BoxMap.build((1.0, 1.0), (3.0, 1.0), (NAN, 2.0))
    assert m.x(1.5) == sg.BOX_HALF  # 1 +- 0.5
    assert m.y([1.0, 3.0]).tolist() == [-sg.BOX_HALF, sg.BOX_HALF]  # reversed range sorted
    assert (m.z_lo, m.z_hi) == (0.0, 1.0)  # non-finite limits fall back to [0, 1]


def test_triangles_cover_each_quad_twice():
    assert sg.triangles(2, 3).tolist() == [[0, 3, 1], [1, 4, 2], [3, 4, 1], [4, 5, 2]]
    assert sg.triangles(4, 5).shape == (2 * 3 * 4, 3)


def test_wire_lines_break_at_holes():
    xd, yd = np.array([0.0, 1.0]), np.array([0.0, 1.0, 2.0])
    zd = np.array([[0.0, 0.0, 0.0], [0.0, NAN, 0.0]])
    pairs = sg.grid_segments(xd, yd, zd).reshape(-1, 2, 3)
    # Row x=0: two segments; row x=1 touches the hole twice; columns y=0 and y=2: one each.
    assert len(pairs) == 4
    assert np.isfinite(pairs).all()


def test_curve_segments_skip_gaps():
    p = np.array([[0, 0, 0], [1, 1, 1], [NAN, NAN, NAN], [2, 2, 2], [3, 3, 3]], dtype=float)
    pairs = sg.curve_segments(p).reshape(-1, 2, 3)
    assert pairs[:, :, 0].tolist() == [[0.0, 1.0], [2.0, 3.0]]


def test_the_cone_points_along_its_direction():
    tip, direction = np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 2.0])
    verts, faces = sg.cone(tip, direction, length=0.5, radius=0.2, n=8)
    assert verts[0].tolist() == tip.tolist()
    assert np.allclose(verts[1], [1.0, 2.0, 2.5])  # the base centre, 0.5 behind the tip
    ring = verts[2:] - verts[1]
    assert np.allclose(np.hypot(ring[:, 0], ring[:, 1]), 0.2) and np.allclose(ring[:, 2], 0)
    assert faces.shape == (16, 3) and faces.max() == 9


def test_nice_ticks():
    assert list(sg.nice_ticks(-2.0, 2.0)) == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert list(sg.nice_ticks(0.0, 1.0)) == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert list(sg.nice_ticks(-0.3, 0.3)) == pytest.approx([-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3])
    assert len(sg.nice_ticks(5.0, 5.0)) == 1
    assert len(sg.nice_ticks(NAN, 1.0)) == 0


def test_shading_keeps_level_ground_and_unmeasurable_slopes_at_their_colour():
    xd = yd = np.linspace(-1.0, 1.0, 5)
    flat = np.zeros((5, 5))
    assert (sg.lambert_shading(xd, yd, flat) == 1.0).all()
    slope = np.add.outer(3 * xd, np.zeros(5))
    slope[2, 2] = NAN
    shade = sg.lambert_shading(xd, yd, slope)
    # Beside the hole the slope along x cannot be measured: the colour is kept as it is.
    assert shade[1, 2] == shade[3, 2] == 1.0
    assert ((shade >= sg.AMBIENT_FLOOR) & (shade <= 1.12)).all()
    # A steep rise towards +x faces -x, away from the light (which sits towards +x): as dark
    # as shading goes.
    assert shade[0, 0] == pytest.approx(sg.AMBIENT_FLOOR)


# ----------------------------------------------------------------------------- the map


def test_safe_limits():
    assert cg.safe_limits((NAN, 1.0)) == (0.0, 1.0)
    lo, hi = cg.safe_limits((2.0, 2.0))
    assert lo < 2.0 < hi and hi - lo == pytest.approx(4e-6)


def test_pixels_are_centred_on_grid_points():
    assert cg.pixel_rect(np.array([0.0, 1.0, 2.0]), np.array([0.0, 2.0])) == (-0.5, -1.0, 3.0, 4.0)


def test_the_share_of_a_step_that_stays_on_the_map():
    square = (-1.0, 1.0, -1.0, 1.0)
    assert cg.share_inside(0.0, 0.0, 2.0, 0.0, square) == 0.5
    assert cg.share_inside(0.0, 0.0, -4.0, 1.0, square) == 0.25
    assert cg.share_inside(0.0, 0.0, 0.5, 0.5, square) == 1.0
    assert cg.share_inside(0.0, 0.0, 9.0, 9.0, None) == 1.0
    assert cg.share_inside(1.0, 0.0, 1.0, 0.0, square) == 0.0  # on the edge, pointing out


def test_arrow_head_angles():
    assert cg.arrow_head_angle(1.0, 0.0) == 180.0  # pointing right
    assert cg.arrow_head_angle(0.0, 1.0) == 90.0  # pointing up
    assert cg.arrow_head_angle(-1.0, 0.0) == 0.0  # pointing left, ArrowItem's own direction


def test_a_field_arrow_is_scale_times_the_gradient_centred_on_its_point():
    points = cg.gradient_field_segments([0.0], [0.0], [[1.0]], [[0.0]], scale=2.0)
    assert points.shape == (7, 2)
    tail, tip, gap, left, tip2, right, end = points
    assert tail.tolist() == [-1.0, 0.0] and tip.tolist() == tip2.tolist() == [1.0, 0.0]
    barb = 0.35 * 2.0
    c, s = math.cos(math.radians(28)), math.sin(math.radians(28))
    assert left == pytest.approx([1.0 - barb * c, -barb * s])
    assert right == pytest.approx([1.0 - barb * c, barb * s])
    assert np.isnan(gap).all() and np.isnan(end).all()
    flat = cg.gradient_field_segments([0.0], [0.0], [[0.0]], [[0.0]], scale=2.0)
    assert np.isnan(flat).all()  # no arrow where the ground is flat


def circle(radius: float, n: int = 200) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n)
    return np.column_stack((radius * np.cos(t), radius * np.sin(t)))


def test_level_labels_sit_on_their_lines_apart_from_each_other():
    lines = [circle(0.3), circle(0.5), circle(0.7)]
    found = cg.level_label_positions(lines, (-1.0, 1.0, -1.0, 1.0), max_labels=8)
    assert [index for index, _x, _y in found] == [0, 1, 2]
    for (index, x, y), radius in zip(found, (0.3, 0.5, 0.7), strict=True):
        assert math.hypot(x, y) == pytest.approx(radius, abs=1e-9), index
    spots = np.array([(x, y) for _i, x, y in found])
    gaps = [np.hypot(*(spots[i] - spots[j])) for i in range(3) for j in range(i + 1, 3)]
    assert min(gaps) > 0.2  # radii differ by 0.2: labels on different sides, not stacked


def test_level_labels_keep_off_the_critical_markers():
    """A saddle marker sits where a label would otherwise go (the point of the circle
    farthest from the edges and the other label): the label moves round its line."""
    lines = [circle(0.5)]
    alone = cg.level_label_positions(lines, (-1.0, 1.0, -1.0, 1.0), max_labels=8)
    (_index, x, y) = alone[0]
    found = cg.level_label_positions(lines, (-1.0, 1.0, -1.0, 1.0), 8, avoid=[(x, y)])
    (_index, x2, y2) = found[0]
    assert math.hypot(x2, y2) == pytest.approx(0.5, abs=1e-9)  # still on its line
    assert math.hypot(x2 - x, y2 - y) > 0.5  # well away from the marker
    # A ring round a marker, every spot of it closer than the clearance: no label at all.
    ring = cg.level_label_positions([circle(0.05)], (-1.0, 1.0, -1.0, 1.0), 8, [(0, 0)], 0.1)
    assert ring == []
    assert len(cg.level_label_positions([circle(0.05)], (-1.0, 1.0, -1.0, 1.0), 8)) == 1


def test_a_level_label_fits_inside_the_map():
    """A wide label ("2.75e+04") at a spot near the map's side was cut by its frame."""
    ((_index, x, y),) = cg.level_label_positions(
        [circle(0.9)], (-1.0, 1.0, -1.0, 1.0), 8, half_size=(0.3, 0.05)
    )
    assert abs(x) <= 0.7 + 1e-9 and abs(y) <= 0.95 + 1e-9
    assert math.hypot(x, y) == pytest.approx(0.9, abs=1e-9)  # still on its line
    # Nowhere on a line near the edges does such a label fit: none.
    assert cg.level_label_positions([circle(0.99)], (-1, 1, -1, 1), 8, half_size=(1.0, 1.0)) == []


def test_few_labels_for_many_levels_and_none_on_slivers():
    many = [circle(0.1 + 0.04 * k) for k in range(20)]
    assert len(cg.level_label_positions(many, (-1.0, 1.0, -1.0, 1.0), max_labels=5)) <= 5
    short = np.array([[0.0, 0.0], [0.1, 0.1]])
    corner = np.column_stack((np.linspace(0.99, 1.0, 50), np.linspace(1.0, 0.99, 50)))
    assert cg.level_label_positions([short, corner], (-1.0, 1.0, -1.0, 1.0), 8) == []


def test_basin_colours():
    labels = np.array([[0, 1], [-1, -2]])
    rgba = cg.basin_rgba(labels, ["#FF0000", "#00ff00"], 0.5, ((0, 0, 0), (96, 96, 96)))
    assert rgba.dtype == np.uint8 and rgba.shape == (2, 2, 4)
    assert rgba[0, 0].tolist() == [255, 0, 0, 128]
    assert rgba[0, 1].tolist() == [0, 255, 0, 128]
    assert rgba[1, 0].tolist() == [0, 0, 0, 128]  # diverged: cell (1, 0) is on stripe 0
    assert rgba[1, 1].tolist() == [0, 0, 0, 0]  # still walking: nothing
    cycled = cg.basin_rgba(np.array([[2]]), ["#FF0000", "#00FF00"], 1.0, ((0, 0, 0), (1, 1, 1)))
    assert cycled[0, 0].tolist() == [255, 0, 0, 255]
    with pytest.raises(ValueError):
        cg.hex_rgb("red")


# ------------------------------------------------------------------ a constraint curve


def test_a_curve_lifts_onto_the_surface_and_casts_a_floor_shadow_broken_at_gaps():
    m = sg.BoxMap.build((-5.0, 5.0), (-5.0, 5.0), (0.0, 5.0))
    path = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 2.0], [NAN, NAN, NAN], [2.0, 0.0, 3.0]])
    on_surface, floor = sg.lifted_curve_segments(m, path, 0.06, -0.34)
    # One segment (the gap breaks the rest), ``lift`` above the surface and on the floor.
    assert on_surface.ravel().tolist() == pytest.approx([0.0, 0.0, 1.06, 1.0, 0.0, 2.06])
    assert floor.ravel().tolist() == pytest.approx([0.0, 0.0, -0.34, 1.0, 0.0, -0.34])


def test_flat_arrows_skip_what_is_too_short_and_stop_at_the_longest():
    m = sg.BoxMap()
    start = np.zeros(3)
    arrows = sg.flat_arrows(m, start, [(1.0, 0.0), (0.0, 0.0), (0.0, 100.0)], 1.0, 1.0, 0.05, 8.0)
    assert [index for index, *_rest in arrows] == [0, 2]  # the zero vector draws nothing
    _, shaft, verts, _faces = arrows[1]
    assert verts[0].tolist() == pytest.approx([0.0, 8.0, 0.0])  # the tip, capped at 8
    assert shaft[0].tolist() == [0.0, 0.0, 0.0] and shaft[1][1] < 8.0  # the head ends it


def test_point_labels_go_where_the_map_does_not_cut_them_and_never_on_each_other():
    domain = (-2.0, 2.0, -2.0, 2.0)
    visible = domain
    # Two labels at one point: the second takes another spot around it.
    labels = [(0.0, 0.0, 1.0, 0.5, True), (0.0, 0.0, 1.0, 0.5, False)]
    first, second = cg.place_point_labels(labels, domain, visible, [], (0.1, 0.1))
    a = cg.label_box(0.0, 0.0, first, 1.0, 0.5)
    b = cg.label_box(0.0, 0.0, second, 1.0, 0.5)
    assert cg.box_overlap(a, b) == 0.0
    # Near the right edge a label goes to the left of its point.
    (anchor,) = cg.place_point_labels([(1.9, 0.0, 1.0, 0.5, False)], domain, visible, [], (0, 0))
    box = cg.label_box(1.9, 0.0, anchor, 1.0, 0.5)
    assert box[1] <= 2.0
