"""How heights become colours: linear, or logarithmic above the lowest height for steep
landscapes.

Rosenbrock, Beale and Goldstein-Price rise by five or six orders of magnitude from their valley
to their rim. On a linear scale the whole valley, where descent actually walks, gets the bottom
percent of the colours: one uniform purple. A logarithmic scale (of the height above the lowest
one shown) gives each decade its own band of colour, so the valley floor reads again. 'auto'
picks it when most of the landscape would sit in the bottom few percent of a linear scale.

Numbers stay in the landscape's own units: the colour bar's ticks are placed at their
transformed positions and labelled with plain heights.
"""

from __future__ import annotations

import math

import numpy as np

from landscape_gui.core import numbers

SCALES = ("auto", "linear", "log")
# 'auto' goes logarithmic when the median height sits in the bottom 8 % of a linear scale.
AUTO_LOG_MEDIAN_SHARE = 0.08
# The log scale starts this share of the range above the lowest height: four decades of colour.
LOG_FLOOR_SHARE = 1e-4


def choose(z: np.ndarray, limits: tuple[float, float], mode: str = "auto") -> str:
    """'linear' or 'log' for these heights: ``mode`` itself unless it is 'auto'."""
    if mode not in SCALES:
        raise ValueError(f"colour scale must be one of {SCALES}, not {mode!r}")
    if mode != "auto":
        return mode
    low, high = limits
    finite = np.asarray(z, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0 or not high > low:
        return "linear"
    share = (float(np.median(finite)) - low) / (high - low)
    return "log" if share < AUTO_LOG_MEDIAN_SHARE else "linear"


def _floor(limits: tuple[float, float]) -> float:
    low, high = limits
    return max((high - low) * LOG_FLOOR_SHARE, 1e-300)


def values(
    z: np.ndarray, limits: tuple[float, float], scale: str
) -> tuple[np.ndarray, tuple[float, float]]:
    """The numbers to colour by, and their limits (NaN stays NaN)."""
    z = np.asarray(z, dtype=float)
    if scale == "linear":
        return z, limits
    low, high = limits
    floor = _floor(limits)
    with np.errstate(invalid="ignore"):
        shown = np.log10(1.0 + (np.clip(z, low, high) - low) / floor)
    return np.where(np.isfinite(z), shown, np.nan), (0.0, math.log10(1.0 + (high - low) / floor))


def position(height: float, limits: tuple[float, float], scale: str) -> float:
    """Where a height falls on the colour scale (in the units ``values`` returns)."""
    return float(values(np.array([height]), limits, scale)[0][0])


def _round(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    digits = 1 - math.floor(math.log10(abs(value)))
    return round(value, digits)


def ticks(limits: tuple[float, float], scale: str, count: int = 6) -> list[tuple[float, str]]:
    """Colour-bar ticks: (position on the colour scale, plain height label), lowest first."""
    low, high = limits
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return []
    if scale == "linear":
        heights = _nice_steps(low, high, count)
    else:
        floor = _floor(limits)
        heights = [low]
        decade = 10 ** math.ceil(math.log10(floor))
        while low + decade < high:
            heights.append(_round(low + decade))
            decade *= 10
        if len(heights) < 3:
            heights.append(high)  # (else the top decade's tick is enough: an end label is cut)
        heights = _thin(heights, count)
    return [(position(h, limits, scale), numbers.height(h)) for h in heights]


def _nice_steps(low: float, high: float, count: int) -> list[float]:
    """Round heights (1, 2, 2.5 or 5 times a power of ten apart), at most about ``count`` and
    at least three: a range just above a round number (Rosenbrock's 2.5e-05..2509) would
    otherwise keep only 1000 and 2000."""
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    candidates = [m * magnitude for m in (0.5, 1, 2, 2.5, 5, 10)]
    steps = [s for s in candidates if s >= raw] + [s for s in reversed(candidates) if s < raw]
    heights: list[float] = []
    for step in steps:
        first = math.ceil(low / step) * step
        heights = [float(v) for v in np.arange(first, high + step * 1e-9, step)]
        if len(heights) >= 3:
            break
    return heights


def _thin(heights: list[float], count: int) -> list[float]:
    if len(heights) <= count:
        return heights
    keep = np.unique(np.round(np.linspace(0, len(heights) - 1, count)).astype(int))
    return [heights[i] for i in keep]


def levels(limits: tuple[float, float], scale: str, count: int = 20) -> np.ndarray:
    """Contour levels: evenly spaced on a linear scale, evenly spaced in colour (so, in
    decades of height above the lowest) on a log scale."""
    low, high = limits
    if scale == "linear" or not high > low:
        from landscape_gui.core.landscape import contour_levels

        return contour_levels(limits, count)
    floor = _floor(limits)
    top = math.log10(1.0 + (high - low) / floor)
    heights = low + floor * (10.0 ** np.linspace(0.0, top, count + 2)[1:-1] - 1.0)
    return np.unique([_round(h) for h in heights])
