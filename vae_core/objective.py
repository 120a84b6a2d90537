"""The objective: the ELBO of Eq. (8) with its two terms, the closed-form Gaussian KL of
Eqs. (10)-(11), the log-weights of Eq. (7), and the log densities they are made of.
Everything is per example, in nats.

Each public function checks its arguments and calls the formula's kernel in `kernels`.
Shapes: B batch, D pixels, Z latent dimensions, K samples per image.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from . import kernels
from ._validate import (
    check_gaussian,
    check_generator,
    check_positive_int,
    check_same_device,
    check_tensor,
    check_work,
)
from .likelihoods import likelihood_kernel
from .model import VAE, check_batch, reparameterize, sample_cost

LOG_2PI = kernels.LOG_2PI


def kl_closed_form(mu: Tensor, logvar: Tensor) -> Tensor:
    """Eqs. (10)-(11): KL(N(mu, diag e^logvar) || N(0, I)) = 1/2 sum(mu^2 + e^logvar - logvar - 1).

    Summed over the last (latent) axis: (..., Z) -> (...). Computed in the stable form of
    `kernels.kl_standard_normal`, accurate to rounding even when q is close to the prior.
    """
    check_gaussian(mu, logvar)
    return kernels.kl_standard_normal(mu, logvar)


def _check_point(z: object, mu: Tensor) -> None:
    check_tensor("z", z)
    if z.shape[-1] != mu.shape[-1]:
        raise ValueError(
            f"z must have last dimension {mu.shape[-1]} (the latent size of mu), "
            f"got shape {tuple(z.shape)}"
        )
    try:
        torch.broadcast_shapes(z.shape, mu.shape)
    except RuntimeError:
        raise ValueError(
            f"z of shape {tuple(z.shape)} does not broadcast against mu of shape {tuple(mu.shape)}"
        ) from None
    check_same_device("z", z, "mu", mu)


def gaussian_log_density(z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    """log N(z | mu, diag e^logvar), the density of q in Eq. (4), summed over Z: (..., Z) -> (...)."""
    check_gaussian(mu, logvar)
    _check_point(z, mu)
    return kernels.gaussian_log_density(z, mu, logvar)


def standard_normal_log_density(z: Tensor) -> Tensor:
    """log p(z) for the prior p(z) = N(0, I), summed over the last axis: (..., Z) -> (...)."""
    check_tensor("z", z)
    if z.dim() == 0:
        raise ValueError("z must have a latent axis (shape (..., Z)), got a 0-d tensor")
    return kernels.standard_normal_log_density(z)


def kl_monte_carlo(
    mu: Tensor, logvar: Tensor, num_samples: int, generator: torch.Generator | None = None
) -> tuple[Tensor, Tensor]:
    """KL(q || p) = E_q[log q(z) - log p(z)] by sampling, the definition behind Eq. (10).

    Returns (estimate, standard error), each (...).
    """
    check_gaussian(mu, logvar)
    check_positive_int("num_samples", num_samples, minimum=2)
    check_generator("generator", generator)
    check_work("num_samples", num_samples, mu.numel())
    eps = torch.randn(
        (num_samples, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device
    )  # (K, ..., Z)
    z = kernels.reparameterize(mu, logvar, eps)  # (K, ..., Z)
    log_ratio = kernels.gaussian_log_density(z, mu, logvar) - kernels.standard_normal_log_density(
        z
    )  # (K, ...)
    return log_ratio.mean(0), log_ratio.std(0) / num_samples**0.5


def bernoulli_log_likelihood(logits: Tensor, x: Tensor) -> Tensor:
    """log p(x|z) = sum_d [x_d log sigmoid(l_d) + (1 - x_d) log sigmoid(-l_d)], from logits.

    Computed as -BCE-with-logits (log-sum-exp form), never as log(sigmoid(.)), so it stays finite
    for large |logits|. x must lie in [0, 1]; logits and x broadcast; (..., D) -> (...).
    """
    check_tensor("logits", logits)
    check_tensor("x", x, unit_interval=True)
    check_same_device("logits", logits, "x", x)
    if logits.shape[-1] != x.shape[-1]:
        raise ValueError(
            f"logits and x must have the same last dimension (pixels), got "
            f"{tuple(logits.shape)} and {tuple(x.shape)}"
        )
    return kernels.bernoulli_log_likelihood(logits, x)


class ELBOTerms(NamedTuple):
    """The terms of Eq. (8), per example in nats: elbo = reconstruction - kl."""

    elbo: Tensor  # (B,)
    reconstruction: Tensor  # (B,) one-sample estimate of E_q[log p(x|z)]
    kl: Tensor  # (B,) KL(q(z|x) || p(z)), closed form


def elbo(
    model: VAE,
    x: Tensor,
    eps: Tensor | None = None,
    generator: torch.Generator | None = None,
    likelihood: str = "bernoulli",
) -> ELBOTerms:
    """Eq. (8): L(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z)), with one reparameterized sample.

    `likelihood` names log p(x|z): "bernoulli" (default) or "continuous-bernoulli".
    """
    log_px_z = likelihood_kernel(likelihood)
    x = check_batch(model, x)  # (B, D), checked once
    mu, logvar = model.encoder(x)  # (B, Z) each, Eq. (4)
    z = reparameterize(mu, logvar, eps, generator)  # (B, Z), Eq. (9); checks eps
    reconstruction = log_px_z(model.decoder(z), x)  # (B,)
    kl = kernels.kl_standard_normal(mu, logvar)  # (B,)
    return ELBOTerms(reconstruction - kl, reconstruction, kl)


def log_weights(
    model: VAE,
    x: Tensor,
    num_samples: int,
    generator: torch.Generator | None = None,
    eps: Tensor | None = None,
    likelihood: str = "bernoulli",
) -> Tensor:
    """Eq. (7): log w_k = log p(x, z_k) - log q(z_k|x) with z_k ~ q(z|x); (K, B).

    Their mean over k estimates the right side of Jensen's bound (the ELBO); their
    log-mean-exp is the importance-weighted bound. `eps` (K, B, Z) fixes the noise.
    """
    log_px_z = likelihood_kernel(likelihood)
    x = check_batch(model, x)  # (B, D)
    check_positive_int("num_samples", num_samples)
    check_generator("generator", generator)
    check_work("num_samples", num_samples, sample_cost(model, x))
    mu, logvar = model.encoder(x)  # (B, Z) each
    if eps is None:
        eps = torch.randn(
            (num_samples, *mu.shape), generator=generator, device=mu.device, dtype=mu.dtype
        )  # (K, B, Z)
    else:
        check_tensor("eps", eps)
        if tuple(eps.shape) != (num_samples, *mu.shape):
            raise ValueError(
                f"eps must have shape (num_samples, B, Z) = "
                f"{(num_samples, *mu.shape)}, got {tuple(eps.shape)}"
            )
        check_same_device("eps", eps, "x", x)
    z = kernels.reparameterize(mu, logvar, eps)  # (K, B, Z)
    log_pz = kernels.standard_normal_log_density(z)  # (K, B)
    log_qz = kernels.gaussian_log_density(z, mu, logvar)  # (K, B)
    return log_px_z(model.decoder(z), x) + log_pz - log_qz  # (K, B)
