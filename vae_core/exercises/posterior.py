"""Exercise checkers for chapters 3 and 4 (the posterior, Eq. 2, and the encoder, Eqs. 3-4).

- `check_normalize_on_grid(fn)` (chapter 3): turn log p(x, z) on a grid of cells of area h^2
  into log p(z|x) = log p(x, z) - log p(x), with log p(x) = logsumexp(log p(x, z)) + log h^2.
- `check_gaussian_log_density(fn)` (chapter 4): the encoder's log q(z|x) for
  q = N(mu, diag(exp(logvar))), summed over the latent axis.
- `check_kl_on_grid(fn)` (chapter 4): KL(q || p) = sum_cells q (log q - log p) h^2 from log
  densities on a grid.

Shapes: N grid points per side, B batch, Z latent dimensions.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor

from ._report import Report, check_against, run_student

LOG_2PI = math.log(2 * math.pi)


def _grid(n: int = 41, extent: float = 4.0) -> tuple[Tensor, Tensor, float]:
    z1 = torch.linspace(-extent, extent, n, dtype=torch.float64)
    z2 = torch.linspace(-extent, extent, n + 2, dtype=torch.float64)  # (N1,) != (N2,): axes differ
    zz = torch.stack(torch.meshgrid(z1, z2, indexing="ij"), -1)  # (N1, N2, 2)
    return zz, z2, float((z1[1] - z1[0]) * (z2[1] - z2[0]))


def _log_joint(zz: Tensor) -> Tensor:
    """A skewed, off-centre 2-D log density, scaled like an MNIST log p(x, z) (about -900 nats)."""
    z1, z2 = zz[..., 0], zz[..., 1]
    return -900.0 - 2.0 * (z1 - 0.7) ** 2 - 3.0 * (z2 + 0.4 - 0.3 * z1 ** 2) ** 2


def check_normalize_on_grid(fn: Callable[[Tensor, float], Tensor]) -> Report:
    """fn(log_joint (N1, N2), cell_area) -> log_posterior (N1, N2) that integrates to 1."""
    report = Report("normalize_on_grid")
    zz, _, area = _grid()
    log_joint = _log_joint(zz)  # (N1, N2)
    log_px = torch.logsumexp(log_joint.flatten(), 0) + math.log(area)
    expected = log_joint - log_px
    got = run_student(report, fn, log_joint.clone(), area)
    if not report.passed:
        return report
    mistakes = {
        "you forgot the cell area: log p(x) = logsumexp(log_joint) + log(cell_area), because "
        "the integral is a sum of density times area. Your values are probabilities per cell, "
        "not a density.": log_joint - torch.logsumexp(log_joint.flatten(), 0),
        "you normalized each row separately (logsumexp over dim=1 only); p(x) is one number, the "
        "sum over the whole grid (flatten, or reduce over both axes).":
            log_joint - torch.logsumexp(log_joint, 1, keepdim=True) - math.log(area),
        "you normalized each column separately (logsumexp over dim=0 only); p(x) is one number, "
        "the sum over the whole grid.":
            log_joint - torch.logsumexp(log_joint, 0, keepdim=True) - math.log(area),
        "you added log p(x) instead of subtracting it: Eq. (2) divides by p(x).":
            log_joint + log_px,
        "you returned the log joint itself; subtract log p(x) to normalize it.": log_joint,
    }
    ok = check_against(report, "log p(z|x)", got, expected, mistakes, rtol=1e-6, atol=1e-6)
    if not ok and isinstance(got, Tensor) and not torch.isfinite(got.detach()).all():
        report.problems.append(
            "the log joint is about -900 nats, so exp() underflows to 0 and the normalizer is 0. "
            "Use torch.logsumexp over all cells: it never leaves log space.")
    return report


def check_gaussian_log_density(fn: Callable[[Tensor, Tensor, Tensor], Tensor]) -> Report:
    """fn(z (K, B, Z), mu (B, Z), logvar (B, Z)) -> log q(z) (K, B), Eq. (4) as a density."""
    report = Report("gaussian_log_density")
    gen = torch.Generator().manual_seed(4)
    mu = torch.randn(3, 2, generator=gen)  # (B, Z)
    logvar = torch.randn(3, 2, generator=gen) - 1.0  # (B, Z), variances unlike 1
    z = mu + 2 * torch.randn(5, 3, 2, generator=gen)  # (K, B, Z)
    var = logvar.exp()
    per_dim = -0.5 * (LOG_2PI + logvar + (z - mu) ** 2 / var)  # (K, B, Z)
    expected = per_dim.sum(-1)
    got = run_student(report, fn, z.clone(), mu.clone(), logvar.clone())
    if not report.passed:
        return report
    std = (0.5 * logvar).exp()
    mistakes = {
        "you used logvar as if it were log sigma (the log standard deviation); logvar is "
        "log sigma^2, so sigma = exp(logvar / 2) and the normalizer is -logvar / 2.":
            (-0.5 * LOG_2PI - logvar - 0.5 * (z - mu) ** 2 / (2 * logvar).exp()).sum(-1),
        "you divided (z - mu)^2 by sigma instead of sigma^2 = exp(logvar).":
            (-0.5 * (LOG_2PI + logvar + (z - mu) ** 2 / std)).sum(-1),
        "you left out the normalizing constant -log(2 pi) / 2 per latent dimension.":
            (-0.5 * (logvar + (z - mu) ** 2 / var)).sum(-1),
        "you left out the -logvar / 2 term (the log of 1/sigma in the normalizer).":
            (-0.5 * (LOG_2PI + (z - mu) ** 2 / var)).sum(-1),
        "you have the wrong sign: log q(z|x) is largest at z = mu and falls off away from it; "
        "yours rises.": -expected,
        "you averaged over the latent dimensions; the log density of independent coordinates "
        "is their sum.": per_dim.mean(-1),
    }
    ok = check_against(report, "log q(z|x)", got, expected, mistakes, rtol=1e-4, atol=1e-4)
    if not ok and isinstance(got, Tensor) and got.shape == per_dim.shape:
        report.problems.append("sum the per-coordinate log densities over the last axis (Z).")
    return report


def check_kl_on_grid(fn: Callable[[Tensor, Tensor, float], Tensor]) -> Report:
    """fn(log_q (N1, N2), log_p (N1, N2), cell_area) -> KL(q || p), a scalar tensor, in nats."""
    report = Report("kl_on_grid")
    zz, _, area = _grid(61, 6.0)
    log_p = _log_joint(zz)
    log_p = log_p - (torch.logsumexp(log_p.flatten(), 0) + math.log(area))  # a density
    mean, std = torch.tensor([0.5, -0.2], dtype=torch.float64), torch.tensor([0.6, 0.45],
                                                                             dtype=torch.float64)
    log_q = (-0.5 * (LOG_2PI + 2 * std.log() + ((zz - mean) / std) ** 2)).sum(-1)
    q, p = log_q.exp(), log_p.exp()
    expected = (q * (log_q - log_p)).sum() * area
    got = run_student(report, fn, log_q.clone(), log_p.clone(), area)
    if not report.passed:
        return report
    if isinstance(got, (float, int)):
        got = torch.tensor(float(got), dtype=torch.float64)
    mistakes = {
        "you computed KL(p || q), the other direction: weight the log ratio by q, since the "
        "chapter measures KL(q || p) = E_q[log q - log p].": (p * (log_p - log_q)).sum() * area,
        "you forgot the cell area: the integral is a sum over cells of (integrand) x (area).":
            (q * (log_q - log_p)).sum(),
        "you have the sign of the log ratio reversed: it is log q - log p.": -expected,
        "you averaged the log ratio over cells without weighting by q(z).":
            (log_q - log_p).mean(),
    }
    check_against(report, "KL(q || p)", got, expected, mistakes, rtol=1e-5, atol=1e-6)
    return report


__all__ = ["check_normalize_on_grid", "check_gaussian_log_density", "check_kl_on_grid"]
