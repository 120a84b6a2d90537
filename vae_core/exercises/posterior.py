"""Exercise checkers for chapters 3 and 4 (the posterior, Eq. 2, and the encoder, Eqs. 3-4).

- `check_normalize_on_grid(fn)` (chapter 3): turn log p(x, z) on a grid of cells of area h^2
  into log p(z|x) = log p(x, z) - log p(x), with log p(x) = logsumexp(log p(x, z)) + log h^2.
- `check_gaussian_log_density(fn)` (chapter 4): the encoder's log q(z|x) for
  q = N(mu, diag(exp(logvar))), summed over the latent axis.
- `check_kl_on_grid(fn)` (chapter 4): KL(q || p) = sum_cells q (log q - log p) h^2 from log
  densities on a grid.

Each checker reports a non-finite answer first, refuses one that changes its inputs in place,
names the usual slips (the cell area added instead of subtracted, or left out; a row-wise
normalizer; logvar taken for log sigma; KL(p || q) for KL(q || p) ...) and then tries a second set
of inputs (another grid, K = 1 with Z = 5, q = p), so that sizes written into the code show.
Shapes: N grid points per side, B batch, Z latent dimensions.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from ._report import Report, check_again, check_against, returns_zeros, run_student, screen

LOG_2PI = math.log(2 * math.pi)
GRID_ARGS = ("log_joint", "cell_area")
DENSITY_ARGS = ("z", "mu", "logvar")
KL_ARGS = ("log_q", "log_p", "cell_area")


def _grid(n: int = 41, extent: float = 4.0) -> tuple[Tensor, Tensor, float]:
    z1 = torch.linspace(-extent, extent, n, dtype=torch.float64)
    z2 = torch.linspace(-extent, extent, n + 2, dtype=torch.float64)  # (N1,) != (N2,): axes differ
    zz = torch.stack(torch.meshgrid(z1, z2, indexing="ij"), -1)  # (N1, N2, 2)
    return zz, z2, float((z1[1] - z1[0]) * (z2[1] - z2[0]))


def _log_joint(zz: Tensor) -> Tensor:
    """A skewed, off-centre 2-D log density, scaled like an MNIST log p(x, z) (about -900 nats)."""
    z1, z2 = zz[..., 0], zz[..., 1]
    return -900.0 - 2.0 * (z1 - 0.7) ** 2 - 3.0 * (z2 + 0.4 - 0.3 * z1**2) ** 2


def _normalize_mistakes(log_joint: Tensor, area: float) -> list[tuple[str, Tensor]]:
    lse = torch.logsumexp(log_joint.flatten(), 0)
    log_px = lse + math.log(area)
    return [
        (
            "you forgot the cell area: log p(x) = logsumexp(log_joint) + log(cell_area), because "
            "the integral is a sum of density times area. Your values are probabilities per cell, "
            "not a density.",
            log_joint - lse,
        ),
        (
            "you added the log cell area instead of subtracting it: log p(x) = logsumexp + "
            "log(cell_area), and log p(z|x) = log_joint - log p(x) subtracts both.",
            log_joint - lse + math.log(area),
        ),
        (
            "you used the cell area itself where its log belongs: log p(x) = logsumexp(log_joint) "
            "+ math.log(cell_area).",
            log_joint - lse - area,
        ),
        (
            "you used the cell area itself where its log belongs, and added it: log p(x|z) = "
            "log_joint - logsumexp(log_joint) - math.log(cell_area).",
            log_joint - lse + area,
        ),
        (
            "you multiplied the logsumexp by the cell area; the area multiplies p, so its log is "
            "added: log p(x) = logsumexp(log_joint) + math.log(cell_area).",
            log_joint - lse * area,
        ),
        (
            "you squared the cell area; cell_area is already the area h1 * h2 of one cell.",
            log_joint - lse - 2 * math.log(area),
        ),
        (
            "you normalized each row separately (logsumexp over dim=1 only); p(x) is one number, "
            "the sum over the whole grid (flatten, or reduce over both axes).",
            log_joint - torch.logsumexp(log_joint, 1, keepdim=True) - math.log(area),
        ),
        (
            "you normalized each column separately (logsumexp over dim=0 only); p(x) is one "
            "number, the sum over the whole grid.",
            log_joint - torch.logsumexp(log_joint, 0, keepdim=True) - math.log(area),
        ),
        (
            "you added log p(x) instead of subtracting it: Eq. (2) divides by p(x).",
            log_joint + log_px,
        ),
        ("you returned the log joint itself; subtract log p(x) to normalize it.", log_joint),
        (
            "you subtracted the largest log joint (the max), not log p(x): the max is only the "
            "leading term of logsumexp, and the area is missing.",
            log_joint - log_joint.max(),
        ),
        (
            "you returned the posterior density p(z|x), not its log; the exercise asks for "
            "log p(z|x) (leave out the final exp).",
            (log_joint - log_px).exp(),
        ),
        (
            "you returned the probability of each cell, p(z|x) * cell_area, not the log density.",
            (log_joint - lse).exp(),
        ),
        (
            "you subtracted the log of the mean over cells, not of the integral: "
            "log p(x) = logsumexp(log_joint) + log(cell_area), not logsumexp - log(N1 * N2).",
            log_joint - (lse - math.log(log_joint.numel())),
        ),
    ]


def check_normalize_on_grid(fn: Callable[[Tensor, float], Tensor]) -> Report:
    """fn(log_joint (N1, N2), cell_area) -> log_posterior (N1, N2) that integrates to 1."""
    report = Report("normalize_on_grid")
    zz, _, area = _grid()
    log_joint = _log_joint(zz)  # (N1, N2)
    log_px = torch.logsumexp(log_joint.flatten(), 0) + math.log(area)
    expected = log_joint - log_px
    got = run_student(report, fn, log_joint.clone(), area, names=GRID_ARGS)
    underflow = (
        "The log joint is about -900 nats, so exp() underflows to 0 and the normalizer "
        "is 0 (log 0 = -inf, and -inf - (-inf) is NaN). Use torch.logsumexp over all "
        "cells: it never leaves log space."
    )
    if not report.passed or not screen(
        report, "log p(z|x)", got, nan=underflow, neg_inf=underflow, pos_inf=underflow
    ):
        return report
    if returns_zeros(
        report,
        got,
        expected,
        "subtract log p(x) = logsumexp(log_joint) + log(cell_area) from every cell.",
    ):
        return report
    if not check_against(
        report,
        "log p(z|x)",
        got,
        expected,
        _normalize_mistakes(log_joint, area),
        rtol=1e-6,
        atol=1e-6,
        hint="log p(x) = torch.logsumexp(log_joint.flatten(), 0) + "
        "math.log(cell_area); subtract it from every cell.",
    ):
        return report
    # A coarser grid with cells larger than 1 (the log area changes sign) and another log joint.
    zz, _, area = _grid(9, 6.0)
    log_joint = _log_joint(zz) + 300.0  # (N1, N2)
    check_again(
        report,
        f"a coarser 9 x 11 grid with cells of area {area:.2g}",
        fn,
        (log_joint, area),
        log_joint - torch.logsumexp(log_joint.flatten(), 0) - math.log(area),
        names=GRID_ARGS,
        rtol=1e-6,
        atol=1e-6,
        name="log p(z|x)",
    )
    return report


def _density_mistakes(
    z: Tensor, mu: Tensor, logvar: Tensor, expected: Tensor
) -> list[tuple[str, Tensor]]:
    var, std = logvar.exp(), (0.5 * logvar).exp()
    per_dim = -0.5 * (LOG_2PI + logvar + (z - mu) ** 2 / var)  # (K, B, Z)
    return [
        (
            "you used logvar as if it were log sigma (the log standard deviation), or passed the "
            "variance exp(logvar) as the scale of torch.distributions.Normal; logvar is "
            "log sigma^2, so sigma = exp(logvar / 2) and the normalizer is -logvar / 2.",
            (-0.5 * LOG_2PI - logvar - 0.5 * (z - mu) ** 2 / (2 * logvar).exp()).sum(-1),
        ),
        (
            "you divided (z - mu)^2 by sigma instead of sigma^2 = exp(logvar).",
            (-0.5 * (LOG_2PI + logvar + (z - mu) ** 2 / std)).sum(-1),
        ),
        (
            "you multiplied (z - mu)^2 by the variance; divide by it: (z - mu)^2 / exp(logvar), "
            "or times exp(-logvar).",
            (-0.5 * (LOG_2PI + logvar + (z - mu) ** 2 * var)).sum(-1),
        ),
        (
            "you left out the normalizing constant -log(2 pi) / 2 per latent dimension.",
            (-0.5 * (logvar + (z - mu) ** 2 / var)).sum(-1),
        ),
        (
            "you subtracted log(2 pi) / 2 once per sample instead of once per latent dimension: "
            "it sits inside the sum over Z.",
            (-0.5 * (logvar + (z - mu) ** 2 / var)).sum(-1) - 0.5 * LOG_2PI,
        ),
        (
            "you left out the -logvar / 2 term (the log of 1/sigma in the normalizer).",
            (-0.5 * (LOG_2PI + (z - mu) ** 2 / var)).sum(-1),
        ),
        (
            "the 1/2 in front of (z - mu)^2 / sigma^2 is missing.",
            (-0.5 * (LOG_2PI + logvar) - (z - mu) ** 2 / var).sum(-1),
        ),
        (
            "you have the wrong sign: log q(z|x) is largest at z = mu and falls off away from it; "
            "yours rises.",
            -expected,
        ),
        (
            "you averaged over the latent dimensions; the log density of independent coordinates "
            "is their sum.",
            per_dim.mean(-1),
        ),
        ("you returned the density q(z|x) itself; the exercise asks for its log.", expected.exp()),
        (
            "you evaluated the density at mu instead of at the samples z (z - mu is zero for you).",
            (-0.5 * (LOG_2PI + logvar)).sum(-1).expand_as(expected),
        ),
        (
            "you used the standard normal N(0, I) (the prior p(z)), not the encoder's "
            "N(mu, exp(logvar)).",
            (-0.5 * (LOG_2PI + z**2)).sum(-1),
        ),
    ]


def check_gaussian_log_density(fn: Callable[[Tensor, Tensor, Tensor], Tensor]) -> Report:
    """fn(z (K, B, Z), mu (B, Z), logvar (B, Z)) -> log q(z) (K, B), Eq. (4) as a density."""
    report = Report("gaussian_log_density")
    gen = torch.Generator().manual_seed(4)
    mu = torch.randn(3, 2, generator=gen)  # (B, Z)
    logvar = torch.randn(3, 2, generator=gen) - 1.0  # (B, Z), variances unlike 1
    z = mu + 2 * torch.randn(5, 3, 2, generator=gen)  # (K, B, Z)
    expected = (-0.5 * (LOG_2PI + logvar + (z - mu) ** 2 / logvar.exp())).sum(-1)  # (K, B)
    got = run_student(report, fn, z.clone(), mu.clone(), logvar.clone(), names=DENSITY_ARGS)
    if not report.passed or not screen(
        report,
        "log q(z|x)",
        got,
        nan="logvar is already a logarithm and can be negative: do not take its log or "
        "square root; sigma^2 = exp(logvar).",
        neg_inf="Stay in log space: do not take the log of a density computed with exp().",
    ):
        return report
    if returns_zeros(
        report,
        got,
        expected,
        "write -1/2 sum_j (log 2 pi + logvar_j + (z_j - mu_j)^2 / exp(logvar_j)).",
    ):
        return report
    if got.shape == z.shape:
        report.problems.append(
            "log q(z|x) has shape (K, B, Z): sum the per-coordinate log "
            "densities over the last axis (Z) for shape (K, B)."
        )
        return report
    if got.shape == mu.shape:
        report.problems.append(
            "log q(z|x) has shape (B, Z) = that of mu: you reduced over the "
            "sample axis K (dim 0); keep it and sum over the last axis (Z)."
        )
        return report
    if not check_against(
        report,
        "log q(z|x)",
        got,
        expected,
        _density_mistakes(z, mu, logvar, expected),
        rtol=1e-4,
        atol=1e-4,
        hint="log q = -1/2 sum_j (log 2 pi + logvar_j + (z_j - mu_j)^2 / exp(logvar_j)).",
    ):
        return report
    gen = torch.Generator().manual_seed(40)
    mu = 3 * torch.randn(4, 5, generator=gen)  # (B, Z) with Z = 5
    logvar = 4 * torch.rand(4, 5, generator=gen) - 6  # (B, Z): narrow posteriors
    z = mu + torch.randn(1, 4, 5, generator=gen)  # (K, B, Z) with K = 1
    check_again(
        report,
        "K = 1 sample of B = 4 images with Z = 5 and logvar in [-6, -2]",
        fn,
        (z, mu, logvar),
        (-0.5 * (LOG_2PI + logvar + (z - mu) ** 2 / logvar.exp())).sum(-1),
        names=DENSITY_ARGS,
        rtol=1e-4,
        atol=1e-3,
        name="log q(z|x)",
    )
    return report


def _kl_mistakes(log_q: Tensor, log_p: Tensor, area: float) -> list[tuple[str, Tensor]]:
    q, p = log_q.exp(), log_p.exp()
    expected = (q * (log_q - log_p)).sum() * area
    return [
        (
            "you computed KL(p || q), the other direction: weight the log ratio by q, since the "
            "chapter measures KL(q || p) = E_q[log q - log p].",
            (p * (log_p - log_q)).sum() * area,
        ),
        (
            "you forgot the cell area: the integral is a sum over cells of (integrand) x (area).",
            (q * (log_q - log_p)).sum(),
        ),
        (
            "you divided by the cell area; the integral multiplies each cell's integrand by it.",
            (q * (log_q - log_p)).sum() / area,
        ),
        (
            "you added the cell area; the integral multiplies each cell's integrand by it.",
            (q * (log_q - log_p)).sum() + area,
        ),
        ("you have the sign of the log ratio reversed: it is log q - log p.", -expected),
        (
            "you averaged the log ratio over cells without weighting by q(z).",
            (log_q - log_p).mean(),
        ),
        (
            "you summed the log ratio over cells without weighting by q(z) = exp(log_q).",
            (log_q - log_p).sum() * area,
        ),
        (
            "you weighted the log ratio by log q; the weight is the density q = exp(log_q).",
            (log_q * (log_q - log_p)).sum() * area,
        ),
        (
            "you subtracted the densities, q - p; the KL weights the difference of their logs, "
            "log q - log p.",
            (q * (q - p)).sum() * area,
        ),
        (
            "you took the mean over cells instead of the sum times the area.",
            (q * (log_q - log_p)).mean(),
        ),
    ]


def check_kl_on_grid(fn: Callable[[Tensor, Tensor, float], Tensor]) -> Report:
    """fn(log_q (N1, N2), log_p (N1, N2), cell_area) -> KL(q || p), a scalar tensor, in nats."""
    report = Report("kl_on_grid")
    zz, _, area = _grid(61, 6.0)
    log_p = _log_joint(zz)
    log_p = log_p - (torch.logsumexp(log_p.flatten(), 0) + math.log(area))  # a density
    mean, std = (
        torch.tensor([0.5, -0.2], dtype=torch.float64),
        torch.tensor([0.6, 0.45], dtype=torch.float64),
    )
    log_q = (-0.5 * (LOG_2PI + 2 * std.log() + ((zz - mean) / std) ** 2)).sum(-1)
    expected = (log_q.exp() * (log_q - log_p)).sum() * area
    got = run_student(report, fn, log_q.clone(), log_p.clone(), area, names=KL_ARGS)
    if not report.passed:
        return report
    if isinstance(got, (float, int)) and not isinstance(got, bool):
        got = torch.tensor(float(got), dtype=torch.float64)
    if not screen(
        report,
        "KL(q || p)",
        got,
        nan="q * log(q / p) is 0 * (-inf) = NaN where q underflows to 0: use the log "
        "densities you are given, exp(log_q) * (log_q - log_p).",
        pos_inf="Do not divide the densities (p underflows to 0): subtract the logs.",
    ):
        return report
    if got.numel() != 1:
        report.problems.append(
            f"KL(q || p) has shape {tuple(got.shape)}: the KL is one number, the sum over all "
            f"cells of q (log q - log p) times the cell area (a scalar tensor, shape ())."
        )
        return report
    if returns_zeros(
        report,
        got.reshape(()),
        expected,
        "sum exp(log_q) * (log_q - log_p) over the cells and multiply by the cell area.",
    ):
        return report
    if not check_against(
        report,
        "KL(q || p)",
        got.reshape(()),
        expected,
        _kl_mistakes(log_q, log_p, area),
        rtol=1e-5,
        atol=1e-6,
        hint="KL = sum over cells of exp(log_q) * (log_q - log_p) * cell_area.",
    ):
        return report
    # q = p must give 0; a different grid must give its own value.
    zero = run_student(report, fn, log_q.clone(), log_q.clone(), area, names=KL_ARGS)
    if isinstance(zero, (float, int)) and not isinstance(zero, bool):
        zero = torch.tensor(float(zero), dtype=torch.float64)
    if report.passed and screen(report, "KL(q || q)", zero):
        if not (zero.numel() == 1 and abs(float(zero.detach().reshape(()))) < 1e-9):
            report.problems.append(
                "KL(q || q) must be exactly 0 (the log ratio is 0 in every "
                f"cell), but yours is {float(zero.detach().flatten()[0]):.6g}."
            )
    return report


__all__ = ["check_normalize_on_grid", "check_gaussian_log_density", "check_kl_on_grid"]
