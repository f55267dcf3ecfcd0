"""Open the real window on whatever X screen DISPLAY names, walk it through the lesson in normal
and presentation mode, and report from the widgets themselves what a projector would cut.

Run by tests/qt/test_layout.py in a subprocess, one per screen size (each on its own Xvfb); also
handy by hand:

    Xvfb :7 -screen 0 1280x720x24 +extension GLX +render -noreset &
    DISPLAY=:7 .venv/bin/python tests/qt/layout_probe.py --shots /tmp/shots

Prints one JSON object: the screen, and for each scene (mode + lesson stage) the problems found
(empty when the layout is sound) and a few measurements. Nothing here judges by eye: every check
compares a size a widget needs with the size it got.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time

STARTED = time.monotonic()
MIN_CONTOUR_DATA = (200, 180)  # the contour map's data area, in logical pixels
MIN_SLICE_DATA = (110, 70)  # each slice's and the fan's data area
# Projected type: the step counter and caption at least 1/36 of the screen height, body text
# (the formula, arithmetic, slice titles) at least 1/48.
HEADLINE_SHARE = 1 / 36
BODY_SHARE = 1 / 48
# Presentation mode's lesson column: at most this share of its height left empty under its last
# widget (it was 35 % at 1920 x 1080 when the column had a fixed share of the width).
MAX_SIDE_UNUSED = 0.25
# The 3D box fills its picture: its projected bounding rectangle covers at least MIN_BOX_FILL of
# the view's width or height, and with its labels at least MIN_DRAWING_FILL (a fixed field of
# view covered 73 % of the width, about 80 % with the labels, leaving white all round).
MIN_BOX_FILL = 0.7
MIN_DRAWING_FILL = 0.9


def _rect_text(rect) -> str:
    return f"{rect.x():.0f},{rect.y():.0f} {rect.width():.0f}x{rect.height():.0f}"


def _name(widget) -> str:
    parts = []
    while widget is not None and len(parts) < 4:
        label = widget.objectName() or type(widget).__name__
        text = getattr(widget, "text", None)
        if callable(text) and not parts:
            with contextlib.suppress(TypeError):
                label += f"[{str(text())[:40]!r}]"
        parts.append(label)
        widget = widget.parentWidget()
    return "/".join(reversed(parts))


def _clip_in_window(widget, window, scroll_ok: bool):
    """The part of widget's rect its ancestors let show, in window coordinates; and whether a
    scroll area did the clipping (below the fold, which only normal mode may have)."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QAbstractScrollArea

    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    visible = QRect(rect)
    by_scroll = False
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        parent_rect = QRect(parent.mapTo(window, QPoint(0, 0)), parent.size())
        clipped = visible.intersected(parent_rect)
        if clipped != visible:
            grand = parent.parentWidget()
            sideways = visible.left() < parent_rect.left() or visible.right() > parent_rect.right()
            # A scroll area may hide what is below the fold, never what is beside it.
            if isinstance(grand, QAbstractScrollArea) and parent is grand.viewport():
                by_scroll = by_scroll or not sideways
        visible = clipped
        parent = parent.parentWidget()
    visible = visible.intersected(window.rect())
    return rect, visible, by_scroll


def widget_problems(window, presenting: bool) -> list[str]:
    """Labels, buttons and group titles: text that needs more room than it got, or that an
    ancestor cuts."""
    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel

    problems = []
    for widget in (
        window.findChildren(QLabel)
        + window.findChildren(QAbstractButton)
        + (window.findChildren(QGroupBox))
    ):
        if not widget.isVisible() or widget.window() is not window:
            continue
        if widget is window.overlay or window.overlay.isAncestorOf(widget):
            continue  # measured separately, when it is open
        text = widget.title() if isinstance(widget, QGroupBox) else widget.text()
        if not text:
            continue
        metrics = widget.fontMetrics()
        if isinstance(widget, QLabel):
            if widget.wordWrap():
                needed_h = widget.heightForWidth(widget.width())
                if needed_h > widget.height() + 1:
                    problems.append(
                        f"{_name(widget)}: wrapped text needs {needed_h} px high, has "
                        f"{widget.height()}"
                    )
                longest = max(
                    (metrics.horizontalAdvance(w) for w in _plain(text).split()), default=0
                )
                if longest > widget.contentsRect().width() + 1:
                    problems.append(
                        f"{_name(widget)}: a word needs {longest} px, has "
                        f"{widget.contentsRect().width()}"
                    )
            else:
                hint = widget.minimumSizeHint()
                if hint.width() > widget.width() + 1 or hint.height() > widget.height() + 1:
                    problems.append(
                        f"{_name(widget)}: needs {hint.width()}x{hint.height()}, has "
                        f"{widget.width()}x{widget.height()}"
                    )
        elif isinstance(widget, QAbstractButton):
            needed = metrics.horizontalAdvance(text.replace("&", ""))
            if not widget.icon().isNull():
                needed += widget.iconSize().width()
            if needed > widget.width():
                problems.append(f"{_name(widget)}: text needs {needed} px, has {widget.width()}")
        else:
            needed = metrics.horizontalAdvance(text.replace("&", "")) + 8
            if needed > widget.width():
                problems.append(f"{_name(widget)}: title needs {needed} px, has {widget.width()}")
        rect, visible, by_scroll = _clip_in_window(widget, window, presenting)
        if visible != rect and not (by_scroll and not presenting):
            where = "below the fold" if by_scroll else "cut by its container"
            problems.append(
                f"{_name(widget)}: {where}: shows {_rect_text(visible)} of {_rect_text(rect)}"
            )
    return problems


def overlay_problems(window) -> list[str]:
    """The F1 overlay, open: every row whole and inside the window."""
    from PySide6.QtWidgets import QLabel

    overlay = window.overlay
    problems = []
    labels = [w for w in overlay.findChildren(QLabel) if w.isVisible() and w.text()]
    if len(labels) < len(overlay.rows):
        problems.append(f"overlay: {len(labels)} labels for {len(overlay.rows)} rows")
    for label in labels:
        hint = label.minimumSizeHint()
        if hint.width() > label.width() + 1 or hint.height() > label.height() + 1:
            problems.append(
                f"overlay {label.text()!r}: needs {hint.width()}x{hint.height()}, has "
                f"{label.width()}x{label.height()}"
            )
        rect, visible, _ = _clip_in_window(label, window, False)
        if visible != rect:
            problems.append(
                f"overlay {label.text()!r}: cut: {_rect_text(visible)} of {_rect_text(rect)}"
            )
    return problems


def _plain(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", text)


def _text_rect_in_view(item, view):
    """An item's scene rectangle and the plot widget's visible scene rectangle."""
    from PySide6.QtCore import QRectF

    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    rect = item.sceneBoundingRect()
    document = getattr(item, "document", None)
    if callable(document):  # a text item's frame has an empty margin around the text
        margin = document().documentMargin() * item.sceneTransform().m11()
        margin = abs(margin) or abs(document().documentMargin() * item.sceneTransform().m12())
        rect = rect.adjusted(margin, margin, -margin, -margin)
    return rect, QRectF(shown)


def plot_problems(name: str, plot, widget, data_minimum, texts_extra=()) -> list[str]:
    """A pyqtgraph plot: its title, axis labels and extra texts inside the widget, not
    overlapping each other, and a data area of at least data_minimum."""
    problems = []
    if not widget.isVisible():
        return problems
    view_box = plot.getViewBox()
    data = view_box.sceneBoundingRect()
    shown = widget.mapToScene(widget.viewport().rect()).boundingRect()
    if not shown.adjusted(-1, -1, 1, 1).contains(data):
        problems.append(f"{name}: data area {_rect_text(data)} leaves the widget")
    if data.width() < data_minimum[0] or data.height() < data_minimum[1]:
        problems.append(
            f"{name}: data area {data.width():.0f}x{data.height():.0f} px, under "
            f"{data_minimum[0]}x{data_minimum[1]}"
        )
    items = []
    title = plot.titleLabel
    if title.isVisible() and title.text:
        items.append(("title", title.item))
    for axis_name in ("left", "bottom"):
        axis = plot.getAxis(axis_name)
        if axis.isVisible() and axis.label.isVisible() and axis.labelText:
            items.append((f"{axis_name} axis label", axis.label))
            if axis.autoSIPrefix:
                problems.append(f"{name}: {axis_name} axis may rescale its units (SI prefix)")
    items.extend(texts_extra)
    rects = []
    for label, item in items:
        rect, shown = _text_rect_in_view(item, widget)
        if not shown.adjusted(-1, -1, 1, 1).contains(rect):
            problems.append(
                f"{name}: {label} {_rect_text(rect)} leaves the widget {_rect_text(shown)}"
            )
        rects.append((label, rect))
    for i, (label_a, a) in enumerate(rects):
        for label_b, b in rects[i + 1 :]:
            overlap = a.intersected(b)
            if overlap.width() > 2 and overlap.height() > 2:
                problems.append(f"{name}: {label_a} overlaps {label_b}")
    title_rect = dict(rects).get("title")
    if title_rect is not None:
        cover = title_rect.intersected(data)
        if cover.width() > 2 and cover.height() > 2:
            problems.append(f"{name}: the title covers the data area")
    return problems


def scene_report(window, presenting: bool) -> dict:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QWidget

    views = window.views
    controller = window.controller
    screen = window.screen()
    problems: list[str] = []
    available = screen.geometry() if presenting else screen.availableGeometry()
    frame = window.frameGeometry()
    if not available.contains(frame):
        problems.append(
            f"window {_rect_text(frame)} is not inside the screen {_rect_text(available)}"
        )
    problems += widget_problems(window, presenting)

    # The contour map: data area, probe in view, the legend off the data.
    contour = views.contour
    x, y = controller.state.probe
    plot = contour.export_item()
    extra = []
    if not contour.plot_widget().isVisible():
        problems.append("contour map: not shown (its data area is not on screen at all)")
    problems += plot_problems("contour map", plot, contour.plot_widget(), MIN_CONTOUR_DATA, extra)
    (x0, x1), (y0, y1) = contour.view_box.viewRange()
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        problems.append(f"contour map: the probe ({x}, {y}) is outside the view")
    # (The legend is the plot's title row, checked above: inside the widget, off the data.)
    probe_scene = contour.view_box.mapViewToScene(_point(x, y))
    for label, item in extra:
        if item.sceneBoundingRect().contains(probe_scene):
            problems.append(f"contour map: the {label} covers the probe")
    bar_axis = contour.color_bar.axis
    if not _tick_strings(bar_axis):
        problems.append("contour map: the colour bar has no numbers")

    # The slices and the fan: the probe on each slice, the whole circle on the fan.
    slices = views.slices
    if slices.isVisible():
        x_plot, y_plot, fan = slices.plot_items()
        r = controller.landscape.at(x, y)
        for name, item, t0 in (("x slice", x_plot, x), ("y slice", y_plot, y)):
            widget = item.getViewWidget()
            if not widget.isVisible():
                continue
            problems += plot_problems(name, item, widget, MIN_SLICE_DATA)
            (a0, a1), (b0, b1) = item.getViewBox().viewRange()
            if not (a0 <= t0 <= a1 and b0 <= r.f <= b1):
                problems.append(
                    f"{name}: the probe ({t0:g}, f = {r.f:g}) is outside the view "
                    f"[{a0:g}, {a1:g}] x [{b0:g}, {b1:g}]"
                )
        problems += plot_problems("fan", fan, fan.getViewWidget(), MIN_SLICE_DATA)
        (a0, a1), _ = fan.getViewBox().viewRange()
        if fan.getViewWidget().isVisible() and not (a0 <= 0.0 and a1 >= 360.0):
            problems.append(f"fan: shows {a0:.0f}..{a1:.0f} degrees, not all of 0..360")

    # The 3D view's labels: inside the view and apart.
    surface = views.surface
    rects = surface.label_rects()
    bounds = _rectf(0, 0, surface.width(), surface.height())
    for i, (text, rect) in enumerate(rects):
        if not bounds.contains(rect):
            problems.append(f"3D view: label {text!r} {_rect_text(rect)} leaves the view")
        for other, rect_b in rects[i + 1 :]:
            overlap = rect.intersected(rect_b)
            if overlap.width() > 1 and overlap.height() > 1:
                problems.append(f"3D view: labels {text!r} and {other!r} overlap")
    if surface.width() < 240 or surface.height() < 180:
        problems.append(f"3D view: {surface.width()}x{surface.height()} px is too small")
    fill = surface.box_fill()
    drawing = surface.box_fill(with_labels=True)
    for what, share, least in (("box", fill, MIN_BOX_FILL), ("drawing", drawing, MIN_DRAWING_FILL)):
        if max(share) < least:
            problems.append(
                f"3D view: the {what} covers {share[0]:.0%} of the width and {share[1]:.0%} of "
                f"the height, under {least:.0%} of either"
            )

    measures = {
        "window": _rect_text(frame),
        "screen": _rect_text(available),
        "side_panel_width": window.side_panel.width() if window.side_panel.isVisible() else 0,
        "contour_data": _rect_text(contour.view_box.sceneBoundingRect()),
        "app_font_px": QApplication.font().pixelSize(),
        "box_fill": [round(v, 3) for v in fill],
        "drawing_fill": [round(v, 3) for v in drawing],
        "surface": f"{surface.width()}x{surface.height()}",
    }
    if presenting:
        height = screen.geometry().height()
        for label, widget, share in (
            ("step counter", views.descent.step_counter, HEADLINE_SHARE),
            ("caption", views.caption.label, HEADLINE_SHARE),
            ("arithmetic", views.descent.arithmetic, BODY_SHARE),
            ("formula", views.formula.formula_edit, BODY_SHARE),
        ):
            px = widget.fontInfo().pixelSize()
            measures[f"{label}_px"] = px
            if px < height * share:
                problems.append(f"{label}: {px} px type is small for a {height} px projector")
        if window.side_panel.isVisible():
            bar = window.side_panel.verticalScrollBar()
            if bar.maximum() > 0:
                problems.append("side panel: needs scrolling in presentation mode")
            content = window.side_panel.widget()
            used = content.sizeHint().height()
            viewport = window.side_panel.viewport().height()
            measures["side_panel_used"] = f"{used}/{viewport}"
            # The empty block under the lesson: from the last shown widget's bottom down.
            bottom = max(
                (
                    child.geometry().bottom() + 1
                    for child in content.findChildren(
                        QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
                    )
                    if child.isVisible()
                ),
                default=0,
            )
            unused = max(viewport - bottom, 0) / max(viewport, 1)
            measures["side_panel_unused"] = round(unused, 3)
            if unused > MAX_SIDE_UNUSED:
                problems.append(
                    f"side panel: {unused:.0%} of its height is empty under the lesson, over "
                    f"{MAX_SIDE_UNUSED:.0%}"
                )
    return {"problems": problems, "measures": measures}


def _tick_strings(axis) -> list[str]:
    low, high = axis.range
    size = axis.height() if axis.orientation in ("left", "right") else axis.width()
    strings = []
    for spacing, values in axis.tickValues(min(low, high), max(low, high), size):
        strings += [s for s in axis.tickStrings(values, axis.scale, spacing) if s]
    return strings


def _point(x, y):
    from PySide6.QtCore import QPointF

    return QPointF(float(x), float(y))


def _rectf(x, y, w, h):
    from PySide6.QtCore import QRectF

    return QRectF(x, y, w, h)


def splits_of(window) -> list[list[int]]:
    return [s.sizes() for s in (window.splitter, window.maps_splitter, window.center_splitter)]


def fonts_of(window) -> dict[str, str]:
    """Every widget's font, keyed by the widget (its place among siblings may change)."""
    from PySide6.QtWidgets import QWidget

    return {
        f"{_name(w)}@{id(w):x}": w.font().toString()
        for w in window.findChildren(QWidget)
        if not window.overlay.isAncestorOf(w)  # its rows are rebuilt for each size
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shots", help="folder for PNG screenshots of each scene")
    parser.add_argument(
        "--seed-geometry",
        help="WxH: before opening, remember a window of this size as an old version would",
    )
    parser.add_argument(
        "--stages", default="4,5", help="lesson stages to show in normal mode (1-based)"
    )
    parser.add_argument(
        "--presentation-stages", default="3,4,5", help="lesson stages to show when presenting"
    )
    args = parser.parse_args()

    from landscape_gui.qt.app import create_application
    from landscape_gui.qt.export import wait_until

    app = create_application()
    from PySide6.QtCore import QByteArray, QEvent
    from PySide6.QtWidgets import QMainWindow

    from landscape_gui.qt.main_window import MainWindow
    from landscape_gui.qt.settings import app_settings

    settings = app_settings()
    settings.clear()
    # Layout does not depend on the grid; a coarser one keeps software GL quick on a 4K screen.
    settings.setValue("view/resolution", 100)
    if args.seed_geometry:
        width, height = (int(v) for v in args.seed_geometry.split("x"))
        old = QMainWindow()
        old.setGeometry(40, 40, width, height)
        settings.setValue("window/geometry", QByteArray(old.saveGeometry()))
        settings.sync()
        old.deleteLater()

    window = MainWindow(prompt_unsaved=False)
    window.show()
    controller = window.controller
    runs = controller.runs
    ok = wait_until(lambda: window.isVisible() and not runs.waiting_for_steps(), 20)
    report: dict = {
        "screen": _rect_text(window.screen().geometry()),
        "available": _rect_text(window.screen().availableGeometry()),
        "dpr": window.devicePixelRatioF(),
        "scenes": {},
        "errors": [] if ok else ["the window did not start"],
    }

    def settle(predicate=lambda: True, seconds=10.0) -> None:
        if not wait_until(predicate, seconds):
            report["errors"].append("timed out waiting for the window to settle")
        # Layout changes posted by resizes (splitters, wrapped labels) take a few turns; the
        # posted layout requests first, without painting (a 4K repaint is slow in software).
        for _ in range(3):
            for _ in range(4):
                app.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            app.processEvents()

    def show_stage(number: int) -> None:
        stage_index = number - 1
        controller.show_lesson_stage(stage_index)
        settle(
            lambda: (
                controller.lesson_index == stage_index
                and controller.landscape is not None
                and not runs.waiting_for_steps()
            )
        )
        if number == 5:
            runs.step(3)
            settle(lambda: runs.cursor >= 3)
        # The exact solve comes after the derivatives and changes the critical points' note.
        settle(lambda: controller.analysis is not None and not controller.solving)

    def shoot(name: str) -> None:
        if args.shots:
            os.makedirs(args.shots, exist_ok=True)
            window.grab().save(os.path.join(args.shots, f"{name}.png"))

    geometry_before = None
    fonts_before = None
    for presenting in (False, True):
        if presenting:
            geometry_before = window.geometry()
            fonts_before = fonts_of(window)
            splits_before = splits_of(window)
            window.set_presentation(True)
            settle(lambda: window.is_presenting())
            settle(lambda: window.geometry() == window.screen().geometry(), 3)
        chosen = args.presentation_stages if presenting else args.stages
        for number in [int(s) for s in chosen.split(",") if s]:
            show_stage(number)
            name = f"{'presentation' if presenting else 'normal'}-stage{number}"
            report["scenes"][name] = scene_report(window, presenting)
            shoot(name)
            if number == 5:  # the keys, over the last stage
                window.show_shortcuts()
                settle()
                report["scenes"][name]["problems"] += overlay_problems(window)
                shoot(f"{name}-keys")
                window.overlay.hide()
            report.setdefault("seconds", {})[name] = round(time.monotonic() - STARTED, 1)
    # Leaving presentation mode puts everything back as it was, fonts included.
    window.set_presentation(False)
    settle()
    restore = []
    if window.geometry() != geometry_before:
        restore.append(
            f"geometry {_rect_text(window.geometry())} is not {_rect_text(geometry_before)}"
        )
    if splits_of(window) != splits_before:
        restore.append(f"panel sizes {splits_of(window)} are not {splits_before}")
    fonts_after = fonts_of(window)
    # A widget that is gone has no font to restore: the plain-text stand-ins for the
    # mathematics are replaced by the typeset pictures when the analysis arrives.
    changed = [k for k in fonts_before if k in fonts_after and fonts_after[k] != fonts_before[k]]
    if changed:
        restore.append(
            "fonts not restored: "
            + "; ".join(f"{k}: {fonts_before[k]} -> {fonts_after.get(k)}" for k in changed[:4])
        )
    after = scene_report(window, False)
    report["scenes"]["normal-after-presentation"] = {
        "problems": restore + after["problems"],
        "measures": after["measures"],
    }
    shoot("normal-after-presentation")
    window.close()
    app.processEvents()
    from landscape_gui.qt import worker

    # As the app does at exit: a worker still finishing (an analysis, a Lagrange solve) is
    # waited for, so Python never destroys its thread while it runs.
    worker.wait_for_abandoned(60_000)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    if "--here" not in sys.argv:
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    math.isfinite(0.0)
    sys.exit(main())
