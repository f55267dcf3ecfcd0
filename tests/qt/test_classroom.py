"""Classroom mode: every key in the table works wherever focus is (but not while typing),
the overlay lists exactly the table, and presentation mode is big and reversible."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from landscape_gui.qt.actions import ACTIONS, shortcut_texts

K = Qt.Key
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier
NONE = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def window(window, qtbot):
    """The shared window, active (the keys go to it) and with 50 steps recorded."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    runs = window.controller.runs
    qtbot.waitUntil(lambda: runs.recorded_end() >= 50, timeout=5000)
    return window


def focus_targets(window):
    views = window.views
    return {
        "contour map": views.contour.plot_widget().viewport(),
        "3D view": views.surface,
        "slices": views.slices,
        "side panel": views.descent.run_list,
    }


def press(qtbot, widget, key, modifier=NONE):
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.keyClick(widget, key, modifier)


@pytest.mark.parametrize("panel", ["contour map", "3D view", "slices", "side panel"])
def test_stepping_keys_work_with_focus_on_each_panel(qtbot, window, panel):
    target = focus_targets(window)[panel]
    runs = window.controller.runs
    for key, modifier, expected in [
        (K.Key_Space, NONE, 1),
        (K.Key_Right, NONE, 2),
        (K.Key_PageDown, NONE, 3),
        (K.Key_Space, SHIFT, 13),
        (K.Key_Right, SHIFT, 23),
        (K.Key_Left, NONE, 22),
        (K.Key_PageUp, NONE, 21),
        (K.Key_Backspace, NONE, 20),
        (K.Key_Home, NONE, 0),
    ]:
        press(qtbot, target, key, modifier)
        assert runs.cursor == expected, (panel, key, modifier)
    press(qtbot, target, K.Key_End)
    assert runs.cursor == runs.recorded_end() > 0


@pytest.mark.parametrize("panel", ["contour map", "3D view", "side panel"])
def test_play_reset_and_learning_rate_keys(qtbot, window, panel):
    target = focus_targets(window)[panel]
    runs = window.controller.runs
    controller = window.controller
    for key in (K.Key_P, K.Key_Return):
        press(qtbot, target, key)
        assert runs.playing
        press(qtbot, target, key)
        assert not runs.playing
    runs.step(4)
    generation = runs.generation
    press(qtbot, target, K.Key_R)
    assert runs.cursor == 0 and runs.generation > generation
    press(qtbot, target, K.Key_Plus)
    assert controller.state.runs[0].hyperparameters["lr"] == pytest.approx(0.2)
    press(qtbot, target, K.Key_Minus)
    press(qtbot, target, K.Key_Minus)
    assert controller.state.runs[0].hyperparameters["lr"] == pytest.approx(0.05)
    assert "learning rate 0.05" in window.statusBar().currentMessage()


@pytest.mark.parametrize("panel", ["contour map", "3D view", "side panel"])
def test_alt_arrows_move_the_start_by_a_twentieth_of_the_domain(qtbot, window, panel):
    target = focus_targets(window)[panel]
    controller = window.controller
    x, y = controller.state.probe  # the bowl's domain is 10 wide: a twentieth is 0.5
    press(qtbot, target, K.Key_Left, ALT)
    press(qtbot, target, K.Key_Up, ALT)
    assert controller.state.probe == pytest.approx((x - 0.5, y + 0.5))
    press(qtbot, target, K.Key_Right, ALT)
    press(qtbot, target, K.Key_Down, ALT)
    press(qtbot, target, K.Key_Down, ALT)
    assert controller.state.probe == pytest.approx((x, y - 0.5))
    assert controller.state.runs[0].start == pytest.approx((x, y - 0.5))


@pytest.mark.parametrize("panel", ["contour map", "3D view", "slices", "side panel"])
def test_toggle_and_preset_keys(qtbot, window, panel):
    target = focus_targets(window)[panel]
    toggles = window.controller.state
    for key, name in [
        (K.Key_G, "gradient_arrow"),
        (K.Key_F, "gradient_field"),
        (K.Key_C, "contours"),
        (K.Key_T, "tangent_plane"),
        (K.Key_S, "slices"),
    ]:
        before = getattr(toggles.toggles, name)
        press(qtbot, target, key)
        assert getattr(window.controller.state.toggles, name) is (not before), name
    for digit, expected in [
        (K.Key_2, "x^2 + 3xy + y^2"),
        (K.Key_5, "(1 - x)^2 + 100(y - x^2)^2"),
        (K.Key_1, "x^2 + y^2"),
    ]:
        press(qtbot, focus_targets(window)[panel], digit)
        edit = window.views.formula.formula_edit
        qtbot.waitUntil(
            lambda e=expected, box=edit: box.text() == e, timeout=5000
        )  # compiled first


def test_typing_in_the_formula_box_does_not_step(qtbot, window):
    runs = window.controller.runs
    edit = window.views.formula.formula_edit
    edit.setFocus()
    edit.selectAll()
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        qtbot.keyClicks(edit, "x^2 + 2 y^2 - ps")
        for _ in range(4):  # remove " - ps" but its leading space
            qtbot.keyClick(edit, K.Key_Backspace)
        qtbot.keyClick(edit, K.Key_Left)
        qtbot.keyClick(edit, K.Key_Right)
        qtbot.keyClick(edit, K.Key_Return)
    assert window.controller.state.formula == "x^2 + 2 y^2"
    assert runs.cursor == 0 and not runs.playing
    assert window.controller.state.toggles.slices is True  # "s" did not toggle
    # Esc leaves the box; then the same keys step again.
    qtbot.keyClick(edit, K.Key_Escape)
    assert not edit.hasFocus()
    qtbot.keyClick(QApplication.focusWidget() or window, K.Key_Space)
    qtbot.waitUntil(lambda: runs.cursor == 1, timeout=3000)  # once the new runs have started


def test_keys_typed_in_a_number_box_do_not_step_or_toggle(qtbot, window):
    """The typing guard watches whichever box has the focus: a spin box and a number box
    that the window did not focus at start-up are guarded too."""
    runs = window.controller.runs
    panel = window.views.descent
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    for box in (panel.max_steps, panel.tolerance):
        box.setFocus()
        qtbot.waitUntil(box.hasFocus, timeout=3000)
        for key in (K.Key_Space, K.Key_S, K.Key_Return, K.Key_Right):
            qtbot.keyClick(box, key)
        assert runs.cursor == 0 and not runs.playing, box
        assert window.controller.state.toggles.slices is True, box  # "s" did not toggle
    # Away from the boxes, Space steps.
    qtbot.keyClick(panel.tolerance, K.Key_Escape)
    qtbot.keyClick(QApplication.focusWidget() or window, K.Key_Space)
    qtbot.waitUntil(lambda: runs.cursor == 1, timeout=3000)


def test_the_overlay_lists_every_shortcut_in_the_table(qtbot, window):
    qtbot.keyClick(window.views.contour.plot_widget().viewport(), K.Key_F1)
    assert window.overlay.isVisible()
    expected = [
        (spec.text.replace("&", ""), ", ".join(shortcut_texts(spec)))
        for spec in ACTIONS
        if shortcut_texts(spec)
    ]
    assert sorted(window.overlay.rows) == sorted(expected)
    # Closing it with a key does not also step.
    cursor = window.controller.runs.cursor
    qtbot.keyClick(window.overlay, K.Key_Space)
    assert not window.overlay.isVisible() and window.controller.runs.cursor == cursor
    # Every action in the table is in a menu with its shortcut, so it is discoverable.
    menu_actions = {a for menu in window.menus.values() for a in menu.actions()}
    assert set(window.actions.values()) <= menu_actions


def _screen_brightness(window, widget, origin) -> float:
    """The mean grey of what the screen shows where ``widget`` is (native windows included)."""
    width, height = widget.width(), widget.height()
    grabbed = window.screen().grabWindow(0, origin.x(), origin.y(), width, height).toImage()
    grey = grabbed.convertToFormat(QImage.Format.Format_Grayscale8)
    assert grey.size().toTuple() == (width, height)
    bits = np.frombuffer(grey.constBits(), np.uint8, grey.bytesPerLine() * height)
    return float(bits.reshape(height, -1)[:, :width].mean())


def test_the_overlay_veils_the_3d_view_as_it_veils_the_rest(qtbot, window):
    """The 3D picture is a native window, which the X server draws over any widget: while
    the overlay is open a still picture stands in for it, so the veil covers it too."""
    box = window.views.surface.picture_widget()
    origin = box.mapToGlobal(QPoint(0, 0))
    qtbot.waitUntil(lambda: _screen_brightness(window, box, origin) > 150, timeout=3000)
    qtbot.keyClick(window.views.contour.plot_widget().viewport(), K.Key_F1)
    assert window.overlay.isVisible()
    qtbot.waitUntil(lambda: _screen_brightness(window, box, origin) < 60, timeout=3000)
    qtbot.keyClick(window.overlay, K.Key_Escape)
    assert not window.overlay.isVisible() and box.isVisible()
    qtbot.waitUntil(lambda: _screen_brightness(window, box, origin) > 150, timeout=3000)


def test_up_and_down_orbit_a_focused_3d_view(qtbot, window):
    """↑ and ↓ (which the shortcut table leaves free) tilt the camera of a focused 3D view,
    and the move is reported once it settles, as a drag's is."""
    surface = window.views.surface
    before = surface.camera_state()["elevation"]
    with qtbot.waitSignal(surface.cameraMoved, timeout=3000) as moved:
        press(qtbot, surface, K.Key_Up)
    assert moved.args[0]["elevation"] < before
    assert window.controller.state.camera == surface.camera_state()


def test_presentation_mode_is_big_and_esc_restores_the_layout(qtbot, window):
    app = QApplication.instance()
    font_before = app.font()
    splitter_before = window.splitter.saveState()
    qtbot.keyClick(window.views.contour.plot_widget().viewport(), K.Key_F5)
    assert window.is_presenting() and window.isFullScreen()
    assert window.views.formula.formula_edit.font().pixelSize() >= 28
    assert window.views.descent.step_counter.fontInfo().pixelSize() >= 28
    assert window.views.descent.arithmetic.fontInfo().pixelSize() >= 28
    assert window.views.caption.label.fontInfo().pixelSize() >= 28
    assert window.views.caption.hint.isVisible() and "Esc" in window.views.caption.hint.text()
    assert not window.menuBar().isVisible()
    qtbot.keyClick(window.views.contour.plot_widget().viewport(), K.Key_Escape)
    assert not window.is_presenting() and not window.isFullScreen()
    assert app.font() == font_before
    assert window.menuBar().isVisible()
    assert window.splitter.saveState() == splitter_before
    assert window.views.formula.formula_edit.font().pixelSize() < 28


def test_the_caption_says_what_the_step_did(qtbot, window):
    runs = window.controller.runs
    for _ in range(3):
        qtbot.keyClick(window.views.contour.plot_widget().viewport(), K.Key_Space)
    # Steps on the bowl with lr 0.1 shrink (3, 4) by 0.8 each: step 3 goes from
    # (1.92, 2.56) (gradient (3.84, 5.12), length 6.40) to (1.536, 2.048); f 10.24 -> 6.5536.
    assert window.views.caption.text() == (
        "Step 3: the gradient at (1.92, 2.56) is (3.84, 5.12), length 6.40. Stepping 0.1 × "
        "gradient downhill moves to (1.54, 2.05); the height fell from 10.24 to 6.55."
    )
    runs.last()
    assert "Converged after" in window.views.caption.text()
    assert "It is a minimum" in window.views.caption.text()


def test_the_lesson_steps_through_the_seeds_story_with_l(qtbot, window):
    from landscape_gui.core.lesson import LESSON, STAGES

    viewport = window.views.contour.plot_widget().viewport()
    edit = window.views.formula.formula_edit
    # The lesson's own stages come first; its stages on a curve follow (test_constraint_window).
    for number, stage in enumerate(STAGES, start=1):
        press(qtbot, viewport, K.Key_L)
        qtbot.waitUntil(lambda s=stage, box=edit: box.text() == s.formula, timeout=5000)
        caption = window.views.caption.text()
        assert caption.startswith(f"Lesson {number} of {len(LESSON)}, {stage.title}")
        assert window.controller.state.probe == stage.probe
    # The partial-derivative stage shows the slices; the gradient stage shows the arrow.
    press(qtbot, viewport, K.Key_L, SHIFT)
    qtbot.waitUntil(lambda: window.controller.lesson_index == len(STAGES) - 2, timeout=5000)
    # A step replaces the story with what the step did; typing a formula leaves the lesson.
    press(qtbot, viewport, K.Key_Space)
    qtbot.waitUntil(lambda: window.views.caption.text().startswith("Step 1:"), timeout=5000)
    with qtbot.waitSignal(window.controller.landscapeChanged, timeout=5000):
        window.controller.set_formula("x^2 - y^2")
    assert window.controller.lesson_index is None


def test_the_keys_listed_are_on_every_keyboard(qapp):
    from PySide6.QtGui import QKeySequence

    from landscape_gui.qt.actions import on_every_keyboard

    # What KDE's standard bindings add: they keep working but are not listed.
    for exotic in ("Shift+Save", "Exit", "F14", "Undo"):
        assert not on_every_keyboard(QKeySequence(exotic)), exotic
    for plain in ("Ctrl+Shift+S", "Ctrl+Q", "F5", "Shift+Right", "?", "+", "Esc"):
        assert on_every_keyboard(QKeySequence(plain)), plain
    listed = [text for spec in ACTIONS for text in shortcut_texts(spec)]
    assert all(on_every_keyboard(QKeySequence(text)) for text in listed)
    assert not any(word in text for text in listed for word in ("Save", "Exit", "Undo", "F14"))
