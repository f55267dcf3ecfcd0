"""Step rules checked against arithmetic done by hand on the lesson's bowl f = x^2 + y^2."""

import math

import numpy as np
import pytest

from landscape_gui.core.optimizers import (
    OPTIMIZERS,
    OptimizerError,
    UnknownOptimizerError,
    gd_stability_bound,
    get_optimizer,
    resolve_hyperparameters,
)


def bowl_gradient(positions):
    """grad (x^2 + y^2) = (2x, 2y)."""
    return 2.0 * positions


def bowl_hessian(positions):
    n = positions.shape[0]
    return np.full(n, 2.0), np.zeros(n), np.full(n, 2.0)


def two_steps(key, params, start=(3.0, 4.0)):
    """Positions after one and two steps of ``key`` on the bowl."""
    spec = get_optimizer(key)
    resolved = resolve_hyperparameters(key, params)
    positions = np.array([start], dtype=float)
    state = spec.init_state(1)
    out = []
    for _ in range(2):
        hessian = bowl_hessian(positions) if spec.needs_hessian else None
        positions = spec.step(positions, state, bowl_gradient(positions), hessian, resolved)
        out.append(positions[0].copy())
    return out


def test_gd_first_two_steps_on_bowl():
    # g0 = (6, 8); p1 = (3, 4) - 0.1 * (6, 8) = (2.4, 3.2)
    # g1 = (4.8, 6.4); p2 = (2.4 - 0.48, 3.2 - 0.64) = (1.92, 2.56)
    p1, p2 = two_steps("gd", {"lr": 0.1})
    assert p1 == pytest.approx([2.4, 3.2], rel=1e-14)
    assert p2 == pytest.approx([1.92, 2.56], rel=1e-14)


def test_momentum_first_two_steps_on_bowl():
    # b1 = g0 = (6, 8); p1 = (3, 4) - 0.05 * (6, 8) = (2.7, 3.6)
    # g1 = (5.4, 7.2); b2 = 0.9 * (6, 8) + (5.4, 7.2) = (10.8, 14.4)
    # p2 = (2.7, 3.6) - 0.05 * (10.8, 14.4) = (2.16, 2.88)
    p1, p2 = two_steps("momentum", {"lr": 0.05, "momentum": 0.9})
    assert p1 == pytest.approx([2.7, 3.6], rel=1e-14)
    assert p2 == pytest.approx([2.16, 2.88], rel=1e-14)


def test_nesterov_first_two_steps_on_bowl():
    # b1 = (6, 8); d1 = g0 + 0.9 * b1 = (11.4, 15.2); p1 = (3 - 0.57, 4 - 0.76) = (2.43, 3.24)
    # g1 = (4.86, 6.48); b2 = 0.9 * (6, 8) + g1 = (10.26, 13.68)
    # d2 = g1 + 0.9 * b2 = (14.094, 18.792); p2 = (2.43 - 0.7047, 3.24 - 0.9396)
    p1, p2 = two_steps("nesterov", {"lr": 0.05, "momentum": 0.9})
    assert p1 == pytest.approx([2.43, 3.24], rel=1e-14)
    assert p2 == pytest.approx([1.7253, 2.3004], rel=1e-13)


def test_adagrad_first_two_steps_on_bowl():
    # s1 = (36, 64); p1 = (3, 4) - 0.5 * (6/6, 8/8) = (2.5, 3.5)   (eps 1e-10 is negligible)
    # g1 = (5, 7); s2 = (61, 113); p2 = (2.5 - 0.5*5/sqrt(61), 3.5 - 0.5*7/sqrt(113))
    #                                  ~ (2.5 - 0.3200922, 3.5 - 0.3292523)
    p1, p2 = two_steps("adagrad", {"lr": 0.5})
    assert p1 == pytest.approx([2.5, 3.5], rel=1e-9)
    assert p2 == pytest.approx([2.5 - 2.5 / math.sqrt(61), 3.5 - 3.5 / math.sqrt(113)], rel=1e-9)
    assert p2 == pytest.approx([2.1799078, 3.1707477], abs=1e-7)


def test_rmsprop_first_two_steps_on_bowl():
    # v1 = 0.01 * (36, 64) = (0.36, 0.64); sqrt = (0.6, 0.8)
    # p1 = (3, 4) - 0.01 * (6/0.6, 8/0.8) = (2.9, 3.9)
    # g1 = (5.8, 7.8); v2 = 0.99*(0.36, 0.64) + 0.01*(33.64, 60.84) = (0.6928, 1.242)
    # p2 = (2.9 - 0.058/sqrt(0.6928), 3.9 - 0.078/sqrt(1.242)) ~ (2.8303174, 3.8300103)
    p1, p2 = two_steps("rmsprop", {"lr": 0.01, "alpha": 0.99})
    assert p1 == pytest.approx([2.9, 3.9], rel=1e-9)
    assert p2 == pytest.approx(
        [2.9 - 0.058 / math.sqrt(0.6928), 3.9 - 0.078 / math.sqrt(1.242)], rel=1e-9
    )
    assert p2 == pytest.approx([2.8303174, 3.8300103], abs=1e-7)


def test_adam_first_two_steps_on_bowl():
    # t=1: m = 0.1*g0 = (0.6, 0.8), v = 0.001*g0^2 = (0.036, 0.064)
    #      m/(1-0.9) = g0 and sqrt(v/(1-0.999)) = |g0|, so each coordinate moves by lr:
    #      p1 = (2.9, 3.9)
    # t=2: g1 = (5.8, 7.8); m = 0.9*(0.6, 0.8) + 0.1*g1 = (1.12, 1.5)
    #      v = 0.999*(0.036, 0.064) + 0.001*(33.64, 60.84) = (0.069604, 0.124776)
    #      bias corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999
    #      p2 = p1 - 0.1 * (m/0.19) / sqrt(v/0.001999) ~ (2.9 - 0.0998973, 3.9 - 0.0999260)
    p1, p2 = two_steps("adam", {"lr": 0.1, "beta1": 0.9, "beta2": 0.999})
    assert p1 == pytest.approx([2.9, 3.9], rel=1e-9)
    expected_x = 2.9 - 0.1 * (1.12 / 0.19) / math.sqrt(0.069604 / 0.001999)
    expected_y = 3.9 - 0.1 * (1.5 / 0.19) / math.sqrt(0.124776 / 0.001999)
    assert p2 == pytest.approx([expected_x, expected_y], rel=1e-9)
    assert p2 == pytest.approx([2.8001027, 3.8000740], abs=1e-6)


def test_newton_first_two_steps_on_bowl():
    # H = 2I so H^-1 g = p: with lr 0.5 each step halves the position.
    # p1 = (3, 4) - 0.5 * (3, 4) = (1.5, 2); p2 = (0.75, 1)
    p1, p2 = two_steps("newton", {"lr": 0.5})
    assert p1 == pytest.approx([1.5, 2.0], rel=1e-14)
    assert p2 == pytest.approx([0.75, 1.0], rel=1e-14)


def test_newton_jumps_to_the_saddle_of_the_lesson_function():
    # f = x^2 + 3xy + y^2: H = [[2, 3], [3, 2]], det = -5. At (1, 0.5): g = (3.5, 4).
    # H^-1 g = (1/-5) * (2*3.5 - 3*4, -3*3.5 + 2*4) = (1, 0.5), so lr 1 lands on (0, 0).
    spec = get_optimizer("newton")
    positions = np.array([[1.0, 0.5]])
    gradient = np.array([[3.5, 4.0]])
    hessian = (np.array([2.0]), np.array([3.0]), np.array([2.0]))
    new = spec.step(positions, spec.init_state(1), gradient, hessian, {"lr": 1.0})
    assert new[0] == pytest.approx([0.0, 0.0], abs=1e-15)


def test_newton_falls_back_to_a_gradient_step_where_the_hessian_is_singular():
    # f = x^2 is flat in y: H = [[2, 0], [0, 0]], det = 0. Plain step with lr 0.25 from
    # (3, 4) with g = (6, 0): (3 - 1.5, 4) = (1.5, 4).  A NaN Hessian also falls back.
    spec = get_optimizer("newton")
    positions = np.array([[3.0, 4.0], [3.0, 4.0]])
    gradient = np.array([[6.0, 0.0], [6.0, 0.0]])
    hessian = (np.array([2.0, np.nan]), np.array([0.0, 0.0]), np.array([0.0, 1.0]))
    new = spec.step(positions, spec.init_state(2), gradient, hessian, {"lr": 0.25})
    assert new.tolist() == [[1.5, 4.0], [1.5, 4.0]]


@pytest.mark.parametrize("key", list(OPTIMIZERS))
def test_points_stepped_together_match_points_stepped_alone(key):
    spec = get_optimizer(key)
    params = resolve_hyperparameters(key)
    starts = np.array([[3.0, 4.0], [-1.25, 0.5], [0.0, -2.0], [7.5, 1e-3]])

    def gradient(p):  # f = x^2 + 3y^2 + x*y: an anisotropic bowl
        return np.stack((2 * p[:, 0] + p[:, 1], 6 * p[:, 1] + p[:, 0]), axis=1)

    def hessian(p):
        n = p.shape[0]
        return np.full(n, 2.0), np.full(n, 1.0), np.full(n, 6.0)

    def walk(p, steps=5):
        state = spec.init_state(p.shape[0])
        for _ in range(steps):
            h = hessian(p) if spec.needs_hessian else None
            p = spec.step(p, state, gradient(p), h, params)
        return p

    together = walk(starts.copy())
    alone = np.vstack([walk(starts[i : i + 1].copy()) for i in range(len(starts))])
    assert np.array_equal(together, alone)
    assert not np.array_equal(together, starts)


def test_step_does_not_modify_its_inputs():
    spec = get_optimizer("adam")
    positions = np.array([[3.0, 4.0]])
    gradient = np.array([[6.0, 8.0]])
    spec.step(positions, spec.init_state(1), gradient, None, resolve_hyperparameters("adam"))
    assert positions.tolist() == [[3.0, 4.0]]
    assert gradient.tolist() == [[6.0, 8.0]]


def test_state_take_keeps_selected_points_and_step_count():
    spec = get_optimizer("adam")
    state = spec.init_state(3)
    state.buffers["exp_avg"][:] = [[1, 1], [2, 2], [3, 3]]
    state.t = 7
    kept = state.take(np.array([True, False, True]))
    assert kept.t == 7
    assert kept.buffers["exp_avg"].tolist() == [[1, 1], [3, 3]]
    assert kept.buffers["exp_avg_sq"].shape == (2, 2)


def test_registry_names_and_order():
    assert [(key, spec.name) for key, spec in OPTIMIZERS.items()] == [
        ("gd", "Gradient descent"),
        ("momentum", "Momentum"),
        ("nesterov", "Nesterov"),
        ("adagrad", "AdaGrad"),
        ("rmsprop", "RMSProp"),
        ("adam", "Adam"),
        ("newton", "Newton"),
    ]
    assert all(spec.key == key for key, spec in OPTIMIZERS.items())
    assert [spec.needs_hessian for spec in OPTIMIZERS.values()].count(True) == 1


def test_pytorch_defaults_and_classroom_learning_rates():
    assert resolve_hyperparameters("gd") == {"lr": 0.1}
    assert resolve_hyperparameters("momentum") == {"lr": 0.05, "momentum": 0.9}
    assert resolve_hyperparameters("nesterov") == {"lr": 0.05, "momentum": 0.9}
    assert resolve_hyperparameters("adagrad")["eps"] == 1e-10
    assert resolve_hyperparameters("rmsprop") == {"lr": 0.01, "alpha": 0.99, "eps": 1e-8}
    assert resolve_hyperparameters("adam") == {
        "lr": 0.1,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
    }
    assert resolve_hyperparameters("newton") == {"lr": 1.0}


def test_hyperparameter_specs_are_usable_for_controls():
    for spec in OPTIMIZERS.values():
        assert spec.hyperparameters[0].name == "lr"
        for p in spec.hyperparameters:
            assert p.minimum <= p.default <= p.maximum
            assert p.label
            if p.log_scale:
                assert p.minimum > 0


def test_overrides_merge_with_defaults():
    assert resolve_hyperparameters("adam", {"beta1": 0.5}) == {
        "lr": 0.1,
        "beta1": 0.5,
        "beta2": 0.999,
        "eps": 1e-8,
    }
    # Above the slider range is allowed (that is how divergence is demonstrated).
    assert resolve_hyperparameters("gd", {"lr": 50}) == {"lr": 50.0}


@pytest.mark.parametrize(
    ("key", "params", "fragment"),
    [
        ("gd", {"lr": 0}, "greater than 0"),
        ("gd", {"lr": -0.1}, "greater than 0"),
        ("gd", {"lr": float("nan")}, "finite"),
        ("gd", {"lr": float("inf")}, "finite"),
        ("gd", {"lr": "0.1"}, "must be a number"),
        ("gd", {"lr": True}, "must be a number"),
        ("momentum", {"momentum": 1.0}, "[0, 1)"),
        ("momentum", {"momentum": -0.1}, "[0, 1)"),
        ("adam", {"beta1": 1.0}, "[0, 1)"),
        ("adam", {"beta2": 1.5}, "[0, 1)"),
        ("adam", {"eps": 0.0}, "greater than 0"),
        ("rmsprop", {"alpha": 1.0}, "[0, 1)"),
        ("adam", {"betta1": 0.9}, "betta1"),
    ],
)
def test_bad_hyperparameters_raise_clear_errors(key, params, fragment):
    with pytest.raises(OptimizerError) as info:
        resolve_hyperparameters(key, params)
    assert isinstance(info.value, ValueError)
    assert fragment in str(info.value)
    assert OPTIMIZERS[key].name in str(info.value)


def test_unknown_optimizer_lists_the_valid_keys():
    with pytest.raises(UnknownOptimizerError, match="unknown optimizer 'sgd'.*gd, momentum"):
        get_optimizer("sgd")
    with pytest.raises(OptimizerError):
        resolve_hyperparameters("lbfgs")


def test_gd_stability_bound():
    # Bowl: H = 2I, lambda_max = 2 -> 2/2 = 1.
    assert gd_stability_bound([[2.0, 0.0], [0.0, 2.0]]) == pytest.approx(1.0)
    # The lesson's x^2 + 3xy + y^2: eigenvalues 5 and -1. Along the -1 direction GD walks
    # away at every learning rate, so there is no bound to promise (not 2/5).
    assert gd_stability_bound([[2.0, 3.0], [3.0, 2.0]]) is None
    # A trough (x^2): curvature 2 and 0 -> 2/2; flat directions do not diverge.
    assert gd_stability_bound([[2.0, 0.0], [0.0, 0.0]]) == pytest.approx(1.0)
    # An upside-down bowl has no positive curvature.
    assert gd_stability_bound([[-2.0, 0.0], [0.0, -1.0]]) is None
    assert gd_stability_bound([[0.0, 0.0], [0.0, 0.0]]) is None
    with pytest.raises(ValueError, match="square"):
        gd_stability_bound([1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        gd_stability_bound([[np.nan, 0.0], [0.0, 1.0]])


def test_stability_bound_separates_convergence_from_divergence():
    # f = x^2 + 3y^2: H = diag(2, 6), bound 2/6. One GD step multiplies y by (1 - 6 lr).
    bound = gd_stability_bound([[2.0, 0.0], [0.0, 6.0]])
    assert bound == pytest.approx(1 / 3)
    spec = get_optimizer("gd")
    for lr, shrinks in ((0.99 * bound, True), (1.01 * bound, False)):
        p = np.array([[1.0, 1.0]])
        for _ in range(200):
            g = np.stack((2 * p[:, 0], 6 * p[:, 1]), axis=1)
            p = spec.step(p, spec.init_state(1), g, None, {"lr": lr})
        assert bool(abs(p[0, 1]) < 1.0) is shrinks
