"""Chapter 7 exercise: the closed-form KL of Eq. (11),

    KL(N(mu, diag e^logvar) || N(0, I)) = -1/2 sum_j (1 + logvar_j - mu_j^2 - e^logvar_j),

summed over the latent axis only, one value per example: (B, Z), (B, Z) -> (B,).

`check_kl(fn)` runs `fn(mu, logvar)` on fixed inputs and names the usual slips: the sign, the
axis of the sum, sigma or sigma^2 where e^logvar belongs, a missing term or factor, Eq. (10)
written with log sigma; then q = prior (KL = 0) and logvar from -20 to 6 with Z = 7.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from ..objective import kl_closed_form
from ._report import Report, check_again, compare, name_mistake, returns_zeros, run_student, screen

EXERCISE = "Closed-form KL, equation (11)"
ARGS = ("mu", "logvar")


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
        (
            "you sum over the batch axis as well: the KL is one number per example, so sum over the "
            "latent axis only (dim=-1) and keep the batch axis.",
            -0.5 * terms.sum(),
        ),
        (
            "you sum over the batch axis (dim=0); the latent axis is the last one (dim=-1).",
            -0.5 * terms.sum(0),
        ),
        (
            "the sign is flipped: the bracket 1 + logvar - mu^2 - exp(logvar) is never positive, so "
            "the KL needs the factor -1/2 in front to come out >= 0.",
            0.5 * terms.sum(-1),
        ),
        ("the factor 1/2 is missing.", -terms.sum(-1)),
        ("you average over the latent dimensions; equation (11) sums them.", -0.5 * terms.mean(-1)),
        (
            "you used the standard deviation exp(logvar / 2) where the variance exp(logvar) "
            "belongs.",
            -0.5 * (1 + logvar - mu.pow(2) - std).sum(-1),
        ),
        (
            "you treated logvar as the standard deviation sigma. It is log sigma^2: the variance "
            "is exp(logvar) and log sigma^2 is logvar itself.",
            -0.5 * (1 + torch.log(logvar.pow(2)) - mu.pow(2) - logvar.pow(2)).sum(-1),
        ),
        (
            "the log-variance and variance terms cancel in your formula: log sigma^2 is logvar "
            "and sigma^2 is exp(logvar); they are different terms.",
            -0.5 * (1 - mu.pow(2)).sum(-1),
        ),
        (
            "the constant 1 inside the bracket is missing (it comes from E_q[(z - mu)^2 / sigma^2] "
            "= 1).",
            -0.5 * (logvar - mu.pow(2) - var).sum(-1),
        ),
        (
            "the mu^2 term is missing (or has the wrong sign): moving the mean away from 0 must "
            "raise the KL.",
            -0.5 * (1 + logvar - var).sum(-1),
        ),
        ("mu^2 enters with the wrong sign.", -0.5 * (1 + logvar + mu.pow(2) - var).sum(-1)),
        ("you used mu where mu^2 belongs.", -0.5 * (1 + logvar - mu - var).sum(-1)),
        (
            "you return the batch mean of the KL, one number; return one KL per example, shape "
            "(B,): sum over the latent axis only.",
            -0.5 * terms.sum(-1).mean(),
        ),
        (
            "you passed the variance exp(logvar) as the scale of a Normal; torch.distributions."
            "Normal takes the standard deviation, exp(logvar / 2).",
            -0.5 * (1 + 2 * logvar - mu.pow(2) - (2 * logvar).exp()).sum(-1),
        ),
        (
            "you wrote equation (10) with log sigma (= logvar / 2) where log sigma^2 belongs: "
            "KL = 1/2 sum(mu^2 + sigma^2 - log sigma^2 - 1).",
            0.5 * (mu.pow(2) + var - 0.5 * logvar - 1).sum(-1),
        ),
        (
            "you wrote equation (10) with sigma and log sigma where sigma^2 and log sigma^2 "
            "belong: KL = 1/2 sum(mu^2 + sigma^2 - log sigma^2 - 1), sigma^2 = exp(logvar).",
            0.5 * (mu.pow(2) + std - 0.5 * logvar - 1).sum(-1),
        ),
        (
            "the constant has the wrong sign: equation (10) is 1/2 sum(mu^2 + sigma^2 - "
            "log sigma^2 - 1), equation (11) -1/2 sum(1 + logvar - mu^2 - exp(logvar)).",
            0.5 * (mu.pow(2) + var - logvar + 1).sum(-1),
        ),
        (
            "the log-variance term has the wrong sign: -1/2 sum(1 + logvar - mu^2 - exp(logvar)).",
            -0.5 * (1 - logvar - mu.pow(2) - var).sum(-1),
        ),
        (
            "you used exp(-logvar), which is 1 / sigma^2, where the variance exp(logvar) belongs.",
            -0.5 * (1 + logvar - mu.pow(2) - (-logvar).exp()).sum(-1),
        ),
    ]


def check_kl(kl_fn: Callable[[Tensor, Tensor], Tensor]) -> Report:
    """Check kl_fn(mu, logvar) -> (B,) against Eq. (11); say in plain words what is wrong."""
    report = Report(EXERCISE)
    mu, logvar = _inputs()
    expected = kl_closed_form(mu, logvar)  # (B,)
    got = run_student(report, kl_fn, mu.clone(), logvar.clone(), names=ARGS)
    if not report.passed or not screen(
        report,
        "KL",
        got,
        nan="logvar is already a logarithm and can be negative: do not take its log or "
        "square root; the variance is exp(logvar) and log sigma^2 is logvar itself.",
        neg_inf="logvar is already a logarithm: do not take its log (log 0 = -inf).",
        pos_inf="exp of a large number overflows: the variance is exp(logvar).",
    ):
        return report
    if returns_zeros(report, got, expected, "fill in the formula of equation (11)."):
        return report
    if name_mistake(
        report,
        got,
        expected,
        _mistakes(mu, logvar),
        rtol=1e-4,
        atol=1e-6,
        prefix="Not equation (11): ",
    ):
        return report
    if not compare(
        report,
        "KL",
        got,
        expected,
        hint="compare each term with "
        "-1/2 * sum(1 + logvar - mu^2 - exp(logvar)) over the last axis.",
    ):
        return report
    # A posterior equal to the prior must give exactly zero.
    zeros = torch.zeros(2, 4, dtype=torch.float64)  # (B, Z)
    zero = run_student(report, kl_fn, zeros, zeros.clone(), names=ARGS)
    if not report.passed or not screen(report, "KL(N(0, I) || N(0, I))", zero):
        return report
    if not compare(
        report,
        "KL(N(0, I) || N(0, I))",
        zero,
        torch.zeros(2, dtype=torch.float64),
        hint="when q equals the prior the KL must be exactly 0.",
    ):
        return report
    # The whole range an encoder produces: near the prior, very narrow and very wide, Z = 7.
    logvar = torch.tensor(
        [[1e-4, -1e-4, -12.0, 6.0, 0.5, -3.0, 2.0], [-20.0, 1e-3, 3.0, -6.0, 0.0, -0.7, 1.2]],
        dtype=torch.float64,
    )
    mu = torch.tensor(
        [[1e-3, 0.0, 4.0, -2.5, 0.3, 1.0, -0.1], [0.0, -1e-3, 0.2, 6.0, -3.0, 0.0, 2.0]],
        dtype=torch.float64,
    )
    check_again(
        report,
        "mu in [-3, 6] and logvar from -20 to 6 (Z = 7)",
        kl_fn,
        (mu, logvar),
        kl_closed_form(mu, logvar),
        names=ARGS,
        rtol=1e-6,
        atol=1e-8,
        name="KL",
    )
    return report
