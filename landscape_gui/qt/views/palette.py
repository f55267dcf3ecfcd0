"""Colours shared by the 3D surface and the contour map, so both views read the same.

Height uses viridis: perceptually uniform, readable in greyscale and by most colour-blind
viewers, and it survives washed-out classroom projectors. Run colours are the Okabe-Ito set
(colour-blind safe), minus its near-white yellow, ordered so neighbours contrast strongly.
"""

from __future__ import annotations

import pyqtgraph

HEIGHT_COLORMAP_NAME = "viridis"
HEIGHT_COLORMAP = pyqtgraph.colormap.get(HEIGHT_COLORMAP_NAME)

# Okabe-Ito, reordered for contrast against viridis and against each other: no two runs that
# race side by side get neighbouring hues (orange then vermillion read as one colour on a
# washed-out projector).
RUN_COLORS: list[str] = [
    "#E69F00",  # orange
    "#0072B2",  # blue
    "#CC79A7",  # reddish purple
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
]

# Basins of attraction, one colour per minimum reached (cycled when there are more): the
# Okabe-Ito set without its black, which the basin overlay keeps for starts that diverged.
BASIN_COLORS: list[str] = [
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
]

# The probe marker and the gradient arrow must stand out on every viridis height: pure
# red-magenta and white-ish hues do not occur in viridis.
PROBE_COLOR = "#FF2D55"
GRADIENT_COLOR = "#FF2D55"
TANGENT_PLANE_COLOR = "#FFFFFF"
SLICE_X_COLOR = "#E69F00"  # the plane y = y0 that shows df/dx
SLICE_Y_COLOR = "#56B4E9"  # the plane x = x0 that shows df/dy
# The constraint curve g(x, y) = c and its gradient ∇g: a bright cyan, which viridis (teal at
# most) does not reach, drawn over a dark halo; ∇f keeps GRADIENT_COLOR beside it.
CONSTRAINT_COLOR = "#00E5FF"


# What is wrong in an input box or message: one red everywhere.
ERROR_COLOR = "#D32F2F"


def run_color(index: int) -> str:
    """Colour of the run with this index; cycles when there are more runs than colours."""
    return RUN_COLORS[index % len(RUN_COLORS)]


def plot_background(dark: bool) -> str:
    """The background of the 2D plots (contour map, slices), matched to the 3D view's."""
    return "#1E1F24" if dark else "#FFFFFF"


def plot_foreground(dark: bool) -> str:
    """Axis, tick and title colour of the 2D plots."""
    return "#E6E6E6" if dark else "#303030"
