"""The main window: layout, menus and toolbar. Wiring only; no maths, no state of its own."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from landscape_gui import __version__
from landscape_gui.core.optimizers import OPTIMIZERS
from landscape_gui.core.presets import PRESETS
from landscape_gui.core.state import SessionState
from landscape_gui.qt.actions import ACTIONS, build_actions
from landscape_gui.qt.controller import Controller
from landscape_gui.qt.views.contour_view import ContourView
from landscape_gui.qt.views.descent_panel import DescentPanel
from landscape_gui.qt.views.formula_panel import FormulaPanel
from landscape_gui.qt.views.readout import ReadoutView
from landscape_gui.qt.views.slices_view import SlicesView
from landscape_gui.qt.views.surface_view import SurfaceView

SETTINGS_ORGANIZATION = "Landscape"
SETTINGS_APPLICATION = "Landscape"


@dataclass
class Views:
    formula: FormulaPanel
    readout: ReadoutView
    surface: SurfaceView
    contour: ContourView
    slices: SlicesView
    descent: DescentPanel

    def all(self) -> list[QWidget]:
        return [self.formula, self.readout, self.surface, self.contour, self.slices, self.descent]


def _titled(title: str, widget: QWidget) -> QWidget:
    frame = QWidget()
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(2, 2, 2, 2)
    layout.setSpacing(2)
    label = QLabel(f"<b>{title}</b>")
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return frame


class MainWindow(QMainWindow):
    def __init__(self, state: SessionState | None = None, remember_geometry: bool = True):
        super().__init__()
        self.setWindowTitle("Landscape")
        self.setObjectName("landscapeMainWindow")
        self._remember_geometry = remember_geometry
        self.views = Views(
            formula=FormulaPanel([(p.key, p.name) for p in PRESETS]),
            readout=ReadoutView(),
            surface=SurfaceView(),
            contour=ContourView(),
            slices=SlicesView(),
            descent=DescentPanel(OPTIMIZERS),
        )
        self._build_layout()
        self.controller = Controller(self, state)
        self.actions = build_actions(self, self._handlers())
        self._build_menus()
        self.controller.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.controller.landscapeChanged.connect(self._sync_checks)
        self.controller.undo_stack.indexChanged.connect(lambda _i: self._sync_checks())
        self.statusBar().showMessage(
            "Click or drag on the contour map to move the probe point. F1 lists every key."
        )
        self.resize(1600, 1000)
        self._restore_geometry()
        self.controller.set_dark(_system_is_dark())
        self.controller.start()
        self._sync_checks()

    # Layout
    def _build_layout(self) -> None:
        views = self.views
        side = QWidget()
        side.setObjectName("sidePanel")
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(views.formula)
        side_layout.addWidget(views.descent)
        side_layout.addWidget(views.readout)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(300)
        self.side_panel = scroll

        maps = QSplitter(Qt.Orientation.Horizontal)
        maps.addWidget(_titled("Surface z = f(x, y)", views.surface))
        maps.addWidget(_titled("Contour map (click or drag to move the probe)", views.contour))
        maps.setSizes([1, 1])
        maps.setChildrenCollapsible(False)

        center = QSplitter(Qt.Orientation.Vertical)
        center.addWidget(maps)
        center.addWidget(views.slices)
        center.setStretchFactor(0, 3)
        center.setStretchFactor(1, 1)
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
        self.setCentralWidget(self.splitter)

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
            "undo": controller.undo_stack.undo,
            "redo": controller.undo_stack.redo,
            "focus_formula": self.focus_formula,
            "reset_view": self.views.surface.reset_view,
            "full_screen": self.set_full_screen,
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
            menu = menus.get(spec.menu)
            if menu is None:
                menu = self.menuBar().addMenu(spec.menu)
                menus[spec.menu] = menu
            menu.addAction(self.actions[spec.key])
            if spec.toolbar:
                toolbar.addAction(self.actions[spec.key])
        self.menus = menus
        self.toolbar = toolbar
        undo = self.actions["undo"]
        redo = self.actions["redo"]
        stack = self.controller.undo_stack
        stack.canUndoChanged.connect(undo.setEnabled)
        stack.canRedoChanged.connect(redo.setEnabled)
        undo.setEnabled(False)
        redo.setEnabled(False)

    def _toggle(self, name: str, on: bool) -> None:
        if getattr(self.controller.state.toggles, name) != on:
            self.controller.set_toggle(name, on)

    def _sync_checks(self) -> None:
        """Menu check marks follow the state (undo can change a toggle behind their back)."""
        toggles = self.controller.state.toggles
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
    def _settings(self) -> QSettings:
        return QSettings(SETTINGS_ORGANIZATION, SETTINGS_APPLICATION)

    def _restore_geometry(self) -> None:
        if not self._remember_geometry:
            return
        settings = self._settings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self._remember_geometry:
            settings = self._settings()
            settings.setValue("window/geometry", self.saveGeometry())
            settings.setValue("window/splitter", self.splitter.saveState())
        self.controller.shutdown()
        super().closeEvent(event)

    def about_text(self) -> str:
        return f"Landscape {__version__}"


def _system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return bool(scheme and scheme() == Qt.ColorScheme.Dark)
