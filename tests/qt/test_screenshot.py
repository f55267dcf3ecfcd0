"""`landscape screenshot` opens the real window and saves a picture in which both the 3D view
and the contour map are actually drawn."""

import os
import subprocess
import sys

import numpy as np
from PySide6.QtGui import QImage


def image_array(path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * height)
    # Copy: the QImage owns the memory and is freed when this function returns.
    return (
        data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3).copy()
    )


def colourful_fraction(region: np.ndarray) -> float:
    """Share of pixels that are clearly coloured (not white, grey or black)."""
    spread = region.max(axis=2).astype(int) - region.min(axis=2).astype(int)
    return float(np.mean(spread > 40))


def test_screenshot_draws_both_views(tmp_path, qapp):
    out = tmp_path / "shot.png"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "landscape_gui",
            "screenshot",
            "-f",
            "x^2+3xy+y^2",
            "--start",
            "1",
            "0.5",
            "--steps",
            "5",
            "--lr",
            "0.05",
            "--size",
            "1400",
            "900",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    pixels = image_array(out)
    assert pixels.shape == (900, 1400, 3)
    height, width, _ = pixels.shape
    surface = pixels[int(0.15 * height) : int(0.65 * height), int(0.3 * width) : int(0.58 * width)]
    contour = pixels[int(0.15 * height) : int(0.65 * height), int(0.66 * width) : int(0.9 * width)]
    # The landscape is coloured by height: a drawn view is mostly colour, a blank one is not.
    assert colourful_fraction(surface) > 0.1  # the surface fills part of its view
    assert colourful_fraction(contour) > 0.5
    assert len(np.unique(surface.reshape(-1, 3), axis=0)) > 500


def test_screenshot_bad_input_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "landscape_gui", "screenshot", "-f", "x^^2", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert result.returncode == 2
    assert "bad formula" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_presentation_screenshot_is_the_whole_screen(tmp_path, qapp):
    """--presentation shows what a projector shows: the window full screen, whatever --size."""
    out = tmp_path / "projector.png"
    command = [sys.executable, "-m", "landscape_gui", "screenshot", "-f", "x^2 + y^2"]
    command += ["--start", "3", "4", "--size", "700", "500", "--presentation", "-o", str(out)]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stderr
    screen = qapp.primaryScreen().geometry()
    ratio = qapp.primaryScreen().devicePixelRatio()
    pixels = image_array(out)
    assert pixels.shape[:2] == (round(screen.height() * ratio), round(screen.width() * ratio))
    assert colourful_fraction(pixels) > 0.1  # the views are drawn, not an empty frame


def _spy_on_typesetting(monkeypatch, after=None) -> list[str]:
    """Records where each formula's derivatives are worked out and typeset: "helper" (sent to
    the quick helper process) or "here" (in the analysis worker's thread). ``after`` is
    called when each has been worked out."""
    from landscape_gui.core import calculus, timebound
    from landscape_gui.qt import typeset

    typeset_for: list[str] = []
    analyse_original = calculus.analyse_derivatives
    call_original = timebound.quick_helper.call

    def here_spy(expr, *args, **kwargs):
        typeset_for.append("here")
        try:
            return analyse_original(expr, *args, **kwargs)
        finally:
            if after:
                after()

    def helper_spy(function, args, seconds):
        if function is not typeset.derivatives_and_pictures:  # the helper's warm-up
            return call_original(function, args, seconds)
        typeset_for.append("helper")
        try:
            return call_original(function, args, seconds)
        finally:
            if after:
                after()

    monkeypatch.setattr(calculus, "analyse_derivatives", here_spy)
    monkeypatch.setattr(timebound.quick_helper, "call", helper_spy)
    return typeset_for


def test_screenshot_compiles_and_typesets_its_formula_once(tmp_path, qapp, monkeypatch):
    """The command compiles the formula to check the input; the window takes that compiled
    formula (its worker only samples it), and the derivatives, asked for before the scene is
    drawn, are worked out and typeset once, not again when the scene arrives."""
    from landscape_gui.cli import main
    from landscape_gui.core.landscape import CompiledFormula

    compiled: list[str] = []
    compile_original = CompiledFormula.__init__

    def compile_spy(self, formula, *args, **kwargs):
        compiled.append(formula.text)
        compile_original(self, formula, *args, **kwargs)

    monkeypatch.setattr(CompiledFormula, "__init__", compile_spy)
    typeset_for = _spy_on_typesetting(monkeypatch)
    out = tmp_path / "once.png"
    formula = "x^2 + 3xy + y^2"
    code = main(["screenshot", "-f", formula, "--size", "1400", "900", "-o", str(out)])
    assert code == 0 and out.exists()
    assert compiled == [formula]
    # In the helper process the command started first thing, not beside the window's drawing.
    assert typeset_for == ["helper"]
    pixels = image_array(out)
    assert pixels.shape == (900, 1400, 3) and colourful_fraction(pixels) > 0.1


def test_derivatives_that_arrive_before_the_scene_wait_for_it(tmp_path, qapp, monkeypatch):
    """The derivatives are asked for before the scene is sampled; when they come back first
    (a slow grid), they are shown with the scene, not dropped and worked out again."""
    import threading

    from landscape_gui.cli import main
    from landscape_gui.qt import worker

    typeset_done = threading.Event()
    build_original = worker.build_scene
    typeset_for = _spy_on_typesetting(monkeypatch, after=typeset_done.set)

    def slow_scene(*args, **kwargs):
        typeset_done.wait(30)  # the analysis is answered before the scene
        return build_original(*args, **kwargs)

    monkeypatch.setattr(worker, "build_scene", slow_scene)
    out = tmp_path / "first.png"
    code = main(["screenshot", "-f", "x^2 + 3xy + y^2", "--size", "1400", "900", "-o", str(out)])
    assert code == 0 and out.exists()
    assert len(typeset_for) == 1


def test_a_picture_shows_the_layout_a_late_change_asked_for(qtbot):
    """A caption grown to two lines just before the grab was drawn with the window still
    laid out for one, its second line cut off (seen in `landscape screenshot` at 1024 x 768):
    a picture lays out what is waiting first, as the next turn of the event loop would."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from landscape_gui.qt.export import widget_image

    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    caption, below = QLabel("one line"), QLabel("below")
    layout.addWidget(caption)
    layout.addWidget(below)
    layout.addStretch(1)
    window.resize(300, 300)
    window.show()
    qtbot.waitExposed(window)
    before = below.y()
    caption.setText("one line\nand a second\nand a third")  # taller: a layout is asked for
    widget_image(window)
    assert below.y() >= before + 2 * caption.fontMetrics().height()
    assert below.y() >= caption.geometry().bottom()


def _tick_text_rects(axis):
    from PySide6.QtGui import QImage, QPainter

    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        if axis.style["tickFont"]:
            painter.setFont(axis.style["tickFont"])
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [rect for rect, _flags, _text in (specs[2] if specs else [])]


def test_a_picture_taken_at_once_shows_settled_axes(qtbot, window):
    """Right after a new landscape whose slices need wider tick labels (0.0001), a picture
    showed the slices' axes still narrow, their titles printed over the numbers (seen in
    `landscape screenshot` of exp(-(x^2+y^2)) in presentation mode): a picture settles the
    plots first, as a paint does."""
    from landscape_gui.qt.export import widget_image

    window.set_presentation(True)
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=10000):
        window.controller.set_formula("exp(-(x^2+y^2))")
    window.controller.set_probe(3.0, 3.0)
    widget_image(window)
    for plot in window.views.slices.plot_items()[:2]:
        axis = plot.getAxis("left")
        title = axis.label.mapRectToParent(axis.label.boundingRect())
        numbers = _tick_text_rects(axis)
        assert len(numbers) >= 2, "the axis has numbers"
        beside = [r for r in numbers if r.bottom() > title.top() and r.top() < title.bottom()]
        # The title (rotated, at the axis's left) ends before the numbers beside it begin.
        assert all(title.right() <= rect.left() + 2 for rect in beside), (title, beside)
