"""What the controller may tell each view, and what each view tells it: the declared protocol
between them. The controller is the only writer to the views and only through these methods;
views answer with intents (signals) and keep no state of their own. The real widgets satisfy
these protocols structurally; the controller's tests use fakes that record every call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np


class Intent(Protocol):
    """A view's signal: something the user did, for the controller to decide about."""

    def connect(self, slot: Callable[..., Any], /) -> Any: ...


class Styled(Protocol):
    def set_style(self, dark: bool) -> None: ...


class FormulaPanelView(Protocol):
    formulaEdited: Intent
    presetChosen: Intent
    domainEdited: Intent
    domainResetRequested: Intent
    parameterChanged: Intent

    def set_formula_text(self, text: str) -> None: ...
    def show_error(self, message: str | None, position: int | None = None) -> None: ...
    def set_domain(self, domain: tuple[float, float, float, float]) -> None: ...
    def set_parameters(self, values: dict[str, float]) -> None: ...
    def set_preset(self, key: str | None) -> None: ...
    def set_math(self, texts: dict[str, str], pictures: dict[str, bytes | None]) -> None: ...


class ReadoutPanelView(Protocol):
    criticalPointChosen: Intent

    def set_readout(
        self,
        x: float,
        y: float,
        f: float,
        df_dx: float,
        df_dy: float,
        grad_norm: float,
        ascent_direction: tuple[float, float] | None,
    ) -> None: ...
    def set_critical_points(self, points: Sequence[tuple], note: str = "") -> None: ...


class SurfaceViewLike(Styled, Protocol):
    frameSwapped: Intent

    def set_surface(self, xs: np.ndarray, ys: np.ndarray, z: np.ndarray, z_limits) -> None: ...
    def set_wireframe(self, visible: bool) -> None: ...
    def set_probe(self, x=None, y=None, f=None, gx=None, gy=None) -> None: ...
    def set_tangent_plane(self, visible: bool) -> None: ...
    def set_slice_planes(self, x0: float | None, y0: float | None) -> None: ...
    def set_paths(self, paths: list[tuple]) -> None: ...
    def set_camera_state(self, state: dict) -> None: ...


class ContourViewLike(Styled, Protocol):
    probeRequested: Intent
    probeDragged: Intent
    hovered: Intent
    hoverEnded: Intent

    def set_field(self, xs, ys, z, z_limits, levels) -> None: ...
    def set_contours_visible(self, visible: bool) -> None: ...
    def set_probe(self, x=None, y=None, gx=None, gy=None, f0=None) -> None: ...
    def set_gradient_field(self, xs=None, ys=None, gx=None, gy=None) -> None: ...
    def set_basins(self, xs=None, ys=None, labels=None) -> None: ...
    def set_paths(self, paths: Sequence[tuple]) -> None: ...
    def set_critical_points(self, points: Sequence[tuple[float, float, str]]) -> None: ...
    def set_hover_text(self, text: str) -> None: ...


class SlicesViewLike(Styled, Protocol):
    def setVisible(self, visible: bool) -> None: ...  # noqa: N802 (Qt's name)
    def set_x_slice(self, xs, values, x0, y0, f0, slope) -> None: ...
    def set_y_slice(self, ys, values, x0, y0, f0, slope) -> None: ...
    def set_directional(self, angles, slopes, grad_angle, grad_norm) -> None: ...


class DescentPanelView(Styled, Protocol):
    runSelected: Intent
    runAdded: Intent
    runRemoved: Intent
    runVisibilityChanged: Intent
    optimizerChanged: Intent
    hyperparameterChanged: Intent
    startEdited: Intent
    maxStepsChanged: Intent
    toleranceChanged: Intent
    firstRequested: Intent
    stepBackRequested: Intent
    stepRequested: Intent
    playToggled: Intent
    resetRequested: Intent
    speedChanged: Intent
    basinsToggled: Intent

    def set_runs(self, runs: list[dict]) -> None: ...
    def set_selected_run(self, index: int) -> None: ...
    def set_run_settings(
        self, optimizer_key: str, hyperparameters: dict[str, float], start: tuple[float, float]
    ) -> None: ...
    def set_limits(self, max_steps: int, tolerance: float) -> None: ...
    def set_step(self, shown: int, total: int) -> None: ...
    def set_status(self, text: str, kind: str) -> None: ...
    def set_playing(self, playing: bool) -> None: ...
    def set_arithmetic(self, text: str) -> None: ...
    def set_stability_hint(self, text: str | None) -> None: ...
    def set_basins_checked(self, checked: bool) -> None: ...


class CaptionView(Styled, Protocol):
    def set_text(self, text: str) -> None: ...


class ViewsProtocol(Protocol):
    """Every view the controller draws on (MainWindow's ``Views`` is one)."""

    formula: FormulaPanelView
    readout: ReadoutPanelView
    surface: SurfaceViewLike
    contour: ContourViewLike
    slices: SlicesViewLike
    descent: DescentPanelView
    caption: CaptionView

    def all(self) -> list[Any]: ...
