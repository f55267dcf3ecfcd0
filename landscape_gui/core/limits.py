"""Every limit and default a session, the window and the command share, in one place.

Each number here used to be written out where it was checked (the controller, the session
reader, the descent panel, the CLI); a change now happens once. Per-optimizer defaults (each
step rule's learning rate, momentum, betas) live with the step rules in ``core.optimizers``, and
each preset's domain, start and learning rate in ``core.presets``: those tables are their one
home.
"""

from __future__ import annotations

__all__ = [
    "COORDINATE_LIMIT",
    "DEFAULT_DESCEND_STEPS",
    "DEFAULT_MAX_STEPS",
    "DEFAULT_OPTIMIZER",
    "DEFAULT_PARAMETER_VALUE",
    "DEFAULT_RESOLUTION",
    "DEFAULT_TOLERANCE",
    "HYPERPARAMETER_LIMIT",
    "MAX_DESCEND_STEPS",
    "MAX_PARAMETERS",
    "MAX_RESOLUTION",
    "MAX_RUNS",
    "MAX_STEPS",
    "MIN_RESOLUTION",
    "PARAMETER_LIMIT",
    "PATH_CHUNK",
    "TOLERANCE_LIMIT",
]

# Runs that race at once (the window's run list, a session file).
MAX_RUNS = 8

# Steps of one run in the window and in a session file (a history holds steps 0..MAX_STEPS).
MAX_STEPS = 1_000_000
DEFAULT_MAX_STEPS = 500
# `landscape descend` streams its CSV and keeps no window or file of the run in memory twice,
# so it may go ten times further.
MAX_DESCEND_STEPS = 10_000_000
DEFAULT_DESCEND_STEPS = 1000

# A run stops as converged when |grad f| falls below this.
DEFAULT_TOLERANCE = 1e-6
DEFAULT_OPTIMIZER = "gd"

# A descent path longer than this is drawn in pieces of this many steps (the 3D view and the
# map): each full piece once, as items that never change, and only the newest piece again as
# steps stream in, so a streamed frame does not cost more with every step taken.
PATH_CHUNK = 1000

# Grid points per side of the sampled landscape.
MIN_RESOLUTION, MAX_RESOLUTION = 20, 1000
DEFAULT_RESOLUTION = 200

# Named parameters of a formula (a, b, ...) and the value a new one starts at.
MAX_PARAMETERS = 8
DEFAULT_PARAMETER_VALUE = 1.0

# Numbers a session file may set (a start at 1e300 overflows every step).
COORDINATE_LIMIT = 1e6  # ranges, probe, starts, the camera's centre
PARAMETER_LIMIT = 1e6  # formula parameter values
HYPERPARAMETER_LIMIT = 1e6  # optimizer settings, beyond what each optimizer validates
TOLERANCE_LIMIT = 1e6  # the tolerance is in (0, TOLERANCE_LIMIT]
