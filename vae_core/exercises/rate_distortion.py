"""Chapter 11 exercise: the activity of each latent unit (Burda et al. 2016),

    A_u = Cov_x(E_q(z|x)[z_u]) = the variance over the images of mu_u(x),

from the posterior means of N images: (N, Z) -> (Z,). A unit is active when A_u > 0.01.

`check_unit_activity(fn)` runs `fn(mu)` on fixed means and names the usual slips: the variance
over the latent axis instead of over the images, the standard deviation, the second moment
E[mu^2] without subtracting the mean, the mean itself, one variance of all the numbers. The
unbiased (divide by N - 1) and the plain (divide by N) variance are both accepted.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from ..rate_distortion import unit_activity
from ._report import Report, check_again, close, name_mistake, returns_zeros, run_student, screen

EXERCISE = "Activity of the latent units"
ARGS = ("mu",)


def _inputs() -> Tensor:
    """N = 7 images, Z = 4 units (N != Z): a unit that moves, one that sits still far from 0,
    one that barely moves, one that moves a lot."""
    g = torch.Generator().manual_seed(12)
    noise = torch.randn(7, 4, generator=g, dtype=torch.float64)  # (N, Z)
    scale = torch.tensor([1.0, 0.0, 0.03, 3.0], dtype=torch.float64)
    offset = torch.tensor([0.5, 2.0, -1.0, 0.0], dtype=torch.float64)
    return noise * scale + offset  # (N, Z)


def _mistakes(mu: Tensor) -> list[tuple[str, Tensor]]:
    """Wrong answers a student is likely to produce, each with the sentence that explains it."""
    return [
        (
            "you took the variance over the latent axis (dim=-1 or dim=1): A_u is the spread of "
            "one unit's mean across the images, so take it over the images, dim=0.",
            mu.var(dim=-1),
        ),
        (
            "you took the variance over the latent axis (dim=-1 or dim=1): A_u is the spread of "
            "one unit's mean across the images, so take it over the images, dim=0.",
            mu.var(dim=-1, correction=0),
        ),
        (
            "you return the standard deviation; A_u is a (co)variance, the square of it. With "
            "the threshold 0.01 the difference decides which units count.",
            mu.std(dim=0),
        ),
        (
            "you return the standard deviation; A_u is a (co)variance, the square of it. With "
            "the threshold 0.01 the difference decides which units count.",
            mu.std(dim=0, correction=0),
        ),
        (
            "you forgot to subtract the mean: E_x[mu_u^2] is not a variance. A unit whose mean "
            "sits at 2 for every image carries nothing, yet would count as active.",
            mu.pow(2).mean(0),
        ),
        (
            "you return the average of mu over the images, not how much it varies: a unit is "
            "active when its mean changes from image to image.",
            mu.mean(0),
        ),
        (
            "you return one variance of all the numbers together; return one per unit, shape "
            "(Z,): the variance over the images, dim=0.",
            mu.var(),
        ),
        (
            "you return one variance of all the numbers together; return one per unit, shape "
            "(Z,): the variance over the images, dim=0.",
            mu.var(correction=0),
        ),
        (
            "you averaged the absolute deviations from the mean; A_u is the mean of the squared "
            "deviations (a variance).",
            (mu - mu.mean(0)).abs().mean(0),
        ),
    ]


def check_unit_activity(activity_fn: Callable[[Tensor], Tensor]) -> Report:
    """Check activity_fn(mu) -> (Z,) against A_u = Var_x mu_u(x); say in plain words what is wrong."""
    report = Report(EXERCISE)
    mu = _inputs()
    unbiased = unit_activity(mu)  # (Z,), divides by N - 1
    plain = mu.var(dim=0, correction=0)  # (Z,), divides by N
    got = run_student(report, activity_fn, mu.clone(), names=ARGS)
    if not report.passed or not screen(report, "A_u", got):
        return report
    if returns_zeros(report, got, unbiased, "fill in the variance of each unit's mean."):
        return report
    if close(got, plain, rtol=1e-6, atol=1e-9):
        expected = plain
    else:
        expected = unbiased
        if name_mistake(report, got, unbiased, _mistakes(mu), rtol=1e-6, atol=1e-9):
            return report
        if not close(got, unbiased, rtol=1e-6, atol=1e-9):
            shape = tuple(got.shape)
            report.problems.append(
                f"A_u should have shape {tuple(unbiased.shape)} (one value per unit) and equal "
                f"the variance of each column of mu; got shape {shape}"
                + (f", values {got.detach().tolist()}" if got.numel() <= 8 else "")
                + f", expected about {[round(v, 4) for v in unbiased.tolist()]}."
            )
            return report
    # Again on a larger set: many images, one unit that never moves (activity exactly 0).
    g = torch.Generator().manual_seed(13)
    mu2 = torch.randn(50, 3, generator=g, dtype=torch.float64) * torch.tensor(
        [0.0, 0.2, 1.5], dtype=torch.float64
    )  # (N, Z)
    reference = mu2.var(dim=0, correction=0 if expected is plain else 1)
    check_again(
        report,
        "50 images, 3 units, one of them constant",
        activity_fn,
        (mu2,),
        reference,
        names=ARGS,
        rtol=1e-6,
        atol=1e-9,
        name="A_u",
    )
    return report
