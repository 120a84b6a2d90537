"""Exercise checkers for chapter 1 (latent-variable models and the generative story).

- `check_sample_pixels(fn)`: turn decoder logits and uniform noise into binary pixels,
  x_d = 1 if u_d < sigmoid(logit_d) else 0, a sample of Bernoulli(sigmoid(logit_d)).
- `check_log_likelihood(fn)`: log p(x|z) = sum_d [x_d log p_d + (1 - x_d) log(1 - p_d)],
  p_d = sigmoid(logit_d), computed from logits without overflow.

Both run the student's function on saturated logits (+-60) as well as moderate ones, then on a
batch of another size, and refuse an answer that changes its inputs in place.
Shapes: B batch, D pixels.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from ..objective import bernoulli_log_likelihood as reference_log_likelihood
from ._report import Report, check_again, check_against, close, returns_zeros, run_student, screen

SAMPLE_ARGS = ("logits", "u")
LIKELIHOOD_ARGS = ("logits", "x")


def _example(seed: int, batch: int = 3, pixels: int = 7) -> tuple[Tensor, Tensor]:
    gen = torch.Generator().manual_seed(seed)
    logits = 4 * torch.randn(batch, pixels, generator=gen)  # (B, D)
    logits[0, 0], logits[1, 1] = 60.0, -60.0  # saturated pixels: log(sigmoid) would overflow
    u = torch.rand(batch, pixels, generator=gen)  # (B, D)
    return logits, u


def _sample_mistakes(logits: Tensor, u: Tensor) -> list[tuple[str, Tensor]]:
    probs = torch.sigmoid(logits)
    one_minus = (
        "you compared u with 1 - p (u < 1 - sigmoid(logits)); that pixel is 1 with "
        "probability 1 - p. It must be 1 when u < p = sigmoid(logits)."
    )
    return [
        (
            "you compared u with the logits, not with the probabilities sigmoid(logits); a logit "
            "of 0 means probability 0.5, so apply torch.sigmoid first.",
            (u < logits).float(),
        ),
        (
            "the comparison is reversed: a pixel should be 1 with probability p, which happens "
            "when u < p (u > p happens with probability 1 - p).",
            (u > probs).float(),
        ),
        (
            "the comparison is reversed: a pixel should be 1 with probability p, which happens "
            "when u < p (u >= p happens with probability 1 - p).",
            (u >= probs).float(),
        ),
        (one_minus, (u < 1 - probs).float()),
        (one_minus, (u < torch.sigmoid(-logits)).float()),
        (
            "you returned the probabilities themselves (the Bernoulli means), not a binary sample.",
            probs,
        ),
        (
            "you rounded the probabilities (the most likely image), which ignores u; a sample "
            "must use the noise.",
            (probs > 0.5).float(),
        ),
        (
            "you compared u with exp(logits), which is the odds p / (1 - p), not the probability; "
            "p = sigmoid(logits).",
            (u < logits.exp()).float(),
        ),
        (
            "you used softmax, which makes the D pixel probabilities of an image sum to 1; each "
            "pixel has its own probability sigmoid(logit).",
            (u < torch.softmax(logits, -1)).float(),
        ),
        (
            "you thresholded u at 0.5, which ignores the logits: compare u with sigmoid(logits).",
            (u < 0.5).float(),
        ),
        (
            "you returned the noise u times the probability; a sample is 0 or 1: "
            "(u < sigmoid(logits)).float().",
            u * probs,
        ),
    ]


def check_sample_pixels(fn: Callable[[Tensor, Tensor], Tensor]) -> Report:
    """fn(logits (B, D), u (B, D) uniform in [0, 1)) -> binary x (B, D) with x = [u < sigmoid(logits)]."""
    report = Report("sample_pixels")
    logits, u = _example(0, batch=4, pixels=25)
    probs = torch.sigmoid(logits)
    expected = (u < probs).float()
    got = run_student(report, fn, logits.clone(), u.clone(), names=SAMPLE_ARGS)
    if not report.passed or not screen(report, "x", got):
        return report
    got = got.float() if got.dtype == torch.bool else got
    if returns_zeros(
        report,
        got,
        expected,
        "every pixel is 0, whatever u and the logits are; "
        "return (u < torch.sigmoid(logits)).float().",
    ):
        return report
    if check_against(report, "x", got, expected, _sample_mistakes(logits, u)):
        return _sample_other_batch(report, fn)
    if got.shape != expected.shape or not report.problems[-1].startswith("x differs"):
        return report
    # Not a known formula: say which of the two inputs it ignores, if any.
    report.problems.pop()
    values = set(torch.unique(got.detach().float()).tolist())
    if not values <= {0.0, 1.0}:
        report.problems.append(
            f"x must contain only 0s and 1s, but it has values such as "
            f"{sorted(values - {0.0, 1.0})[0]:.4g}."
        )
        return report
    again = run_student(report, fn, logits.clone(), u.clone(), names=SAMPLE_ARGS)
    if isinstance(again, Tensor) and not close(again.float(), got.float()):
        report.problems.append(
            "two calls with the same u give different pixels: your function draws its own noise "
            "(torch.bernoulli, torch.rand). Use the u you are given: x = (u < sigmoid(logits))."
        )
        return report
    flipped = run_student(report, fn, logits.clone(), (1 - u).clamp(max=0.9999), names=SAMPLE_ARGS)
    if isinstance(flipped, Tensor) and close(flipped.float(), got.float()):
        report.problems.append(
            "your pixels do not change when u changes: the sample must be "
            "decided by the noise u, as x = (u < sigmoid(logits))."
        )
        return report
    wrong = int((got.float() != expected).sum())
    report.problems.append(
        f"x differs from u < sigmoid(logits) at {wrong} of {expected.numel()} pixels. "
        "Hint: x = (u < torch.sigmoid(logits)).float()."
    )
    return report


def _sample_other_batch(report: Report, fn: Callable) -> Report:
    logits, u = _example(2, batch=2, pixels=11)
    expected = (u < torch.sigmoid(logits)).float()
    wrapped = lambda l, v: _as_float(fn(l, v))  # noqa: E731 - booleans are fine
    check_again(
        report,
        "a batch of shape (2, 11)",
        wrapped,
        (logits, u),
        expected,
        names=SAMPLE_ARGS,
        name="x",
    )
    return report


def _as_float(value: object) -> object:
    return value.float() if isinstance(value, Tensor) and value.dtype == torch.bool else value


def _likelihood_mistakes(logits: Tensor, x: Tensor, expected: Tensor) -> list[tuple[str, Tensor]]:
    per_pixel = -F.binary_cross_entropy_with_logits(logits, x, reduction="none")  # (B, D)
    probs = torch.sigmoid(logits)
    return [
        (
            "you returned the loss (binary cross-entropy), which is minus the log-likelihood; "
            "flip the sign.",
            -expected,
        ),
        (
            "you summed over the batch axis; sum over the pixel axis (dim=-1) so that each image "
            "gets its own log-likelihood.",
            per_pixel.sum(0),
        ),
        (
            "you averaged over pixels; log p(x|z) of independent pixels is the sum of their "
            "log-probabilities.",
            per_pixel.mean(-1),
        ),
        (
            "you kept only the x * log p term; a pixel that is 0 contributes log(1 - p), which is "
            "F.logsigmoid(-logits).",
            (x * F.logsigmoid(logits)).sum(-1),
        ),
        (
            "you kept only the (1 - x) * log(1 - p) term; a pixel that is 1 contributes log p = "
            "F.logsigmoid(logits).",
            ((1 - x) * F.logsigmoid(-logits)).sum(-1),
        ),
        (
            "you return one number for the whole batch; return one log-likelihood per image, "
            "shape (B,): sum over the pixel axis only (dim=-1).",
            per_pixel.sum(),
        ),
        (
            "you return the mean over all pixels and images (the default reduction='mean' of "
            "binary_cross_entropy_with_logits); use reduction='none', flip the sign and sum over "
            "the pixel axis.",
            per_pixel.mean(),
        ),
        (
            "you return the mean binary cross-entropy over everything (reduction='mean'): "
            "use reduction='none', flip the sign and sum over the pixel axis.",
            -per_pixel.mean(),
        ),
        (
            "you used F.binary_cross_entropy on sigmoid(logits), which clamps every log at -100 and "
            "loses the saturated pixels: sigmoid(60) is exactly 1.0 in float32. Work from the "
            "logits: F.logsigmoid, or binary_cross_entropy_with_logits.",
            -F.binary_cross_entropy(probs, x, reduction="none").sum(-1),
        ),
        (
            "you wrote log(1 - p) as F.logsigmoid(1 - logits); 1 - sigmoid(l) = sigmoid(-l), so "
            "it is F.logsigmoid(-logits).",
            (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(1 - logits)).sum(-1),
        ),
        (
            "you swapped the arguments: the function is log_likelihood(logits, x), logits first.",
            (logits * F.logsigmoid(x) + (1 - logits) * F.logsigmoid(-x)).sum(-1),
        ),
        (
            "you added up probabilities, not log-probabilities: use log p = F.logsigmoid(logits) "
            "and log(1 - p) = F.logsigmoid(-logits).",
            (x * probs + (1 - x) * (1 - probs)).sum(-1),
        ),
        (
            "you returned the likelihood p(x|z) itself (a product of probabilities, which "
            "underflows for 784 pixels); the exercise asks for its log, a sum of logs.",
            expected.exp(),
        ),
    ]


def check_log_likelihood(fn: Callable[[Tensor, Tensor], Tensor]) -> Report:
    """fn(logits (B, D), x (B, D) binary) -> log p(x|z) (B,), finite even for saturated logits."""
    report = Report("log_likelihood")
    logits, u = _example(1)
    x = (u < torch.sigmoid(logits)).float()
    x[0, 0], x[1, 1] = 0.0, 1.0  # the saturated pixels take their unlikely value: about -60 nats
    expected = reference_log_likelihood(logits, x)
    got = run_student(report, fn, logits.clone(), x.clone(), names=LIKELIHOOD_ARGS)
    log_space = (
        "For a logit of 60, sigmoid gives exactly 1.0 in floating point, so log(1 - p) "
        "is log(0) = -inf (and 0 * -inf is NaN); compute log-probabilities from the "
        "logits with F.logsigmoid instead."
    )
    if not report.passed or not screen(
        report, "log p(x|z)", got, nan=log_space, neg_inf=log_space, pos_inf=log_space
    ):
        return report
    if returns_zeros(
        report,
        got,
        expected,
        "sum x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits) over the pixels.",
    ):
        return report
    if got.shape == logits.shape:
        report.problems.append(
            "log p(x|z) has one value per pixel, shape (B, D); sum over the "
            "pixel axis (dim=-1) for one value per image, shape (B,)."
        )
        return report
    if not check_against(
        report,
        "log p(x|z)",
        got,
        expected,
        _likelihood_mistakes(logits, x, expected),
        rtol=1e-4,
        atol=1e-3,
        hint="log p = F.logsigmoid(logits), log(1 - p) = F.logsigmoid(-logits).",
    ):
        return report
    # Another size, with all-white and all-black images.
    logits2 = torch.linspace(-30, 30, 18).reshape(2, 9)  # (B, D)
    x2 = torch.stack([torch.ones(9), torch.zeros(9)])  # (B, D)
    check_again(
        report,
        "a (2, 9) batch of an all-ones and an all-zeros image",
        fn,
        (logits2, x2),
        reference_log_likelihood(logits2, x2),
        names=LIKELIHOOD_ARGS,
        rtol=1e-4,
        atol=1e-3,
        name="log p(x|z)",
    )
    return report


__all__ = ["check_sample_pixels", "check_log_likelihood", "reference_log_likelihood"]
