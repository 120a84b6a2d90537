"""Chapter 10 exercise: the log weight that the latent plane reads out at a point z,

    log w(z) = log p(x|z) + log p(z) - log q(z|x),

with Bernoulli pixels (logits l: log p(x|z) = sum_d x_d l_d - log(1 + e^{l_d})), the prior
N(0, I) and q(z|x) = N(mu, diag e^logvar) (Eq. 4). Its average under q is the ELBO (Eq. 8).

`check_log_weight(fn)` runs `fn(logits, x, z, mu, logvar)` -> (B,) on fixed inputs and names the
usual slips: a missing prior or encoder term, a flipped sign of log q, sigmoid(l) in place of the
log-likelihood, sigma in place of log sigma^2, a sum over the wrong axis, the closed-form KL where
the log-density difference log p(z) - log q(z|x) at z belongs, a 2 pi constant kept in one density
only; then a batch with Z = 3.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from ..config import PIXELS
from ..objective import (
    bernoulli_log_likelihood,
    gaussian_log_density,
    kl_closed_form,
    standard_normal_log_density,
)
from ._report import Report, check_again, compare, name_mistake, returns_zeros, run_student, screen

EXERCISE = "Log weight log p(x|z) + log p(z) - log q(z|x)"
ARGS = ("logits", "x", "z", "mu", "logvar")


def _inputs(seed: int = 10, batch: int = 3, latent: int = 2) -> tuple[Tensor, ...]:
    """logits (B, D), x (B, D), z, mu, logvar (B, Z); by default B = 3, D = PIXELS, Z = 2."""
    g = torch.Generator().manual_seed(seed)
    logits = 4 * torch.randn(batch, PIXELS, generator=g)  # (B, D)
    x = (torch.rand(batch, PIXELS, generator=g) > 0.8).float()  # (B, D)
    z = torch.randn(batch, latent, generator=g)  # (B, Z)
    mu = torch.randn(batch, latent, generator=g)  # (B, Z)
    logvar = -1 + 0.5 * torch.randn(batch, latent, generator=g)  # (B, Z)
    # Saturated pixels with their unlikely value, as a trained decoder has: sigmoid(30) is 1.0.
    logits[0, :3], x[0, :3] = 30.0, 0.0
    logits[1, :3], x[1, :3] = -30.0, 1.0
    return logits, x, z, mu, logvar


def _mistakes(logits, x, z, mu, logvar) -> list[tuple[str, Tensor]]:
    lik = bernoulli_log_likelihood(logits, x)
    prior = standard_normal_log_density(z)
    q = gaussian_log_density(z, mu, logvar)
    kl = kl_closed_form(mu, logvar)
    z_dims = z.shape[-1]
    half_log_2pi = 0.5 * z_dims * math.log(2 * math.pi)
    probs = torch.sigmoid(logits)
    sigma_as_logvar = gaussian_log_density(z, mu, 2 * logvar)  # variance e^(2 logvar)
    return [
        (
            "log p(z) is missing: the weight compares the joint p(x, z) = p(x|z) p(z) with q.",
            lik - q,
        ),
        ("log q(z|x) is missing: without it you have log p(x, z), not the weight.", lik + prior),
        ("log q(z|x) enters with the wrong sign: subtract it.", lik + prior + q),
        ("log p(z) enters with the wrong sign: add it.", lik - prior - q),
        (
            "you subtracted the closed-form KL(q || p) instead of the log-density difference "
            "log p(z) - log q(z|x) at this z. The KL is the average of log q - log p over q: it "
            "turns the weight's average into the ELBO, but the weight at one point z needs the "
            "two log densities evaluated at z.",
            lik - kl,
        ),
        (
            "you added the closed-form KL; the weight needs log p(z) - log q(z|x) evaluated at z "
            "(and the KL would be subtracted, not added, in the ELBO).",
            lik + kl,
        ),
        (
            "the encoder's density uses logvar as if it were log sigma; the variance is "
            "exp(logvar).",
            lik + prior - sigma_as_logvar,
        ),
        (
            "log p(x|z) must be summed over the D pixels of each image (the last axis).",
            (x * logits - torch.nn.functional.softplus(logits)).mean(-1) + prior - q,
        ),
        (
            "log p(x|z) has the wrong sign: binary cross-entropy is minus the log-likelihood.",
            -lik + prior - q,
        ),
        (
            "you used sigmoid(logits), a probability, where log p(x|z) needs log-probabilities: "
            "x * logits - softplus(logits), or -binary_cross_entropy_with_logits summed.",
            (x * probs + (1 - x) * (1 - probs)).sum(-1) + prior - q,
        ),
        (
            "you evaluated the prior at mu instead of at z: log p(z) is the standard normal log "
            "density of the point z.",
            lik + standard_normal_log_density(mu) - q,
        ),
        (
            "you evaluated q at mu instead of at z: log q(z|x) depends on z - mu.",
            lik + prior - gaussian_log_density(mu, mu, logvar),
        ),
        (
            "the normalizing constant -Z/2 log(2 pi) is missing from log p(z) but not from "
            "log q(z|x): drop it from both (it cancels) or keep it in both.",
            lik + prior + half_log_2pi - q,
        ),
        (
            "the normalizing constant -Z/2 log(2 pi) is missing from log q(z|x) but not from "
            "log p(z): drop it from both (it cancels) or keep it in both.",
            lik + prior - (q + half_log_2pi),
        ),
        (
            "the -logvar / 2 term of log q(z|x) is missing: q's normalizer is "
            "-1/2 sum(log 2 pi + logvar).",
            lik + prior - (q + 0.5 * logvar.sum(-1)),
        ),
        (
            "in log q(z|x) you divided (z - mu)^2 by sigma instead of sigma^2 = exp(logvar).",
            lik
            + prior
            + 0.5
            * (math.log(2 * math.pi) + logvar + (z - mu).pow(2) / (0.5 * logvar).exp()).sum(-1),
        ),
    ]


def check_log_weight(fn: Callable[..., Tensor]) -> Report:
    """Check fn(logits, x, z, mu, logvar) -> (B,); say in plain words what is wrong."""
    report = Report(EXERCISE)
    inputs = _inputs()
    logits, x, z, mu, logvar = inputs
    expected = (
        bernoulli_log_likelihood(logits, x)
        + standard_normal_log_density(z)
        - gaussian_log_density(z, mu, logvar)
    )  # (B,)
    got = run_student(report, fn, *(a.clone() for a in inputs), names=ARGS)
    log_space = (
        "Saturated logits give sigmoid = 1.0 exactly, and log(1 - 1.0) = -inf (0 * -inf "
        "is NaN): compute log p(x|z) from the logits, x * logits - softplus(logits)."
    )
    if not report.passed or not screen(report, "log w", got, nan=log_space, neg_inf=log_space):
        return report
    if returns_zeros(
        report,
        got,
        expected,
        "it differs from the reference everywhere; "
        "add log p(x|z) and log p(z), subtract log q(z|x).",
    ):
        return report
    if got.shape == logits.shape:
        report.problems.append(
            "log w has shape (B, D): sum log p(x|z) over the pixel axis "
            "(dim=-1) before adding the latent terms, for shape (B,)."
        )
        return report
    if got.shape == z.shape:
        report.problems.append(
            "log w has shape (B, Z): sum log p(z) and log q(z|x) over the "
            "latent axis (dim=-1), one weight per image, shape (B,)."
        )
        return report
    if name_mistake(report, got, expected, _mistakes(*inputs), rtol=1e-4, atol=1e-3):
        return report
    if not compare(
        report,
        "log w",
        got,
        expected,
        rtol=1e-4,
        atol=1e-3,
        hint="compute each of the three log-densities separately and compare them "
        "with vae_core's bernoulli_log_likelihood, standard_normal_log_density "
        "and gaussian_log_density.",
    ):
        return report
    other = _inputs(seed=11, batch=2, latent=3)
    logits, x, z, mu, logvar = other
    check_again(
        report,
        "a batch of 2 images with Z = 3",
        fn,
        other,
        bernoulli_log_likelihood(logits, x)
        + standard_normal_log_density(z)
        - gaussian_log_density(z, mu, logvar),
        names=ARGS,
        rtol=1e-4,
        atol=1e-3,
        name="log w",
    )
    return report
