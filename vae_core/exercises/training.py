"""Chapter 8 (training on MNIST): write the loss of one batch as a negative ELBO per image, in nats.

The student's function takes the per-pixel binary cross-entropy `bce` (B, D), i.e.
-log p(x_d | z) for each pixel, and the encoder's `mu`, `logvar` (B, Z); it returns (B,):

    -ELBO(x) = sum_d BCE_d + KL(q(z|x) || p(z))    (Eq. (8) with the sign flipped, Eq. (11) for KL)
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from ..config import PIXELS
from ..objective import kl_closed_form
from ._report import Report, compare, name_mistake, run_student


def _inputs(batch: int, pixels: int, latent: int, seed: int) -> tuple[Tensor, Tensor, Tensor]:
    gen = torch.Generator().manual_seed(seed)
    bce = torch.rand(batch, pixels, generator=gen) * 0.7  # (B, D) >= 0, like real BCE
    mu = torch.randn(batch, latent, generator=gen)  # (B, Z)
    logvar = torch.randn(batch, latent, generator=gen) * 0.5 - 1.0  # (B, Z)
    return bce, mu, logvar


def _mistakes(bce: Tensor, kl: Tensor) -> list[tuple[str, Tensor]]:
    """Wrong answers a student is likely to produce, each with the sentence that explains it."""
    reconstruction = bce.sum(-1)  # (B,)
    per_image = reconstruction + kl  # (B,)
    return [
        ("you return one number for the whole batch (the sum over images, as the reference "
         "loop's loss with reduction='sum'); return one number per image, shape (B,): "
         "sum over the last axis only.", per_image.sum()),
        ("you return the batch mean; that is the training loss, but the exercise asks for "
         "one number per image, shape (B,): sum over the last axis only.", per_image.mean()),
        ("you average the BCE over pixels (like reduction='mean'); the log-likelihood of an "
         "image is the sum over its D pixels.", bce.mean(-1) + kl),
        ("the KL has the wrong sign: the negative ELBO adds KL(q || p) >= 0 to the "
         "reconstruction term.", reconstruction - kl),
        ("the KL term is missing: -ELBO = reconstruction + KL.", reconstruction),
        ("the reconstruction term is missing: add bce summed over pixels.", kl),
        ("the KL is summed over the whole batch; each image has its own KL, summed over its Z "
         "latent dimensions.", reconstruction + kl.sum()),
        ("the KL is twice too large: Eq. (11) has a factor 1/2.", reconstruction + 2 * kl),
    ]


def check_negative_elbo_per_image(fn: Callable[[Tensor, Tensor, Tensor], Tensor]) -> Report:
    """Run fn(bce, mu, logvar) on made-up terms and say what, if anything, is wrong."""
    report = Report("negative ELBO per image")
    bce, mu, logvar = _inputs(batch=6, pixels=PIXELS, latent=20, seed=0)
    reconstruction = bce.sum(-1)  # (B,)
    kl = kl_closed_form(mu, logvar)  # (B,)
    expected = reconstruction + kl  # (B,)
    got = run_student(report, fn, bce.clone(), mu.clone(), logvar.clone())
    if not report.passed:
        return report
    if name_mistake(report, got, expected, _mistakes(bce, kl), rtol=1e-4, atol=1e-3):
        return report
    if not compare(report, "negative ELBO", got, expected, rtol=1e-4, atol=1e-3,
                   hint="-ELBO = bce.sum(-1) + KL, with KL = -1/2 sum(1 + logvar - mu^2 - "
                        "exp(logvar)) over the last axis."):
        return report
    bce, mu, logvar = _inputs(batch=3, pixels=10, latent=2, seed=1)
    try:
        other = fn(bce, mu, logvar)
    except Exception as error:
        report.problems.append(
            f"correct for D = {PIXELS}, Z = 20, but it raised {type(error).__name__} for D = 10, "
            f"Z = 2: do not write the sizes into the code; sum over the last axis.")
        return report
    compare(report, "negative ELBO (D = 10, Z = 2)", other,
            bce.sum(-1) + kl_closed_form(mu, logvar), rtol=1e-4, atol=1e-3,
            hint=f"right for {PIXELS} pixels but not for 10: do not write the sizes into the code.")
    return report
