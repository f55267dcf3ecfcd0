"""The Qt-free playback model: recorded tracks, the cursor, the selection and what is said
about them."""

from __future__ import annotations

import numpy as np
import pytest

from landscape_gui.core.descent import History
from landscape_gui.core.formula import parse_formula
from landscape_gui.core.landscape import CompiledFormula, Domain, Landscape
from landscape_gui.core.playback import (
    Playback,
    quadratic_curvature,
    run_name,
    stability_hint,
)
from landscape_gui.core.state import RunSettings


def landscape(text: str) -> Landscape:
    return Landscape(CompiledFormula(parse_formula(text)), {}, Domain())


def bowl_steps(lr: float = 0.1, steps: int = 3) -> np.ndarray:
    """Plain GD on x^2 + y^2 from (3, 4), worked out by hand: each step multiplies by 1 - 2 lr."""
    factor = 1 - 2 * lr
    points = np.array([[3.0 * factor**k, 4.0 * factor**k] for k in range(steps + 1)])
    x, y = points.T
    return np.vstack((x, y, x**2 + y**2, 2 * x, 2 * y))


def test_the_lessons_arithmetic_and_statuses():
    model = Playback()
    model.start_over(1)
    model.tracks[0].append(History(*bowl_steps()), 3)
    settings = RunSettings("gd", {"lr": 0.1}, (3.0, 4.0))
    assert model.arithmetic(settings) == "start at (3.00, 4.00); ∇f there = (6.00, 8.00)"
    assert model.overall_status() == ("ready: press Step or Play", "paused")
    model.move_to(1)
    assert model.arithmetic(settings) == "(2.40, 3.20) = (3.00, 4.00) − 0.1 × (6.00, 8.00)"
    assert model.track_status(0) == "step 1"
    model.move_to(99)  # clamped to what is recorded
    assert model.cursor == 3
    model.tracks[0].status = "max-steps"
    assert model.overall_status() == ("stopped at the step limit", "max-steps")
    assert model.track_status(0) == "max-steps"


def test_selection_survives_a_restart_within_the_new_runs():
    model = Playback()
    model.select(5)
    model.start_over(2)
    assert model.selected == 1 and model.selected_track() is model.tracks[1]
    model.fail("the start is outside where f is defined")
    assert model.overall_status()[1] == "diverged"
    assert model.selected_track() is None


def test_run_names_use_the_resolved_learning_rate():
    assert run_name(RunSettings("adam")) == "Adam, lr 0.1"
    assert RunSettings("adam").hyperparameters == pytest.approx(
        {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    )


def test_stability_hint_is_true_on_every_kind_of_quadratic():
    bowl = quadratic_curvature(landscape("x^2 + y^2"))
    assert stability_hint(bowl, "gd") == "Plain GD diverges above lr = 1 (2/λmax)"
    # The lesson's own x^2 + 3xy + y^2 has eigenvalues 5 and -1: a saddle, where no learning
    # rate converges (the 2/5 = 0.4 "bound" would mislead).
    lesson = quadratic_curvature(landscape("x^2 + 3xy + y^2"))
    assert lesson.eigenvalues == pytest.approx((-1.0, 5.0))
    assert "at any learning rate" in stability_hint(lesson, "gd")
    dome = quadratic_curvature(landscape("-x^2 - y^2"))
    assert "no bottom" in stability_hint(dome, "gd")
    assert stability_hint(quadratic_curvature(landscape("x^4 + y^2")), "gd") is None
    assert stability_hint(bowl, "adam") is None
    # A plane has no bottom; a parameter in the coefficients still makes a quadratic.
    assert "no bottom" in stability_hint(quadratic_curvature(landscape("x + 2y")), "gd")
    assert "diverges above" in stability_hint(quadratic_curvature(landscape("a*x^2 + y^2")), "gd")


@pytest.mark.parametrize("formula", ["abs(x) + abs(y)", "abs(x + y) + abs(x - y)", "max(x, y)"])
def test_no_advice_from_a_hessian_that_is_zero_only_where_it_exists(formula):
    """|x| + |y| has a zero Hessian wherever it has one, and a bottom all the same: the panel
    said "No learning rate converges: this landscape has no bottom"."""
    assert stability_hint(quadratic_curvature(landscape(formula)), "gd") is None


def test_one_record_type_from_the_run_through_the_track_to_the_file_and_csv():
    """The descent run, the track the window plays and the files all speak History: a run
    streamed into a track in batches and read back is the run's own record, and the CSV and
    session written from the track are the ones written from the run."""
    import io

    from landscape_gui.core.descent import DescentRun
    from landscape_gui.core.session import SessionFile, from_json, to_json
    from landscape_gui.core.state import SessionState
    from landscape_gui.core.trajectory import (
        TrajectoryRun,
        runs_from_descent,
        write_trajectory_csv,
    )

    run = DescentRun(landscape("x^2 + y^2"), [(3.0, 4.0)], "gd", {"lr": 0.1}, max_steps=50)
    model = Playback()
    model.start_over(1)
    sent = 0
    while not run.is_finished:
        run.advance(7)
        batch = run.history(0, since=sent)
        assert isinstance(batch, History) and batch.first_step == sent
        model.tracks[0].append(batch, run.steps_taken)
        sent += len(batch)
    recorded = model.tracks[0].history()
    assert recorded == run.history(0)
    assert recorded.status == run.status(0) == model.tracks[0].status

    def csv(history: History) -> str:
        buffer = io.StringIO()
        write_trajectory_csv(buffer, [TrajectoryRun("1", "gd", history, {"lr": 0.1})], {})
        return buffer.getvalue()

    from_run = io.StringIO()
    write_trajectory_csv(from_run, runs_from_descent(run, names=["1"]), {})
    assert csv(recorded) == from_run.getvalue()

    state = SessionState()
    saved = SessionFile(state, [recorded] + [None] * (len(state.runs) - 1))
    loaded = from_json(to_json(saved)).histories[0]
    assert loaded == recorded
    replayed = Playback()
    replayed.start_over(1)
    assert loaded is not None
    replayed.tracks[0].set_recorded(loaded)
    assert replayed.tracks[0].history() == recorded
