"""The checker of chapter 11 accepts a correct answer and names each typical mistake."""

import pytest
import torch

from vae_core.exercises.rate_distortion import check_unit_activity


@pytest.mark.parametrize(
    "fn",
    [
        lambda mu: mu.var(dim=0),
        lambda mu: mu.var(dim=0, correction=0),
        lambda mu: ((mu - mu.mean(0)) ** 2).sum(0) / (mu.shape[0] - 1),
        lambda mu: torch.cov(mu.T).diagonal(),
    ],
)
def test_correct_answers_pass(fn):
    report = check_unit_activity(fn)
    assert report.passed, repr(report)


@pytest.mark.parametrize(
    "fn, phrase",
    [
        (lambda mu: torch.zeros(mu.shape[1]), "zeros"),
        (lambda mu: mu.var(dim=1), "latent axis"),
        (lambda mu: mu.std(dim=0), "standard deviation"),
        (lambda mu: mu.pow(2).mean(0), "subtract the mean"),
        (lambda mu: mu.mean(0), "average of mu"),
        (lambda mu: mu.var(), "all the numbers together"),
        (lambda mu: (mu - mu.mean(0)).abs().mean(0), "squared"),
        (lambda mu: mu.var(dim=0) * 2, "variance of each column"),
        (lambda mu: mu.var(dim=0) + float("nan"), "NaN"),
        (lambda mu: mu.sub_(1).var(dim=0), "in place"),
        (lambda mu: mu.unknown(), "raised AttributeError"),
        (lambda mu: mu.var(dim=0).tolist(), "torch.Tensor"),
    ],
)
def test_mistakes_are_named(fn, phrase):
    report = check_unit_activity(fn)
    assert not report.passed
    assert phrase in repr(report), repr(report)


def test_an_answer_right_only_on_the_first_inputs_fails_the_second():
    def only_four_units(mu):
        return mu.var(dim=0) if mu.shape[1] == 4 else torch.ones(mu.shape[1])

    report = check_unit_activity(only_four_units)
    assert not report.passed
    assert "50 images" in repr(report), repr(report)
