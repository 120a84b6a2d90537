"""Chapter 12 exercise: split each image's gap log p(x) - ELBO(q_encoder) into its two parts
(Cremer et al. 2018),

    approximation = log p(x) - ELBO(q*),     amortization = ELBO(q*) - ELBO(q_encoder),

from three tensors of shape (B,): log p(x), the encoder's ELBO and the best ELBO of the family.

`check_gap_split(fn)` runs `fn(log_px, encoder_elbo, best_elbo)`, which returns the pair
(approximation, amortization), and names the usual slips: the two parts swapped, a sign
flipped, the total gap in place of a part, one average over the images in place of one value
per image.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from ..inference_gaps import InferenceGaps
from ._report import Report, check_again, name_mistake, returns_zeros, run_student, screen

EXERCISE = "The two inference gaps"
ARGS = ("log_px", "encoder_elbo", "best_elbo")


def _inputs() -> tuple[Tensor, Tensor, Tensor]:
    """B = 5 images with different gaps: log p(x) > best ELBO >= encoder ELBO."""
    log_px = torch.tensor([-100.0, -92.5, -140.0, -75.25, -120.0], dtype=torch.float64)
    best = log_px - torch.tensor([0.5, 2.0, 0.125, 3.0, 1.0], dtype=torch.float64)
    encoder = best - torch.tensor([4.0, 0.25, 7.5, 1.5, 0.0], dtype=torch.float64)
    return log_px, encoder, best


def _mistakes(log_px: Tensor, encoder: Tensor, best: Tensor) -> list[tuple[str, Tensor, Tensor]]:
    """(sentence, approximation, amortization) that a likely slip returns."""
    approx, amort, total = log_px - best, best - encoder, log_px - encoder
    return [
        (
            "the two parts are swapped: the approximation gap is log p(x) - ELBO(q*), what even "
            "the best Gaussian misses; the amortization gap is ELBO(q*) - ELBO(q_encoder).",
            amort,
            approx,
        ),
        (
            "a sign is flipped: both gaps are non-negative, since log p(x) >= ELBO(q*) >= "
            "ELBO(q_encoder); subtract the smaller from the larger.",
            -approx,
            amort,
        ),
        (
            "a sign is flipped: both gaps are non-negative, since log p(x) >= ELBO(q*) >= "
            "ELBO(q_encoder); subtract the smaller from the larger.",
            approx,
            -amort,
        ),
        (
            "a sign is flipped: both gaps are non-negative, since log p(x) >= ELBO(q*) >= "
            "ELBO(q_encoder); subtract the smaller from the larger.",
            -approx,
            -amort,
        ),
        (
            "the approximation gap you return is the total gap log p(x) - ELBO(q_encoder); it "
            "compares log p(x) with the best Gaussian, ELBO(q*).",
            total,
            amort,
        ),
        (
            "the amortization gap you return is the total gap log p(x) - ELBO(q_encoder); it "
            "compares the encoder with the best Gaussian, ELBO(q*) - ELBO(q_encoder).",
            approx,
            total,
        ),
    ]


def _as_pair(report: Report, got: object) -> tuple[object, object] | None:
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        report.problems.append(
            "return a pair (approximation, amortization), each with one value per image, "
            f"shape (B,); got {type(got).__name__}."
        )
        return None
    return got[0], got[1]


def check_gap_split(split_fn: Callable[[Tensor, Tensor, Tensor], tuple[Tensor, Tensor]]) -> Report:
    """Check split_fn(log_px, encoder_elbo, best_elbo) -> (approximation, amortization)."""
    report = Report(EXERCISE)
    log_px, encoder, best = _inputs()
    reference = InferenceGaps(log_px, encoder, best)
    expected = torch.stack([reference.approximation, reference.amortization])  # (2, B)
    got = run_student(report, split_fn, log_px.clone(), encoder.clone(), best.clone(), names=ARGS)
    if not report.passed:
        return report
    pair = _as_pair(report, got)
    if pair is None:
        return report
    for name, part in zip(("approximation", "amortization"), pair):
        if not screen(report, f"the {name} gap", part):
            return report
    approx, amort = pair
    if approx.shape != expected[0].shape or amort.shape != expected[1].shape:
        if approx.dim() == 0 or amort.dim() == 0:
            report.problems.append(
                "you return one number per gap: return one value per image, shape (B,) "
                "(average over the images afterwards, for a summary)."
            )
        else:
            report.problems.append(
                f"each gap should have shape (B,) = {tuple(log_px.shape)}; got "
                f"{tuple(approx.shape)} and {tuple(amort.shape)}."
            )
        return report
    got_stack = torch.stack([approx.detach().double(), amort.detach().double()])  # (2, B)
    if returns_zeros(report, got_stack, expected, "compute the two differences."):
        return report
    mistakes = [(text, torch.stack([a, b])) for text, a, b in _mistakes(log_px, encoder, best)]
    if name_mistake(report, got_stack, expected, mistakes, rtol=1e-9, atol=1e-9):
        return report
    if not torch.allclose(got_stack, expected, rtol=1e-9, atol=1e-9):
        report.problems.append(
            f"expected approximation {expected[0].tolist()} and amortization "
            f"{expected[1].tolist()}, got {got_stack[0].tolist()} and {got_stack[1].tolist()}."
        )
        return report
    # Again, on images where the encoder is already the best Gaussian (no amortization gap).
    g = torch.Generator().manual_seed(14)
    log_px2 = -100 - 20 * torch.rand(8, generator=g, dtype=torch.float64)
    best2 = log_px2 - torch.rand(8, generator=g, dtype=torch.float64)
    again = InferenceGaps(log_px2, best2.clone(), best2)
    check_again(
        report,
        "8 images whose encoder already gives the best Gaussian",
        lambda *a: torch.stack([torch.as_tensor(t) for t in split_fn(*a)]),
        (log_px2, best2.clone(), best2),
        torch.stack([again.approximation, again.amortization]),
        names=ARGS,
        rtol=1e-9,
        atol=1e-9,
        name="(approximation, amortization)",
    )
    return report
