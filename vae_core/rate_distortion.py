"""Rate, distortion and active units: what a trained VAE spends on its codes, measured on data.

Over a set of images x (Alemi et al. 2018):
- the rate R = E_x KL(q(z|x) || p(z)), nats per image, the average of Eqs. (10)-(11);
- the distortion D = -E_x E_q(z|x) log p(x|z), nats per image, the reconstruction term of Eq. (8);
- so the ELBO averaged over x is -(D + R), and the beta-weighted training loss is D + beta R.

Per latent dimension u: its share of the rate, E_x KL_u, and its activity
A_u = Cov_x(E_q(z|x)[z_u]) = the variance over the images of mu_u(x); a unit is active when
A_u > 0.01 (Burda et al. 2016). An inactive unit's mu barely moves from digit to digit: the
decoder gets the same code for every x, and that dimension carries (almost) nothing.

Shapes: N images, B batch, D pixels, Z latent dimensions, K samples per image.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from . import kernels
from ._validate import (
    check_gaussian,
    check_generator,
    check_positive_float,
    check_positive_int,
    check_tensor,
    check_work,
)
from .likelihoods import likelihood_kernel
from .model import VAE, check_batch, sample_cost

ACTIVITY_THRESHOLD = 0.01  # Burda et al. (2016): A_u > 0.01 counts as active


def kl_per_dimension(mu: Tensor, logvar: Tensor) -> Tensor:
    """Each latent dimension's term of Eq. (10), 1/2 (mu^2 + e^logvar - logvar - 1): (..., Z).

    Its sum over the last axis is `kl_closed_form`; computed in the same stable form.
    """
    check_gaussian(mu, logvar)
    return kernels.kl_standard_normal_dims(mu, logvar)


def unit_activity(mu: Tensor) -> Tensor:
    """A_u = Cov_x(E_q[z_u]): the variance of each posterior mean over the images, (N, Z) -> (Z,).

    The unbiased sample variance over the N rows (one row per image); N must be at least 2.
    """
    check_tensor("mu", mu, ndim=2)
    if mu.shape[0] < 2:
        raise ValueError(
            f"mu must hold the posterior means of at least 2 images, shape (N, Z) with N >= 2, "
            f"got shape {tuple(mu.shape)}: a variance over one image is undefined"
        )
    return mu.var(dim=0)  # (Z,)


def active_units(mu: Tensor, threshold: float = ACTIVITY_THRESHOLD) -> int:
    """How many latent dimensions have activity A_u > threshold (Burda et al.: 0.01)."""
    check_positive_float("threshold", threshold)
    return int((unit_activity(mu) > threshold).sum())


def beta_objective(distortion: float | Tensor, rate: float | Tensor, beta: float) -> float | Tensor:
    """The beta-weighted loss D + beta R (nats); beta = 1 gives minus the ELBO."""
    if isinstance(beta, bool) or not isinstance(beta, (int, float)):
        raise TypeError(f"beta must be a number >= 0, got {type(beta).__name__}")
    if not beta >= 0:
        raise ValueError(f"beta must be a number >= 0, got {beta!r}")
    if beta == float("inf"):
        raise ValueError("beta must be finite, got inf")
    return distortion + beta * rate


@dataclass
class RateDistortion:
    """A model's rate and distortion on a set of images, in nats per image, and per dimension."""

    rate: float  # R = E_x KL(q(z|x) || p(z))
    distortion: float  # D = -E_x E_q log p(x|z), K samples of z per image
    kl_per_dim: Tensor  # (Z,): E_x of each dimension's KL; sums to `rate`
    activity: Tensor  # (Z,): A_u = Var_x mu_u(x)
    num_images: int
    num_samples: int  # K, the samples of z per image behind `distortion`

    @property
    def elbo(self) -> float:
        """The ELBO averaged over the images: -(D + R)."""
        return -(self.distortion + self.rate)

    def active_units(self, threshold: float = ACTIVITY_THRESHOLD) -> int:
        """How many dimensions have A_u > threshold."""
        check_positive_float("threshold", threshold)
        return int((self.activity > threshold).sum())


@torch.no_grad()
def rate_distortion(
    model: VAE,
    x: Tensor,
    num_samples: int = 1,
    generator: torch.Generator | None = None,
    batch_size: int = 500,
    likelihood: str = "bernoulli",
) -> RateDistortion:
    """R, D, the per-dimension KL and the activity of `model` on the images x (N, D).

    The rate is exact per image (closed form); the distortion averages log p(x|z) over
    `num_samples` reparameterized draws z ~ q(z|x) per image.
    """
    x = check_batch(model, x)  # (N, D)
    if x.shape[0] < 2:
        raise ValueError(
            f"x must hold at least 2 images (the activity is a variance over images), "
            f"got shape {tuple(x.shape)}"
        )
    check_positive_int("num_samples", num_samples)
    check_positive_int("batch_size", batch_size)
    check_generator("generator", generator)
    check_work("num_samples", num_samples, sample_cost(model, x))
    log_px_z = likelihood_kernel(likelihood)
    was_training = model.training
    model.eval()
    mus, kls, log_liks = [], [], []
    for start in range(0, x.shape[0], batch_size):
        xb = x[start : start + batch_size]  # (B, D)
        mu, logvar = model.encoder(xb)  # (B, Z) each
        eps = torch.randn(
            (num_samples, *mu.shape), generator=generator, device=mu.device, dtype=mu.dtype
        )  # (K, B, Z)
        z = kernels.reparameterize(mu, logvar, eps)  # (K, B, Z)
        log_liks.append(log_px_z(model.decoder(z), xb).mean(0))  # (B,)
        kls.append(kernels.kl_standard_normal_dims(mu, logvar))  # (B, Z)
        mus.append(mu)
    model.train(was_training)
    kl_dims = torch.cat(kls).mean(0)  # (Z,)
    return RateDistortion(
        rate=float(kl_dims.sum()),
        distortion=float(-torch.cat(log_liks).mean()),
        kl_per_dim=kl_dims.cpu(),
        activity=unit_activity(torch.cat(mus)).cpu(),
        num_images=x.shape[0],
        num_samples=num_samples,
    )
