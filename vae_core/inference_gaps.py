"""The two inference gaps (Cremer et al., 2018) and semi-amortized refinement (Kim et al., 2018).

For one image x, an encoder q(z|x), and the best q* of the same family (diagonal Gaussians):

    log p(x) - ELBO(q)  =  [log p(x) - ELBO(q*)]   +   [ELBO(q*) - ELBO(q)]
        total gap            approximation gap          amortization gap

The approximation gap is what the family cannot do; the amortization gap is what one network
for all images gives away against an optimization for each image. Refinement runs the first few
steps of that optimization, starting from the encoder's output.

What is here, each a function of explicit q parameters (mu, logvar), so any q can be scored:
- `quadrature_elbo`: the ELBO by Gauss-Hermite quadrature, for Z = 2 (deterministic);
- `sampled_elbo`: the ELBO with given noise eps, any Z (fixed noise makes a fit deterministic);
- `proposal_iwae`: the importance-weighted log p(x) estimate with q as the proposal;
- `grid_elbo`: ELBO(q) and KL(q || p(z|x)) summed over a posterior grid's cells, with q
  renormalized on the cells, so that ELBO + KL = log p(x) holds exactly at every q;
- `fit_gaussians`: Adam on (mu, logvar) for a whole batch at once, each image its own q;
- `InferenceGaps`: the split above for a batch of images.

Shapes: B images, D pixels, Z latent dimensions, K samples, N grid points per axis, Q
quadrature nodes per axis.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from numpy.polynomial.hermite_e import hermegauss
from torch import Tensor

from . import kernels
from ._validate import (
    check_callable,
    check_gaussian,
    check_generator,
    check_positive_float,
    check_positive_int,
    check_tensor,
    check_work,
)
from .estimators import chunk_sizes
from .grid import GridPosterior
from .model import VAE, check_batch, sample_cost

Objective = Callable[[Tensor, Tensor], Tensor]  # (mu, logvar) (B, Z) each -> ELBO (B,)


def _check_q(model: VAE, x: Tensor, mu: object, logvar: object) -> None:
    """mu and logvar (B, Z): one diagonal Gaussian per image of x (B, D) for this model."""
    check_gaussian(mu, logvar)
    want = (len(x), model.config.latent_dim)
    if tuple(mu.shape) != want:
        raise ValueError(
            f"mu and logvar must have shape (B, Z) = {want}, one q per image of x, "
            f"got {tuple(mu.shape)}"
        )


def gauss_hermite_nodes(nodes: int) -> tuple[Tensor, Tensor]:
    """Tensor-product Gauss-Hermite rule for N(0, I_2): points t (Q*Q, 2), weights w (Q*Q,),
    with sum_j w_j f(t_j) ~= E[f(t)], exact for polynomials of degree < 2Q in each axis."""
    check_positive_int("nodes", nodes, minimum=2)
    t, w = (torch.tensor(a, dtype=torch.float64) for a in hermegauss(nodes))
    points = torch.stack(torch.meshgrid(t, t, indexing="ij"), -1).reshape(-1, 2)  # (Q*Q, 2)
    weights = (w[:, None] * w[None, :]).reshape(-1) / (2 * math.pi)  # (Q*Q,), sums to 1
    return points, weights


def quadrature_elbo(model: VAE, x: Tensor, mu: Tensor, logvar: Tensor, nodes: int = 10) -> Tensor:
    """ELBO (B,) of q = N(mu, diag e^logvar) for a VAE with Z = 2, without sampling:

        ELBO = sum_j w_j log p(x | mu + sigma * t_j) - KL(q || p(z)),

    the expected log-likelihood by Gauss-Hermite quadrature (nodes x nodes points per image),
    the KL in closed form (Eq. 10). Differentiable in mu and logvar; deterministic, so an
    optimizer sees no noise.
    """
    x = check_batch(model, x)  # (B, D)
    if model.config.latent_dim != 2:
        raise ValueError(
            f"quadrature_elbo needs a model with latent_dim 2 (a 2-D rule), got latent_dim "
            f"{model.config.latent_dim}; use sampled_elbo for any latent size"
        )
    _check_q(model, x, mu, logvar)
    t, w = gauss_hermite_nodes(nodes)  # (Q*Q, 2), (Q*Q,)
    t, w = t.to(mu.device, mu.dtype), w.to(mu.device, mu.dtype)
    z = kernels.reparameterize(mu[:, None], logvar[:, None], t)  # (B, Q*Q, 2)
    log_lik = kernels.bernoulli_log_likelihood(model.decoder(z.to(model.dtype)), x[:, None])
    return (log_lik.to(mu.dtype) * w).sum(-1) - kernels.kl_standard_normal(mu, logvar)


def sampled_elbo(model: VAE, x: Tensor, mu: Tensor, logvar: Tensor, eps: Tensor) -> Tensor:
    """ELBO (B,) of q = N(mu, diag e^logvar) with the given noise eps (S, B, Z):

        ELBO ~= (1/S) sum_s log p(x | mu + sigma * eps_s) - KL(q || p(z)),

    Eq. (8) with S reparameterized samples (Eq. 9) and the KL in closed form (Eq. 10), for any
    Z. Keeping eps fixed while mu and logvar move makes the fit of `fit_gaussians` a
    deterministic problem; score its result with fresh noise.
    """
    x = check_batch(model, x)  # (B, D)
    _check_q(model, x, mu, logvar)
    check_tensor("eps", eps, ndim=3)
    if tuple(eps.shape[1:]) != tuple(mu.shape):
        raise ValueError(
            f"eps must have shape (S, B, Z) with (B, Z) = {tuple(mu.shape)}, got {tuple(eps.shape)}"
        )
    z = kernels.reparameterize(mu, logvar, eps)  # (S, B, Z)
    log_lik = kernels.bernoulli_log_likelihood(model.decoder(z), x)  # (S, B)
    return log_lik.mean(0) - kernels.kl_standard_normal(mu, logvar)


@torch.no_grad()
def proposal_iwae(
    model: VAE,
    x: Tensor,
    mu: Tensor,
    logvar: Tensor,
    num_samples: int,
    generator: torch.Generator | None = None,
    chunk_size: int = 250,
) -> Tensor:
    """log p(x) estimate (B,): log (1/K) sum_k p(x, z_k) / q(z_k), z_k ~ q = N(mu, diag e^logvar).

    The importance-weighted bound of Eq. (6), with any diagonal Gaussian as the proposal instead
    of the encoder's (`estimators.iwae_bound`): a q closer to the posterior gives a tighter
    estimate at the same K. A lower bound on log p(x) in expectation, for every q.
    """
    x = check_batch(model, x)  # (B, D)
    _check_q(model, x, mu, logvar)
    check_positive_int("num_samples", num_samples)
    check_positive_int("chunk_size", chunk_size)
    check_generator("generator", generator)
    check_work("num_samples", num_samples, sample_cost(model, x))
    parts = []
    for k in chunk_sizes(num_samples, chunk_size):
        eps = torch.randn(
            (k, *mu.shape), generator=generator, device=mu.device, dtype=mu.dtype
        )  # (K, B, Z)
        z = kernels.reparameterize(mu, logvar, eps)  # (K, B, Z)
        log_w = (
            kernels.bernoulli_log_likelihood(model.decoder(z), x)
            + kernels.standard_normal_log_density(z)
            - kernels.gaussian_log_density(z, mu, logvar)
        )  # (K, B)
        parts.append(log_w)
    return kernels.log_mean_exp(torch.cat(parts, 0), dim=0)


@dataclass(frozen=True)
class GridBatch:
    """Posterior grids of B images stacked into tensors (all with the same N)."""

    log_joint: Tensor  # (B, N, N) log p(x, z) at (z1[b, i], z2[b, j])
    z1: Tensor  # (B, N)
    z2: Tensor  # (B, N)
    log_cell: Tensor  # (B,) log of each grid's cell area
    log_px: Tensor  # (B,) log p(x) of each grid

    @classmethod
    def of(cls, grids: list[GridPosterior]) -> GridBatch:
        """Stack grids from `posterior_on_grid` / `posteriors_on_grid` (same resolution)."""
        if not grids or not all(isinstance(g, GridPosterior) for g in grids):
            raise TypeError("grids must be a non-empty list of GridPosterior")
        sizes = {len(g.z1) for g in grids} | {len(g.z2) for g in grids}
        if len(sizes) != 1:
            raise ValueError(f"grids must all have the same resolution, got sizes {sorted(sizes)}")
        log_px = torch.tensor([g.log_px for g in grids], dtype=torch.float64)  # (B,)
        return cls(
            log_joint=torch.stack([g.log_posterior for g in grids]) + log_px[:, None, None],
            z1=torch.stack([g.z1 for g in grids]),
            z2=torch.stack([g.z2 for g in grids]),
            log_cell=torch.tensor([math.log(g.cell_area) for g in grids], dtype=torch.float64),
            log_px=log_px,
        )


def grid_elbo(grids: GridBatch, mu: Tensor, logvar: Tensor) -> tuple[Tensor, Tensor]:
    """ELBO(q) and KL(q || p(z|x)), each (B,), summed over each image's grid cells.

    q = N(mu, diag e^logvar), mu and logvar (B, 2), is put on the cells as masses q_c
    proportional to its density there (renormalized to sum to 1), with density q_c / h^2.
    With f_c = log p(x, z_c) and h^2 the cell area:

        ELBO = sum_c q_c [f_c - log(q_c / h^2)],   KL = sum_c q_c [log(q_c / h^2) - f_c + log p(x)]

    so ELBO + KL = log p(x) exactly, for every q. A q narrower than a cell, or mostly outside
    the box, is poorly represented: keep sigma above a cell and q inside the box.
    """
    if not isinstance(grids, GridBatch):
        raise TypeError(f"grids must be a GridBatch (GridBatch.of(grids)), got {type(grids)}")
    check_gaussian(mu, logvar)
    if tuple(mu.shape) != (len(grids.log_px), 2):
        raise ValueError(
            f"mu and logvar must have shape ({len(grids.log_px)}, 2), one q per grid, "
            f"got {tuple(mu.shape)}"
        )
    mu, logvar = mu.double(), logvar.double()
    # the density of a diagonal Gaussian factorizes over the two axes: (B, N) each
    a1 = -0.5 * (grids.z1 - mu[:, :1]).pow(2) * torch.exp(-logvar[:, :1])
    a2 = -0.5 * (grids.z2 - mu[:, 1:]).pow(2) * torch.exp(-logvar[:, 1:])
    log_q = a1[:, :, None] + a2[:, None, :]  # (B, N, N), up to a constant
    log_mass = log_q - torch.logsumexp(log_q.flatten(1), 1)[:, None, None]  # log q_c
    log_density = log_mass - grids.log_cell[:, None, None]  # log (q_c / h^2)
    mass = log_mass.exp()
    elbo = (mass * (grids.log_joint - log_density)).flatten(1).sum(1)  # (B,)
    return elbo, grids.log_px - elbo


@dataclass(frozen=True)
class Fit:
    """The result of `fit_gaussians`: the best q found for each image and the path there."""

    mu: Tensor  # (B, Z) the best q found per image (never worse than the start)
    logvar: Tensor  # (B, Z)
    trace: Tensor  # (steps + 1, B) the objective after 0, 1, ..., steps Adam steps
    best: Tensor  # (B,) the objective at (mu, logvar) (its last value without track_best)
    mus: Tensor  # (len(keep), B, Z) q's mean after each step count in `keep`
    logvars: Tensor  # (len(keep), B, Z)


def fit_gaussians(
    objective: Objective,
    mu: Tensor,
    logvar: Tensor,
    steps: int,
    lr: float = 0.01,
    keep: tuple[int, ...] = (),
    track_best: bool = True,
) -> Fit:
    """Maximize objective(mu, logvar) (B,) over each image's own q by Adam, all at once.

    Adam scales each coordinate's step separately and the images' objectives do not share
    parameters, so one optimizer over the batch is B independent optimizations. Starting from
    the encoder's (mu, logvar), the first few steps are semi-amortized refinement; many steps
    approach the best q of the family. `keep` lists step counts whose q is returned too.
    With `track_best` each image keeps the best q seen (for a deterministic objective, such as
    `quadrature_elbo` or `grid_elbo`); without it, the last q (for an objective that draws fresh
    noise at every call, whose best value would be the luckiest draw, not the best q).
    """
    check_callable("objective", objective, "of (mu, logvar) (B, Z) returning the ELBO (B,)")
    check_gaussian(mu, logvar)
    check_positive_int("steps", steps, minimum=0)
    check_positive_float("lr", lr)
    if any(not 0 <= k <= steps for k in keep):
        raise ValueError(f"keep must list step counts between 0 and steps={steps}, got {keep}")
    mu_t = mu.detach().clone().requires_grad_(True)
    logvar_t = logvar.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([mu_t, logvar_t], lr=lr)
    best_mu, best_logvar = mu_t.detach().clone(), logvar_t.detach().clone()
    trace, mus, logvars = [], [], []
    best = None
    for step in range(steps + 1):
        with torch.enable_grad():
            value = objective(mu_t, logvar_t)  # (B,)
            if not isinstance(value, Tensor) or tuple(value.shape) != (len(mu),):
                got = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
                raise ValueError(
                    f"objective must return one ELBO per image ({len(mu)},), got {got}"
                )
        value_d = value.detach()
        trace.append(value_d)
        if best is None or not track_best:
            better = torch.ones_like(value_d, dtype=torch.bool)
        else:
            better = value_d > best
        best = value_d.clone() if best is None else torch.where(better, value_d, best)
        best_mu[better], best_logvar[better] = mu_t.detach()[better], logvar_t.detach()[better]
        if step in keep:
            mus.append(mu_t.detach().clone())
            logvars.append(logvar_t.detach().clone())
        if step == steps:
            break
        optimizer.zero_grad()
        (-value.sum()).backward()
        optimizer.step()
    empty = mu.new_zeros((0, *mu.shape))
    return Fit(
        mu=best_mu,
        logvar=best_logvar,
        trace=torch.stack(trace),
        best=best,
        mus=torch.stack(mus) if mus else empty,
        logvars=torch.stack(logvars) if logvars else empty,
    )


@dataclass(frozen=True)
class InferenceGaps:
    """The split of log p(x) - ELBO(encoder) for B images, each (B,), in nats."""

    log_px: Tensor  # exact (grid) or estimated (importance-weighted)
    encoder_elbo: Tensor  # ELBO of the encoder's q(z|x)
    best_elbo: Tensor  # ELBO of the best diagonal Gaussian found for each image

    @property
    def approximation(self) -> Tensor:
        """log p(x) - ELBO(q*): what no diagonal Gaussian closes."""
        return self.log_px - self.best_elbo

    @property
    def amortization(self) -> Tensor:
        """ELBO(q*) - ELBO(q_encoder): what the shared encoder gives away."""
        return self.best_elbo - self.encoder_elbo

    @property
    def total(self) -> Tensor:
        """log p(x) - ELBO(q_encoder) = approximation + amortization."""
        return self.log_px - self.encoder_elbo

    def summary(self) -> dict[str, tuple[float, float]]:
        """name -> (mean, median) for the three gaps."""
        return {
            name: (float(v.mean()), float(v.median()))
            for name, v in (
                ("approximation", self.approximation),
                ("amortization", self.amortization),
                ("total", self.total),
            )
        }
