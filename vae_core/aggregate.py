"""The aggregate posterior q(z), its distance from the prior p(z), and paths through latent space.

Over a set of N images x_n, the encoder's Gaussians q(z|x_n) = N(mu_n, diag sigma_n^2) average to

    q(z) = (1/N) sum_n q(z|x_n),

the *aggregate posterior*: where the codes of the data actually lie. Training pulls each q(z|x_n)
towards p(z) = N(0, I), but nothing makes their average equal to p(z). Regions that p(z) covers
and q(z) leaves (nearly) empty are where samples from the prior meet a decoder that was never
trained there (Hoffman & Johnson 2016).

- `aggregate_log_density`: log q(z), exactly (the mixture over all N components), in log space;
- `sample_aggregate`: draws from q(z) (pick n at random, then z ~ q(z|x_n));
- `empty_prior_mass`: the prior probability of {z : q(z) < fraction * p(z)}, by Monte Carlo;
- `elbo_surgery`: the rate split as E_x KL(q(z|x) || p(z)) = I(x; z) + KL(q(z) || p(z)),
  with KL(q(z) || p(z)) estimated by Monte Carlo and I the mutual information (Hoffman & Johnson);
- `lerp`, `slerp`: straight and spherical interpolation between two codes (White 2016);
- `manifold_grid`: the points of the decoded-manifold picture of a 2-D model, equally spaced in
  prior probability.

Shapes: N images (mixture components), M points z, Z latent dimensions, T steps along a path.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from . import kernels
from ._validate import (
    check_gaussian,
    check_generator,
    check_positive_float,
    check_positive_int,
    check_same_device,
    check_same_shape,
    check_tensor,
)

# log q(z) expands the square, (z - mu)^2 / sigma^2 = z^2 / sigma^2 - 2 z mu / sigma^2 + mu^2 / sigma^2,
# so one matrix product replaces an (M, N, Z) tensor. The cancellation costs about
# 1e-7 x (|z| + |mu|)^2 / sigma^2 nats in float32: below 1e-3 for |z|, |mu| < 5 and sigma > 0.03.
_CHUNK_ELEMENTS = 2**22  # M x N entries of the (chunk, N) table of log q(z|x_n) at once


def _check_components(mu: Tensor, logvar: Tensor) -> None:
    check_gaussian(mu, logvar)
    if mu.dim() != 2:
        raise ValueError(
            f"mu and logvar must be (N, Z): one row of encoder output per image, "
            f"got shape {tuple(mu.shape)}"
        )


def _check_points(z: object, mu: Tensor) -> Tensor:
    check_tensor("z", z, ndim=2)
    if z.shape[1] != mu.shape[1]:
        raise ValueError(
            f"z must be (M, Z) with Z = {mu.shape[1]} (the latent size of mu), "
            f"got shape {tuple(z.shape)}"
        )
    check_same_device("z", z, "mu", mu)
    return z


def _log_sum_exp_rows(log_values: Tensor) -> Tensor:
    """log sum_n exp(v_n) over each row, (m, N) -> (m,). Terms more than 80 nats below the row's
    largest (each under 1e-34 of it) are raised to that floor: exp() of a float32 below about -87
    is subnormal and many times slower, and the sum moves by less than N x 1e-34 relatively."""
    top = log_values.max(dim=1, keepdim=True).values  # (m, 1)
    shifted = (log_values - top).clamp_min_(-80.0)  # (m, N)
    return top.squeeze(1) + shifted.exp_().sum(dim=1).log()


@torch.no_grad()
def aggregate_log_density(z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    """log q(z) = log (1/N) sum_n N(z | mu_n, diag e^logvar_n), the aggregate posterior: (M,).

    z: (M, Z) points; mu, logvar: (N, Z), the encoder's outputs for N images. Exact (every
    component counts), with log-sum-exp, in z's dtype (see the note on precision above).
    """
    _check_components(mu, logvar)
    _check_points(z, mu)
    mu, logvar = mu.to(z.dtype), logvar.to(z.dtype)
    precision = torch.exp(-logvar)  # (N, Z): 1 / sigma^2
    # Per component: -1/2 [Z log 2 pi + sum logvar + sum mu^2 / sigma^2]
    const = -0.5 * (
        mu.shape[1] * kernels.LOG_2PI + logvar.sum(1) + (mu.pow(2) * precision).sum(1)
    )  # (N,)
    # log q(z_m | x_n) = [z_m^2, z_m, 1] . [-precision_n / 2, mu_n precision_n, const_n]
    weights = torch.cat([-0.5 * precision, mu * precision, const[:, None]], dim=1)  # (N, 2Z + 1)
    chunk = max(1, _CHUNK_ELEMENTS // mu.shape[0])
    out = []
    for start in range(0, z.shape[0], chunk):
        zc = z[start : start + chunk]  # (m, Z)
        features = torch.cat([zc.pow(2), zc, torch.ones_like(zc[:, :1])], dim=1)  # (m, 2Z + 1)
        log_q = features @ weights.T  # (m, N): log q(z_m | x_n)
        out.append(_log_sum_exp_rows(log_q) - math.log(mu.shape[0]))  # (m,)
    return torch.cat(out)


def sample_aggregate(
    mu: Tensor, logvar: Tensor, num_samples: int, generator: torch.Generator | None = None
) -> Tensor:
    """Draw z ~ q(z): pick n uniformly from the N images, then z = mu_n + sigma_n eps; (M, Z)."""
    _check_components(mu, logvar)
    check_positive_int("num_samples", num_samples)
    check_generator("generator", generator)
    n = torch.randint(mu.shape[0], (num_samples,), generator=generator, device=mu.device)  # (M,)
    eps = torch.randn(
        (num_samples, mu.shape[1]), generator=generator, dtype=mu.dtype, device=mu.device
    )  # (M, Z)
    return kernels.reparameterize(mu[n], logvar[n], eps)


class EmptyMass(NamedTuple):
    """The prior probability of the region where q(z) < fraction * p(z), with its standard error."""

    prior_mass: float
    standard_error: float
    fraction: float
    num_samples: int


@torch.no_grad()
def empty_prior_mass(
    mu: Tensor,
    logvar: Tensor,
    fraction: float = 0.1,
    num_samples: int = 2000,
    generator: torch.Generator | None = None,
) -> EmptyMass:
    """P_p(E) with E = {z : q(z) < fraction * p(z)}: prior mass that q(z) leaves nearly empty.

    Monte Carlo over z ~ p(z) = N(0, I), with log q(z) exact (`aggregate_log_density`). By its
    definition, q(E) < fraction * P_p(E): the codes of the data visit E at most `fraction` times
    as often as prior samples land there.
    """
    _check_components(mu, logvar)
    fraction = check_positive_float("fraction", fraction)
    check_positive_int("num_samples", num_samples, minimum=2)
    check_generator("generator", generator)
    z = torch.randn(
        (num_samples, mu.shape[1]), generator=generator, dtype=mu.dtype, device=mu.device
    )  # (M, Z)
    log_ratio = aggregate_log_density(z, mu, logvar) - kernels.standard_normal_log_density(z)
    empty = (log_ratio < math.log(fraction)).double()  # (M,)
    mass = float(empty.mean())
    return EmptyMass(mass, math.sqrt(mass * (1 - mass) / num_samples), fraction, num_samples)


class Surgery(NamedTuple):
    """The rate split of Hoffman & Johnson (2016), nats: rate = mutual_information + marginal_kl."""

    rate: float  # E_x KL(q(z|x) || p(z)), closed form (Eq. 10) averaged over the N images
    marginal_kl: float  # KL(q(z) || p(z)), Monte Carlo
    marginal_kl_se: float  # its standard error
    mutual_information: float  # I(x; z) under q(x, z) = q(z|x) / N: rate - marginal_kl
    log_n: float  # log N, the largest I can be with N images


@torch.no_grad()
def elbo_surgery(
    mu: Tensor, logvar: Tensor, num_samples: int = 2000, generator: torch.Generator | None = None
) -> Surgery:
    """E_x KL(q(z|x) || p(z)) = I(x; z) + KL(q(z) || p(z)), x uniform over the N images.

    KL(q(z) || p(z)) = E_q(z)[log q(z) - log p(z)], with z ~ q(z) (`sample_aggregate`) and log q(z)
    exact, so the only error is Monte Carlo noise (reported). I(x; z) <= log N.
    """
    _check_components(mu, logvar)
    check_positive_int("num_samples", num_samples, minimum=2)
    z = sample_aggregate(mu, logvar, num_samples, generator)  # (M, Z)
    log_ratio = aggregate_log_density(z, mu, logvar) - kernels.standard_normal_log_density(z)
    rate = float(kernels.kl_standard_normal(mu, logvar).double().mean())
    kl = float(log_ratio.double().mean())
    se = float(log_ratio.double().std() / math.sqrt(num_samples))
    return Surgery(rate, kl, se, rate - kl, math.log(mu.shape[0]))


def _check_path(z0: object, z1: object, t: object) -> Tensor:
    check_tensor("z0", z0)
    check_tensor("z1", z1)
    check_same_shape("z0", z0, "z1", z1)
    check_same_device("z0", z0, "z1", z1)
    if z0.dim() == 0:
        raise ValueError("z0 and z1 must have a latent axis (shape (..., Z)), got 0-d tensors")
    if isinstance(t, (int, float)) and not isinstance(t, bool):
        t = torch.tensor([float(t)], dtype=z0.dtype, device=z0.device)
    check_tensor("t", t, ndim=1)
    if bool((t < 0).any()) or bool((t > 1).any()):
        raise ValueError(
            f"t must lie in [0, 1] (0 at z0, 1 at z1), got values from {float(t.min()):.3g} "
            f"to {float(t.max()):.3g}"
        )
    return t.to(z0.dtype).reshape(-1, *([1] * z0.dim()))  # (T, 1, ..., 1)


def lerp(z0: Tensor, z1: Tensor, t: Tensor | float) -> Tensor:
    """The straight line z(t) = (1 - t) z0 + t z1. z0, z1: (..., Z); t: (T,) or a number in
    [0, 1]; returns (T, ..., Z) (T = 1 for a number)."""
    t = _check_path(z0, z1, t)
    return (1 - t) * z0 + t * z1


def slerp(z0: Tensor, z1: Tensor, t: Tensor | float) -> Tensor:
    """Spherical interpolation (White 2016): z(t) = [sin((1-t) W) z0 + sin(t W) z1] / sin W,

    W the angle between z0 and z1. The direction turns at a constant rate on the great circle
    through both; if |z0| = |z1| the norm stays |z0| all the way. z0, z1: (..., Z); t: (T,) or a
    number in [0, 1]; returns (T, ..., Z). Nearly parallel codes (W < 1e-4) fall back to the
    straight line, the limit of the formula; opposite codes, or a zero code, have no single
    great circle and are refused.
    """
    t = _check_path(z0, z1, t)
    n0, n1 = z0.norm(dim=-1, keepdim=True), z1.norm(dim=-1, keepdim=True)  # (..., 1)
    if bool((n0 == 0).any()) or bool((n1 == 0).any()):
        which = "z0" if bool((n0 == 0).any()) else "z1"
        raise ValueError(f"{which} must not be the zero vector: slerp needs a direction")
    u0, u1 = z0 / n0, z1 / n1
    # W = 2 atan2(|u0 - u1|, |u0 + u1|): accurate at small angles and near pi, unlike acos.
    omega = 2 * torch.atan2(
        (u0 - u1).norm(dim=-1, keepdim=True), (u0 + u1).norm(dim=-1, keepdim=True)
    )
    if bool((omega > math.pi - 1e-3).any()):
        raise ValueError(
            "z0 and z1 must not point in opposite directions: the angle between them is "
            f"{float(omega.max()):.4f} rad (about pi), so no single great circle joins them"
        )
    small = omega < 1e-4
    safe = torch.where(small, torch.ones_like(omega), omega)
    w0 = torch.where(small, 1 - t, torch.sin((1 - t) * safe) / torch.sin(safe))  # (T, ..., 1)
    w1 = torch.where(small, t, torch.sin(t * safe) / torch.sin(safe))
    return w0 * z0 + w1 * z1


def manifold_grid(n: int, margin: float = 0.05) -> tuple[Tensor, Tensor]:
    """The n x n points of a 2-D model's decoded-manifold picture, equally spaced in prior
    probability: Phi^-1 of n evenly spaced levels in [margin, 1 - margin] on each axis.

    Returns (axis values (n,), points (n * n, 2)), rows top to bottom (z2 falling), columns left
    to right (z1 rising), as an image is read.
    """
    check_positive_int("n", n, minimum=2)
    margin = check_positive_float("margin", margin)
    if margin >= 0.5:
        raise ValueError(f"margin must be below 0.5 (a probability per side), got {margin}")
    values = torch.special.ndtri(torch.linspace(margin, 1 - margin, n, dtype=torch.float64))
    values = values.float()  # (n,)
    z2, z1 = torch.meshgrid(values.flip(0), values, indexing="ij")  # (n, n) each
    return values, torch.stack([z1.reshape(-1), z2.reshape(-1)], dim=1)  # (n * n, 2)


__all__ = [
    "aggregate_log_density",
    "sample_aggregate",
    "EmptyMass",
    "empty_prior_mass",
    "Surgery",
    "elbo_surgery",
    "lerp",
    "slerp",
    "manifold_grid",
]
