"""Descent runs: history, stop rules and vectorization, on hand-written landscapes."""

import math

import numpy as np
import pytest

from landscape_gui.core.descent import (
    DIVERGENCE_RADIUS,
    DescentError,
    DescentRun,
    LandscapeLike,
    run_to_end,
)
from landscape_gui.core.optimizers import OptimizerError


class Bowl:
    """f = x^2 + y^2, the lesson's bowl."""

    def value(self, x, y):
        return x * x + y * y

    def gradient(self, x, y):
        return 2 * x, 2 * y

    def hessian(self, x, y):
        return np.full_like(x, 2.0), np.zeros_like(x), np.full_like(x, 2.0)


class LessonSaddle:
    """f = x^2 + 3xy + y^2, the lesson's example: a saddle (Hessian eigenvalues 5 and -1)."""

    def value(self, x, y):
        return x * x + 3 * x * y + y * y

    def gradient(self, x, y):
        return 2 * x + 3 * y, 3 * x + 2 * y

    def hessian(self, x, y):
        return np.full_like(x, 2.0), np.full_like(x, 3.0), np.full_like(x, 2.0)


class Quadratic:
    """f = 2x^2 + xy + y^2 - 3x: minimum where 4x + y = 3 and x + 2y = 0, i.e. (6/7, -3/7)."""

    def value(self, x, y):
        return 2 * x * x + x * y + y * y - 3 * x

    def gradient(self, x, y):
        return 4 * x + y - 3, x + 2 * y

    def hessian(self, x, y):
        return np.full_like(x, 4.0), np.full_like(x, 1.0), np.full_like(x, 2.0)


class Rosenbrock:
    """f = (1 - x)^2 + 100 (y - x^2)^2, minimum at (1, 1)."""

    def value(self, x, y):
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    def gradient(self, x, y):
        return -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)

    def hessian(self, x, y):
        return 2 - 400 * (y - 3 * x * x), -400 * x, np.full_like(x, 200.0)


class Himmelblau:
    """f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2: four minima."""

    MINIMA = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126))

    def value(self, x, y):
        return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2

    def gradient(self, x, y):
        a = x * x + y - 11
        b = x + y * y - 7
        return 4 * x * a + 2 * b, 2 * a + 4 * y * b

    def hessian(self, x, y):
        return 12 * x * x + 4 * y - 42, 4 * x + 4 * y, 4 * x + 12 * y * y - 26


class LogValley:
    """f = log(x) + y^2: undefined (NaN) for x <= 0 while its gradient 1/x stays finite."""

    def value(self, x, y):
        return np.log(x) + y * y

    def gradient(self, x, y):
        return 1 / x, 2 * y

    def hessian(self, x, y):
        return -1 / (x * x), np.zeros_like(x), np.full_like(x, 2.0)


def test_stand_ins_satisfy_the_protocol():
    assert isinstance(Bowl(), LandscapeLike)


def test_step_zero_is_the_start_with_the_lessons_numbers():
    # At (3, 4): f = 25, grad f = (6, 8), |grad f| = sqrt(36 + 64) = 10.
    run = DescentRun(Bowl(), [(3.0, 4.0)], "gd", {"lr": 0.1})
    h = run.history(0)
    assert len(h) == 1
    assert (h.step[0], h.x[0], h.y[0], h.f[0], h.gx[0], h.gy[0], h.norm[0]) == (
        0,
        3.0,
        4.0,
        25.0,
        6.0,
        8.0,
        10.0,
    )
    assert run.status(0) == "running"
    assert not run.is_finished


def test_gd_on_the_bowl_converges_at_the_step_computed_by_hand():
    # Each GD step with lr 0.1 multiplies the position, hence |grad|, by 1 - 0.2 = 0.8:
    # |grad| after k steps = 10 * 0.8^k; 10 * 0.8^72 ~ 1.05e-6 >= 1e-6, 10 * 0.8^73 ~ 8.4e-7.
    run = run_to_end(Bowl(), (3.0, 4.0), "gd", {"lr": 0.1}, max_steps=1000, tol=1e-6)
    assert run.status(0) == "converged"
    assert run.is_finished
    assert run.last_step.tolist() == [73]
    h = run.history(0)
    assert h.step.tolist() == list(range(74))
    assert h.x[1] == pytest.approx(2.4) and h.y[1] == pytest.approx(3.2)
    assert h.norm[-1] < 1e-6 <= h.norm[-2]
    assert np.allclose(h.norm, 10 * 0.8 ** np.arange(74), rtol=1e-9)
    assert run.positions[0] == pytest.approx([3 * 0.8**73, 4 * 0.8**73])


def test_lesson_saddle_diverges_and_history_ends_at_a_finite_point():
    # H has eigenvalue -1 along (1, -1): GD with lr 0.1 multiplies that component by 1.1 per
    # step; (1, 0.5) has component 0.5/sqrt(2) ~ 0.3536 along it, which passes 1e8 when
    # 0.3536 * 1.1^k > 1e8, k > ln(2.83e8) / ln(1.1) ~ 204.2: step 205.
    run = run_to_end(LessonSaddle(), [(1.0, 0.5)], "gd", {"lr": 0.1}, max_steps=10_000)
    assert run.status(0) == "diverged"
    h = run.history(0)
    assert h.step[-1] == 205 == run.last_step[0]
    table = np.column_stack((h.x, h.y, h.f, h.gx, h.gy, h.norm))
    assert np.isfinite(table).all()
    assert math.hypot(h.x[-1], h.y[-1]) > DIVERGENCE_RADIUS >= math.hypot(h.x[-2], h.y[-2])
    # It left along the downhill direction of the saddle: x = -y, f < 0.
    assert h.x[-1] == pytest.approx(-h.y[-1], rel=1e-9)
    assert h.f[-1] < 0
    assert run.advance(10) == 0


def test_non_finite_value_stops_the_run_at_the_last_finite_point():
    # At (0.05, 1): grad = (1/0.05, 2) = (20, 2); lr 0.1 -> (0.05 - 2, 1 - 0.2) = (-1.95, 0.8),
    # where log(x) is undefined: the run diverges and keeps only the start.
    run = DescentRun(LogValley(), [(0.05, 1.0)], "gd", {"lr": 0.1})
    assert run.advance(50) == 1
    assert run.status(0) == "diverged"
    assert len(run.history(0)) == 1
    assert run.last_step.tolist() == [0]
    assert run.positions.tolist() == [[0.05, 1.0]]


def test_a_single_start_where_f_is_undefined_is_refused_with_a_sentence():
    with pytest.raises(DescentError, match=r"f is undefined at the start \(-1, 0\)"):
        DescentRun(LogValley(), [(-1.0, 0.0)], "gd")


def test_among_many_starts_an_undefined_one_has_no_history():
    run = DescentRun(LogValley(), [(-1.0, 0.0), (1.0, 1.0)], "gd")
    assert run.status(0) == "diverged"
    assert run.stop_reason(0) == "value"
    assert len(run.history(0)) == 0
    assert run.last_step.tolist()[0] == -1
    assert run.positions.tolist()[0] == [-1.0, 0.0]


def test_max_steps_status_and_step_counts():
    run = DescentRun(Bowl(), [(3.0, 4.0)], "gd", {"lr": 0.001}, max_steps=5)
    assert run.advance(3) == 3
    assert run.steps_taken == 3
    assert run.status(0) == "running"
    assert run.advance(100) == 2
    assert run.status(0) == "max-steps"
    assert run.is_finished
    assert run.advance(100) == 0
    h = run.history(0)
    assert h.step.tolist() == [0, 1, 2, 3, 4, 5]
    # lr 0.001: each step multiplies the position by 1 - 0.002 = 0.998.
    assert h.x[-1] == pytest.approx(3 * 0.998**5)


def test_zero_max_steps_and_a_start_at_the_minimum():
    run = DescentRun(Bowl(), [(3.0, 4.0), (0.0, 0.0)], max_steps=0)
    assert run.statuses() == ["max-steps", "converged"]
    assert run.is_finished
    assert [len(run.history(i)) for i in range(2)] == [1, 1]


def test_adam_on_rosenbrock_reaches_the_valley_floor_minimum():
    run = run_to_end(Rosenbrock(), [(-1.5, 2.0)], "adam", max_steps=3000, tol=1e-6)
    h = run.history(0)
    distance = np.hypot(h.x - 1, h.y - 1)
    assert distance[0] == pytest.approx(math.hypot(2.5, 1.0))
    assert run.status(0) == "converged"
    assert distance[-1] < 1e-3
    assert h.f[-1] < 1e-9 < h.f[0]


def test_newton_with_lr_1_solves_a_quadratic_in_one_step():
    run = run_to_end(Quadratic(), [(3.0, 4.0)], "newton", {"lr": 1.0})
    assert run.status(0) == "converged"
    assert run.last_step.tolist() == [1]
    assert run.positions[0] == pytest.approx([6 / 7, -3 / 7], abs=1e-14)


def test_newton_is_attracted_to_the_saddle():
    run = run_to_end(LessonSaddle(), [(1.0, 0.5)], "newton")
    assert run.status(0) == "converged"
    assert run.positions[0] == pytest.approx([0.0, 0.0], abs=1e-14)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam", "newton"])
def test_starts_run_together_match_starts_run_alone(optimizer):
    # Starts that converge at different steps and one that flies off (x = 100: huge
    # gradient), so the run's active set shrinks several times.
    starts = np.array([[0.1, 0.2], [-4.0, 4.0], [5.5, -5.0], [3.0, 2.0000001], [100.0, 0.0]])
    params = {"gd": {"lr": 0.01}, "momentum": {"lr": 0.005}, "adam": {"lr": 0.05}}
    kwargs = {"max_steps": 400, "tol": 1e-5}
    hp = params.get(optimizer, {"lr": 0.5})
    together = run_to_end(Himmelblau(), starts, optimizer, hp, **kwargs)
    statuses = together.statuses()
    assert len(set(together.last_step.tolist())) >= 3
    for i, start in enumerate(starts):
        alone = run_to_end(Himmelblau(), [start], optimizer, hp, **kwargs)
        assert alone.status(0) == statuses[i]
        a, b = alone.history(0), together.history(i)
        for name in ("step", "x", "y", "f", "gx", "gy", "norm"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert np.array_equal(alone.positions[0], together.positions[i])


def test_stepping_in_chunks_equals_one_long_advance():
    starts = [(0.1, 0.2), (-4.0, 4.0)]
    one = run_to_end(Himmelblau(), starts, "adam", {"lr": 0.05}, max_steps=300)
    chunked = DescentRun(Himmelblau(), starts, "adam", {"lr": 0.05}, max_steps=300)
    taken = 0
    while not chunked.is_finished:
        taken += chunked.advance(7)
    assert taken == chunked.steps_taken
    for i in range(2):
        assert np.array_equal(one.history(i).x, chunked.history(i).x)


def test_history_since_returns_only_new_rows():
    run = DescentRun(Bowl(), [(3.0, 4.0)], "gd", {"lr": 0.1})
    run.advance(10)
    tail = run.history(0, since=8)
    assert tail.step.tolist() == [8, 9, 10]
    assert tail.x.tolist() == run.history(0).x[8:].tolist()
    assert len(run.history(0, since=11)) == 0


def test_history_spanning_many_storage_blocks():
    # 10,000 steps of a single start cross several history blocks.
    run = run_to_end(Bowl(), [(3.0, 4.0)], "gd", {"lr": 1e-5}, max_steps=10_000, tol=0.0)
    h = run.history(0)
    assert h.step.tolist() == list(range(10_001))
    assert np.allclose(h.x, 3 * (1 - 2e-5) ** np.arange(10_001), rtol=1e-9)
    assert run.history(0, since=4095).step[:3].tolist() == [4095, 4096, 4097]


def test_record_false_keeps_final_results_only():
    starts = [(0.1, 0.2), (-4.0, 4.0), (100.0, 0.0)]
    full = run_to_end(Himmelblau(), starts, "gd", {"lr": 0.01}, max_steps=300)
    lean = run_to_end(Himmelblau(), starts, "gd", {"lr": 0.01}, max_steps=300, record=False)
    assert lean.statuses() == full.statuses()
    assert np.array_equal(lean.last_step, full.last_step)
    assert np.array_equal(lean.last_records, full.last_records)
    with pytest.raises(DescentError, match="record=False"):
        lean.history(0)


def test_grid_of_starts_each_ends_in_one_of_the_four_minima():
    grid = np.linspace(-5, 5, 60)
    xx, yy = np.meshgrid(grid, grid)
    starts = np.column_stack((xx.ravel(), yy.ravel()))
    run = run_to_end(Himmelblau(), starts, "gd", {"lr": 0.01}, max_steps=500, tol=1e-6)
    codes = run.statuses()
    assert set(codes) == {"converged"}
    final = run.positions
    distances = np.min(
        [np.hypot(final[:, 0] - mx, final[:, 1] - my) for mx, my in Himmelblau.MINIMA], axis=0
    )
    assert distances.max() < 1e-5
    assert run.history(1234).x[0] == starts[1234, 0]


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"starts": [1.0, 2.0, 3.0]}, DescentError, "shape"),
        ({"starts": [[1.0, np.nan]]}, DescentError, "finite"),
        ({"starts": np.zeros((0, 2))}, DescentError, "N >= 1"),
        ({"starts": "here"}, DescentError, "numbers"),
        ({"max_steps": -1}, DescentError, "max_steps"),
        ({"max_steps": 2.5}, DescentError, "max_steps"),
        ({"tol": float("nan")}, DescentError, "tol"),
        ({"tol": -1.0}, DescentError, "tol"),
        ({"tol": "small"}, DescentError, "tol"),
        ({"optimizer": "sgd"}, OptimizerError, "unknown optimizer"),
        ({"hyperparameters": {"lr": 0}}, OptimizerError, "greater than 0"),
    ],
)
def test_bad_run_arguments_raise_clear_value_errors(kwargs, error, fragment):
    arguments = {"starts": [(1.0, 2.0)], "optimizer": "gd", "hyperparameters": None}
    arguments.update(kwargs)
    with pytest.raises(error, match=fragment) as info:
        DescentRun(
            Bowl(),
            arguments.pop("starts"),
            arguments.pop("optimizer"),
            arguments.pop("hyperparameters"),
            **arguments,
        )
    assert isinstance(info.value, ValueError)


def test_bad_indices_and_step_counts():
    run = DescentRun(Bowl(), [(1.0, 2.0)])
    with pytest.raises(DescentError, match="out of range"):
        run.history(1)
    with pytest.raises(DescentError, match="n_steps"):
        run.advance(-1)
    assert run.status(-1) == "running"
