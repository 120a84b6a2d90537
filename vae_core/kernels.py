"""The tensor kernels of the equations: one unchecked function per formula.

Every formula that the package computes in more than one place is written once, here. The
public functions (`model.reparameterize`, `objective.kl_closed_form`, ...) check their
arguments and call these; the training step calls them directly, on tensors it built itself.
Nothing here validates, samples or knows about models.

Shapes: B batch, D pixels, Z latent dimensions, K samples; `...` is any batch shape.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

LOG_2PI = math.log(2 * math.pi)

# Below this |logvar| the KL kernel uses a Taylor series for e^v - 1 - v (see `expm1_minus`).
SERIES_CUTOFF = 0.1


def reparameterize(mu: Tensor, logvar: Tensor, eps: Tensor) -> Tensor:
    """Kernel of Eq. (9): z = mu + exp(logvar / 2) * eps; broadcasts, (..., Z)."""
    return mu + torch.exp(0.5 * logvar) * eps


def expm1_minus(v: Tensor) -> Tensor:
    """e^v - 1 - v, elementwise, accurate to float rounding for every v.

    Near v = 0 the difference expm1(v) - v cancels (the result is about v^2 / 2), so a series
    v^2/2 (1 + v/3 + v^2/12 + v^3/60 + v^4/360) replaces it for |v| < SERIES_CUTOFF
    (truncation error below 3e-9 relative there). The unused branch sees a safe input so that
    its gradient never turns into NaN.
    """
    small = v.abs() < SERIES_CUTOFF
    s = torch.where(small, v, torch.zeros_like(v))
    series = 0.5 * s * s * (1 + s * (1 / 3 + s * (1 / 12 + s * (1 / 60 + s / 360))))
    far = torch.where(small, torch.ones_like(v), v)
    return torch.where(small, series, torch.expm1(far) - far)


def kl_standard_normal_dims(mu: Tensor, logvar: Tensor) -> Tensor:
    """Kernel of Eqs. (10)-(11), one term per latent dimension: (..., Z) -> (..., Z).

    KL_i = 1/2 (mu_i^2 + e^logvar_i - 1 - logvar_i), the form of Eq. (10) whose second part is
    computed without cancellation (`expm1_minus`); Eq. (11)'s `1 + logvar - exp(logvar)` loses
    every digit in float32 when q is close to the prior. Because q and p(z) both factorize over
    the dimensions, the KL of the whole code is the sum of these terms.
    """
    return 0.5 * (mu.pow(2) + expm1_minus(logvar))


def kl_standard_normal(mu: Tensor, logvar: Tensor) -> Tensor:
    """Kernel of Eqs. (10)-(11): KL(N(mu, diag e^logvar) || N(0, I)), summed over Z: (..., Z) -> (...)."""
    return kl_standard_normal_dims(mu, logvar).sum(-1)


def gaussian_log_density(z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    """log N(z | mu, diag e^logvar), the density of Eq. (4), summed over Z: (..., Z) -> (...)."""
    return -0.5 * torch.sum(LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar), dim=-1)


def standard_normal_log_density(z: Tensor) -> Tensor:
    """log p(z) for the prior N(0, I), summed over Z: (..., Z) -> (...)."""
    return -0.5 * torch.sum(LOG_2PI + z.pow(2), dim=-1)


def bernoulli_log_likelihood(logits: Tensor, x: Tensor) -> Tensor:
    """log p(x|z) = sum_d [x_d log sigmoid(l_d) + (1 - x_d) log sigmoid(-l_d)], from logits.

    Minus the binary cross-entropy with logits (log-sum-exp form, finite for any |logits|);
    logits and x broadcast against each other: (..., D) -> (...).
    """
    logits, x = torch.broadcast_tensors(logits, x)
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)


def log_mean_exp(log_values: Tensor, dim: int = 0) -> Tensor:
    """log (1/K) sum_k exp(v_k) along `dim`, stably: logsumexp - log K."""
    return torch.logsumexp(log_values, dim=dim) - math.log(log_values.shape[dim])
