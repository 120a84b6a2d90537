"""Chapter 8 (training on MNIST): write the loss of one batch as a negative ELBO per image, in nats.

The student's function takes the per-pixel binary cross-entropy `bce` (B, D), i.e.
-log p(x_d | z) for each pixel, and the encoder's `mu`, `logvar` (B, Z); it returns (B,):

    -ELBO(x) = sum_d BCE_d + KL(q(z|x) || p(z))    (Eq. (8) with the sign flipped, Eq. (11) for KL)

The checker reports NaN/inf first, refuses in-place changes of bce, mu or logvar, names the usual
slips (a batch sum or mean, a sign, a missing term, the KL's own slips) and reruns with D = 10,
Z = 2.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from ..config import PIXELS
from ..objective import kl_closed_form
from ._report import Report, compare, name_mistake, returns_zeros, run_student, screen

ARGS = ("bce", "mu", "logvar")


def _inputs(batch: int, pixels: int, latent: int, seed: int) -> tuple[Tensor, Tensor, Tensor]:
    gen = torch.Generator().manual_seed(seed)
    bce = torch.rand(batch, pixels, generator=gen) * 0.7  # (B, D) >= 0, like real BCE
    mu = torch.randn(batch, latent, generator=gen)  # (B, Z)
    logvar = torch.randn(batch, latent, generator=gen) * 0.5 - 1.0  # (B, Z)
    return bce, mu, logvar


def _mistakes(bce: Tensor, mu: Tensor, logvar: Tensor, kl: Tensor) -> list[tuple[str, Tensor]]:
    """Wrong answers a student is likely to produce, each with the sentence that explains it."""
    reconstruction = bce.sum(-1)  # (B,)
    per_image = reconstruction + kl  # (B,)
    terms = 1 + logvar - mu.pow(2) - logvar.exp()  # (B, Z)
    mistakes = [
        (
            "you return one number for the whole batch (the sum over images, as the reference "
            "loop's loss with reduction='sum'); return one number per image, shape (B,): "
            "sum over the last axis only.",
            per_image.sum(),
        ),
        (
            "you return the batch mean; that is the training loss, but the exercise asks for "
            "one number per image, shape (B,): sum over the last axis only.",
            per_image.mean(),
        ),
        (
            "you average the BCE over pixels (like reduction='mean'); the log-likelihood of an "
            "image is the sum over its D pixels.",
            bce.mean(-1) + kl,
        ),
        (
            "the KL has the wrong sign: the negative ELBO adds KL(q || p) >= 0 to the "
            "reconstruction term.",
            reconstruction - kl,
        ),
        (
            "the reconstruction term has the wrong sign: bce is already minus the log-likelihood, "
            "so add it as it is.",
            -reconstruction + kl,
        ),
        (
            "you return the ELBO itself; the exercise asks for minus the ELBO, "
            "bce.sum(-1) + KL (a positive number of nats).",
            -per_image,
        ),
        ("the KL term is missing: -ELBO = reconstruction + KL.", reconstruction),
        ("the reconstruction term is missing: add bce summed over pixels.", kl),
        (
            "the KL is summed over the whole batch; each image has its own KL, summed over its Z "
            "latent dimensions.",
            reconstruction + kl.sum(),
        ),
        (
            "the reconstruction term is summed over the whole batch; each image has its own, "
            "bce summed over its D pixels (dim=-1).",
            bce.sum() + kl,
        ),
        (
            "the KL is averaged over the latent dimensions; equation (11) sums them.",
            reconstruction - 0.5 * terms.mean(-1),
        ),
        ("the KL is twice too large: Eq. (11) has a factor 1/2.", reconstruction + 2 * kl),
        (
            "the KL is half the size it should be: the factor is 1/2, applied once.",
            reconstruction + 0.5 * kl,
        ),
        (
            "in the KL you used the standard deviation exp(logvar / 2) where the variance "
            "exp(logvar) belongs.",
            reconstruction - 0.5 * (1 + logvar - mu.pow(2) - (0.5 * logvar).exp()).sum(-1),
        ),
        (
            "in the KL the constant 1 is missing: -1/2 sum(1 + logvar - mu^2 - exp(logvar)).",
            reconstruction - 0.5 * (logvar - mu.pow(2) - logvar.exp()).sum(-1),
        ),
        (
            "in the KL the mu^2 term is missing: -1/2 sum(1 + logvar - mu^2 - exp(logvar)).",
            reconstruction - 0.5 * (1 + logvar - logvar.exp()).sum(-1),
        ),
    ]
    return mistakes


def check_negative_elbo_per_image(fn: Callable[[Tensor, Tensor, Tensor], Tensor]) -> Report:
    """Run fn(bce, mu, logvar) on made-up terms and say what, if anything, is wrong."""
    report = Report("negative ELBO per image")
    bce, mu, logvar = _inputs(batch=6, pixels=PIXELS, latent=20, seed=0)
    reconstruction = bce.sum(-1)  # (B,)
    kl = kl_closed_form(mu, logvar)  # (B,)
    expected = reconstruction + kl  # (B,)
    got = run_student(report, fn, bce.clone(), mu.clone(), logvar.clone(), names=ARGS)
    if not report.passed or not screen(
        report,
        "negative ELBO",
        got,
        nan="logvar is already a logarithm and can be negative: do not take its log or "
        "square root; the variance is exp(logvar).",
        pos_inf="bce is already a loss per pixel: do not exponentiate it.",
    ):
        return report
    if returns_zeros(report, got, expected, "return bce.sum(-1) plus the KL of equation (11)."):
        return report
    if got.shape == bce.shape:
        report.problems.append(
            "your answer has shape (B, D), one value per pixel: sum bce over "
            "the pixel axis (dim=-1) and add the KL for shape (B,)."
        )
        return report
    if got.shape == mu.shape:
        report.problems.append(
            "your answer has shape (B, Z): sum the KL's terms over the latent "
            "axis (dim=-1), one KL per image, shape (B,)."
        )
        return report
    if name_mistake(report, got, expected, _mistakes(bce, mu, logvar, kl), rtol=1e-4, atol=1e-3):
        return report
    if not compare(
        report,
        "negative ELBO",
        got,
        expected,
        rtol=1e-4,
        atol=1e-3,
        hint="-ELBO = bce.sum(-1) + KL, with KL = -1/2 sum(1 + logvar - mu^2 - "
        "exp(logvar)) over the last axis.",
    ):
        return report
    bce, mu, logvar = _inputs(batch=3, pixels=10, latent=2, seed=1)
    try:
        other = fn(bce, mu, logvar)
    except Exception as error:
        report.problems.append(
            f"correct for D = {PIXELS}, Z = 20, but it raised {type(error).__name__} for D = 10, "
            f"Z = 2: do not write the sizes into the code; sum over the last axis."
        )
        return report
    compare(
        report,
        "negative ELBO (D = 10, Z = 2)",
        other,
        bce.sum(-1) + kl_closed_form(mu, logvar),
        rtol=1e-4,
        atol=1e-3,
        hint=f"right for {PIXELS} pixels but not for 10: do not write the sizes into the code.",
    )
    return report
