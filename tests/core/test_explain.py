"""Captions: the lesson's rule with the step's own numbers, and one sentence per way to stop."""

from landscape_gui.core import calculus
from landscape_gui.core.explain import StepRecord, explain_end, explain_start, explain_step


def test_the_issue_example_caption():
    before = StepRecord(1.92, 2.56, 10.24, 3.84, 5.12)
    after = StepRecord(1.536, 2.048, 6.5536, 3.072, 4.096)
    assert explain_step(3, before, after, "gd", 0.1) == (
        "Step 3: the gradient at (1.92, 2.56) is (3.84, 5.12), length 6.40. Stepping 0.1 × "
        "gradient downhill moves to (1.54, 2.05); the height fell from 10.24 to 6.55."
    )


def test_an_overshooting_step_says_the_height_rose():
    text = explain_step(1, StepRecord(1, 0, 1, 2, 0), StepRecord(-2, 0, 4, -4, 0), "gd", 1.5)
    assert "rose from 1.00 to 4.00" in text and "overshot" in text


def test_other_optimizers_name_their_rule():
    text = explain_step(2, StepRecord(1, 1, 2, 2, 2), StepRecord(0.5, 0.5, 0.5, 1, 1), "adam", 0.1)
    assert "The Adam rule moves to (0.50, 0.50)" in text


def test_start_sentence():
    text = explain_start(StepRecord(3, 4, 25, 6, 8))
    assert text.startswith("Start at (3.00, 4.00), height 25.00. The gradient here is (6.00, 8.00)")
    assert "length 10.00" in text


def test_each_ending_has_its_own_sentence():
    last = StepRecord(0.0, 0.0, 0.0, 1e-7, 0.0)
    minimum = explain_end("converged", 70, last, calculus.MINIMUM, 1e-6)
    saddle = explain_end("converged", 12, last, calculus.SADDLE, 1e-6)
    diverged = explain_end("diverged", 30, StepRecord(1e9, 0, 1e18, 2e9, 0), None, 1e-6)
    limit = explain_end("max-steps", 500, StepRecord(1, 1, 2, 0.1, 0.1), None, 1e-6)
    assert "Converged after 70 steps" in minimum and "It is a minimum" in minimum
    assert "saddle point, not a minimum" in saddle
    assert "Diverged after 30 steps" in diverged and "smaller" in diverged
    assert "step limit (500 steps)" in limit
    assert len({minimum, saddle, diverged, limit}) == 4


def test_each_stop_reason_of_a_diverged_run_is_named():
    first = StepRecord(1.0, 0.0, 1.0, 1.0, 0.0)
    last = StepRecord(0.5, 0.0, 0.5, 1.0, 0.0)

    def end(reason):
        return explain_end("diverged", 2, last, None, 1e-6, first=first, reason=reason)

    assert "gradient is undefined" in end("gradient")
    assert "f is undefined" in end("value")
    assert "overflowed" in end("position")
    assert "ran off the domain" in end("ran-off")
    for reason in ("gradient", "value"):
        # Landing on a cusp or an undefined point is no overshoot: no smaller rate is advised.
        assert "smaller" not in end(reason) and "Diverged" not in end(reason)
    rising = StepRecord(1e9, 0.0, 1e18, 2e9, 0.0)
    ran_off = explain_end("diverged", 30, rising, None, 1e-6, first=first, reason="ran-off")
    assert "ran off" in ran_off and "smaller" in ran_off
