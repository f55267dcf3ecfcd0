"""The contour map: the landscape seen from above, where the gradient meets the level lines.

A thin view. It draws the arrays it is given (height image, level lines, probe, gradient
arrows, descent paths, critical points) and reports what the user did with the mouse as data
coordinates. It computes no calculus: the only tracing it does is contourpy's marching squares
over the field it was handed, which is drawing, not maths state.

The axes keep x and y at one scale when the ranges are comparable, so that "perpendicular" on
screen is perpendicular in (x, y): the gradient arrow visibly meets the level line through the
probe at a right angle. When the ranges are not comparable (x from -50 to 50 against y from -1
to 1) equal scales would leave a line or a speck, so the map fills its panel instead; the
aspect mode (automatic, equal, fill) chooses.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import contourpy
import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from landscape_gui.core import colorscale, contours
from landscape_gui.core.limits import PATH_CHUNK
from landscape_gui.core.numbers import level
from landscape_gui.qt.views.contour_geometry import (
    Domain,
    arrow_head_angle,
    basin_rgba,
    gradient_field_segments,
    level_label_positions,
    pixel_rect,
    place_point_labels,
    safe_limits,
    share_inside,
)
from landscape_gui.qt.views.palette import (
    BASIN_COLORS,
    CONSTRAINT_COLOR,
    GRADIENT_COLOR,
    HEIGHT_COLORMAP,
    LAGRANGE_COLOR,
    MARKER_DARK,
    MARKER_LIGHT,
    PROBE_COLOR,
    TOUCHING_CONTOUR_COLOR,
    plot_background,
    plot_foreground,
)
from landscape_gui.qt.views.plot_text import fit_title, show_plain_numbers

# How the critical points look, by kind: (symbol, legend label). Shapes carry the meaning so
# the markers stay readable on every colour of the height map.
CRITICAL_POINT_STYLES: dict[str, tuple[str, str]] = {
    "minimum": ("t", "minimum"),  # pyqtgraph 't' is a triangle pointing down
    "maximum": ("t1", "maximum"),  # 't1' points up
    "saddle": ("x", "saddle"),
    "degenerate": ("d", "degenerate"),
}
# The same shapes as text, for the legend above the map (white fill = outlined glyph).
LEGEND_GLYPHS = {"minimum": "▽", "maximum": "▲", "saddle": "✕", "degenerate": "◇"}

MAX_LEVEL_LABELS = 8
LEVEL_LABEL_CLEARANCE = 22  # pixels (at normal size) from a level label to a marker
ASPECT_MODES = ("auto", "equal", "fill")
# Automatic aspect: equal scales while the map's shape and the panel's differ by at most this
# factor (so well under half of the panel is left empty), else the map fills the panel.
MAX_EQUAL_ASPECT_MISMATCH = 1.6
# Ranges within this factor of each other always keep one scale: a bowl stays round.
COMPARABLE_RANGES = 2.0
BASIN_ALPHA = 0.45  # the basin tint: the height image and its level lines stay readable under it
# Starts that diverged: diagonal stripes of these two greys, two grid cells wide, so "blew up"
# reads as a hatched hole rather than as one more basin colour.
BASIN_DIVERGED_STRIPES = ((0, 0, 0), (96, 96, 96))

_LINE_COLOR = (20, 20, 30, 150)  # level lines: dark, translucent, readable on all of viridis
_HALO_COLOR = (0, 0, 0, 150)


def _last_finite(points: np.ndarray) -> np.ndarray:
    """The last row of (N, 2) ``points`` with both coordinates finite, as a (1, 2) array
    ((0, 2) if there is none). A path's latest point is almost always its last row, so the
    whole path (a streamed run's grows by thousands of steps a second) is searched only
    when it is not."""
    if len(points) and np.isfinite(points[-1]).all():
        return points[-1:]
    return points[np.isfinite(points).all(axis=1)][-1:]


def _as_float_array(values) -> np.ndarray:
    return np.asarray(values, dtype=float)


# A path longer than PATH_CHUNK is drawn in pieces: redrawing a 50,000-step path (its line and
# a dot per step) every frame made each frame cost more than the last, until the window stalled
# for a quarter of a second at a time.


@dataclass
class _FrozenPath:
    """The leading ``count`` points of one path, drawn by ``items`` (line, dots) pairs."""

    count: int = 0
    last: np.ndarray | None = None
    color: str = ""
    items: list = field(default_factory=list)


class _InertScatter(pg.ScatterPlotItem):
    """A scatter that lets clicks through, so clicking on a marker still moves the probe."""

    def mouseClickEvent(self, ev):  # noqa: N802 (Qt override)
        ev.ignore()


class _ProbeViewBox(pg.ViewBox):
    """A ViewBox whose left button probes instead of panning.

    Left click and left drag report data positions; the wheel, right drag (zoom) and middle
    drag (pan) keep pyqtgraph's behaviour, so the map can still be explored.
    """

    sigProbe = QtCore.Signal(float, float)  # a click, or the start of a drag
    sigProbeDrag = QtCore.Signal(float, float)  # the drag goes on (one gesture for undo)

    def mouseClickEvent(self, ev):  # noqa: N802 (Qt override)
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            self._emit_probe(ev.scenePos())
            return
        super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 (Qt override)
        if ev.button() == QtCore.Qt.MouseButton.LeftButton and axis is None:
            ev.accept()
            point = self.mapSceneToView(ev.scenePos())
            signal = self.sigProbe if ev.isStart() else self.sigProbeDrag
            signal.emit(float(point.x()), float(point.y()))
            return
        super().mouseDragEvent(ev, axis)

    def _emit_probe(self, scene_pos: QtCore.QPointF) -> None:
        point = self.mapSceneToView(scene_pos)
        self.sigProbe.emit(float(point.x()), float(point.y()))


class ContourView(QtWidgets.QWidget):
    """Height image, level lines and everything drawn over them, seen from above.

    The graphics items are public attributes (image_item, contour_item, level_line,
    arrow_shaft, ...) so exporters and tests can read what is drawn; only the set_* methods
    change them.
    """

    probeRequested = QtCore.Signal(float, float)  # a click, or the start of a drag
    probeDragged = QtCore.Signal(float, float)  # the same drag moved on
    hovered = QtCore.Signal(float, float)
    hoverEnded = QtCore.Signal()  # the pointer left the map

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._dark = False
        self._big = False
        self._big_scale = 1.8
        self._color_ticks: list[tuple[float, str]] = []
        self._levels = np.empty(0)
        self._domain: tuple[float, float, float, float] | None = None
        self._generator: contourpy.ContourGenerator | None = None
        self._contours_visible = True
        self._contour_points = np.empty((0, 2))
        self._path_colors: list[str] = []
        self._legend_kinds: list[str] = []

        self.view_box = _ProbeViewBox()
        self._aspect_mode = "auto"
        self.view_box.setAspectLocked(True)
        self.view_box.setMenuEnabled(True)
        self._plot_widget = pg.PlotWidget(viewBox=self.view_box)
        self._plot = self._plot_widget.getPlotItem()
        self._plot.setLabel("bottom", "x")
        self._plot.setLabel("left", "y")
        self._plot.hideButtons()
        self._plot.showAxes(True, showValues=(True, False, False, True))

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._plot_widget)

        self.image_item = pg.ImageItem(axisOrder="col-major")
        self.image_item.setZValue(-100)
        self._plot.addItem(self.image_item)
        self.color_bar = pg.ColorBarItem(
            values=(0.0, 1.0),
            colorMap=HEIGHT_COLORMAP,
            interactive=False,
            label="f(x, y)",
            width=14,
            colorMapMenu=False,
        )
        self.color_bar.setImageItem(self.image_item, insert_in=self._plot)

        # Basins of attraction: over the height image, under the level lines.
        self.basin_item = pg.ImageItem(axisOrder="col-major")
        self.basin_item.setZValue(-75)
        self.basin_item.hide()
        self._plot.addItem(self.basin_item)

        self.contour_item = pg.PlotDataItem(connect="finite", antialias=True)
        self.contour_item.setZValue(-50)
        self._plot.addItem(self.contour_item)
        self.level_labels: list[pg.TextItem] = []
        # The traced lines and their domain, kept to place the labels again around markers.
        self._traced_levels: tuple[list[np.ndarray], Domain] | None = None
        self._level_labels_asked: tuple | None = None
        self._traced_version = 0  # counts the traced lines set, to know the labels' places

        self.field_item = pg.PlotDataItem(connect="finite", antialias=True)
        self.field_item.setZValue(-40)
        self._plot.addItem(self.field_item)

        self.path_lines: list[pg.PlotDataItem] = []
        self.path_dots: list[_InertScatter] = []
        self.path_heads: list[_InertScatter] = []
        self._frozen: list[_FrozenPath] = []
        self._path_looks: dict[int, tuple] = {}

        self.critical_items: dict[str, pg.ScatterPlotItem] = {}
        for kind, (symbol, _label) in CRITICAL_POINT_STYLES.items():
            item = _InertScatter(symbol=symbol)
            item.setZValue(30)
            self.critical_items[kind] = item
            self._plot.addItem(item)
        # The legend is the plot's title row: above the map, so it never covers the data.
        self._run_legend: list[tuple[str, str]] = []
        self._critical_note = ""
        self._legend_text = ""
        self._plot_widget.installEventFilter(self)  # the legend is refitted to the width

        self._level_halo = pg.PlotDataItem(connect="finite", antialias=True)
        self.level_line = pg.PlotDataItem(connect="finite", antialias=True)
        self._arrow_halo = pg.PlotDataItem(antialias=True)
        self.arrow_shaft = pg.PlotDataItem(antialias=True)
        self.arrow_head = pg.ArrowItem(pxMode=True, tailLen=None)
        self._gradient_arrow: tuple | None = None  # (x, y, gx, gy, scale) as last drawn
        self._gradient_parts = (self.arrow_shaft, self._arrow_halo, self.arrow_head)
        self.probe_marker = _InertScatter(symbol="o")
        for z, item in enumerate(
            (
                self._level_halo,
                self.level_line,
                self._arrow_halo,
                self.arrow_shaft,
                self.arrow_head,
                self.probe_marker,
            )
        ):
            item.setZValue(50 + z)
            self._plot.addItem(item)
        self._set_probe_visible(False)

        # The constraint g(x, y) = c: its curve, the point on it nearest the probe with ∇f and
        # ∇g drawn there, the contour of f through that point (touching the curve where f is
        # largest or smallest on it) and the Lagrange points.
        self._constraint_label = ""
        self._constraint_halo = pg.PlotDataItem(connect="finite", antialias=True)
        self.constraint_item = pg.PlotDataItem(connect="finite", antialias=True)
        self._touch_halo = pg.PlotDataItem(connect="finite", antialias=True)
        self.touch_line = pg.PlotDataItem(connect="finite", antialias=True)
        self._grad_f_halo = pg.PlotDataItem(antialias=True)
        self.grad_f_shaft = pg.PlotDataItem(antialias=True)
        self.grad_f_head = pg.ArrowItem(pxMode=True, tailLen=None)
        self._grad_g_halo = pg.PlotDataItem(antialias=True)
        self.grad_g_shaft = pg.PlotDataItem(antialias=True)
        self.grad_g_head = pg.ArrowItem(pxMode=True, tailLen=None)
        self.curve_point = _InertScatter(symbol="o")
        self.angle_label = pg.TextItem(anchor=(0, 1))
        self.lagrange_item = _InertScatter(symbol="star")
        self.lagrange_labels: list[pg.TextItem] = []
        for z, item in (
            (12, self._constraint_halo),
            (13, self.constraint_item),
            (44, self._touch_halo),
            (45, self.touch_line),
            (31, self.lagrange_item),
            (60, self._grad_g_halo),
            (61, self.grad_g_shaft),
            (62, self.grad_g_head),
            (63, self._grad_f_halo),
            (64, self.grad_f_shaft),
            (65, self.grad_f_head),
            (59, self.curve_point),
            (67, self.angle_label),
        ):
            item.setZValue(z)
            self._plot.addItem(item)
        self._constraint_probe_items = (
            self._touch_halo,
            self.touch_line,
            self._grad_f_halo,
            self.grad_f_shaft,
            self.grad_f_head,
            self._grad_g_halo,
            self.grad_g_shaft,
            self.grad_g_head,
            self.curve_point,
            self.angle_label,
        )

        # What the arrows' lengths mean ("arrow = 0.2 × ∇f"): in the row above the map, with
        # the legend, so it never covers the data.
        self._scale_note = ""
        self.set_constraint(None)

        self.hover_label = pg.TextItem(anchor=(0, 0))
        self.hover_label.setParentItem(self.view_box)
        self.hover_label.setPos(6, 6)
        self.hover_label.setZValue(200)
        self.hover_label.hide()

        self._plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._plot_widget.viewport().installEventFilter(self)
        self.view_box.sigResized.connect(lambda _vb: self._view_resized())
        # The map frames the domain until the user zooms or pans it themselves.
        self._framed = True
        self.view_box.sigRangeChangedManually.connect(self._user_moved_view)
        self.view_box.sigProbe.connect(self.probeRequested)
        self.view_box.sigProbeDrag.connect(self.probeDragged)

        self._apply_style()

    # ------------------------------------------------------------------ the field
    def set_field(
        self, xs, ys, z, z_limits, levels, color_scale: str = "linear", traced=None
    ) -> None:
        """Show heights z[i, j] = f(xs[i], ys[j]) as a colour image and level lines.

        The colour range is fixed by z_limits (not by z's own extremes) so the 3D view, the
        colour bar and the image agree; non-finite heights are left transparent. ``traced``
        = (generator, lines per level) from core.contours, when the lines of these levels
        were traced already (off the GUI thread).
        """
        for index in range(len(self._frozen)):
            self._thaw(index)  # new ranges may clip the paths anew: draw every piece again
        xs = _as_float_array(xs)
        ys = _as_float_array(ys)
        z = _as_float_array(z)
        if z.shape != (len(xs), len(ys)):
            raise ValueError(f"z has shape {z.shape}, expected {(len(xs), len(ys))}")
        finite = np.isfinite(z)
        if not finite.all():
            z = np.where(finite, z, np.nan)
        lo, hi = safe_limits(z_limits)

        # Colours on a linear or logarithmic scale (core.colorscale); the colour bar's ticks
        # are plain heights at their places on that scale, always labelled.
        shown, color_limits = colorscale.values(z, (lo, hi), color_scale)
        self.color_scale = color_scale
        self.image_item.setImage(shown, levels=color_limits, autoLevels=False)
        self.image_item.setRect(QtCore.QRectF(*pixel_rect(xs, ys)))
        self.color_bar.setLevels(color_limits)
        self._color_ticks = colorscale.ticks((lo, hi), color_scale)
        self.color_bar.axis.setTicks([self._color_ticks])
        self._fit_color_bar_axis()

        self._levels = contours.clean_levels(levels)
        if traced is not None and len(traced[1]) == len(self._levels):
            self._generator, per_level = traced
        else:
            self._generator = contours.tracer(xs, ys, z)
            per_level = [self._trace(level) for level in self._levels]
        self._contour_points = contours.combine_nan_separated(per_level)
        self._draw_contours()
        domain = (float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1]))
        self._traced_levels = (per_level, domain)
        self._traced_version += 1
        self._place_level_labels()
        if domain != self._domain:
            self._domain = domain
            self.reset_view()

    def _fit_color_bar_axis(self) -> None:
        """Wide enough for its widest number: pyqtgraph drops a tick label that does not fit
        its axis, which left steep landscapes' colour bars without numbers."""
        axis = self.color_bar.axis
        font = axis.style.get("tickFont") or QtGui.QFont()
        metrics = QtGui.QFontMetrics(font)
        widest = max((metrics.horizontalAdvance(t) for _p, t in self._color_ticks), default=0)
        axis.setWidth(widest + 16)

    def color_bar_labels(self) -> list[str]:
        """The colour bar's numbers, lowest first."""
        return [text for _position, text in self._color_ticks]

    def levels(self) -> np.ndarray:
        """The contour levels currently drawn (a copy), lowest first."""
        return self._levels.copy()

    def reset_view(self) -> None:
        """Frame the whole domain (used after a domain change and by 'reset view')."""
        if self._domain is None:
            return
        self._apply_aspect()
        x0, x1, y0, y1 = self._domain
        self.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
        self._framed = True

    def _user_moved_view(self, *_mask) -> None:
        self._framed = False

    def set_aspect_mode(self, mode: str) -> None:
        """'auto' (equal scales when they leave little of the panel empty, else fill it),
        'equal' or 'fill'."""
        if mode not in ASPECT_MODES:
            raise ValueError(f"aspect mode must be one of {ASPECT_MODES}, not {mode!r}")
        self._aspect_mode = mode
        self.reset_view()

    def equal_aspect(self) -> bool:
        """Whether x and y are drawn at one scale now."""
        return bool(self.view_box.state["aspectLocked"])

    def _apply_aspect(self) -> None:
        lock = self._aspect_mode == "equal"
        if self._aspect_mode == "auto" and self._domain is not None:
            x0, x1, y0, y1 = self._domain
            data = abs(x1 - x0) / max(abs(y1 - y0), 1e-300)
            width, height = self.view_box.width(), self.view_box.height()
            panel = width / height if width > 0 and height > 0 else 1.0
            comparable = max(data, 1 / data) <= COMPARABLE_RANGES
            lock = comparable or max(data / panel, panel / data) <= MAX_EQUAL_ASPECT_MISMATCH
        if lock != self.equal_aspect():
            self.view_box.setAspectLocked(lock, ratio=1.0 if lock else None)

    def _view_resized(self) -> None:
        """A new size (the window, or the legend row above the map growing) frames the domain
        again, unless the user has zoomed or panned: the same state draws the same map
        whatever the order things were laid out in."""
        if self._domain is None:
            return
        locked = self.equal_aspect()
        self._apply_aspect()
        if self._framed or locked != self.equal_aspect():
            x0, x1, y0, y1 = self._domain
            self.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
        self._place_labels()  # they are sized in pixels: a new scale may move them
        self._place_level_labels()
        self._redraw_gradient_arrow()  # its head is in proportion to its length on screen

    def set_contours_visible(self, visible: bool) -> None:
        self._contours_visible = bool(visible)
        self.contour_item.setVisible(self._contours_visible)
        for label in self.level_labels:
            label.setVisible(self._contours_visible and bool(label.toPlainText()))

    def _draw_contours(self) -> None:
        self.contour_item.setData(self._contour_points, connect="finite", antialias=not self._big)

    def _trace(self, level: float) -> np.ndarray:
        return contours.trace(self._generator, level)

    def _place_level_labels(self) -> None:
        """Write the value of a few levels on their lines, away from the edges, each other and
        the critical points' markers."""
        if self._traced_levels is None:
            return
        per_level, domain = self._traced_levels
        markers = [
            (float(x), float(y))
            for item in self.critical_items.values()
            for x, y in zip(*item.getData(), strict=True)
        ]
        # A label's half-width plus a marker's radius, in pixels, as data lengths at this scale.
        pixel_x, pixel_y = self.view_box.viewPixelSize()
        clearance = LEVEL_LABEL_CLEARANCE * self._scale() * max(pixel_x, pixel_y)
        # Half the widest label, so that none is cut by the map's frame.
        metrics = QtGui.QFontMetricsF(self._level_label_font())
        widest = max((metrics.horizontalAdvance(level(v)) for v in self._levels), default=0.0)
        half_size = ((widest / 2 + 4) * pixel_x, (metrics.height() / 2 + 2) * pixel_y)
        asked = (self._traced_version, tuple(markers), clearance, half_size)
        if asked == self._level_labels_asked:
            return  # the same lines, markers and scale: the same places
        self._level_labels_asked = asked
        placements = level_label_positions(
            per_level, domain, MAX_LEVEL_LABELS, markers, clearance, half_size
        )
        texts = [level(self._levels[index]) for index, _x, _y in placements]
        while len(self.level_labels) < len(placements):
            label = pg.TextItem(anchor=(0.5, 0.5))
            label.setZValue(-30)
            self._plot.addItem(label)
            self.level_labels.append(label)
            self._style_level_label(label)
        for label in self.level_labels:
            label.setText("")
            label.hide()
        for label, text, (_index, x, y) in zip(self.level_labels, texts, placements, strict=False):
            label.setText(text)
            label.setPos(x, y)
            label.setVisible(self._contours_visible)

    # ------------------------------------------------------------------ the probe
    def set_probe(
        self, x=None, y=None, gx=None, gy=None, f0=None, scale: float = 1.0, note: str = ""
    ) -> None:
        """Mark (x, y), draw the gradient arrow and highlight the level line f = f0.

        The arrow is ``scale × (gx, gy)`` in the map's units, so its length is the steepness
        (``note`` says the scale on the map). An arrow that would leave the map is cut at its
        edge, and the note says so; a zero or non-finite gradient draws no arrow.
        """
        if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
            self._set_probe_visible(False)
            self._show_scale_note("")
            return
        x, y = float(x), float(y)
        self.probe_marker.setData([x], [y])
        self.probe_marker.show()

        level_points = np.empty((0, 2))
        if f0 is not None and math.isfinite(f0):
            level_points = self._trace(f0)
        _set_wide_line(self.level_line, self._level_halo, level_points)
        self.level_line.show()
        self._level_halo.show()

        self._gradient_arrow = (x, y, gx, gy, scale)
        cut = self._draw_arrow(self._gradient_parts, *self._gradient_arrow)
        self._show_scale_note(f"{note} (cut at the map's edge)" if 0 < cut < 1 else note)

    # ------------------------------------------------------------------ the constraint
    def set_constraint(self, points=None, label: str = "") -> None:
        """Draw the curve g(x, y) = c: (N, 2) points, NaN rows between its pieces; None hides
        it (and everything drawn at a point of it)."""
        if points is None:
            self.constraint_item.setData(np.empty((0, 2)))
            self._constraint_halo.setData(np.empty((0, 2)))
            self.constraint_item.hide()
            self._constraint_halo.hide()
            self.set_constraint_probe(None)
            self.set_lagrange_points([])
            self._constraint_label = ""
            self._rebuild_legend()
            return
        points = _as_float_array(points).reshape(-1, 2)
        self.constraint_item.setData(points, connect="finite")
        self._constraint_halo.setData(points, connect="finite")
        self.constraint_item.show()
        self._constraint_halo.show()
        if label != self._constraint_label:
            self._constraint_label = label
            self._rebuild_legend()

    def constraint_points(self) -> np.ndarray:
        """The curve as drawn, (N, 2) with NaN rows between pieces (empty when none)."""
        x, y = self.constraint_item.getData()
        if x is None or not self.constraint_item.isVisible():
            return np.empty((0, 2))
        return np.column_stack((x, y))

    def set_constraint_probe(
        self,
        x=None,
        y=None,
        fx=None,
        fy=None,
        gx=None,
        gy=None,
        f0=None,
        scale: float = 1.0,
        label: str = "",
    ) -> None:
        """At the point (x, y) of the curve: ∇f and ∇g as arrows of ``scale`` × their length
        (the gradient arrows' scale), ``label`` (the angle between them) beside the point, and
        the contour f = f0 through it, which touches the curve where ∇f ∥ ∇g."""
        if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
            for item in self._constraint_probe_items:
                item.hide()
            self.angle_label.setText("")  # nor does it keep a place among the labels
            return
        x, y = float(x), float(y)
        self.curve_point.setData([x], [y])
        self.curve_point.show()
        touching = np.empty((0, 2))
        if f0 is not None and math.isfinite(f0):
            touching = self._trace(f0)
        _set_wide_line(self.touch_line, self._touch_halo, touching)
        self.touch_line.show()
        self._touch_halo.show()
        for vx, vy, parts in (
            (fx, fy, (self.grad_f_shaft, self._grad_f_halo, self.grad_f_head)),
            (gx, gy, (self.grad_g_shaft, self._grad_g_halo, self.grad_g_head)),
        ):
            self._draw_arrow(parts, x, y, vx, vy, scale)
        self.angle_label.setText(label)
        self.angle_label.setPos(x, y)
        self.angle_label.setVisible(bool(label))
        self._place_labels()

    def _place_labels(self) -> None:
        """Each label beside its point, where least of it is cut at the map's edge or lies on
        the labels placed before it (the probe's first), the other Lagrange stars and the
        touching contour near the point (contour_geometry.place_point_labels)."""
        (vx0, vx1), (vy0, vy1) = self.view_box.viewRange()
        width, height = self.view_box.width(), self.view_box.height()
        if width <= 0 or height <= 0 or vx1 <= vx0 or vy1 <= vy0:
            return
        ppx, ppy = width / (vx1 - vx0), height / (vy1 - vy0)
        x0, x1, y0, y1 = self._domain or (vx0, vx1, vy0, vy1)
        visible = (
            max(min(x0, x1), vx0),
            min(max(x0, x1), vx1),
            max(min(y0, y1), vy0),
            min(max(y0, y1), vy1),
        )
        texts = [(self.angle_label, True)] if self.angle_label.toPlainText() else []
        texts += [(text, False) for text in self.lagrange_labels if text.toPlainText()]
        star = 6 * self._scale()
        half = (star / ppx, star / ppy)
        x_stars, y_stars = self.lagrange_item.getData()
        obstacles = [
            (sx - half[0], sx + half[0], sy - half[1], sy + half[1])
            for sx, sy in zip(
                [] if x_stars is None else x_stars, [] if y_stars is None else y_stars, strict=True
            )
        ]
        # The touching contour near the point is what the picture is about: keep it clear.
        tx, ty = self.touch_line.getData() if self.touch_line.isVisible() else (None, None)
        if tx is not None and len(tx):
            keep = np.isfinite(tx) & np.isfinite(ty)
            dot = 2 / ppx, 2 / ppy
            obstacles += [
                (px - dot[0], px + dot[0], py - dot[1], py + dot[1])
                for px, py in zip(tx[keep][::3], ty[keep][::3], strict=True)
            ]
        labels = []
        for text, inwards in texts:
            position = text.pos()
            bounds = text.textItem.boundingRect()
            labels.append(
                (
                    float(position.x()),
                    float(position.y()),
                    bounds.width() / ppx,
                    bounds.height() / ppy,
                    inwards,
                )
            )
        anchors = place_point_labels(labels, self._domain, visible, obstacles, half)
        for (text, _inwards), anchor in zip(texts, anchors, strict=True):
            text.setAnchor(anchor)

    def _redraw_gradient_arrow(self) -> None:
        """Draw the gradient arrow again as last asked (the scale or the style changed)."""
        if self._gradient_arrow is not None and self.arrow_head.isVisible():
            self._draw_arrow(self._gradient_parts, *self._gradient_arrow)

    def _draw_arrow(self, parts, x: float, y: float, vx, vy, scale: float) -> float:
        """Draw ``scale × (vx, vy)`` from (x, y) with the items ``parts`` (shaft, halo, head);
        returns the share of it on the map (0 when nothing is drawn)."""
        shaft, halo, head = parts
        vx = float(vx) if vx is not None else math.nan
        vy = float(vy) if vy is not None else math.nan
        dx, dy = scale * vx, scale * vy
        drawn = math.isfinite(dx) and math.isfinite(dy) and (dx, dy) != (0.0, 0.0)
        cut = share_inside(x, y, dx, dy, self._domain) if drawn else 0.0
        if not drawn or cut <= 0.0:
            for item in parts:
                item.hide()
            return 0.0
        tip_x, tip_y = x + cut * dx, y + cut * dy
        shaft.setData([x, tip_x], [y, tip_y])
        halo.setData([x, tip_x], [y, tip_y])
        head.setPos(tip_x, tip_y)
        # A short arrow keeps a head in proportion (at most 40 % of it), so it still reads
        # as an arrow with a shaft rather than as a blot; a full-size head on a short shaft
        # reached back past the probe and looked like an arrow pointing the other way.
        s = self._scale()
        pixels = self._pixel_length(cut * dx, cut * dy)
        length = min(18 * s, 0.4 * pixels) if pixels > 0 else 18 * s
        # ArrowItem points left at angle 0 and turns clockwise on screen (y down there).
        head.setStyle(
            angle=arrow_head_angle(vx, vy),
            headLen=length,
            headWidth=min(8 * s, 0.45 * length),
        )
        for item in parts:
            item.show()
        return cut

    def _pixel_length(self, dx: float, dy: float) -> float:
        """How many screen pixels the step (dx, dy) in data units spans now (0 if unknown)."""
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        width, height = self.view_box.width(), self.view_box.height()
        if width <= 0 or height <= 0 or x1 <= x0 or y1 <= y0:
            return 0.0
        return math.hypot(dx * width / (x1 - x0), dy * height / (y1 - y0))

    def set_lagrange_points(self, points: Sequence[tuple[float, float, str]]) -> None:
        """Mark the Lagrange points: (x, y, text), the text (kind and λ) written beside each."""
        points = [(float(x), float(y), str(text)) for x, y, text in points]
        coords = np.array([(x, y) for x, y, _t in points], dtype=float).reshape(-1, 2)
        self.lagrange_item.setData(coords[:, 0], coords[:, 1])
        self.lagrange_item.setVisible(bool(points))
        while len(self.lagrange_labels) < len(points):
            text = pg.TextItem(anchor=(0, 0))
            text.setZValue(68)
            self._plot.addItem(text)
            self.lagrange_labels.append(text)
            self._style_lagrange_label(text)
        for index, text in enumerate(self.lagrange_labels):
            if index < len(points):
                x, y, words = points[index]
                text.setText(words)
                text.setPos(x, y)
                text.setVisible(bool(words))
            else:
                text.setText("")
                text.hide()
        self._place_labels()
        self._rebuild_legend()

    def lagrange_texts(self) -> list[str]:
        """What is written beside the Lagrange points now."""
        return [t.toPlainText() for t in self.lagrange_labels if t.toPlainText()]

    def _style_lagrange_label(self, text: pg.TextItem) -> None:
        font = QtGui.QFont()
        font.setPointSizeF(8 * self._scale())
        font.setBold(True)
        text.setFont(font)
        text.setColor((10, 10, 10))
        text.fill = pg.mkBrush(255, 255, 255, 200)
        text.update()

    def _set_probe_visible(self, visible: bool) -> None:
        for item in (
            self.probe_marker,
            self.level_line,
            self._level_halo,
            self.arrow_shaft,
            self._arrow_halo,
            self.arrow_head,
        ):
            item.setVisible(visible)

    def _show_scale_note(self, text: str) -> None:
        if text != self._scale_note:
            self._scale_note = text
            self._rebuild_legend()

    def scale_note_text(self) -> str:
        """What the arrows' lengths mean, as shown above the map ('' when no arrow)."""
        return self._scale_note

    def _short_side(self) -> float:
        if self._domain is not None:
            x0, x1, y0, y1 = self._domain
        else:
            (x0, x1), (y0, y1) = self.view_box.viewRange()
        return min(abs(x1 - x0), abs(y1 - y0)) or 1.0

    # ------------------------------------------------------------------ overlays
    def set_gradient_field(self, xs=None, ys=None, gx=None, gy=None, scale: float = 1.0) -> None:
        """Draw ``scale × ∇f`` arrows centred on a coarse grid, all as one NaN-separated line:
        uphill everywhere, and as long as the ground is steep (none where it is flat)."""
        if xs is None:
            self.field_item.setData(np.empty((0, 2)))
            self.field_item.hide()
            return
        points = gradient_field_segments(xs, ys, gx, gy, scale)
        self.field_item.setData(points, connect="finite")
        self.field_item.show()

    def set_basins(
        self, xs=None, ys=None, labels=None, colors: Sequence[str] | None = None
    ) -> None:
        """Tint each start (xs[i], ys[j]) by the basin labels[i, j] its descent ended in.

        Label k >= 0 takes colors[k] (cycled; BASIN_COLORS by default), -1 (diverged) a dark
        hatch and -2 (still walking) nothing. Pixels sit on the grid points like the height
        image's. set_basins(None) hides the overlay.
        """
        if xs is None:
            self.basin_item.clear()
            self.basin_item.hide()
            return
        xs = _as_float_array(xs)
        ys = _as_float_array(ys)
        labels = np.asarray(labels)
        if labels.shape != (len(xs), len(ys)):
            raise ValueError(f"labels have shape {labels.shape}, expected {(len(xs), len(ys))}")
        rgba = basin_rgba(labels, colors or BASIN_COLORS, BASIN_ALPHA, BASIN_DIVERGED_STRIPES)
        self.basin_item.setImage(rgba, autoLevels=False, levels=(0, 255))
        self.basin_item.setRect(QtCore.QRectF(*pixel_rect(xs, ys)))
        self.basin_item.show()

    def set_paths(self, paths: Sequence[tuple[np.ndarray, str]]) -> None:
        """Descent paths as polylines with a dot per step and a larger marker on the latest.

        Each entry is ``(points (K, 2), colour)``, ``(points, colour, preview)`` or
        ``(points, colour, preview, stepwise)``: a preview (the steps still to come) is pale
        with no markers; a path that is not stepwise (thinned: its points are not its steps)
        gets no dots, which would say they were.
        """
        while len(self.path_lines) < len(paths):
            line = pg.PlotDataItem(connect="finite", antialias=True)
            dots = _InertScatter(symbol="o")
            head = _InertScatter(symbol="o")
            for z, item in enumerate((line, dots, head)):
                item.setZValue(20 + z)
                self._plot.addItem(item)
            self.path_lines.append(line)
            self.path_dots.append(dots)
            self.path_heads.append(head)
            self._frozen.append(_FrozenPath())
        self._path_colors = []
        items = zip(self.path_lines, self.path_dots, self.path_heads, strict=True)
        for index, (line, dots, head) in enumerate(items):
            if index >= len(paths):
                self._thaw(index)
                line.setData(np.empty((0, 2)))
                dots.setData([], [])
                head.setData([], [])
                for item in (line, dots, head):
                    item.hide()
                continue
            points, color = paths[index][:2]
            preview = len(paths[index]) > 2 and bool(paths[index][2])
            stepwise = len(paths[index]) <= 3 or bool(paths[index][3])
            points = _as_float_array(points).reshape(-1, 2)
            self._path_colors.append(color)
            frozen = 0 if preview else self._freeze(index, points, color)
            if preview:
                self._thaw(index)
            latest = _last_finite(points)
            points = points[max(frozen - 1, 0) :]  # the newest piece, joined to the last
            finite = points[np.isfinite(points).all(axis=1)]
            line.setData(points, connect="finite")
            # Styling every scatter point again costs more than the new data: only when the
            # look changes (the scatters keep their style as the default for new points).
            look = (color, self._scale(), preview)
            if self._path_looks.get(index) != look:
                self._path_looks[index] = look
                self._style_path(line, dots, head, color)
            if preview:
                faded = pg.mkColor(color)
                faded.setAlphaF(0.5)
                line.setPen(
                    pg.mkPen(faded, width=1.2 * self._scale(), style=QtCore.Qt.PenStyle.DashLine)
                )
                dots.setData([], [])
                head.setData([], [])
                line.show()
                dots.hide()
                head.hide()
                continue
            if stepwise:
                dots.setData(finite[:, 0], finite[:, 1])
            elif len(dots.data):
                dots.setData([], [])
            head.setData(latest[:, 0], latest[:, 1])
            for item in (line, head):
                item.show()
            dots.setVisible(stepwise)

    def _freeze(self, index: int, points: np.ndarray, color: str) -> int:
        """Draw every full piece of a long path once (PATH_CHUNK points each, as items that
        are not touched again) and return how many leading points they draw. A path that is
        not the one frozen before (a reset, another run, another colour) starts afresh."""
        frozen = self._frozen[index]
        count = frozen.count
        if count and (
            count > len(points)
            or frozen.color != color
            or not np.array_equal(points[count - 1], frozen.last, equal_nan=True)
        ):
            self._thaw(index)
            count = 0
        while len(points) - count > PATH_CHUNK:
            end = count + PATH_CHUNK
            piece = points[max(count - 1, 0) : end]
            dotted = points[count:end]
            dotted = dotted[np.isfinite(dotted).all(axis=1)]
            line = pg.PlotDataItem(piece, connect="finite", antialias=True)
            dots = _InertScatter(symbol="o")
            dots.setData(dotted[:, 0], dotted[:, 1])
            self._style_trail(line, dots, color)
            for z, item in enumerate((line, dots)):
                item.setZValue(20 + z)
                self._plot.addItem(item)
            frozen.items.append((line, dots))
            count = end
        frozen.count, frozen.color = count, color
        frozen.last = points[count - 1].copy() if count else None
        return count

    def _thaw(self, index: int) -> None:
        """Remove the frozen pieces of path ``index``."""
        frozen = self._frozen[index]
        for pair in frozen.items:
            for item in pair:
                self._plot.removeItem(item)
        self._frozen[index] = _FrozenPath()

    def set_critical_points(
        self, points: Sequence[tuple[float, float, str]], note: str = ""
    ) -> None:
        """Mark critical points by kind; the legend lists only the kinds present, and
        ``note`` says when only some are marked ("50 of 121 ...")."""
        self._critical_note = note
        by_kind: dict[str, list[tuple[float, float]]] = {k: [] for k in CRITICAL_POINT_STYLES}
        for x, y, kind in points:
            by_kind.setdefault(kind if kind in by_kind else "degenerate", []).append((x, y))
        for kind, item in self.critical_items.items():
            coords = np.array(by_kind[kind], dtype=float).reshape(-1, 2)
            item.setData(coords[:, 0], coords[:, 1])
        self._legend_kinds = [k for k in CRITICAL_POINT_STYLES if by_kind[k]]
        self._rebuild_legend()
        self._place_level_labels()

    def set_run_legend(self, entries: Sequence[tuple[str, str]]) -> None:
        """Name each run of a race in its colour: [(name, colour)], empty for none."""
        legend = [(str(name), str(color)) for name, color in entries]
        if legend == self._run_legend:
            return  # told again each streamed frame: refitting the title relays out the plot
        self._run_legend = legend
        self._rebuild_legend()

    def legend_entries(self) -> list[str]:
        """The legend as plain text, entry by entry: the marker kinds, then the runs."""
        return [plain for _rich, plain in self._legend_parts()]

    def legend_text(self) -> str:
        """What the legend row shows now (rich text), '' when hidden."""
        return self._legend_text

    def _legend_parts(self) -> list[tuple[str, str]]:
        parts = []
        for kind in self._legend_kinds:
            glyph, label = LEGEND_GLYPHS[kind], CRITICAL_POINT_STYLES[kind][1]
            parts.append((f"<b>{glyph}</b>&nbsp;{html.escape(label)}", f"{glyph} {label}"))
        if self._constraint_label:
            parts.append(
                (
                    f"<span style='color:{CONSTRAINT_COLOR}'><b>━━</b></span>&nbsp;"
                    f"{html.escape(self._constraint_label)}",
                    f"━━ {self._constraint_label}",
                )
            )
        if self.lagrange_item.isVisible():
            parts.append(("<b>★</b>&nbsp;Lagrange point", "★ Lagrange point"))
        for name, color in self._run_legend:
            parts.append(
                (
                    f"<span style='color:{color}'><b>━━</b></span>&nbsp;{html.escape(name)}",
                    f"━━ {name}",
                )
            )
        if " marked" in self._critical_note:
            count = self._critical_note.split(" marked")[0]  # "50 of 121"
            parts.append((html.escape(f"({count} marked)"), f"({count} marked)"))
        notes = self._scale_note.split(" · ") if self._scale_note else []
        # A note may break after its colon too: one long note set the size of the whole
        # legend (fitted to the widest part), about 8 px high at 1024 x 768 on a projector.
        pieces = [piece for note in notes for piece in _after_colons(note)]
        parts.extend((f"<i>{html.escape(piece)}</i>", piece) for piece in pieces)
        return parts

    def _rebuild_legend(self) -> None:
        """The legend row above the map, fitted to its width (entries wrap onto more lines)."""
        parts = self._legend_parts()
        fit_title(
            self._plot,
            parts,
            self._foreground(),
            9 * self._scale(),
            self._plot_widget.width(),
            separator="    ",
        )
        self._legend_text = self._plot.titleLabel.text if parts else ""

    def legend_item(self) -> pg.LabelItem:
        """The legend row's graphics item (the plot's title row), for layout checks."""
        return self._plot.titleLabel

    # ------------------------------------------------------------------ mouse and hover
    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QtCore.QEvent.Type.Leave and watched is not self._plot_widget:
            self.hoverEnded.emit()
        elif event.type() == QtCore.QEvent.Type.Resize and watched is self._plot_widget:
            self._rebuild_legend()
        return False

    def _on_mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            self.hoverEnded.emit()  # over the axes or the colour bar: not a point of the map
            return
        point = self.view_box.mapSceneToView(scene_pos)
        self.hovered.emit(float(point.x()), float(point.y()))

    def set_hover_text(self, text: str) -> None:
        """Show the controller's readout (x, y, f, partials, |grad f|) in the plot's corner."""
        self.hover_label.setText(text)
        self.hover_label.setVisible(bool(text))

    # ------------------------------------------------------------------ access and style
    def export_item(self) -> pg.PlotItem:
        """The PlotItem, for pyqtgraph's image and SVG exporters."""
        return self._plot

    def plot_widget(self) -> pg.PlotWidget:
        return self._plot_widget

    def set_style(self, dark: bool) -> None:
        self._dark = bool(dark)
        self._apply_style()

    def set_presentation(self, big: bool, scale: float = 1.8) -> None:
        """Thicker lines, bigger markers and fonts for projectors (``scale`` times normal)."""
        self._big = bool(big)
        self._big_scale = float(scale)
        self._apply_style()

    def _scale(self) -> float:
        return self._big_scale if self._big else 1.0

    def _foreground(self) -> str:
        return plot_foreground(self._dark)

    def _apply_style(self) -> None:
        s = self._scale()
        fg = self._foreground()
        self._plot_widget.setBackground(plot_background(self._dark))
        tick_font = QtGui.QFont()
        tick_font.setPointSizeF(9 * s)
        label_style = {"color": fg, "font-size": f"{11 * s:.0f}pt"}
        axes = [self._plot.getAxis(name) for name in ("left", "bottom", "right", "top")]
        for axis in [*axes, self.color_bar.axis]:
            show_plain_numbers(axis)  # plain units, never "(x0.001)"
            axis.setPen(pg.mkPen(fg))
            axis.setTextPen(pg.mkPen(fg))
            axis.setStyle(tickFont=tick_font)
        self._fit_color_bar_axis()
        self._plot.setLabel("bottom", "x", **label_style)
        self._plot.setLabel("left", "y", **label_style)
        self.color_bar.getAxis("left").setLabel("f(x, y)", **label_style)

        # Antialiased strokes wider than 1 px cost Qt ~5x more (85 ms vs 16 ms for 20 levels
        # of a 200x200 grid here), so presentation mode trades antialiasing for width.
        self.contour_item.setPen(pg.mkPen(_LINE_COLOR, width=2.0 if self._big else 1.0))
        self._draw_contours()
        self.field_item.setPen(pg.mkPen((255, 255, 255, 200), width=2.0 if self._big else 1.0))
        for label in self.level_labels:
            self._style_level_label(label)

        self._level_halo.setPen(pg.mkPen(_HALO_COLOR, width=5 * s))
        self.level_line.setPen(pg.mkPen(MARKER_LIGHT, width=2.5 * s))
        self._arrow_halo.setPen(pg.mkPen(_HALO_COLOR, width=6 * s))
        self.arrow_shaft.setPen(pg.mkPen(GRADIENT_COLOR, width=3.5 * s))
        self.arrow_head.setStyle(
            headLen=18 * s,
            headWidth=8 * s,
            pen=pg.mkPen((0, 0, 0, 160), width=1),
            brush=pg.mkBrush(GRADIENT_COLOR),
        )
        self._redraw_gradient_arrow()  # a short arrow's head stays in proportion
        halo = pg.mkPen(_HALO_COLOR, width=6 * s)
        self._constraint_halo.setPen(halo)
        self.constraint_item.setPen(pg.mkPen(CONSTRAINT_COLOR, width=3 * s))
        self._touch_halo.setPen(pg.mkPen(_HALO_COLOR, width=5 * s))
        self.touch_line.setPen(pg.mkPen(TOUCHING_CONTOUR_COLOR, width=2.5 * s))
        for shaft, arrow_halo, head, color in (
            (self.grad_f_shaft, self._grad_f_halo, self.grad_f_head, GRADIENT_COLOR),
            (self.grad_g_shaft, self._grad_g_halo, self.grad_g_head, CONSTRAINT_COLOR),
        ):
            arrow_halo.setPen(pg.mkPen(_HALO_COLOR, width=6 * s))
            shaft.setPen(pg.mkPen(color, width=3.5 * s))
            head.setStyle(
                headLen=18 * s,
                headWidth=8 * s,
                pen=pg.mkPen((0, 0, 0, 160), width=1),
                brush=pg.mkBrush(color),
            )
        self.curve_point.setSize(9 * s)
        self.curve_point.setPen(pg.mkPen(MARKER_DARK, width=1.5 * s))
        self.curve_point.setBrush(pg.mkBrush(MARKER_LIGHT))
        self.lagrange_item.setSize(20 * s)
        self.lagrange_item.setPen(pg.mkPen(MARKER_DARK, width=1.2 * s))
        self.lagrange_item.setBrush(pg.mkBrush(LAGRANGE_COLOR))
        label_font = QtGui.QFont()
        label_font.setPointSizeF(8 * s)
        label_font.setBold(True)
        self.angle_label.setFont(label_font)
        self.angle_label.setColor((10, 10, 10))
        self.angle_label.fill = pg.mkBrush(255, 255, 255, 215)
        self.angle_label.update()
        for text in self.lagrange_labels:
            self._style_lagrange_label(text)
        self._place_labels()
        self.probe_marker.setSize(13 * s)
        self.probe_marker.setPen(pg.mkPen(MARKER_LIGHT, width=2 * s))
        self.probe_marker.setBrush(pg.mkBrush(PROBE_COLOR))

        for line, dots, head, color in zip(
            self.path_lines, self.path_dots, self.path_heads, self._path_colors, strict=False
        ):
            self._style_path(line, dots, head, color)
        self._path_looks.clear()
        for frozen in self._frozen:
            for line, dots in frozen.items:
                self._style_trail(line, dots, frozen.color)
        for kind, item in self.critical_items.items():
            item.setSize(15 * s)
            item.setPen(pg.mkPen(MARKER_DARK, width=1.5 * s))
            fill = MARKER_DARK if kind == "maximum" else MARKER_LIGHT
            item.setBrush(pg.mkBrush(fill))
            if kind == "maximum":
                item.setPen(pg.mkPen(MARKER_LIGHT, width=1.5 * s))
            if kind == "saddle":
                item.setPen(pg.mkPen(MARKER_DARK, width=1 * s))
        self._rebuild_legend()

        font = QtGui.QFont("monospace")
        font.setStyleHint(QtGui.QFont.StyleHint.Monospace)
        font.setPointSizeF(9.5 * s)
        self.hover_label.setFont(font)
        self.hover_label.setColor(fg)
        self.hover_label.fill = pg.mkBrush(
            (30, 31, 36, 215) if self._dark else (255, 255, 255, 215)
        )
        self.hover_label.border = pg.mkPen(fg)
        self.hover_label.update()

    def _level_label_font(self) -> QtGui.QFont:
        font = QtGui.QFont()
        font.setPointSizeF(8 * self._scale())
        return font

    def _style_level_label(self, label: pg.TextItem) -> None:
        label.setFont(self._level_label_font())
        label.setColor((20, 20, 30))
        label.fill = pg.mkBrush(255, 255, 255, 150)
        label.update()

    def _style_trail(self, line: pg.PlotDataItem, dots: pg.ScatterPlotItem, color: str) -> None:
        """A path's line and step dots (a streamed path's newest piece and its frozen ones)."""
        s = self._scale()
        line.setPen(pg.mkPen(color, width=2.2 * s))
        dots.setSize(5 * s)
        dots.setBrush(pg.mkBrush(color))
        dots.setPen(pg.mkPen((0, 0, 0, 140), width=0.8))

    def _style_path(
        self, line: pg.PlotDataItem, dots: pg.ScatterPlotItem, head: pg.ScatterPlotItem, color: str
    ) -> None:
        s = self._scale()
        self._style_trail(line, dots, color)
        head.setSize(12 * s)
        head.setBrush(pg.mkBrush(color))
        head.setPen(pg.mkPen(MARKER_LIGHT, width=2 * s))


# A highlighted contour (the level through the probe, or the one touching a constraint) is
# drawn with wide pens, which Qt strokes as outlines; with antialiasing that costs about
# 10 µs a point. On a wild landscape the level is 11,000 points long: 140 ms a paint of the
# map, each time the probe moves. Beyond this many points (a tangle, where smooth edges are
# not what the eye follows) it is drawn without, in a fifth of the time.
SMOOTH_WIDE_LINE_POINTS = 2000


def _set_wide_line(line: pg.PlotDataItem, halo: pg.PlotDataItem, points: np.ndarray) -> None:
    smooth = len(points) <= SMOOTH_WIDE_LINE_POINTS
    for item in (halo, line):
        item.setData(points, connect="finite", antialias=smooth)


def _after_colons(note: str) -> list[str]:
    """``note`` in pieces that end at each ": " (the colon kept with the piece before it)."""
    pieces = note.split(": ")
    return [piece + ":" for piece in pieces[:-1]] + pieces[-1:]
