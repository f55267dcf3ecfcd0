"""The formula pipeline of one window: parse → compile → scene → exact analysis.

Everything a formula, a parameter or a range costs runs on the workers (qt/worker.py): the
compile worker differentiates and lambdifies a formula and builds the Scene the window draws
(core/scene.py); the analysis worker tidies and typesets the derivatives; then the solve worker
solves grad f = 0 exactly in a killable helper process, so nothing a user looks at waits for
it (the scene's numerical critical points are on screen meanwhile). The controller asks for
what it wants to draw and applies the answers; nothing here touches a view.

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
from landscape_gui.qt.worker import AnalysisWorker, CompileWorker, SolveWorker, WorkerThread

COMPILED_CACHE_SIZE = 16
# Scenes kept: the one on screen and a few before it, so undoing the last changes of a
# parameter or the ranges is instant. Each holds a grid (a few MB at most).
SCENE_CACHE_SIZE = 4
ANALYSIS_DELAY_MS = 400
FIRST_FRAME_WAIT_MS = 1000  # the first analysis waits this long at most for the first frame

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
    solveRequested = Signal(int, object)  # generation, f with numbers in (queued)
    solved = Signal(object, object)  # analysis key, ExactCriticalPoints or a message

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
        self._analysis_pending = False  # the last request's answer has not come yet
        self._analysed: tuple | None = None  # the key of the last exact analysis that arrived
        self._analysis_result = None  # and that analysis (derivatives and their pictures)
        self._analysis_failed: tuple | None = None
        self._analysis_timer = QTimer(self)
        self._analysis_timer.setSingleShot(True)
        self._analysis_timer.setInterval(ANALYSIS_DELAY_MS)
        self._analysis_timer.timeout.connect(self._request_analysis)
        self._analysis_worker = AnalysisWorker()
        self._analysis_thread = WorkerThread(self._analysis_worker, "landscape-analysis")
        self.analysisRequested.connect(self._analysis_worker.analyse)
        self._analysis_worker.finished.connect(self._analysis_finished)
        # The first landscape's analysis (sympy, and the typesetter's import, half a second)
        # starts once the 3D view has drawn its first frame (see first_frame_drawn), not in
        # front of it; a view that never draws gets it a moment later anyway.
        self.await_first_frame = False
        self._analysed_landscape: Landscape | None = None
        self.solve_exactly = True  # False: numerical critical points only (the screenshot)
        self.solving = False  # the exact solve of grad f = 0 is running for the last analysis
        self._solve_worker = SolveWorker()
        self._solve_thread = WorkerThread(self._solve_worker, "landscape-solve")
        self.solveRequested.connect(self._solve_worker.solve)
        self._solve_worker.solved.connect(self._solve_finished)

    def use_quick_helper(self, mode: str) -> None:
        """How the cheap analyses use the process's quick helper: one of AnalysisWorker's
        WHEN_FREE (the default), ALWAYS or NEVER."""
        self._analysis_worker.quick_helper_mode = mode

    def shutdown(self) -> None:
        """Stop every worker without waiting for slow work; no answer arrives after this."""
        self._analysis_timer.stop()
        self._waiting = None
        self._analysed_landscape = None
        self._analysis_worker.finished.disconnect(self._analysis_finished)
        self._solve_worker.solved.disconnect(self._solve_finished)
        self._compile_worker.compiled.disconnect(self._compiled_ready)
        self._compile_worker.latest_request = 1 << 62  # what is still queued is dropped
        self._compile_thread.stop()
        self._analysis_thread.stop()
        self._solve_thread.stop()
        self.compiled.clear()
        self.scenes.clear()

    # Compiling and building scenes
    def remember_compiled(self, text: str, compiled: CompiledFormula) -> None:
        """A formula already compiled elsewhere (the screenshot command compiles it to check
        the input): the worker then only builds its scene instead of differentiating and
        lambdifying it a second time."""
        self.compiled.put(text, compiled)

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

    def forget_analysis(self, keep: tuple | None = None) -> None:
        """The analysis on screen was dropped (a new formula): ask again when it comes back;
        a solve still running for it is no longer waited for (its answer is dropped). An
        analysis about ``keep`` (the formula now drawn), arrived or on its way, is kept: it
        was asked for before its scene was built."""
        if keep is not None and keep == self._analysis_requested:
            return
        self._analysed = None
        self.solving = False

    def arrived_analysis(self, key: tuple):
        """The analysis about ``key`` if it has arrived (before its scene was drawn, its
        answer could not be shown yet), else None."""
        return self._analysis_result if self._analysed == key else None

    def forget_analysis_failure(self) -> None:
        self._analysis_failed = None

    def schedule_analysis(self, landscape: Landscape, key: tuple) -> None:
        """Ask for the exact analysis of a landscape now on screen, after a short pause (a
        slider dragged asks once, when it rests)."""
        self._analysis_wanted = (landscape, key)
        if self.await_first_frame:
            self._analysis_timer.start(FIRST_FRAME_WAIT_MS)
        else:
            # The first landscape's derivatives are asked for at once (no typing to wait out).
            self._analysis_timer.start(0 if self._analysis_generation == 0 else ANALYSIS_DELAY_MS)

    def first_frame_drawn(self) -> None:
        if self.await_first_frame:
            self.await_first_frame = False
            if self._analysis_timer.isActive():
                self._analysis_timer.start(0)

    def analyse_now(self, landscape: Landscape | None = None, key: tuple | None = None) -> None:
        """Ask for the analysis of what is shown at once, without waiting for the first frame
        or the typing delay (the screenshot needs both, so they may as well overlap). Given a
        ``landscape`` (and its analysis ``key``), ask about it before its scene is built: the
        analysis needs only the formula, so it need not wait for the sampling."""
        self.await_first_frame = False
        self._analysis_timer.stop()
        if landscape is not None and key is not None:
            self._analysis_wanted = (landscape, key)
        self._request_analysis()

    def _request_analysis(self) -> None:
        if self._analysis_wanted is None:
            return
        landscape, key = self._analysis_wanted
        if self._analysed == key or self._analysis_failed == key:
            return  # known already, or it failed for this formula and these parameters
        if self._analysis_pending and self._analysis_requested == key:
            return  # on its way already (asked before the scene was drawn, or for other ranges)
        self._analysis_generation += 1
        self._analysis_requested = key
        self._analysis_pending = True
        self._analysed_landscape = landscape
        self.analysisRequested.emit(
            self._analysis_generation, landscape.compiled.formula.expr, landscape.expression()
        )

    def _analysis_finished(self, generation: int, result) -> None:
        if generation != self._analysis_generation:
            return  # an answer to a superseded request
        self._analysis_pending = False
        key = self._analysis_requested
        if isinstance(result, str):
            self._analysis_failed = key
            self.analysisFailed.emit(key, result)
            return
        self._analysed = key
        self._analysis_result = result
        landscape = self._analysed_landscape
        if self.solve_exactly and landscape is not None:
            # The exact critical points (a job of its own, often seconds) replace the
            # numerical ones when the solve is done.
            self.solving = True
            self._solve_worker.latest_generation = generation
            self.solveRequested.emit(generation, landscape.expression())
        self.analysed.emit(key, result)

    def _solve_finished(self, generation: int, result) -> None:
        if generation != self._analysis_generation or not self.solving:
            return  # about an analysis no longer wanted
        self.solving = False
        self.solved.emit(self._analysis_requested, result)
