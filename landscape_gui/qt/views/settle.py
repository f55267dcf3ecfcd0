"""Settle the window's pyqtgraph plots before it paints, so one paint shows them finished.

pyqtgraph works part of a plot's layout out while painting it: an axis whose new tick labels
are wider or taller than before resizes itself in ``paint``, its plot lays out again, and
the window paints once more; each plot does this in turn. A window holding an OpenGL view
composes the whole window through OpenGL on every paint (20 to 30 ms each on Mesa's
software renderer), so one new landscape was painted up to a dozen times in a row while the
event loop waited: 7 to 12 window updates in each of the longest stalls. Settled first
(auto-ranges, axis pictures and the layouts they change), it is painted once or twice.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtGui
from PySide6.QtCore import QCoreApplication, QEvent

MAX_ROUNDS = 4  # an axis resized, its plot laid out, its range changed, its axis redrawn


class PlotSettler:
    """Settles a window's plots; their axes are found once, as looking through every item
    of every scene before each paint (60 times a second while a run plays) would cost more
    than it saves. An axis made later is painted as pyqtgraph does, just not settled."""

    def __init__(self, views: list[pg.GraphicsView]) -> None:
        self.views = views
        self.axes = [
            item for view in views for item in view.scene().items() if isinstance(item, pg.AxisItem)
        ]

    def settle(self) -> None:
        """Do now what painting the plots would otherwise discover and paint again for."""
        # (Views whose paint is held back are settled when it is released.)
        views = [view for view in self.views if view.isVisible() and view.updatesEnabled()]
        held = {view.scene() for view in self.views if not view.updatesEnabled()}
        self._hand_changes_to_views(views)
        if any([fit_to_view(view) for view in views]):  # noqa: C419 (every view is fitted)
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        for _ in range(MAX_ROUNDS):
            for view in views:
                view.scene().prepareForPaint()  # auto-ranges, as GraphicsView.paintEvent does
            stale = [
                axis
                for axis in self.axes
                if axis.picture is None and axis.isVisible() and axis.scene() not in held
            ]
            if not stale:
                break
            for axis in stale:
                _draw_axis_picture(axis)
            # An axis that needs more room asked for a new layout: lay out now, not after
            # the paint.
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        # Preparing moved the plots' contents (a view box's new range is its children's new
        # transform): their changes join this paint instead of asking for a second one.
        self._hand_changes_to_views(views)

    @staticmethod
    def _hand_changes_to_views(views: list[pg.GraphicsView]) -> None:
        # A scene hands its changed items to its view in a queued call of its own; each one
        # arriving after this paint would be one more paint of the plot.
        for view in views:
            QCoreApplication.sendPostedEvents(view.scene(), QEvent.Type.MetaCall)


def fit_to_view(view: pg.GraphicsView) -> bool:
    """Give a widget's plot the widget's whole area again. pyqtgraph sizes it only when the
    widget is resized, and a plot is never smaller than its minimum (its title, its axes):
    one resized while its minimum was larger stayed larger than its widget once the minimum
    shrank (the fan and the colour bar cut at their right edges at 1024 x 768)."""
    plot = getattr(view, "centralWidget", None)
    if plot is None or plot.geometry() == view.range:
        return False
    plot.setGeometry(view.range)
    return True


def _draw_axis_picture(axis: pg.AxisItem) -> None:
    """What AxisItem.paint does first when its picture is out of date (pyqtgraph 0.13-0.14):
    draw ticks and labels into a QPicture, sizing the axis to its labels on the way."""
    picture = QtGui.QPicture()
    painter = QtGui.QPainter(picture)
    try:
        if axis.style["tickFont"]:
            painter.setFont(axis.style["tickFont"])
        specs = axis.generateDrawSpecs(painter)
        if specs is not None:
            axis.drawPicture(painter, *specs)
    finally:
        painter.end()
    axis.picture = picture
