"""The formula pipeline of one window: parse → compile → scene → exact analysis.

Everything a formula, a parameter or a range costs runs on the workers (qt/worker.py): the
compile worker differentiates and lambdifies a formula and builds the Scene the window draws
(core/scene.py); the analysis worker simplifies, solves and typesets in a helper process. The
controller asks for what it wants to draw and applies the answers; nothing here touches a view.

Every request carries a number; only the newest counts (older answers are dropped, and the
compile worker skips queued requests that are already superseded). The last good landscape
stays on screen until the new one arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from landscape_gui.core.formula import Formula
from landscape_gui.core.landscape import CompiledFormula, Landscape
from landscape_gui.core.pipeline import Lru, scene_key
from landscape_gui.core.scene import Scene, SceneError
from landscape_gui.core.state import SessionState
from landscape_gui.qt.worker import AnalysisWorker, CompileWorker, WorkerThread

COMPILED_CACHE_SIZE = 16
# Scenes kept: the one on screen and a few before it, so undoing the last changes of a
# parameter or the ranges is instant. Each holds a grid (a few MB at most).
SCENE_CACHE_SIZE = 4
ANALYSIS_DELAY_MS = 400

SUPERSEDED = "another formula was chosen while it was being compiled"


@dataclass
class _Waiting:
    request: int
    text: str
    then: Callable[[], None]
    failed: Callable[[str], None] | None
    superseded: Callable[[], None] | None
    key: tuple | None


class FormulaPipeline(QObject):
    compileRequested = Signal(int, object, object)  # request, formula (or its text), state
    analysisRequested = Signal(int, object, object)  # generation, display and solve expressions
    busy = Signal(str)  # what the workers are doing, for the status bar ("" when done)
    failed = Signal(str)  # a typed formula that cannot be compiled (no ``failed`` callback)
    analysed = Signal(object, object)  # analysis key, (SymbolicAnalysis, pictures)
    analysisFailed = Signal(object, str)  # analysis key, why there is no exact analysis

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.compiled: Lru[str, CompiledFormula] = Lru(COMPILED_CACHE_SIZE)
        self.scenes: Lru[tuple, Scene | SceneError] = Lru(SCENE_CACHE_SIZE)
        self._request = 0
        self._waiting: _Waiting | None = None
        self._compile_worker = CompileWorker()
        self._compile_thread = WorkerThread(self._compile_worker, "landscape-compile")
        self.compileRequested.connect(self._compile_worker.compile)
        self._compile_worker.compiled.connect(self._compiled_ready)

        self._analysis_generation = 0
        self._analysis_wanted: tuple[Landscape, tuple] | None = None
        self._analysis_requested: tuple | None = None
        self._analysed: tuple | None = None  # the key of the last exact analysis that arrived
        self._analysis_failed: tuple | None = None
        self._analysis_timer = QTimer(self)
        self._analysis_timer.setSingleShot(True)
        self._analysis_timer.setInterval(ANALYSIS_DELAY_MS)
        self._analysis_timer.timeout.connect(self._request_analysis)
        self._analysis_worker = AnalysisWorker()
        self._analysis_thread = WorkerThread(self._analysis_worker, "landscape-analysis")
        self.analysisRequested.connect(self._analysis_worker.analyse)
        self._analysis_worker.finished.connect(self._analysis_finished)

    def shutdown(self) -> None:
        """Stop both workers without waiting for slow work; no answer arrives after this."""
        self._analysis_timer.stop()
        self._waiting = None
        self._analysis_worker.finished.disconnect(self._analysis_finished)
        self._compile_worker.compiled.disconnect(self._compiled_ready)
        self._compile_worker.latest_request = 1 << 62  # what is still queued is dropped
        self._compile_thread.stop()
        self._analysis_thread.stop()
        self.compiled.clear()
        self.scenes.clear()

    # Compiling and building scenes
    def scene_for(self, state: SessionState) -> Scene | SceneError | None:
        """The scene (or the refusal) already built for ``state``, if any."""
        return self.scenes.get(scene_key(state))

    def remember_scene(self, state: SessionState, scene: Scene) -> None:
        self.scenes.put(scene_key(state), scene)

    def cancel(self) -> None:
        """Forget the request in progress (its answer is dropped when it comes)."""
        self.request(None)

    def request(
        self,
        text: str | None,
        formula: Formula | None = None,
        then: Callable[[], None] | None = None,
        failed: Callable[[str], None] | None = None,
        drawn: SessionState | None = None,
        superseded: Callable[[], None] | None = None,
    ) -> None:
        """Call ``then`` once the formula ``text`` is compiled and, when ``drawn`` is given, the
        scene of that state is built: at once when both are cached, else when the compile
        worker answers. ``formula`` is its parse (the worker parses ``text`` when it is None).

        Only the latest request counts: an earlier one still waiting is dropped, calling its
        ``superseded`` (or its ``failed`` with a sentence). ``failed`` takes the message when
        the formula or its landscape cannot be compiled; without it ``failed`` is emitted."""
        self._request += 1
        self._compile_worker.latest_request = self._request
        previous, self._waiting = self._waiting, None
        if previous is not None:
            if previous.superseded is not None:
                previous.superseded()
            elif previous.failed is not None:
                previous.failed(SUPERSEDED)
        if text is None or then is None:
            return
        compiled = self.compiled.get(text)
        key = None if drawn is None else scene_key(drawn)
        if compiled is not None and (key is None or key in self.scenes):
            then()
            return
        self._waiting = _Waiting(self._request, text, then, failed, superseded, key)
        self.busy.emit("Working out the derivatives…" if compiled is None else "Drawing…")
        source = compiled or formula or text
        self.compileRequested.emit(self._request, source, None if drawn is None else drawn.copy())

    def _compiled_ready(self, request: int, result) -> None:
        waiting = self._waiting
        if waiting is None or waiting.request != request:
            return  # superseded by a newer request
        self._waiting = None
        self.busy.emit("")
        if isinstance(result, str):
            if waiting.failed is not None:
                waiting.failed(result)
            else:
                self.failed.emit(result)
            return
        compiled, scene = result
        self.compiled.put(waiting.text, compiled)
        if scene is not None and waiting.key is not None:
            self.scenes.put(waiting.key, scene)  # a Scene, or the SceneError that refuses it
        waiting.then()

    # The exact analysis (tidy derivatives, exact critical points, typesetting)
    def analysis_known(self, key: tuple) -> bool:
        """Whether the exact analysis that arrived last is about ``key``."""
        return self._analysed == key

    def forget_analysis(self) -> None:
        """The analysis on screen was dropped (a new formula): ask again when it comes back."""
        self._analysed = None

    def forget_analysis_failure(self) -> None:
        self._analysis_failed = None

    def schedule_analysis(self, landscape: Landscape, key: tuple) -> None:
        """Ask for the exact analysis of a landscape now on screen, after a short pause (a
        slider dragged asks once, when it rests)."""
        self._analysis_wanted = (landscape, key)
        self._analysis_timer.start()

    def _request_analysis(self) -> None:
        if self._analysis_wanted is None:
            return
        landscape, key = self._analysis_wanted
        if self._analysed == key or self._analysis_failed == key:
            return  # known already, or it failed for this formula and these parameters
        self._analysis_generation += 1
        self._analysis_requested = key
        self.analysisRequested.emit(
            self._analysis_generation, landscape.compiled.formula.expr, landscape.expression()
        )

    def _analysis_finished(self, generation: int, result) -> None:
        if generation != self._analysis_generation:
            return  # an answer to a superseded request
        key = self._analysis_requested
        if isinstance(result, str):
            self._analysis_failed = key
            self.analysisFailed.emit(key, result)
            return
        self._analysed = key
        self.analysed.emit(key, result)
