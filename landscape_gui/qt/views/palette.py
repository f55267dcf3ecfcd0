"""Every colour of the window, in one place: the views, the panels and the dark chrome.

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


# What is wrong (an input box, a message, a run that diverged): one red, and its lighter twin
# that reads on a dark background.
ERROR_COLOR = "#C62828"
ERROR_COLOR_ON_DARK = "#EF5350"

# Backgrounds. Every drawing (3D view, contour map, slices) has the same one, so the views read
# as one picture; the window's chrome is a shade lighter in dark mode.
LIGHT_BACKGROUND = "#FFFFFF"
DARK_BACKGROUND = "#1E1F24"
DARK_WINDOW = "#2B2B2E"  # window, caption bar
DARK_FIELD = "#1F1F22"  # text fields, lists
DARK_BUTTON = "#38383C"
DARK_TOOLTIP = "#3A3A3E"
DARK_TEXT = "#EEEEEE"
DARK_DISABLED_TEXT = "#7A7A7A"
DARK_PLACEHOLDER_TEXT = "#9A9A9A"
DARK_HIGHLIGHT = "#3D7BD9"
DARK_LINK = "#7AB4FF"
# The shortcut overlay: a near-black veil over the window, whatever the appearance (RGBA).
OVERLAY_VEIL = (10, 10, 20, 225)
OVERLAY_TEXT = "#FFFFFF"
OVERLAY_HEADING = "#FFD54F"
OVERLAY_KEY = "#80DEEA"

# The caption bar: near-black on pale yellow survives a washed-out projector.
CAPTION_BACKGROUND = "#FFF7D6"
CAPTION_TEXT = "#111111"
CAPTION_TEXT_ON_DARK = "#F5F5F5"
CAPTION_HINT = "#8A3B00"

# Status colours (light, dark appearance) of the descent panel.
STATUS_COLORS: dict[str, tuple[str, str]] = {
    "running": ("#1565C0", "#64B5F6"),
    "paused": ("#616161", "#BDBDBD"),
    "converged": ("#2E7D32", "#81C784"),
    "max-steps": ("#B26A00", "#FFB74D"),
    "diverged": (ERROR_COLOR, ERROR_COLOR_ON_DARK),
    "idle": ("#616161", "#BDBDBD"),
}
HINT_COLORS = ("#8A4B00", "#FFB74D")  # the stability hint (light, dark)
MUTED_TEXT = ("#60646C", "#A0A4AC")  # captions under the numbers (light, dark)
INSET_COLORS = (("#F4F5F7", "#D3D6DC"), ("#2A2C33", "#4A4D57"))  # (background, border)
NEUTRAL_GREY = "#808080"  # a swatch's outline, a run without a colour

# Markers drawn on the height colours: white and black outlines read on every viridis hue.
MARKER_LIGHT = "#FFFFFF"
MARKER_DARK = "#000000"


def error_color(dark: bool) -> str:
    """The error red for this appearance."""
    return ERROR_COLOR_ON_DARK if dark else ERROR_COLOR


def run_color(index: int) -> str:
    """Colour of the run with this index; cycles when there are more runs than colours."""
    return RUN_COLORS[index % len(RUN_COLORS)]


def plot_background(dark: bool) -> str:
    """The background of every drawing: the 3D view, the contour map, the slices."""
    return DARK_BACKGROUND if dark else LIGHT_BACKGROUND


def plot_foreground(dark: bool) -> str:
    """Axis, tick and title colour of the 2D plots."""
    return "#E6E6E6" if dark else "#303030"
