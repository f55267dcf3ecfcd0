"""The lesson's own story as a sequence of stages: curve, surface, slices, gradient, descent.

Each stage says what to show (formula, ranges, probe, overlays, a descent run) and what to say.
Teachers step through it with L (next) and Shift+L (back); everything else works as usual
within a stage. The words follow the lesson text in shared/seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from landscape_gui.core.domain import Domain


@dataclass(frozen=True)
class LessonStage:
    title: str
    text: str
    formula: str
    domain: Domain
    probe: tuple[float, float]
    toggles: dict[str, bool] = field(default_factory=dict)
    learning_rate: float = 0.1


_SQUARE = Domain(-5, 5, -5, 5)

STAGES: tuple[LessonStage, ...] = (
    LessonStage(
        "From a curve to a landscape",
        "One input draws a curve. z = x² ignores y, so every slice along y is the same "
        "parabola: a curve swept into a trough. Press L for the next stage.",
        "x^2",
        _SQUARE,
        (3.0, 0.0),
        {"slices": True, "gradient_arrow": False, "path_preview": False, "contours": True},
    ),
    LessonStage(
        "Two inputs: a landscape",
        "With both inputs in, z = x² + y² is a bowl, lowest at the origin. The contour map "
        "shows it from above: each ring joins points of equal height.",
        "x^2 + y^2",
        _SQUARE,
        (3.0, 4.0),
        {"slices": False, "gradient_arrow": False, "path_preview": False, "contours": True},
    ),
    LessonStage(
        "Partial derivatives",
        "Freeze one knob: hold y and f = x² + 3xy + y² is a curve in x, slope ∂f/∂x = "
        "2x + 3y; hold x for ∂f/∂y = 3x + 2y. The slices below show both, slopes in red: at "
        "(2, −1) they are 1 and 4.",
        "x^2 + 3xy + y^2",
        _SQUARE,
        (2.0, -1.0),  # slopes 1 and 4: the two partials can be told apart at a glance
        {"slices": True, "gradient_arrow": False, "tangent_plane": False, "path_preview": False},
    ),
    LessonStage(
        "The gradient",
        "Steepest uphill: ∇f = (∂f/∂x, ∂f/∂y) bundles the two slopes into one arrow. On the "
        "bowl at (3, 4) it is (6, 8): straight away from the centre, length 10, at right "
        "angles to the contour. The fan of slopes below peaks along ∇f.",
        "x^2 + y^2",
        _SQUARE,
        (3.0, 4.0),
        {"slices": True, "gradient_arrow": True, "gradient_field": True, "path_preview": False},
    ),
    LessonStage(
        "Gradient descent",
        "Step against it, repeat: new = old − step size × ∇f. Press Space for one step; the box "
        "“The last step, in numbers” on the left writes it out. Repeat until the gradient "
        "shrinks to zero: the bottom of the valley.",
        "x^2 + y^2",
        _SQUARE,
        (3.0, 4.0),
        {"gradient_arrow": True, "gradient_field": False, "path_preview": False},
        learning_rate=0.1,
    ),
    LessonStage(
        "Which valley?",
        "It depends where you start: Himmelblau's function has four valleys; descent ends in "
        "the one whose basin it starts in. Press B to colour every start by its valley, then "
        "move the start point (mouse or Alt+arrows) and step again.",
        "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        _SQUARE,
        (0.0, 0.0),
        {"gradient_arrow": True, "gradient_field": False, "path_preview": True},
        learning_rate=0.01,
    ),
    LessonStage(
        "When descent goes wrong",
        "x² + 3xy + y² is a saddle: its only flat point is not a minimum, so descent slides "
        "off and the steps grow without end. Press P to play and watch it diverge.",
        "x^2 + 3xy + y^2",
        _SQUARE,
        (1.0, 0.5),
        {"gradient_arrow": True, "gradient_field": False, "path_preview": True},
        learning_rate=0.1,
    ),
)
