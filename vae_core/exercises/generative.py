"""Exercise checkers for chapter 1 (latent-variable models and the generative story).

- `check_sample_pixels(fn)`: turn decoder logits and uniform noise into binary pixels,
  x_d = 1 if u_d < sigmoid(logit_d) else 0, a sample of Bernoulli(sigmoid(logit_d)).
- `check_log_likelihood(fn)`: log p(x|z) = sum_d [x_d log p_d + (1 - x_d) log(1 - p_d)],
  p_d = sigmoid(logit_d), computed from logits without overflow.

Shapes: B batch, D pixels.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from ..objective import bernoulli_log_likelihood as reference_log_likelihood
from ._report import Report, check_against, run_student


def _example(seed: int, batch: int = 3, pixels: int = 7) -> tuple[Tensor, Tensor]:
    gen = torch.Generator().manual_seed(seed)
    logits = 4 * torch.randn(batch, pixels, generator=gen)  # (B, D)
    logits[0, 0], logits[1, 1] = 60.0, -60.0  # saturated pixels: log(sigmoid) would overflow
    u = torch.rand(batch, pixels, generator=gen)  # (B, D)
    return logits, u


def check_sample_pixels(fn: Callable[[Tensor, Tensor], Tensor]) -> Report:
    """fn(logits (B, D), u (B, D) uniform in [0, 1)) -> binary x (B, D) with x = [u < sigmoid(logits)]."""
    report = Report("sample_pixels")
    logits, u = _example(0)
    probs = torch.sigmoid(logits)
    expected = (u < probs).float()
    got = run_student(report, fn, logits, u)
    if not report.passed:
        return report
    if isinstance(got, Tensor) and got.dtype == torch.bool:
        got = got.float()
    mistakes = {
        "you compared u with the logits, not with the probabilities sigmoid(logits); a logit of "
        "0 means probability 0.5, so apply torch.sigmoid first.": (u < logits).float(),
        "the comparison is reversed: a pixel should be 1 with probability p, which happens when "
        "u < p (u > p happens with probability 1 - p).": (u > probs).float(),
        "you returned the probabilities themselves (the Bernoulli means), not a binary "
        "sample.": probs,
        "you rounded the probabilities (the most likely image), which ignores u; a sample "
        "must use the noise.": (probs > 0.5).float(),
    }
    if check_against(report, "x", got, expected, mistakes):
        values = torch.unique(got.detach().float())
        if not set(values.tolist()) <= {0.0, 1.0}:  # pragma: no cover - caught above
            report.problems.append("x must contain only 0s and 1s.")
    return report


def check_log_likelihood(fn: Callable[[Tensor, Tensor], Tensor]) -> Report:
    """fn(logits (B, D), x (B, D) binary) -> log p(x|z) (B,), finite even for saturated logits."""
    report = Report("log_likelihood")
    logits, u = _example(1)
    x = (u < torch.sigmoid(logits)).float()
    x[0, 0], x[1, 1] = 0.0, 1.0  # the saturated pixels take their unlikely value: about -60 nats
    expected = reference_log_likelihood(logits, x)
    got = run_student(report, fn, logits, x)
    if not report.passed:
        return report
    per_pixel = -F.binary_cross_entropy_with_logits(logits, x, reduction="none")  # (B, D)
    mistakes = {
        "you returned the loss (binary cross-entropy), which is minus the log-likelihood; "
        "flip the sign.": -expected,
        "you summed over the batch axis; sum over the pixel axis (dim=-1) so that each image "
        "gets its own log-likelihood.": per_pixel.sum(0),
        "you averaged over pixels; log p(x|z) of independent pixels is the sum of their "
        "log-probabilities.": per_pixel.mean(-1),
        "you kept only the x * log p term; a pixel that is 0 contributes log(1 - p), which is "
        "F.logsigmoid(-logits).": (x * F.logsigmoid(logits)).sum(-1),
    }
    ok = check_against(report, "log p(x|z)", got, expected, mistakes, rtol=1e-4, atol=1e-3,
                       hint="log p = F.logsigmoid(logits) and log(1 - p) = F.logsigmoid(-logits).")
    if not ok and isinstance(got, Tensor) and not torch.isfinite(got.detach()).all():
        report.problems.append(
            "for a logit of 60, sigmoid gives exactly 1.0 in floating point and log(1 - 1.0) is "
            "-inf; compute log-probabilities from the logits with F.logsigmoid instead.")
    return report


__all__ = ["check_sample_pixels", "check_log_likelihood", "reference_log_likelihood"]
