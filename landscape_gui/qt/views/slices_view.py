"""Slices: the lesson's "slice the hill with a vertical plane", and the fan of slopes.

Two slices through the probe show the partial derivatives as ordinary slopes of ordinary
curves: freeze y and f(x, y0) is a curve whose tangent at x0 has slope df/dx; freeze x for
df/dy. The third plot answers "slope in which direction?" for every direction at once.

The fan of slopes is drawn as slope against compass angle rather than as a polar curve. A
polar r(theta) = grad f . u is a circle through the origin, where negative slopes fold onto
the opposite side and "downhill" disappears; the line plot keeps the sign visible: one clear
peak along the gradient (the steepest climb, height |grad f|), zero crossings exactly 90
degrees either side (walking along the level line), and the deepest dip opposite (steepest
descent, where gradient descent steps).

A thin view: it draws the arrays and numbers it is given and computes no calculus.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from landscape_gui.core.numbers import decimals
from landscape_gui.qt.views.palette import (
    CONSTRAINT_COLOR,
    GRADIENT_COLOR,
    LAGRANGE_COLOR,
    MARKER_DARK,
    PROBE_COLOR,
    SLICE_X_COLOR,
    SLICE_Y_COLOR,
    plot_background,
    plot_foreground,
)
from landscape_gui.qt.views.plot_text import fit_title, plain_part, show_plain_numbers

PLOT_MINIMUM = (160, 120)
NARROW_PLOT_WIDTH = 120  # with the fourth plot (f along a constraint curve)
TANGENT_HALF_SPAN = 0.18  # tangent segment half-length, as a fraction of the slice's x range
# The least height a slice's value axis spans, as a share of the values' size. A run that
# diverged stands where f is near 1.9e30 and varies by 1e15 across the slice: fitted to that,
# every tick read "1.89583e+30". At this share six significant digits tell the ticks apart,
# and the curve shows as the flat line it is at that size.
LEAST_RELATIVE_SPAN = 1e-4
COMPASS_TICKS = [
    (0, "0° E"),
    (45, "45°"),
    (90, "90° N"),
    (135, "135°"),
    (180, "180° W"),
    (225, "225°"),
    (270, "270° S"),
    (315, "315°"),
    (360, "360° E"),
]
DEGREE_TICKS = [(v, f"{v}°") for v in (0, 90, 180, 270, 360)]  # when letters do not fit
FLAT_TEXT = "flat: every direction has slope 0"


def _as_float_array(values) -> np.ndarray:
    return np.asarray(values, dtype=float).ravel()


def _finite(*values) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


class _SlicePlot:
    """One slice: the curve cut out of the surface, the probe on it and its tangent."""

    def __init__(self, variable: str, frozen: str, color: str) -> None:
        self.variable = variable
        self.frozen = frozen
        self.color = color
        self.widget = pg.PlotWidget()
        self.plot = self.widget.getPlotItem()
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        # No grid: pyqtgraph's grid replays a QPicture per axis and doubled the repaint time.
        self.curve = pg.PlotDataItem(connect="finite", antialias=True)
        self.tangent = pg.PlotDataItem(antialias=True)
        self.marker = pg.ScatterPlotItem(symbol="o")
        self.plot.addItem(self.curve)
        # The tangent must not stretch the y range: a steep slope would flatten the curve.
        self.plot.addItem(self.tangent, ignoreBounds=True)
        self.plot.addItem(self.marker)
        self.tangent.setZValue(5)
        self.marker.setZValue(10)
        self.title_text = ""

    def set_slice(self, ts, values, t0, frozen_value, f0, slope) -> None:
        ts = _as_float_array(ts)
        values = _as_float_array(values)
        if len(values) != len(ts):
            raise ValueError("slice abscissae and values differ in length")
        finite = np.isfinite(values)
        values = np.where(finite, values, np.nan)
        self.curve.setData(ts, values, connect="finite")
        if _finite(t0, f0):
            self.marker.setData([t0], [f0])
            self.marker.show()
        else:
            self.marker.hide()
        if _finite(t0, f0, slope) and len(ts) > 1:
            half = TANGENT_HALF_SPAN * (np.nanmax(ts) - np.nanmin(ts))
            tx = np.array([t0 - half, t0 + half])
            self.tangent.setData(tx, f0 + slope * (tx - t0))
            self.tangent.show()
        else:
            self.tangent.hide()
        self.title_text = (
            f"{self.frozen} = {decimals(frozen_value)} fixed · "
            f"slope ∂f/∂{self.variable} = {decimals(slope)}"
        )
        self.plot.enableAutoRange()
        if finite.any():
            self.plot.setXRange(float(np.nanmin(ts)), float(np.nanmax(ts)), padding=0.02)
            shown = values[finite]
            low, high = float(shown.min()), float(shown.max())
            least = LEAST_RELATIVE_SPAN * max(abs(low), abs(high))
            # (A constant keeps pyqtgraph's range, which keeps the scale shown before: x² + y²
            # cut along y is flat, and a hair-thin range would make its ticks read 8.9996.)
            if 0 < high - low < least:
                middle = (low + high) / 2
                self.plot.setYRange(middle - least / 2, middle + least / 2, padding=0.05)

    def clear(self) -> None:
        self.curve.setData([], [])
        self.marker.setData([], [])
        self.tangent.setData([], [])
        self.title_text = f"slice {self.frozen} = const · slope ∂f/∂{self.variable}"


class SlicesView(QtWidgets.QWidget):
    """The x slice, the y slice and the fan of directional slopes at the probe.

    Graphics items are public attributes so exporters and tests can read what is drawn;
    only the set_* methods change them.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._dark = False
        self._big = False
        self._big_scale = 1.6
        self._tick_font = QtGui.QFont()  # until _apply_style sets the real one

        self.x_slice = _SlicePlot("x", "y", SLICE_X_COLOR)
        self.y_slice = _SlicePlot("y", "x", SLICE_Y_COLOR)
        self.x_slice.plot.setLabel("bottom", "x")
        self.x_slice.plot.setLabel("left", "f(x, y₀)")
        self.y_slice.plot.setLabel("bottom", "y")
        self.y_slice.plot.setLabel("left", "f(x₀, y)")

        self._fan_widget = pg.PlotWidget()
        self._fan = self._fan_widget.getPlotItem()
        self._fan.hideButtons()
        self._fan.setMenuEnabled(False)
        self._fan.setLabel("bottom", "direction u")
        self._fan.setLabel("left", "slope Dᵤf")
        self._fan.getAxis("bottom").setTicks([COMPASS_TICKS])
        self._fan.setXRange(-16, 376, padding=0.0)
        self._fan.setMouseEnabled(x=False, y=True)
        self._uphill = pg.PlotDataItem(fillLevel=0.0, pen=None)
        self._downhill = pg.PlotDataItem(fillLevel=0.0, pen=None)
        self.fan_curve = pg.PlotDataItem(antialias=True, connect="finite")
        self._zero_line = pg.InfiniteLine(pos=0.0, angle=0)
        self._grad_line = pg.InfiniteLine(angle=90)
        self._level_lines = [pg.InfiniteLine(angle=90), pg.InfiniteLine(angle=90)]
        self.max_marker = pg.ScatterPlotItem(symbol="t1")
        self.min_marker = pg.ScatterPlotItem(symbol="t")
        self.zero_markers = pg.ScatterPlotItem(symbol="o")
        self._max_text = pg.TextItem()
        self._min_text = pg.TextItem()
        self._level_text = pg.TextItem()
        for item in (self._uphill, self._downhill, self._zero_line):
            self._fan.addItem(item)
        for item in (self._grad_line, *self._level_lines):
            self._fan.addItem(item, ignoreBounds=True)
        for item in (
            self.fan_curve,
            self.max_marker,
            self.min_marker,
            self.zero_markers,
            self._max_text,
            self._min_text,
            self._level_text,
        ):
            self._fan.addItem(item)
        self._fan_title = ""
        self._fan_marks_at: dict = {}
        self._fan_marks_shown = False
        self._fan.getViewBox().sigResized.connect(lambda _vb: self._fan_resized())

        # f along the constraint curve g = c, against arc length: its slope is ∇f·t, zero where
        # f is largest or smallest on the curve (the Lagrange points, starred).
        self.curve_slice = _SlicePlot("s", "", CONSTRAINT_COLOR)
        self.curve_slice.plot.setLabel("bottom", "arc length s")
        self.curve_slice.plot.setLabel("left", "f on the curve")
        self.curve_lagrange = pg.ScatterPlotItem(symbol="star")
        self.curve_lagrange.setZValue(8)
        self.curve_slice.plot.addItem(self.curve_lagrange)
        self._curve_parts = (True, True, False)  # slices, fan, curve: what is asked to show
        self._curve_title = ""

        self._plots = [
            self.x_slice.widget,
            self.y_slice.widget,
            self.curve_slice.widget,
            self._fan_widget,
        ]
        for widget in self._plots:
            widget.setMinimumSize(*PLOT_MINIMUM)
            widget.installEventFilter(self)  # titles are refitted to the width
        self.box_layout = QtWidgets.QBoxLayout(QtWidgets.QBoxLayout.Direction.LeftToRight, self)
        self.box_layout.setContentsMargins(2, 2, 2, 2)
        self.box_layout.setSpacing(4)
        for widget in self._plots:
            self.box_layout.addWidget(widget, 1)

        self.clear()
        self.set_along_curve(None)
        self._apply_style()

    # ------------------------------------------------------------------ data
    def set_x_slice(self, xs, values, x0, y0, f0, slope) -> None:
        """Curve f(x, y0) with the probe (x0, f0) and the tangent of slope df/dx there."""
        self.x_slice.set_slice(xs, values, x0, y0, f0, slope)
        self.fit_titles()

    def set_y_slice(self, ys, values, x0, y0, f0, slope) -> None:
        """Curve f(x0, y) with the probe (y0, f0) and the tangent of slope df/dy there."""
        self.y_slice.set_slice(ys, values, y0, x0, f0, slope)
        self.fit_titles()

    def set_along_curve(
        self, s=None, values=None, s0=None, f0=None, slope=None, lagrange=(), closed=False
    ) -> None:
        """f along the constraint curve against arc length ``s`` (NaN at gaps between its
        pieces), the probe's nearest point (s0, f0) with its tangent of slope ∇f·t, and the
        Lagrange points' (s, f). None hides the plot (no constraint)."""
        if s is None:
            self.curve_slice.clear()
            self.curve_slice.title_text = ""
            self.curve_lagrange.setData([], [])
            self._curve_title = ""
            self._set_curve_shown(False)
            return
        self.curve_slice.set_slice(s, values, s0, 0.0, f0, slope)
        marks = np.asarray(list(lagrange), dtype=float).reshape(-1, 2)
        self.curve_lagrange.setData(marks[:, 0], marks[:, 1])
        # Once around a closed curve, f comes back to where it started.
        where = "f around g = c" if closed else "f along g = c"
        self._curve_title = f"{where} · slope ∇f·t = {decimals(slope)}" if _finite(slope) else where
        self.curve_slice.title_text = self._curve_title
        self._set_curve_shown(True)
        self.fit_titles()

    def _set_curve_shown(self, shown: bool) -> None:
        slices, fan, _ = self._curve_parts
        self._curve_parts = (slices, fan, shown)
        self.curve_slice.widget.setVisible(shown)
        # Four plots in a row must still fit a 1024-pixel screen beside the side panel.
        width = NARROW_PLOT_WIDTH if shown else PLOT_MINIMUM[0]
        for widget in self._plots:
            widget.setMinimumSize(width, PLOT_MINIMUM[1])
        self.setVisible(slices or fan or shown)

    def curve_title(self) -> str:
        """The title of the plot of f along the curve ('' when there is no constraint)."""
        return self._curve_title

    def set_directional(self, angles, slopes, grad_angle, grad_norm) -> None:
        """Slope D_u f = grad f . u for each direction u (angles in radians, from east)."""
        degrees = np.degrees(_as_float_array(angles)) % 360.0
        slopes = _as_float_array(slopes)
        if len(degrees) != len(slopes):
            raise ValueError("angles and slopes differ in length")
        order = np.argsort(degrees, kind="stable")
        degrees, slopes = degrees[order], slopes[order]
        if len(degrees) and degrees[0] < 1e-9:
            # Close the circle: east appears at both ends of the axis.
            degrees = np.append(degrees, 360.0)
            slopes = np.append(slopes, slopes[0])
        slopes = np.where(np.isfinite(slopes), slopes, np.nan)
        self.fan_curve.setData(degrees, slopes, connect="finite")
        with np.errstate(invalid="ignore"):
            self._uphill.setData(degrees, np.where(slopes > 0, slopes, 0.0))
            self._downhill.setData(degrees, np.where(slopes < 0, slopes, 0.0))

        flat = grad_angle is None or not _finite(grad_angle, grad_norm) or grad_norm <= 0
        self._fan_marks_shown = not flat
        for item in self._fan_marks():
            item.setVisible(not flat)
        if flat:
            self._fan_title = FLAT_TEXT
            self._fan.setYRange(-1, 1)
            self.fit_titles()
            return
        up = math.degrees(grad_angle) % 360.0
        down = (up + 180.0) % 360.0
        level_a, level_b = (up + 90.0) % 360.0, (up - 90.0) % 360.0
        self._grad_line.setValue(up)
        self._level_lines[0].setValue(level_a)
        self._level_lines[1].setValue(level_b)
        self.max_marker.setData([up], [grad_norm])
        self.min_marker.setData([down], [-grad_norm])
        self.zero_markers.setData([level_a, level_b], [0.0, 0.0])
        # Labels sit on the side of their marker that has room, off the curve.
        self._max_text.setText(f"steepest up: |∇f| = {decimals(grad_norm)}")
        self._min_text.setText("steepest down: descent")
        self._level_text.setText("level line: slope 0")
        # (x, anchor when right of the mark, anchor when left of it), and how many degrees
        # the note may span. At level_a the curve falls through zero and at level_b it rises:
        # the level note goes in a quarter the curve leaves empty (above on the falling
        # side's right, below on its left), clear of the round zero marks, and no wider than
        # the 180 degrees to the other zero, where the curve crosses back.
        self._fan_marks_at = {
            self._max_text: ([(up, 1.1, 1.1)], grad_norm, 360.0),
            self._min_text: ([(down, -0.1, -0.1)], -grad_norm, 360.0),
            self._level_text: ([(level_a, 1.4, -0.4), (level_b, -0.4, 1.4)], 0.0, 180.0),
        }
        self._place_fan_texts()
        self._fan_title = f"slope by direction · max {decimals(grad_norm)} at {up:.0f}° · along ∇f"
        self._fan.setYRange(-grad_norm, grad_norm, padding=0.3)
        self.fit_titles()

    def _place_fan_texts(self) -> None:
        """Each note beside its marker on a side where it fits inside the plot; a note that
        fits on neither side is left out (the title says the same in words)."""
        view_box = self._fan.getViewBox()
        (x0, x1), _ = view_box.viewRange()
        width = view_box.width()
        if width <= 0 or x1 <= x0:
            return
        for text, (positions, y, span) in self._fan_marks_at.items():
            needed = text.textItem.boundingRect().width()
            placed = False
            for x, anchor_right, anchor_left in positions:
                px = (x - x0) / (x1 - x0) * width
                # Right of the marker first when it stands in the plot's left half.
                sides = (0.0, 1.0) if px < width / 2 else (1.0, 0.0)
                for side in sides:
                    room = width - px if side == 0.0 else px
                    room = min(room, span / (x1 - x0) * width)
                    if needed + 6 <= room:
                        anchor_y = anchor_right if side == 0.0 else anchor_left
                        text.setAnchor((side if side else -0.03, anchor_y))
                        text.setPos(x, y)
                        placed = True
                        break
                if placed:
                    break
            text.setVisible(placed and self._fan_marks_shown)

    def fan_texts(self) -> list:
        """The notes on the fan (pg.TextItem), for layout checks."""
        return [self._max_text, self._min_text, self._level_text]

    def _fan_marks(self) -> tuple:
        """The fan's annotations: shown only when there is a steepest direction to mark."""
        return (
            self._grad_line,
            *self._level_lines,
            self.max_marker,
            self.min_marker,
            self.zero_markers,
            self._max_text,
            self._min_text,
            self._level_text,
        )

    def clear(self) -> None:
        self.x_slice.clear()
        self.y_slice.clear()
        self.fan_curve.setData([], [])
        self._uphill.setData([], [])
        self._downhill.setData([], [])
        self._fan_marks_shown = False
        for item in self._fan_marks():
            item.hide()
        self._fan_title = "slope in each direction · Dᵤf = ∇f·u"
        self.fit_titles()

    def set_parts(self, slices: bool, fan: bool) -> None:
        """Show the two slices, the fan of slopes, both, or (neither) hide the view."""
        self.x_slice.widget.setVisible(slices)
        self.y_slice.widget.setVisible(slices)
        self._fan_widget.setVisible(fan)
        curve = self._curve_parts[2]
        self._curve_parts = (slices, fan, curve)
        self.setVisible(slices or fan or curve)

    # ------------------------------------------------------------------ access
    def titles(self) -> tuple[str, str, str]:
        """Plain text of the three titles (x slice, y slice, fan)."""
        return self.x_slice.title_text, self.y_slice.title_text, self._fan_title

    def plot_items(self) -> tuple[pg.PlotItem, pg.PlotItem, pg.PlotItem]:
        """The three PlotItems, for exporters."""
        return self.x_slice.plot, self.y_slice.plot, self._fan

    # ------------------------------------------------------------------ layout and style
    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt override)
        """Side by side in a wide dock, stacked in a tall one."""
        size = event.size()
        wide = size.width() >= 1.6 * size.height()
        direction = (
            QtWidgets.QBoxLayout.Direction.LeftToRight
            if wide
            else QtWidgets.QBoxLayout.Direction.TopToBottom
        )
        if self.box_layout.direction() != direction:
            self.box_layout.setDirection(direction)
        super().resizeEvent(event)

    def set_style(self, dark: bool) -> None:
        self._dark = bool(dark)
        self._apply_style()

    def set_presentation(self, big: bool, scale: float = 1.6) -> None:
        """Thicker lines, bigger markers and fonts for projectors (``scale`` times normal)."""
        self._big = bool(big)
        self._big_scale = float(scale)
        self._apply_style()

    def _scale(self) -> float:
        return self._big_scale if self._big else 1.0

    def _foreground(self) -> str:
        return plot_foreground(self._dark)

    def fit_titles(self) -> None:
        """Each title fitted to its plot's width (broken at its " · " when it must be)."""
        size = 10 * self._scale()
        fg = self._foreground()
        for plot, widget, title in (
            (self.x_slice.plot, self.x_slice.widget, self.x_slice.title_text),
            (self.y_slice.plot, self.y_slice.widget, self.y_slice.title_text),
            (self._fan, self._fan_widget, self._fan_title),
            (self.curve_slice.plot, self.curve_slice.widget, self.curve_slice.title_text),
        ):
            parts = [plain_part(p) for p in title.split(" · ")]
            fit_title(plot, parts, fg, size, widget.width())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QtCore.QEvent.Type.Resize and watched in self._plots:
            self.fit_titles()
            if watched is self._fan_widget:
                self._choose_compass_ticks()
        return False

    def _fan_resized(self) -> None:
        self._choose_compass_ticks()
        self._place_fan_texts()

    def _choose_compass_ticks(self) -> None:
        """Every 45° when the labels fit side by side, else the four compass points, else
        fewer and shorter labels."""
        metrics = QtGui.QFontMetricsF(self._tick_font)
        width = self._fan.getViewBox().width()
        for ticks in (COMPASS_TICKS, COMPASS_TICKS[::2], DEGREE_TICKS, DEGREE_TICKS[1::2]):
            needed = sum(metrics.horizontalAdvance(text) + 24 for _v, text in ticks)
            if needed <= width:
                break
        self._fan.getAxis("bottom").setTicks([ticks])

    def _apply_style(self) -> None:
        s = self._scale()
        fg = self._foreground()
        background = plot_background(self._dark)
        tick_font = QtGui.QFont()
        tick_font.setPointSizeF(8.5 * s)
        self._tick_font = tick_font
        label_style = {"color": fg, "font-size": f"{9.5 * s:.0f}pt"}
        items = [self.x_slice.plot, self.y_slice.plot, self.curve_slice.plot, self._fan]
        for widget in self._plots:
            widget.setBackground(background)
        for plot in items:
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(fg))
                axis.setTextPen(pg.mkPen(fg))
                axis.setStyle(tickFont=tick_font)
                axis.setLabel(axis.labelText, **label_style)
                show_plain_numbers(axis)  # a slope axis reads 0.5, not 500 or "(x0.001)"

        self.curve_lagrange.setSize(16 * s)
        self.curve_lagrange.setBrush(pg.mkBrush(LAGRANGE_COLOR))
        self.curve_lagrange.setPen(pg.mkPen(MARKER_DARK, width=1 * s))
        for slice_plot in (self.x_slice, self.y_slice, self.curve_slice):
            slice_plot.curve.setPen(pg.mkPen(slice_plot.color, width=2.5 * s))
            slice_plot.tangent.setPen(pg.mkPen(PROBE_COLOR, width=2 * s))
            slice_plot.marker.setSize(11 * s)
            slice_plot.marker.setBrush(pg.mkBrush(PROBE_COLOR))
            slice_plot.marker.setPen(pg.mkPen(background, width=1.5 * s))

        muted = (150, 150, 160)
        self.fan_curve.setPen(pg.mkPen(fg, width=2.2 * s))
        self._uphill.setBrush(pg.mkBrush(230, 159, 0, 70))
        self._downhill.setBrush(pg.mkBrush(86, 180, 233, 70))
        self._zero_line.setPen(pg.mkPen(muted, width=1 * s))
        self._grad_line.setPen(pg.mkPen(GRADIENT_COLOR, width=1.2 * s, style=QtCore.Qt.DashLine))
        for line in self._level_lines:
            line.setPen(pg.mkPen(muted, width=1.2 * s, style=QtCore.Qt.DashLine))
        self.max_marker.setSize(13 * s)
        self.max_marker.setBrush(pg.mkBrush(GRADIENT_COLOR))
        self.max_marker.setPen(pg.mkPen(background, width=1.2 * s))
        self.min_marker.setSize(13 * s)
        self.min_marker.setBrush(pg.mkBrush(86, 180, 233))
        self.min_marker.setPen(pg.mkPen(background, width=1.2 * s))
        self.zero_markers.setSize(9 * s)
        self.zero_markers.setBrush(pg.mkBrush(background))
        self.zero_markers.setPen(pg.mkPen(fg, width=1.5 * s))
        font = QtGui.QFont()
        font.setPointSizeF(8.5 * s)
        for text in (self._max_text, self._min_text, self._level_text):
            text.setFont(font)
            text.setColor(fg)
        self.fit_titles()
        self._choose_compass_ticks()
        self._place_fan_texts()
