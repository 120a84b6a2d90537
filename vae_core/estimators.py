"""Estimators of log p(x) (Eq. 1) and of gradients through q(z|x) (Eq. 9).

- `naive_log_px`: sample the prior and average p(x|z), the direct reading of Eq. (1).
- `iwae_bound`: log (1/K) sum_k p(x, z_k)/q(z_k|x), z_k ~ q(z|x); K = 1 is the ELBO (Eq. 7),
  and it rises to log p(x) as K grows (Burda et al., 2016).
- `reparameterized_gradient` and `score_function_gradient`: per-sample estimates of
  d/d(mu, logvar) E_q[f(z)], so their variances can be compared.

Shapes: B batch, D pixels, Z latent dimensions, K (or S) samples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import Tensor

from . import kernels
from ._validate import (
    check_callable,
    check_gaussian,
    check_generator,
    check_positive_int,
    check_tensor,
    check_work,
)
from .model import VAE, check_batch, sample_cost
from .objective import log_weights


def log_mean_exp(log_values: Tensor, dim: int = 0) -> Tensor:
    """log (1/K) sum_k exp(v_k) along `dim`, stably: logsumexp - log K."""
    check_tensor("log_values", log_values, finite=False)
    if bool(torch.isnan(log_values).any()) or bool((log_values == float("inf")).any()):
        raise ValueError("log_values must not contain NaN or +inf (-inf, a zero weight, is fine)")
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if not -log_values.dim() <= dim < log_values.dim():
        raise ValueError(
            f"dim must index one of the {log_values.dim()} axes of log_values "
            f"(shape {tuple(log_values.shape)}), got {dim}"
        )
    return kernels.log_mean_exp(log_values, dim)


def chunk_sizes(total: int, size: int) -> list[int]:
    """Split `total` samples into chunks of at most `size`: chunk_sizes(5, 2) == [2, 2, 1]."""
    return [min(size, total - start) for start in range(0, total, size)]


@torch.no_grad()
def naive_log_px(
    model: VAE,
    x: Tensor,
    num_samples: int,
    chunk_size: int = 1000,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Eqs. (1) and (5) by simple Monte Carlo: log (1/K) sum_k p(x|z_k), z_k ~ p(z). Returns (B,).

    Every image is scored against the same K prior draws, in chunks of `chunk_size` draws.
    """
    x = check_batch(model, x)  # (B, D)
    check_positive_int("num_samples", num_samples)
    check_positive_int("chunk_size", chunk_size)
    check_generator("generator", generator)
    check_work("num_samples", num_samples, x.numel())
    chunk = min(chunk_size, max(1, 2**22 // x.numel()))  # at most ~4M pixel terms at once
    parts = []
    for k in chunk_sizes(num_samples, chunk):
        z = torch.randn(
            k, model.config.latent_dim, generator=generator, device=x.device, dtype=x.dtype
        )  # (K, Z)
        logits = model.decoder(z)  # (K, D)
        parts.append(kernels.bernoulli_log_likelihood(logits[:, None, :], x))  # (K, B)
    return kernels.log_mean_exp(torch.cat(parts, 0), dim=0)


@torch.no_grad()
def iwae_bound(
    model: VAE,
    x: Tensor,
    num_samples: int,
    chunk_size: int = 500,
    generator: torch.Generator | None = None,
    likelihood: str = "bernoulli",
) -> Tensor:
    """Eq. (6) with K samples: log (1/K) sum_k w_k, w_k = p(x, z_k) / q(z_k|x). Returns (B,).

    K = 1 gives a one-sample ELBO; the bound is non-decreasing in K on average and tends to
    log p(x). Samples are drawn in chunks so memory stays at chunk_size x B x D.
    """
    x = check_batch(model, x)  # (B, D)
    check_positive_int("num_samples", num_samples)
    check_positive_int("chunk_size", chunk_size)
    check_work("num_samples", num_samples, sample_cost(model, x))
    parts = [
        log_weights(model, x, k, generator, likelihood=likelihood)
        for k in chunk_sizes(num_samples, chunk_size)
    ]
    return kernels.log_mean_exp(torch.cat(parts, 0), dim=0)


class GradientSamples(NamedTuple):
    """Per-sample gradient estimates of d/d(mu, logvar) E_q[f(z)]."""

    d_mu: Tensor  # (S, ..., Z)
    d_logvar: Tensor  # (S, ..., Z)

    def mean(self) -> tuple[Tensor, Tensor]:
        """The estimate over the S samples: (d_mu, d_logvar), each (..., Z)."""
        return self.d_mu.mean(0), self.d_logvar.mean(0)

    def variance(self) -> tuple[Tensor, Tensor]:
        """The per-sample variance of each estimate, (d_mu, d_logvar), each (..., Z)."""
        return self.d_mu.var(0), self.d_logvar.var(0)


def _gaussian_noise(
    f,
    mu: Tensor,
    logvar: Tensor,
    num_samples: int,
    eps: Tensor | None,
    generator: torch.Generator | None,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Check the arguments of a gradient estimator; return detached mu, logvar, eps (S, ..., Z)
    (drawn when not given) and sigma = exp(logvar / 2)."""
    check_callable("f", f, "of z (S, ..., Z) returning (S, ...)")
    check_gaussian(mu, logvar)
    check_positive_int("num_samples", num_samples, minimum=2)
    check_generator("generator", generator)
    check_work("num_samples", num_samples, mu.numel())
    if eps is None:
        eps = torch.randn(
            (num_samples, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device
        )  # (S, ..., Z)
    else:
        check_tensor("eps", eps)
        if tuple(eps.shape) != (num_samples, *mu.shape):
            raise ValueError(
                f"eps must have shape (num_samples, *mu.shape) = "
                f"{(num_samples, *mu.shape)}, got {tuple(eps.shape)}"
            )
    mu, logvar = mu.detach(), logvar.detach()
    return mu, logvar, eps, torch.exp(0.5 * logvar)


def _check_f_output(value: Tensor, z: Tensor) -> None:
    if not isinstance(value, Tensor) or tuple(value.shape) != tuple(z.shape[:-1]):
        got = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
        raise ValueError(
            f"f must return one value per sample, shape {tuple(z.shape[:-1])} for z of shape "
            f"{tuple(z.shape)} (sum over the last axis), got {got}"
        )


def reparameterized_gradient(
    f: Callable[[Tensor], Tensor],
    mu: Tensor,
    logvar: Tensor,
    num_samples: int,
    eps: Tensor | None = None,
    generator: torch.Generator | None = None,
) -> GradientSamples:
    """Pathwise estimate via Eq. (9): z = mu + sigma eps, so df/dmu = f'(z) and
    df/dlogvar = f'(z) * eps * sigma / 2. f maps (S, ..., Z) -> (S, ...)."""
    mu, logvar, eps, sigma = _gaussian_noise(f, mu, logvar, num_samples, eps, generator)
    z = kernels.reparameterize(mu, logvar, eps).requires_grad_(True)
    with torch.enable_grad():
        value = f(z)
        _check_f_output(value, z)
        (df_dz,) = torch.autograd.grad(value.sum(), z)  # each sample's f depends on its own z only
    return GradientSamples(df_dz, df_dz * eps * sigma * 0.5)


def score_function_gradient(
    f: Callable[[Tensor], Tensor],
    mu: Tensor,
    logvar: Tensor,
    num_samples: int,
    eps: Tensor | None = None,
    generator: torch.Generator | None = None,
    baseline: float | Tensor = 0.0,
) -> GradientSamples:
    """REINFORCE: (f(z) - b) * d/d(mu, logvar) log q(z), with z ~ q and no gradient through z.

    d log q / d mu = eps / sigma and d log q / d logvar = (eps^2 - 1) / 2, with eps = (z - mu)/sigma.
    """
    mu, logvar, eps, sigma = _gaussian_noise(f, mu, logvar, num_samples, eps, generator)
    if isinstance(baseline, Tensor):
        check_tensor("baseline", baseline)
    elif isinstance(baseline, bool) or not isinstance(baseline, (int, float)):
        raise TypeError(
            f"baseline must be a number or a tensor of f's shape, got {type(baseline).__name__}"
        )
    with torch.no_grad():
        z = kernels.reparameterize(mu, logvar, eps)
        value = f(z)
        _check_f_output(value, z)
        weight = (value - baseline).unsqueeze(-1)  # (S, ..., 1)
    return GradientSamples(weight * eps / sigma, weight * 0.5 * (eps.pow(2) - 1))
