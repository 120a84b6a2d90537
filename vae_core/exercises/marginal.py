"""Exercise checkers for chapter 2 (the marginal likelihood, Eq. 1).

- `check_naive_estimator(fn)`: given log p(x|z_k) for K prior samples z_k ~ p(z) and B images,
  return log (1/K) sum_k p(x|z_k) per image, computed in log space (logsumexp - log K).

The checker uses K = 50 samples of B = 4 images around -800 nats (exp underflows even in
float64), then K = 1 and a (7, 3) input, so a K written into the code shows.
Shapes: K samples, B batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from ._report import Report, check_again, check_against, returns_zeros, run_student, screen

ARGS = ("log_lik",)


def _log_likelihoods(seed: int = 0, num_samples: int = 50, batch: int = 4) -> Tensor:
    """Realistic values: a few hundred nats below zero, so exp() underflows even in float64."""
    gen = torch.Generator().manual_seed(seed)
    return -800.0 - 60.0 * torch.rand(num_samples, batch, generator=gen, dtype=torch.float64)


def _reference(log_lik: Tensor) -> Tensor:
    return torch.logsumexp(log_lik, 0) - math.log(log_lik.shape[0])  # (B,)


def _mistakes(log_lik: Tensor) -> list[tuple[str, Tensor]]:
    k, b = log_lik.shape
    lse = torch.logsumexp(log_lik, 0)  # (B,)
    top = log_lik.max(0).values  # (B,)
    return [
        (
            "you averaged the log-likelihoods (the mean of logs). Eq. (1) averages the "
            "likelihoods and then takes the log; by Jensen's inequality the mean of logs is "
            "smaller.",
            log_lik.mean(0),
        ),
        (
            "you forgot to divide by K: logsumexp gives log sum_k p(x|z_k); subtract log K to get "
            "the log of the mean.",
            lse,
        ),
        (
            "you divided the log-sum by K instead of subtracting log K: log(S / K) = log S - log K.",
            lse / k,
        ),
        (
            "you returned the largest log-likelihood (the max), which is only the leading term of "
            "logsumexp.",
            top,
        ),
        ("you have the wrong sign.", -(lse - math.log(k))),
        (
            f"you subtracted the log of the batch size B (log_lik.shape[1] = {b}); K is the number "
            f"of samples, log_lik.shape[0] = {k}.",
            lse - math.log(b),
        ),
        ("you added log K; the mean divides by K, so subtract log K.", lse + math.log(k)),
        (
            "you subtracted log10(K); torch.logsumexp works in natural logs, so subtract "
            "math.log(K).",
            lse - math.log10(k),
        ),
        ("you subtracted K itself; the log of the mean subtracts log K.", lse - k),
        (
            "you subtracted the maximum before exponentiating but did not add it back: "
            "log mean exp(v) = m + log mean exp(v - m).",
            torch.log(torch.exp(log_lik - top).mean(0)),
        ),
    ]


def check_naive_estimator(fn: Callable[[Tensor], Tensor]) -> Report:
    """fn(log_lik (K, B)) -> (B,): the naive Monte Carlo estimate of log p(x), Eq. (1)."""
    report = Report("naive_log_px")
    log_lik = _log_likelihoods()  # (K, B)
    num_samples = log_lik.shape[0]
    expected = _reference(log_lik)  # (B,)
    got = run_student(report, fn, log_lik.clone(), names=ARGS)
    underflow = (
        "Log-likelihoods of about -800 nats give exp(-800) = 0 even in float64, so "
        "log(mean(exp(.))) is log(0) = -inf. torch.logsumexp subtracts the maximum "
        "before exponentiating and never underflows."
    )
    if not report.passed or not screen(
        report,
        "log p(x)",
        got,
        neg_inf=underflow,
        pos_inf="An exp() overflowed.",
        nan="NaN comes from 0/0, inf - inf or log of a negative number; " + underflow,
    ):
        return report
    if returns_zeros(report, got, expected, "return torch.logsumexp(log_lik, 0) - math.log(K)."):
        return report
    if got.ndim == 1 and got.shape[0] == num_samples:
        report.problems.append(
            f"your answer has one value per sample (K = {num_samples}); reduce over dim 0, the "
            "sample axis, to get one value per image."
        )
        return report
    if not check_against(
        report,
        "log p(x)",
        got,
        expected,
        _mistakes(log_lik),
        rtol=1e-6,
        atol=1e-6,
        hint="use torch.logsumexp(log_lik, dim=0) - math.log(K).",
    ):
        return report
    one = _log_likelihoods(seed=1, num_samples=1, batch=4)  # (1, B)
    if check_again(
        report,
        "K = 1 (the estimate is then that one log-likelihood)",
        fn,
        (one,),
        one[0],
        names=ARGS,
        rtol=1e-6,
        atol=1e-6,
        name="log p(x)",
    ):
        other = _log_likelihoods(seed=2, num_samples=7, batch=3)  # (K, B) = (7, 3)
        check_again(
            report,
            "K = 7 samples of B = 3 images",
            fn,
            (other,),
            _reference(other),
            names=ARGS,
            rtol=1e-6,
            atol=1e-6,
            name="log p(x)",
        )
    return report


__all__ = ["check_naive_estimator"]
