"""The `landscape screenshot` command: the real window on a landscape, the descent steps asked
for, and a PNG of the whole window."""

from __future__ import annotations

from landscape_gui.core.landscape import Landscape
from landscape_gui.core.optimizers import resolve_hyperparameters
from landscape_gui.core.presets import preset_for_formula
from landscape_gui.core.state import RunSettings, SessionState
from landscape_gui.qt.export import save_image, wait_until, widget_image


def default_start(landscape: Landscape) -> tuple[float, float]:
    """The preset's usual start, or a point up the slope from the middle of the domain."""
    preset = preset_for_formula(landscape.formula.text)
    if preset is not None and preset.domain == landscape.domain:
        return preset.start
    d = landscape.domain
    return (d.x_min + 0.8 * d.width, d.y_min + 0.8 * d.height)


def state_for(
    landscape: Landscape,
    optimizer: str = "gd",
    hyperparameters=None,
    start: tuple[float, float] | None = None,
) -> SessionState:
    """A session showing this landscape with one run (used by the screenshot command)."""
    start = tuple(start) if start else default_start(landscape)
    preset = preset_for_formula(landscape.formula.text)
    return SessionState(
        formula=landscape.formula.text,
        preset=preset.key if preset else None,
        parameters=dict(landscape.parameter_values),
        domain=landscape.domain,
        probe=start,
        runs=[RunSettings(optimizer, dict(hyperparameters or {}), start)],
    )


def save_window_screenshot(landscape: Landscape, args, output: str) -> None:
    """Open the real window on the landscape, take the descent steps asked for, save a PNG."""
    from landscape_gui.qt.app import create_application
    from landscape_gui.qt.main_window import MainWindow

    hyperparameters = dict(getattr(args, "set", []) or [])
    if getattr(args, "lr", None) is not None:
        hyperparameters["lr"] = args.lr
    optimizer = getattr(args, "optimizer", "gd")
    resolve_hyperparameters(optimizer, hyperparameters)  # raises ValueError on bad settings
    state = state_for(landscape, optimizer, hyperparameters, getattr(args, "start", None))
    state.max_steps = max(state.max_steps, args.steps)
    if getattr(args, "tol", None) is not None:
        state.tolerance = args.tol

    app = create_application()
    window = MainWindow(state, remember_geometry=False, prompt_unsaved=False)
    window.resize(*args.size)
    window.show()
    controller = window.controller
    runs = controller.runs
    wait_until(lambda: window.isVisible() and not runs.waiting_for_steps(), 10)
    if getattr(args, "presentation", False):
        # Full screen on the screen the window opened on: the picture a projector shows.
        window.set_presentation(True)
        wait_until(lambda: window.geometry() == window.screen().geometry(), 5)
    if args.steps > 0:
        runs.step(args.steps)
        wait_until(
            lambda: (
                runs.cursor >= args.steps
                or (runs.all_finished() and runs.cursor >= runs.recorded_end())
            ),
            60,
        )
    # The typeset derivatives arrive from the analysis worker; give them a moment.
    wait_until(lambda: controller.analysis is not None, 15)
    wait_until(lambda: False, 0.3)  # let the GL view paint its last frame
    image = widget_image(window)
    window.close()
    app.processEvents()
    save_image(image, output)
