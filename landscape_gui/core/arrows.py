"""How long to draw gradient arrows: the seed's "its length is the steepness" made visible.

An arrow drawn for ∇f at a point is ``scale × ∇f`` in the map's own units, so twice as steep is
twice as long and a vanishing gradient is a vanishing arrow. One scale serves a whole landscape
(chosen once, from how steep it is across the domain) and is a round number, so the picture
can say it: "arrow = 0.2 × ∇f".
"""

from __future__ import annotations

import math

import numpy as np

PROBE_ARROW_SHARE = 0.15  # a typical steep arrow spans this share of the shorter domain side
TYPICAL_PERCENTILE = 90  # "typical steep": the 90th percentile of |∇f| over the domain
VANISHING_SHARE = 0.01  # an arrow shorter than this share of the side is said to vanish


def round_down_nicely(value: float) -> float:
    """The largest of 1, 2, 5 × 10^k not above ``value`` (for a positive finite value)."""
    exponent = math.floor(math.log10(value))
    mantissa = value / 10.0**exponent
    step = 5.0 if mantissa >= 5 else 2.0 if mantissa >= 2 else 1.0
    return step * 10.0**exponent


def arrow_scale(grad_norms: np.ndarray, side: float, share: float = PROBE_ARROW_SHARE) -> float:
    """The round scale that draws a typically steep gradient ``share × side`` long.

    ``grad_norms`` are |∇f| sampled over the domain (NaN where f is undefined); ``side`` is the
    shorter side of the domain. A landscape flat everywhere gets scale 1.
    """
    norms = np.asarray(grad_norms, dtype=float)
    norms = norms[np.isfinite(norms) & (norms > 0)]
    if not norms.size or not (math.isfinite(side) and side > 0):
        return 1.0
    typical = float(np.percentile(norms, TYPICAL_PERCENTILE))
    wanted = share * side / typical
    if not (math.isfinite(wanted) and wanted > 0):
        return 1.0
    return round_down_nicely(wanted)


def scale_text(scale: float) -> str:
    """How the picture says its scale: "arrow = 0.2 × ∇f"."""
    return f"arrow = {scale:g} × ∇f"


def vanishes(grad_norm: float, scale: float, side: float) -> bool:
    """Whether the arrow for |∇f| = ``grad_norm`` is too short to see (flat ground)."""
    return not (grad_norm * scale >= VANISHING_SHARE * side)
