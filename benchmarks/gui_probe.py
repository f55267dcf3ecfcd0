"""GUI measurements, run in a fresh process by benchmarks/run.py (needs a display, e.g. Xvfb).

    python benchmarks/gui_probe.py [SECONDS] [--cold]

Opens the window as the `landscape` command does (staged: its frame and the start picture
kept from the last start first, the rest after its first frame) and prints one JSON object:
seconds from this script's start to the first drawn 3D frame that shows the landscape
(``first_frame_s``), the wall-clock time of that frame (``first_frame_wall``, ``time.time()``,
so the parent can measure from the moment it started the process, interpreter start-up
included), the times at which start-up reached each phase (``phases_s``), and the event-loop
gaps (a 5 ms timer's actual intervals, all of them, in time order, from pressing play) while a
run plays as fast as possible for SECONDS (default 5), after the new formula's analysis has
arrived (``gaps_ms``), and the same timer's intervals during one idle second before it
(``idle_gaps_ms``: what the machine's load costs by itself). SECONDS = 0 measures start-up
only, through the `landscape` command's own code (cli.main), and exits at the first frame that
shows the landscape. ``--cold`` removes the kept start
picture first: a first start. With LANDSCAPE_PROBE_PROFILE=FILE set, the GUI thread is
profiled (cProfile) while playing and the statistics written to FILE.

The waits run a real event loop (``QEventLoop.exec``, as ``app.exec()`` does), not a loop of
``processEvents`` calls with 5 ms sleeps in between, which would add delays of their own.
"""

import json
import os
import sys
import time

STARTED = time.perf_counter()


def main() -> None:
    from pathlib import Path

    phases: dict[str, float] = {}

    def mark(name: str) -> None:
        phases[name] = round(time.perf_counter() - STARTED, 4)

    arguments = [a for a in sys.argv[1:] if a != "--cold"]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if "--cold" in sys.argv:
        from landscape_gui import startup
        from landscape_gui.core import start_picture

        (startup.cache_folder() / start_picture.FILE_NAME).unlink(missing_ok=True)
    seconds = float(arguments[0]) if arguments else 5.0
    if seconds <= 0:
        first_frame_of_the_command(mark, phases)
        return
    from landscape_gui.qt.app import create_application

    mark("Qt imported")
    app = create_application()
    mark("QApplication created")
    from PySide6.QtCore import QEventLoop, QTimer

    from landscape_gui.qt.main_window import MainWindow

    def run_until(predicate, timeout: float, quit_signal=None) -> None:
        """Run the event loop until ``predicate()`` holds (checked every 10 ms) or
        ``quit_signal`` fires, or ``timeout`` seconds pass."""
        loop = QEventLoop()
        check = QTimer()
        check.setInterval(10)
        check.timeout.connect(lambda: predicate() and loop.quit())
        check.start()
        if quit_signal is not None:
            quit_signal.connect(loop.quit)
        QTimer.singleShot(int(timeout * 1000), loop.quit)
        if not predicate():
            loop.exec()
        check.stop()
        if quit_signal is not None:
            quit_signal.disconnect(loop.quit)

    mark("window modules imported (pyqtgraph, GL)")
    window = MainWindow(remember_geometry=False, prompt_unsaved=False, staged=True)
    mark("window frame constructed")
    surface = window.surface_view
    first_frame = []
    first_wall = []

    def frame_swapped() -> None:
        if not first_frame and surface.shows_landscape():
            first_wall.append(time.time())
            first_frame.append(time.perf_counter() - STARTED)

    surface.frameSwapped.connect(frame_swapped)
    window.show()
    mark("shown")
    run_until(lambda: bool(first_frame), 30)
    mark("first 3D frame showing the landscape")
    result = {
        "first_frame_s": first_frame[0] if first_frame else None,
        "first_frame_wall": first_wall[0] if first_wall else None,
        "phases_s": phases,
    }
    run_until(window.is_built, 30)
    mark("window built")
    controller = window.controller
    controller.set_formula("(1 - x)^2 + 100(y - x^2)^2")
    controller.set_max_steps(1_000_000)
    controller.set_run_hyperparameter(0, "lr", 0.0001)
    runs = controller.runs
    run_until(lambda: runs.recorded_end() > 0, 10)
    # The new formula's analysis (derivatives and typesetting on a worker thread, then the
    # exact solve in a helper process); let it finish so the gaps are those of playing, not
    # of a new formula.
    began = time.perf_counter()
    run_until(lambda: controller.analysis is not None and not controller.solving, 20)
    result["analysis_wait_s"] = time.perf_counter() - began
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    # A second of the same timer with nothing playing: what the machine (its load, Xvfb)
    # costs the event loop by itself, to read the gaps while playing against.
    timer.start()
    run_until(lambda: False, 1.0)
    result["idle_gaps_ms"] = [g * 1000 for g in gaps]
    gaps.clear()
    profile_path = os.environ.get("LANDSCAPE_PROBE_PROFILE")
    if profile_path:  # benchmarks/run.py --profile gaps: the GUI thread while playing
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    last[0] = time.perf_counter()
    runs.set_speed(0)
    runs.toggle_play()
    run_until(lambda: False, seconds)
    timer.stop()
    if profile_path:
        profiler.disable()
        profiler.dump_stats(profile_path)
    steps = runs.cursor
    runs.toggle_play()
    window.close()
    app.processEvents()
    # Every interval from pressing play on, in time order: the first includes what pressing
    # play does on the GUI thread, which a user feels as much as any later stall.
    result["gaps_ms"] = [g * 1000 for g in gaps]
    result["steps_per_second"] = steps / seconds
    print(json.dumps(result))


def first_frame_of_the_command(mark, phases: dict[str, float]) -> None:
    """Start the window through the `landscape` command's own code (cli.main: its checks of
    the system's libraries and the display, its log, app.run), watched from MainWindow.show,
    and leave at its first frame that shows the landscape."""
    from landscape_gui import cli
    from landscape_gui.qt import main_window

    show = main_window.MainWindow.show
    mark("the command's modules imported")

    def watched_show(window) -> None:
        mark("window constructed")
        surface = window.surface_view

        def frame_swapped() -> None:
            if surface.shows_landscape():
                wall = time.time()
                mark("first 3D frame showing the landscape")
                first = time.perf_counter() - STARTED
                report = {"first_frame_s": first, "first_frame_wall": wall, "phases_s": phases}
                print(json.dumps(report), flush=True)
                os._exit(0)  # what a closing window does is not start-up

        surface.frameSwapped.connect(frame_swapped)
        show(window)
        mark("shown")

    main_window.MainWindow.show = watched_show
    cli.main([])
    raise SystemExit("the window closed before it showed the landscape")


if __name__ == "__main__":
    main()
