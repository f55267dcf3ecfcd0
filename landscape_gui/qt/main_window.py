"""The main window: layout, menus and toolbar. Wiring only; no maths, no state of its own."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QActionGroup, QFont
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLabel,
    QLineEdit,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from landscape_gui import startup
from landscape_gui.core import pacing, start_picture
from landscape_gui.core.optimizers import ALL_OPTIMIZERS
from landscape_gui.core.presets import CONSTRAINT_PRESETS, PRESETS
from landscape_gui.core.state import SessionState
from landscape_gui.qt import about
from landscape_gui.qt.actions import ACTIONS, build_actions, shortcut_texts
from landscape_gui.qt.appearance import apply_palette, system_is_dark
from landscape_gui.qt.settings import app_settings
from landscape_gui.qt.views.caption_bar import CaptionBar
from landscape_gui.qt.views.surface_view import SurfaceView

# The rest of the window is imported when it is built: a window that opens on its kept start
# picture draws it before these (and sympy, which the controller brings) are imported.
if TYPE_CHECKING:
    from landscape_gui.core.landscape import CompiledFormula
    from landscape_gui.qt.views.contour_view import ContourView
    from landscape_gui.qt.views.descent_panel import DescentPanel
    from landscape_gui.qt.views.formula_panel import FormulaPanel
    from landscape_gui.qt.views.readout import ReadoutView
    from landscape_gui.qt.views.settle import PlotSettler
    from landscape_gui.qt.views.slices_view import SlicesView

DEFAULT_SIZE = (1600, 1000)  # the first window, on a screen with room for it
# Presentation mode scales type with the screen: a projector shows 720 lines as large as 1080,
# so text is a share of the screen's height (body text about 1/40 of it), never fixed pixels.
PRESENTATION_TEXT_SHARE = 1 / 40
NORMAL_TEXT_PIXELS = 13  # the views' normal body text, which presentation mode scales from
# Presentation mode's lesson column is as narrow as its content allows while still fitting the
# screen's height (so no empty block is left under it and the views get the width), between
# its widest control's need and PRESENTATION_SIDE_SHARE of the width (PRESENTATION_SIDE_LIMITS
# in pixels). It is fitted with PRESENTATION_SIDE_SPARE of the height to spare, for a longer
# caption, and fitted again when its content no longer fits or leaves more than
# PRESENTATION_SIDE_MOST_UNUSED of the height empty (not on every step: the views would jump).
PRESENTATION_SIDE_SHARE = 0.32
PRESENTATION_SIDE_LIMITS = (270, 600)
PRESENTATION_SIDE_SPARE = 0.1
PRESENTATION_SIDE_MOST_UNUSED = 0.25
# Between the paints of a new landscape's stages (see _stage_paints): a frame at 60 Hz, so
# every timer due meanwhile (the playback's, a heartbeat's) runs between two stages; at 1 ms
# the next stage was due before them and two or three stages were painted back to back.
PAINT_STAGE_MS = 16
SURFACE_SHARE = 0.46  # of the maps' width: the 3D view, then the contour map
# Of the height right of the lesson column: the maps, then the slices. The maps row is about as
# tall as its panels are wide (the 3D box's picture and the equal-scale map are no taller than
# wide; a taller row only leaves them white above and below, as on 4:3 projectors), within these.
PRESENTATION_MAPS_SHARE = (0.5, 0.6)
RESOLUTIONS = (100, 200, 300, 400)
# After the first landscape, how long until the window counts as settled (its derivatives
# typeset, sympy loaded) and what exists is left out of cycle collections (see worker).
SETTLE_MS = 3000
# A staged window is built once its first frame is drawn, or after this long without one.
FIRST_FRAME_WAIT_MS = 1000
COLOR_SCALES = {
    "auto": "Automatic: logarithmic for steep landscapes",
    "linear": "Linear",
    "log": "Logarithmic (height above the lowest)",
}
MAP_ASPECTS = {
    "auto": "Equal x and y scales when they fit, else fill",
    "equal": "Always equal x and y scales",
    "fill": "Always fill the panel",
}


@dataclass
class Views:
    formula: FormulaPanel
    readout: ReadoutView
    surface: SurfaceView
    contour: ContourView
    slices: SlicesView
    descent: DescentPanel
    caption: CaptionBar

    def all(self) -> list[QWidget]:
        return [
            self.formula,
            self.readout,
            self.surface,
            self.contour,
            self.slices,
            self.descent,
            self.caption,
        ]


def _hold_paints(widget: QWidget, held: bool) -> None:
    """Hold a view's paints back (or let them go). The 3D view is a window of its own, which
    a widget's updatesEnabled does not reach: it holds its frames itself."""
    if isinstance(widget, SurfaceView):
        widget.hold_frames(held)
    else:
        widget.setUpdatesEnabled(not held)


def _titled(title: str, widget: QWidget) -> QWidget:
    frame = QWidget()
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(2, 2, 2, 2)
    layout.setSpacing(2)
    label = QLabel(f"<b>{title}</b>")
    label.setObjectName("viewTitle")
    # A long title must not set the view's minimum width (it would at presentation sizes):
    # it wraps onto a second line instead of being cut.
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return frame


class MainWindow(QMainWindow):
    # Everything is built: the views, the controller, the files (a staged window, after its
    # first frame; any other, before its constructor returns).
    built = Signal()

    def __init__(
        self,
        state: SessionState | None = None,
        remember_geometry: bool = True,
        prompt_unsaved: bool = True,
        compiled: CompiledFormula | None = None,
        staged: bool = False,
    ):
        """``compiled``: the state's formula already compiled (the screenshot command's).

        ``staged`` (the `landscape` command's window), when a start picture was kept from
        the last start on the same landscape (see core.start_picture): the constructor
        builds only the window's frame (its layout, menus, toolbar and the 3D view, where
        they will be) and draws the picture; the views, the controller and sympy follow once
        that frame is on screen (``built`` is sent then). Otherwise the window is whole
        when the constructor returns."""
        super().__init__()
        # A closed window is deleted: its views, GL buffers, workers and undo history are
        # held by signal connections Python cannot see through, so only Qt can free them.
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._prompt_unsaved = prompt_unsaved
        self._closed = False
        self._is_built = False
        self._plots: PlotSettler | None = None
        self.overlay = None
        self.setAcceptDrops(True)
        self.setWindowTitle("Landscape")
        self.setWindowIcon(about.app_icon())
        self.setObjectName("landscapeMainWindow")
        self._remember_geometry = remember_geometry
        self._presentation_saved: dict | None = None
        self._lesson_refit_pending = False
        self._splitters_to_restore: tuple | None = None
        self._maps_balanced = False
        self._splitter_restored = False
        self._build_timer: QTimer | None = None
        if state is None:
            state = SessionState(resolution=_preferred_resolution())
        surface = SurfaceView()
        self._build_layout(surface, CaptionBar())
        # Actions, menus and toolbar exist from the start (the 3D view does not move when
        # the rest arrives); an action does what it does once the window is built.
        self._handlers_when_built: dict = {}
        self.actions = build_actions(
            self, {spec.key: partial(self._act, spec.key) for spec in ACTIONS}
        )
        self._build_menus()
        self._show_toggles(state.toggles)  # the toolbar as it will be, from the first frame
        self.statusBar().showMessage(
            "Click or drag on the contour map to move the probe point. F1 lists every key."
        )
        self._fit_to_screen()
        dark = self._dark_preferred()
        apply_palette(dark)
        surface.set_style(dark)
        self._start_key = _start_picture_key(state, _color_scale_preference()) if staged else None
        picture = None
        if self._start_key is not None:
            picture = start_picture.load(startup.cache_folder(), self._start_key)
        if picture is None:  # nothing to show early (a first start): built whole at once
            self._build(state, compiled)
            return
        surface.set_surface(
            picture.xs, picture.ys, picture.z, picture.z_limits, picture.color_scale
        )
        self.setWindowTitle("Untitled — Landscape")  # what update_title says once built
        startup.log().info("drew the start picture kept in %s", startup.cache_folder())
        # Built in a turn of its own once the first frame is drawn, or after a while if no
        # frame comes (a window opened minimised draws none).
        self._build_timer = QTimer(self)
        self._build_timer.setSingleShot(True)
        self._build_timer.setInterval(FIRST_FRAME_WAIT_MS)
        self._build_timer.timeout.connect(lambda: self._build(state, compiled))
        surface.frameSwapped.connect(self._build_soon)
        self._build_timer.start()

    def _build_soon(self) -> None:
        self._surface_view.frameSwapped.disconnect(self._build_soon)
        self._build_timer.setInterval(0)
        self._build_timer.start()

    def _act(self, key: str, *arguments) -> None:
        """What an action does (its handler), once the window is built; a key pressed while
        the window is still being built does nothing."""
        handler = self._handlers_when_built.get(key)
        if handler is not None:
            handler(*arguments)

    def is_built(self) -> bool:
        return self._is_built

    @property
    def surface_view(self) -> SurfaceView:
        """The 3D view, there from the start (``views``, which holds it with the others, is
        there once the window is built)."""
        return self._surface_view

    def _build(self, state: SessionState, compiled: CompiledFormula | None) -> None:
        """The views, the controller and the files, in the frame made by the constructor."""
        if self._is_built or self._closed:
            return
        if self._build_timer is not None:
            self._build_timer.stop()
        # Imported here: the controller brings sympy (see the imports at the top).
        from landscape_gui.qt import worker
        from landscape_gui.qt.controller import Controller
        from landscape_gui.qt.file_actions import FileActions
        from landscape_gui.qt.views.contour_view import ContourView
        from landscape_gui.qt.views.descent_panel import DescentPanel
        from landscape_gui.qt.views.formula_panel import FormulaPanel
        from landscape_gui.qt.views.readout import ReadoutView
        from landscape_gui.qt.views.settle import PlotSettler
        from landscape_gui.qt.views.shortcut_overlay import ShortcutOverlay
        from landscape_gui.qt.views.slices_view import SlicesView

        self.views = Views(
            formula=FormulaPanel(
                [(p.key, p.name) for p in PRESETS],
                constraint_presets=[(p.key, p.name) for p in CONSTRAINT_PRESETS],
            ),
            readout=ReadoutView(),
            surface=self._surface_view,
            contour=ContourView(),
            slices=SlicesView(),
            descent=DescentPanel(ALL_OPTIMIZERS),
            caption=self._caption,
        )
        self._place_views()
        self._plots = PlotSettler(self.findChildren(pg.GraphicsView))  # settled before paints
        self.controller = Controller(self.views, state, parent=self, compiled=compiled)
        self.files = FileActions(self)
        self._handlers_when_built = self._handlers()
        self._finish_menus()
        self._typing_guard = _TypingGuard(self)
        QApplication.instance().focusChanged.connect(self._typing_guard.watch)
        self.overlay = ShortcutOverlay(self)
        self.overlay.set_rows(self.shortcut_groups())
        self.overlay.shown.connect(self.views.surface.show_still_picture)
        self.controller.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.controller.landscapeChanged.connect(self._sync_checks)
        # Settled: the first landscape drawn and its derivatives worked out (sympy loaded).
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(SETTLE_MS)
        self._settle_timer.timeout.connect(worker.leave_settled_objects_out_of_collections)
        self.controller.landscapeChanged.connect(self._start_settling)
        # A new landscape repaints nearly the whole window (on Mesa's software renderer about
        # 130 ms: the 3D view, the map, the slices and their axes, the panels), and painted
        # in the same turn of the event loop as the drawing that changed them it was one long
        # stall. The 3D view, then the map, then the slices and the side panel, are painted
        # a turn later each (their widgets hold the new state already; only their pixels
        # wait), so the turn that draws the landscape paints none of them.
        self._held_paints: list[list[QWidget]] = []
        self._paint_stage_timer = QTimer(self)
        self._paint_stage_timer.setSingleShot(True)
        self._paint_stage_timer.setInterval(PAINT_STAGE_MS)
        self._paint_stage_timer.timeout.connect(self._release_next_paint_stage)
        self.controller.landscapeChanged.connect(self._stage_paints)
        self.controller.runs.previewShown.connect(self._stage_paints)
        self.controller.undo_stack.indexChanged.connect(lambda _i: self._sync_checks())
        self.controller.undo_stack.cleanChanged.connect(lambda _clean: self.update_title())
        if not self._splitter_restored:
            self._share_width()  # the side panel's controls are in it now
        self._apply_appearance()
        self.controller.start()
        self._sync_checks()
        self.update_title()
        self._is_built = True
        self.built.emit()

    def _stage_paints(self) -> None:
        """Every view changed at once (a new landscape, or the runs' first steps on it): each
        paints in a turn of the event loop of its own. A stage still waiting keeps its place;
        one painted already waits again behind the others, so views changed over and over
        (a slider dragged) still take turns instead of waiting for the changes to stop."""
        views = self.views
        waiting = [stage[0] for stage in self._held_paints]
        for stage in ([views.surface], [views.contour], [views.slices, self.side_panel]):
            if stage[0] not in waiting:
                for widget in stage:
                    _hold_paints(widget, True)
                self._held_paints.append(stage)
        # The compile worker, already building the next landscape, waits at its next step
        # until the stages are painted: beside it, each GL call of a frame waits for the
        # interpreter lock and a 20 ms frame takes 40 (core.pacing).
        pacing.hold_workers(self)
        # A timer, not a posted call: timers run only after the paints of this turn, so
        # each stage is painted in a turn of its own, with input handled in between; and
        # started again, so the turn that drew the change paints none of them.
        self._paint_stage_timer.start()

    def _release_next_paint_stage(self) -> None:
        if self._held_paints:
            for widget in self._held_paints.pop(0):
                _hold_paints(widget, False)
            # The next stage, or when none is left, the workers once this one is painted.
            self._paint_stage_timer.start()
            return
        pacing.release_workers(self)

    def prepare_for_picture(self) -> None:
        """What the window does before a paint, now: a picture of it is about to be rendered
        (export.widget_image), which is not sent the update request that does it."""
        self.release_held_paints()
        if self._plots and not self._closed:
            # Fitted to the widths the plots have now: a resize still waiting to be sent (it
            # is sent as the picture is rendered, too late) left the fan's old, wider title
            # up, and the fan wider than its widget.
            self.views.slices.fit_titles()
            self._plots.settle()

    def release_held_paints(self) -> None:
        """Let every view paint now (a picture of the window is about to be taken, and a
        widget whose updates are held renders as nothing)."""
        while self._held_paints:
            self._release_next_paint_stage()
        self._paint_stage_timer.stop()
        pacing.release_workers(self)

    def _start_settling(self) -> None:
        self.controller.landscapeChanged.disconnect(self._start_settling)
        self._settle_timer.start()
        self._keep_start_picture()

    def _keep_start_picture(self) -> None:
        """A staged window's first landscape, kept for the next start to draw at once (when
        it is still the landscape the window started on: a session opened with the window
        has another)."""
        controller = self.controller
        if self._start_key is None or controller.grid is None:
            return
        if _start_picture_key(controller.state, controller.color_scale_mode) != self._start_key:
            return
        grid = controller.grid
        picture = start_picture.StartPicture(
            grid.xs, grid.ys, grid.z, controller.z_limits, controller.color_scale
        )
        if not start_picture.save(startup.cache_folder(), self._start_key, picture):
            startup.log().info("could not keep the start picture in %s", startup.cache_folder())

    # Layout
    def _build_layout(self, surface: SurfaceView, caption: CaptionBar) -> None:
        """The window's frame: the 3D view and the caption in their places, and a stand-in
        for each view built later (``_place_views`` puts the views in)."""
        self._surface_view = surface
        self._caption = caption
        side = QWidget()
        side.setObjectName("sidePanel")
        side_layout = QVBoxLayout(side)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(260)
        self.side_panel = scroll
        self._side_layout = side_layout
        side.installEventFilter(self)  # its content's changes, to refit the lesson column
        self._stand_ins = {"contour": QWidget(), "slices": QWidget()}

        maps = QSplitter(Qt.Orientation.Horizontal)
        maps.addWidget(_titled("Surface z = f(x, y)", surface))
        maps.addWidget(
            _titled("Contour map (click or drag to move the probe)", self._stand_ins["contour"])
        )
        maps.setSizes([1, 1])
        maps.setStretchFactor(0, 1)  # the two views share any change of width equally
        maps.setStretchFactor(1, 1)
        maps.setChildrenCollapsible(False)

        center = QSplitter(Qt.Orientation.Vertical)
        center.addWidget(maps)
        center.addWidget(self._stand_ins["slices"])
        center.setStretchFactor(0, 2)
        center.setStretchFactor(1, 1)
        center.setSizes([680, 320])
        center.setChildrenCollapsible(False)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(center)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 1220])
        self.maps_splitter = maps
        self.center_splitter = center
        # The caption runs across the whole window: a long sentence needs the width.
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(caption)
        central_layout.addWidget(self.splitter, 1)
        self._central_layout = central_layout
        self.setCentralWidget(central)

    def _place_views(self) -> None:
        """The views built after the frame, put in for their stand-ins."""
        views = self.views
        for index, view in enumerate((views.formula, views.descent, views.readout)):
            self._side_layout.insertWidget(index, view)
        contour = self._stand_ins.pop("contour")
        contour.parentWidget().layout().replaceWidget(contour, views.contour)
        contour.deleteLater()
        slices = self._stand_ins.pop("slices")
        self.center_splitter.replaceWidget(1, views.slices)
        self.center_splitter.setStretchFactor(1, 1)  # kept in the widget, not the splitter
        slices.deleteLater()
        # Shown now, not a turn later as a layout shows a widget added to a window on screen:
        # a hidden widget takes no room, and the side panel is fitted to its controls next
        # (fitted to none, they were cut at the side).
        for view in (views.formula, views.descent, views.readout, views.contour, views.slices):
            view.show()

    def _handlers(self) -> dict:
        controller = self.controller
        runs = controller.runs
        handlers = {
            "step": lambda: runs.step(1),
            "step10": lambda: runs.step(10),
            "step_back": lambda: runs.step_back(1),
            "first_step": runs.first,
            "last_step": runs.last,
            "play": runs.toggle_play,
            "reset_runs": runs.reset,
            "lr_up": lambda: controller.scale_learning_rate(2.0),
            "lr_down": lambda: controller.scale_learning_rate(0.5),
            "start_left": lambda: self._nudge_start(-1, 0),
            "start_right": lambda: self._nudge_start(1, 0),
            "start_up": lambda: self._nudge_start(0, 1),
            "start_down": lambda: self._nudge_start(0, -1),
            "quit": self.close,
            "open": self.files.open,
            "save": self.files.save,
            "save_as": self.files.save_as,
            "export_window": self.files.export_window_png,
            "export_surface": self.files.export_surface_png,
            "export_contour_png": self.files.export_contour_png,
            "export_contour_svg": self.files.export_contour_svg,
            "export_slices_svg": self.files.export_slices_svg,
            "export_csv": self.files.export_trajectory_csv,
            "export_gif": self.files.export_gif,
            "export_pngs": self.files.export_png_sequence,
            "export_scale_2x": self._set_export_scale,
            "copy_image": self.files.copy_image,
            "undo": controller.undo_stack.undo,
            "redo": controller.undo_stack.redo,
            "focus_formula": self.focus_formula,
            "reset_view": controller.reset_camera,
            "full_screen": self.set_full_screen,
            "presentation": self.set_presentation,
            "escape": self.escape,
            "shortcuts": self.show_shortcuts,
            "about": lambda: about.show_about(self),
            "lesson_next": controller.next_lesson_stage,
            "lesson_previous": controller.previous_lesson_stage,
        }
        for spec in ACTIONS:
            if spec.key.startswith("toggle:"):
                name = spec.key.split(":", 1)[1]
                handlers[spec.key] = lambda on, n=name: self._toggle(n, on)
            elif spec.key.startswith("preset:"):
                key = spec.key.split(":", 1)[1]
                handlers[spec.key] = lambda k=key: controller.choose_preset(k)
        return handlers

    def _build_menus(self) -> None:
        menus: dict[str, object] = {}
        toolbar = QToolBar("Views")
        toolbar.setObjectName("viewsToolbar")
        self.addToolBar(toolbar)
        for spec in ACTIONS:
            menu = self._menu(menus, spec.menu)
            menu.addAction(self.actions[spec.key])
            if spec.toolbar:
                toolbar.addAction(self.actions[spec.key])
        self.menus = menus
        self.toolbar = toolbar

    def _finish_menus(self) -> None:
        """What the menus need the built window for: the recent files, the preferences, and
        undo's availability."""
        menus = self.menus
        file_menu = menus["&File"]
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.insertMenu(self.actions["save"], self.recent_menu)
        self.update_recent_menu()
        self._build_preferences(self._menu(menus, "&View"))
        undo = self.actions["undo"]
        redo = self.actions["redo"]
        stack = self.controller.undo_stack
        stack.canUndoChanged.connect(undo.setEnabled)
        stack.canRedoChanged.connect(redo.setEnabled)
        undo.setEnabled(False)
        redo.setEnabled(False)

    def _menu(self, menus: dict, path: str):
        """The menu at 'File/Export'-style path, created on first use."""
        if path in menus:
            return menus[path]
        parent_path, _, name = path.rpartition("/")
        parent = self._menu(menus, parent_path) if parent_path else self.menuBar()
        menus[path] = parent.addMenu(name)
        return menus[path]

    def _build_preferences(self, view_menu) -> None:
        """Appearance and grid resolution: remembered between sessions (QSettings)."""
        settings = self._settings()
        self._choice_menu(
            view_menu.addMenu("&Appearance"),
            {"system": "Follow the system", "light": "Light", "dark": "Dark"},
            str(settings.value("view/appearance", "system")),
            "appearance",
            self.set_appearance,
        )
        current = _color_scale_preference()
        self._choice_menu(
            view_menu.addMenu("&Colour scale"),
            COLOR_SCALES,
            current,
            "color_scale",
            self.set_color_scale,
        )
        self.controller.set_color_scale(current)
        current = str(settings.value("view/map_aspect", "auto"))
        current = current if current in MAP_ASPECTS else "auto"
        self._choice_menu(
            view_menu.addMenu("Map &scales"),
            MAP_ASPECTS,
            current,
            "map_aspect",
            self.set_map_aspect,
        )
        self.controller.set_map_aspect(current)
        self._choice_menu(
            view_menu.addMenu("Grid &resolution"),
            {size: f"{size} × {size}" for size in RESOLUTIONS},
            self.controller.state.resolution,
            "resolution",
            self.set_resolution,
        )
        self.actions["export_scale_2x"].setChecked(
            float(self._settings().value("export/scale", 1.0)) == 2.0
        )
        self.files.export_scale = 2.0 if self.actions["export_scale_2x"].isChecked() else 1.0

    def _choice_menu(self, menu, choices: dict, current, name: str, choose) -> None:
        """One checkable action per choice, exactly one checked (``current``); each calls
        ``choose(key)``. Actions are named ``{name}_{key}`` for the tests."""
        group = QActionGroup(self)
        for key, text in choices.items():
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(key == current)
            action.setObjectName(f"{name}_{key}")
            action.triggered.connect(lambda _c=False, k=key: choose(k))
            group.addAction(action)

    def _dark_preferred(self) -> bool:
        choice = str(self._settings().value("view/appearance", "system"))
        return system_is_dark() if choice == "system" else choice == "dark"

    def set_appearance(self, choice: str) -> None:
        self._settings().setValue("view/appearance", choice)
        self._apply_appearance()

    def _apply_appearance(self) -> None:
        dark = self._dark_preferred()
        apply_palette(dark)
        self.controller.set_dark(dark)

    def set_color_scale(self, mode: str) -> None:
        self._settings().setValue("view/color_scale", mode)
        self.controller.set_color_scale(mode)

    def set_map_aspect(self, mode: str) -> None:
        self._settings().setValue("view/map_aspect", mode)
        self.controller.set_map_aspect(mode)

    def set_resolution(self, size: int) -> None:
        self._settings().setValue("view/resolution", size)
        self.controller.set_resolution(size)

    def _set_export_scale(self, two_x: bool) -> None:
        self.files.export_scale = 2.0 if two_x else 1.0
        self._settings().setValue("export/scale", self.files.export_scale)

    def update_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.files.recent_files()
        for path in recent:
            action = self.recent_menu.addAction(os.path.basename(path))
            action.setToolTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.files.open(p))
        self.recent_menu.setEnabled(bool(recent))

    def update_title(self) -> None:
        name = os.path.basename(self.files.path) if self.files.path else "Untitled"
        self.setWindowModified(self.files.is_modified())
        self.setWindowTitle(f"{name}[*] — Landscape")

    # Dropping a session file on the window opens it
    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if _dropped_session(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        path = _dropped_session(event)
        if path is not None:
            event.acceptProposedAction()
            self.files.open(path)

    def _toggle(self, name: str, on: bool) -> None:
        if getattr(self.controller.state.toggles, name) != on:
            self.controller.set_toggle(name, on)

    def _sync_checks(self) -> None:
        """Menu check marks follow the state (undo can change a toggle behind their back)."""
        self._show_toggles(self.controller.state.toggles)

    def _show_toggles(self, toggles) -> None:
        for key, action in self.actions.items():
            if key.startswith("toggle:"):
                action.blockSignals(True)
                action.setChecked(getattr(toggles, key.split(":", 1)[1]))
                action.blockSignals(False)

    def _nudge_start(self, dx: int, dy: int) -> None:
        """Alt+arrows: move the start point by 1/20 of the domain."""
        domain = self.controller.state.domain
        x, y = self.controller.state.probe
        self.controller.set_probe(x + dx * domain.width / 20, y + dy * domain.height / 20)

    def shortcut_groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Every action with its keys, by menu, read from the same table the actions came from."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for spec in ACTIONS:
            keys = ", ".join(shortcut_texts(spec))
            if keys:
                groups.setdefault(spec.menu.replace("&", ""), []).append(
                    (spec.text.replace("&", ""), keys)
                )
        return list(groups.items())

    def show_shortcuts(self) -> None:
        self.overlay.show_over(self)

    def escape(self) -> None:
        """Esc: leave an input box, then presentation mode, then full screen."""
        focus = QApplication.focusWidget()
        if isinstance(focus, (QLineEdit, QAbstractSpinBox)):
            self.views.contour.setFocus(Qt.FocusReason.ShortcutFocusReason)
        elif self._presentation_saved is not None:
            self.actions["presentation"].setChecked(False)
        elif self.isFullScreen():
            self.actions["full_screen"].setChecked(False)

    def set_presentation(self, on: bool) -> None:
        """Full screen for a projector: the 3D view and the contour map get the room; a lesson
        column on the left holds only what the class reads (the caption, the formula, the step
        counter and the step's arithmetic) and the buttons a teacher touches, in type sized for
        the back row. Leaving puts every widget, font and size back as it was."""
        if on == (self._presentation_saved is not None):
            return
        if on:
            self._enter_presentation()
        else:
            self._leave_presentation()
        self.actions["full_screen"].blockSignals(True)
        self.actions["full_screen"].setChecked(self.isFullScreen())
        self.actions["full_screen"].blockSignals(False)

    def _enter_presentation(self) -> None:
        views = self.views
        self._presentation_saved = {
            "font": self.centralWidget().font(),
            "font_resolved": self.centralWidget().testAttribute(Qt.WidgetAttribute.WA_SetFont),
            "splitter": self.splitter.saveState(),
            "maps_splitter": self.maps_splitter.saveState(),
            "center_splitter": self.center_splitter.saveState(),
            "full_screen": self.isFullScreen(),
            "maximized": self.isMaximized(),
            "toolbar": self.toolbar.isVisible(),
            "readout": views.readout.isVisible(),
            "status_bar": self.statusBar().isVisible(),
            "geometry": self.geometry(),
            "side_spacing": self._side_layout.spacing(),
            "side_minimum": self.side_panel.minimumWidth(),
            "side_margins": self._side_layout.contentsMargins(),
            "side_scroll_bar": self.side_panel.verticalScrollBarPolicy(),
        }
        screen = self.screen().geometry()
        scale = self.presentation_scale()
        # The window's own widgets scale; the application font (dialogs, menus) does not.
        font = QFont(self.centralWidget().font())
        font.setPixelSize(round(NORMAL_TEXT_PIXELS * scale))
        self.centralWidget().setFont(font)
        self.menuBar().hide()
        self.toolbar.hide()
        self.statusBar().hide()
        views.readout.hide()
        # The caption joins the lesson column, at its top.
        self._central_layout.removeWidget(views.caption)
        self._side_layout.insertWidget(0, views.caption)
        views.caption.show()  # a reparented widget shows only on the next event turn
        for view in views.all():
            view.set_presentation(True, scale)
        views.formula.set_compact(True)
        views.descent.set_compact(True)
        self._fit_side_panel()
        # The lesson column is fitted to the screen's height, never scrolled: a scroll bar
        # would only narrow it, and with the text rewrapped taller Qt keeps the bar shown.
        self.side_panel.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._side_layout.setSpacing(4)
        self._side_layout.setContentsMargins(4, 4, 4, 4)
        # Without a window manager (a bare X server) full screen does not resize by itself.
        self.setGeometry(screen)
        self.showFullScreen()
        self._presentation_split()

    def _leave_presentation(self) -> None:
        views = self.views
        saved = self._presentation_saved
        self._presentation_saved = None
        if saved["font_resolved"]:
            self.centralWidget().setFont(saved["font"])
        else:
            self.centralWidget().setFont(QFont())  # inherit from the application again
        self.menuBar().show()
        self.toolbar.setVisible(saved["toolbar"])
        self.statusBar().setVisible(saved["status_bar"])
        views.readout.setVisible(saved["readout"])
        self._side_layout.removeWidget(views.caption)
        self._central_layout.insertWidget(0, views.caption)
        views.caption.show()
        views.formula.set_compact(False)
        views.descent.set_compact(False)
        self._side_layout.setSpacing(saved["side_spacing"])
        self._side_layout.setContentsMargins(saved["side_margins"])
        self.side_panel.setVerticalScrollBarPolicy(saved["side_scroll_bar"])
        for view in views.all():
            view.set_presentation(False)
        if saved["full_screen"]:
            self.showFullScreen()
        elif saved["maximized"]:
            self.showMaximized()
        else:
            self.showNormal()
            self.setGeometry(self._clamped(saved["geometry"]))
        self.side_panel.setMinimumWidth(saved["side_minimum"])
        # The splitters go back once the window has its old size again (on X11 that
        # resize arrives later): restored at the full-screen size, they would be
        # rescaled by the shrink.
        self._splitters_to_restore = (
            self._clamped(saved["geometry"]).size(),
            saved["splitter"],
            saved["maps_splitter"],
            saved["center_splitter"],
        )
        self._restore_splitters()

    def _restore_splitters(self) -> None:
        pending = self._splitters_to_restore
        if pending is None or (not self.isFullScreen() and self.size() != pending[0]):
            return
        self._splitters_to_restore = None
        _size, main, maps, center = pending
        self.splitter.restoreState(main)
        self.maps_splitter.restoreState(maps)
        self.center_splitter.restoreState(center)

    def presentation_scale(self) -> float:
        """How much larger than normal presentation type is on this window's screen."""
        height = self.screen().geometry().height()
        return max(1.3, height * PRESENTATION_TEXT_SHARE / NORMAL_TEXT_PIXELS)

    def _presentation_split(self) -> None:
        """The lesson column's width and the maps' and slices' shares, for the screen's size
        (not for the window's: a full-screen resize may not have arrived yet)."""
        if self._presentation_saved is None:
            return
        screen = self.screen().geometry()
        side = self._lesson_column_width(screen)
        rest = screen.width() - side - self.splitter.handleWidth()
        self.splitter.setSizes([side, rest])
        # The contour map needs more width than the 3D view: its axes and colour bar take
        # some, and its data area must hold the probe, arrow and level labels.
        maps = rest - self.maps_splitter.handleWidth()
        surface = int(maps * SURFACE_SHARE)
        self.maps_splitter.setSizes([surface, maps - surface])
        height = screen.height() - self.center_splitter.handleWidth()
        titles = max(
            label.heightForWidth(width)
            for label, width in zip(
                self.maps_splitter.findChildren(QLabel, "viewTitle"),
                (surface, maps - surface),
                strict=False,
            )
        )
        low, high = PRESENTATION_MAPS_SHARE
        top = int(min(max(surface + titles, height * low), height * high))
        self.center_splitter.setSizes([top, height - top])

    def _lesson_column_width(self, screen: QRect) -> int:
        """The narrowest lesson column whose content fits the screen's height, with a little
        to spare (narrower, its text wraps onto more lines); never narrower than its widest
        control, never wider than its share of the screen."""
        layout = self.side_panel.widget().layout()
        layout.activate()  # the content's minimum as it is now (compact, presentation type)
        self._fit_side_panel()
        low, high = PRESENTATION_SIDE_LIMITS
        high = int(min(max(screen.width() * PRESENTATION_SIDE_SHARE, low), high))
        low = max(low, self.side_panel.minimumWidth())
        if low >= high:
            return low
        frame = 2 * self.side_panel.frameWidth()
        room = screen.height() * (1 - PRESENTATION_SIDE_SPARE) - frame
        if layout.totalHeightForWidth(high - frame) > room:
            return high
        while high - low > 2:  # the content only grows as the column narrows
            middle = (low + high) // 2
            if layout.totalHeightForWidth(middle - frame) <= room:
                high = middle
            else:
                low = middle
        return high

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if (
            event.type() == QEvent.Type.LayoutRequest
            and self._presentation_saved is not None
            and not self._closed  # (its widgets may be going)
            and not self._lesson_refit_pending
            and watched is self.side_panel.widget()
        ):
            # The caption or the arithmetic changed length: checked once the layout settles
            # (on the window's own timer, which dies with it).
            self._lesson_refit_pending = True
            QTimer.singleShot(0, self, self._refit_lesson_column)
        return super().eventFilter(watched, event)

    def _refit_lesson_column(self) -> None:
        """Fit the lesson column again only when its content no longer fits (it would scroll)
        or leaves too much empty below it: within those bounds the views keep their size."""
        self._lesson_refit_pending = False
        if self._presentation_saved is None or self._closed:
            return
        viewport = self.side_panel.viewport()
        content = self.side_panel.widget()
        used = content.layout().totalHeightForWidth(viewport.width())
        if (
            used > viewport.height()
            or used < viewport.height() * (1 - PRESENTATION_SIDE_MOST_UNUSED)
            or content.minimumSizeHint().width() > viewport.width()
        ):
            self._presentation_split()

    def is_presenting(self) -> bool:
        return self._presentation_saved is not None

    def focus_formula(self) -> None:
        edit = self.views.formula.formula_edit
        edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        edit.selectAll()

    def set_full_screen(self, on: bool) -> None:
        if on:
            self.showFullScreen()
        else:
            self.showNormal()

    # Geometry
    def _settings(self):
        return app_settings()

    def _geometry_key(self, screen=None) -> str:
        """Geometry is remembered per screen (name and size): a laptop's window size is no
        use on the classroom projector, and the other way round."""
        screen = screen or self.screen()
        size = screen.geometry().size()
        name = screen.name().replace("/", "_") or "screen"
        return f"window/geometry/{name} {size.width()}x{size.height()}"

    def _fit_to_screen(self) -> None:
        """Open at the remembered size for this screen, else at the default size; either way
        clamped to the screen's available area (an old geometry may no longer fit)."""
        available = self.screen().availableGeometry()
        if self._remember_geometry:
            settings = self._settings()
            geometry = settings.value(self._geometry_key())
            if not isinstance(geometry, QByteArray):
                geometry = settings.value("window/geometry")  # saved before per-screen keys
            if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
                if not (self.isMaximized() or self.isFullScreen()):
                    self.setGeometry(self._clamped(self.geometry()))
                splitter = settings.value("window/splitter")
                if isinstance(splitter, QByteArray) and self.splitter.restoreState(splitter):
                    self._splitter_restored = True
                    return
                self._share_width()
                return
        width = min(DEFAULT_SIZE[0], available.width())
        height = min(DEFAULT_SIZE[1], available.height())
        rect = QRect(0, 0, width, height)
        rect.moveCenter(available.center())
        self.setGeometry(self._clamped(rect))
        self._share_width()

    def _share_width(self) -> None:
        """The side panel takes a quarter of a small window (at most 380 px): the maps need
        the rest more. Never less than its controls need: they would be cut at the side."""
        width = self.geometry().width()
        self._fit_side_panel()
        side = max(self.side_panel.minimumWidth(), min(380, width // 4))
        self.splitter.setSizes([side, width - side])

    def _fit_side_panel(self) -> None:
        """The side panel's minimum: its widest control, plus its scroll bar and frame."""
        content = self.side_panel.widget().minimumSizeHint().width()
        extra = self.side_panel.verticalScrollBar().sizeHint().width()
        extra += 2 * self.side_panel.frameWidth()
        self.side_panel.setMinimumWidth(content + extra)

    def _clamped(self, rect: QRect) -> QRect:
        """rect (a client geometry) shrunk and moved so the window, frame included, lies in
        the screen's available area."""
        available = self.screen().availableGeometry()
        frame = self.frameGeometry()
        geometry = self.geometry()
        left = max(geometry.left() - frame.left(), 0)
        top = max(geometry.top() - frame.top(), 0)
        right = max(frame.right() - geometry.right(), 0)
        bottom = max(frame.bottom() - geometry.bottom(), 0)
        width = min(rect.width(), available.width() - left - right)
        height = min(rect.height(), available.height() - top - bottom)
        x = min(max(rect.x(), available.left() + left), available.right() - right - width + 1)
        y = min(max(rect.y(), available.top() + top), available.bottom() - bottom - height + 1)
        return QRect(x, y, width, height)

    def _keep_on_screen(self) -> None:
        """Once shown (and the frame's size is known): pull the window inside its screen."""
        if self.isFullScreen() or self.isMaximized() or self._presentation_saved is not None:
            return
        available = self.screen().availableGeometry()
        if not available.contains(self.frameGeometry()):
            self.setGeometry(self._clamped(self.geometry()))

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.UpdateRequest and self._plots and not self._closed:
            self._plots.settle()  # the window is about to paint: once, not a dozen times
        return super().event(event)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        QTimer.singleShot(0, self, self._keep_on_screen)
        if not self._maps_balanced:
            # The 3D view and the contour map start with equal halves (their size hints
            # differ a lot, so the splitter alone would squeeze one of them); once the
            # layout has its real width, that is.
            self._maps_balanced = True
            QTimer.singleShot(0, self, self._balance_maps)

    def _balance_maps(self) -> None:
        # The contour map a little wider: its axes and colour bar take some of its width.
        width = sum(self.maps_splitter.sizes())
        surface = int(width * SURFACE_SHARE)
        self.maps_splitter.setSizes([surface, width - surface])

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.overlay is not None and self.overlay.isVisible():
            self.overlay.setGeometry(self.rect())
        if self._presentation_saved is not None:
            self._presentation_split()
        elif self._splitters_to_restore is not None:
            self._restore_splitters()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self._closed:  # closed already (a second close() before the deferred delete)
            super().closeEvent(event)
            return
        if not self._is_built:  # closed while being built: nothing to save or stop yet
            self._closed = True
            if self._build_timer is not None:
                self._build_timer.stop()
            super().closeEvent(event)
            return
        if self._prompt_unsaved and not self.files.may_discard_changes():
            event.ignore()
            return
        self._closed = True
        self._settle_timer.stop()
        self.release_held_paints()
        from landscape_gui.qt import worker  # (imported by _build already)

        worker.return_settled_objects_to_collections()
        if self._remember_geometry:
            settings = self._settings()
            if self._presentation_saved is not None:
                self.set_presentation(False)  # remember the normal window, not the projector's
            settings.setValue(self._geometry_key(), self.saveGeometry())
            settings.setValue("window/splitter", self.splitter.saveState())
        self.files.shutdown()
        self.controller.shutdown()
        # The undo stack announces its own clearing while being destroyed; nobody is listening.
        self.controller.undo_stack.cleanChanged.disconnect()
        self.controller.undo_stack.indexChanged.disconnect()
        QApplication.instance().focusChanged.disconnect(self._typing_guard.watch)
        super().closeEvent(event)


class _TypingGuard(QObject):
    """While the cursor is in a text or number box, plain keys type; they do not step or toggle.

    Qt lets a focused QLineEdit claim the keys it edits with, but not Return, Enter, Up or Down,
    which are also classroom shortcuts. This filter claims every key without Ctrl or Alt for an
    input box (Esc and the function keys excepted, so Esc can leave the box and F1 still helps).

    It watches the box that has the focus only, not the whole application: an application-wide
    Python filter is called for every event of every widget, and each call must take the
    interpreter lock, which a busy worker thread holds for milliseconds at a time. Measured
    while new landscapes were drawn, those waits were about 5 % of the GUI thread's time.
    """

    PASS_THROUGH = {Qt.Key.Key_Escape, *(getattr(Qt.Key, f"Key_F{n}") for n in range(1, 13))}

    def watch(self, _old, new) -> None:
        """Focus moved: watch the box it moved to (installing twice does nothing more)."""
        if isinstance(new, (QLineEdit, QAbstractSpinBox)):
            new.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(
            watched, (QLineEdit, QAbstractSpinBox)
        ):
            modifiers = event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
            )
            if not modifiers and Qt.Key(event.key()) not in self.PASS_THROUGH:
                event.accept()
        return False


def _dropped_session(event) -> str | None:
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) == 1 and urls[0].isLocalFile() and urls[0].toLocalFile().endswith(".landscape"):
        return urls[0].toLocalFile()
    return None


def _color_scale_preference() -> str:
    current = str(app_settings().value("view/color_scale", "auto"))
    return current if current in COLOR_SCALES else "auto"


def _start_picture_key(state: SessionState, color_scale_mode: str) -> str:
    return start_picture.picture_key(
        state.formula,
        dict(state.parameters),
        state.domain.as_tuple(),
        state.resolution,
        color_scale_mode,
    )


def _preferred_resolution() -> int:
    try:
        value = int(app_settings().value("view/resolution", 200))
    except (TypeError, ValueError):
        return 200
    return value if value in RESOLUTIONS else 200
