"""Chapter 7 exercise: the closed-form KL of Eq. (11),

    KL(N(mu, diag e^logvar) || N(0, I)) = -1/2 sum_j (1 + logvar_j - mu_j^2 - e^logvar_j),

summed over the latent axis only, one value per example: (B, Z), (B, Z) -> (B,).

`check_kl(fn)` runs `fn(mu, logvar)` on fixed inputs and names the usual slips: the sign, the
axis of the sum, sigma or sigma^2 where e^logvar belongs, a missing term or factor.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from ..objective import kl_closed_form
from ._report import Report, compare, name_mistake, returns_zeros, run_student

EXERCISE = "Closed-form KL, equation (11)"


def _inputs() -> tuple[Tensor, Tensor]:
    """B = 5 examples, Z = 3 latent dimensions (B != Z, so a wrong axis shows in the shape)."""
    g = torch.Generator().manual_seed(11)
    mu = torch.randn(5, 3, generator=g, dtype=torch.float64) * 1.5  # (B, Z)
    logvar = torch.rand(5, 3, generator=g, dtype=torch.float64) * 5 - 3.5  # (B, Z) in [-3.5, 1.5]
    return mu, logvar


def _mistakes(mu: Tensor, logvar: Tensor) -> list[tuple[str, Tensor]]:
    """Wrong answers a student is likely to produce, each with the sentence that explains it."""
    var, std = logvar.exp(), (0.5 * logvar).exp()
    terms = 1 + logvar - mu.pow(2) - var  # (B, Z)
    return [
        ("you sum over the batch axis as well: the KL is one number per example, so sum over the "
         "latent axis only (dim=-1) and keep the batch axis.", -0.5 * terms.sum()),
        ("you sum over the batch axis (dim=0); the latent axis is the last one (dim=-1).",
         -0.5 * terms.sum(0)),
        ("the sign is flipped: the bracket 1 + logvar - mu^2 - exp(logvar) is never positive, so "
         "the KL needs the factor -1/2 in front to come out >= 0.", 0.5 * terms.sum(-1)),
        ("the factor 1/2 is missing.", -terms.sum(-1)),
        ("you average over the latent dimensions; equation (11) sums them.",
         -0.5 * terms.mean(-1)),
        ("you used the standard deviation exp(logvar / 2) where the variance exp(logvar) "
         "belongs.", -0.5 * (1 + logvar - mu.pow(2) - std).sum(-1)),
        ("you treated logvar as the standard deviation sigma. It is log sigma^2: the variance "
         "is exp(logvar) and log sigma^2 is logvar itself.",
         -0.5 * (1 + torch.log(logvar.pow(2)) - mu.pow(2) - logvar.pow(2)).sum(-1)),
        ("the log-variance and variance terms cancel in your formula: log sigma^2 is logvar "
         "and sigma^2 is exp(logvar); they are different terms.",
         -0.5 * (1 - mu.pow(2)).sum(-1)),
        ("the constant 1 inside the bracket is missing (it comes from E_q[(z - mu)^2 / sigma^2] "
         "= 1).", -0.5 * (logvar - mu.pow(2) - var).sum(-1)),
        ("the mu^2 term is missing (or has the wrong sign): moving the mean away from 0 must "
         "raise the KL.", -0.5 * (1 + logvar - var).sum(-1)),
        ("mu^2 enters with the wrong sign.", -0.5 * (1 + logvar + mu.pow(2) - var).sum(-1)),
        ("you used mu where mu^2 belongs.", -0.5 * (1 + logvar - mu - var).sum(-1)),
    ]


def check_kl(kl_fn: Callable[[Tensor, Tensor], Tensor]) -> Report:
    """Check kl_fn(mu, logvar) -> (B,) against Eq. (11); say in plain words what is wrong."""
    report = Report(EXERCISE)
    mu, logvar = _inputs()
    expected = kl_closed_form(mu, logvar)  # (B,)
    got = run_student(report, kl_fn, mu.clone(), logvar.clone())
    if not report.passed or returns_zeros(report, got, expected,
                                          "fill in the formula of equation (11)."):
        return report
    if name_mistake(report, got, expected, _mistakes(mu, logvar), rtol=1e-4, atol=1e-6,
                    prefix="Not equation (11): "):
        return report
    if isinstance(got, Tensor) and got.shape == expected.shape and not torch.isfinite(got).all():
        report.problems.append(
            "the result contains NaN or inf. logvar is already a logarithm and can be negative: "
            "do not take its log or square root.")
        return report
    if not compare(report, "KL", got, expected, hint="compare each term with "
                   "-1/2 * sum(1 + logvar - mu^2 - exp(logvar)) over the last axis."):
        return report
    # Second test: a posterior equal to the prior must give exactly zero.
    zeros = torch.zeros(2, 4, dtype=torch.float64)  # (B, Z)
    zero = run_student(report, kl_fn, zeros, zeros.clone())
    if report.passed:
        compare(report, "KL(N(0, I) || N(0, I))", zero, torch.zeros(2, dtype=torch.float64),
                hint="when q equals the prior the KL must be exactly 0.")
    return report
