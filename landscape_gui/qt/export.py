"""Pictures of the window: the `landscape screenshot` command, and atomic image writes."""

from __future__ import annotations

import errno
import io
import os
import time

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QEvent,
    QEventLoop,
    QIODevice,
    QPoint,
    QRect,
)
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator

from landscape_gui.core.atomic import AtomicWriteError, atomic_folder, atomic_write


def wait_until(predicate, timeout: float) -> bool:
    """Run the event loop until ``predicate()`` holds or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)
    return True


# Every picture is encoded in memory and handed to the one atomic writer as bytes, so no
# encoder (libpng, QSvgGenerator, Pillow) ever writes to the disk itself: a full disk or a
# refused file is reported once, by the writer, and an old file stays as it was.


def _memory_device() -> tuple[QByteArray, QBuffer]:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    return data, buffer


def encode_image(image: QImage, kind: str = "PNG", path: str = "", quality: int = -1) -> bytes:
    """``image`` as the bytes of a ``kind`` file (PNG by default; ``quality`` is Qt's, -1 its
    default)."""
    data, buffer = _memory_device()
    saved = not image.isNull() and image.save(buffer, kind, quality)
    buffer.close()
    if not saved or data.isEmpty():
        raise AtomicWriteError(
            errno.EINVAL, "the picture could not be made; try a smaller export scale", path
        )
    return bytes(data.data())


def save_image(image: QImage, path: str, quality: int = -1) -> None:
    """Write ``image`` to ``path`` atomically: a failed write leaves no partial file behind."""
    kind = os.path.splitext(path)[1].lstrip(".").upper() or "PNG"
    if kind not in ("PNG", "JPG", "JPEG", "BMP"):
        kind = "PNG"
    atomic_write(path, encode_image(image, kind, path, quality))


def _ready_for_picture(widget) -> None:
    """What the window does before it paints, done before a picture of it is rendered (a
    rendered widget is not sent the update request that starts it): let go of the paints it
    holds back (a held view renders as nothing), settle its plots (an axis whose tick labels
    grew was drawn too narrow, its title over its numbers) and lay out what is waiting (a
    caption grown to two lines was drawn with the window laid out for one)."""
    prepare = getattr(widget.window(), "prepare_for_picture", None)
    if prepare is not None:
        prepare()
    for _ in range(4):  # a layout done can ask for the one above it: a few rounds settle it
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def widget_image(widget, scale: float = 1.0) -> QImage:
    """A picture of a widget at ``scale`` times its screen pixels, 3D views included.

    A plain grab does not draw the 3D view (a native window of its own), so each visible
    one's framebuffer is drawn in where it is.
    """
    from landscape_gui.qt.views.surface_view import SurfaceView

    _ready_for_picture(widget)
    ratio = widget.devicePixelRatioF() * scale
    image = QImage(
        int(widget.width() * ratio), int(widget.height() * ratio), QImage.Format.Format_ARGB32
    )
    image.setDevicePixelRatio(ratio)
    image.fill(widget.palette().window().color())
    painter = QPainter(image)
    widget.render(painter, QPoint(0, 0))
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    views = [widget] if isinstance(widget, SurfaceView) else []
    for view in views + widget.findChildren(SurfaceView):
        picture = view.picture_widget()
        if picture.isVisible() and picture.width() > 0 and picture.height() > 0:
            origin = picture.mapTo(widget, QPoint(0, 0))
            painter.drawImage(QRect(origin, picture.size()), view.grab_image())
    painter.end()
    image.setDevicePixelRatio(1.0)
    return image


def save_widget_svg(widget, path: str, title: str) -> None:
    """The widget drawn as vector SVG (lines and text stay sharp in a handout), atomically."""
    _ready_for_picture(widget)
    data, buffer = _memory_device()
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(widget.size())
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(title)
    generator.setDescription("Made with Landscape")
    painter = QPainter()
    if not painter.begin(generator):
        raise AtomicWriteError(errno.EINVAL, "the drawing could not be started", path)
    widget.render(painter, QPoint(0, 0))
    painter.end()
    buffer.close()
    if data.isEmpty():
        raise AtomicWriteError(errno.EINVAL, "the drawing came out empty", path)
    atomic_write(path, bytes(data.data()))


def save_trajectory(
    path: str,
    formula: str,
    tracks,
    runs_settings,
    tolerance: float,
    max_steps: int,
    parameters: dict[str, float],
    constraint: str | None = None,
) -> int:
    """The runs in the same CSV format as `landscape descend` (one writer, in the core); runs
    along a curve add its g and λ columns, and ``constraint`` names the curve."""
    from landscape_gui.core.trajectory import (
        TrajectoryRun,
        descent_metadata,
        write_trajectory_file,
    )

    runs = [
        TrajectoryRun(
            name=str(index + 1),
            optimizer=settings.optimizer,
            history=track.history(),
            hyperparameters=settings.hyperparameters,  # complete: RunSettings resolves them
        )
        for index, (track, settings) in enumerate(zip(tracks, runs_settings, strict=False))
    ]
    starts = [settings.start for settings in runs_settings]
    constrained = any(run.history.constrained for run in runs)
    metadata = descent_metadata(
        formula,
        runs,
        starts,
        tolerance,
        max_steps,
        parameters,
        constraint=constraint if constrained else None,
    )
    return write_trajectory_file(path, runs, metadata)


def save_animation(frames: list[QImage], path: str, frame_ms: int = 120) -> None:
    """Frames as an animated GIF (Pillow) or, for a folder path, numbered PNGs."""
    if not frames:
        raise OSError("there are no steps to animate")
    if path.lower().endswith(".gif"):
        _save_gif(frames, path, frame_ms)
    else:
        _save_png_sequence(frames, path)


def _pil_image(image: QImage):
    from PIL import Image

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = rgb.width(), rgb.height()
    data = bytes(rgb.constBits())[: rgb.bytesPerLine() * height]
    return Image.frombytes("RGB", (width, height), data, "raw", "RGB", rgb.bytesPerLine())


def _save_gif(frames: list[QImage], path: str, frame_ms: int) -> None:
    pictures = [_pil_image(frame).quantize(colors=255) for frame in frames]
    encoded = io.BytesIO()
    pictures[0].save(
        encoded,
        format="GIF",
        save_all=True,
        append_images=pictures[1:],
        duration=frame_ms,
        loop=0,
    )
    atomic_write(path, encoded.getbuffer())


def _save_png_sequence(frames: list[QImage], folder: str) -> None:
    """step_0000.png, step_0001.png, ... in ``folder``, which must not exist yet (so nothing of
    the user's is overwritten); written to a temporary folder first and renamed at the end."""
    with atomic_folder(folder) as writer:
        for number, frame in enumerate(frames):
            writer.write(f"step_{number:04d}.png", encode_image(frame, "PNG", folder))
