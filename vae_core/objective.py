"""The objective: the ELBO of Eq. (8) with its two terms, the closed-form Gaussian KL of
Eqs. (10)-(11), and the log densities they are made of. Everything is per example, in nats.

Shapes: B batch, D pixels, Z latent dimensions, K samples per image.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from ._validate import (check_batch, check_gaussian, check_model, check_positive_int,
                        check_same_device, check_tensor)
from .model import VAE

LOG_2PI = math.log(2 * math.pi)


def kl_closed_form(mu: Tensor, logvar: Tensor) -> Tensor:
    """Eqs. (10)-(11): KL(N(mu, diag e^logvar) || N(0, I)) = -1/2 sum(1 + logvar - mu^2 - e^logvar).

    Summed over the last (latent) axis: (..., Z) -> (...).
    """
    check_gaussian(mu, logvar)
    return _kl(mu, logvar)


def _kl(mu: Tensor, logvar: Tensor) -> Tensor:
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=-1)  # (...)


def gaussian_log_density(z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    """Eq. (4) as a density: log N(z | mu, diag e^logvar), summed over the last axis (Z)."""
    return -0.5 * torch.sum(LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar), dim=-1)


def standard_normal_log_density(z: Tensor) -> Tensor:
    """log p(z) for the prior p(z) = N(0, I), summed over the last axis."""
    return -0.5 * torch.sum(LOG_2PI + z.pow(2), dim=-1)


def kl_monte_carlo(mu: Tensor, logvar: Tensor, num_samples: int,
                   generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    """Eq. (10) by sampling: KL(q || p) = E_q[log q(z) - log p(z)] -> (estimate, stderr), (...)."""
    check_gaussian(mu, logvar)
    check_positive_int("num_samples", num_samples, minimum=2)
    eps = torch.randn((num_samples, *mu.shape), generator=generator, dtype=mu.dtype,
                      device=mu.device)  # (K, ..., Z)
    z = mu + torch.exp(0.5 * logvar) * eps
    log_ratio = gaussian_log_density(z, mu, logvar) - standard_normal_log_density(z)  # (K, ...)
    return log_ratio.mean(0), log_ratio.std(0) / math.sqrt(num_samples)


def bernoulli_log_likelihood(logits: Tensor, x: Tensor) -> Tensor:
    """log p(x|z) = sum_d [x_d log sigmoid(l_d) + (1 - x_d) log sigmoid(-l_d)], from logits.

    Computed as -BCE-with-logits (log-sum-exp form), never as log(sigmoid(.)), so it stays finite
    for large |logits|. x must lie in [0, 1]; (..., D) -> (...).
    """
    check_tensor("logits", logits)
    check_tensor("x", x, unit_interval=True)
    check_same_device("logits", logits, "x", x)
    if logits.shape[-1] != x.shape[-1]:
        raise ValueError(
            f"logits and x must have the same last dimension (pixels), got "
            f"{tuple(logits.shape)} and {tuple(x.shape)}"
        )
    logits, x = torch.broadcast_tensors(logits, x)
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)


class ELBOTerms(NamedTuple):
    """Eq. (8), per example in nats: elbo = reconstruction - kl."""

    elbo: Tensor  # (B,)
    reconstruction: Tensor  # (B,) one-sample estimate of E_q[log p(x|z)]
    kl: Tensor  # (B,) KL(q(z|x) || p(z)), closed form


def elbo(model: VAE, x: Tensor, eps: Tensor | None = None,
         generator: torch.Generator | None = None) -> ELBOTerms:
    """Eq. (8): L(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z)), with one reparameterized sample."""
    check_model(model)
    x = model.flatten(x)
    out = model(x, eps=eps, generator=generator)
    reconstruction = bernoulli_log_likelihood(out.logits, x)  # (B,)
    kl = kl_closed_form(out.mu, out.logvar)  # (B,)
    return ELBOTerms(reconstruction - kl, reconstruction, kl)


def log_weights(model: VAE, x: Tensor, num_samples: int,
                generator: torch.Generator | None = None) -> Tensor:
    """Eq. (7)'s integrand: log w_k = log p(x, z_k) - log q(z_k|x), z_k ~ q(z|x); (K, B)."""
    x = check_batch(model, x)  # (B, D)
    check_positive_int("num_samples", num_samples)
    mu, logvar = model.encoder(x)  # (B, Z) each
    eps = torch.randn((num_samples, *mu.shape), generator=generator, device=mu.device,
                      dtype=mu.dtype)  # (K, B, Z)
    z = mu + torch.exp(0.5 * logvar) * eps  # (K, B, Z)
    logits = model.decoder(z)  # (K, B, D)
    log_px_z = -F.binary_cross_entropy_with_logits(
        logits, x.expand_as(logits), reduction="none").sum(-1)  # (K, B)
    log_pz = standard_normal_log_density(z)  # (K, B)
    log_qz = -0.5 * torch.sum(LOG_2PI + logvar + eps.pow(2), dim=-1)  # (K, B)
    return log_px_z + log_pz - log_qz
