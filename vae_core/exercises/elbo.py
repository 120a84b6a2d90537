"""Chapter 5 exercise: the importance-weighted bound from log weights,

    IWAE_K = log (1/K) sum_k exp(log w_k),   log w_k = log p(x, z_k) - log q(z_k|x),

computed stably as logsumexp over the sample axis minus log K: (K, B) -> (B,).

`check_iwae_bound(fn)` runs `fn(log_w)` on fixed log weights of realistic size (about -200 nats,
where exp underflows in float32) and names the usual slips: a missing -log K, the mean of the
logs (that is the ELBO), the wrong axis, log of the batch size for log K, log10, the largest
weight alone, a naive exp that underflows (-inf; a NaN is reported as NaN); then K = 1 (which
exposes a K written into the code) and K = 7, B = 12.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from ..estimators import log_mean_exp
from ._report import (
    Report,
    check_again,
    close,
    compare,
    name_mistake,
    returns_zeros,
    run_student,
    screen,
)

EXERCISE = "Importance-weighted bound from log weights"
ARGS = ("log_w",)


def _inputs() -> Tensor:
    """Log weights (K, B) = (50, 4), float32, around -200 nats like a real MNIST digit's."""
    g = torch.Generator().manual_seed(5)
    centre = torch.tensor([-95.0, -140.0, -210.0, -260.0], dtype=torch.float64)  # (B,)
    log_w = centre + 2.0 * torch.randn(50, 4, generator=g, dtype=torch.float64)  # (K, B)
    return log_w.to(torch.float32)


def _mistakes(log_w: Tensor) -> list[tuple[str, Tensor]]:
    k, b = log_w.shape
    lse = torch.logsumexp(log_w, 0)  # (B,)
    top = log_w.max(0).values  # (B,)
    return [
        (
            "the -log K is missing: logsumexp adds the K weights up, and the bound needs their "
            "average, so subtract log K (K = number of rows, log_w.shape[0]).",
            lse,
        ),
        ("you add log K; the average divides by K, so subtract log K.", lse + math.log(k)),
        (
            f"you subtract log of the batch size (log_w.shape[1] = {b}); K is the number of "
            f"samples, log_w.shape[0] = {k}.",
            lse - math.log(b),
        ),
        (
            "you subtract log10(K); logsumexp works in natural logs, so subtract math.log(K).",
            lse - math.log10(k),
        ),
        (
            "you subtract K itself; the average divides by K, which in log space subtracts log K.",
            lse - k,
        ),
        (
            "you divide the logsumexp by K; dividing the weights by K subtracts log K from their "
            "log.",
            lse / k,
        ),
        (
            "you return the mean of the log weights. That is the ELBO, the K = 1 bound averaged "
            "over samples; the importance-weighted bound takes the log of the mean of the weights "
            "(logsumexp minus log K).",
            log_w.mean(0),
        ),
        (
            "you return the largest log weight alone; logsumexp starts from it but adds the other "
            "weights too.",
            top,
        ),
        (
            "you subtract the largest log weight before exponentiating but never add it back: "
            "log mean exp(v) = m + log mean exp(v - m).",
            torch.log(torch.exp(log_w - top).mean(0)),
        ),
        (
            "you reduce over the batch axis (dim=1); the K samples run along dim=0, and the result "
            "must have one value per image.",
            torch.logsumexp(log_w, 1) - math.log(b),
        ),
        (
            "you reduce over the batch axis (dim=1) and subtract log K; the K samples run along "
            "dim=0, and the result must have one value per image.",
            torch.logsumexp(log_w, 1) - math.log(k),
        ),
        (
            "you average the bound over the batch: return one value per image, shape (B,).",
            (lse - math.log(k)).mean(),
        ),
        ("the sign is flipped.", -(lse - math.log(k))),
    ]


def check_iwae_bound(fn: Callable[[Tensor], Tensor]) -> Report:
    """Check fn(log_w) -> (B,) for log_w of shape (K, B); say in plain words what is wrong."""
    report = Report(EXERCISE)
    log_w = _inputs()
    expected = log_mean_exp(log_w.to(torch.float64), dim=0)  # (B,)
    got = run_student(report, fn, log_w.clone(), names=ARGS)
    underflow = (
        "exp(-200) is 0 in float32, so log(mean(exp(log_w))) is log(0) = -inf; use "
        "torch.logsumexp(log_w, dim=0) - log K, which subtracts the largest log weight "
        "before exponentiating."
    )
    if not report.passed or not screen(
        report,
        "IWAE bound",
        got,
        neg_inf=underflow,
        nan="NaN means an undefined operation such as 0/0, inf - inf or the log of a "
        "negative number; logsumexp(log_w, 0) - log K needs none of them.",
        pos_inf="+inf means an exp() overflowed; logsumexp never exponentiates a positive number.",
    ):
        return report
    if returns_zeros(report, got, expected, "write logsumexp over the samples minus log K."):
        return report
    if name_mistake(
        report, got, expected, _mistakes(log_w), rtol=1e-5, atol=1e-3, prefix="Not the bound: "
    ):
        return report
    if not compare(
        report,
        "IWAE bound",
        got,
        expected,
        rtol=1e-6,
        atol=1e-3,
        hint="log (1/K) sum_k exp(log_w[k]) = torch.logsumexp(log_w, 0) - log K.",
    ):
        return report
    # With K = 1 the bound is the single log weight itself.
    single = log_w[:1]  # (1, B)
    got_single = run_student(report, fn, single.clone(), names=ARGS)
    if not report.passed or not screen(report, "the bound for K = 1", got_single):
        return report
    k = log_w.shape[0]
    if close(got_single, single[0].double() - math.log(k), atol=1e-3):
        report.problems.append(
            f"for K = 1 you still subtract log {k}: you wrote K = {k} into "
            f"the code; take it from the input, K = log_w.shape[0]."
        )
        return report
    if not compare(
        report,
        "the bound for K = 1",
        got_single,
        single[0].to(torch.float64),
        atol=1e-3,
        hint="with one sample the bound equals that sample's log weight.",
    ):
        return report
    wide = _inputs()[:, :3].repeat(1, 4)[:7]  # (K, B) = (7, 12): more images than samples
    check_again(
        report,
        "K = 7 samples of B = 12 images",
        fn,
        (wide.clone(),),
        log_mean_exp(wide.double(), dim=0),
        names=ARGS,
        rtol=1e-6,
        atol=1e-3,
        name="IWAE bound",
    )
    return report
