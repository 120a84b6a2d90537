"""What every exercise checker shares (vae_core/exercises/_report.py): a function that returns
nothing or raises never passes, and a known mistake is named only when the answer is not right."""

from __future__ import annotations

import pytest
import torch

from vae_core.exercises import (
    aggregate,
    elbo,
    generative,
    kl,
    latent_space,
    likelihoods,
    marginal,
    posterior,
    rate_distortion,
    reparameterization,
    training,
)
from vae_core.exercises._report import Report, check_against, name_mistake, returns_zeros

CHECKERS = [
    generative.check_sample_pixels,
    generative.check_log_likelihood,
    marginal.check_naive_estimator,
    posterior.check_normalize_on_grid,
    posterior.check_gaussian_log_density,
    posterior.check_kl_on_grid,
    elbo.check_iwae_bound,
    reparameterization.check_reparameterize,
    kl.check_kl,
    training.check_negative_elbo_per_image,
    likelihoods.check_continuous_bernoulli_log_norm,
    latent_space.check_log_weight,
    rate_distortion.check_unit_activity,
    aggregate.check_slerp,
]


@pytest.mark.parametrize("check", CHECKERS, ids=lambda c: c.__name__)
def test_a_function_that_returns_nothing_fails(check):
    report = check(lambda *args: None)  # e.g. a body of `pass`
    assert not report.passed, report
    assert "NoneType" in repr(report)


@pytest.mark.parametrize("check", CHECKERS, ids=lambda c: c.__name__)
def test_an_exception_is_reported_not_raised(check):
    def broken(*args):
        raise KeyError("missing")

    report = check(broken)
    assert not report.passed and "raised KeyError" in repr(report)


def test_name_mistake_names_the_matching_mistake_only():
    expected = torch.tensor([1.0, 2.0])
    mistakes = {"doubled": 2 * expected, "summed": expected.sum(), "negated": -expected}
    report = Report("demo")
    assert name_mistake(report, expected.sum(), expected, mistakes, prefix="x: ")
    assert report.problems == ["x: summed"]
    report = Report("demo")
    assert not name_mistake(report, expected.clone(), expected, mistakes)  # right: no mistake
    assert not name_mistake(report, torch.tensor([5.0, 5.0]), expected, mistakes)  # unknown
    assert not name_mistake(report, [1.0, 2.0], expected, mistakes)  # not a tensor
    assert report.passed


def test_name_mistake_skips_mistakes_that_are_not_finite():
    expected = torch.tensor([1.0])
    report = Report("demo")
    assert not name_mistake(
        report, torch.tensor([float("inf")]), expected, [("overflow", torch.tensor([float("inf")]))]
    )
    assert report.passed


def test_a_right_answer_equal_to_a_mistake_passes():
    """If a 'mistake' happens to coincide with the reference, the right answer still passes."""
    expected = torch.tensor([0.0, 3.0])
    report = Report("demo")
    assert check_against(report, "v", expected.clone(), expected, {"same": expected.clone()})
    assert report.passed


def test_returns_zeros_only_for_an_all_zero_answer_of_the_right_shape():
    expected = torch.ones(3)
    report = Report("demo")
    assert not returns_zeros(report, torch.zeros(2), expected, "fill it in")
    assert not returns_zeros(report, torch.tensor([0.0, 1.0, 0.0]), expected, "fill it in")
    assert report.passed
    assert returns_zeros(report, torch.zeros(3), expected, "fill it in")
    assert report.problems == ["your function returns zeros: fill it in"]


def test_screen_says_which_non_finite_values_and_where():
    from vae_core.exercises._report import screen

    report = Report("demo")
    got = torch.tensor([[1.0, float("nan")], [float("-inf"), float("nan")]])
    assert not screen(report, "v", got, nan="nan hint", pos_inf="never shown")
    (message,) = report.problems
    assert "NaN in 2 of 4 entries, the first at index (0, 1)" in message
    assert "-inf in 1 of 4 entries, the first at index (1, 0)" in message
    assert "nan hint" in message and "never shown" not in message
    report = Report("demo")
    assert screen(report, "v", torch.tensor([1, 2])) and screen(report, "v", torch.ones(2))
    assert report.passed
    assert not screen(report, "v", 3.0) and "torch.Tensor" in report.problems[0]


def test_run_student_refuses_an_in_place_change_and_names_the_input():
    from vae_core.exercises._report import run_student

    def in_place(a, b):
        b.mul_(2)
        return a + b

    report = Report("demo")
    assert run_student(report, in_place, torch.ones(2), torch.ones(2), names=("a", "b")) is None
    assert "changes its input `b` in place" in report.problems[0]
    report = Report("demo")
    assert run_student(report, lambda a, n: a * n, torch.ones(2), 3, names=("a", "n")).sum() == 6
    assert report.passed


def test_check_again_names_a_size_written_into_the_code():
    from vae_core.exercises._report import check_again

    report = Report("demo")
    assert not check_again(
        report, "three values", lambda v: v.reshape(2), (torch.ones(3),), torch.ones(3)
    )
    assert "right on the first inputs, but for three values it raised" in report.problems[0]
    report = Report("demo")
    assert not check_again(report, "three values", lambda v: v[:2], (torch.ones(3),), torch.ones(3))
    assert "do not write sizes" in report.problems[0] and "shape (2,)" in report.problems[0]
    report = Report("demo")
    assert (
        check_again(report, "three values", lambda v: v.clone(), (torch.ones(3),), torch.ones(3))
        and report.passed
    )


ODD_ANSWERS = [
    1.0,
    "x",
    [1.0, 2.0],
    torch.tensor(1),
    torch.ones(3, dtype=torch.bool),
    torch.zeros(3, dtype=torch.complex64),
    torch.ones(7, 7, 7),
    torch.tensor(float("nan")),
    torch.zeros(0),
    torch.ones(2, dtype=torch.float16),
]


@pytest.mark.parametrize("check", CHECKERS, ids=lambda c: c.__name__)
def test_odd_answers_are_reported_never_raise_never_pass(check):
    for answer in ODD_ANSWERS:
        report = check(lambda *args, answer=answer: answer)
        assert not report.passed and report.problems, (check.__name__, answer)
