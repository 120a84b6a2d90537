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
from ._report import Report, compare

EXERCISE = "Log weight log p(x|z) + log p(z) - log q(z|x)"


def _inputs() -> tuple[Tensor, ...]:
    """logits (B, D), x (B, D), z, mu, logvar (B, Z) with B = 3, D = 784, Z = 2."""
    g = torch.Generator().manual_seed(10)
    logits = 4 * torch.randn(3, 784, generator=g)  # (B, D)
    x = (torch.rand(3, 784, generator=g) > 0.8).float()  # (B, D)
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
    try:
        got = fn(*(a.clone() for a in inputs))
    except Exception as error:  # the student's code: report, do not crash the notebook
        report.problems.append(f"your function raised {type(error).__name__}: {error}")
        return report
    if isinstance(got, Tensor) and got.shape == expected.shape and torch.isfinite(got).all():
        for message, wrong in _mistakes(*inputs):
            if torch.allclose(got.float(), wrong, rtol=1e-4, atol=1e-3) and \
                    not torch.allclose(wrong, expected, rtol=1e-4, atol=1e-3):
                report.problems.append(message)
                return report
    compare(report, "log w", got, expected, rtol=1e-4, atol=1e-3,
            hint="compute each of the three log-densities separately and compare them with "
                 "vae_core's bernoulli_log_likelihood, standard_normal_log_density and "
                 "gaussian_log_density.")
    return report
