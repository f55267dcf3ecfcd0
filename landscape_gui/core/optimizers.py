"""Vectorized optimizer step rules and the registry the GUI and CLI build from.

Every step function advances N independent positions, an ``(N, 2)`` float array, by one
step, so the same code drives a single descent, a race between optimizers and a grid of
40,000 starts for a basin map.  Only elementwise numpy operations are used: a point's
result never depends on the other points in the batch.

The update rules follow PyTorch's ``torch.optim`` conventions (with weight decay 0), so what
a student sees here matches what they will meet in a deep-learning course.  Hyperparameter
names are PyTorch's, except that Adam's ``betas`` pair is split into ``beta1`` and ``beta2``.

Step function contract::

    step(positions, state, gradient, hessian, params) -> new_positions

``positions`` and ``gradient`` are ``(N, 2)`` arrays and are never modified; ``hessian`` is
``(fxx, fxy, fyy)`` of ``(N,)`` arrays for optimizers with ``needs_hessian`` and ``None``
otherwise; ``params`` is a dict from :func:`resolve_hyperparameters`.  The optimizer's
``state`` (moment buffers and step count) is updated **in place**; the new positions are
returned as a fresh array.  Step functions do not validate (they run in the inner loop):
resolve the hyperparameters once, before the loop.  Overflow on a diverging run produces
inf/NaN, not an exception; callers that care silence numpy's warnings with ``np.errstate``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Real

import numpy as np

__all__ = [
    "OPTIMIZERS",
    "HyperParameterSpec",
    "OptimizerError",
    "OptimizerSpec",
    "OptimizerState",
    "StepFunction",
    "UnknownOptimizerError",
    "gd_stability_bound",
    "get_optimizer",
    "resolve_hyperparameters",
]

# Below this relative size the Hessian determinant is treated as zero (Newton falls back).
SINGULAR_RTOL = 1e-12


class OptimizerError(ValueError):
    """A bad optimizer name or hyperparameter value; the message is meant for the user."""


class UnknownOptimizerError(OptimizerError):
    """The optimizer key is not in :data:`OPTIMIZERS`."""


class OptimizerState:
    """Per-point moment buffers plus the shared step count ``t``.

    All points of one run step together, so a single ``t`` serves them all (Adam's bias
    correction needs it).  A point that stops is dropped with :meth:`take`, which keeps the
    inner loop free of masks.
    """

    __slots__ = ("buffers", "t")

    def __init__(self, n_points: int, buffer_names: tuple[str, ...] = ()) -> None:
        self.t = 0
        self.buffers: dict[str, np.ndarray] = {
            name: np.zeros((n_points, 2), dtype=float) for name in buffer_names
        }

    def take(self, keep: np.ndarray) -> OptimizerState:
        """A state holding only the points selected by ``keep`` (boolean mask or indices)."""
        new = OptimizerState(0)
        new.t = self.t
        new.buffers = {name: buf[keep] for name, buf in self.buffers.items()}
        return new


# fxx, fxy, fyy at each point.
Hessian = tuple[np.ndarray, np.ndarray, np.ndarray]

StepFunction = Callable[
    [
        np.ndarray,
        OptimizerState,
        np.ndarray,
        "Hessian | None",
        Mapping[str, float],
    ],
    np.ndarray,
]


@dataclass(frozen=True)
class HyperParameterSpec:
    """One tunable number, described well enough for the GUI to build a control for it.

    ``minimum``/``maximum`` are the range a slider or spin box should offer, not the
    validity range: any value accepted by :meth:`validate` may be used (a learning rate far
    above the slider range is how one demonstrates divergence from the command line).
    ``kind`` is ``"positive"`` (finite and > 0) or ``"fraction"`` (0 <= value < 1).
    ``advanced`` marks numbers most users should leave alone (the epsilons).
    """

    name: str
    label: str
    default: float
    minimum: float
    maximum: float
    log_scale: bool = False
    kind: str = "positive"
    advanced: bool = False
    help: str = ""

    def validate(self, value: object, optimizer_name: str = "") -> float:
        """``value`` as a float, or :class:`OptimizerError` saying what is wrong with it."""
        where = f"{optimizer_name} " if optimizer_name else ""
        if isinstance(value, bool) or not isinstance(value, Real):
            raise OptimizerError(
                f"{where}{self.label} ({self.name}) must be a number, got {value!r}"
            )
        number = float(value)
        if not math.isfinite(number):
            raise OptimizerError(f"{where}{self.label} ({self.name}) must be finite, got {number}")
        if self.kind == "positive" and number <= 0.0:
            raise OptimizerError(
                f"{where}{self.label} ({self.name}) must be greater than 0, got {number}"
            )
        if self.kind == "fraction" and not 0.0 <= number < 1.0:
            raise OptimizerError(
                f"{where}{self.label} ({self.name}) must be in [0, 1), got {number}"
            )
        return number


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer as the rest of the app sees it: names, controls, state and step rule."""

    key: str
    name: str
    hyperparameters: tuple[HyperParameterSpec, ...]
    step: StepFunction
    buffer_names: tuple[str, ...] = ()
    needs_hessian: bool = False
    summary: str = ""

    def init_state(self, n_points: int) -> OptimizerState:
        """Fresh state (zero buffers, ``t = 0``) for ``n_points`` positions."""
        return OptimizerState(n_points, self.buffer_names)

    def defaults(self) -> dict[str, float]:
        """Default hyperparameters, in display order."""
        return {p.name: p.default for p in self.hyperparameters}

    def parameter(self, name: str) -> HyperParameterSpec:
        """The spec of hyperparameter ``name``."""
        for p in self.hyperparameters:
            if p.name == name:
                return p
        raise OptimizerError(f"{self.name} has no hyperparameter {name!r}")


# --------------------------------------------------------------------------- step rules


def _heavy_ball(state: OptimizerState, gradient: np.ndarray, mu: float) -> np.ndarray:
    """The velocity of momentum and Nesterov, updated in place: ``b <- mu*b + g``."""
    buf = state.buffers["momentum_buffer"]
    buf *= mu
    buf += gradient
    state.t += 1
    return buf


def _scaled_step(
    positions: np.ndarray,
    gradient: np.ndarray,
    squares: np.ndarray,
    params: Mapping[str, float],
) -> np.ndarray:
    """The step of AdaGrad and RMSProp, which differ only in how ``squares`` accumulates g^2:
    ``p <- p - lr * g / (sqrt(squares) + eps)``."""
    new: np.ndarray = positions - params["lr"] * (gradient / (np.sqrt(squares) + params["eps"]))
    return new


def _gd_step(
    positions: np.ndarray,
    state: OptimizerState,
    gradient: np.ndarray,
    hessian: Hessian | None,
    params: Mapping[str, float],
) -> np.ndarray:
    """Plain gradient descent, the lesson's rule: ``p <- p - lr * g``."""
    return positions - params["lr"] * gradient


def _momentum_step(
    positions: np.ndarray,
    state: OptimizerState,
    gradient: np.ndarray,
    hessian: Hessian | None,
    params: Mapping[str, float],
) -> np.ndarray:
    """torch.optim.SGD(momentum=mu, dampening=0): ``b <- mu*b + g``; ``p <- p - lr*b``."""
    buf = _heavy_ball(state, gradient, params["momentum"])
    return positions - params["lr"] * buf


def _nesterov_step(
    positions: np.ndarray,
    state: OptimizerState,
    gradient: np.ndarray,
    hessian: Hessian | None,
    params: Mapping[str, float],
) -> np.ndarray:
    """SGD(nesterov=True): ``b <- mu*b + g``; ``p <- p - lr*(g + mu*b)``."""
    mu = params["momentum"]
    buf = _heavy_ball(state, gradient, mu)
    return positions - params["lr"] * (gradient + mu * buf)


def _adagrad_step(
    positions: np.ndarray,
    state: OptimizerState,
    gradient: np.ndarray,
    hessian: Hessian | None,
    params: Mapping[str, float],
) -> np.ndarray:
    """Adagrad(lr_decay=0, initial_accumulator_value=0): ``s <- s + g^2``;
    ``p <- p - lr * g / (sqrt(s) + eps)``."""
    total = state.buffers["sum"]
    total += gradient * gradient
    state.t += 1
    return _scaled_step(positions, gradient, total, params)


def _rmsprop_step(
    positions: np.ndarray,
    state: OptimizerState,
    gradient: np.ndarray,
    hessian: Hessian | None,
    params: Mapping[str, float],
) -> np.ndarray:
    """RMSprop(centered=False, momentum=0): ``v <- alpha*v + (1-alpha)*g^2``;
    ``p <- p - lr * g / (sqrt(v) + eps)``."""
    alpha = params["alpha"]
    square_avg = state.buffers["square_avg"]
    square_avg *= alpha
    square_avg += (1.0 - alpha) * (gradient * gradient)
    state.t += 1
    return _scaled_step(positions, gradient, square_avg, params)


def _adam_step(
    positions: np.ndarray,
    state: OptimizerState,
    gradient: np.ndarray,
    hessian: Hessian | None,
    params: Mapping[str, float],
) -> np.ndarray:
    """Adam with bias correction, written the way torch.optim.Adam computes it."""
    beta1 = params["beta1"]
    beta2 = params["beta2"]
    m = state.buffers["exp_avg"]
    v = state.buffers["exp_avg_sq"]
    state.t += 1
    m *= beta1
    m += (1.0 - beta1) * gradient
    v *= beta2
    v += (1.0 - beta2) * (gradient * gradient)
    bias_correction1 = 1.0 - beta1**state.t
    bias_correction2 = 1.0 - beta2**state.t
    step_size = params["lr"] / bias_correction1
    denom = np.sqrt(v) / math.sqrt(bias_correction2) + params["eps"]
    new: np.ndarray = positions - step_size * (m / denom)
    return new


def _newton_step(
    positions: np.ndarray,
    state: OptimizerState,
    gradient: np.ndarray,
    hessian: Hessian | None,
    params: Mapping[str, float],
) -> np.ndarray:
    """Damped Newton ``p <- p - lr * H^-1 g`` with the 2x2 inverse in closed form.

    Where the Hessian is singular (``|det| <= 1e-12 * scale^2``) or anything is non-finite
    the point takes a plain gradient step ``p - lr * g`` instead, so a flat direction does
    not throw it to infinity.  Newton jumps to the critical point of the local quadratic,
    so it is attracted to saddles and maxima as readily as to minima.
    """
    assert hessian is not None  # Newton's spec asks the caller for the Hessian
    fxx, fxy, fyy = hessian
    gx = gradient[:, 0]
    gy = gradient[:, 1]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        det = fxx * fyy - fxy * fxy
        dx = (fyy * gx - fxy * gy) / det
        dy = (fxx * gy - fxy * gx) / det
        scale = np.abs(fxx) + 2.0 * np.abs(fxy) + np.abs(fyy)
        ok = (np.abs(det) > SINGULAR_RTOL * scale * scale) & np.isfinite(dx) & np.isfinite(dy)
    direction = np.stack((np.where(ok, dx, gx), np.where(ok, dy, gy)), axis=1)
    state.t += 1
    return positions - params["lr"] * direction


# --------------------------------------------------------------------------- registry


def _lr(default: float, minimum: float = 1e-4, maximum: float = 10.0) -> HyperParameterSpec:
    return HyperParameterSpec(
        "lr", "Learning rate", default, minimum, maximum, log_scale=True, help="step size"
    )


def _fraction(name: str, label: str, default: float, help_text: str) -> HyperParameterSpec:
    return HyperParameterSpec(name, label, default, 0.0, 0.9999, kind="fraction", help=help_text)


def _eps(default: float) -> HyperParameterSpec:
    return HyperParameterSpec(
        "eps",
        "Epsilon",
        default,
        1e-12,
        1e-2,
        log_scale=True,
        advanced=True,
        help="added to the denominator so a zero gradient cannot divide by zero",
    )


_MOMENTUM = _fraction("momentum", "Momentum", 0.9, "how much of the last velocity is kept")

OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.key: spec
    for spec in (
        OptimizerSpec(
            key="gd",
            name="Gradient descent",
            hyperparameters=(_lr(0.1),),
            step=_gd_step,
            summary="p <- p - lr * g  (the lesson's rule; torch.optim.SGD)",
        ),
        OptimizerSpec(
            key="momentum",
            name="Momentum",
            hyperparameters=(_lr(0.05), _MOMENTUM),
            step=_momentum_step,
            buffer_names=("momentum_buffer",),
            summary="b <- mu*b + g;  p <- p - lr*b  (torch.optim.SGD, momentum, dampening 0)",
        ),
        OptimizerSpec(
            key="nesterov",
            name="Nesterov",
            hyperparameters=(_lr(0.05), _MOMENTUM),
            step=_nesterov_step,
            buffer_names=("momentum_buffer",),
            summary="b <- mu*b + g;  p <- p - lr*(g + mu*b)  (torch.optim.SGD, nesterov=True)",
        ),
        OptimizerSpec(
            key="adagrad",
            name="AdaGrad",
            hyperparameters=(_lr(0.5), _eps(1e-10)),
            step=_adagrad_step,
            buffer_names=("sum",),
            summary="s <- s + g^2;  p <- p - lr*g/(sqrt(s) + eps)  (torch.optim.Adagrad)",
        ),
        OptimizerSpec(
            key="rmsprop",
            name="RMSProp",
            hyperparameters=(
                _lr(0.01, 1e-5, 1.0),
                _fraction("alpha", "Smoothing (alpha)", 0.99, "decay of the squared-gradient"),
                _eps(1e-8),
            ),
            step=_rmsprop_step,
            buffer_names=("square_avg",),
            summary=(
                "v <- alpha*v + (1-alpha)*g^2;  p <- p - lr*g/(sqrt(v) + eps)"
                "  (torch.optim.RMSprop)"
            ),
        ),
        OptimizerSpec(
            key="adam",
            name="Adam",
            hyperparameters=(
                _lr(0.1),
                _fraction("beta1", "Beta 1", 0.9, "decay of the gradient average"),
                _fraction("beta2", "Beta 2", 0.999, "decay of the squared-gradient average"),
                _eps(1e-8),
            ),
            step=_adam_step,
            buffer_names=("exp_avg", "exp_avg_sq"),
            summary=(
                "m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g^2;"
                "  p <- p - lr/(1-b1^t) * m/(sqrt(v)/sqrt(1-b2^t) + eps)  (torch.optim.Adam)"
            ),
        ),
        OptimizerSpec(
            key="newton",
            name="Newton",
            hyperparameters=(
                HyperParameterSpec(
                    "lr",
                    "Damping (step fraction)",
                    1.0,
                    0.01,
                    2.0,
                    log_scale=True,
                    help="1 jumps straight to the critical point of the local quadratic",
                ),
            ),
            step=_newton_step,
            needs_hessian=True,
            summary=(
                "p <- p - lr * H^-1 g  (damped Newton; plain gradient step where H is singular)"
            ),
        ),
    )
}
"""Every optimizer by key, in display order."""


def get_optimizer(key: str) -> OptimizerSpec:
    """The spec for ``key``, or :class:`UnknownOptimizerError` listing the valid keys."""
    try:
        return OPTIMIZERS[key]
    except (KeyError, TypeError):
        valid = ", ".join(OPTIMIZERS)
        raise UnknownOptimizerError(f"unknown optimizer {key!r}; choose one of: {valid}") from None


def resolve_hyperparameters(
    key: str, params: Mapping[str, object] | None = None
) -> dict[str, float]:
    """Defaults overlaid with ``params``, validated, in display order.

    Unknown names are rejected rather than ignored: a typo such as ``betta1`` would
    otherwise silently run with the default.
    """
    spec = get_optimizer(key)
    given = dict(params or {})
    known = {p.name for p in spec.hyperparameters}
    unknown = sorted(str(name) for name in given if name not in known)
    if unknown:
        raise OptimizerError(
            f"{spec.name} has no hyperparameter(s) {', '.join(unknown)}; "
            f"it takes: {', '.join(p.name for p in spec.hyperparameters)}"
        )
    return {
        p.name: p.validate(given.get(p.name, p.default), spec.name) for p in spec.hyperparameters
    }


def gd_stability_bound(hessian_matrix: object) -> float | None:
    """Largest stable plain-GD learning rate on a quadratic: ``2 / lambda_max`` of its Hessian.

    Along a direction of curvature ``lambda > 0`` one GD step multiplies the error by
    ``1 - lr * lambda``, which shrinks only while ``lr < 2 / lambda``.  Along negative
    curvature (a saddle's downhill direction) GD moves away at any learning rate, so ``None``
    (no learning rate converges) is returned as soon as any curvature is negative, not only
    when none is positive: on x^2 + 3xy + y^2 (eigenvalues 5 and -1) a bound of 2/5 would
    promise a convergence that never comes.
    """
    matrix = np.asarray(hessian_matrix, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"Hessian must be a square matrix, got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("Hessian must be finite")
    if not np.allclose(matrix, matrix.T, rtol=1e-9, atol=1e-12):
        raise ValueError("Hessian must be symmetric")
    eigenvalues = np.linalg.eigvalsh(matrix)
    lambda_max = float(eigenvalues[-1])
    scale = max(float(np.abs(eigenvalues).max()), 1e-300)
    if lambda_max <= 0.0 or float(eigenvalues[0]) < -1e-12 * scale:
        return None
    return 2.0 / lambda_max
