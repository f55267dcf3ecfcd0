"""Where `landscape screenshot`'s time goes: the command run with timestamps on its phases.

    python benchmarks/trace_screenshot.py [screenshot arguments ...]

Used by ``benchmarks/run.py --profile screenshot``. It imports what the command imports, in
the same order, timing each step, then wraps (without changing what they do) the functions
the command waits on: the compile and analysis workers, the helper process that runs sympy's
simplify and solve under a time limit, the typesetting, every ``wait_until`` of the screenshot
module, the grab and the PNG write; then it runs ``landscape screenshot`` itself. It prints
one JSON object: ``started_wall`` (``time.time()`` when this script began, so the parent can
add the interpreter's own start-up) and ``events``: [seconds since start, thread, what,
seconds it took].
"""

import json
import sys
import threading
import time

STARTED = time.perf_counter()
STARTED_WALL = time.time()
EVENTS: list[tuple[float, str, str, float]] = []


def record(what: str, began: float) -> None:
    now = time.perf_counter()
    EVENTS.append(
        (round(now - STARTED, 4), threading.current_thread().name, what, round(now - began, 4))
    )


def timed(what, function):
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            record(what(*args) if callable(what) else what, began)

    return wrapper


def main() -> None:
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    began = time.perf_counter()
    from landscape_gui import cli

    record("import landscape_gui.cli", began)
    # The command starts its helper first thing; so does this trace, before timing the
    # imports. Started after them, the helper had a core to itself, did not slow the imports
    # and answered later than it does in the command: the trace showed a wait for the
    # derivatives that the command hardly has.
    from landscape_gui.core import timebound

    timebound.start_quick_helper_in_background(cli.screenshot_warm_up())
    timebound.start_quick_helper_in_background = lambda warm_up=None: None  # started already
    began = time.perf_counter()
    import landscape_gui.core.landscape  # noqa: F401  (what _make_landscape imports first)

    record("import numpy + sympy + landscape_gui.core", began)
    began = time.perf_counter()
    from landscape_gui.qt import screenshot

    record("import PySide6 (landscape_gui.qt.screenshot, export)", began)
    began = time.perf_counter()
    from landscape_gui.qt import app as qt_app

    record("import landscape_gui.qt.app", began)
    began = time.perf_counter()
    from landscape_gui.qt import main_window

    record("import main_window (pyqtgraph, pyqtgraph.opengl, views, workers)", began)

    from landscape_gui.core import calculus, timebound
    from landscape_gui.qt import typeset, worker

    def child_call_name(self, function, args, seconds):
        return f"helper process: {function.__name__} (limit {seconds:g} s)"

    timebound._ChildProcess.call = timed(child_call_name, timebound._ChildProcess.call)
    calculus.analyse_derivatives = timed(
        "analysis: calculus.analyse_derivatives (differentiate + tidy)",
        calculus.analyse_derivatives,
    )
    typeset.derivative_pictures = timed(
        "analysis: typeset derivatives (ziamath)", typeset.derivative_pictures
    )
    # The class itself stays (the worker tests isinstance against it); its building is timed,
    # on whichever thread builds it (the command's checks, the compile worker).
    compiled_class = worker.CompiledFormula
    compiled_class.__init__ = timed(
        "CompiledFormula (differentiate + lambdify)", compiled_class.__init__
    )
    worker.build_scene = timed("compile worker: build_scene (sample the grid)", worker.build_scene)
    qt_app.create_application = timed("create QApplication", qt_app.create_application)
    window_class = main_window.MainWindow
    original_init = window_class.__init__

    def window_init(self, *args, **kwargs):
        began = time.perf_counter()
        original_init(self, *args, **kwargs)
        record("construct MainWindow", began)
        first = []

        def swapped():
            if not first:
                first.append(True)
                record("first 3D frame drawn", time.perf_counter())

        self.views.surface.frameSwapped.connect(swapped)

    window_class.__init__ = window_init
    # What each wait in save_window_screenshot is for, told apart by its timeout.
    purposes = {
        30: "the landscape (the compile worker's scene, drawn)",
        10: "the first steps in, or the one paint before the grab",
        60: "the descent steps asked for",
        15: "the analysis worker's result (tidied derivatives, typeset)",
    }

    def wait_name(predicate, timeout):
        return f"main thread waits: {purposes.get(timeout, '?')} (timeout {timeout:g} s)"

    screenshot.wait_until = timed(wait_name, screenshot.wait_until)
    screenshot.widget_image = timed("grab the window (widget_image)", screenshot.widget_image)
    screenshot.save_image = timed("encode + write the PNG", screenshot.save_image)

    began = time.perf_counter()
    code = cli.main(["screenshot", *sys.argv[1:]])
    record(f"landscape screenshot returned {code}", began)
    print(json.dumps({"started_wall": STARTED_WALL, "events": EVENTS}))


if __name__ == "__main__":
    main()
