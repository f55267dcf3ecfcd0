"""Plot titles that fit their plot: on one line when there is room, else broken between their
parts, and in smaller type only when one part alone is wider than the plot. pyqtgraph would
otherwise widen the plot to the title's width and push its right side (and the probe) out of
the widget, or cut a second line off in its fixed 30-pixel title row.
"""

from __future__ import annotations

import html
import weakref

import pyqtgraph as pg
from PySide6 import QtGui

from landscape_gui.qt.views.settle import fit_to_view

MIN_POINT_SIZE = 7.0
SIDE_MARGIN = 16  # pixels the title keeps clear of the widget's edges


def fit_title(
    plot: pg.PlotItem,
    parts: list[tuple[str, str]],
    color: str,
    point_size: float,
    width: float,
    separator: str = " · ",
) -> float:
    """Show ``parts`` (each (rich text, plain text)) as the plot's title in a plot widget
    ``width`` pixels wide; returns the point size used. An empty list hides the title row.

    The title row spans only the data column, so the axes' and colour bar's widths come off.
    Asked again for the same title in the same room, it does nothing: laying a title out
    costs a millisecond or two, and a new landscape asks for each one several times.
    """
    beside = max(plot.width() - plot.getViewBox().width(), 0.0)
    asked = (tuple(parts), color, point_size, width, beside, separator)
    fitted = _FITTED.get(plot)
    if fitted is not None and fitted[0] == asked:
        return fitted[1]
    size = _fit(plot, parts, color, point_size, width - beside, separator)
    _refit_to_view(plot)
    # Laying the title out may change the room beside it (the axes'); remember the room after.
    beside = max(plot.width() - plot.getViewBox().width(), 0.0)
    _FITTED[plot] = ((tuple(parts), color, point_size, width, beside, separator), size)
    return size


def _refit_to_view(plot: pg.PlotItem) -> None:
    # A plot cannot be narrower than its title: one resized while its old, wider title was
    # up stays wider than its widget until given the widget's area again.
    view = plot.getViewWidget()
    if view is not None and getattr(view, "centralWidget", None) is plot:
        fit_to_view(view)


# The last title each plot was given and the point size it got (weak: a plot may go).
_FITTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fit(
    plot: pg.PlotItem,
    parts: list[tuple[str, str]],
    color: str,
    point_size: float,
    width: float,
    separator: str,
) -> float:
    if not parts:
        plot.setTitle(None)
        return point_size
    room = max(width - SIDE_MARGIN, 40)
    size = point_size
    while True:
        font = QtGui.QFont()
        font.setPointSizeF(size)
        metrics = QtGui.QFontMetricsF(font)
        widest = max(metrics.horizontalAdvance(plain) for _rich, plain in parts)
        if widest <= room or size <= MIN_POINT_SIZE:
            break
        size = max(MIN_POINT_SIZE, size - 0.5)
    lines: list[list[tuple[str, str]]] = [[]]
    for part in parts:
        trial = separator.join(p for _r, p in [*lines[-1], part])
        if lines[-1] and metrics.horizontalAdvance(trial) > room:
            lines.append([part])
        else:
            lines[-1].append(part)
    rich_separator = (
        html.escape(separator).replace(" ", "&nbsp;")
        if separator.strip()
        else ("&nbsp;" * len(separator))
    )
    text = "<br>".join(rich_separator.join(r for r, _p in line) for line in lines)
    plot.setTitle(text, color=color, size=f"{size:.1f}pt")
    label = plot.titleLabel
    height = label.itemRect().height()
    label.setMinimumHeight(height)
    label.setMaximumHeight(height)
    plot.layout.setRowFixedHeight(0, height)
    # A title that grew a line must move the plot down now, not at some later resize.
    label.updateGeometry()
    plot.layout.invalidate()
    plot.layout.activate()
    return size


def plain_part(text: str) -> tuple[str, str]:
    """A title part with no markup of its own."""
    return html.escape(text), text


def show_plain_numbers(axis: pg.AxisItem) -> None:
    """Make ``axis`` label its ticks with the plotted values themselves, never scaled by an SI
    prefix. ``enableAutoSIPrefix(False)`` alone is not enough (pyqtgraph 0.13-0.14): it still
    works out a prefix for the current range when the axis has a label, keeps its scale, and
    drops the prefix from the label, so values within ±0.8 read as -800..800 with no "m"."""
    axis.enableAutoSIPrefix(False)
    axis.autoSIPrefixScale = 1.0
    axis.labelUnitPrefix = ""
    axis.picture = None  # the cached tick labels were drawn with the old scale
    axis.update()
