"""What a Landscape session is, as plain data: the controller owns one, undo keeps copies of it,
and the session file stores it. No Qt, no compiled functions: only things that can be copied,
compared and written to JSON."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from landscape_gui.core.domain import Domain
from landscape_gui.core.limits import (
    DEFAULT_MAX_STEPS,
    DEFAULT_OPTIMIZER,
    DEFAULT_RESOLUTION,
    DEFAULT_TOLERANCE,
)
from landscape_gui.core.optimizers import resolve_hyperparameters
from landscape_gui.core.presets import DEFAULT_PRESET

TOGGLES = (
    "gradient_arrow",
    "gradient_field",
    "contours",
    "tangent_plane",
    "slices",
    "wireframe",
    "path_preview",
    "basins",
)


@dataclass
class ViewToggles:
    """What is drawn on top of the landscape (the classroom keys G, F, C, T, S switch these)."""

    gradient_arrow: bool = True
    gradient_field: bool = False
    contours: bool = True
    tangent_plane: bool = False
    slices: bool = True
    wireframe: bool = False
    path_preview: bool = True  # the faint path of the next steps, recomputed as settings change
    basins: bool = False  # colour each start by the minimum descent reaches from it


@dataclass
class RunSettings:
    """One descent run as the user set it up: the step rule, its settings and where it starts.

    The hyperparameters are always complete (every one the optimizer takes, defaults filled in
    and validated on construction): what the panel shows, the worker runs and the file stores
    is one resolved set, never "{} means the defaults".
    """

    optimizer: str = DEFAULT_OPTIMIZER
    hyperparameters: dict[str, float] = field(default_factory=dict)
    start: tuple[float, float] = DEFAULT_PRESET.start
    visible: bool = True

    def __post_init__(self) -> None:
        self.hyperparameters = resolve_hyperparameters(self.optimizer, self.hyperparameters)

    @property
    def learning_rate(self) -> float | None:
        """The step size, for the step rules that have one (Newton's has a damping lr too)."""
        return self.hyperparameters.get("lr")

    def with_optimizer(self, optimizer: str) -> RunSettings:
        """The same run with another step rule, at that rule's default settings."""
        return RunSettings(optimizer, {}, self.start, self.visible)


@dataclass
class SessionState:
    formula: str = DEFAULT_PRESET.formula
    preset: str | None = DEFAULT_PRESET.key
    parameters: dict[str, float] = field(default_factory=dict)
    domain: Domain = DEFAULT_PRESET.domain
    resolution: int = DEFAULT_RESOLUTION
    probe: tuple[float, float] = DEFAULT_PRESET.start
    toggles: ViewToggles = field(default_factory=ViewToggles)
    runs: list[RunSettings] = field(default_factory=lambda: [RunSettings()])
    max_steps: int = DEFAULT_MAX_STEPS
    tolerance: float = DEFAULT_TOLERANCE
    camera: dict[str, Any] | None = None
    # The curve g(x, y) = c as typed, or None: no constraint (format 2 of the session file).
    constraint: str | None = None

    def copy(self) -> SessionState:
        return copy.deepcopy(self)
