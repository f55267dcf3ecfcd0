"""One table of every action and its shortcuts: the menus, the toolbar and the shortcut overlay
are all built from it, so a shortcut can never be listed in one place and missing in another."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class ActionSpec:
    key: str  # the handler's name in the window's handler table
    text: str
    menu: str
    shortcuts: tuple[str | QKeySequence.StandardKey, ...] = ()
    checkable: bool = False
    tip: str = ""
    toolbar: bool = False


def _presets() -> tuple[ActionSpec, ...]:
    from landscape_gui.core.presets import PRESETS

    return tuple(
        ActionSpec(f"preset:{p.key}", p.name, "Presets", (str(n),) if n <= 9 else (), tip=p.about)
        for n, p in enumerate(PRESETS, start=1)
    )


S = QKeySequence.StandardKey

ACTIONS: tuple[ActionSpec, ...] = (
    # File
    ActionSpec("open", "&Open session…", "&File", (S.Open, "Ctrl+O")),
    ActionSpec("save", "&Save session", "&File", (S.Save, "Ctrl+S")),
    ActionSpec("save_as", "Save session &as…", "&File", (S.SaveAs, "Ctrl+Shift+S")),
    ActionSpec(
        "export_window",
        "&Window as PNG…",
        "&File/&Export",
        ("Ctrl+E",),
        tip="A picture of the whole window",
    ),
    ActionSpec(
        "export_surface",
        "&3D view as PNG…",
        "&File/&Export",
        tip="The 3D view from its framebuffer",
    ),
    ActionSpec("export_contour_png", "&Contour map as PNG…", "&File/&Export"),
    ActionSpec(
        "export_contour_svg",
        "Contour map as S&VG…",
        "&File/&Export",
        tip="Vector lines and text, sharp in a printed handout",
    ),
    ActionSpec("export_slices_svg", "S&lices as SVG…", "&File/&Export"),
    ActionSpec(
        "export_csv",
        "&Trajectory CSV…",
        "&File/&Export",
        ("Ctrl+Shift+E",),
        tip="Every run's steps, in the same format as `landscape descend`",
    ),
    ActionSpec("export_gif", "Animation as &GIF…", "&File/&Export"),
    ActionSpec("export_pngs", "Animation as &PNG sequence…", "&File/&Export"),
    ActionSpec(
        "export_scale_2x",
        "Export pictures at &2×",
        "&File/&Export",
        checkable=True,
        tip="Twice the screen's pixels, for print",
    ),
    ActionSpec("copy_image", "&Copy window image", "&File", ("Ctrl+Shift+C",)),
    ActionSpec("quit", "&Quit", "&File", (S.Quit, "Ctrl+Q"), tip="Close Landscape"),
    # Edit
    ActionSpec("undo", "&Undo", "&Edit", (S.Undo,), tip="Undo the last change"),
    ActionSpec("redo", "&Redo", "&Edit", (S.Redo,), tip="Redo what was undone"),
    ActionSpec(
        "focus_formula",
        "Edit the &formula",
        "&Edit",
        ("Ctrl+L",),
        tip="Put the cursor in the formula box (Esc leaves it)",
    ),
    # View
    ActionSpec(
        "toggle:gradient_arrow",
        "&Gradient arrow",
        "&View",
        ("G",),
        checkable=True,
        tip="The steepest-uphill arrow at the probe point",
        toolbar=True,
    ),
    ActionSpec(
        "toggle:gradient_field",
        "Gradient &field",
        "&View",
        ("F",),
        checkable=True,
        tip="Arrows of the gradient all over the contour map",
        toolbar=True,
    ),
    ActionSpec(
        "toggle:contours",
        "&Contour lines",
        "&View",
        ("C",),
        checkable=True,
        tip="Lines of equal height on the map",
        toolbar=True,
    ),
    ActionSpec(
        "toggle:tangent_plane",
        "&Tangent plane",
        "&View",
        ("T",),
        checkable=True,
        tip="The flat plane that touches the surface at the probe",
        toolbar=True,
    ),
    ActionSpec(
        "toggle:slices",
        "&Slices",
        "&View",
        ("S",),
        checkable=True,
        tip="Cut the hill along x and along y: the partial derivatives as slopes",
        toolbar=True,
    ),
    ActionSpec(
        "toggle:wireframe",
        "&Wireframe",
        "&View",
        ("W",),
        checkable=True,
        tip="Grid lines over the 3D surface",
    ),
    ActionSpec(
        "toggle:path_preview",
        "Path &preview",
        "&View",
        ("V",),
        checkable=True,
        tip="The faint path the next few hundred steps will take",
    ),
    ActionSpec(
        "toggle:basins",
        "&Basins of attraction",
        "&View",
        ("B",),
        checkable=True,
        tip="Descent from every point of a grid; each start coloured by the minimum it reaches",
    ),
    ActionSpec(
        "reset_view", "&Reset 3D view", "&View", ("Ctrl+0",), tip="Back to the default camera"
    ),
    ActionSpec("full_screen", "F&ull screen", "&View", ("F11",), checkable=True),
    ActionSpec(
        "presentation",
        "&Presentation mode",
        "&View",
        ("F5", "Ctrl+Shift+P"),
        checkable=True,
        tip="Full screen, big type, only what the class needs to see",
    ),
    ActionSpec("escape", "Leave the input box or presentation", "&View", ("Esc",)),
    # Descent
    ActionSpec(
        "step",
        "&Step",
        "&Descent",
        ("Space", "Right", "PgDown"),
        tip="One descent step: new = old − step size × gradient",
        toolbar=True,
    ),
    ActionSpec("step10", "Ten steps", "&Descent", ("Shift+Space", "Shift+Right")),
    ActionSpec(
        "step_back",
        "Step &back",
        "&Descent",
        ("Left", "PgUp", "Backspace"),
        tip="One step back through the recorded history",
        toolbar=True,
    ),
    ActionSpec("first_step", "&First step", "&Descent", ("Home",)),
    ActionSpec("last_step", "&Last recorded step", "&Descent", ("End",)),
    ActionSpec("play", "&Play / pause", "&Descent", ("P", "Return", "Enter"), toolbar=True),
    ActionSpec(
        "reset_runs",
        "&Reset runs",
        "&Descent",
        ("R",),
        tip="Every run back to its start",
        toolbar=True,
    ),
    ActionSpec("lr_up", "Learning rate ×2", "&Descent", ("+", "=")),
    ActionSpec("lr_down", "Learning rate ÷2", "&Descent", ("-",)),
    ActionSpec("start_left", "Move start left", "&Descent", ("Alt+Left",)),
    ActionSpec("start_right", "Move start right", "&Descent", ("Alt+Right",)),
    ActionSpec("start_up", "Move start up", "&Descent", ("Alt+Up",)),
    ActionSpec("start_down", "Move start down", "&Descent", ("Alt+Down",)),
    # Presets
    *_presets(),
    # Help
    ActionSpec(
        "lesson_next",
        "&Lesson: next stage",
        "&Help",
        ("L",),
        tip="Curve, surface, slices, gradient, descent: the lesson's story, one stage at a time",
    ),
    ActionSpec("lesson_previous", "Lesson: previous stage", "&Help", ("Shift+L",)),
    ActionSpec("about", "&About Landscape", "&Help", tip="Version, licence and libraries"),
    ActionSpec(
        "shortcuts", "&Keyboard shortcuts", "&Help", ("F1", "?"), tip="Every key Landscape knows"
    ),
)


K = Qt.Key
# Keys every keyboard has. A platform's standard bindings also name keys few keyboards have
# (Save, Exit, Undo, F14 on KDE and old Sun layouts): they still work, but the overlay, menus
# and tips list only what people can find on their keyboard.
_KEYBOARD_KEYS = {
    K.Key_Escape,
    K.Key_Tab,
    K.Key_Backspace,
    K.Key_Return,
    K.Key_Enter,
    K.Key_Insert,
    K.Key_Delete,
    K.Key_Home,
    K.Key_End,
    K.Key_Left,
    K.Key_Up,
    K.Key_Right,
    K.Key_Down,
    K.Key_PageUp,
    K.Key_PageDown,
    K.Key_Space,
    *(getattr(K, f"Key_F{n}") for n in range(1, 13)),
}


def on_every_keyboard(sequence: QKeySequence) -> bool:
    """Whether each key of the sequence is on an ordinary keyboard."""
    for index in range(sequence.count()):
        key = sequence[index].key()
        if key not in _KEYBOARD_KEYS and key >= 0x01000000:  # beyond Latin-1: a special key
            return False
    return not sequence.isEmpty()


def shortcut_texts(spec: ActionSpec) -> list[str]:
    """The shortcuts as people read them on this platform (e.g. 'Ctrl+Z'), without keys
    few keyboards have."""
    texts: list[str] = []
    for shortcut in spec.shortcuts:
        if isinstance(shortcut, QKeySequence.StandardKey):
            sequences = QKeySequence.keyBindings(shortcut)
        else:
            sequences = [QKeySequence(shortcut)]
        for sequence in sequences:
            if not on_every_keyboard(sequence):
                continue
            text = sequence.toString(QKeySequence.SequenceFormat.NativeText)
            if text and text not in texts:
                texts.append(text)
    return texts


def build_actions(parent: QWidget, handlers: dict[str, Callable]) -> dict[str, QAction]:
    """A QAction for every row whose handler exists; every row must have one."""
    actions: dict[str, QAction] = {}
    for spec in ACTIONS:
        handler = handlers[spec.key]
        action = QAction(spec.text, parent)
        action.setObjectName(f"action_{spec.key}")
        sequences: list[QKeySequence] = []
        for shortcut in spec.shortcuts:
            if isinstance(shortcut, QKeySequence.StandardKey):
                sequences.extend(QKeySequence.keyBindings(shortcut))
            else:
                sequences.append(QKeySequence(shortcut))
        unique = []
        for sequence in sequences:
            if sequence not in unique and not sequence.isEmpty():
                unique.append(sequence)
        action.setShortcuts(unique)
        tip = spec.tip or spec.text.replace("&", "")
        if unique:
            tip += f" ({', '.join(shortcut_texts(spec))})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setCheckable(spec.checkable)
        if spec.checkable:
            action.toggled.connect(handler)
        else:
            action.triggered.connect(lambda _checked=False, h=handler: h())
        parent.addAction(action)  # shortcuts work even when a menu is hidden (presentation)
        actions[spec.key] = action
    return actions
