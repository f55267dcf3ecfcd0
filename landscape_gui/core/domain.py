"""The rectangle of the (x, y) floor that is drawn, and a formula's parameter values.

Plain Python (no numpy, no sympy), so ``landscape info`` can check its input without loading
the numerical stack it may not need.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from landscape_gui.core.limits import COORDINATE_LIMIT, DEFAULT_PARAMETER_VALUE

MIN_RANGE_WIDTH = 1e-6


@dataclass(frozen=True)
class Domain:
    """The rectangle of the (x, y) floor that is drawn."""

    x_min: float = -5.0
    x_max: float = 5.0
    y_min: float = -5.0
    y_max: float = 5.0

    def __post_init__(self) -> None:
        values = (self.x_min, self.x_max, self.y_min, self.y_max)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            raise ValueError("the x and y ranges must be finite numbers")
        if not (self.x_min < self.x_max and self.y_min < self.y_max):
            raise ValueError("each range needs its lower end below its upper end")
        if max(abs(v) for v in values) > COORDINATE_LIMIT:
            raise ValueError("the x and y ranges must stay within ±1,000,000")
        if min(self.x_max - self.x_min, self.y_max - self.y_min) < MIN_RANGE_WIDTH:
            raise ValueError("each of the x and y ranges must be at least 0.000001 wide")

    @property
    def width(self) -> float:
        return self.x_max - self.x_min

    @property
    def height(self) -> float:
        return self.y_max - self.y_min

    def contains(self, x: float, y: float) -> bool:
        return self.x_min <= x <= self.x_max and self.y_min <= y <= self.y_max

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x_min, self.x_max, self.y_min, self.y_max)


def resolve_parameter_values(names: Sequence[str], given: Mapping[str, float]) -> dict[str, float]:
    """A value for every parameter of a formula (default 1), all finite; ValueError for a
    value that is not, or for a name the formula does not have."""
    values = {}
    for name in names:
        value = float(given.get(name, DEFAULT_PARAMETER_VALUE))
        if not math.isfinite(value):
            raise ValueError(f"parameter {name} must be a finite number")
        values[name] = value
    unknown = set(given) - set(names)
    if unknown:
        raise ValueError(f"the formula has no parameter {', '.join(sorted(unknown))}")
    return values
