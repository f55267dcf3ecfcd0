"""The formula pipeline: nothing is compiled or sampled on the GUI thread, whatever the change
(a typed formula, a preset, a parameter, the ranges, the grid, undo and redo past every cache);
the last good landscape stays until the new one arrives, and stale answers are dropped."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QThread

from landscape_gui.core.landscape import CompiledFormula, Landscape
from landscape_gui.qt import formula_pipeline
from landscape_gui.qt.worker import AnalysisWorker
from tests.qt.conftest import wait_for_worker


@pytest.fixture
def gui_thread_work(monkeypatch):
    """Records every compile and grid sampling that runs on the GUI thread."""
    seen: list[str] = []
    compile_original = CompiledFormula.__init__
    sample_original = Landscape.sample

    def on_gui_thread() -> bool:
        return QThread.currentThread() is QCoreApplication.instance().thread()

    def compile_spy(self, formula, *args, **kwargs):
        if on_gui_thread():
            seen.append(f"compile {formula.text}")
        compile_original(self, formula, *args, **kwargs)

    def sample_spy(self, *args, **kwargs):
        if on_gui_thread():
            seen.append(f"sample {self.formula.text}")
        return sample_original(self, *args, **kwargs)

    monkeypatch.setattr(CompiledFormula, "__init__", compile_spy)
    monkeypatch.setattr(Landscape, "sample", sample_spy)
    return seen


def _drawn(qtbot, controller, change) -> None:
    with qtbot.waitSignal(controller.landscapeChanged, timeout=20000):
        change()


def test_no_change_compiles_or_samples_on_the_gui_thread(qtbot, window, gui_thread_work):
    controller = window.controller
    size = formula_pipeline.COMPILED_CACHE_SIZE
    formulas = [f"x^2 + {k}*y^2 + sin({k}x)" for k in range(1, size + 4)]
    for text in formulas:  # more formulas than the cache holds
        _drawn(qtbot, controller, lambda t=text: controller.set_formula(t))
    _drawn(qtbot, controller, lambda: controller.set_formula("a*x^2 + y^2"))
    _drawn(qtbot, controller, lambda: controller.set_parameter("a", 2.5))
    _drawn(qtbot, controller, lambda: controller.set_domain((-2, 2, -3, 3)))
    _drawn(qtbot, controller, lambda: controller.set_resolution(120))
    _drawn(qtbot, controller, lambda: controller.choose_preset("himmelblau"))
    while controller.undo_stack.canUndo():  # back past the compiled-formula cache
        _drawn(qtbot, controller, controller.undo_stack.undo)
    assert controller.state.formula == "x^2 + y^2"
    while controller.undo_stack.canRedo():
        _drawn(qtbot, controller, controller.undo_stack.redo)
    assert controller.state.preset == "himmelblau"
    assert gui_thread_work == []


def test_the_last_landscape_stays_until_the_new_one_arrives(qtbot, window, gui_thread_work):
    controller = window.controller
    _drawn(qtbot, controller, lambda: controller.set_formula("a*x^2 + y^2"))
    shown = controller.landscape
    controller.set_parameter("a", 3.0)
    # Asked for, not yet drawn: the state on screen and its landscape are the previous ones.
    assert controller.landscape is shown and controller.state.parameters == {"a": 1.0}
    assert window.views.formula.formula_edit.text() == "a*x^2 + y^2"
    qtbot.waitUntil(lambda: controller.state.parameters == {"a": 3.0}, timeout=10000)
    assert controller.landscape is not shown
    assert controller.landscape.parameter_values == {"a": 3.0}
    assert gui_thread_work == []


def test_a_dragged_parameter_draws_the_last_value_and_undoes_in_one_step(qtbot, window):
    controller = window.controller
    _drawn(qtbot, controller, lambda: controller.set_formula("a*x^2 + y^2"))
    steps = controller.undo_stack.index()
    for k in range(1, 30):  # a drag: faster than the worker can build each one
        controller.set_parameter("a", 1.0 + k / 10)
    qtbot.waitUntil(lambda: controller.state.parameters == {"a": 3.9}, timeout=10000)
    # An older answer arriving late must not replace it: wait until every answer is in.
    wait_for_worker(qtbot, controller.pipeline._compile_thread)
    assert controller.state.parameters == {"a": 3.9}
    assert controller.landscape.parameter_values == {"a": 3.9}
    assert controller.undo_stack.index() == steps + 1  # the drag is one undo step
    _drawn(qtbot, controller, controller.undo_stack.undo)
    assert controller.state.parameters == {"a": 1.0}


def test_changes_made_while_a_landscape_is_on_its_way_are_kept(qtbot, window):
    controller = window.controller
    _drawn(qtbot, controller, lambda: controller.set_formula("a*x^2 + y^2"))
    controller.set_domain((-4, 4, -4, 4))
    controller.set_parameter("a", 2.0)  # both before the first scene arrives
    controller.set_probe(1.0, 1.0)
    qtbot.waitUntil(lambda: controller.state.parameters == {"a": 2.0}, timeout=10000)
    state = controller.state
    assert state.domain.as_tuple() == (-4, 4, -4, 4)
    assert state.probe == (1.0, 1.0)
    assert controller.landscape.domain == state.domain
    assert controller.grid.xs[0] == -4


def test_a_range_whose_landscape_fails_to_build_is_taken_back_whole(qtbot, window, monkeypatch):
    from landscape_gui.core.scene import SceneError
    from landscape_gui.qt import worker

    original = worker.build_scene

    def failing(compiled, state):
        if state.domain.x_min == -1.25:  # this range only: the worker refuses it
            raise SceneError("its values are too large to compute with (over about 1e308)")
        return original(compiled, state)

    monkeypatch.setattr(worker, "build_scene", failing)
    controller = window.controller
    _drawn(qtbot, controller, lambda: controller.set_domain((-2, 2, -2, 2)))
    before = controller.state.copy()
    shown = controller.landscape
    steps = controller.undo_stack.index()
    with qtbot.waitSignal(
        controller.message, timeout=10000, check_params_cb=lambda m: "Nothing changed" in m
    ):
        controller.set_domain((-1.25, 2, -2, 2))
    assert controller.state.domain == before.domain
    assert controller.landscape is shown
    assert controller.undo_stack.index() == steps  # no step for a change never made
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):
        controller.undo_stack.undo()  # undo takes back the change before it
    assert controller.state.domain.as_tuple() == (-5.0, 5.0, -5.0, 5.0)
    with qtbot.waitSignal(controller.landscapeChanged, timeout=10000):
        controller.undo_stack.redo()  # and redo makes it again, not the refused one
    assert controller.state.domain.as_tuple() == (-2.0, 2.0, -2.0, 2.0)


def test_an_analysis_on_its_way_is_not_asked_for_again(qtbot, window, monkeypatch):
    """New ranges (same formula and parameters) while the derivatives are being typeset wait
    for that answer instead of starting the work again."""
    import threading

    from landscape_gui.qt import typeset

    release = threading.Event()
    original = typeset.derivatives_and_pictures

    def held(*args, **kwargs):
        release.wait(20)
        return original(*args, **kwargs)

    monkeypatch.setattr(typeset, "derivatives_and_pictures", held)
    controller = window.controller
    # (held here, in this process: not in the shared helper process)
    controller.pipeline.use_quick_helper(AnalysisWorker.NEVER)
    pipeline = controller.pipeline
    asked: list[int] = []
    controller.analysisRequested.connect(lambda generation, *_: asked.append(generation))
    try:
        with qtbot.waitSignal(controller.analysisRequested, timeout=20000):
            _drawn(qtbot, controller, lambda: controller.set_formula("x^2 + 2y^2"))
        _drawn(qtbot, controller, lambda: controller.set_domain((-3, 3, -3, 3)))
        qtbot.waitUntil(lambda: not pipeline._analysis_timer.isActive(), timeout=5000)
    finally:
        release.set()
    qtbot.waitUntil(lambda: controller.analysis is not None, timeout=20000)
    assert len(asked) == 1
    assert controller.state.domain.as_tuple() == (-3, 3, -3, 3)


def test_cheap_analyses_run_in_the_shared_helper_process_once_it_is_up(qtbot, window, monkeypatch):
    """Done in the window's process, an analysis holds the interpreter lock the GUI thread
    needs to draw; once the shared helper has started (after the first answer), the quick
    analyses are done there. Broken here, in this process, the derivatives still come."""
    from landscape_gui.core import calculus, timebound

    controller = window.controller
    analysis_worker = controller.pipeline._analysis_worker
    qtbot.waitUntil(lambda: controller.analysis is not None, timeout=20000)
    qtbot.waitUntil(analysis_worker.quick_helper.running, timeout=60000)
    wait_for_worker(qtbot, controller.pipeline._analysis_thread, timeout=60000)

    def broken(*_args):
        raise RuntimeError("the analysis ran in the window's process")

    monkeypatch.setattr(calculus, "analyse_derivatives", broken)
    _drawn(qtbot, controller, lambda: controller.set_formula("x^3 + 2y^2"))
    controller.analyse_now()
    qtbot.waitUntil(lambda: controller.analysis is not None, timeout=20000)
    assert controller.analysis.df_dx == "3*x^2"
    assert timebound.quick_helper_usable()
