"""Plain-words captions for what a descent step did: the lesson's rule with this step's numbers.

Pure functions of recorded numbers, so the caption bar, tests and any future export say the
same thing. Numbers are rounded for reading aloud in class, not for computing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from landscape_gui.core import calculus
from landscape_gui.core.numbers import number, spoken

if TYPE_CHECKING:
    from landscape_gui.core.descent import DescentRun
    from landscape_gui.core.landscape import Landscape


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


def _point(x: float, y: float) -> str:
    return f"({spoken(x)}, {spoken(y)})"


def explain_start(start: StepRecord) -> str:
    if not math.isfinite(start.f):
        return f"Start at {_point(start.x, start.y)}: the function is undefined there."
    return (
        f"Start at {_point(start.x, start.y)}, height {spoken(start.f)}. The gradient here is "
        f"{_point(start.gx, start.gy)}, length {spoken(start.grad_norm)}: that is steepest uphill, "
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
        f"{_point(before.gx, before.gy)}, length {spoken(before.grad_norm)}."
    )
    if optimizer == "gd" and learning_rate is not None:
        move = f"Stepping {learning_rate:g} × gradient downhill moves to {_point(after.x, after.y)}"
    else:
        move = f"The {optimizer_label(optimizer)} rule moves to {_point(after.x, after.y)}"
    change = after.f - before.f
    if change < 0:
        height = f"the height fell from {spoken(before.f)} to {spoken(after.f)}."
    elif change > 0:
        height = (
            f"the height rose from {spoken(before.f)} to {spoken(after.f)}: the step overshot "
            "the valley."
        )
    else:
        height = f"the height stayed at {spoken(after.f)}."
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
    *,
    first: StepRecord | None = None,
    reason: str | None = None,
) -> str:
    """The sentence for a run that has stopped; ``kind`` is the Hessian's verdict at the end.

    For a diverged run, ``first`` (the start's record) and ``reason``
    (``DescentRun.stop_reason``) let the advice be true: a smaller learning rate helps an
    overshooting run, not one walking down a landscape with no bottom, and not one that
    landed exactly on a corner where the gradient is undefined.
    """
    where = _point(last.x, last.y)
    if status == "diverged":
        if reason == "gradient":
            return (
                f"Stopped after {steps} steps: the next step landed where the gradient is "
                "undefined (a corner or cusp of the landscape, or a slope too steep for "
                "numbers), so descent cannot continue from there."
            )
        if (
            first is not None
            and math.isfinite(first.f)
            and math.isfinite(last.f)
            and last.f < first.f
        ):
            return (
                f"Diverged after {steps} steps: the height kept falling, to "
                f"{spoken(last.f)}. The landscape has no bottom this way, so no learning "
                "rate will settle; start elsewhere or change f."
            )
        return (
            f"Diverged after {steps} steps: instead of settling, the steps grew until the position "
            "or height blew up. The learning rate is too large for this landscape (or it has no "
            "bottom). Try a smaller one (− halves it)."
        )
    if status == "converged":
        flat = (
            f"Converged after {steps} steps: at {where} the gradient has length "
            f"{spoken(last.grad_norm)}, below the tolerance {tolerance:g}: flat ground."
        )
        if kind == calculus.MINIMUM:
            return f"{flat} It is a minimum, height {spoken(last.f)}."
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
            f"{spoken(last.grad_norm)}: not flat yet. Allow more steps or take bigger ones."
        )
    return ""


def _kind_at(landscape: Landscape, x: float, y: float) -> str | None:
    try:
        hxx, hxy, hyy = (float(h) for h in landscape.hessian(x, y))
    except (ArithmeticError, ValueError, TypeError):
        return None
    if not all(math.isfinite(h) for h in (hxx, hxy, hyy)):
        return None
    return calculus.classify(hxx, hxy, hyy)


def _at(x: float, y: float, f: float) -> str:
    return f"at ({number(x)}, {number(y)}), f = {number(f)}"


def run_summary(
    run: DescentRun, landscape: Landscape, index: int = 0, lr_option: str = "--lr"
) -> str:
    """One line on how a run ended, for ``landscape descend``: status first, then the truth.

    It names a saddle or maximum that a run "converged" to, tells a run that fell off a
    landscape with no bottom from one that overshot (only the second is helped by a smaller
    learning rate), says where the step that broke went, and when f was undefined there.
    """
    status = run.status(index)
    history = run.history(index)
    if not len(history):
        return f"{status}: f is undefined at the start"
    last = len(history) - 1
    x, y, f = float(history.x[last]), float(history.y[last]), float(history.f[last])
    step = int(history.step[last])
    if status == "converged":
        kind = _kind_at(landscape, x, y)
        text = f"converged after {step} steps {_at(x, y, f)}"
        if kind == calculus.SADDLE:
            return text + ": a saddle point, not a minimum (start slightly off it to go on down)"
        if kind == calculus.MAXIMUM:
            return text + ": a maximum, not a minimum (the start was exactly on top)"
        if kind == calculus.MINIMUM:
            return text + ": a minimum"
        return text + ": flat ground the second-derivative test cannot classify"
    if status == "max-steps":
        norm = float(history.norm[last])
        return (
            f"max-steps after {step} steps {_at(x, y, f)}, |grad f| = {number(norm)}: not flat "
            "yet (allow more --steps)"
        )
    if status != "diverged":
        return f"{status} after {step} steps {_at(x, y, f)}"
    reason = run.stop_reason(index)
    failed = run.failed_point(index)
    first_f = float(history.f[0])
    fell = math.isfinite(first_f) and f < first_f
    if reason in ("value", "gradient", "position"):
        broken = step + 1
        if reason == "position" or failed is None:
            went = f"step {broken} gave no point (its numbers overflowed)"
        elif reason == "value":
            went = (
                f"step {broken} went to ({number(failed[0])}, {number(failed[1])}), where f is "
                "undefined"
            )
        else:
            went = (
                f"step {broken} went to ({number(failed[0])}, {number(failed[1])}), where f has "
                "no gradient (a corner or cusp, or a slope too steep for numbers)"
            )
        text = (
            f"diverged at step {broken}: {went}; the last point with a value was step {step} "
            f"{_at(x, y, f)}"
        )
        if reason == "gradient":
            return text + " (descent cannot go on from a point without a gradient)"
        if fell:
            return text + " (f kept falling: the landscape has no bottom this way)"
        return text + f" (try a smaller {lr_option})"
    text = f"diverged after {step} steps {_at(x, y, f)}"
    if fell:
        return text + (
            ": f kept falling, the landscape has no bottom this way, so a smaller "
            f"{lr_option} will not help; start elsewhere or change f"
        )
    return text + f": the steps overshot and grew (try a smaller {lr_option})"
