"""The preset table: the one place each example landscape, its domain and known minima live.

Minima and domains follow the standard optimization test-function tables (Surjanovic & Bingham,
"Virtual Library of Simulation Experiments"; Jamil & Yang 2013). The first nine are the ones
the number keys 1-9 select, so the lesson's own examples come first.

``CONSTRAINT_PRESETS`` are the constrained examples that teach Lagrange multipliers (issue 15):
a landscape, a curve g(x, y) = c on it, and the constrained extremes a class should find.
"""

from __future__ import annotations

from dataclasses import dataclass

from landscape_gui.core.domain import Domain


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    formula: str
    domain: Domain
    minima: tuple[tuple[float, float], ...]
    minimum_value: float | None
    about: str
    start: tuple[float, float]
    learning_rate: float


PRESETS: tuple[Preset, ...] = (
    Preset(
        "bowl",
        "Bowl",
        "x^2 + y^2",
        Domain(-5, 5, -5, 5),
        ((0.0, 0.0),),
        0.0,
        "A round bowl, lowest at the origin: the gradient points straight away from the centre.",
        (3.0, 4.0),
        0.1,
    ),
    Preset(
        "seed",
        "The lesson's saddle",
        "x^2 + 3xy + y^2",
        Domain(-5, 5, -5, 5),
        (),
        None,
        "∂f/∂x = 2x + 3y and ∂f/∂y = 3x + 2y; the origin is a saddle, so descent slides off.",
        (1.0, 0.5),
        0.05,
    ),
    Preset(
        "saddle",
        "Saddle",
        "x^2 - y^2",
        Domain(-3, 3, -3, 3),
        (),
        None,
        "Uphill along x, downhill along y: a flat point that is not a minimum.",
        (2.0, 0.1),
        0.1,
    ),
    Preset(
        "monkey",
        "Monkey saddle",
        "x^3 - 3x y^2",
        Domain(-2, 2, -2, 2),
        (),
        None,
        "Three valleys meet at a flat point; the second-derivative test cannot decide.",
        (1.0, 0.2),
        0.05,
    ),
    Preset(
        "rosenbrock",
        "Rosenbrock",
        "(1 - x)^2 + 100(y - x^2)^2",
        Domain(-2, 2, -1, 3),
        ((1.0, 1.0),),
        0.0,
        "A long curved valley: easy to fall into, slow to walk along.",
        (-1.5, 2.0),
        0.001,
    ),
    Preset(
        "himmelblau",
        "Himmelblau",
        "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        Domain(-5, 5, -5, 5),
        ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
        0.0,
        "Four equal valleys: where descent ends depends on where it starts.",
        (0.0, 0.0),
        0.01,
    ),
    Preset(
        "beale",
        "Beale",
        "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        Domain(-4.5, 4.5, -4.5, 4.5),
        ((3.0, 0.5),),
        0.0,
        "Flat plateaus and steep walls: a test of patience for plain gradient descent.",
        (1.0, 1.0),
        0.01,
    ),
    Preset(
        "booth",
        "Booth",
        "(x + 2y - 7)^2 + (2x + y - 5)^2",
        Domain(-10, 10, -10, 10),
        ((1.0, 3.0),),
        0.0,
        "A tilted elliptical bowl, lowest at (1, 3).",
        (-5.0, -5.0),
        0.05,
    ),
    Preset(
        "matyas",
        "Matyas",
        "0.26(x^2 + y^2) - 0.48xy",
        Domain(-10, 10, -10, 10),
        ((0.0, 0.0),),
        0.0,
        "A nearly flat diagonal valley: small gradients, slow progress.",
        (8.0, -6.0),
        1.0,
    ),
    Preset(
        "camel3",
        "Three-hump camel",
        "2x^2 - 1.05x^4 + x^6/6 + xy + y^2",
        Domain(-2, 2, -2, 2),
        ((0.0, 0.0),),
        0.0,
        "One global valley and two shallower local ones.",
        (1.5, -1.0),
        0.01,
    ),
    Preset(
        "camel6",
        "Six-hump camel",
        "(4 - 2.1x^2 + x^4/3)x^2 + xy + (4y^2 - 4)y^2",
        Domain(-2, 2, -1, 1),
        ((0.0898, -0.7126), (-0.0898, 0.7126)),
        -1.0316,
        "Six valleys, two of them deepest.",
        (0.5, -0.5),
        0.01,
    ),
    Preset(
        "rastrigin",
        "Rastrigin",
        "20 + x^2 - 10cos(2π x) + y^2 - 10cos(2π y)",
        Domain(-5.12, 5.12, -5.12, 5.12),
        ((0.0, 0.0),),
        0.0,
        "An egg-box of local minima around one global minimum: descent gets stuck.",
        (0.3, -0.2),
        0.002,
    ),
    Preset(
        "ackley",
        "Ackley",
        "-20exp(-0.2sqrt(0.5(x^2 + y^2))) - exp(0.5(cos(2π x) + cos(2π y))) + e + 20",
        Domain(-5, 5, -5, 5),
        ((0.0, 0.0),),
        0.0,
        "A nearly flat, bumpy plain with one deep hole in the middle.",
        (0.3, 0.2),
        0.01,
    ),
    Preset(
        "goldstein",
        "Goldstein–Price",
        "(1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2))"
        " (30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2))",
        Domain(-2, 2, -2, 2),
        ((0.0, -1.0),),
        3.0,
        "Huge range of heights around a narrow valley at (0, -1).",
        (0.2, -0.8),
        1e-5,
    ),
)

DEFAULT_PRESET = PRESETS[0]
PRESETS_BY_KEY = {preset.key: preset for preset in PRESETS}


def preset_for_formula(text: str) -> Preset | None:
    """The preset whose formula is exactly this text, so its domain can be used by default."""
    normalized = "".join(text.split())
    for preset in PRESETS:
        if "".join(preset.formula.split()) == normalized:
            return preset
    return None


@dataclass(frozen=True)
class ConstraintPreset:
    """A landscape with a curve to stay on, and what the Lagrange points on it are.

    ``minimum`` and ``maximum`` are the smallest and largest f on the curve (None where f has
    no largest value on it, as on an unbounded line), for the caption and the tests.
    """

    key: str
    name: str
    formula: str
    constraint: str
    domain: Domain
    minimum: float | None
    maximum: float | None
    about: str
    start: tuple[float, float]
    learning_rate: float


CONSTRAINT_PRESETS: tuple[ConstraintPreset, ...] = (
    ConstraintPreset(
        "circle-sum",
        "x + y on the unit circle",
        "x + y",
        "x^2 + y^2 = 1",
        Domain(-2, 2, -2, 2),
        -(2**0.5),
        2**0.5,
        "Walk the unit circle: x + y is largest, √2, at (√2/2, √2/2) and smallest, −√2, at "
        "(−√2/2, −√2/2), where a contour line just touches the circle (λ = ±√2/2).",
        (1.5, -0.5),
        0.1,
    ),
    ConstraintPreset(
        "circle-product",
        "xy on the circle x² + y² = 2",
        "xy",
        "x^2 + y^2 = 2",
        Domain(-2.5, 2.5, -2.5, 2.5),
        -1.0,
        1.0,
        "Two maxima, f = 1 at ±(1, 1), and two minima, f = −1 at ±(1, −1): the saddle's "
        "contours touch the circle four times (λ = ±1/2).",
        (2.0, 0.5),
        0.1,
    ),
    ConstraintPreset(
        "line-bowl",
        "The bowl on the line x + y = 2",
        "x^2 + y^2",
        "x + y = 2",
        Domain(-4, 4, -4, 4),
        2.0,
        None,
        "The lowest point of the bowl on the line is (1, 1), f = 2, where a ring just touches "
        "the line; λ = 2: move the line to x + y = c and the minimum c²/2 grows by about 2 per "
        "unit of c.",
        (3.0, -1.0),
        0.1,
    ),
    ConstraintPreset(
        "ellipse-saddle",
        "The saddle on an ellipse",
        "x^2 - y^2",
        "x^2/4 + y^2 = 1",
        Domain(-3, 3, -3, 3),
        -1.0,
        4.0,
        "On the ellipse the saddle x² − y² is 5x²/4 − 1: largest, 4, at (±2, 0) (λ = 4) and "
        "smallest, −1, at (0, ±1) (λ = −1).",
        (1.5, 1.0),
        0.1,
    ),
)
CONSTRAINT_PRESETS_BY_KEY = {preset.key: preset for preset in CONSTRAINT_PRESETS}
