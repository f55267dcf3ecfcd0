"""Plain-words captions for what a descent step did: the lesson's rule with this step's numbers.

Pure functions of recorded numbers, so the caption bar, tests and any future export say the
same thing. Numbers are rounded for reading aloud in class, not for computing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from landscape_gui.core import calculus


@dataclass(frozen=True)
class StepRecord:
    """Position, height and gradient at one recorded step."""

    x: float
    y: float
    f: float
    gx: float
    gy: float

    @property
    def grad_norm(self) -> float:
        return math.hypot(self.gx, self.gy)


def number(value: float) -> str:
    """A number as it is read aloud: 2 decimals, or 3 significant digits when large or tiny."""
    if not math.isfinite(value):
        return "undefined"
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-2:
        return f"{value:.3g}"
    return f"{value:.2f}"


def _point(x: float, y: float) -> str:
    return f"({number(x)}, {number(y)})"


def explain_start(start: StepRecord) -> str:
    if not math.isfinite(start.f):
        return f"Start at {_point(start.x, start.y)}: the function is undefined there."
    return (
        f"Start at {_point(start.x, start.y)}, height {number(start.f)}. The gradient here is "
        f"{_point(start.gx, start.gy)}, length {number(start.grad_norm)}: that is steepest uphill, "
        "so descent steps the other way."
    )


def explain_step(
    step: int,
    before: StepRecord,
    after: StepRecord,
    optimizer: str,
    learning_rate: float | None,
) -> str:
    """What step ``step`` did, going from ``before`` to ``after``."""
    head = (
        f"Step {step}: the gradient at {_point(before.x, before.y)} is "
        f"{_point(before.gx, before.gy)}, length {number(before.grad_norm)}."
    )
    if optimizer == "gd" and learning_rate is not None:
        move = f"Stepping {learning_rate:g} × gradient downhill moves to {_point(after.x, after.y)}"
    else:
        move = f"The {optimizer_label(optimizer)} rule moves to {_point(after.x, after.y)}"
    change = after.f - before.f
    if change < 0:
        height = f"the height fell from {number(before.f)} to {number(after.f)}."
    elif change > 0:
        height = (
            f"the height rose from {number(before.f)} to {number(after.f)}: the step overshot "
            "the valley."
        )
    else:
        height = f"the height stayed at {number(after.f)}."
    return f"{head} {move}; {height}"


def optimizer_label(key: str) -> str:
    from landscape_gui.core.optimizers import OPTIMIZERS

    spec = OPTIMIZERS.get(key)
    return spec.name if spec else key


def explain_end(
    status: str,
    steps: int,
    last: StepRecord,
    kind: str | None,
    tolerance: float,
) -> str:
    """The sentence for a run that has stopped; ``kind`` is the Hessian's verdict at the end."""
    where = _point(last.x, last.y)
    if status == "diverged":
        return (
            f"Diverged after {steps} steps: instead of settling, the steps grew until the position "
            "or height blew up. The learning rate is too large for this landscape (or it has no "
            "bottom). Try a smaller one (− halves it)."
        )
    if status == "converged":
        flat = (
            f"Converged after {steps} steps: at {where} the gradient has length "
            f"{number(last.grad_norm)}, below the tolerance {tolerance:g}: flat ground."
        )
        if kind == calculus.MINIMUM:
            return f"{flat} It is a minimum, height {number(last.f)}."
        if kind == calculus.SADDLE:
            return (
                f"{flat} But this is a saddle point, not a minimum: the ground still falls away "
                "in another direction. A nudge off the ridge would keep descending."
            )
        if kind == calculus.MAXIMUM:
            return f"{flat} But this is a maximum: descent started exactly on top of the hill."
        return f"{flat} The second-derivative test cannot say what kind of point it is."
    if status == "max-steps":
        return (
            f"Stopped at the step limit ({steps} steps) at {where}, gradient length "
            f"{number(last.grad_norm)}: not flat yet. Allow more steps or take bigger ones."
        )
    return ""
