"""GUI measurements, run in a fresh process by benchmarks/run.py (needs a display, e.g. Xvfb).

Prints one JSON object: seconds from process start to the window's first drawn 3D frame, and
the event-loop gaps (a 5 ms timer's actual intervals) while a run plays as fast as possible.
"""

import json
import sys
import time

STARTED = time.perf_counter()


def main() -> None:
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import landscape_gui.core.landscape  # noqa: F401  (sympy before Qt, as `landscape` does)
    from landscape_gui.qt.app import create_application

    app = create_application()
    from PySide6.QtCore import QTimer

    from landscape_gui.qt import export
    from landscape_gui.qt.main_window import MainWindow

    window = MainWindow(remember_geometry=False, prompt_unsaved=False)
    first_frame = []
    window.views.surface.frameSwapped.connect(
        lambda: first_frame or first_frame.append(time.perf_counter() - STARTED)
    )
    window.show()
    export.wait_until(lambda: bool(first_frame), 30)

    controller = window.controller
    controller.set_formula("(1 - x)^2 + 100(y - x^2)^2")
    controller.set_max_steps(1_000_000)
    controller.set_run_hyperparameter(0, "lr", 0.0001)
    runs = controller.runs
    export.wait_until(lambda: runs.recorded_end() > 0, 10)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    runs.set_speed(0)
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    runs.toggle_play()
    export.wait_until(lambda: False, seconds)
    timer.stop()
    steps = runs.cursor
    runs.toggle_play()
    window.close()
    app.processEvents()
    gaps_ms = sorted(g * 1000 for g in gaps[3:])
    print(
        json.dumps(
            {
                "first_frame_s": first_frame[0] if first_frame else None,
                "gaps_ms": gaps_ms,
                "steps_per_second": steps / seconds,
            }
        )
    )


if __name__ == "__main__":
    main()
