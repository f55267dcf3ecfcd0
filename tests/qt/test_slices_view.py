"""The slices show the partials as tangent slopes, and the fan peaks along the gradient."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from landscape_gui.core.numbers import decimals as format_number
from landscape_gui.qt.views.slices_view import FLAT_TEXT, SlicesView


def f(x, y):
    """The lesson's example: f = x^2 + 3xy + y^2, df/dx = 2x + 3y, df/dy = 3x + 2y."""
    return x**2 + 3 * x * y + y**2


X0, Y0 = 3.0, 4.0
F0 = 9.0 + 36.0 + 16.0  # f(3, 4) by hand
DFDX = 2 * 3.0 + 3 * 4.0  # 18
DFDY = 3 * 3.0 + 2 * 4.0  # 17


@pytest.fixture
def view(qtbot):
    widget = SlicesView()
    qtbot.addWidget(widget)
    widget.resize(1200, 320)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _xy(item):
    x, y = item.getData()
    return np.asarray(x), np.asarray(y)


def _line_through(item):
    """Slope and intercept-at-t of a two-point line item."""
    x, y = _xy(item)
    assert len(x) == 2
    slope = (y[1] - y[0]) / (x[1] - x[0])
    return slope, lambda t: y[0] + slope * (t - x[0]), (x[0], x[1])


def test_x_slice_tangent_passes_through_the_probe_with_the_partial_as_slope(view):
    xs = np.linspace(-5, 5, 201)
    view.set_x_slice(xs, f(xs, Y0), X0, Y0, F0, DFDX)

    curve_x, curve_y = _xy(view.x_slice.curve)
    assert curve_y == pytest.approx(f(curve_x, Y0))
    marker = view.x_slice.marker.data
    assert (marker["x"][0], marker["y"][0]) == pytest.approx((X0, F0))
    slope, line_at, (t_lo, t_hi) = _line_through(view.x_slice.tangent)
    assert slope == pytest.approx(18.0)
    assert line_at(X0) == pytest.approx(61.0)
    assert t_lo < X0 < t_hi
    title = view.titles()[0]
    assert "y = 4.00" in title
    assert "∂f/∂x = 18.00" in title
    assert "y = 4.00" in view.x_slice.plot.titleLabel.text


def test_y_slice_tangent_and_title(view):
    ys = np.linspace(-5, 5, 201)
    view.set_y_slice(ys, f(X0, ys), X0, Y0, F0, DFDY)

    marker = view.y_slice.marker.data
    assert (marker["x"][0], marker["y"][0]) == pytest.approx((Y0, F0))
    slope, line_at, (t_lo, t_hi) = _line_through(view.y_slice.tangent)
    assert slope == pytest.approx(17.0)
    assert line_at(Y0) == pytest.approx(61.0)
    assert t_lo < Y0 < t_hi
    title = view.titles()[1]
    assert "x = 3.00" in title
    assert "∂f/∂y = 17.00" in title


def test_the_tangent_touches_the_curve(view):
    """Independent of the given slope: a secant of the drawn curve matches the tangent."""
    xs = np.linspace(-5, 5, 2001)
    view.set_x_slice(xs, f(xs, Y0), X0, Y0, F0, DFDX)
    curve_x, curve_y = _xy(view.x_slice.curve)
    k = int(np.argmin(np.abs(curve_x - X0)))
    secant = (curve_y[k + 1] - curve_y[k - 1]) / (curve_x[k + 1] - curve_x[k - 1])
    slope, _line_at, _span = _line_through(view.x_slice.tangent)
    assert slope == pytest.approx(secant, rel=1e-6)


def test_nan_values_are_gaps_not_crashes(view, qtbot):
    xs = np.linspace(-2, 2, 81)
    with np.errstate(divide="ignore"):
        values = 1.0 / xs  # inf at x = 0
    values[5] = np.nan
    view.set_x_slice(xs, values, 0.0, 1.0, math.nan, math.nan)
    view.grab()  # painted now: a NaN that crashed the drawing would fail here
    _x, y = _xy(view.x_slice.curve)
    assert np.isnan(y[40]) and np.isnan(y[5])
    assert not view.x_slice.marker.isVisible()
    assert not view.x_slice.tangent.isVisible()
    assert "undefined" in view.titles()[0]
    view.set_y_slice(xs, np.full_like(xs, np.nan), 1.0, 0.0, 1.0, 2.0)
    view.grab()  # paints without raising


def test_directional_maximum_is_along_the_gradient(view):
    gx, gy = DFDX, DFDY
    grad_angle = math.atan2(gy, gx)
    norm = math.hypot(gx, gy)
    angles = np.linspace(0, 2 * math.pi, 721)
    slopes = gx * np.cos(angles) + gy * np.sin(angles)
    view.set_directional(angles, slopes, grad_angle, norm)

    degrees, curve = _xy(view.fan_curve)
    assert degrees[0] == pytest.approx(0.0) and degrees[-1] == pytest.approx(360.0)
    assert degrees[int(np.argmax(curve))] == pytest.approx(math.degrees(grad_angle), abs=0.5)
    peak = view.max_marker.data
    assert peak["x"][0] == pytest.approx(math.degrees(grad_angle))
    assert peak["y"][0] == pytest.approx(norm)
    assert norm == pytest.approx(math.sqrt(18**2 + 17**2))
    dip = view.min_marker.data
    assert dip["x"][0] == pytest.approx(math.degrees(grad_angle) + 180.0)
    assert dip["y"][0] == pytest.approx(-norm)
    zeros = sorted(view.zero_markers.data["x"])
    expected = sorted(
        [(math.degrees(grad_angle) + 90) % 360, (math.degrees(grad_angle) - 90) % 360]
    )
    assert zeros == pytest.approx(expected)
    # The drawn curve really crosses zero there.
    for zero in zeros:
        k = int(np.argmin(np.abs(degrees - zero)))
        assert abs(curve[k]) < norm * math.radians(0.5) + 1e-9
    assert format_number(norm) in view.titles()[2]


@pytest.mark.parametrize("width", [0, 1900, 1300], ids=["desktop", "projector", "narrow"])
@pytest.mark.parametrize("up_degrees", [53.0, 0.0, 150.0, 260.0, 330.0])
def test_the_level_note_sits_off_the_curve_and_its_marks(view, qtbot, up_degrees, width):
    """The 'level line' note goes where the curve leaves room: on the seed's bowl at (3, 4)
    it had sat on the falling curve just right of the first zero (and, in projector type on
    a narrow fan, reached back over the other zero onto the curve)."""
    if width:
        view.set_presentation(True, 2.0)
        view.resize(width, 420)
        QtWidgets.QApplication.processEvents()
    grad_angle = math.radians(up_degrees)
    norm = 10.0
    angles = np.linspace(0, 2 * math.pi, 721)
    view.set_directional(angles, norm * np.cos(angles - grad_angle), grad_angle, norm)
    QtWidgets.QApplication.processEvents()
    note = next(t for t in view.fan_texts() if "level line" in t.textItem.toPlainText())
    if width == 1300 and not note.isVisible():
        return  # no free quarter wide enough: left out (the dashed lines still mark it)
    assert note.isVisible()
    view_box = view.plot_items()[2].getViewBox()
    rect = view_box.mapSceneToView(note.sceneBoundingRect()).boundingRect()
    degrees, curve = _xy(view.fan_curve)
    inside = (
        (degrees > rect.left())
        & (degrees < rect.right())
        & (curve > rect.top())
        & (curve < rect.bottom())
    )
    assert not inside.any(), degrees[inside]
    # Nor on the round marks where the curve crosses zero (a mark's radius in data units).
    (x0, x1), (y0, y1) = view_box.viewRange()
    radius_x = 8 * (x1 - x0) / view_box.width()
    radius_y = 8 * (y1 - y0) / view_box.height()
    for zero in view.zero_markers.data["x"]:
        mark = QtCore.QRectF(zero - radius_x, -radius_y, 2 * radius_x, 2 * radius_y)
        assert not rect.intersects(mark), zero


def test_directional_wraps_negative_angles(view):
    angles = np.linspace(-math.pi, math.pi, 361)
    slopes = -2.0 * np.sin(angles)  # gradient (0, -2): points south
    view.set_directional(angles, slopes, -math.pi / 2, 2.0)
    degrees, curve = _xy(view.fan_curve)
    assert np.all(np.diff(degrees) >= 0)
    assert degrees[int(np.argmax(curve))] == pytest.approx(270.0, abs=1.0)
    assert view.max_marker.data["x"][0] == pytest.approx(270.0)


def test_flat_point_says_so(view):
    angles = np.linspace(0, 2 * math.pi, 181)
    view.set_directional(angles, np.zeros_like(angles), None, 0.0)
    assert view.titles()[2] == FLAT_TEXT
    assert not view.max_marker.isVisible()
    view.set_directional(angles, np.zeros_like(angles), 0.3, 0.0)
    assert view.titles()[2] == FLAT_TEXT


def test_clear_empties_everything(view):
    xs = np.linspace(-5, 5, 51)
    view.set_x_slice(xs, f(xs, Y0), X0, Y0, F0, DFDX)
    view.set_directional([0.0, 1.0], [1.0, 0.5], 0.0, 1.0)
    view.clear()
    x, _y = view.x_slice.curve.getData()
    assert x is None or len(x) == 0
    assert not view.max_marker.isVisible()
    assert "18.00" not in view.titles()[0]


def test_layout_follows_the_dock_shape(view, qtbot):
    direction = QtWidgets.QBoxLayout.Direction
    view.resize(1200, 300)
    qtbot.waitUntil(lambda: view.box_layout.direction() == direction.LeftToRight)
    view.resize(500, 900)
    qtbot.waitUntil(lambda: view.box_layout.direction() == direction.TopToBottom)


def test_style_and_presentation(view):
    xs = np.linspace(-5, 5, 51)
    view.set_x_slice(xs, f(xs, Y0), X0, Y0, F0, DFDX)
    thin = view.x_slice.curve.opts["pen"].widthF()
    view.set_presentation(True)
    assert view.x_slice.curve.opts["pen"].widthF() > 1.5 * thin
    view.set_style(True)
    assert view.x_slice.widget.backgroundBrush().color().lightness() < 60
    view.set_style(False)
    assert view.x_slice.widget.backgroundBrush().color().lightness() > 200
    assert "y = 4.00" in view.titles()[0]  # restyling keeps the titles


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (6.0, "6.00"),
        (-3.14159, "-3.14"),
        (1e-17, "0.00"),  # round-off at a critical point reads as flat
        (-2e-17, "0.00"),
        (0.001234, "1.23e-03"),  # small but real slopes keep their digits
        (2.5e6, "2.50e+06"),
        (math.nan, "undefined"),
    ],
)
def test_number_format(value, text):
    assert format_number(value) == text


def _tick_texts(axis) -> list[float]:
    """The numbers the axis draws beside its ticks, as drawn (read from its draw specs)."""
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    texts = specs[2] if specs else []
    return [float(text.replace("−", "-")) for _rect, _flags, text in texts]


@pytest.mark.parametrize("big", [False, True])
def test_small_values_are_labelled_as_they_are(view, qtbot, big):
    """sin(3)cos(y) stays within ±0.15: the slice's axis must read 0.1, not 100 with a
    ×10⁻³ it never shows (pyqtgraph's SI prefix, kept by restyling the axis)."""
    ys = np.linspace(-5, 5, 101)
    values = math.sin(3.0) * np.cos(ys)
    view.set_y_slice(ys, values, 3.0, 3.0, values[80], -math.sin(3.0) * math.sin(3.0))
    view.set_presentation(big)  # restyles the axes while they show the small range
    axis = view.y_slice.plot.getAxis("left")
    qtbot.waitUntil(lambda: len(_tick_texts(axis)) >= 3)
    ticks = _tick_texts(axis)
    assert max(abs(t) for t in ticks) <= 0.2
    assert max(abs(t) for t in ticks) >= 0.05


@pytest.mark.parametrize("size", [1.89583e30, -4.2e12, 123456.7])
def test_a_slice_far_from_zero_that_hardly_varies_has_ticks_that_differ(view, qtbot, size):
    """Where a diverged run stands, f is huge and the slice varies in its 15th digit: fitted
    to that, every tick read the same number."""
    xs = np.linspace(-5, 5, 101)
    values = size + abs(size) * 1e-15 * xs
    view.set_x_slice(xs, values, 1.0, 2.0, values[60], abs(size) * 1e-15)
    axis = view.x_slice.plot.getAxis("left")
    qtbot.waitUntil(lambda: len(_tick_texts(axis)) >= 3)
    ticks = _tick_texts(axis)
    assert len(set(ticks)) == len(ticks), ticks
    low, high = view.x_slice.plot.viewRange()[1]
    assert low <= values.min() and values.max() <= high  # the curve is in view


def test_a_slice_that_varies_keeps_its_fitted_range(view):
    xs = np.linspace(-5, 5, 101)
    values = 1000.0 + 0.5 * xs  # varies by 5 in 1000: well above the least span
    view.set_x_slice(xs, values, 1.0, 2.0, values[60], 0.5)
    low, high = view.x_slice.plot.viewRange()[1]
    assert high - low < 6  # fitted to 995..1005, not widened


def test_a_flat_slice_keeps_a_readable_range(view):
    """f = x² cut along y at x = 3 is 9 everywhere: a flat line, not a hair-thin range."""
    xs = np.linspace(-5, 5, 101)
    view.set_x_slice(xs, xs**2, 1.0, 2.0, 1.0, 2.0)
    view.set_x_slice(xs, np.full(101, 9.0), 3.0, 2.0, 9.0, 0.0)
    low, high = view.x_slice.plot.viewRange()[1]
    assert low < 9.0 < high and high - low > 1


def test_a_plot_fits_its_widget_again_once_its_title_is_fitted(qtbot):
    """A plot cannot be narrower than its title, and pyqtgraph sizes a widget's plot only when
    the widget is resized: a fan plot resized while its old, wider title was up stayed wider
    than its widget after the title was fitted, cut at the right edge (1024 x 768,
    presentation)."""
    from landscape_gui.qt.views.plot_text import fit_title, plain_part
    from tests.qt.conftest import shown_plot_widget

    widget, plot = shown_plot_widget(qtbot, 600, 300)
    parts = ["slope by direction", "max 0.01 at 113°", "along ∇f"]
    plot.setTitle(" · ".join(parts), size="12pt")  # on one line: the plot is this wide at least
    widget.resize(260, 300)
    qtbot.waitUntil(lambda: widget.width() == 260)
    assert plot.geometry().width() > 260  # what pyqtgraph leaves: wider than the widget
    fit_title(plot, [plain_part(part) for part in parts], "#000000", 12, widget.width())
    assert plot.titleLabel.text.count("<br>") == 2  # one part a line
    assert plot.geometry().width() == pytest.approx(260, abs=1)
