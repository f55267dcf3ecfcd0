"""The lesson's own story as a sequence of stages: curve, surface, slices, gradient, descent.

Each stage says what to show (formula, ranges, probe, overlays, a descent run) and what to say.
Teachers step through it with L (next) and Shift+L (back); everything else works as usual
within a stage. The words follow the lesson text in shared/seed.

``CONSTRAINT_STAGES`` continue it into constrained optima (issue 15): the curve, f along the
curve, the touching contour, ∇f ∥ ∇g, and λ. Each has a ``constraint`` (g = c) and the
optimizer its descent run uses. ``LESSON`` is the whole story, ``STAGES`` then
``CONSTRAINT_STAGES``: the window steps through ``LESSON`` once it draws constraints (until
then ``STAGES``, whose stages have no curve).
"""

from __future__ import annotations

import math
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
    constraint: str | None = None  # g(x, y) = c to stay on, as typed
    optimizer: str = "gd"  # the step rule of the stage's run ("projected" on a curve)


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

_ROOT_HALF = math.sqrt(0.5)  # √2/2
_AROUND_CIRCLE = Domain(-2, 2, -2, 2)

CONSTRAINT_STAGES: tuple[LessonStage, ...] = (
    LessonStage(
        "Staying on a path",
        "Now you may not walk anywhere: stay on the circle x² + y² = 1, a curve g(x, y) = c "
        "drawn on the map and lifted onto the surface as the path f = x + y takes along it. "
        "Where on this path is f highest, and where lowest?",
        "x + y",
        _AROUND_CIRCLE,
        (1.0, 0.0),
        {
            "contours": True,
            "gradient_arrow": False,
            "gradient_field": False,
            "slices": False,
            "path_preview": False,
        },
        constraint="x^2 + y^2 = 1",
        optimizer="projected",
    ),  # fmt: skip
    LessonStage(
        "f along the curve",
        "Walk the circle and read f as you go: the plot shows f against the distance walked. "
        "Its slope is the rate of change along the curve, ∇f·t, with t the unit tangent; at "
        "(1, 0) t = (0, 1) and the slope is 1: f still rises, so this is not the top.",
        "x + y",
        _AROUND_CIRCLE,
        (1.0, 0.0),
        {"contours": True, "gradient_arrow": False, "slices": True, "path_preview": False},
        constraint="x^2 + y^2 = 1",
        optimizer="projected",
    ),
    LessonStage(
        "The touching contour",
        "At the top, (√2/2, √2/2), the contour of f through the point, x + y = √2, just "
        "touches the circle without crossing it. Where a contour crosses the curve, walking "
        "on raises f one way and lowers it the other; only where it touches can f be highest "
        "or lowest.",
        "x + y",
        _AROUND_CIRCLE,
        (_ROOT_HALF, _ROOT_HALF),
        {"contours": True, "gradient_arrow": False, "slices": False, "path_preview": False},
        constraint="x^2 + y^2 = 1",
        optimizer="projected",
    ),
    LessonStage(
        "∇f ∥ ∇g",
        "Touching curves share a tangent, so the arrows at right angles to them line up: "
        "∇f = λ∇g. Here at (1, 0), ∇f = (1, 1) and ∇g = (2x, 2y) = (2, 0) meet at 45°. Press "
        "P: projected descent steps along the circle against the part of ∇f along it, and "
        "stops at the bottom, (−√2/2, −√2/2), where the two arrows point opposite ways "
        "(180°): ∇f = λ∇g with λ = −√2/2.",
        "x + y",
        _AROUND_CIRCLE,
        (1.0, 0.0),
        {"contours": True, "gradient_arrow": True, "slices": False, "path_preview": True},
        learning_rate=0.1,
        constraint="x^2 + y^2 = 1",
        optimizer="projected",
    ),
    LessonStage(
        "What λ means",
        "Press P: on the line x + y = 2 the bowl is lowest at (1, 1), f = 2, where "
        "∇f = (2, 2) = 2∇g: λ = 2. λ is how much the best value changes per unit of c: on "
        "x + y = c the minimum is c²/2, and moving the line to c = 2.1 raises it by about "
        "λ × 0.1 = 0.2 (exactly 0.205).",
        "x^2 + y^2",
        Domain(-4, 4, -4, 4),
        (3.0, -1.0),
        {"contours": True, "gradient_arrow": True, "slices": False, "path_preview": True},
        learning_rate=0.1,
        constraint="x + y = 2",
        optimizer="projected",
    ),
)

LESSON: tuple[LessonStage, ...] = STAGES + CONSTRAINT_STAGES
