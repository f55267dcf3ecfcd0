"""Plots are settled before the window paints, so one paint shows them finished.

pyqtgraph sizes an axis to its tick labels while painting it; a plot whose labels grew was
then laid out and painted again, and on a window with an OpenGL view each paint composes the
whole window. ``PlotSettler`` does that work first: painting afterwards changes nothing.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from landscape_gui.qt.views.settle import PlotSettler
from tests.qt.conftest import shown_plot_widget


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


class _SettleBeforePaint(QObject):
    """What the main window does: settle its plots when it is about to paint; and count the
    plot's paints."""

    def __init__(self, widget: pg.PlotWidget) -> None:
        super().__init__()
        self.settler = PlotSettler([widget])
        self.viewport = widget.viewport()
        self.paints = 0

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.UpdateRequest:
            self.settler.settle()
        elif event.type() == QEvent.Type.Paint and watched is self.viewport:
            self.paints += 1
        return False


def test_a_new_range_is_painted_once(qtbot):
    """Settling moves a plot's contents to its new range (the view box's matrix): the scene
    reports that move in a queued call, which must join the paint it was settled for. Left
    to arrive after it, it painted the plot a second time (a 20-35 ms paint of the map per
    landscape on Mesa's software renderer)."""
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    curve = widget.plot(np.linspace(0, 1, 500), np.sin(np.linspace(0, 9, 500)))
    watcher = _SettleBeforePaint(widget)
    widget.installEventFilter(watcher)
    widget.viewport().installEventFilter(watcher)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(200)
    watcher.paints = 0
    curve.setData(np.linspace(5, 8, 500), np.cos(np.linspace(0, 9, 500)))  # a new range
    qtbot.waitUntil(lambda: watcher.paints > 0, timeout=3000)
    qtbot.wait(300)  # any paint that follows
    assert watcher.paints == 1


def test_a_settled_plot_fills_its_widget_and_no_more(qtbot):
    """A plot resized while its minimum was larger than its widget (a wider title, wider
    axes) stayed larger once the minimum shrank: the colour bar and the fan were cut at
    their right edges at 1024 x 768. Settling gives it its widget's area again."""
    widget, plot = shown_plot_widget(qtbot, 400, 300)
    plot.setMinimumWidth(600)  # say, a long title
    widget.resize(380, 300)
    qtbot.waitUntil(lambda: widget.width() == 380)
    plot.setMinimumWidth(0)  # the title fitted: the minimum is small again
    QApplication.processEvents()
    assert plot.geometry().width() >= 600  # pyqtgraph leaves it so until the next resize
    PlotSettler([widget]).settle()
    assert plot.geometry().width() == 380
