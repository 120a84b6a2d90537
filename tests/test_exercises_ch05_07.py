"""The checkers of chapters 5-7 accept a correct answer and explain each typical mistake."""

import math

import pytest
import torch

from vae_core.exercises.elbo import check_iwae_bound
from vae_core.exercises.kl import check_kl
from vae_core.exercises.reparameterization import check_reparameterize


def verdict(report) -> str:
    return repr(report)


# ---- Chapter 5: IWAE bound from log weights (K, B) -> (B,) ----------------------------------


def test_iwae_correct_passes():
    report = check_iwae_bound(lambda lw: torch.logsumexp(lw, 0) - math.log(lw.shape[0]))
    assert report.passed, verdict(report)
    assert "correct" in verdict(report)


@pytest.mark.parametrize(
    "fn, phrase",
    [
        (lambda lw: torch.zeros(lw.shape[1]), "zeros"),
        (lambda lw: torch.logsumexp(lw, 0), "-log K is missing"),
        (lambda lw: torch.logsumexp(lw, 0) + math.log(lw.shape[0]), "subtract log K"),
        (lambda lw: lw.mean(0), "ELBO"),
        (lambda lw: lw.max(0).values, "largest log weight"),
        (lambda lw: torch.logsumexp(lw, 1) - math.log(lw.shape[1]), "batch axis"),
        (lambda lw: torch.logsumexp(lw, 1), "shape"),
        (lambda lw: -(torch.logsumexp(lw, 0) - math.log(lw.shape[0])), "sign"),
        (lambda lw: torch.log(torch.exp(lw).mean(0)), "logsumexp"),
        (lambda lw: lw.sum(), "shape"),
        (lambda lw: lw.unknown_method(), "raised AttributeError"),
    ],
)
def test_iwae_mistakes_are_named(fn, phrase):
    report = check_iwae_bound(fn)
    assert not report.passed
    assert phrase in verdict(report), verdict(report)


# ---- Chapter 6: reparameterize(mu, logvar, eps) -> z ----------------------------------------


def test_reparameterize_correct_passes():
    report = check_reparameterize(lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar) * eps)
    assert report.passed, verdict(report)


@pytest.mark.parametrize(
    "fn, phrase",
    [
        (lambda mu, lv, eps: torch.zeros_like(mu), "zeros"),
        (lambda mu, lv, eps: mu + lv.exp() * eps, "variance"),
        (lambda mu, lv, eps: mu + lv * eps, "logvar itself"),
        (lambda mu, lv, eps: mu + 0.5 * lv.exp() * eps, "inside the exponential"),
        (lambda mu, lv, eps: torch.exp(0.5 * lv) * eps, "mean mu is missing"),
        (lambda mu, lv, eps: mu.clone(), "noise"),
        (lambda mu, lv, eps: mu + torch.exp(0.5 * lv) * torch.randn_like(mu), "eps passed in"),
        (lambda mu, lv, eps: (mu + torch.exp(0.5 * lv) * eps).detach(), "gradients"),
        (lambda mu, lv, eps: mu.detach() + torch.exp(0.5 * lv) * eps, "no gradient reaches mu"),
        (lambda mu, lv, eps: mu[:, :1] + torch.exp(0.5 * lv) * eps, "differs"),
    ],
)
def test_reparameterize_mistakes_are_named(fn, phrase):
    report = check_reparameterize(fn)
    assert not report.passed
    text = verdict(report)
    assert phrase in text, text


# ---- Chapter 7: closed-form KL (B, Z), (B, Z) -> (B,) ---------------------------------------


def reference_kl(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=-1)


def test_kl_correct_passes():
    report = check_kl(reference_kl)
    assert report.passed, verdict(report)


def test_kl_via_torch_distributions_passes():
    def kl(mu, logvar):
        q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
        p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
        return torch.distributions.kl_divergence(q, p).sum(-1)

    assert check_kl(kl).passed


@pytest.mark.parametrize(
    "fn, phrase",
    [
        (lambda mu, lv: torch.zeros(mu.shape[0]), "zeros"),
        (lambda mu, lv: -reference_kl(mu, lv), "sign"),
        (lambda mu, lv: -0.5 * torch.sum(1 + lv - mu.pow(2) - lv.exp()), "batch axis as well"),
        (lambda mu, lv: -0.5 * torch.sum(1 + lv - mu.pow(2) - lv.exp(), 0), "dim=0"),
        (lambda mu, lv: -0.5 * (1 + lv - mu.pow(2) - lv.exp()), "shape"),
        (lambda mu, lv: 2 * reference_kl(mu, lv), "1/2"),
        (lambda mu, lv: reference_kl(mu, lv) / mu.shape[1], "average"),
        (
            lambda mu, lv: -0.5 * torch.sum(1 + lv - mu.pow(2) - torch.exp(0.5 * lv), -1),
            "standard deviation",
        ),
        (
            lambda mu, lv: -0.5 * torch.sum(1 + torch.log(lv.pow(2)) - mu.pow(2) - lv.pow(2), -1),
            "as the standard deviation",
        ),
        (lambda mu, lv: -0.5 * torch.sum(1 + torch.log(lv) - mu.pow(2) - lv, -1), "NaN"),
        (lambda mu, lv: -0.5 * torch.sum(lv - mu.pow(2) - lv.exp(), -1), "constant 1"),
        (lambda mu, lv: -0.5 * torch.sum(1 + lv - lv.exp(), -1), "mu^2 term is missing"),
        (lambda mu, lv: -0.5 * torch.sum(1 + lv + mu.pow(2) - lv.exp(), -1), "wrong sign"),
        (lambda mu, lv: -0.5 * torch.sum(1 - mu.pow(2), -1), "cancel"),
    ],
)
def test_kl_mistakes_are_named(fn, phrase):
    report = check_kl(fn)
    assert not report.passed
    assert phrase in verdict(report), verdict(report)


def test_checkers_do_not_crash_on_non_tensors():
    assert "torch.Tensor" in verdict(check_kl(lambda mu, lv: 0.0))
    assert "torch.Tensor" in verdict(check_iwae_bound(lambda lw: [1.0]))
    assert "torch.Tensor" in verdict(check_reparameterize(lambda mu, lv, eps: None))
