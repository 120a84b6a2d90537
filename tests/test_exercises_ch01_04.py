"""The exercise checkers of chapters 1-4: a correct answer passes, and each typical mistake
(wrong sign, wrong axis, no log space, ...) gets the message that names it."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from vae_core.exercises import generative, marginal, posterior


def problems(report) -> str:
    return " ".join(report.problems)


def assert_named(report, words: str) -> None:
    """The checker fails the answer and its message contains `words`."""
    assert not report.passed
    assert words in problems(report), report


# ---------------------------------------------------------------- chapter 1: sample_pixels
def test_sample_pixels_correct_passes():
    report = generative.check_sample_pixels(lambda logits, u: (u < torch.sigmoid(logits)).float())
    assert report.passed, report
    assert "correct" in repr(report)


def test_sample_pixels_accepts_booleans():
    assert generative.check_sample_pixels(lambda logits, u: u < torch.sigmoid(logits))


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda logits, u: (u < logits).float(), "sigmoid"),
        (lambda logits, u: (u > torch.sigmoid(logits)).float(), "reversed"),
        (lambda logits, u: torch.sigmoid(logits), "Bernoulli means"),
        (lambda logits, u: (torch.sigmoid(logits) > 0.5).float(), "ignores u"),
        (lambda logits, u: torch.zeros_like(logits), "returns zeros"),
        (lambda logits, u: torch.zeros(3), "shape"),
    ],
)
def test_sample_pixels_mistakes(wrong, words):
    assert_named(generative.check_sample_pixels(wrong), words)


def test_exception_is_reported_not_raised():
    def broken(logits, u):
        raise RuntimeError("boom")

    report = generative.check_sample_pixels(broken)
    assert not report.passed and "RuntimeError: boom" in problems(report)
    assert "not yet" in repr(report)


# ---------------------------------------------------------------- chapter 1: log_likelihood
def test_log_likelihood_correct_passes():
    def correct(logits, x):
        return (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(-1)

    assert generative.check_log_likelihood(correct).passed


@pytest.mark.parametrize(
    "wrong, words",
    [
        (
            lambda l, x: F.binary_cross_entropy_with_logits(l, x, reduction="none").sum(-1),
            "flip the sign",
        ),
        (
            lambda l, x: -F.binary_cross_entropy_with_logits(l, x, reduction="none").sum(0),
            "summed over the batch axis",
        ),
        (
            lambda l, x: -F.binary_cross_entropy_with_logits(l, x, reduction="none").mean(-1),
            "averaged",
        ),
        (lambda l, x: (x * F.logsigmoid(l)).sum(-1), "log(1 - p)"),
    ],
)
def test_log_likelihood_mistakes(wrong, words):
    assert_named(generative.check_log_likelihood(wrong), words)


def test_log_likelihood_not_in_log_space():
    def naive(logits, x):
        p = torch.sigmoid(logits)
        return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(-1)

    report = generative.check_log_likelihood(naive)
    assert not report.passed
    assert "not finite" in problems(report) and "logsigmoid" in problems(report), report


# ---------------------------------------------------------------- chapter 2: naive estimator
def test_naive_estimator_correct_passes():
    report = marginal.check_naive_estimator(
        lambda log_lik: torch.logsumexp(log_lik, 0) - math.log(log_lik.shape[0])
    )
    assert report.passed, report


def test_naive_estimator_matches_package():
    from vae_core import log_mean_exp

    assert marginal.check_naive_estimator(lambda log_lik: log_mean_exp(log_lik, 0)).passed


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda v: torch.log(torch.exp(v).mean(0)), "never underflows"),
        (lambda v: v.mean(0), "Jensen"),
        (lambda v: torch.logsumexp(v, 0), "divide by K"),
        (lambda v: torch.logsumexp(v, 0) / v.shape[0], "instead of subtracting log K"),
        (lambda v: v.max(0).values, "max"),
        (lambda v: -(torch.logsumexp(v, 0) - math.log(v.shape[0])), "wrong sign"),
        (lambda v: torch.logsumexp(v, 1) - math.log(v.shape[1]), "dim 0"),
    ],
)
def test_naive_estimator_mistakes(wrong, words):
    assert_named(marginal.check_naive_estimator(wrong), words)


# ---------------------------------------------------------------- chapter 3: normalize on grid
def test_normalize_on_grid_correct_passes():
    def correct(log_joint, area):
        return log_joint - (torch.logsumexp(log_joint.flatten(), 0) + math.log(area))

    assert posterior.check_normalize_on_grid(correct).passed


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda lj, a: lj - torch.logsumexp(lj.flatten(), 0), "cell area"),
        (lambda lj, a: lj - torch.logsumexp(lj, 1, keepdim=True) - math.log(a), "each row"),
        (lambda lj, a: lj - torch.logsumexp(lj, 0, keepdim=True) - math.log(a), "each column"),
        (
            lambda lj, a: lj + torch.logsumexp(lj.flatten(), 0) + math.log(a),
            "instead of subtracting",
        ),
        (lambda lj, a: torch.log(torch.exp(lj) / (torch.exp(lj).sum() * a)), "logsumexp"),
        (lambda lj, a: lj.sum(0), "shape"),
    ],
)
def test_normalize_on_grid_mistakes(wrong, words):
    assert_named(posterior.check_normalize_on_grid(wrong), words)


# ---------------------------------------------------------------- chapter 4: encoder density
def test_gaussian_log_density_correct_passes():
    from vae_core import gaussian_log_density

    assert posterior.check_gaussian_log_density(gaussian_log_density).passed

    def by_hand(z, mu, logvar):
        return torch.distributions.Normal(mu, (0.5 * logvar).exp()).log_prob(z).sum(-1)

    assert posterior.check_gaussian_log_density(by_hand).passed


L2P = math.log(2 * math.pi)


@pytest.mark.parametrize(
    "wrong, words",
    [
        (
            lambda z, m, lv: (-0.5 * L2P - lv - 0.5 * (z - m) ** 2 / (2 * lv).exp()).sum(-1),
            "log sigma",
        ),
        (
            lambda z, m, lv: (-0.5 * (L2P + lv + (z - m) ** 2 / (0.5 * lv).exp())).sum(-1),
            "instead of sigma^2",
        ),
        (lambda z, m, lv: (-0.5 * (lv + (z - m) ** 2 / lv.exp())).sum(-1), "2 pi"),
        (lambda z, m, lv: (-0.5 * (L2P + (z - m) ** 2 / lv.exp())).sum(-1), "-logvar / 2"),
        (lambda z, m, lv: (0.5 * (L2P + lv + (z - m) ** 2 / lv.exp())).sum(-1), "wrong sign"),
        (lambda z, m, lv: (-0.5 * (L2P + lv + (z - m) ** 2 / lv.exp())).mean(-1), "averaged"),
        (lambda z, m, lv: -0.5 * (L2P + lv + (z - m) ** 2 / lv.exp()), "last axis"),
    ],
)
def test_gaussian_log_density_mistakes(wrong, words):
    assert_named(posterior.check_gaussian_log_density(wrong), words)


# ---------------------------------------------------------------- chapter 4: KL on the grid
def test_kl_on_grid_correct_passes():
    def correct(log_q, log_p, area):
        return (log_q.exp() * (log_q - log_p)).sum() * area

    assert posterior.check_kl_on_grid(correct).passed
    # a float is accepted too
    assert posterior.check_kl_on_grid(lambda q, p, a: float(correct(q, p, a))).passed


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda lq, lp, a: (lp.exp() * (lp - lq)).sum() * a, "other direction"),
        (lambda lq, lp, a: (lq.exp() * (lq - lp)).sum(), "cell area"),
        (lambda lq, lp, a: (lq.exp() * (lp - lq)).sum() * a, "sign"),
        (lambda lq, lp, a: (lq - lp).mean(), "weighting"),
        (lambda lq, lp, a: torch.zeros(()), "returns zeros"),
        (lambda lq, lp, a: torch.ones(()), "differs"),
    ],
)
def test_kl_on_grid_mistakes(wrong, words):
    assert_named(posterior.check_kl_on_grid(wrong), words)
