"""The 3D landscape: z = f(x, y) drawn as a lit, height-coloured surface in a fixed box.

The view takes true-unit data and maps it into its own display box (x, y onto a 10 x 10
square centred at the origin, heights onto 0..5) so that every function looks like a
landscape whatever its units. That mapping is presentation only; tick labels show true
units. The view holds nothing but what it draws.

NaN and +-inf are drawn as holes: triangles are built only where all three corners are
finite (the GL code has no notion of NaN). Finite values outside ``z_limits`` are clipped,
so a pole shows as a flat plateau at the top of the box.
"""

from __future__ import annotations

import html
import math
import os
import sys
import time
import weakref

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap, QSurfaceFormat, QVector3D
from PySide6.QtWidgets import QApplication, QLabel, QSizePolicy, QVBoxLayout, QWidget

from landscape_gui.core import colorscale, numbers
from landscape_gui.core.limits import PATH_CHUNK
from landscape_gui.qt.views.palette import (
    CONSTRAINT_COLOR,
    GRADIENT_COLOR,
    HEIGHT_COLORMAP,
    LAGRANGE_COLOR,
    PROBE_COLOR,
    SLICE_X_COLOR,
    SLICE_Y_COLOR,
    TANGENT_PLANE_COLOR,
    plot_background,
)
from landscape_gui.qt.views.surface_geometry import (
    BOX_HALF,
    BOX_HEIGHT,
    BoxMap,
    cone,
    curve_segments,
    flat_arrows,
    grid_segments,
    lambert_shading,
    lifted_curve_segments,
    nice_ticks,
    triangles,
)

_DRAG_EVENTS = (
    QEvent.Type.DragEnter,
    QEvent.Type.DragMove,
    QEvent.Type.DragLeave,
    QEvent.Type.Drop,
)
FLOOR_Z = -0.35  # the floor grid sits a little below the lowest height, so it never z-fights
PLANE_TOP = BOX_HEIGHT + 0.35
MAX_ARROW_LENGTH = 1.6 * BOX_HALF  # the gradient arrow stays inside the picture
MIN_ARROW_LENGTH = 0.05  # shorter than this it cannot be seen: flat ground, no arrow
# A still item that changes again within this time of its last change (in a later frame) is
# drawn with the moving items until it has kept still this long (CachedGLView).
MOVING_FOR_MS = 1000

DEFAULT_CAMERA = {
    "distance": 25.0,
    "elevation": 28.0,
    "azimuth": -50.0,  # camera south-east of the box: x runs right, y runs away
    "center": (0.0, 0.0, 1.6),
}
FIELD_OF_VIEW = 45.0  # before the view has a size; then fitted to the panel (_fitted_fov)
FIT_PADDING = 4  # pixels the fitted picture (box and labels) keeps from the panel's edges
LARGEST_FOCAL = 2.0**24  # pixels per unit of tangent: a fit wider than any screen

# Light from above, a little towards the default camera, so slopes read as slopes.

_LUT = HEIGHT_COLORMAP.getLookupTable(0.0, 1.0, nPts=256, alpha=True, mode="float").astype(
    np.float32
)

_STYLES = {
    False: {  # light
        "text": (40, 40, 40),
        "grid": (0.0, 0.0, 0.0, 0.22),
        "axis": (0.0, 0.0, 0.0, 0.75),
        "wire": (0.0, 0.0, 0.0, 0.35),
    },
    True: {  # dark
        "text": (225, 225, 225),
        "grid": (1.0, 1.0, 1.0, 0.22),
        "axis": (1.0, 1.0, 1.0, 0.75),
        "wire": (0.0, 0.0, 0.0, 0.45),
    },
}


def _rgba(hex_color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    c = QColor(hex_color)
    return (c.redF(), c.greenF(), c.blueF(), alpha)


def _antialias_samples() -> int:
    """4x multisampling smooths edges, but Mesa's software renderer (a Linux machine with no
    GPU device) takes about twice as long per frame with it; LANDSCAPE_GL_SAMPLES overrides."""
    override = os.environ.get("LANDSCAPE_GL_SAMPLES")
    if override is not None and override.isdigit():
        return int(override)
    if sys.platform.startswith("linux") and not os.path.exists("/dev/dri"):
        return 0
    return 4


_CACHED_VIEW_CLASS = None


def _cached_view_class(gl):
    """A pyqtgraph 3D view in a window of its own that keeps a picture of its still items
    (the surface, floor, axes, probe, slices) in an off-screen buffer with its depth, and
    each frame only copies it back and draws the moving ones (``dynamic_items``: the runs'
    paths and markers) over it. The axis labels, painted with QPainter, go into the still
    picture too (``text_device``).

    While a run plays, nothing but the paths changes: on a software renderer a whole scene
    (the 200 x 200 surface, 80,000 triangles) costs tens of milliseconds a frame, the copy a
    few. The buffer is drawn again whenever a still item changes (every item's ``update``
    says so), the camera moves or the size changes; if the GL driver refuses the copy, the
    view draws everything every frame, as pyqtgraph does.

    A movable item (``movable_items``: the probe, its arrow and the slices, which follow
    each step a student takes from the keyboard) that changes again soon after its last
    change is drawn with the moving items instead, until it has kept still for
    ``MOVING_FOR_MS``: then it goes back into the picture, drawn once more. Otherwise every
    step drew the whole surface again. A change to an item that is hidden and was not in the
    picture draws nothing.

    It is a QOpenGLWindow (shown in a window container), not pyqtgraph's QOpenGLWidget: a
    window holding an OpenGL widget is composed as a whole through OpenGL on every paint of
    any of its widgets, about 12 ms more per paint of a plot beside it and 20-40 ms per
    frame of its own on Mesa's software renderer. A native child window draws itself and
    leaves the rest of the window to plain raster painting.
    """
    global _CACHED_VIEW_CLASS
    if _CACHED_VIEW_CLASS is not None:
        return _CACHED_VIEW_CLASS
    from OpenGL import GL
    from pyqtgraph.opengl.GLViewWidget import GLViewMixin
    from PySide6.QtGui import QOpenGLContext
    from PySide6.QtOpenGL import (
        QOpenGLFramebufferObject,
        QOpenGLFramebufferObjectFormat,
        QOpenGLPaintDevice,
        QOpenGLWindow,
    )

    class CachedGLView(GLViewMixin, QOpenGLWindow):
        def __init__(self) -> None:
            # The global share context: pyqtgraph keeps one shader program per item class,
            # valid in the contexts that share the one it was made in.
            super().__init__(QOpenGLContext.globalShareContext())
            # Keys stay with the window's widgets (its shortcut table); a click on the
            # picture focuses the surface view instead (SurfaceView.eventFilter).
            self.setFlag(Qt.WindowType.WindowDoesNotAcceptFocus, True)
            self.resize(640, 480)  # a widget's size before it is laid out (a window's is 0)
            self.dynamic_items: set = set()
            # Still items that may be drawn with the moving ones while they keep changing,
            # those that are for now (see the class's docstring), and when each movable one
            # last changed (seconds, frame).
            self.movable_items: weakref.WeakSet = weakref.WeakSet()
            self.moving_items: set = set()
            self._changed_at: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
            self._frames_drawn = 0
            self._in_picture: weakref.WeakSet = weakref.WeakSet()  # drawn into the buffer
            self._moving_timer = QTimer(self)
            self._moving_timer.setSingleShot(True)
            self._moving_timer.setInterval(MOVING_FOR_MS)
            self._moving_timer.timeout.connect(self._settle_moving_items)
            self._only: bool | None = None  # drawing only the dynamic (True) or still items
            self._still_version = 0
            self._cache = None
            self._cache_key: tuple | None = None
            self.cache_enabled = True
            # What QPainter-drawn items paint on: the window, or while the still picture is
            # drawn, a paint device that draws into the framebuffer bound then (the buffer).
            self._cache_text_device = None
            self._text_device = None

        _frames_held = False
        _frame_wanted = False

        def frames_held(self) -> bool:
            return self._frames_held

        def hold_frames(self, held: bool) -> None:
            """While held, a frame asked for (even before the hold) is drawn when let go."""
            self._frames_held = held
            if not held and self._frame_wanted:
                self._frame_wanted = False
                self.update()

        def event(self, event: QEvent) -> bool:  # noqa: N802 (Qt override)
            if self._frames_held and event.type() == QEvent.Type.UpdateRequest:
                self._frame_wanted = True  # the changed region stays marked for then
                return True
            return super().event(event)

        # What pyqtgraph's mixin and items ask of the widget it was written for.
        def devicePixelRatioF(self) -> float:  # noqa: N802
            return self.devicePixelRatio()

        def rect(self) -> QRect:
            return QRect(0, 0, self.width(), self.height())

        def text_device(self):
            return self._text_device if self._text_device is not None else self

        # A window squeezed to nothing by its layout still has a pixel, so the camera's
        # projection (which divides by the size) stays finite.
        def getViewport(self) -> tuple[int, int, int, int]:  # noqa: N802
            return (0, 0, max(1, self.width()), max(1, self.height()))

        def render_image(self, scale: float = 1.0) -> QImage:
            """The picture as it stands now, drawn at once (a window's framebuffer holds
            nothing to read back once its frame is shown, and a change may not be drawn
            yet), at ``scale`` times its pixels; null before the window was first shown (it
            has no GL context then)."""
            if not self.isValid():
                return QImage()
            self.makeCurrent()
            if scale == 1.0:
                GL.glViewport(0, 0, self.deviceWidth(), self.deviceHeight())
                self.paintGL()  # into the back buffer, which is read before any swap
                return self.grabFramebuffer()
            # Larger: everything drawn once into a buffer of that size, the labels too, in
            # the same place and at ``scale`` times their size (a device at that ratio).
            largest = int(GL.glGetIntegerv(GL.GL_MAX_RENDERBUFFER_SIZE))
            ratio = self.devicePixelRatio()
            scale = min(scale, largest / max(self.deviceWidth(), self.deviceHeight()) / ratio)
            width, height = (
                round(self.width() * ratio * scale),
                round(self.height() * ratio * scale),
            )
            fmt = QOpenGLFramebufferObjectFormat()
            fmt.setAttachment(QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)
            fmt.setSamples(max(0, self.format().samples()))
            buffer = QOpenGLFramebufferObject(width, height, fmt)
            device = QOpenGLPaintDevice(width, height)
            device.setDevicePixelRatio(ratio * scale)
            buffer.bind()
            GL.glViewport(0, 0, width, height)
            self._text_device = device
            try:
                self.paint(region=(0, 0, width, height), viewport=(0, 0, width, height))
            finally:
                self._text_device = None
                buffer.release()
            return buffer.toImage()

        def addItem(self, item) -> None:  # noqa: N802 (pyqtgraph's name)
            super().addItem(item)
            # Weak references only: a closure holding the item or the view would make a
            # reference cycle, and the window would then be freed by the cyclic garbage
            # collector at some later moment instead of when it closes.
            view_ref, item_ref = weakref.ref(self), weakref.ref(item)
            update_item = type(item).update

            def update() -> None:
                view, changed = view_ref(), item_ref()
                if changed is None:
                    return
                if view is not None and changed not in view.dynamic_items:
                    view.still_item_changed(changed)
                update_item(changed)

            item.update = update

        def removeItem(self, item) -> None:  # noqa: N802
            self.dynamic_items.discard(item)
            self.moving_items.discard(item)
            self._still_version += 1
            super().removeItem(item)

        def still_item_changed(self, item) -> None:
            """A still item changed: the picture in the buffer is drawn again, unless the
            item is not in it and not shown, or is drawn with the moving items for now."""
            if item in self.moving_items:
                self._moving_timer.start()  # it keeps moving: it stays out of the picture
                return
            if not item.visible() and item not in self._in_picture:
                return
            if item in self.movable_items and self._changes_again(item):
                self.moving_items.add(item)  # the picture is drawn once more, without it
                self._moving_timer.start()
            self._still_version += 1

        def _changes_again(self, item) -> bool:
            """Whether a movable item changed in an earlier frame, less than MOVING_FOR_MS
            ago (changes within one frame, new data and then show(), are one change)."""
            now, frame = time.monotonic(), self._frames_drawn
            previous = self._changed_at.get(item)
            self._changed_at[item] = (now, frame)
            return (
                previous is not None
                and previous[1] < frame
                and now - previous[0] < MOVING_FOR_MS / 1000
            )

        def _drawn_over_the_picture(self) -> set:
            """The items drawn each frame over the copied still picture."""
            return self.dynamic_items | self.moving_items

        def _settle_moving_items(self) -> None:
            """The moving still items have kept still: back into the picture, drawn once."""
            if self.moving_items:
                self.moving_items.clear()
                self._still_version += 1
                self.update()

        def drawItemTree(self, item=None, useItemNames=False) -> None:  # noqa: N802, N803
            if item is None and self._only is not None:
                everything = self.items
                over = self._drawn_over_the_picture()
                self.items = [i for i in everything if (i in over) == self._only]
                try:
                    super().drawItemTree(None, useItemNames)
                finally:
                    self.items = everything
                return
            super().drawItemTree(item, useItemNames)

        def paintGL(self) -> None:  # noqa: N802 (Qt override)
            if not self.cache_enabled:
                super().paintGL()
                return
            try:
                self._paint_cached(self.getViewport())
            except Exception:  # a driver without framebuffer blits: draw it all each frame
                self.cache_enabled = False
                self._cache = None
                super().paintGL()

        def _paint_cached(self, region) -> None:
            self._frames_drawn += 1
            self.setProjection(region, region)
            self.setModelview()
            width, height = region[2], region[3]
            key = (
                tuple(self.projectionMatrix(region, region).data()),
                tuple(self.viewMatrix().data()),
                tuple(region),
                tuple(self.opts["bgcolor"]),
                self._still_version,
            )
            target = self.defaultFramebufferObject()
            cache = self._cache
            if cache is None or (cache.width(), cache.height()) != (width, height):
                fmt = QOpenGLFramebufferObjectFormat()
                fmt.setAttachment(QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)
                fmt.setSamples(max(0, self.format().samples()))
                cache = self._cache = QOpenGLFramebufferObject(width, height, fmt)
                self._cache_key = None
            if key != self._cache_key:
                GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, cache.handle())
                GL.glClearColor(*self.opts["bgcolor"])
                GL.glClear(GL.GL_DEPTH_BUFFER_BIT | GL.GL_COLOR_BUFFER_BIT)
                device = self._cache_text_device
                if device is None or device.size() != cache.size():
                    device = self._cache_text_device = QOpenGLPaintDevice(cache.size())
                    device.setDevicePixelRatio(self.devicePixelRatio())
                self._text_device = device
                try:
                    self._draw_only(False)
                finally:
                    self._text_device = None
                self._cache_key = key
                over = self._drawn_over_the_picture()
                self._in_picture = weakref.WeakSet(
                    i for i in self.items if i.visible() and i not in over
                )
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, cache.handle())
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, target)
            GL.glBlitFramebuffer(
                0, 0, width, height, 0, 0, width, height,
                GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT,
                GL.GL_NEAREST,
            )  # fmt: skip
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, target)
            if GL.glGetError() != GL.GL_NO_ERROR:
                raise RuntimeError("the framebuffer copy failed")
            self._draw_only(True)

        def _draw_only(self, dynamic: bool) -> None:
            self._only = dynamic
            try:
                self.drawItemTree()
            finally:
                self._only = None

    _CACHED_VIEW_CLASS = CachedGLView
    return CachedGLView


_LABEL_CLASS = None


def _label_class(gl):
    """pyqtgraph's GLTextItem, painting on the device its view says (``text_device``) rather
    than always on the view itself, so a label can be part of the still picture."""
    global _LABEL_CLASS
    if _LABEL_CLASS is not None:
        return _LABEL_CLASS

    class Label(gl.GLTextItem):
        def paint(self) -> None:
            if not self.text:
                return
            self.setupGLState()
            at = self.align_text(self.compute_projection().map(QVector3D(*self.pos)).toPointF())
            painter = QPainter(self.view().text_device())
            painter.setPen(self.color)
            painter.setFont(self.font)
            painter.setRenderHints(
                QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
            )
            painter.drawText(at, self.text)
            painter.end()

    _LABEL_CLASS = Label
    return Label


def _largest_focal(rows: list[tuple[float, float, float]], room: float) -> float:
    """The most pixels per unit of tangent at which points drawn at f·t (each with ``low``
    pixels of label before it and ``high`` after) span at most ``room`` pixels.

    The span is the largest f·(t_i − t_j) + high_i + low_j over every pair, so each pair with
    t_i > t_j bounds f by (room − high_i − low_j) / (t_i − t_j); pairs without bound f only if
    their labels alone are wider than the room (then nothing fits: 0)."""
    t, low, high = (np.array(column, dtype=float) for column in zip(*rows, strict=True))
    spread = t[:, None] - t[None, :]
    spare = room - high[:, None] - low[None, :]
    if np.any(spare[spread <= 0] < 0):
        return 0.0
    bounded = spread > 0
    if not np.any(bounded):
        return LARGEST_FOCAL
    return float(min(LARGEST_FOCAL, np.min(spare[bounded] / spread[bounded])))


class SurfaceView(QWidget):
    """A GLViewWidget showing the landscape, the probe and its gradient, slices and runs.

    Mouse: left-drag orbits, middle-drag (or ctrl+left) pans, wheel zooms (GLViewWidget's own).
    """

    frameSwapped = Signal()  # a frame was drawn (lets callers pace how often they redraw)
    # The user finished moving the camera (a drag released, a burst of wheel or key turns
    # ended, Reset view): its ``camera_state()``. Not sent per frame, and not when the
    # controller sets the camera; the controller keeps it in the session state.
    cameraMoved = Signal(dict)

    CAMERA_SETTLE_MS = 300  # a wheel or key burst is one move once it has been quiet this long

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        import pyqtgraph.opengl as gl  # heavy (PyOpenGL); only loaded when a 3D view is made
        from OpenGL import GL

        self._gl_mod = gl
        self._dark = False
        self._big = False
        self._big_scale = 1.7
        self._map = BoxMap()
        self._xd = np.zeros(0)
        self._yd = np.zeros(0)
        self._zd = np.zeros((0, 0))  # display heights, NaN at holes
        self._triangle_cache: dict[tuple[int, int], np.ndarray] = {}
        self._probe: tuple[float, float, float, float, float] | None = None
        self._arrow_scale = 1.0  # the arrow is scale × ∇f (the controller chooses it per landscape)
        self._tangent_visible = False
        self._slices: tuple[float | None, float | None] = (None, None)
        self._paths: list[tuple[np.ndarray, str]] = []
        self._wire_visible = False
        self._constraint_path = np.zeros((0, 3))  # (x, y, f) along g = c, NaN rows at gaps
        self._constraint_probe: tuple[float, ...] | None = None
        self._lagrange = np.zeros((0, 3))

        self._view = _cached_view_class(gl)()
        fmt = QSurfaceFormat()
        fmt.setSamples(_antialias_samples())
        fmt.setDepthBufferSize(24)
        fmt.setStencilBufferSize(8)  # the depth copy needs the still buffer's own depth format
        self._view.setFormat(fmt)
        self._view.frameSwapped.connect(self.frameSwapped)
        self._view_box = QWidget.createWindowContainer(self._view, self)
        self._view_box.setObjectName("surfacePicture")
        self._view_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # Native windows are drawn over every widget, so anything laid over the window (the
        # shortcut overlay) sees a still picture of the view instead (show_still_picture).
        self._still_picture = QLabel(self)
        self._still_picture.setObjectName("surfaceStillPicture")
        self._still_picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._still_picture.hide()
        self._fov_fitted: float | None = None  # the field of view fitted to the panel
        self._fitting = False
        # The fitted picture's offset from the view's centre (across, up; in half-widths), made
        # by shifting the projection's window, so the camera and its orbit stay as they are.
        self._lens_shift = (0.0, 0.0)
        base_projection = self._view.projectionMatrix

        def shifted_projection(region, viewport):
            x, y, w, h = region
            across, up = self._lens_shift
            return base_projection(
                (x - across * viewport[2] / 2, y - up * viewport[3] / 2, w, h), viewport
            )

        self._view.projectionMatrix = shifted_projection  # type: ignore[method-assign]
        # A race's runs by name and colour, above the picture (never over it).
        self.run_legend = QLabel()
        self.run_legend.setObjectName("surfaceRunLegend")
        self.run_legend.setWordWrap(True)
        self.run_legend.setTextFormat(Qt.TextFormat.RichText)
        # Its line is kept while it is hidden: adding the second run, or removing it, must not
        # move the 3D picture (a window of its own: moved, it is drawn again, and so is the
        # whole window it uncovers; 50 ms and more on a software renderer).
        policy = self.run_legend.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.run_legend.setSizePolicy(policy)
        self.run_legend.setMinimumHeight(self.run_legend.fontMetrics().lineSpacing())
        self.run_legend.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.run_legend)
        layout.addWidget(self._view_box, 1)
        layout.addWidget(self._still_picture, 1)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setMinimumSize(240, 200)  # small screens: the contour map needs the width more

        opaque_offset = {
            GL.GL_DEPTH_TEST: True,
            GL.GL_BLEND: False,
            GL.GL_CULL_FACE: False,
            # push filled polygons back so lines lying on the surface win the depth test
            GL.GL_POLYGON_OFFSET_FILL: True,
            "glPolygonOffset": (1.0, 1.0),
        }
        on_top = {
            GL.GL_DEPTH_TEST: False,
            GL.GL_BLEND: True,
            GL.GL_CULL_FACE: False,
            "glBlendFuncSeparate": (
                GL.GL_SRC_ALPHA,
                GL.GL_ONE_MINUS_SRC_ALPHA,
                GL.GL_ONE,
                GL.GL_ONE_MINUS_SRC_ALPHA,
            ),
        }

        # Draw order = depth value: floor, surface, lines on it, see-through planes, overlays,
        # text last (GLTextItem paints with QPainter, which disturbs GL state).
        self._floor = self._add(gl.GLLinePlotItem(mode="lines", glOptions="translucent"), -10)
        self._axes = self._add(gl.GLLinePlotItem(mode="lines", glOptions="translucent"), -9)
        self._surface = self._add(
            gl.GLMeshItem(smooth=True, computeNormals=False, glOptions=opaque_offset), 0
        )
        self._surface.hide()
        self._wire = self._add(gl.GLLinePlotItem(mode="lines", glOptions="translucent"), 1)
        self._wire.hide()
        self._path_lines: list = []
        # Full pieces of long paths, drawn once into the still picture (see _freeze_path):
        # per path, (points frozen, the last of them, look, items).
        self._frozen_paths: list[tuple[int, np.ndarray | None, tuple, list]] = []
        self._slice_curves = self._add(gl.GLLinePlotItem(mode="lines", glOptions="opaque"), 3)
        self._slice_planes = self._add(
            gl.GLMeshItem(smooth=True, computeNormals=False, glOptions="translucent"), 10
        )
        self._slice_outline = self._add(
            gl.GLLinePlotItem(mode="lines", glOptions="translucent"), 11
        )
        # A tangent plane mostly lies under a convex surface, so it is drawn on top, see-through.
        self._tangent = self._add(
            gl.GLMeshItem(smooth=True, computeNormals=False, glOptions=on_top), 15
        )
        self._tangent_lines = self._add(gl.GLLinePlotItem(mode="lines", glOptions=on_top), 16)
        self._drop_line = self._add(gl.GLLinePlotItem(mode="lines", glOptions=on_top), 19)
        self._arrow_shaft = self._add(gl.GLLinePlotItem(mode="lines", glOptions=on_top), 20)
        self._arrow_head = self._add(
            gl.GLMeshItem(smooth=True, computeNormals=False, glOptions=on_top), 21
        )
        self._probe_marker = self._add(gl.GLScatterPlotItem(glOptions=on_top), 22)
        self._path_markers = self._add(gl.GLScatterPlotItem(glOptions=on_top), 23)
        # The constraint: its curve on the floor, the same curve lifted onto the surface (the
        # path z = f takes along it), ∇f and ∇g at the point nearest the probe, and the
        # Lagrange points.
        self._constraint_floor = self._add(
            gl.GLLinePlotItem(mode="lines", glOptions="translucent"), -8
        )
        self._constraint_line = self._add(gl.GLLinePlotItem(mode="lines", glOptions="opaque"), 2.5)
        self._constraint_arrows = self._add(gl.GLLinePlotItem(mode="lines", glOptions=on_top), 24)
        self._constraint_heads = self._add(
            gl.GLMeshItem(smooth=True, computeNormals=False, glOptions=on_top), 25
        )
        self._constraint_marker = self._add(gl.GLScatterPlotItem(glOptions=on_top), 26)
        self._lagrange_markers = self._add(gl.GLScatterPlotItem(glOptions=on_top), 23.5)
        for item in (
            self._constraint_floor,
            self._constraint_line,
            self._constraint_arrows,
            self._constraint_heads,
            self._constraint_marker,
            self._lagrange_markers,
        ):
            item.hide()
        self._view.dynamic_items.add(self._path_markers)
        # What follows each step taken from the keyboard: drawn over the still picture while
        # it keeps moving (the surface itself, 80,000 triangles, never is).
        following_steps = (
            self._slice_curves,
            self._slice_planes,
            self._slice_outline,
            self._tangent,
            self._tangent_lines,
            self._drop_line,
            self._arrow_shaft,
            self._arrow_head,
            self._probe_marker,
        )
        self._view.movable_items.update(following_steps)
        for item in (*following_steps, self._path_markers):
            item.hide()
        self._labels: list = []
        self._label_size_used = 0
        self._z_ticks_used = 0
        self._tick_labels: dict[str, list[str]] = {}

        self._camera_told: dict | None = None  # the camera last reported or set
        self._camera_settle = QTimer(self)
        self._camera_settle.setSingleShot(True)
        self._camera_settle.setInterval(self.CAMERA_SETTLE_MS)
        self._camera_settle.timeout.connect(self._report_camera)
        self.set_style(False)
        self.reset_view()
        self._update_axes()
        # The picture is fitted to the GL view's own size (a race legend above takes some),
        # and the filter sees when the user's orbit, pan or zoom ends.
        self._view.installEventFilter(self)

    # ----------------------------------------------------------------- helpers
    def _add(self, item, depth: float):
        item.setDepthValue(depth)
        self._view.addItem(item)
        return item

    def _line_width(self, base: float) -> float:
        return base * (2.0 if self._big else 1.0)

    def _label_pixel_size(self) -> int:
        """Labels shrink a little in a small view so they do not crowd the box."""
        base = max(10, min(13, self.height() // 28))
        return int(base * self._big_scale) if self._big else base

    def _font(self, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(self._label_pixel_size())
        font.setBold(bold)
        return font

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self._view:
            kind = event.type()
            if kind == QEvent.Type.Resize:
                self._fit_field_of_view()
            elif kind == QEvent.Type.MouseButtonPress:
                self.setFocus(Qt.FocusReason.MouseFocusReason)  # as a click on a widget would
            elif kind == QEvent.Type.MouseButtonRelease:
                self._report_camera()  # the drag has ended: its moves have all been handled
            elif kind == QEvent.Type.Wheel:
                self._camera_settle.start()  # handled after this filter: report once it settles
            elif kind in _DRAG_EVENTS:
                # A file dropped on the picture is the window's to open, as on any widget of
                # it (the picture's own window has no parent widget to pass it on to).
                QApplication.sendEvent(self.window(), event)
                return True
        return False

    # The picture's window never takes the keyboard (the window's shortcuts would not see
    # keys sent to it): keys the shortcuts leave to a focused 3D view (↑ ↓ orbit) come here.
    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._view.keyPressEvent(event)
        if event.isAccepted():
            self._camera_settle.start()
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._view.keyReleaseEvent(event)
        if not event.isAccepted():
            super().keyReleaseEvent(event)

    def show_still_picture(self, still: bool) -> None:
        """Show a still picture of the view in place of the live one (True), or the live one
        again: a widget laid over the window cannot cover the live view's native window."""
        if still == self._still_picture.isVisible():
            return
        if still:
            picture = self.grab_image()
            picture.setDevicePixelRatio(self._view.devicePixelRatio())
            self._still_picture.setPixmap(QPixmap.fromImage(picture))
            self._still_picture.setFixedSize(self._view_box.size())
        self._view_box.setVisible(not still)
        self._still_picture.setVisible(still)
        if not still:
            self._still_picture.clear()

    def _report_camera(self) -> None:
        """Tell the controller where the user left the camera (only when it moved)."""
        self._camera_settle.stop()
        camera = self.camera_state()
        if camera != self._camera_told:
            self._camera_told = camera
            self.cameraMoved.emit(camera)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if (
            self._label_pixel_size() != self._label_size_used
            or self._z_tick_target() != self._z_ticks_used
        ):
            self._update_axes()

    def _triangles_for(self, nx: int, ny: int) -> np.ndarray:
        key = (nx, ny)
        if key not in self._triangle_cache:
            self._triangle_cache = {key: triangles(nx, ny)}  # keep only the current shape
        return self._triangle_cache[key]

    # ----------------------------------------------------------------- surface
    def set_surface(
        self,
        xs: np.ndarray,
        ys: np.ndarray,
        z: np.ndarray,
        z_limits: tuple[float, float],
        color_scale: str = "linear",
    ) -> None:
        """Show true heights ``z[i, j] = f(xs[i], ys[j])`` (xs, ys increasing), clipped to
        ``z_limits``, coloured on ``color_scale`` ('linear' or 'log'); NaN and +-inf leave
        holes."""
        xs = np.asarray(xs, dtype=float).ravel()
        ys = np.asarray(ys, dtype=float).ravel()
        z = np.asarray(z, dtype=float)
        if z.shape != (len(xs), len(ys)):
            raise ValueError(f"z has shape {z.shape}, expected {(len(xs), len(ys))}")
        lo, hi = (float(v) for v in z_limits)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            finite = z[np.isfinite(z)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        x_range = (float(xs.min()), float(xs.max())) if xs.size else (0.0, 1.0)
        y_range = (float(ys.min()), float(ys.max())) if ys.size else (0.0, 1.0)
        self._map = m = BoxMap.build(x_range, y_range, (lo, hi))

        finite = np.isfinite(z)
        t = np.where(finite, (np.clip(z, m.z_lo, m.z_hi) - m.z_lo) / (m.z_hi - m.z_lo), np.nan)
        # Heights stay linear (the shape is the shape); colours follow the colour scale.
        shade_t = t
        if color_scale != "linear":
            shown, (c_lo, c_hi) = colorscale.values(z, (m.z_lo, m.z_hi), color_scale)
            shade_t = (shown - c_lo) / max(c_hi - c_lo, 1e-300)
        self._xd = m.x(xs)
        self._yd = m.y(ys)
        self._zd = t * BOX_HEIGHT
        nx, ny = z.shape

        if nx < 2 or ny < 2:
            self._surface.hide()
        else:
            zd_filled = np.where(finite, self._zd, 0.0)
            verts = np.empty((nx, ny, 3), dtype=np.float32)
            verts[..., 0] = self._xd[:, None]
            verts[..., 1] = self._yd[None, :]
            verts[..., 2] = zd_filled
            verts = verts.reshape(-1, 3)

            index = (np.nan_to_num(shade_t, nan=0.0) * 255 + 0.5).astype(np.intp)
            colors = _LUT[np.clip(index, 0, 255)]
            shade = lambert_shading(self._xd, self._yd, self._zd)
            colors[..., :3] *= shade[..., None]
            np.clip(colors, 0.0, 1.0, out=colors)
            colors = colors.reshape(-1, 4)

            faces = self._triangles_for(nx, ny)
            if not finite.all():
                faces = faces[finite.ravel()[faces].all(axis=1)]
            if len(faces):
                self._surface.setMeshData(vertexes=verts, faces=faces, vertexColors=colors)
                self._surface.show()
            else:
                self._surface.hide()

        if self._wire_visible:
            self._update_wire()
        self._update_axes()
        self._update_probe()
        self._update_slices()
        for index in range(len(self._frozen_paths)):
            self._thaw_path(index)  # a new box: every piece is placed afresh
        self._update_paths()
        self._update_constraint()

    def shows_landscape(self) -> bool:
        """Whether a landscape's surface is drawn (not before the first, nor over no grid)."""
        return bool(self._surface.visible())

    def set_wireframe(self, visible: bool) -> None:
        """Grid lines that follow the surface: they make its shape readable on a projector."""
        self._wire_visible = bool(visible)
        if self._wire_visible:
            self._update_wire()
        self._wire.setVisible(self._wire_visible and self._zd.size > 0)

    def _update_wire(self) -> None:
        if self._zd.size == 0:
            self._wire.hide()
            return
        xd = np.broadcast_to(self._xd[:, None], self._zd.shape)[:, 0]
        pos = grid_segments(xd, self._yd, self._zd)
        pos[:, 2] += 0.01
        color = _STYLES[self._dark]["wire"]
        self._wire.setData(pos=pos, color=color, width=self._line_width(1.0), antialias=True)
        self._wire.setVisible(len(pos) > 0)

    # -------------------------------------------------------------------- axes
    def _update_axes(self) -> None:
        m = self._map
        style = _STYLES[self._dark]
        h = BOX_HALF
        x_ticks = nice_ticks(m.true_x(-h), m.true_x(h))
        y_ticks = nice_ticks(m.true_y(-h), m.true_y(h))
        self._z_ticks_used = self._z_tick_target()
        z_ticks = nice_ticks(m.z_lo, m.z_hi, self._z_ticks_used)
        for target in range(self._z_ticks_used + 1, 7):  # at least two numbers on the axis
            if len(z_ticks) >= 2:
                break
            z_ticks = nice_ticks(m.z_lo, m.z_hi, target)

        floor = []
        for xt in m.x(x_ticks):
            floor += [(xt, -h, FLOOR_Z), (xt, h, FLOOR_Z)]
        for yt in m.y(y_ticks):
            floor += [(-h, yt, FLOOR_Z), (h, yt, FLOOR_Z)]
        self._floor.setData(
            pos=np.array(floor, dtype=np.float32).reshape(-1, 3),
            color=style["grid"],
            width=self._line_width(1.0),
            antialias=True,
        )

        corners = [(-h, -h), (h, -h), (h, h), (-h, h)]
        axes = []
        for k in range(4):
            axes += [(*corners[k], FLOOR_Z), (*corners[(k + 1) % 4], FLOOR_Z)]
        axes += [(-h, -h, FLOOR_Z), (-h, -h, BOX_HEIGHT)]  # the z axis, at the south-west corner
        tick = 0.25
        for zt in m.z(z_ticks):
            axes += [(-h, -h, zt), (-h - tick * 1.4, -h, zt)]
        for xt in m.x(x_ticks):
            axes += [(xt, -h, FLOOR_Z), (xt, -h - tick, FLOOR_Z)]
        for yt in m.y(y_ticks):
            axes += [(h, yt, FLOOR_Z), (h + tick, yt, FLOOR_Z)]
        self._axes.setData(
            pos=np.array(axes, dtype=np.float32),
            color=style["axis"],
            width=self._line_width(1.5),
            antialias=True,
        )

        center = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        self._tick_labels = {
            axis: [numbers.tick(v, float(t[1] - t[0]) if len(t) > 1 else 0.0) for v in t]
            for axis, t in (("x", x_ticks), ("y", y_ticks), ("z", z_ticks))
        }
        texts = self._tick_labels
        labels = []
        for text, d in zip(texts["x"], m.x(x_ticks), strict=True):
            labels.append(((d, -h - 0.75, FLOOR_Z), text, center, False))
        for text, d in zip(texts["y"], m.y(y_ticks), strict=True):
            labels.append(((h + 0.55, d, FLOOR_Z), text, left, False))
        # The z numbers stand most of a label's height beyond the ticks' ends, off the axis and
        # the surface's corner whatever the view's size (a fixed 0.25 units was about 4 px at
        # 1280 x 720, and "20" ran into the tick and the surface's edge).
        per_unit = self._z_axis_pixels() / BOX_HEIGHT
        gap = 0.8 * self._label_pixel_size() / per_unit if per_unit > 0 else 0.5
        z_label_x = -h - tick * 1.4 - max(0.3, min(gap, 2.0))
        for text, d in zip(texts["z"], m.z(z_ticks), strict=True):
            labels.append(((z_label_x, -h, d), text, right, False))
        labels.append(((0.0, -h - 1.9, FLOOR_Z), "x", center, True))
        labels.append(((h + 1.9, 0.0, FLOOR_Z), "y", center, True))
        title_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        # A row above the top number on screen, so the title never reads "50z = f(x, y)".
        rise = 1.2 * self._label_pixel_size() / per_unit if per_unit > 0 else 0.7
        title_z = BOX_HEIGHT + max(0.7, min(rise, 2.5))
        labels.append(((-h, -h, title_z), "z = f(x, y)", title_left, True))
        self._set_labels(labels)
        self._fit_field_of_view()  # the labels' pixels are part of the picture to fit

    def _z_axis_pixels(self) -> float:
        """How tall the z axis stands on screen with the current camera (0 before layout)."""
        from PySide6.QtGui import QVector3D

        project = self._projection()
        h = BOX_HALF
        bottom, top = (project.map(QVector3D(-h, -h, z)).toPointF() for z in (0.0, BOX_HEIGHT))
        pixels = abs(bottom.y() - top.y())
        return pixels if math.isfinite(pixels) else 0.0

    def _z_tick_target(self) -> int:
        """In projector type, as many z ticks as the z axis has room for on screen (some
        space between labels): a short view gets two or three, not five crowded ones. (Desktop
        labels shrink with the view instead, and keep their six.)"""
        room = self._z_axis_pixels() / (1.6 * self._label_pixel_size())
        if not self._big or room < 1.0:  # (< 1: not laid out yet, or seen from above)
            return 6
        return max(2, min(6, int(room)))

    def _projection(self):
        """3D box coordinates -> widget pixels, with the current camera."""
        from PySide6.QtGui import QMatrix4x4

        view = self._view
        viewport = view.getViewport()
        rect = QRectF(view.rect())
        to_pixels = QMatrix4x4()
        to_pixels.viewport(rect.left(), rect.bottom(), rect.width(), -rect.height())
        return to_pixels * view.projectionMatrix(viewport, viewport) * view.viewMatrix()

    def tick_labels(self) -> dict[str, list[str]]:
        """The tick texts now on each axis (true units); for tests and accessibility."""
        return {axis: list(texts) for axis, texts in self._tick_labels.items()}

    def label_rects(self) -> list[tuple[str, QRectF]]:
        """Where each axis label lands on screen (widget pixels), as GLTextItem will paint it
        with the current camera; for the layout tests (labels must stay apart and inside)."""
        from PySide6.QtGui import QVector3D

        project = self._projection()
        found = []
        for item in self._shown_labels():
            point = project.map(QVector3D(*item.pos)).toPointF()
            found.append((item.text, self._label_extent(item).translated(point)))
        return found

    def box_rect(self) -> QRectF:
        """The box's bounding rectangle on screen (widget pixels, floor grid to top) with the
        current camera; for the layout tests (the box should fill its panel)."""
        project = self._projection()
        h = BOX_HALF
        points = [
            project.map(QVector3D(x, y, z)).toPointF()
            for x in (-h, h)
            for y in (-h, h)
            for z in (FLOOR_Z, BOX_HEIGHT)
        ]
        xs = [p.x() for p in points]
        ys = [p.y() for p in points]
        return QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

    def box_fill(self, with_labels: bool = False) -> tuple[float, float]:
        """How much of the picture's width and height the box covers (0..1 each); with its
        labels, what the drawing as a whole covers."""
        rect = self.box_rect()
        if with_labels:
            for _text, label in self.label_rects():
                rect = rect.united(label)
        return (
            rect.width() / max(self._view.width(), 1),
            rect.height() / max(self._view.height(), 1),
        )

    def _shown_labels(self) -> list:
        return [item for item in self._labels if item.visible() and item.text]

    @staticmethod
    def _label_extent(item) -> QRectF:
        """The pixels a label's text covers, relative to the point its position projects to."""
        from PySide6.QtGui import QFontMetrics

        tight = QFontMetrics(item.font).tightBoundingRect(item.text)
        dx = dy = 0.0
        if item.alignment & Qt.AlignmentFlag.AlignRight:
            dx = tight.width()
        if item.alignment & Qt.AlignmentFlag.AlignHCenter:
            dx = tight.width() / 2.0
        if item.alignment & Qt.AlignmentFlag.AlignVCenter:
            dy = tight.height() / 2.0
        # drawText puts the baseline at the point; tight rect is relative to the baseline.
        return QRectF(tight).translated(-dx, dy)

    def _set_labels(self, labels) -> None:
        gl = self._gl_mod
        while len(self._labels) < len(labels):
            self._labels.append(self._add(_label_class(gl)(), 100))
        text_color = QColor(*_STYLES[self._dark]["text"])
        self._label_size_used = self._label_pixel_size()
        fonts = {False: self._font(False), True: self._font(True)}
        for item, (pos, text, align, bold) in zip(self._labels, labels, strict=False):
            item.setData(
                pos=np.array(pos, dtype=float),
                text=text,
                alignment=align,
                font=fonts[bold],
                color=text_color,
            )
            item.show()
        for item in self._labels[len(labels) :]:
            item.setData(text="")
            item.hide()

    # ------------------------------------------------------------------- probe
    def set_probe(
        self,
        x: float | None,
        y: float | None = None,
        z: float | None = None,
        gx: float | None = None,
        gy: float | None = None,
        scale: float = 1.0,
    ) -> None:
        """Mark (x, y, f) and draw the gradient there climbing the surface, ``scale × ∇f`` long
        across the floor as on the contour map; ``set_probe(None)`` hides."""
        values = (x, y, z, gx, gy)
        if x is None or any(v is None for v in values):
            self._probe = None
        else:
            self._probe = tuple(float(v) for v in values)
        self._arrow_scale = float(scale)
        self._update_probe()

    def set_tangent_plane(self, visible: bool) -> None:
        """A small patch of the tangent plane at the probe, with the two slice tangent lines."""
        self._tangent_visible = bool(visible)
        self._update_probe()

    def _update_probe(self) -> None:
        # Gradients near 1e300 overflow when squared; the code below draws those as vertical
        # arrows, so numpy's warnings about it are noise.
        with np.errstate(over="ignore", invalid="ignore"):
            self._draw_probe_items()

    def _draw_probe_items(self) -> None:
        items = (
            self._probe_marker,
            self._arrow_shaft,
            self._arrow_head,
            self._drop_line,
            self._tangent,
            self._tangent_lines,
        )
        probe = self._probe
        if probe is None or not all(math.isfinite(v) for v in probe[:3]):
            for item in items:
                item.hide()
            return
        x, y, f, gx, gy = probe
        m = self._map
        p = np.array([m.x(x), m.y(y), m.z(f)], dtype=float)
        lift = 0.04
        big = 1.6 if self._big else 1.0
        probe_rgba = _rgba(PROBE_COLOR)

        self._probe_marker.setData(
            pos=(p + [0, 0, lift])[None, :], color=probe_rgba, size=14 * big, pxMode=True
        )
        self._probe_marker.show()
        self._drop_line.setData(
            pos=np.array([[p[0], p[1], FLOOR_Z], p], dtype=np.float32),
            color=_rgba(PROBE_COLOR, 0.6),
            width=self._line_width(1.5),
            antialias=True,
        )
        self._drop_line.show()

        # The arrow climbs the displayed surface along the tangent plane: the step
        # scale*(gx, gy) across the floor (as long as the contour map's arrow) gains
        # scale*|g|^2 in height. It is kept inside the box, and too short to see means flat.
        t = self._arrow_scale
        if math.isfinite(gx) and math.isfinite(gy) and (gx != 0.0 or gy != 0.0):
            d = np.array([t * gx * m.sx, t * gy * m.sy, t * (gx * gx + gy * gy) * m.sz])
            length = float(np.linalg.norm(d))
            if not math.isfinite(length) or length == 0.0:
                # |g|^2 overflowed: the arrow is vertical in display space
                d, length = np.array([0.0, 0.0, 1.0]), MAX_ARROW_LENGTH
            d /= np.linalg.norm(d)
            length = min(length, MAX_ARROW_LENGTH)
            head = min(0.55 * big, 0.5 * length)
        else:
            length = 0.0
        if length >= MIN_ARROW_LENGTH:
            start = p + [0, 0, lift]
            tip = start + d * length
            self._arrow_shaft.setData(
                pos=np.array([start, tip - d * head * 0.8], dtype=np.float32),
                color=_rgba(GRADIENT_COLOR),
                width=self._line_width(4.0),
                antialias=True,
            )
            verts, faces = cone(tip, d, head, 0.2 * big)
            self._arrow_head.setMeshData(vertexes=verts, faces=faces, color=_rgba(GRADIENT_COLOR))
            self._arrow_shaft.show()
            self._arrow_head.show()
        else:
            self._arrow_shaft.hide()
            self._arrow_head.hide()

        if self._tangent_visible and math.isfinite(gx) and math.isfinite(gy):
            half = 1.6
            hx, hy = half / m.sx, half / m.sy
            corners_true = np.array([[-hx, -hy], [hx, -hy], [hx, hy], [-hx, hy]])
            zc = f + gx * corners_true[:, 0] + gy * corners_true[:, 1]
            verts = np.column_stack(
                [
                    m.x(x + corners_true[:, 0]),
                    m.y(y + corners_true[:, 1]),
                    m.z(zc, clip=False),
                ]
            ).astype(np.float32)
            color = np.tile(np.array(_rgba(TANGENT_PLANE_COLOR, 0.4), np.float32), (4, 1))
            self._tangent.setMeshData(
                vertexes=verts,
                faces=np.array([[0, 1, 2], [0, 2, 3]], dtype=np.uint32),
                vertexColors=color,
            )
            outline = np.vstack([verts[[0, 1]], verts[[1, 2]], verts[[2, 3]], verts[[3, 0]]])
            # the two tangent lines through the point: slopes df/dx and df/dy
            tx = np.array(
                [
                    [m.x(x - hx), m.y(y), m.z(f - gx * hx, False)],
                    [m.x(x + hx), m.y(y), m.z(f + gx * hx, False)],
                ]
            )
            ty = np.array(
                [
                    [m.x(x), m.y(y - hy), m.z(f - gy * hy, False)],
                    [m.x(x), m.y(y + hy), m.z(f + gy * hy, False)],
                ]
            )
            pos = np.vstack([outline, tx, ty]).astype(np.float32)
            colors = np.array(
                [_STYLES[self._dark]["axis"]] * 8
                + [_rgba(SLICE_X_COLOR)] * 2
                + [_rgba(SLICE_Y_COLOR)] * 2,
                dtype=np.float32,
            )
            self._tangent_lines.setData(
                pos=pos, color=colors, width=self._line_width(3.0), antialias=True
            )
            self._tangent.show()
            self._tangent_lines.show()
        else:
            self._tangent.hide()
            self._tangent_lines.hide()

    # ------------------------------------------------------------------ slices
    def set_slice_planes(self, x0: float | None, y0: float | None) -> None:
        """Vertical planes y = y0 (its cut shows df/dx) and x = x0 (shows df/dy); None hides."""
        self._slices = (
            None if x0 is None else float(x0),
            None if y0 is None else float(y0),
        )
        self._update_slices()

    def _update_slices(self) -> None:
        x0, y0 = self._slices
        m = self._map
        h = BOX_HALF
        verts, colors, outline, outline_colors, curves, curve_colors = [], [], [], [], [], []
        planes = []
        if y0 is not None and math.isfinite(y0):
            yd = float(m.y(y0))
            quad = [(-h, yd, FLOOR_Z), (h, yd, FLOOR_Z), (h, yd, PLANE_TOP), (-h, yd, PLANE_TOP)]
            planes.append((quad, SLICE_X_COLOR))
            if self._zd.size and len(self._yd) > 1:
                fj = np.interp(yd, self._yd, np.arange(len(self._yd)))
                j0 = min(int(fj), len(self._yd) - 2)
                t = fj - j0
                zc = self._zd[:, j0] * (1 - t) + self._zd[:, j0 + 1] * t
                curve = np.column_stack([self._xd, np.full_like(self._xd, yd), zc + 0.02])
                seg = curve_segments(curve)
                curves.append(seg)
                curve_colors += [_rgba(SLICE_X_COLOR)] * len(seg)
        if x0 is not None and math.isfinite(x0):
            xd = float(m.x(x0))
            quad = [(xd, -h, FLOOR_Z), (xd, h, FLOOR_Z), (xd, h, PLANE_TOP), (xd, -h, PLANE_TOP)]
            planes.append((quad, SLICE_Y_COLOR))
            if self._zd.size and len(self._xd) > 1:
                fi = np.interp(xd, self._xd, np.arange(len(self._xd)))
                i0 = min(int(fi), len(self._xd) - 2)
                t = fi - i0
                zc = self._zd[i0] * (1 - t) + self._zd[i0 + 1] * t
                curve = np.column_stack([np.full_like(self._yd, xd), self._yd, zc + 0.02])
                seg = curve_segments(curve)
                curves.append(seg)
                curve_colors += [_rgba(SLICE_Y_COLOR)] * len(seg)

        if not planes:
            self._slice_planes.hide()
            self._slice_outline.hide()
            self._slice_curves.hide()
            return
        faces = []
        for k, (quad, color) in enumerate(planes):
            verts += quad
            colors += [_rgba(color, 0.28)] * 4
            faces += [[4 * k, 4 * k + 1, 4 * k + 2], [4 * k, 4 * k + 2, 4 * k + 3]]
            for a, b in ((0, 1), (1, 2), (2, 3), (3, 0)):
                outline += [quad[a], quad[b]]
                outline_colors += [_rgba(color, 0.9)] * 2
        self._slice_planes.setMeshData(
            vertexes=np.array(verts, dtype=np.float32),
            faces=np.array(faces, dtype=np.uint32),
            vertexColors=np.array(colors, dtype=np.float32),
        )
        self._slice_outline.setData(
            pos=np.array(outline, dtype=np.float32),
            color=np.array(outline_colors, dtype=np.float32),
            width=self._line_width(1.5),
            antialias=True,
        )
        self._slice_planes.show()
        self._slice_outline.show()
        if curves and sum(len(c) for c in curves):
            self._slice_curves.setData(
                pos=np.vstack(curves),
                color=np.array(curve_colors, dtype=np.float32),
                width=self._line_width(3.0),
                antialias=True,
            )
            self._slice_curves.show()
        else:
            self._slice_curves.hide()

    # ------------------------------------------------------------------- paths
    def set_paths(self, paths: list[tuple]) -> None:
        """Descent runs as lines over the surface, each with a marker at its current point.

        Each entry is ``(points (K, 3), colour)`` or ``(points, colour, preview)``; a preview
        (the steps still to come) is a thin pale line with no marker.
        """
        self._paths = [
            (
                np.asarray(entry[0], dtype=float).reshape(-1, 3),
                str(entry[1]),
                bool(entry[2]) if len(entry) > 2 else False,
            )
            for entry in paths
        ]
        self._update_paths()

    def _update_paths(self) -> None:
        gl = self._gl_mod
        m = self._map
        markers, marker_colors = [], []
        shown = 0
        for points, color, preview in self._paths:
            # (no copy of a long streamed path when, as almost always, all of it is finite)
            pts = points if np.isfinite(points).all() else points[np.isfinite(points).all(axis=1)]
            if len(pts) == 0:
                continue
            if shown == len(self._path_lines):
                self._path_lines.append(
                    self._add(gl.GLLinePlotItem(mode="line_strip", glOptions="opaque"), 2)
                )
                self._view.dynamic_items.add(self._path_lines[-1])
                self._frozen_paths.append((0, None, (), []))
            width = self._line_width(1.5 if preview else 3.0)
            frozen = 0 if preview else self._freeze_path(shown, pts, color, width)
            if preview:
                self._thaw_path(shown)
            tail = pts[max(frozen - 1, 0) :]
            disp = np.column_stack([m.x(tail[:, 0]), m.y(tail[:, 1]), m.z(tail[:, 2]) + 0.05])
            line = self._path_lines[shown]
            line.setGLOptions("translucent" if preview else "opaque")
            line.setData(
                pos=disp.astype(np.float32),
                color=_rgba(color, 0.45) if preview else _rgba(color),
                width=width,
                antialias=True,
            )
            line.show()
            shown += 1
            if preview:
                continue
            markers.append(disp[-1])
            marker_colors.append(_rgba(color))
        for index, line in enumerate(self._path_lines[shown:], start=shown):
            line.hide()
            self._thaw_path(index)
        if markers:
            self._path_markers.setData(
                pos=np.array(markers, dtype=np.float32),
                color=np.array(marker_colors, dtype=np.float32),
                size=12 * (1.6 if self._big else 1.0),
                pxMode=True,
            )
            self._path_markers.show()
        else:
            self._path_markers.hide()

    # -------------------------------------------------------------- constraint
    def set_constraint_path(self, points=None) -> None:
        """The curve g(x, y) = c lifted onto the surface: (K, 3) rows (x, y, f), NaN rows
        between its pieces; drawn on the floor too, so the lift reads. None hides it."""
        if points is None:
            self._constraint_path = np.zeros((0, 3))
            self._constraint_probe = None
            self._lagrange = np.zeros((0, 3))
        else:
            self._constraint_path = np.asarray(points, dtype=float).reshape(-1, 3)
        self._update_constraint()

    def set_constraint_probe(
        self, x=None, y=None, f=None, fx=None, fy=None, gx=None, gy=None, scale: float = 1.0
    ) -> None:
        """∇f and ∇g at the point (x, y) of the curve, level at its height f, as long as
        ``scale`` × each (the contour map's arrows, in the box's units)."""
        values = (x, y, f, fx, fy, gx, gy)
        if any(v is None or not math.isfinite(float(v)) for v in values[:3]):
            self._constraint_probe = None
        else:
            self._constraint_probe = (*(float(v) for v in values), float(scale))
        self._update_constraint()

    def set_lagrange_points(self, points=None) -> None:
        """Markers at the Lagrange points, (K, 3) rows (x, y, f)."""
        self._lagrange = np.zeros((0, 3)) if points is None else np.asarray(points, float)
        self._lagrange = self._lagrange.reshape(-1, 3)
        self._update_constraint()

    def constraint_path(self) -> np.ndarray:
        """The lifted curve as last given, (K, 3) true units (empty when none)."""
        return self._constraint_path.copy()

    def _update_constraint(self) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            self._draw_constraint()

    def _draw_constraint(self) -> None:
        m = self._map
        color = _rgba(CONSTRAINT_COLOR)
        big = 1.6 if self._big else 1.0
        path = self._constraint_path
        if len(path) > 1:
            segments, floor = lifted_curve_segments(m, path, 0.06, FLOOR_Z + 0.01)
            self._constraint_line.setData(
                pos=segments, color=color, width=self._line_width(4.0), antialias=True
            )
            self._constraint_floor.setData(
                pos=floor,
                color=_rgba(CONSTRAINT_COLOR, 0.7),
                width=self._line_width(2.0),
                antialias=True,
            )
            self._constraint_line.setVisible(len(segments) > 0)
            self._constraint_floor.setVisible(len(floor) > 0)
        else:
            self._constraint_line.hide()
            self._constraint_floor.hide()
        lagrange = self._lagrange[np.isfinite(self._lagrange).all(axis=1)]
        if len(lagrange) and len(path) > 1:
            pos = np.column_stack([m.x(lagrange[:, 0]), m.y(lagrange[:, 1]), m.z(lagrange[:, 2])])
            self._lagrange_markers.setData(
                pos=(pos + [0, 0, 0.08]).astype(np.float32),
                color=_rgba(LAGRANGE_COLOR),
                size=10 * big,
                pxMode=True,
            )
            self._lagrange_markers.show()
        else:
            self._lagrange_markers.hide()
        probe = self._constraint_probe
        if probe is None or len(path) < 2:
            for item in (self._constraint_marker, self._constraint_arrows, self._constraint_heads):
                item.hide()
            return
        x, y, f, fx, fy, gx, gy, scale = probe
        p = np.array([m.x(x), m.y(y), m.z(f) + 0.08], dtype=float)
        self._constraint_marker.setData(
            pos=p[None, :].astype(np.float32), color=(1, 1, 1, 1), size=7 * big, pxMode=True
        )
        self._constraint_marker.show()
        lines, line_colors, verts, faces, face_colors = [], [], [], [], []
        colors = (_rgba(GRADIENT_COLOR), color)
        arrows = flat_arrows(
            m, p, [(fx, fy), (gx, gy)], scale, big, MIN_ARROW_LENGTH, MAX_ARROW_LENGTH
        )
        for index, shaft, cone_verts, cone_faces in arrows:
            rgba = colors[index]
            lines += list(shaft)
            line_colors += [rgba, rgba]
            faces.append(cone_faces + sum(len(v) for v in verts))
            verts.append(cone_verts)
            face_colors += [rgba] * len(cone_faces)
        if lines:
            self._constraint_arrows.setData(
                pos=np.array(lines, dtype=np.float32),
                color=np.array(line_colors, dtype=np.float32),
                width=self._line_width(4.0),
                antialias=True,
            )
            self._constraint_heads.setMeshData(
                vertexes=np.vstack(verts),
                faces=np.vstack(faces).astype(np.uint32),
                faceColors=np.array(face_colors, dtype=np.float32),
            )
            self._constraint_arrows.show()
            self._constraint_heads.show()
        else:
            self._constraint_arrows.hide()
            self._constraint_heads.hide()

    def _freeze_path(self, index: int, pts: np.ndarray, color: str, width: float) -> int:
        """Draw every full piece (PATH_CHUNK points) of a long path once, as items of the
        still picture, and return how many leading points they draw: while a run streams
        only the newest piece is drawn again each frame, so a frame does not cost more with
        every step taken. A different path, colour or width starts afresh (a new box too:
        set_surface thaws every piece)."""
        count, last, look, items = self._frozen_paths[index]
        wanted = (color, width)
        if count and (
            count > len(pts) or look != wanted or not np.array_equal(pts[count - 1], last)
        ):
            self._thaw_path(index)
            count, items = 0, []
        m = self._map
        while len(pts) - count > PATH_CHUNK:
            end = count + PATH_CHUNK
            piece = pts[max(count - 1, 0) : end]
            disp = np.column_stack([m.x(piece[:, 0]), m.y(piece[:, 1]), m.z(piece[:, 2]) + 0.05])
            item = self._add(self._gl_mod.GLLinePlotItem(mode="line_strip", glOptions="opaque"), 2)
            item.setData(
                pos=disp.astype(np.float32), color=_rgba(color), width=width, antialias=True
            )
            items.append(item)
            count = end
        self._frozen_paths[index] = (count, pts[count - 1].copy() if count else None, wanted, items)
        return count

    def _thaw_path(self, index: int) -> None:
        if index >= len(self._frozen_paths) or not self._frozen_paths[index][3]:
            return
        for item in self._frozen_paths[index][3]:
            self._view.removeItem(item)
        self._frozen_paths[index] = (0, None, (), [])

    # ------------------------------------------------------------------ camera
    def reset_view(self) -> None:
        """A 3/4 view from the south-east, about 30 degrees up, the whole box in view."""
        self._view.opts["fov"] = FIELD_OF_VIEW
        self._fov_fitted = None  # no zoom of the user's to keep
        self.set_camera_state(DEFAULT_CAMERA)
        self._fit_field_of_view()
        self._camera_told = None  # reported even when it was already there
        self._report_camera()

    def _fit_field_of_view(self) -> None:
        """Fit the field of view to the panel's size and shape, so that from the default camera
        the box and its labels fill the panel (with a fixed 45 degrees a tall narrow panel
        showed the box in its middle half). A zoom of the user's (Ctrl+wheel) is kept as a
        ratio to the fitted view; an orbit or a wheel zoom does not change the fit."""
        if self._fitting:
            return
        self._fitting = True
        try:
            # The title's rise, the z numbers' gap and how many there are are chosen in
            # pixels, so the labels move with the fit: place them again, fit again (twice
            # settles it).
            for _ in range(3):
                fitted = self._fitted_fov()
                if fitted is None:
                    return
                current = float(self._view.opts["fov"])
                zoom = 1.0
                if self._fov_fitted is not None:
                    zoom = math.tan(math.radians(current) / 2) / math.tan(
                        math.radians(self._fov_fitted) / 2
                    )
                self._fov_fitted = fitted
                fov = math.degrees(2 * math.atan(math.tan(math.radians(fitted) / 2) * zoom))
                if abs(fov - current) < 0.01:
                    return
                self._view.opts["fov"] = fov
                self._update_axes()
                self._view.update()
        finally:
            self._fitting = False

    def _fitted_fov(self) -> float | None:
        """The horizontal field of view (what GLViewWidget takes) at which the default camera
        shows the box and every label inside the panel, touching it across or up and down;
        and the lens shift (self._lens_shift) that centres that drawing in the panel."""
        from PySide6.QtGui import QMatrix4x4

        width, height = self._view.width(), self._view.height()
        if width < 50 or height < 50:
            return None  # not laid out yet
        view = QMatrix4x4()  # the default camera, as GLViewWidget.viewMatrix builds it
        view.translate(0.0, 0.0, -DEFAULT_CAMERA["distance"])
        view.rotate(DEFAULT_CAMERA["elevation"] - 90, 1, 0, 0)
        view.rotate(DEFAULT_CAMERA["azimuth"] + 90, 0, 0, -1)
        view.translate(*(-c for c in DEFAULT_CAMERA["center"]))
        h = BOX_HALF
        points = [
            ((x, y, z), QRectF()) for x in (-h, h) for y in (-h, h) for z in (FLOOR_Z, BOX_HEIGHT)
        ]
        points += [(item.pos, self._label_extent(item)) for item in self._shown_labels()]
        # Per point, across and up: tan(angle off the view's axis), and the label's pixels
        # below and above that (on screen a label's top is its lowest y).
        across, up = [], []
        for pos, extent in points:
            eye = view.map(QVector3D(*(float(v) for v in pos)))
            depth = -eye.z()
            if depth > 1e-6:
                across.append((eye.x() / depth, -extent.left(), extent.right()))
                up.append((eye.y() / depth, extent.bottom(), -extent.top()))
        if not across:
            return None

        def span(rows, focal: float) -> tuple[float, float]:
            return (
                min(focal * t - low for t, low, _high in rows),
                max(focal * t + high for t, _low, high in rows),
            )

        focal = min(
            _largest_focal(across, width - 2 * FIT_PADDING),
            _largest_focal(up, height - 2 * FIT_PADDING),
        )
        if not math.isfinite(focal) or focal <= 0:
            return None
        # The labels stand out further on one side (the z numbers left, the y numbers right):
        # shifting the picture by half the difference centres the drawing, so both sides can
        # reach the panel's edges.
        shifts = []
        for rows, size in ((across, width), (up, height)):
            first, last = span(rows, focal)
            shifts.append(-(first + last) / 2 / (size / 2))
        self._lens_shift = (shifts[0], shifts[1])
        return math.degrees(2 * math.atan(width / 2 / focal))

    def camera_state(self) -> dict:
        """Plain, JSON-friendly camera parameters for a session file."""
        opts = self._view.opts
        c = opts["center"]
        return {
            "distance": float(opts["distance"]),
            "elevation": float(opts["elevation"]),
            "azimuth": float(opts["azimuth"]),
            "center": [float(c.x()), float(c.y()), float(c.z())],
        }

    def set_camera_state(self, state: dict) -> None:
        """Restore what ``camera_state`` returned; missing or non-finite entries are left alone."""

        def finite_number(key):
            v = state.get(key)
            try:
                v = float(v)
            except (TypeError, ValueError):
                return None
            return v if math.isfinite(v) else None

        center = state.get("center")
        pos = None
        if center is not None:
            try:
                cx, cy, cz = (float(v) for v in center)
            except (TypeError, ValueError):
                cx = cy = cz = math.nan
            if all(math.isfinite(v) for v in (cx, cy, cz)):
                pos = QVector3D(cx, cy, cz)
        distance = finite_number("distance")
        if distance is not None and distance <= 0:
            distance = None
        elevation = finite_number("elevation")
        if elevation is not None:
            elevation = max(-90.0, min(90.0, elevation))
        self._view.setCameraPosition(
            pos=pos, distance=distance, elevation=elevation, azimuth=finite_number("azimuth")
        )
        self._camera_told = self.camera_state()  # told, not moved by the user: not reported

    # ----------------------------------------------------------------- looks
    def grab_image(self, scale: float = 1.0) -> QImage:
        """The rendered 3D picture (which a plain widget grab misses: it is a window of its
        own); at ``scale`` > 1 drawn off screen at that many times the pixels."""
        return self._view.render_image(scale)

    def request_frame(self) -> None:
        """Draw the live picture again soon (``frameSwapped`` follows), even with nothing
        changed: the 3D view is a window of its own, which a repaint of its parent widgets
        does not reach."""
        self._view.update()

    def hold_frames(self, held: bool) -> None:
        """Hold the live picture's redraws (a new landscape's drawing is spread over turns of
        the event loop; see MainWindow._stage_paints); letting go draws what changed."""
        self._view.hold_frames(held)

    def frames_held(self) -> bool:
        return self._view.frames_held()

    def picture_widget(self) -> QWidget:
        """The widget the live 3D picture fills (its window's container)."""
        return self._view_box

    def export_image(self, scale: float = 1.0) -> QImage:
        """The 3D picture as exported: the rendered framebuffer with the race's run legend
        above it, as on screen (a race exported without it would not say which run is which)."""
        picture = self.grab_image(scale)
        if not self.run_legend.isVisible() or self.run_legend.height() <= 0:
            return picture
        ratio = picture.width() / max(self._view.width(), 1)
        legend_height = math.ceil(self.run_legend.height() * ratio)
        image = QImage(
            picture.width(), legend_height + picture.height(), QImage.Format.Format_ARGB32
        )
        image.fill(self.run_legend.palette().window().color())
        painter = QPainter(image)
        painter.scale(ratio, ratio)
        self.run_legend.render(painter, QPoint(0, 0))
        painter.resetTransform()
        painter.drawImage(0, legend_height, picture)
        painter.end()
        return image

    def set_style(self, dark: bool) -> None:
        """Light or dark appearance: background, text and grid colours."""
        self._dark = bool(dark)
        self._view.setBackgroundColor(QColor(plot_background(self._dark)))
        self._refresh_looks()

    def set_run_legend(self, entries) -> None:
        """Name each run of a race in its colour: [(name, colour)], empty for none."""
        parts = [
            f"<span style='color:{html.escape(color)}'><b>━━</b></span>&nbsp;{html.escape(name)}"
            for name, color in entries
        ]
        if parts:  # (hidden, the last text stays: its line keeps the same height)
            self.run_legend.setText("&nbsp;&nbsp;&nbsp; ".join(parts))
        self.run_legend.setVisible(bool(parts))

    def set_presentation(self, big: bool, scale: float = 1.7) -> None:
        """Projector mode: thicker lines, bigger markers and labels (``scale`` times normal)."""
        self._big = bool(big)
        self._big_scale = float(scale)
        self._refresh_looks()

    def _refresh_looks(self) -> None:
        self._update_axes()
        if self._wire_visible:
            self._update_wire()
        self._update_probe()
        self._update_slices()
        self._update_paths()
        self._update_constraint()
