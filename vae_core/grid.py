"""Exact quantities for a 2-D latent space by numerical integration on a grid.

For Z = 2, Eq. (1) is a 2-D integral that a grid computes to high accuracy:
    log p(x) ~= logsumexp_ij log p(x, z_ij) + log(h^2)          (midpoint rule, spacing h)
and the posterior of Eq. (2) on the grid is log p(z_ij|x) = log p(x, z_ij) - log p(x).

Error control, stated in the result:
1. a coarse pass over the square [-extent, extent]^2 finds where the posterior mass lies;
2. a fine pass with `resolution` points per side covers the box where the coarse log-density
   is within `log_floor` nats of its peak (padded by two coarse cells);
3. `discretization_error` = |log p(x) from the fine grid - log p(x) from every other fine point|,
   an estimate of the fine value's error, not a bound: the midpoint rule converges fast for
   smooth densities, but a ReLU decoder makes log p(x, z) only piecewise smooth;
   `outside_mass` = the coarse estimate of the posterior mass outside the fine box, and
   `edge_mass` = the coarse mass in the outer ring of the square.
With `cover=(mu, logvar)`, the fine box also covers mu +- 6 sigma of a Gaussian q, so that
`kl_to_posterior` can integrate q over it. `posteriors_on_grid` does the same for many images
of a VAE, sharing the decoder's work on the common coarse grid.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from . import kernels
from ._validate import (
    check_callable,
    check_gaussian,
    check_positive_float,
    check_positive_int,
    check_tensor,
)
from .config import IMAGE_SHAPE
from .model import VAE, check_model

LogJoint = Callable[[Tensor], Tensor]  # z (G, 2) -> log p(x, z) (G,)


@dataclass(frozen=True)
class GridPosterior:
    """log p(x) and the posterior p(z|x) on a 2-D grid, with error estimates (see the module)."""

    log_px: float  # log p(x), Eq. (1)
    z1: Tensor  # (N,) grid coordinates, first latent axis
    z2: Tensor  # (N,) second latent axis
    log_posterior: Tensor  # (N, N) log p(z|x), Eq. (2); [i, j] is at (z1[i], z2[j])
    cell_area: float  # h1 * h2
    discretization_error: float  # nats, see module docstring
    outside_mass: float  # posterior mass outside the fine box (coarse estimate)
    edge_mass: float  # posterior mass in the outer ring of the coarse square

    def probabilities(self) -> Tensor:
        """Posterior mass per cell, (N, N); sums to 1 up to discretization error."""
        return torch.exp(self.log_posterior) * self.cell_area

    def mean(self) -> Tensor:
        """Posterior mean E[z|x], (2,)."""
        p = self.probabilities()
        p = p / p.sum()
        return torch.stack([(p.sum(1) * self.z1).sum(), (p.sum(0) * self.z2).sum()])


def _grid(lo: Tensor, hi: Tensor, n: int) -> tuple[Tensor, Tensor, Tensor]:
    z1 = torch.linspace(float(lo[0]), float(hi[0]), n, dtype=torch.float64)
    z2 = torch.linspace(float(lo[1]), float(hi[1]), n, dtype=torch.float64)
    points = torch.stack(torch.meshgrid(z1, z2, indexing="ij"), -1).reshape(-1, 2)  # (N*N, 2)
    return z1, z2, points


def _evaluate(log_joint: LogJoint, points: Tensor, n: int, chunk: int) -> Tensor:
    values = []
    for i in range(0, len(points), chunk):
        z = points[i : i + chunk]  # (G, 2)
        value = log_joint(z)
        if not isinstance(value, Tensor) or tuple(value.shape) != (z.shape[0],):
            got = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
            raise ValueError(
                f"log_joint must return one log density per grid point, shape "
                f"({z.shape[0]},) for z of shape {tuple(z.shape)}, got {got}"
            )
        values.append(value.detach().to(device="cpu", dtype=torch.float64))
    out = torch.cat(values)
    bad = ~torch.isfinite(out)
    if bool(bad.any()):
        at = points[int(bad.nonzero()[0])].tolist()
        raise ValueError(
            f"log_joint must return finite log densities, but it returned "
            f"{out[bad][0].item()} at {int(bad.sum())} of {len(out)} grid points (first at z = "
            f"({at[0]:.3g}, {at[1]:.3g})); a VAE's log p(x, z) is finite everywhere"
        )
    return out.reshape(n, n)


def _log_integral(log_values: Tensor, cell_area: float) -> float:
    return float(torch.logsumexp(log_values.flatten(), 0)) + math.log(cell_area)


@torch.no_grad()
def posterior_on_grid(
    log_joint: LogJoint,
    extent: float = 6.0,
    resolution: int = 201,
    coarse_resolution: int = 121,
    log_floor: float = 30.0,
    chunk_size: int = 20000,
    cover: tuple[Tensor, Tensor] | None = None,
) -> GridPosterior:
    """Eq. (2) on a 2-D grid: log p(z|x) = log p(x, z) - log p(x), with log p(x) (Eq. 1) by
    quadrature; see the module docstring for the error control. `cover=(mu, logvar)` widens the
    fine box to hold mu +- 6 sigma of a Gaussian q too."""
    check_callable("log_joint", log_joint, "of z (G, 2) returning log p(x, z) (G,)")
    check_positive_int("resolution", resolution, minimum=5)
    check_positive_int("coarse_resolution", coarse_resolution, minimum=5)
    check_positive_float("extent", extent)
    check_positive_float("log_floor", log_floor)
    check_positive_int("chunk_size", chunk_size)
    half = torch.tensor([extent, extent], dtype=torch.float64)
    c1, c2, coarse_points = _grid(-half, half, coarse_resolution)
    coarse = _evaluate(log_joint, coarse_points, coarse_resolution, chunk_size)  # (Nc, Nc)
    check_tensor("log_joint(z)", coarse, finite=False)
    coarse_area = float((c1[1] - c1[0]) * (c2[1] - c2[0]))
    log_px_coarse = _log_integral(coarse, coarse_area)
    coarse_post = torch.exp(coarse - log_px_coarse) * coarse_area  # mass per coarse cell

    keep = coarse >= coarse.max() - log_floor  # (Nc, Nc)
    rows, cols = keep.any(1).nonzero().squeeze(1), keep.any(0).nonzero().squeeze(1)
    pad, last = 2, coarse_resolution - 1
    i0, i1 = max(int(rows.min()) - pad, 0), min(int(rows.max()) + pad, last)
    j0, j1 = max(int(cols.min()) - pad, 0), min(int(cols.max()) + pad, last)
    lo = torch.stack([c1[i0], c2[j0]])
    hi = torch.stack([c1[i1], c2[j1]])
    if cover is not None:
        lo, hi = _cover(lo, hi, cover)
    inside = coarse_post[i0 : i1 + 1, j0 : j1 + 1].sum()
    ring = coarse_post.sum() - coarse_post[1:-1, 1:-1].sum()

    # An odd resolution makes every other point a grid of its own with spacing 2h.
    n = resolution if resolution % 2 == 1 else resolution + 1
    z1, z2, points = _grid(lo, hi, n)
    fine = _evaluate(log_joint, points, n, chunk_size)  # (N, N)
    area = float((z1[1] - z1[0]) * (z2[1] - z2[0]))
    log_px = _log_integral(fine, area)
    log_px_half = _log_integral(fine[::2, ::2], 4 * area)
    return GridPosterior(
        log_px=log_px,
        z1=z1,
        z2=z2,
        log_posterior=fine - log_px,
        cell_area=area,
        discretization_error=abs(log_px - log_px_half),
        outside_mass=float((coarse_post.sum() - inside).clamp(min=0)),
        edge_mass=float(ring),
    )


def _cover(lo: Tensor, hi: Tensor, cover: object) -> tuple[Tensor, Tensor]:
    """The box [lo, hi] widened to hold mu +- 6 sigma of q = N(mu, diag e^logvar), (2,) each."""
    if not isinstance(cover, (tuple, list)) or len(cover) != 2:
        raise TypeError("cover must be a pair (mu, logvar) of q's parameters, each of shape (2,)")
    mu, logvar = cover
    check_gaussian(mu, logvar)
    if tuple(mu.shape) != (2,):
        raise ValueError(f"cover's mu must have shape (2,), got {tuple(mu.shape)}")
    mu, sigma = mu.detach().double().cpu(), (0.5 * logvar.detach().double().cpu()).exp()
    return torch.minimum(lo, mu - 6 * sigma), torch.maximum(hi, mu + 6 * sigma)


def kl_to_posterior(
    grid: GridPosterior, mu: Tensor, logvar: Tensor, min_mass: float = 0.999
) -> float:
    """Eq. (3), measured: KL(q(z|x) || p(z|x)) in nats, integrated on the grid's cells.

    q = N(mu, diag e^logvar), mu and logvar (2,). The sum covers only the grid's box, so it
    refuses a q with less than `min_mass` of its mass inside: build the grid with
    `posterior_on_grid(..., cover=(mu, logvar))` so that the box holds q too.
    """
    if not isinstance(grid, GridPosterior):
        raise TypeError(
            f"grid must be a GridPosterior (from posterior_on_grid), got {type(grid).__name__}"
        )
    check_gaussian(mu, logvar)
    if tuple(mu.shape) != (2,):
        raise ValueError(
            f"mu and logvar must have shape (2,) (one q for the grid's digit), "
            f"got {tuple(mu.shape)}"
        )
    zz = torch.stack(torch.meshgrid(grid.z1, grid.z2, indexing="ij"), -1)  # (N, N, 2)
    log_q = kernels.gaussian_log_density(
        zz, mu.detach().double().cpu(), logvar.detach().double().cpu()
    )  # (N, N)
    q_cell = log_q.exp() * grid.cell_area  # q's mass per cell
    mass = float(q_cell.sum())
    if mass < min_mass:
        raise ValueError(
            f"only {mass:.4f} of q's mass lies inside the grid's box (at least {min_mass} is "
            f"needed for the KL integral); build the grid with posterior_on_grid(log_joint, "
            f"cover=(mu, logvar))"
        )
    return float((q_cell * (log_q - grid.log_posterior)).sum())


def vae_log_joint(model: VAE, x: Tensor) -> LogJoint:
    """log p(x, z) = log p(x|z) + log p(z) for one image x (D,) under a VAE with Z = 2."""
    check_model(model)
    if model.config.latent_dim != 2:
        raise ValueError(
            f"model must have latent_dim 2 for a grid over z, got latent_dim "
            f"{model.config.latent_dim}"
        )
    check_tensor("x", x)
    if x.numel() != model.config.data_dim:
        raise ValueError(
            f"x must be one image of {model.config.data_dim} pixels, e.g. shape "
            f"({model.config.data_dim},) or {IMAGE_SHAPE}, got shape {tuple(x.shape)}"
        )
    x = check_tensor("x", model.flatten(x.reshape(1, -1)), unit_interval=True)[0]  # (D,)

    def log_joint(z: Tensor) -> Tensor:
        z = z.to(device=model.device, dtype=model.dtype)  # (G, 2)
        return kernels.bernoulli_log_likelihood(
            model.decoder(z), x
        ) + kernels.standard_normal_log_density(z)

    return log_joint


@torch.no_grad()
def posteriors_on_grid(
    model: VAE,
    x: Tensor,
    extent: float = 6.0,
    resolution: int = 21,
    coarse_resolution: int = 121,
    log_floor: float = 30.0,
    cover: tuple[Tensor, Tensor] | None = None,
) -> list[GridPosterior]:
    """`posterior_on_grid(vae_log_joint(model, x_b), ...)` for each image of x (B, D), faster.

    Every image's coarse pass uses the same grid points, so the decoder runs on them once and
    log p(x_b|z) = x_b . l(z) - sum_d softplus(l_d(z)) is one matrix product for all images;
    only the fine passes run the decoder per image. `cover=(mu, logvar)` holds (B, 2) each.
    Results agree with `posterior_on_grid` to float32 rounding of the coarse pass.
    """
    check_model(model)
    if model.config.latent_dim != 2:
        raise ValueError(
            f"model must have latent_dim 2 for a grid over z, got latent_dim "
            f"{model.config.latent_dim}"
        )
    check_positive_int("coarse_resolution", coarse_resolution, minimum=5)
    check_positive_float("extent", extent)
    x = check_tensor("x", model.flatten(x), unit_interval=True)  # (B, D)
    if cover is not None:
        if (
            not isinstance(cover, (tuple, list))
            or len(cover) != 2
            or tuple(cover[0].shape) != (len(x), 2)
        ):
            raise ValueError(f"cover must be a pair (mu, logvar) of shape ({len(x)}, 2) each")
    half = torch.tensor([extent, extent], dtype=torch.float64)
    _, _, coarse_points = _grid(-half, half, coarse_resolution)  # (G, 2)
    z = coarse_points.to(device=model.device, dtype=model.dtype)
    logits = model.decoder(z)  # (G, D), once for all images
    log_prior = kernels.standard_normal_log_density(z)  # (G,)
    softplus_sum = torch.nn.functional.softplus(logits).sum(-1)  # (G,)
    coarse = (x.to(logits.dtype) @ logits.T - softplus_sum + log_prior).double().cpu()  # (B, G)

    results = []
    for b in range(len(x)):
        log_joint = vae_log_joint(model, x[b])

        def cached(points: Tensor, b: int = b, log_joint: LogJoint = log_joint) -> Tensor:
            if points.shape == coarse_points.shape and torch.equal(points, coarse_points):
                return coarse[b]
            return log_joint(points)

        results.append(
            posterior_on_grid(
                cached,
                extent=extent,
                resolution=resolution,
                coarse_resolution=coarse_resolution,
                log_floor=log_floor,
                chunk_size=max(20000, len(coarse_points)),
                cover=None if cover is None else (cover[0][b], cover[1][b]),
            )
        )
    return results
