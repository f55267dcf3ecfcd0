"""Plots are settled before the window paints, so one paint shows them finished.

pyqtgraph sizes an axis to its tick labels while painting it; a plot whose labels grew was
then laid out and painted again, and on a window with an OpenGL view each paint composes the
whole window. ``PlotSettler`` does that work first: painting afterwards changes nothing.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication

from landscape_gui.qt.views.settle import PlotSettler


def _plot_with_wider_labels(qtbot) -> tuple[pg.PlotWidget, pg.AxisItem]:
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    widget.plot([0.0, 1.0], [0.0, 1.0])
    widget.repaint()  # painted with labels like "0.4"
    widget.plot([0.0, 1.0], [-123456.0, 987654.0])  # labels like "-200000" need more room
    return widget, widget.getPlotItem().getAxis("left")


def test_painting_a_settled_plot_changes_no_axis(qtbot):
    widget, axis = _plot_with_wider_labels(qtbot)
    PlotSettler([widget]).settle()
    picture, width = axis.picture, axis.width()
    assert picture is not None
    widget.repaint()
    for _ in range(5):  # the layouts a resized axis would have asked for, had it resized
        QApplication.processEvents()
    assert axis.picture is picture  # the paint used the settled picture, drew none anew
    assert axis.width() == width


def test_without_settling_the_paint_resizes_the_axis(qtbot):
    """The reason for settling: left to paint, the same change resizes the axis in paint,
    which costs another layout and another paint of the window."""
    widget, axis = _plot_with_wider_labels(qtbot)
    width = axis.width()
    widget.repaint()
    qtbot.waitUntil(lambda: axis.width() > width, timeout=3000)
