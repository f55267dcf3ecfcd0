"""How long the window's event loop stalls while a student types and new landscapes arrive.

A heartbeat QTimer ticks every 10 ms on the GUI thread; the gap between two ticks is how long
the event loop was held (a stall the student sees as a frozen window). Two phases are measured:
typing every formula of the hostile corpus key by key into the formula box (and Return),
drawing new landscapes (presets, a parameter dragged, ranges changed, undo and redo past the
compiled-formula cache), and busy use of the runs from the keyboard (500 quick starts, stops
and changes).

Run in a child process by tests/qt/test_gui_stall.py; ``python -m tests.qt.stall_probe`` prints
the same JSON report by hand (``PROFILE=1`` adds the slowest GUI-thread slots).
"""

from __future__ import annotations

import json
import os
import time


def main() -> dict:
    from landscape_gui.qt.app import create_application

    app = create_application()
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest

    from landscape_gui.core.presets import PRESETS
    from landscape_gui.qt.main_window import MainWindow
    from tests.core.hostile import TESTER

    window = MainWindow(remember_geometry=False, prompt_unsaved=False)
    window.resize(1400, 900)
    window.show()
    controller = window.controller

    def wait_until(predicate, timeout: float) -> bool:
        # The real event loop (not processEvents and sleeps), so the heartbeat is honest; and
        # always at least one turn of it (5 ms), as between two keys a user presses: an undo
        # whose landscape is cached is drawn at once, and sixty of them called back to back
        # without a turn between would be one stall of the probe's making.
        deadline = time.monotonic() + timeout
        loop = QEventLoop()
        check = QTimer()
        check.setInterval(5)

        def test() -> None:
            if predicate() or time.monotonic() > deadline:
                loop.quit()

        check.timeout.connect(test)
        check.start()
        loop.exec()
        check.stop()
        return bool(predicate())

    def settle(seconds: float) -> None:
        wait_until(lambda: False, seconds)

    wait_until(lambda: controller.landscape is not None, 60)
    settle(1.0)  # the first analysis and the preview run

    gaps: dict[str, list[float]] = {}
    phase = ["idle"]
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.setdefault(phase[0], []).append(now - last[0])
        last[0] = now

    heart = QTimer()
    heart.setTimerType(Qt.TimerType.PreciseTimer)
    heart.timeout.connect(beat)
    heart.start(10)

    slow: list[tuple[float, str]] = []
    if os.environ.get("PROFILE"):
        _time_slots(controller, slow)

    def idle() -> bool:
        return controller.pipeline._waiting is None and controller._deferred is None

    landscapes = [0]
    messages: list[str] = []
    controller.landscapeChanged.connect(lambda: landscapes.__setitem__(0, landscapes[0] + 1))
    controller.message.connect(messages.append)

    # Phase 1: typing the hostile corpus, key by key, then Return.
    phase[0] = "typing"
    edit = window.views.formula.formula_edit
    for text in TESTER:
        messages.clear()
        edit.setFocus()
        edit.selectAll()
        QTest.keyClick(edit, Qt.Key.Key_Delete)
        for char in text:
            QTest.keyClicks(edit, char)
            app.processEvents()  # the keystrokes arrive one by one, as typed
        QTest.keyClick(edit, Qt.Key.Key_Return)
        settle(0.1)
        wait_until(idle, 30)  # drawn, or refused with its sentence
        settle(0.1)
    # Phase 2: new landscapes arriving: presets, a parameter dragged, ranges, undo and redo.
    phase[0] = "drawing"
    for preset in PRESETS:
        controller.choose_preset(preset.key)
        wait_until(idle, 30)
        settle(0.05)
    count = landscapes[0]
    controller.set_formula("a*x^2 + sin(3x)cos(2y) + y^2")
    wait_until(lambda: landscapes[0] > count, 30)
    for k in range(40):
        controller.set_parameter("a", 1.0 + 0.05 * k)
        settle(0.03)
    settle(0.5)
    for k in range(10):
        s = 2.0 + 0.3 * k
        controller.set_domain((-s, s, -s, s))
        wait_until(idle, 30)
    for _ in range(60):  # back past the 16 compiled formulas, and forward again
        controller.undo_stack.undo()
        wait_until(idle, 30)
    for _ in range(60):
        controller.undo_stack.redo()
        wait_until(idle, 30)
    settle(0.5)
    # Phase 3: busy use of the runs, as a student at the keyboard: 500 quick starts, stops and
    # changes (play, pause, steps, learning rate, start point, reset, a run added and removed,
    # the speed) with a turn or two of the event loop between them.
    phase[0] = "busy"
    controller.choose_preset("himmelblau")
    wait_until(idle, 30)
    settle(0.3)
    window.activateWindow()  # the keys are the window's shortcuts
    wait_until(lambda: app.activeWindow() is window, 5)
    keys = window.views.contour
    keys.setFocus(Qt.FocusReason.OtherFocusReason)
    descent = window.views.descent
    none, shift, alt = (
        Qt.KeyboardModifier.NoModifier,
        Qt.KeyboardModifier.ShiftModifier,
        Qt.KeyboardModifier.AltModifier,
    )
    cycle = [
        (Qt.Key.Key_P, none),  # play
        (Qt.Key.Key_Space, none),  # step (pauses)
        (Qt.Key.Key_Plus, none),  # learning rate x 2
        (Qt.Key.Key_P, none),
        (Qt.Key.Key_P, none),
        (Qt.Key.Key_Left, alt),  # start moved: the runs start over
        (Qt.Key.Key_Space, shift),  # ten steps
        (Qt.Key.Key_Minus, none),  # learning rate / 2
        (Qt.Key.Key_End, none),
        (Qt.Key.Key_R, none),  # reset
        "add",
        (Qt.Key.Key_P, none),
        "fast",
        (Qt.Key.Key_Right, alt),
        "remove",
        (Qt.Key.Key_P, none),
        "slow",
        (Qt.Key.Key_Home, none),
    ]
    steps_shown = [0]
    controller.runs.stepShown.connect(lambda _c: steps_shown.__setitem__(0, steps_shown[0] + 1))
    starts = {tuple(controller.state.runs[0].start)}
    for k in range(500):
        starts.add(tuple(controller.state.runs[0].start))
        action = cycle[k % len(cycle)]
        if action == "add":
            descent.runAdded.emit()
        elif action == "remove":
            if len(controller.state.runs) > 1:
                descent.runRemoved.emit(len(controller.state.runs) - 1)
        elif action in ("fast", "slow"):
            descent.speedChanged.emit(0.0 if action == "fast" else 30.0)
        else:
            QTest.keyClick(keys, *action)
        settle(0.01 if k % 3 else 0.03)
    if controller.runs.playing:
        controller.runs.toggle_play()
    settle(0.5)
    heart.stop()
    report = {
        phase_name: {
            "worst_gap_ms": round(1000 * max(values), 1),
            "p99_gap_ms": round(1000 * sorted(values)[int(0.99 * (len(values) - 1))], 1),
            "ticks": len(values),
        }
        for phase_name, values in gaps.items()
        if phase_name != "idle"
    }
    report["landscapes_drawn"] = landscapes[0]
    # The busy phase did what it says: the runs moved, and their start with them.
    report["busy_steps_shown"] = steps_shown[0]
    report["busy_starts"] = len(starts)
    if slow:
        worst_by_name: dict[str, float] = {}
        for spent, name in slow:
            worst_by_name[name] = max(worst_by_name.get(name, 0.0), spent)
        report["slowest_slots_ms"] = {
            name: round(1000 * spent, 1)
            for name, spent in sorted(worst_by_name.items(), key=lambda item: -item[1])
        }
    window.close()
    from landscape_gui.qt import worker

    # A worker still finishing (the analysis of the last formula) is waited for, as the app's
    # own exit does, so the process never ends with a thread running.
    worker.wait_for_abandoned(60_000)
    return report


def _time_slots(controller, slow: list) -> None:
    """Wrap the GUI-thread entry points to see which one holds the event loop."""
    import functools

    def wrap(owner, name: str) -> None:
        method = getattr(owner, name)

        @functools.wraps(method)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                if spent > 0.01:
                    slow.append((spent, f"{type(owner).__name__}.{name}"))

        setattr(owner, name, timed)

    views = controller.views
    for owner, names in (
        (controller, ["_apply", "_show_scene", "_draw_heights", "_draw_probe", "_draw_toggles"]),
        (controller, ["_choose_arrow_scale", "_show_critical_points", "_show_math"]),
        (controller, ["set_formula", "_analysis_finished"]),
        (controller.runs, ["_progressed", "reconfigure", "redraw", "update_basins"]),
        (views.surface, ["set_surface", "set_probe", "set_slice_planes"]),
        (views.contour, ["set_field", "set_critical_points", "set_gradient_field", "set_probe"]),
        (views.formula, ["set_math", "show_error", "set_parameters"]),
        (views.slices, ["set_x_slice", "set_y_slice", "set_directional"]),
        (views.readout, ["set_critical_points", "set_readout"]),
    ):
        for name in names:
            if hasattr(owner, name):
                wrap(owner, name)


if __name__ == "__main__":
    print(json.dumps(main()))
