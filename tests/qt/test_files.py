"""Sessions and exports from the window: round trips, valid files, clean failures."""

import csv
import json
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage

from tests.qt.conftest import open_window


@pytest.fixture
def window(window):
    win = window
    errors = []
    win.files.show_error = lambda title, message: errors.append(message)
    win.errors = errors
    return win


def open_session(qtbot, window, path) -> bool:
    """Open a session through the window (read and checked off the GUI thread); True when
    it opened, False when it was refused."""
    with qtbot.waitSignal(window.files.openFinished, timeout=20000) as finished:
        window.files.open_path(str(path))
    return finished.args[0]


def answer_save_dialog(window, path):
    window.files.ask_save_path = lambda caption, file_filter, suggestion: str(path)


def not_blank(image: QImage) -> bool:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * height).copy()
    pixels = data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(-1, 3)
    return len(np.unique(pixels[:: max(1, len(pixels) // 20000)], axis=0)) > 200


def test_session_round_trip_restores_the_same_state(qtbot, window, tmp_path):
    controller = window.controller
    with qtbot.waitSignal(controller.landscapeChanged, timeout=5000):
        controller.set_formula("a x^2 + 3xy + y^2 + 1")
    controller.set_parameter("a", 2.5)
    controller.set_toggle("tangent_plane", True)
    controller.add_run()
    qtbot.waitUntil(
        lambda: (
            len(controller.runs.tracks) == 2 and all(len(t) > 3 for t in controller.runs.tracks)
        ),
        timeout=5000,
    )
    controller.runs.step(3)
    path = tmp_path / "lesson.landscape"
    answer_save_dialog(window, path)
    assert window.files.save_as() and path.exists()
    assert not window.isWindowModified()
    assert json.loads(path.read_text())["format_version"] == 2
    saved_state = controller.state.copy()
    saved_tracks = [t.x.copy() for t in controller.runs.tracks]
    contour_before = window.views.contour.grab().toImage()
    readout_before = {k: v.text() for k, v in window.views.readout.labels.items()}

    other = open_window(qtbot)
    assert open_session(qtbot, other, path)
    qtbot.waitUntil(lambda: other.controller.runs.cursor == 3, timeout=5000)
    state = other.controller.state
    saved_state.camera = state.camera  # the camera is compared separately below
    assert state == saved_state
    assert other.controller.runs.cursor == 3
    for run_track, xs in zip(other.controller.runs.tracks, saved_tracks, strict=True):
        assert np.array_equal(run_track.x[: len(xs)], xs)
    assert {k: v.text() for k, v in other.views.readout.labels.items()} == readout_before
    # The same picture once the new window's layout (the legend row above the map) settles.
    qtbot.waitUntil(lambda: other.views.contour.grab().toImage() == contour_before, timeout=5000)
    camera = json.loads(path.read_text())["camera"]
    assert other.views.surface.camera_state()["azimuth"] == pytest.approx(camera["azimuth"])
    # Stepping on continues the recorded run exactly where it was.
    other.controller.runs.step(1)
    assert other.controller.runs.cursor == 4


@pytest.mark.parametrize(
    "content",
    [
        "not json at all",
        '{"format_version": 1',
        "[]",
        '{"format_version": 99}',
        json.dumps({"format_version": 1, "formula": "__import__('os').system('x')"}),
    ],
)
def test_a_bad_session_file_leaves_the_session_untouched(qtbot, window, tmp_path, content):
    path = tmp_path / "bad.landscape"
    path.write_text(content)
    before = window.controller.state.copy()
    assert not open_session(qtbot, window, path)
    assert window.errors and "bad.landscape" in window.errors[0]
    assert window.controller.state == before


def test_window_png_at_1x_and_2x(window, tmp_path):
    path = tmp_path / "window.png"
    answer_save_dialog(window, path)
    window.files.export_window_png()
    image = QImage(str(path))
    ratio = window.devicePixelRatioF()
    assert (image.width(), image.height()) == (
        int(window.width() * ratio),
        int(window.height() * ratio),
    )
    assert not_blank(image)
    window.actions["export_scale_2x"].setChecked(True)
    window.files.export_window_png()
    image = QImage(str(path))
    assert image.width() == int(window.width() * ratio * 2)
    assert not_blank(image)
    window.actions["export_scale_2x"].setChecked(False)


def test_3d_view_png_comes_from_the_framebuffer(window, tmp_path):
    path = tmp_path / "surface.png"
    answer_save_dialog(window, path)
    window.files.export_surface_png()
    image = QImage(str(path))
    assert image.width() > 200 and not_blank(image)


def _rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, stride * height).copy()
    return data.reshape(height, stride)[:, : width * 3].reshape(height, width, 3)


def _pixels_near(region: np.ndarray, color: str, tolerance: int = 24) -> int:
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(region.astype(int) - rgb) <= tolerance).all(axis=-1).sum())


def test_a_race_exports_with_its_run_legend(qtbot, window, tmp_path):
    """With two runs, the 3D PNG and the window PNG name each run in its colour above the
    3D picture: the legend's rows hold both run colours, and the 3D picture is still whole."""
    from landscape_gui.qt.views.palette import run_color

    controller = window.controller
    controller.add_run()
    qtbot.waitUntil(lambda: window.views.surface.run_legend.isVisible(), timeout=5000)
    surface = window.views.surface
    legend_height = surface.run_legend.height()
    assert legend_height > 0
    colors = [run_color(0), run_color(1)]
    assert colors[0] != colors[1]

    path = tmp_path / "race-3d.png"
    answer_save_dialog(window, path)
    window.files.export_surface_png()
    exported = _rgb(QImage(str(path)))
    ratio = surface.devicePixelRatioF()
    frame = surface.grab_image()
    assert exported.shape[1] == frame.width()
    assert exported.shape[0] == frame.height() + round(legend_height * ratio)
    legend_rows = exported[: round(legend_height * ratio)]
    for color in colors:
        assert _pixels_near(legend_rows, color) > 20, color
    # One run: no legend, the picture is the framebuffer alone.
    controller.remove_run(1)
    qtbot.waitUntil(lambda: not surface.run_legend.isVisible(), timeout=5000)
    answer_save_dialog(window, path)
    window.files.export_surface_png()
    assert QImage(str(path)).height() == surface.grab_image().height()


def test_the_window_png_shows_the_race_legend_of_the_3d_view(qtbot, window, tmp_path):
    from landscape_gui.qt.views.palette import run_color

    window.controller.add_run()
    legend = window.views.surface.run_legend
    qtbot.waitUntil(legend.isVisible, timeout=5000)
    path = tmp_path / "race-window.png"
    answer_save_dialog(window, path)
    window.files.export_window_png()
    image = _rgb(QImage(str(path)))
    ratio = image.shape[1] / window.width()
    top_left = legend.mapTo(window, legend.rect().topLeft())
    x0, y0 = round(top_left.x() * ratio), round(top_left.y() * ratio)
    region = image[
        y0 : y0 + round(legend.height() * ratio), x0 : x0 + round(legend.width() * ratio)
    ]
    for color in (run_color(0), run_color(1)):
        assert _pixels_near(region, color) > 20, color


def test_contour_png_and_svgs_are_valid(window, tmp_path):
    png, contour_svg, slices_svg = (tmp_path / n for n in ("c.png", "c.svg", "s.svg"))
    answer_save_dialog(window, png)
    window.files.export_contour_png()
    assert not_blank(QImage(str(png)))
    answer_save_dialog(window, contour_svg)
    window.files.export_contour_svg()
    answer_save_dialog(window, slices_svg)
    window.files.export_slices_svg()
    for path in (contour_svg, slices_svg):
        root = ElementTree.parse(path).getroot()
        assert root.tag.endswith("svg")
        paths = [e for e in root.iter() if e.tag.endswith(("path", "polyline"))]
        assert len(paths) > 10
    assert "Slices" in slices_svg.read_text()


def test_trajectory_csv_reads_back_with_the_same_numbers(window, tmp_path):
    runs = window.controller.runs
    runs.last()
    path = tmp_path / "runs.csv"
    answer_save_dialog(window, path)
    window.files.export_trajectory_csv()
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# function: x^2 + y^2")
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    track = runs.tracks[0]
    assert len(rows) == len(track)
    assert [float(r["x"]) for r in rows] == track.x.tolist()
    assert rows[1]["step"] == "1" and float(rows[1]["x"]) == pytest.approx(2.4)


def test_animation_gif_and_png_sequence(qtbot, window, tmp_path):
    window.controller.runs.step(4)
    gif = tmp_path / "run.gif"
    answer_save_dialog(window, gif)
    window.files.export_gif()
    with Image.open(gif) as picture:
        assert picture.n_frames == 5  # steps 0..4
    folder = tmp_path / "frames"
    answer_save_dialog(window, folder)
    window.files.export_png_sequence()
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"step_{n:04d}.png" for n in range(5)]
    assert window.controller.runs.cursor == 4


def test_an_unwritable_export_fails_cleanly(window, tmp_path):
    target = tmp_path / "missing-folder" / "x.png"
    answer_save_dialog(window, target)
    before = window.controller.state.copy()
    assert window.files.export_window_png() is None
    assert window.errors and "Nothing was written" in window.errors[0]
    assert not target.parent.exists()
    assert window.controller.state == before
    answer_save_dialog(window, tmp_path / "missing-folder" / "s.landscape")
    assert not window.files.save_as()
    assert not (tmp_path / "missing-folder").exists()
    assert list(tmp_path.iterdir()) == []


def test_unsaved_changes_prompt_on_quit(qtbot, tmp_path):
    win = open_window(qtbot, prompt_unsaved=True)
    asked = []
    win.files.ask_unsaved = lambda: asked.append(1) or "cancel"
    with qtbot.waitSignal(win.controller.landscapeChanged, timeout=5000):
        win.controller.set_formula("x^2 - y^2")
    win.close()
    assert asked and win.isVisible()  # cancel keeps the window and the work
    assert win.isWindowModified()
    win.files.ask_unsaved = lambda: "discard"
    win.close()
    assert not win.isVisible()


def dragged_session(qtbot, window, path, formula: str) -> QMimeData:
    """Save a session of ``formula`` at ``path``, move on to x^2 (saved, so nothing asks),
    and return what dragging that file carries."""
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        window.controller.set_formula(formula)
    answer_save_dialog(window, path)
    window.files.save_as()
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        window.controller.set_formula("x^2")
    window.controller.undo_stack.setClean()
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    return data


def test_dropping_a_session_file_opens_it(qtbot, window, tmp_path):
    data = dragged_session(qtbot, window, tmp_path / "dropped.landscape", "x^2 + 2y^2")
    event = QDropEvent(
        QPointF(100, 100),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.files.openFinished, timeout=10000) as opened:
        window.dropEvent(event)
    assert opened.args == [True]
    assert window.controller.state.formula == "x^2 + 2y^2"
    assert window.windowTitle().startswith("dropped.landscape")
    assert "dropped.landscape" in [a.text() for a in window.recent_menu.actions()]


def test_a_session_file_dropped_on_the_3d_picture_opens(qtbot, window, tmp_path):
    """The 3D picture is a window of its own, which would refuse a drop: it passes the drag
    on to the main window, as every widget does."""
    from PySide6.QtGui import QDragEnterEvent
    from PySide6.QtWidgets import QApplication

    data = dragged_session(qtbot, window, tmp_path / "dropped on 3d.landscape", "x^2 + 3y^2")
    picture = window.views.surface._view
    at = QPointF(picture.width() / 2, picture.height() / 2)
    copy, no_button = Qt.DropAction.CopyAction, Qt.MouseButton.NoButton
    no_key = Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(at.toPoint(), copy, data, no_button, no_key)
    QApplication.sendEvent(picture, enter)
    assert enter.isAccepted()  # the cursor says the drop will be taken
    drop = QDropEvent(at, copy, data, no_button, no_key)
    with qtbot.waitSignal(window.files.openFinished, timeout=10000) as opened:
        QApplication.sendEvent(picture, drop)
    assert opened.args == [True]
    assert window.controller.state.formula == "x^2 + 3y^2"


def test_window_pictures_include_the_3d_views_own_framebuffer(window):
    """A plain grab loses what the 3D view paints with QPainter (its axis labels)."""
    from PySide6.QtCore import QPoint

    from landscape_gui.qt import export

    picture = export.widget_image(window, 1.0)
    view = window.views.surface.picture_widget()
    origin = view.mapTo(window, QPoint(0, 0))
    ratio = window.devicePixelRatioF()
    region = picture.copy(
        int(origin.x() * ratio),
        int(origin.y() * ratio),
        int(view.width() * ratio),
        int(view.height() * ratio),
    )
    framebuffer = window.views.surface.grab_image().convertToFormat(region.format())
    assert region.size() == framebuffer.size()
    assert region == framebuffer


def drag(widget, start: QPointF, end: QPointF, steps: int = 8) -> None:
    """A left-button drag on ``widget`` as the mouse makes it: press, moves, release."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtGui import QMouseEvent

    def send(kind, pos: QPointF, button, buttons) -> None:
        global_pos = QPointF(widget.mapToGlobal(pos.toPoint()))
        event = QMouseEvent(kind, pos, global_pos, button, buttons, Qt.KeyboardModifier.NoModifier)
        QCoreApplication.sendEvent(widget, event)

    left = Qt.MouseButton.LeftButton
    send(QEvent.Type.MouseButtonPress, start, left, left)
    for i in range(1, steps + 1):
        send(
            QEvent.Type.MouseMove,
            start + (end - start) * (i / steps),
            Qt.MouseButton.NoButton,
            left,
        )
    send(QEvent.Type.MouseButtonRelease, end, left, Qt.MouseButton.NoButton)


def test_an_orbit_is_kept_by_the_controller_and_saved(qtbot, window, tmp_path):
    controller, surface = window.controller, window.views.surface
    gl_view = surface._view
    before = controller.state.camera
    middle = QPointF(gl_view.width() / 2, gl_view.height() / 2)
    with qtbot.waitSignal(surface.cameraMoved, timeout=2000) as moved:
        drag(gl_view, middle, middle + QPointF(120, 40))
    # One report when the drag ends, with where the user left the camera.
    assert moved.args[0] == surface.camera_state() != before
    assert controller.state.camera == surface.camera_state()
    assert not window.isWindowModified()  # looking around is not an edit
    path = tmp_path / "orbited.landscape"
    answer_save_dialog(window, path)
    assert window.files.save_as()
    saved = json.loads(path.read_text())["camera"]
    assert saved["azimuth"] == pytest.approx(surface.camera_state()["azimuth"])
    assert saved["elevation"] == pytest.approx(surface.camera_state()["elevation"])
    # Reset view: the view reports the default camera and the controller keeps it.
    with qtbot.waitSignal(surface.cameraMoved, timeout=2000):
        window.actions["reset_view"].trigger()
    assert controller.state.camera == surface.camera_state() == before
