"""Chapter 10 exercise: the log weight that the latent plane reads out at a point z,

    log w(z) = log p(x|z) + log p(z) - log q(z|x),

with Bernoulli pixels (logits l: log p(x|z) = sum_d x_d l_d - log(1 + e^{l_d})), the prior
N(0, I) and q(z|x) = N(mu, diag e^logvar) (Eq. 4). Its average under q is the ELBO (Eq. 8).

`check_log_weight(fn)` runs `fn(logits, x, z, mu, logvar)` -> (B,) on fixed inputs and names the
usual slips: a missing prior or encoder term, a flipped sign of log q, sigmoid(l) in place of the
log-likelihood, sigma in place of log sigma^2, a sum over the wrong axis.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from ..objective import bernoulli_log_likelihood, gaussian_log_density, standard_normal_log_density
from ..config import PIXELS
from ._report import Report, compare, name_mistake, run_student

EXERCISE = "Log weight log p(x|z) + log p(z) - log q(z|x)"


def _inputs() -> tuple[Tensor, ...]:
    """logits (B, D), x (B, D), z, mu, logvar (B, Z) with B = 3, D = PIXELS, Z = 2."""
    g = torch.Generator().manual_seed(10)
    logits = 4 * torch.randn(3, PIXELS, generator=g)  # (B, D)
    x = (torch.rand(3, PIXELS, generator=g) > 0.8).float()  # (B, D)
    z, mu = torch.randn(3, 2, generator=g), torch.randn(3, 2, generator=g)  # (B, Z)
    logvar = -1 + 0.5 * torch.randn(3, 2, generator=g)  # (B, Z)
    return logits, x, z, mu, logvar


def _mistakes(logits, x, z, mu, logvar) -> list[tuple[str, Tensor]]:
    lik = bernoulli_log_likelihood(logits, x)
    prior = standard_normal_log_density(z)
    q = gaussian_log_density(z, mu, logvar)
    sigma_as_logvar = gaussian_log_density(z, mu, 2 * logvar)  # variance e^(2 logvar)
    return [
        ("log p(z) is missing: the weight compares the joint p(x, z) = p(x|z) p(z) with q.",
         lik - q),
        ("log q(z|x) is missing: without it you have log p(x, z), not the weight.", lik + prior),
        ("log q(z|x) enters with the wrong sign: subtract it.", lik + prior + q),
        ("the encoder's density uses logvar as if it were log sigma; the variance is "
         "exp(logvar).", lik + prior - sigma_as_logvar),
        ("log p(x|z) must be summed over the D pixels of each image (the last axis).",
         (x * logits - torch.nn.functional.softplus(logits)).mean(-1) + prior - q),
    ]


def check_log_weight(fn: Callable[..., Tensor]) -> Report:
    """Check fn(logits, x, z, mu, logvar) -> (B,); say in plain words what is wrong."""
    report = Report(EXERCISE)
    inputs = _inputs()
    logits, x, z, mu, logvar = inputs
    expected = (bernoulli_log_likelihood(logits, x) + standard_normal_log_density(z)
                - gaussian_log_density(z, mu, logvar))  # (B,)
    got = run_student(report, fn, *(a.clone() for a in inputs))
    if not report.passed:
        return report
    if name_mistake(report, got, expected, _mistakes(*inputs), rtol=1e-4, atol=1e-3):
        return report
    compare(report, "log w", got, expected, rtol=1e-4, atol=1e-3,
            hint="compute each of the three log-densities separately and compare them with "
                 "vae_core's bernoulli_log_likelihood, standard_normal_log_density and "
                 "gaussian_log_density.")
    return report
