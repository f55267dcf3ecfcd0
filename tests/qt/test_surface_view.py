"""SurfaceView renders real pictures under Xvfb (Mesa llvmpipe); the tests read the pixels."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from landscape_gui.core.numbers import tick as format_tick
from landscape_gui.qt.views import palette
from landscape_gui.qt.views.palette import (
    GRADIENT_COLOR,
    HEIGHT_COLORMAP,
    PROBE_COLOR,
    RUN_COLORS,
)
from landscape_gui.qt.views.surface_view import SurfaceView

# pyqtgraph 0.14 caches GL shader programs per item class, valid in one GL context only, and
# each SurfaceView gets its own context: contexts must be shared, which Qt allows only if set
# before the QApplication exists (pyqtgraph issues #2618, #3455). The app sets it in app.py.
if QApplication.instance() is None:
    QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)

# Published viridis end points and middle (matplotlib's table), as 8-bit RGB.
VIRIDIS_LOW = (68, 1, 84)
VIRIDIS_MID = (33, 145, 140)
VIRIDIS_HIGH = (253, 231, 37)
TOP_DOWN = {"distance": 22.0, "elevation": 90.0, "azimuth": -90.0, "center": [0.0, 0.0, 0.0]}


def pixels(image: QImage) -> np.ndarray:
    """(H, W, 3) uint8 RGB copy of a QImage."""
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = img.width(), img.height(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=stride * h)
    return buf.reshape(h, stride)[:, : w * 3].reshape(h, w, 3).copy()


def render(view: SurfaceView) -> np.ndarray:
    QApplication.processEvents()
    return pixels(view.grab_image())


def near(img: np.ndarray, rgb, tol: int = 8) -> int:
    """How many pixels are within ``tol`` of ``rgb`` in every channel."""
    return int((np.abs(img.astype(int) - np.array(rgb)) <= tol).all(axis=-1).sum())


def colourful(img: np.ndarray) -> int:
    """Pixels with real chroma: the surface and markers, not the grey grid, text or background."""
    spread = img.max(axis=-1).astype(int) - img.min(axis=-1).astype(int)
    return int((spread > 40).sum())


def grid(n: int = 81, lo: float = -2.0, hi: float = 2.0):
    xs = np.linspace(lo, hi, n)
    ys = np.linspace(lo, hi, n)
    x, y = np.meshgrid(xs, ys, indexing="ij")
    return xs, ys, x, y


@pytest.fixture
def view(qtbot):
    v = SurfaceView()
    v.resize(480, 360)
    v.show()
    qtbot.waitExposed(v)
    yield v
    # Deleted now, as a closed window's views are: left to the interpreter's exit, its GL
    # window outlived the QApplication and the process ended in a segmentation fault.
    v.close()
    v.deleteLater()
    qtbot.wait(10)


def test_palette_is_usable():
    assert len(RUN_COLORS) >= 8
    assert len({c.upper() for c in RUN_COLORS}) == len(RUN_COLORS)
    for c in [*RUN_COLORS, PROBE_COLOR, GRADIENT_COLOR]:
        assert QColor(c).isValid(), c
    low, high = HEIGHT_COLORMAP.map(np.array([0.0, 1.0]), mode="byte")[:, :3]
    assert np.abs(low.astype(int) - VIRIDIS_LOW).max() <= 2
    assert np.abs(high.astype(int) - VIRIDIS_HIGH).max() <= 2


def test_bowl_picture_is_a_coloured_landscape(view):
    xs, ys, x, y = grid()
    # Limits narrower than the data: the bottom (r < 1) and the corners (r^2 > 5) are clipped
    # flat, so from above they show the exact two ends of the colormap.
    view.set_surface(xs, ys, x**2 + y**2, (1.0, 5.0))
    view.set_camera_state(TOP_DOWN)
    img = render(view)

    assert img.shape[0] > 100 and img.shape[1] > 100
    background = img[0, 0]
    assert (np.abs(img.astype(int) - background).sum(axis=-1) > 30).mean() > 0.2
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 200
    assert near(img, VIRIDIS_LOW) > 200
    assert near(img, VIRIDIS_HIGH) > 200


def test_default_view_is_not_blank_and_shows_both_ends(view):
    xs, ys, x, y = grid()
    view.set_surface(xs, ys, x**2 + y**2, (0.0, 8.0))
    img = render(view)
    assert colourful(img) > 0.15 * img.shape[0] * img.shape[1]
    # shading darkens slopes, so compare hue families rather than exact colours
    r, g, b = (img[..., k].astype(int) for k in range(3))
    purple = (b > g + 30) & (r > g + 10)
    yellow = (r > 150) & (g > 150) & (b < 90)
    assert purple.sum() > 50
    assert yellow.sum() > 50


def test_nan_column_and_poles_render_without_error(view):
    xs, ys, x, y = grid(101, -1.0, 1.0)
    with np.errstate(divide="ignore"):
        z = 1.0 / x
    z[50, :] = np.nan  # xs[50] == 0
    z[49, 3] = np.inf
    z[51, 4] = -np.inf
    view.set_surface(xs, ys, z, (-20.0, 20.0))
    img = render(view)
    assert colourful(img) > 0.1 * img.shape[0] * img.shape[1]
    assert view.tick_labels()["z"] == ["-20", "-10", "0", "10", "20"]


def test_nan_region_is_a_hole_not_a_sheet(view):
    """log(x) is undefined for x <= 0: from above, about half the box must stay empty."""
    xs, ys, x, y = grid(101, -1.0, 1.0)
    view.set_camera_state(TOP_DOWN)
    view.set_surface(xs, ys, x + 0.0 * y, (-1.0, 1.0))
    full = colourful(render(view))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log(x) + 0.0 * y
    assert np.isnan(z).sum() > 0 and np.isneginf(z).sum() > 0
    view.set_surface(xs, ys, z, (-4.0, 0.0))
    half = colourful(render(view))
    assert full > 1000
    assert 0.35 < half / full < 0.62


def test_all_nan_surface_draws_nothing_but_axes(view):
    xs, ys, x, _ = grid()
    view.set_surface(xs, ys, np.full_like(x, np.nan), (math.nan, math.nan))
    img = render(view)
    assert colourful(img) == 0
    # the axes and labels are still there: not an empty picture
    assert (np.abs(img.astype(int) - img[0, 0]).sum(axis=-1) > 30).sum() > 100


def test_constant_surface_sits_mid_box_in_mid_colour(view):
    xs, ys, x, _ = grid()
    view.set_camera_state(TOP_DOWN)
    view.set_surface(xs, ys, np.full_like(x, 3.0), (3.0, 3.0))
    img = render(view)
    assert near(img, VIRIDIS_MID) > 0.15 * img.shape[0] * img.shape[1]
    assert "3.0" in view.tick_labels()["z"]


def test_tick_labels_are_true_units(view):
    xs = np.linspace(-3.0, 3.0, 31)
    ys = np.linspace(0.0, 8.0, 41)
    z = np.zeros((31, 41))
    z[0, 0] = 100.0
    view.set_surface(xs, ys, z, (0.0, 100.0))
    labels = view.tick_labels()
    assert labels["x"] == ["-3", "-2", "-1", "0", "1", "2", "3"]
    assert labels["y"] == ["0", "2", "4", "6", "8"]
    assert labels["z"] == ["0", "20", "40", "60", "80", "100"]


def test_tick_format():  # the ticks themselves: tests/qt/test_geometry.py
    assert [format_tick(v, 0.2) for v in (0.0, 0.4, 1.0)] == ["0.0", "0.4", "1.0"]


def test_shape_mismatch_is_rejected(view):
    with pytest.raises(ValueError):
        view.set_surface(np.arange(3.0), np.arange(4.0), np.zeros((4, 3)), (0.0, 1.0))


def test_overlays_change_the_picture_and_hide_cleanly(view):
    xs, ys, x, y = grid()
    view.set_surface(xs, ys, x**2 + y**2, (0.0, 8.0))
    base = render(view)

    def differs(a, b):
        return int((np.abs(a.astype(int) - b.astype(int)).sum(axis=-1) > 30).sum())

    view.set_probe(-1.0, 1.0, 2.0, -2.0, 2.0)
    probe = render(view)
    assert differs(probe, base) > 100
    assert near(probe, QColor(PROBE_COLOR).getRgb()[:3], tol=12) > 30

    view.set_tangent_plane(True)
    tangent = render(view)
    assert differs(tangent, probe) > 300

    view.set_slice_planes(0.5, -0.5)
    slices = render(view)
    assert differs(slices, tangent) > 300

    path = np.array([[1.8, -1.5, 5.49], [1.0, -0.8, 1.64], [0.4, -0.3, 0.25], [0.1, 0.0, 0.01]])
    with_nan = np.vstack([path[:2], [np.nan, 0.0, 0.0], path[2:]])
    view.set_paths([(with_nan, RUN_COLORS[0]), (-path * [1, 1, -1], RUN_COLORS[3])])
    paths = render(view)
    assert differs(paths, slices) > 50

    view.set_wireframe(True)
    wire = render(view)
    assert differs(wire, paths) > 300

    # everything off again: exactly the first picture
    view.set_wireframe(False)
    view.set_paths([])
    view.set_slice_planes(None, None)
    view.set_tangent_plane(False)
    view.set_probe(None)
    assert differs(render(view), base) == 0


def test_zero_gradient_probe_and_empty_paths(view):
    xs, ys, x, y = grid()
    view.set_surface(xs, ys, x**2 + y**2, (0.0, 8.0))
    base = render(view)
    view.set_probe(0.0, 0.0, 0.0, 0.0, 0.0)  # at the minimum: marker, no arrow
    view.set_tangent_plane(True)
    assert not np.array_equal(render(view), base)
    view.set_probe(None)
    view.set_paths([(np.full((5, 3), np.nan), RUN_COLORS[1])])
    assert np.array_equal(render(view), base)


def test_style_and_presentation(view):
    xs, ys, x, y = grid()
    view.set_surface(xs, ys, x * y, (-4.0, 4.0))
    light = render(view)
    assert light[2, 2].min() > 220
    view.set_style(True)
    dark = render(view)
    assert dark[2, 2].max() < 80
    view.set_presentation(True)
    big = render(view)
    assert not np.array_equal(big, dark)


def assert_same_camera(got: dict, expected: dict) -> None:
    # pytest >= 9 refuses pytest.approx on a dict holding a list: compare key by key.
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key


def test_camera_state_round_trip(view):
    view.reset_view()
    default = view.camera_state()
    assert 20.0 <= default["elevation"] <= 40.0
    az = math.radians(default["azimuth"])
    assert math.cos(az) > 0 and math.sin(az) < 0  # camera south-east of the box
    json.dumps(default)

    state = {"distance": 31.5, "elevation": 55.0, "azimuth": 120.0, "center": [1.0, -2.0, 0.5]}
    view.set_camera_state(state)
    assert_same_camera(view.camera_state(), state)
    before = render(view)
    view.reset_view()
    assert_same_camera(view.camera_state(), default)
    assert not np.array_equal(render(view), before)


def _spiral(steps: int) -> np.ndarray:
    t = np.linspace(0.0, 6.0, steps)
    x, y = 1.8 * np.cos(t) * (1 - t / 8), 1.8 * np.sin(t) * (1 - t / 8)
    return np.column_stack((x, y, x**2 + y**2))


def test_the_still_picture_copy_draws_what_drawing_everything_draws(view):
    """Streaming draws the still items once into a buffer and only the paths over it: the
    picture must be the one drawing everything gives, for a short path and a long one (whose
    full pieces belong to the still picture)."""
    xs, ys, x, y = grid()
    view.set_surface(xs, ys, x**2 + y**2, (0.0, 8.0))
    view.set_probe(1.0, 0.5, 1.25, 2.0, 1.0)
    for steps in (40, 3500):
        view.set_paths([(_spiral(steps), RUN_COLORS[0])])
        assert view._view.cache_enabled
        cached = render(view)
        view._view.cache_enabled = False
        everything = render(view)
        view._view.cache_enabled = True
        differ = (np.abs(cached.astype(int) - everything.astype(int)).max(axis=-1) > 40).mean()
        assert differ < 0.002, f"{differ:.2%} of the pixels differ at {steps} steps"
    # The long path's full pieces were drawn once; a new path replaces them.
    assert len(view._frozen_paths[0][3]) == 3
    view.set_paths([(_spiral(30), RUN_COLORS[1])])
    assert view._frozen_paths[0][3] == []


def _still_drawings(view: SurfaceView, monkeypatch) -> list[bool]:
    """Grows by one each time the still picture is drawn into its buffer."""
    view_class = type(view._view)
    drawn: list[bool] = []
    original = view_class._draw_only

    def spy(self, dynamic: bool) -> None:
        if not dynamic:
            drawn.append(True)
        original(self, dynamic)

    monkeypatch.setattr(view_class, "_draw_only", spy)
    return drawn


def _differing_fraction(view: SurfaceView) -> float:
    """How much of the cached picture differs from drawing everything at once."""
    cached = render(view)
    view._view.cache_enabled = False
    everything = render(view)
    view._view.cache_enabled = True
    return float((np.abs(cached.astype(int) - everything.astype(int)).max(axis=-1) > 40).mean())


def test_a_probe_stepped_along_leaves_the_still_picture_alone(qtbot, view, monkeypatch):
    """Stepping from the keyboard moves the probe, its arrow and the slices every step: they
    are drawn over the still picture while they move, instead of the whole surface being
    drawn again each step, and go back into it once they keep still. The picture is the one
    drawing everything gives, at every step and after."""
    from landscape_gui.qt.views.surface_view import MOVING_FOR_MS

    xs, ys, x, y = grid()
    view.set_surface(xs, ys, x**2 + y**2, (0.0, 8.0))
    view.set_probe(1.0, 0.5, 1.25, 2.0, 1.0)
    view.set_slice_planes(1.0, 0.5)
    render(view)
    qtbot.wait(MOVING_FOR_MS + 100)  # the probe was set a while ago
    drawn = _still_drawings(view, monkeypatch)
    for k in range(1, 7):
        px = 1.0 - 0.2 * k
        view.set_probe(px, 0.5, px * px + 0.25, 2 * px, 1.0)
        view.set_slice_planes(px, 0.5)
        assert _differing_fraction(view) < 0.002, f"step {k}"
    # Drawn for the first step (one change), and once more without the moving items.
    assert len(drawn) == 2
    moving = view._view.moving_items
    assert view._probe_marker in moving and view._slice_planes in moving
    assert view._surface not in moving
    qtbot.waitUntil(lambda: not view._view.moving_items, timeout=MOVING_FOR_MS + 2000)
    assert _differing_fraction(view) < 0.002
    assert len(drawn) == 3  # back in the picture: drawn once


def test_a_change_to_a_hidden_item_draws_nothing_again(view, monkeypatch):
    """Items hidden and not in the picture (a constraint's curve when there is none) are
    redrawn by each change of the landscape: that no longer draws the still picture again."""
    xs, ys, x, y = grid()
    view.set_surface(xs, ys, x**2 + y**2, (0.0, 8.0))
    render(view)
    drawn = _still_drawings(view, monkeypatch)
    for _ in range(3):
        view.set_constraint_path(None)
        render(view)
    assert drawn == []
    view.set_probe(1.0, 0.5, 1.25, 2.0, 1.0)  # a shown item: drawn again
    render(view)
    assert drawn == [True]


@pytest.mark.parametrize("dark", [False, True])
def test_the_3d_view_and_the_map_share_one_background(qtbot, view, dark):
    """palette.py is the one home of the background: the 3D view had its own near-copy of the
    dark one (30, 30, 34) while the map and slices used #1E1F24."""
    from landscape_gui.qt.views.contour_view import ContourView

    contour = ContourView()
    qtbot.addWidget(contour)
    view.set_style(dark)
    contour.set_style(dark)
    surface_rgb = QColor.fromRgbF(*view._view.opts["bgcolor"][:3]).name()
    map_rgb = contour._plot_widget.backgroundBrush().color().name()
    assert surface_rgb == map_rgb == QColor(palette.plot_background(dark)).name()


def test_z_labels_keep_apart_in_a_small_view_in_projector_type(qtbot):
    """The 1024 x 768 presentation view (about 320 x 430 px, labels 1.7 x bigger) had five z
    labels 15 px apart and the axis title on the top label's row ("50z = f(x, y)")."""
    v = SurfaceView()
    qtbot.addWidget(v)
    v.resize(320, 430)
    v.show()
    qtbot.waitExposed(v)
    v.set_presentation(True, 1.7)
    xs, ys, x, y = grid(41, -5.0, 5.0)
    v.set_surface(xs, ys, x**2 + y**2, (0.0, 50.0))
    QApplication.processEvents()
    rects = dict(v.label_rects())
    z_labels = v.tick_labels()["z"]
    assert len(z_labels) >= 2
    z_rects = sorted((rects[t] for t in z_labels), key=lambda r: r.top())
    for upper, lower in zip(z_rects, z_rects[1:], strict=False):
        assert lower.top() - upper.bottom() >= 0.5 * upper.height()
    title = rects["z = f(x, y)"]
    assert title.bottom() < z_rects[0].top()  # a row of its own, above the top number
    # A roomy view keeps more numbers on its axis, in the same big type.
    v.resize(1000, 1000)
    QApplication.processEvents()
    assert len(v.tick_labels()["z"]) > len(z_labels)


def bowl(v: SurfaceView) -> None:
    xs, ys, x, y = grid(41, -5.0, 5.0)
    v.set_surface(xs, ys, x**2 + y**2, (0.0, 50.0))


def labels_inside(v: SurfaceView) -> list[str]:
    picture = v.grab_image()
    ratio = picture.width() / max(v.width(), 1)
    width, height = picture.width() / ratio, picture.height() / ratio
    return [
        f"{text} {rect.getRect()}"
        for text, rect in v.label_rects()
        if rect.left() < 0 or rect.top() < 0 or rect.right() > width or rect.bottom() > height
    ]


@pytest.mark.parametrize("presenting", [False, True], ids=["desktop", "projector"])
def test_box_fills_its_panel_whatever_its_shape(qtbot, presenting):
    """The field of view is fitted to the panel: a tall narrow panel (the 1024 x 768 projector's)
    showed the box over 73 % of its width and half its height with a fixed 45 degrees. The box
    and its labels fill the panel on one side, stay inside it, and keep doing so on a resize."""
    v = SurfaceView()
    qtbot.addWidget(v)
    v.resize(320, 430)
    v.show()
    qtbot.waitExposed(v)
    v.set_presentation(presenting, 1.4)
    bowl(v)
    for size in ((320, 430), (480, 360), (900, 320), (600, 600), (320, 430)):
        v.resize(*size)
        QApplication.processEvents()
        fill = v.box_fill()
        assert max(fill) >= 0.7, (size, fill)
        assert max(v.box_fill(with_labels=True)) >= 0.95, size
        assert min(fill) >= 0.35, (size, fill)
        assert labels_inside(v) == [], size
    # A zoom of the user's (Ctrl+wheel narrows the field of view) survives a resize.
    v.resize(600, 600)
    QApplication.processEvents()
    fitted = v.box_fill()
    v._view.opts["fov"] *= 0.8
    v.resize(600, 601)
    QApplication.processEvents()
    assert max(v.box_fill()) > max(fitted) * 1.1
    v.reset_view()
    assert v.box_fill() == pytest.approx(fitted, abs=0.01)


def test_z_numbers_stand_clear_of_their_ticks_and_the_surface(qtbot):
    """At 1280 x 720 in projector type "20" ran into its tick mark and the bowl's edge."""
    from PySide6.QtGui import QVector3D

    from landscape_gui.qt.views.surface_view import BOX_HALF

    v = SurfaceView()
    qtbot.addWidget(v)
    v.resize(400, 400)
    v.show()
    qtbot.waitExposed(v)
    v.set_presentation(True, 720 / 40 / 13)
    bowl(v)
    QApplication.processEvents()
    project = v._projection()
    h = BOX_HALF
    # every vertex of the surface, on screen
    xd, yd, zd = v._xd, v._yd, v._zd
    surface = [
        project.map(QVector3D(float(a), float(b), float(zd[i, j]))).toPointF()
        for i, a in enumerate(xd)
        for j, b in enumerate(yd)
    ]
    ticks = v.tick_labels()  # label_rects lists the x, y and z numbers, then the titles
    first = len(ticks["x"]) + len(ticks["y"])
    rects = [rect for _text, rect in v.label_rects()[first : first + len(ticks["z"])]]
    assert [text for text, _ in v.label_rects()[first : first + len(ticks["z"])]] == ticks["z"]
    assert len(rects) >= 2
    for rect in rects:
        # The ticks end left of the axis; the number keeps a gap from the end at its height.
        ends = [
            project.map(QVector3D(-h - 0.35, -h, z)).toPointF() for z in np.linspace(0.0, 5.0, 51)
        ]
        tick_end = min(ends, key=lambda p: abs(p.y() - rect.center().y()))
        assert tick_end.x() - rect.right() >= 0.4 * rect.height(), (rect.getRect(), tick_end)
        clear = rect.adjusted(-2, -2, 2, 2)
        assert not any(clear.contains(p) for p in surface), rect.getRect()


def test_a_picture_at_twice_the_pixels_is_the_same_picture_labels_and_all(view):
    """Exports at 2x draw the scene again off screen: the same picture, every axis label in
    its place (twice the size), not a scrambled or label-less one."""
    xs, ys, x, y = grid()
    view.set_surface(xs, ys, x**2 + y**2, (0.0, 8.0))
    QApplication.processEvents()
    single = view.grab_image()
    double = view.grab_image(2.0)
    assert (double.width(), double.height()) == (2 * single.width(), 2 * single.height())
    shrunk = double.scaled(
        single.size(),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    assert np.abs(pixels(shrunk).astype(int) - pixels(single).astype(int)).mean() < 10
    big = pixels(double).astype(int)
    grey_text = (big.max(axis=-1) < 100) & (big.max(axis=-1) - big.min(axis=-1) < 20)
    labels = view.label_rects()
    assert len(labels) > 10
    for text, rect in labels:
        top, left = max(int(2 * rect.top()), 0), max(int(2 * rect.left()), 0)
        box = grey_text[top : int(2 * rect.bottom()) + 2, left : int(2 * rect.right()) + 2]
        assert box.sum() >= 4, f"label {text!r} is missing at 2x"


def test_held_frames_are_drawn_once_let_go(view, qtbot):
    """While a new landscape's drawing is spread over turns, the 3D view holds its frames:
    a change asked for before the hold and one made during it are both drawn when let go."""
    xs, ys, x, y = grid()
    view.set_surface(xs, ys, x**2 + y**2, (0.0, 8.0))
    qtbot.wait(300)
    drawn: list[bool] = []
    view.frameSwapped.connect(lambda: drawn.append(True))
    view.set_surface(xs, ys, -(x**2) - y**2, (-8.0, 0.0))  # asks for a frame now
    view.hold_frames(True)
    assert view.frames_held()
    view.set_probe(0.5, 0.5, -0.5, -1.0, -1.0, 1.0)
    qtbot.wait(300)
    assert drawn == []  # held: the two changes are not drawn yet
    with qtbot.waitSignal(view.frameSwapped, timeout=5000):
        view.hold_frames(False)
    assert not view.frames_held()
    qtbot.wait(300)
    assert drawn == [True]  # one frame for both changes


def test_a_frame_asked_for_is_drawn_with_nothing_changed(view, qtbot):
    """The screenshot waits for one frame drawn after it enables painting; the 3D view is a
    window of its own, so it must be asked for one, and asking must be enough."""
    xs, ys, x, y = grid()
    view.set_surface(xs, ys, x**2 + y**2, (0.0, 8.0))
    qtbot.wait(300)  # the frames the new surface asked for are drawn
    drawn: list[bool] = []
    view.frameSwapped.connect(lambda: drawn.append(True))
    qtbot.wait(300)
    assert drawn == []  # nothing changed: nothing is drawn
    with qtbot.waitSignal(view.frameSwapped, timeout=5000):
        view.request_frame()


def test_the_race_legend_appearing_or_going_does_not_move_the_3d_picture(view, qtbot):
    """The picture is a window of its own: moved, it and the whole window it uncovered were
    drawn again (a 50 ms stall each time a run was added or removed), and it jumped."""
    picture = view.picture_widget()
    qtbot.wait(20)
    before = picture.geometry()
    view.set_run_legend([("Gradient descent, lr 0.1", "#E69F00"), ("Adam, lr 0.1", "#0072B2")])
    qtbot.waitUntil(view.run_legend.isVisible, timeout=2000)
    qtbot.wait(20)  # the layout has run
    assert view.run_legend.height() > 0
    assert view.run_legend.geometry().bottom() < picture.geometry().top()  # above, not over
    assert picture.geometry() == before
    view.set_run_legend([])
    qtbot.wait(20)
    assert not view.run_legend.isVisible()
    assert picture.geometry() == before
