"""The `landscape screenshot` command: the real window on a landscape, the descent steps asked
for, and a PNG of the whole window."""

from __future__ import annotations

from landscape_gui.core.landscape import Landscape
from landscape_gui.core.optimizers import resolve_hyperparameters
from landscape_gui.core.presets import preset_for_formula
from landscape_gui.core.state import RunSettings, SessionState

# First of the window's modules: it spares those imported after it PySide6's source scan.
from landscape_gui.qt.app import create_application
from landscape_gui.qt.constraints import set_constraint_text
from landscape_gui.qt.export import save_image, wait_until, widget_image

# Qt's PNG "quality" sets zlib's level: 80 is level 1, about twice as fast to write as the
# default (0.2 s for a 1600 x 1000 window here, 0.11 s at 80) for a file a tenth larger.
SCREENSHOT_PNG_QUALITY = 80


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
    from landscape_gui.qt.main_window import MainWindow
    from landscape_gui.qt.worker import AnalysisWorker

    hyperparameters = dict(getattr(args, "set", []) or [])
    if getattr(args, "lr", None) is not None:
        hyperparameters["lr"] = args.lr
    optimizer = getattr(args, "optimizer", "gd")
    resolve_hyperparameters(optimizer, hyperparameters)  # raises ValueError on bad settings
    state = state_for(landscape, optimizer, hyperparameters, getattr(args, "start", None))
    state.max_steps = max(state.max_steps, args.steps)
    if getattr(args, "tol", None) is not None:
        state.tolerance = args.tol
    constraint = getattr(args, "constraint", None)
    if constraint:
        set_constraint_text(state, constraint.strip())

    app = create_application()
    # The formula was compiled to check the input: the window's worker only samples it.
    window = MainWindow(
        state, remember_geometry=False, prompt_unsaved=False, compiled=landscape.compiled
    )
    controller = window.controller
    # The picture does not wait for sympy's exact solve of grad f = 0 (often seconds, on a
    # transcendental f): the numerical critical points are drawn already, and starting the
    # solve's helper process would only take a core from the picture.
    controller.solve_exactly = False
    # The derivatives wait for the helper process the command started first thing (see
    # cli.run_screenshot), rather than being worked out in this process beside the drawing.
    controller.pipeline.use_quick_helper(AnalysisWorker.ALWAYS)
    # The derivatives are typeset on the analysis worker while this thread shows the window
    # and the compile worker samples the landscape: the analysis needs only the formula.
    controller.analyse_now(landscape)
    # Nothing is painted on screen until the picture is complete: every answer that arrives
    # (the landscape, the steps, the typeset derivatives) would otherwise repaint the views,
    # which costs more than everything else the window does. The grab draws it all once.
    window.setUpdatesEnabled(False)
    window.resize(*args.size)
    window.show()
    runs = controller.runs
    # The landscape is built by the compile worker, then the first steps arrive.
    wait_until(lambda: controller.landscape is not None, 30)
    wait_until(lambda: not runs.waiting_for_steps(), 10)
    if getattr(args, "presentation", False):
        # Full screen on the screen the window opened on: the picture a projector shows.
        window.set_presentation(True)
        wait_until(lambda: window.geometry() == window.screen().geometry(), 5)
    if constraint:
        constraints = controller.constraints
        wait_until(lambda: constraints.scene is not None, 15)
        wait_until(lambda: constraints.lagrange is not None, 30)
    if args.steps > 0:
        runs.step(args.steps)
        wait_until(
            lambda: (
                runs.cursor >= args.steps
                or (runs.all_finished() and runs.cursor >= runs.recorded_end())
            ),
            60,
        )
    # The tidied, typeset derivatives: milliseconds of work on the analysis worker.
    wait_until(lambda: controller.analysis is not None, 15)
    # Painted once on screen: the plots' axes take their widths from the tick labels they
    # paint, and the titles are fitted to what is left. By the time the event queue is empty
    # again that is laid out (not painted again); the grab then draws every view, the 3D one
    # rendered afresh.
    frames = []
    window.views.surface.frameSwapped.connect(lambda: frames.append(True))
    window.setUpdatesEnabled(True)
    # The 3D view is a window of its own: enabling its parents' updates does not draw it,
    # and with nothing else asking for a frame the wait below would run to its end.
    window.views.surface.request_frame()
    wait_until(lambda: bool(frames), 10)
    window.setUpdatesEnabled(False)
    app.processEvents()
    window.setUpdatesEnabled(True)
    image = widget_image(window)
    window.close()
    app.processEvents()
    save_image(image, output, quality=SCREENSHOT_PNG_QUALITY)
