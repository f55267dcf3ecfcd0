"""Files in the window: open and save sessions, recent files, exports, unsaved-changes prompts.

Every failure is shown as one clear message and changes nothing: a bad session file leaves the
current session as it was; a failed export leaves no partial file (all writes go to a temporary
file in the target folder and are renamed into place).

The dialogs are methods (``ask_save_path``, ``ask_open_path``, ``ask_unsaved``, ``show_error``)
so tests can answer them without a modal dialog.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from landscape_gui.core.atomic import describe_write_error, display_name
from landscape_gui.core.descent import History
from landscape_gui.core.session import SessionError, SessionFile, save_session
from landscape_gui.qt import export
from landscape_gui.qt.constraints import constraint_text
from landscape_gui.qt.settings import app_settings
from landscape_gui.qt.worker import SessionLoader, WorkerThread

SESSION_FILTER = "Landscape sessions (*.landscape)"
MAX_RECENT = 8
MAX_ANIMATION_FRAMES = 300


class FileActions(QObject):
    openFinished = Signal(bool)  # an open ended: True opened, False refused or cancelled
    loadRequested = Signal(int, str)  # to the session loader (queued)
    prepareRequested = Signal(int, object, object)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.controller = window.controller
        self.path: str | None = None
        self.export_scale = 1.0
        self._open_request = 0
        self._opening: str | None = None
        self._session = None
        self._progress: QProgressDialog | None = None
        self._loader = SessionLoader()
        self._loader_thread = WorkerThread(self._loader, "landscape-open")
        self.loadRequested.connect(self._loader.load)
        self.prepareRequested.connect(self._loader.prepare)
        self._loader.progressed.connect(self._load_progressed)
        self._loader.loaded.connect(self._loaded)
        self._loader.prepared.connect(self._prepared)

    # Dialogs (replaceable in tests)
    def ask_save_path(self, caption: str, file_filter: str, suggestion: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.window, caption, suggestion, file_filter)
        return path or None

    def ask_open_path(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a session", "", SESSION_FILTER)
        return path or None

    def ask_unsaved(self) -> str:
        """'save', 'discard' or 'cancel'."""
        name = os.path.basename(self.path) if self.path else "this session"
        answer = QMessageBox.question(
            self.window,
            "Unsaved changes",
            f"Save the changes to {name} first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        return {
            QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard",
        }.get(answer, "cancel")

    def show_error(self, title: str, message: str) -> None:
        self.controller.message.emit(message)
        QMessageBox.warning(self.window, title, message)

    # Sessions
    def is_modified(self) -> bool:
        return not self.controller.undo_stack.isClean()

    def may_discard_changes(self) -> bool:
        """True when it is fine to replace or close the session (saved, or the user said so)."""
        if not self.is_modified():
            return True
        answer = self.ask_unsaved()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def open(self, path: str | None = None) -> bool:
        if not self.may_discard_changes():
            return False
        path = path or self.ask_open_path()
        if not path:
            return False
        return self.open_path(path)

    def open_path(self, path: str) -> bool:
        """Start opening a session: it is read, checked, compiled and its landscape built off
        the GUI thread (with a progress dialog when that takes a while), then shown. On any
        problem say what it is and keep the current session, its undo history, its path and
        its modified flag. ``openFinished`` says how it ended; returns True when started."""
        self._close_progress()  # a slower open still under way is superseded
        self._open_request += 1
        request = self._open_request
        self._loader.latest_request = request
        self._opening = os.path.abspath(path)
        self._progress = _progress_dialog(self.window, os.path.basename(path), self._cancel_open)
        self.loadRequested.emit(request, path)
        return True

    def is_opening(self) -> bool:
        return self._opening is not None

    def _cancel_open(self) -> None:
        if self._opening is not None:
            self._finish_open(None)
            self.controller.message.emit("Opening cancelled: the session is as it was.")

    def _load_progressed(self, request: int, fraction: float) -> None:
        if request == self._open_request and self._progress is not None:
            self._progress.setValue(int(fraction * 90))

    def _loaded(self, request: int, result) -> None:
        if request != self._open_request or self._opening is None:
            return  # cancelled, or another file was opened since
        if isinstance(result, str):
            self._finish_open(result)
            return
        session, formula = result

        def compiled(compiled_formula) -> None:
            if request == self._open_request and self._opening is not None:
                self.prepareRequested.emit(request, compiled_formula, session.state)

        def not_compiled(message: str) -> None:
            if request == self._open_request and self._opening is not None:
                self._finish_open(f"{os.path.basename(self._opening)}: formula: {message}")

        self._session = session
        self.controller.compile_formula(session.state.formula, formula, compiled, not_compiled)

    def _prepared(self, request: int, result) -> None:
        if request != self._open_request or self._opening is None:
            return
        path = self._opening
        if isinstance(result, str):
            self._finish_open(f"{os.path.basename(path)}: {result}")
            return
        if not self.controller.load_session(self._session, result):
            self._finish_open(f"{os.path.basename(path)}: its landscape could not be drawn")
            return
        self.path = path
        self._finish_open(None, opened=True)
        self._remember_recent(self.path)
        self.window.update_title()
        self.controller.message.emit(f"Opened {os.path.basename(path)}")
        self.openFinished.emit(True)

    def _finish_open(self, error: str | None, opened: bool = False) -> None:
        self._opening = None
        self._session = None
        self._loader.latest_request = self._open_request + 1  # drop what is still queued
        self._close_progress()
        if error is not None:
            self.show_error("Cannot open the session", f"{error}. Your work is unchanged.")
            self.openFinished.emit(False)
        elif not opened:
            self.openFinished.emit(False)

    def _close_progress(self) -> None:
        if self._progress is not None:
            progress, self._progress = self._progress, None
            progress.canceled.disconnect(self._cancel_open)
            progress.close()
            progress.deleteLater()

    def shutdown(self) -> None:
        self._close_progress()
        self._opening = None
        self._loader_thread.stop()

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._save_to(self.path)

    def save_as(self) -> bool:
        path = self.ask_save_path(
            "Save the session", SESSION_FILTER, self.path or "untitled.landscape"
        )
        if not path:
            return False
        if os.path.isdir(path):
            self.show_error(
                "Cannot save the session",
                f"Could not save to {display_name(path)}: it is a folder; choose a file name.",
            )
            return False
        if not path.endswith(".landscape"):
            path += ".landscape"
        return self._save_to(path)

    def current_session(self) -> SessionFile:
        controller = self.controller
        runs = controller.runs
        state = controller.state.copy()
        histories: list[History | None] = [
            track.history() if len(track) else None for track in runs.tracks
        ]
        histories += [None] * (len(state.runs) - len(histories))
        return SessionFile(state, histories, selected_run=runs.selected, cursor=runs.cursor)

    def _save_to(self, path: str) -> bool:
        session = self.current_session()
        note = ""
        try:
            try:
                save_session(path, session)
            except SessionError as error:
                if "too large" not in str(error) or isinstance(error, OSError):
                    raise
                # Very long runs: keep every setting, drop the recorded paths (they are
                # replayed from their starts when the session is opened).
                session.histories = [None] * len(session.histories)
                session.cursor = 0
                save_session(path, session)
                note = " (the runs were too long to store: opening it starts them again)"
        except OSError as error:  # the system refused (full disk, folder, permission...)
            self.show_error(
                "Cannot save the session",
                f"Could not save {display_name(path)}: {describe_write_error(error)}.",
            )
            return False
        except SessionError as error:
            self.show_error("Cannot save the session", str(error))
            return False
        self.path = os.path.abspath(path)
        self.controller.undo_stack.setClean()
        self._remember_recent(self.path)
        self.window.update_title()
        self.controller.message.emit(f"Saved {os.path.basename(path)}{note}")
        return True

    # Recent files
    def _settings(self) -> QSettings:
        return app_settings()

    def recent_files(self) -> list[str]:
        value = self._settings().value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [p for p in (value or []) if isinstance(p, str)]

    def _remember_recent(self, path: str) -> None:
        recent = [path] + [p for p in self.recent_files() if p != path]
        self._settings().setValue("files/recent", recent[:MAX_RECENT])
        self.window.update_recent_menu()

    # Exports
    def _export(self, caption: str, file_filter: str, suggestion: str, write) -> str | None:
        path = self.ask_save_path(caption, file_filter, suggestion)
        if not path:
            return None
        self.controller.end_hover()  # a picture never carries a stale hover readout
        try:
            write(path)
        except OSError as error:
            self.show_error(
                "Export failed",
                f"Nothing was written to {display_name(path)}: {describe_write_error(error)}.",
            )
            return None
        except ValueError as error:
            self.show_error(
                "Export failed", f"Nothing was written to {display_name(path)}: {error}"
            )
            return None
        self.controller.message.emit(f"Exported {os.path.basename(path)}")
        return path

    def export_window_png(self) -> str | None:
        return self._export(
            "Export the window as PNG",
            "PNG images (*.png)",
            "landscape.png",
            lambda p: export.save_image(export.widget_image(self.window, self.export_scale), p),
        )

    def export_surface_png(self) -> str | None:
        surface = self.window.views.surface
        return self._export(
            "Export the 3D view as PNG",
            "PNG images (*.png)",
            "landscape-3d.png",
            lambda p: export.save_image(surface.export_image(self.export_scale), p),
        )

    def export_contour_png(self) -> str | None:
        contour = self.window.views.contour
        return self._export(
            "Export the contour map as PNG",
            "PNG images (*.png)",
            "landscape-contours.png",
            lambda p: export.save_image(export.widget_image(contour, self.export_scale), p),
        )

    def export_contour_svg(self) -> str | None:
        contour = self.window.views.contour
        return self._export(
            "Export the contour map as SVG",
            "SVG drawings (*.svg)",
            "landscape-contours.svg",
            lambda p: export.save_widget_svg(contour, p, "Contour map"),
        )

    def export_slices_svg(self) -> str | None:
        slices = self.window.views.slices
        return self._export(
            "Export the slices as SVG",
            "SVG drawings (*.svg)",
            "landscape-slices.svg",
            lambda p: export.save_widget_svg(slices, p, "Slices and slopes"),
        )

    def export_trajectory_csv(self) -> str | None:
        controller = self.controller
        runs = controller.runs
        if not runs.tracks or not any(len(t) for t in runs.tracks):
            self.show_error("Nothing to export", "There is no descent run to export yet.")
            return None
        state = controller.state

        def write(path: str) -> None:
            pairs = [(t, s) for t, s in zip(runs.tracks, state.runs, strict=False) if len(t)]
            export.save_trajectory(
                path,
                state.formula,
                [t for t, _ in pairs],
                [s for _, s in pairs],
                state.tolerance,
                state.max_steps,
                dict(state.parameters),
                constraint_text(state),
            )

        return self._export("Export the trajectory", "CSV files (*.csv)", "trajectory.csv", write)

    def copy_image(self) -> None:
        self.controller.end_hover()
        QGuiApplication.clipboard().setImage(export.widget_image(self.window, 1.0))
        self.controller.message.emit("Copied a picture of the window")

    def animation_frames(self) -> list:
        """One picture of the maps per step up to the step on screen (at most 300 frames)."""
        runs = self.controller.runs
        last = runs.cursor
        if last <= 0:
            return []
        stride = max(1, -(-last // MAX_ANIMATION_FRAMES))
        steps = list(range(0, last + 1, stride))
        if steps[-1] != last:
            steps.append(last)
        progress = QProgressDialog("Drawing the steps…", "Cancel", 0, len(steps), self.window)
        progress.setMinimumDuration(500)
        frames = []
        target = self.window.maps_splitter
        try:
            for number, step in enumerate(steps):
                if progress.wasCanceled():
                    return []
                runs.show_step(step)
                export.wait_until(lambda: False, 0.01)
                frames.append(export.widget_image(target, 1.0))
                progress.setValue(number + 1)
        finally:
            runs.show_step(last)
            progress.close()
        return frames

    def export_gif(self) -> str | None:
        return self._export_animation(
            "Export the run as an animated GIF", "GIF animations (*.gif)", "descent.gif"
        )

    def export_png_sequence(self) -> str | None:
        return self._export_animation(
            "Export the run as numbered PNGs (choose a new folder name)",
            "Folders (*)",
            "descent-frames",
        )

    def _export_animation(self, caption, file_filter, suggestion) -> str | None:
        if self.controller.runs.cursor <= 0:
            self.show_error(
                "Nothing to animate",
                "Take some steps first: the animation shows the run up to the step on screen.",
            )
            return None
        return self._export(
            caption,
            file_filter,
            suggestion,
            lambda p: export.save_animation(self.animation_frames(), p),
        )


PROGRESS_DELAY_MS = 300  # a file that opens faster than this shows no progress dialog


def _progress_dialog(window, name: str, cancel) -> QProgressDialog:
    """How far opening a big file has got; Cancel leaves the session as it was."""
    progress = QProgressDialog(f"Opening {name}…", "Cancel", 0, 100, window)
    progress.setWindowTitle("Opening a session")
    # Not modal: a modal QProgressDialog runs the event loop inside setValue, where the file's
    # own "loaded" answer can close and delete the dialog under it (a segmentation fault). A
    # formula typed meanwhile ends the open with a message instead.
    progress.setWindowModality(Qt.WindowModality.NonModal)
    progress.setMinimumDuration(PROGRESS_DELAY_MS)
    progress.setAutoClose(False)
    progress.setAutoReset(False)
    progress.canceled.connect(cancel)
    progress.setValue(0)
    return progress
