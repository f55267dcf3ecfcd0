"""The contour map draws what it is given, where it is given, and reports clicks as data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6 import QtCore, QtGui
from PySide6.QtTest import QTest

from landscape_gui.qt.views import contour_view
from landscape_gui.qt.views.contour_view import ContourView
from landscape_gui.qt.views.palette import BASIN_COLORS

LEFT = QtCore.Qt.MouseButton.LeftButton


def _bowl(n_x=121, n_y=101, half=3.0):
    xs = np.linspace(-half, half, n_x)
    ys = np.linspace(-half, half, n_y)
    x, y = np.meshgrid(xs, ys, indexing="ij")
    return xs, ys, x**2 + y**2


def _pieces(points: np.ndarray) -> list[np.ndarray]:
    """Split a NaN-separated (N, 2) array into its finite pieces."""
    breaks = np.flatnonzero(np.isnan(points[:, 0]))
    pieces = [p[np.isfinite(p[:, 0])] for p in np.split(points, breaks)]
    return [p for p in pieces if len(p)]


def _data(item) -> np.ndarray:
    x, y = item.getData()
    if x is None:
        return np.empty((0, 2))
    return np.column_stack((x, y))


@pytest.fixture
def view(qtbot):
    widget = ContourView()
    qtbot.addWidget(widget)
    widget.resize(700, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _settle(view: ContourView, qtbot) -> None:
    """Wait until layout has finished moving the plot (axis widths settle after first paint):
    the plot's place and range are the same at two looks in a row, events handled between."""
    seen: list[tuple] = []

    def settled() -> bool:
        rect = view.view_box.sceneBoundingRect()
        seen.append(
            (rect.x(), rect.y(), rect.width(), rect.height(), *np.ravel(view.view_box.viewRange()))
        )
        return len(seen) > 1 and seen[-1] == seen[-2]

    qtbot.waitUntil(settled, timeout=5000)


def _widget_pos(view: ContourView, x: float, y: float) -> QtCore.QPoint:
    """Data coordinates -> scene -> the plot viewport's pixel position."""
    scene = view.view_box.mapViewToScene(QtCore.QPointF(x, y))
    return view.plot_widget().mapFromScene(scene)


def test_bowl_field_image_contours_and_colour_bar(view):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0, 4.0])

    assert np.array_equal(view.image_item.image, z)
    assert tuple(view.image_item.getLevels()) == pytest.approx((0.0, 18.0))
    assert tuple(view.color_bar.levels()) == pytest.approx((0.0, 18.0))
    # Pixel (i, j)'s centre sits on the grid point (xs[i], ys[j]): x along the first axis.
    transform = view.image_item.transform()
    for i, j in [(0, 0), (120, 0), (0, 100), (30, 70)]:
        centre = transform.map(QtCore.QPointF(i + 0.5, j + 0.5))
        assert centre.x() == pytest.approx(xs[i], abs=1e-9)
        assert centre.y() == pytest.approx(ys[j], abs=1e-9)

    points = _data(view.contour_item)
    finite = points[np.isfinite(points).all(axis=1)]
    assert np.isnan(points[:, 0]).any(), "levels must be NaN-separated in one item"
    radii = np.hypot(finite[:, 0], finite[:, 1])
    near_one = np.abs(radii - 1.0) < 0.01
    near_two = np.abs(radii - 2.0) < 0.01
    assert np.all(near_one | near_two)
    # Each circle goes all the way round.
    for mask in (near_one, near_two):
        angles = np.sort(np.arctan2(finite[mask, 1], finite[mask, 0]))
        assert np.max(np.diff(angles)) < 0.2
        assert angles[0] < -3.0 and angles[-1] > 3.0
    assert list(view.levels()) == [1.0, 4.0]


def test_levels_are_labelled_on_their_lines(view):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0, 4.0])
    labels = [label for label in view.level_labels if label.isVisible()]
    assert sorted(label.toPlainText() for label in labels) == ["1", "4"]
    for label in labels:
        radius = math.hypot(label.pos().x(), label.pos().y())
        assert radius == pytest.approx(math.sqrt(float(label.toPlainText())), abs=0.01)


def test_contours_can_be_hidden(view):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0, 4.0])
    view.set_contours_visible(False)
    assert not view.contour_item.isVisible()
    assert not any(label.isVisible() for label in view.level_labels)
    view.set_contours_visible(True)
    assert view.contour_item.isVisible()


def test_equal_scales_frame_the_whole_domain(view, qtbot):
    view.set_aspect_mode("equal")  # a 4:1 domain would fill the panel automatically
    xs = np.linspace(-4.0, 4.0, 81)
    ys = np.linspace(-1.0, 1.0, 21)
    z = np.add.outer(xs, ys)
    view.set_field(xs, ys, z, (-5.0, 5.0), [0.0])
    _settle(view, qtbot)
    (x0, x1), (y0, y1) = view.view_box.viewRange()
    assert x0 <= -4.0 + 1e-6 and x1 >= 4.0 - 1e-6
    assert y0 <= -1.0 + 1e-6 and y1 >= 1.0 - 1e-6
    rect = view.view_box.sceneBoundingRect()
    pixels_per_x = rect.width() / (x1 - x0)
    pixels_per_y = rect.height() / (y1 - y0)
    assert pixels_per_x == pytest.approx(pixels_per_y, rel=1e-3)


def test_click_emits_probe_at_the_clicked_data_point(view, qtbot):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0, 4.0])
    _settle(view, qtbot)
    pos = _widget_pos(view, 1.5, -0.75)
    with qtbot.waitSignal(view.probeRequested, timeout=2000) as blocker:
        QTest.mouseClick(view.plot_widget().viewport(), LEFT, pos=pos)
    x, y = blocker.args
    # One pixel is about 6 / 500 data units here.
    assert x == pytest.approx(1.5, abs=0.03)
    assert y == pytest.approx(-0.75, abs=0.03)


def test_left_drag_probes_continuously_and_does_not_pan(view, qtbot):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0, 4.0])
    _settle(view, qtbot)
    before = np.array(view.view_box.viewRange())
    received: list[tuple[float, float]] = []
    started: list[tuple[float, float]] = []
    view.probeRequested.connect(lambda x, y: started.append((x, y)))
    view.probeDragged.connect(lambda x, y: received.append((x, y)))

    viewport = view.plot_widget().viewport()
    path = [(-1.0, -1.0), (-0.5, -0.6), (0.0, -0.2), (0.5, 0.2), (1.0, 0.6)]
    QTest.mousePress(viewport, LEFT, pos=_widget_pos(view, *path[0]))
    scene = view.plot_widget().scene()
    for i, point in enumerate(path[1:]):
        # pyqtgraph drops a move that comes sooner than its mouse rate limit after the last
        # one: wait until it takes moves again, then each move is handled (the first starts
        # the drag, the rest move it).
        qtbot.waitUntil(scene._moveEventIsAllowed)
        moved = view.probeRequested if i == 0 else view.probeDragged
        with qtbot.waitSignal(moved, timeout=2000):
            QTest.mouseMove(viewport, _widget_pos(view, *point))
    QTest.mouseRelease(viewport, LEFT, pos=_widget_pos(view, *path[-1]))

    after = np.array(view.view_box.viewRange())
    assert np.allclose(before, after)
    assert len(started) == 1  # one gesture: its start, then its moves
    assert len(received) == len(path) - 1  # each move after the first, and the release
    assert received[-1][0] == pytest.approx(1.0, abs=0.03)
    assert received[-1][1] == pytest.approx(0.6, abs=0.03)
    xs_seen = [x for x, _ in received]
    assert xs_seen == sorted(xs_seen), "the probe follows the drag"


def test_hover_reports_data_coordinates_and_label_shows_text(view, qtbot):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0, 4.0])
    _settle(view, qtbot)
    with qtbot.waitSignal(view.hovered, timeout=2000) as blocker:
        QTest.mouseMove(view.plot_widget().viewport(), _widget_pos(view, -2.0, 1.0))
    assert blocker.args[0] == pytest.approx(-2.0, abs=0.03)
    assert blocker.args[1] == pytest.approx(1.0, abs=0.03)

    view.set_hover_text("x = -2.00  y = 1.00\nf = 5.00")
    assert view.hover_label.isVisible()
    assert "f = 5.00" in view.hover_label.toPlainText()
    view.set_hover_text("")
    assert not view.hover_label.isVisible()


def test_gradient_arrow_is_perpendicular_to_the_level_line_through_the_probe(view, qtbot):
    xs = np.linspace(-3.0, 3.0, 161)
    ys = np.linspace(-2.0, 2.0, 121)
    x, y = np.meshgrid(xs, ys, indexing="ij")
    z = x**2 + 3 * y**2  # ellipses: the gradient is not simply radial
    view.set_field(xs, ys, z, (0.0, 21.0), np.linspace(1, 20, 10))
    x0, y0 = 1.2, 0.7
    gx, gy = 2 * x0, 6 * y0  # (2x, 6y) by hand
    f0 = x0**2 + 3 * y0**2
    view.set_probe(x0, y0, gx, gy, f0, scale=0.1, note="arrow = 0.1 × ∇f")
    view.grab()  # drawn with the probe (the items below are set synchronously)

    assert view.probe_marker.isVisible()
    marker = view.probe_marker.data
    assert (marker["x"][0], marker["y"][0]) == pytest.approx((x0, y0))

    shaft = _data(view.arrow_shaft)
    assert shaft[0] == pytest.approx([x0, y0])
    direction = shaft[1] - shaft[0]
    # The arrow is scale × grad f: its length is the steepness.
    assert direction == pytest.approx([0.1 * gx, 0.1 * gy])
    assert view.scale_note_text() == "arrow = 0.1 × ∇f"
    cos_to_gradient = direction @ [gx, gy] / (np.hypot(*direction) * math.hypot(gx, gy))
    assert cos_to_gradient == pytest.approx(1.0, abs=1e-9)
    assert (view.arrow_head.pos().x(), view.arrow_head.pos().y()) == pytest.approx(tuple(shaft[1]))

    # Tangent of the highlighted level line, taken from the drawn line itself.
    level = _data(view.level_line)
    assert len(level) > 10
    pieces = _pieces(level)
    piece = min(pieces, key=lambda p: np.hypot(p[:, 0] - x0, p[:, 1] - y0).min())
    k = int(np.argmin(np.hypot(piece[:, 0] - x0, piece[:, 1] - y0)))
    assert math.hypot(piece[k, 0] - x0, piece[k, 1] - y0) < 0.03
    k = min(max(k, 2), len(piece) - 3)
    tangent = piece[k + 2] - piece[k - 2]
    cos_angle = tangent @ direction / (np.hypot(*tangent) * np.hypot(*direction))
    assert abs(cos_angle) < 0.03

    # And on screen: the axes are aspect-locked, so the right angle is visible.
    def scene(p):
        q = view.view_box.mapViewToScene(QtCore.QPointF(*p))
        return np.array([q.x(), q.y()])

    screen_arrow = scene(shaft[1]) - scene(shaft[0])
    screen_tangent = scene(piece[k + 2]) - scene(piece[k - 2])
    cos_screen = screen_arrow @ screen_tangent
    cos_screen /= np.hypot(*screen_arrow) * np.hypot(*screen_tangent)
    assert abs(cos_screen) < 0.03


def test_arrow_head_points_along_the_gradient_on_screen(view, qtbot):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])
    for gx, gy in [(1.0, 0.0), (0.0, 1.0), (-1.0, 1.0), (0.3, -2.0)]:
        view.set_probe(0.0, 0.0, gx, gy, 0.0)
        # ArrowItem's unrotated head points to -x on screen; rotate that by its angle.
        angle = math.radians(view.arrow_head.opts["angle"])
        screen_dir = np.array([-math.cos(angle), -math.sin(angle)])
        expected = np.array([gx, -gy]) / math.hypot(gx, gy)  # screen y points down
        assert screen_dir == pytest.approx(expected, abs=1e-9)


def test_a_short_arrows_head_stays_ahead_of_the_probe(view, qtbot):
    """A full-size head (18 px) on an arrow a few pixels long reached back past the probe's
    dot, and what showed beside the dot was a triangle pointing the other way."""
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])
    _settle(view, qtbot)

    def pixels(length: float) -> float:
        (x0, x1), _ = view.view_box.viewRange()
        return length * view.view_box.width() / (x1 - x0)

    heads = []
    for length in (0.02, 0.1, 0.5, 2.0):  # in map units: the map is 6 wide
        view.set_probe(0.0, 0.0, length, 0.0, 0.0)
        heads.append(view.arrow_head.opts["headLen"])
        assert view.arrow_head.isVisible()
        assert heads[-1] <= 0.4 * pixels(length) + 1e-6  # the last part of the arrow only
    assert heads[-1] == 18  # a long arrow has a full head
    view.set_probe(0.0, 0.0, 0.1, 0.0, 0.0)
    view.set_presentation(True)  # restyled: a short arrow's head stays in proportion
    assert view.arrow_head.opts["headLen"] <= 0.4 * pixels(0.1) + 1e-6


def test_probe_without_gradient_and_clearing(view):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])
    view.set_probe(0.0, 0.0, 0.0, 0.0, 0.0)
    assert view.probe_marker.isVisible()
    assert not view.arrow_shaft.isVisible()
    assert not view.arrow_head.isVisible()
    view.set_probe(None)
    assert not view.probe_marker.isVisible()
    assert not view.level_line.isVisible()


def test_arrow_length_is_the_steepness_and_it_is_cut_at_the_edge(view):
    xs, ys, z = _bowl()  # the domain is [-3, 3] x [-3, 3]
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])

    def arrow_length() -> float:
        shaft = _data(view.arrow_shaft)
        return float(np.hypot(*(shaft[1] - shaft[0])))

    view.set_probe(1.5, 2.0, 3.0, 4.0, 6.25, scale=0.1, note="arrow = 0.1 × ∇f")
    half = arrow_length()
    view.set_probe(0.75, 1.0, 1.5, 2.0, 1.5625, scale=0.1, note="arrow = 0.1 × ∇f")
    assert half == pytest.approx(0.5) and arrow_length() == pytest.approx(0.25)
    # From (2, 2) the arrow 0.5 × (4, 4) would reach (4, 4): it stops at the map's edge.
    view.set_probe(2.0, 2.0, 4.0, 4.0, 8.0, scale=0.5, note="arrow = 0.5 × ∇f")
    assert _data(view.arrow_shaft)[1] == pytest.approx([3.0, 3.0])
    assert "cut at the map's edge" in view.scale_note_text()


def test_gradient_field_arrows_are_as_long_as_the_ground_is_steep(view):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])
    fx = np.linspace(-3, 3, 15)
    fy = np.linspace(-3, 3, 15)
    x, y = np.meshgrid(fx, fy, indexing="ij")
    view.set_gradient_field(fx, fy, 2 * x, 2 * y, 0.05)  # grad of the bowl; zero at the centre
    points = _data(view.field_item)
    assert points.shape == (15 * 15 * 7, 2)
    arrows = points.reshape(15 * 15, 7, 2)
    tails, tips = arrows[:, 0], arrows[:, 1]
    centre = 7 * 15 + 7
    assert np.isnan(arrows[centre]).all(), "no direction where the gradient vanishes"
    others = np.delete(np.arange(15 * 15), centre)
    shafts = tips[others] - tails[others]
    lengths = np.hypot(shafts[:, 0], shafts[:, 1])
    grid_norms = np.hypot(2 * x.ravel(), 2 * y.ravel())[others]
    assert lengths == pytest.approx(0.05 * grid_norms)
    # Pointing away from the origin (uphill on a bowl), centred on their grid point.
    midpoints = (tips[others] + tails[others]) / 2
    grid = np.column_stack((x.ravel(), y.ravel()))[others]
    assert midpoints == pytest.approx(grid)
    cos = (shafts * grid).sum(axis=1) / (lengths * np.hypot(grid[:, 0], grid[:, 1]))
    assert cos == pytest.approx(np.ones(len(others)))
    # The barbs meet at the tip.
    assert arrows[others, 4] == pytest.approx(tips[others])

    view.set_gradient_field(None)
    assert not view.field_item.isVisible()


def test_paths_set_and_clear(view):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])
    first = np.array([[2.0, 2.0], [1.0, 1.0], [0.5, 0.5]])
    second = np.array([[-2.0, 1.0], [np.nan, np.nan], [-1.0, 0.5], [-0.5, 0.2]])
    view.set_paths([(first, "#E69F00"), (second, "#56B4E9")])

    visible = [line for line in view.path_lines if line.isVisible()]
    assert len(visible) == 2
    assert _data(view.path_lines[0]) == pytest.approx(first)
    heads = [(h.data["x"][0], h.data["y"][0]) for h in view.path_heads[:2]]
    assert heads == [pytest.approx((0.5, 0.5)), pytest.approx((-0.5, 0.2))]
    assert len(view.path_dots[0].data) == 3
    assert len(view.path_dots[1].data) == 3  # the NaN step is a gap, not a dot

    view.set_paths([(first, "#E69F00")])
    assert sum(line.isVisible() for line in view.path_lines) == 1
    view.set_paths([])
    assert not any(line.isVisible() for line in view.path_lines)
    assert not any(head.isVisible() for head in view.path_heads)


def test_a_thinned_path_has_a_line_and_a_head_but_no_dots(view):
    """Dots say "one per step": a path whose points are not its steps gets none."""
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])
    path = np.array([[2.0, 2.0], [1.0, 1.0], [0.5, 0.5]])
    view.set_paths([(path, "#E69F00", False, True)])
    assert len(view.path_dots[0].data) == 3 and view.path_dots[0].isVisible()
    view.set_paths([(path, "#E69F00", False, False)])
    assert not view.path_dots[0].isVisible() and len(view.path_dots[0].data) == 0
    assert _data(view.path_lines[0]) == pytest.approx(path)
    head = view.path_heads[0]
    assert head.isVisible() and (head.data["x"][0], head.data["y"][0]) == (0.5, 0.5)
    view.set_paths([(path, "#E69F00", False, True)])  # stepwise again (a reset): dots again
    assert len(view.path_dots[0].data) == 3 and view.path_dots[0].isVisible()


def test_a_long_path_is_drawn_in_pieces_that_stay_put(view):
    """While a run streams, only the newest piece of its path is drawn again: the full
    pieces are items of their own, set once, and together they draw every step."""
    from landscape_gui.qt.views.contour_view import PATH_CHUNK

    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])
    t = np.linspace(0.0, 6.0, 3 * PATH_CHUNK + 250)
    path = np.column_stack((2 * np.cos(t) * (1 - t / 8), 2 * np.sin(t) * (1 - t / 8)))
    view.set_paths([(path[: 2 * PATH_CHUNK + 10], "#E69F00")])
    pieces = list(view._frozen[0].items)
    assert len(pieces) == 2
    view.set_paths([(path, "#E69F00")])
    assert view._frozen[0].items[:2] == pieces  # not drawn again
    drawn = [_data(line) for line, _ in view._frozen[0].items] + [_data(view.path_lines[0])]
    joined = np.vstack([drawn[0]] + [piece[1:] for piece in drawn[1:]])
    assert joined == pytest.approx(path)
    dots = sum(len(dots.data) for _, dots in view._frozen[0].items) + len(view.path_dots[0].data)
    assert dots >= len(path)
    assert (view.path_heads[0].data["x"][0], view.path_heads[0].data["y"][0]) == pytest.approx(
        tuple(path[-1])
    )
    # A reset (a path that is not the one drawn before) starts afresh.
    view.set_paths([(path[:5], "#E69F00")])
    assert view._frozen[0].items == []
    assert _data(view.path_lines[0]) == pytest.approx(path[:5])


def test_critical_points_by_kind_with_legend(view):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])
    view.set_critical_points([(0.0, 0.0, "minimum"), (1.0, -1.0, "saddle"), (-1.0, 2.0, "minimum")])
    minima = view.critical_items["minimum"].data
    assert sorted(zip(minima["x"], minima["y"], strict=True)) == [(-1.0, 2.0), (0.0, 0.0)]
    assert len(view.critical_items["saddle"].data) == 1
    assert len(view.critical_items["maximum"].data) == 0
    assert view.critical_items["minimum"].opts["symbol"] == "t"  # triangle down
    assert view.critical_items["maximum"].opts["symbol"] == "t1"  # triangle up
    assert view.critical_items["saddle"].opts["symbol"] == "x"
    assert view.legend_entries() == ["▽ minimum", "✕ saddle"]
    # The legend is the row above the map: it never covers the data area.
    title = view.export_item().titleLabel
    assert title.isVisible()
    assert not title.sceneBoundingRect().intersects(view.view_box.sceneBoundingRect())

    view.set_critical_points([])
    assert all(len(item.data) == 0 for item in view.critical_items.values())
    assert view.legend_entries() == [] and view.legend_text() == ""
    assert not title.isVisible()


def test_nan_field_does_not_crash(view, qtbot):
    xs = np.linspace(-2.0, 2.0, 81)  # includes x = 0
    ys = np.linspace(-2.0, 2.0, 61)
    x, _y = np.meshgrid(xs, ys, indexing="ij")
    with np.errstate(divide="ignore"):
        z = 1.0 / x
    view.set_field(xs, ys, z, (-10.0, 10.0), [-2.0, -1.0, 1.0, 2.0])
    view.set_probe(1.0, 0.5, -1.0, 0.0, 1.0)
    view.grab()  # painted now: a NaN that crashed the drawing would fail here
    image = view.image_item.image
    assert np.isnan(image[40]).all()  # the x = 0 column is a hole, not infinity
    assert np.isfinite(image[:40]).all()
    points = _data(view.contour_item)
    finite = points[np.isfinite(points).all(axis=1)]
    assert len(finite) > 0
    # 1/x = c is the vertical line x = 1/c.
    assert np.all(np.isclose(np.abs(finite[:, 0]), 0.5) | np.isclose(np.abs(finite[:, 0]), 1.0))
    view.grab()  # paints without raising


def test_style_and_presentation_change_the_look(view):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])
    view.set_probe(1.0, 1.0, 2.0, 2.0, 2.0)
    thin = view.arrow_shaft.opts["pen"].widthF()
    view.set_presentation(True)
    assert view.arrow_shaft.opts["pen"].widthF() > 1.5 * thin
    view.set_presentation(False)
    assert view.arrow_shaft.opts["pen"].widthF() == pytest.approx(thin)

    view.set_style(True)
    dark = view.plot_widget().backgroundBrush().color().lightness()
    view.set_style(False)
    light = view.plot_widget().backgroundBrush().color().lightness()
    assert dark < 60 < 200 < light
    assert view.export_item() is view.plot_widget().getPlotItem()


def _hex_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[k : k + 2], 16) for k in (1, 3, 5))


def test_basin_overlay_colours_each_start_by_its_label(view, qtbot):
    xs, ys, z = _bowl(n_x=7, n_y=5, half=3.0)
    view.set_field(xs, ys, z, (0.0, 18.0), [])
    labels = np.array(
        [
            [0, 0, 1, 1, 2],
            [0, -1, -1, -1, 2],
            [3, -1, -1, -1, 2],
            [3, -2, -2, -2, 1],
            [0, 1, 2, 3, 4],
            [4, 4, 4, 4, 4],
            [-2, 0, -1, 1, -2],
        ]
    )
    colors = ["#FF0000", "#00FF00", "#0000FF", "#FFFF00"]  # 4 colours: label 4 cycles to red
    view.set_basins(xs, ys, labels, colors)

    assert view.basin_item.isVisible()
    # Above the height image, below the level lines.
    assert view.image_item.zValue() < view.basin_item.zValue() < view.contour_item.zValue()
    image = view.basin_item.image
    assert image.shape == (7, 5, 4)
    alpha = image[0, 0, 3]
    assert 0.35 * 255 <= alpha <= 0.55 * 255
    for i in range(7):
        for j in range(5):
            label = labels[i, j]
            if label >= 0:
                assert tuple(image[i, j, :3]) == _hex_rgb(colors[label % 4]), (i, j)
                assert image[i, j, 3] == alpha
            elif label == -2:
                assert image[i, j, 3] == 0, (i, j)  # still walking: see-through
            else:
                assert max(image[i, j, :3]) <= 100 and image[i, j, 3] > 0, (i, j)
    # The diverged block is hatched: two different dark greys in it, not one flat colour.
    block = image[1:3, 1:4, :3].reshape(-1, 3)
    assert len({tuple(p) for p in block}) == 2

    # Pixel (i, j)'s centre sits on the start (xs[i], ys[j]), like the height image.
    transform = view.basin_item.transform()
    for i, j in [(0, 0), (6, 0), (0, 4), (3, 2)]:
        centre = transform.map(QtCore.QPointF(i + 0.5, j + 0.5))
        assert centre.x() == pytest.approx(xs[i], abs=1e-9)
        assert centre.y() == pytest.approx(ys[j], abs=1e-9)


def test_basin_overlay_is_painted_translucent_at_its_grid_points(qtbot):
    # On an empty white map, a red basin over the left half and a walking (-2) right half:
    # the screen shows white blended with red on the left and plain white on the right.
    view = ContourView()
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    qtbot.waitExposed(view)
    xs = np.linspace(-2.0, 2.0, 9)
    ys = np.linspace(-1.0, 1.0, 5)
    labels = np.where(xs[:, None] < 0, 0, -2) * np.ones((1, 5), dtype=int)
    view.set_basins(xs, ys, labels, ["#FF0000"])
    view.view_box.setRange(xRange=(-2.5, 2.5), yRange=(-1.5, 1.5), padding=0.0)
    _settle(view, qtbot)
    picture = view.plot_widget().grab().toImage()

    def pixel(x, y):
        return picture.pixelColor(_widget_pos(view, x, y))

    tinted = pixel(float(xs[1]), float(ys[2]))
    assert tinted.red() == 255
    assert 255 * 0.45 <= 255 - tinted.green() <= 255 * 0.55  # white -> red by about 0.45
    assert tinted.green() == pytest.approx(tinted.blue(), abs=2)
    clear = pixel(float(xs[7]), float(ys[2]))
    assert (clear.red(), clear.green(), clear.blue()) == (255, 255, 255)


def test_basin_overlay_defaults_hides_and_checks_shape(view):
    xs = np.linspace(0.0, 1.0, 4)
    ys = np.linspace(0.0, 1.0, 3)
    labels = np.arange(12).reshape(4, 3) % 3
    view.set_basins(xs, ys, labels)
    image = view.basin_item.image
    for label in range(3):
        i, j = np.argwhere(labels == label)[0]
        assert tuple(image[i, j, :3]) == _hex_rgb(BASIN_COLORS[label])
    assert len({_hex_rgb(c) for c in BASIN_COLORS}) == len(BASIN_COLORS)

    view.set_basins(None)
    assert not view.basin_item.isVisible()
    assert view.basin_item.image is None

    with pytest.raises(ValueError, match="shape"):
        view.set_basins(xs, ys, labels.T)


def test_map_scales_are_equal_when_comparable_else_the_map_fills(view, qtbot):
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])
    assert view.equal_aspect()  # a square domain in a near-square panel
    wide = np.linspace(-50.0, 50.0, 41)
    flat = np.linspace(-1.0, 1.0, 31)
    view.set_field(wide, flat, np.add.outer(wide**2, flat**2), (0.0, 2600.0), [1.0])
    assert not view.equal_aspect()  # 100 by 2 at one scale would be a line
    (x0, x1), (y0, y1) = view.view_box.viewRange()
    assert x0 <= -50 and x1 >= 50 and y0 <= -1 and y1 >= 1
    assert y1 - y0 < 4  # and the y range fills the height, not a speck in it
    view.set_aspect_mode("equal")
    assert view.equal_aspect()
    view.set_aspect_mode("fill")
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])
    assert not view.equal_aspect()


def test_a_race_is_named_in_the_legend_row(view):
    view.set_run_legend([("Gradient descent, lr 0.1", "#E69F00"), ("Adam, lr 0.1", "#0072B2")])
    assert view.legend_entries() == ["━━ Gradient descent, lr 0.1", "━━ Adam, lr 0.1"]
    assert "#0072B2" in view.legend_text()
    view.set_run_legend([])
    assert view.legend_entries() == []


def test_a_steep_landscape_has_numbers_on_its_log_colour_bar(view, qtbot):
    xs = np.linspace(-2.0, 2.0, 41)
    z = 3.0 + np.add.outer(xs**2, xs**2) ** 6  # 3 .. about 1.7e6
    view.set_field(xs, xs, z, (3.0, float(z.max())), [10.0, 1000.0], "log")
    labels = view.color_bar_labels()
    assert len(labels) >= 4 and all(float(t) > 0 for t in labels)
    axis = view.color_bar.axis
    font = axis.style.get("tickFont") or QtGui.QFont()
    widest = max(QtGui.QFontMetrics(font).horizontalAdvance(t) for t in labels)
    # pyqtgraph drops a label wider than its axis: the axis widens to the widest one.
    qtbot.waitUntil(lambda: axis.width() >= widest, timeout=3000)
    shown = view.image_item.image
    low, high = view.image_item.levels
    spread = (shown[np.isfinite(shown)] - low) / (high - low)
    linear = (z - 3.0) / (z.max() - 3.0)
    assert np.mean(linear < 0.1) > 0.9  # on a linear scale: nine tenths one colour
    assert np.mean(spread < 0.1) < 0.4  # on the log scale: colours spread out


def test_lines_traced_by_the_worker_draw_the_same_map(qtbot):
    # The scene traces the map's level lines off the GUI thread; the view draws them as it
    # would have traced them itself, and still traces the probe's level line.
    from landscape_gui.core import colorscale
    from landscape_gui.core.formula import parse_formula
    from landscape_gui.core.landscape import CompiledFormula
    from landscape_gui.core.scene import CONTOUR_COUNT, build_scene
    from landscape_gui.core.state import SessionState

    state = SessionState(formula="x^4 + y^4 - 3x*y")
    scene = build_scene(CompiledFormula(parse_formula(state.formula)), state)
    grid = scene.grid
    levels = colorscale.levels(scene.z_limits, scene.color_scale, CONTOUR_COUNT)
    drawn = []
    for traced in (None, scene.traced):
        view = ContourView()
        qtbot.addWidget(view)
        view.set_field(grid.xs, grid.ys, grid.z, scene.z_limits, levels, scene.color_scale, traced)
        view.set_probe(1.0, 0.5, 1.0, 1.0, 0.0, 0.1, "")
        drawn.append((_data(view.contour_item), _data(view.level_line)))
    (lines_a, probe_a), (lines_b, probe_b) = drawn
    assert len(lines_a) > 100 and len(probe_a) > 10
    np.testing.assert_array_equal(lines_a, lines_b)
    np.testing.assert_array_equal(probe_a, probe_b)


def test_a_tangled_level_line_is_drawn_without_smoothing_and_a_simple_one_with(view):
    """Wide antialiased pens cost ~10 µs a point: a level line of thousands of points (a wild
    landscape) would make every probe move a slow paint, so it is drawn unsmoothed; an
    ordinary one keeps its smooth edges. The points drawn are the traced level either way."""
    xs = np.linspace(-3.0, 3.0, 201)
    ys = np.linspace(-3.0, 3.0, 201)
    x, y = np.meshgrid(xs, ys, indexing="ij")
    view.set_field(xs, ys, x**2 + y**2, (0.0, 18.0), np.linspace(1, 17, 9))
    view.set_probe(1.0, 1.0, 2.0, 2.0, 2.0)
    circle = _data(view.level_line)
    assert 50 < len(circle) <= contour_view.SMOOTH_WIDE_LINE_POINTS
    assert np.hypot(circle[:, 0], circle[:, 1]) == pytest.approx(math.sqrt(2.0), abs=0.01)
    assert view.level_line.opts["antialias"] and view._level_halo.opts["antialias"]

    wild = np.sin(7 * x) * np.sin(7 * y) * np.sin(5 * (x + y))
    view.set_field(xs, ys, wild, (-1.0, 1.0), np.linspace(-0.9, 0.9, 9))
    view.set_probe(0.1, 0.2, 1.0, 1.0, 0.01)
    tangle = _data(view.level_line)
    assert len(tangle) > contour_view.SMOOTH_WIDE_LINE_POINTS
    assert np.array_equal(tangle, _data(view._level_halo), equal_nan=True)
    assert not view.level_line.opts["antialias"] and not view._level_halo.opts["antialias"]


def test_a_long_note_breaks_after_its_colon_rather_than_shrinking_the_legend(view, qtbot):
    """One long note ("here |∇f| = 0.01168: ...") set the whole legend's size: about 8 px
    high at 1024 x 768 in presentation mode. It breaks after its colon instead."""
    xs, ys, z = _bowl()
    view.set_field(xs, ys, z, (0.0, 18.0), [1.0])
    view.set_presentation(True)
    view.resize(420, 500)
    qtbot.waitUntil(lambda: view.width() == 420)
    note = "arrow = 0.002 × ∇f · here |∇f| = 0.01168: its arrow is too short to see"
    view.set_probe(1.0, 1.0, 1e-4, 0.0, 2.0, scale=0.002, note=note)
    assert view.legend_entries()[-3:] == [
        "arrow = 0.002 × ∇f",
        "here |∇f| = 0.01168:",
        "its arrow is too short to see",
    ]
    size = float(view.export_item().titleLabel.opts["size"].removesuffix("pt"))
    assert size >= 11.0  # 9 pt x 1.6 on a projector, not shrunk to the 7 pt floor
