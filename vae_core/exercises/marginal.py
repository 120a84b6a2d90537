"""Exercise checkers for chapter 2 (the marginal likelihood, Eq. 1).

- `check_naive_estimator(fn)`: given log p(x|z_k) for K prior samples z_k ~ p(z) and B images,
  return log (1/K) sum_k p(x|z_k) per image, computed in log space (logsumexp - log K).

Shapes: K samples, B batch.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor

from ._report import Report, check_against, run_student


def _log_likelihoods(seed: int = 0, num_samples: int = 50, batch: int = 4) -> Tensor:
    """Realistic values: a few hundred nats below zero, so exp() underflows even in float64."""
    gen = torch.Generator().manual_seed(seed)
    return -800.0 - 60.0 * torch.rand(num_samples, batch, generator=gen, dtype=torch.float64)


def check_naive_estimator(fn: Callable[[Tensor], Tensor]) -> Report:
    """fn(log_lik (K, B)) -> (B,): the naive Monte Carlo estimate of log p(x), Eq. (1)."""
    report = Report("naive_log_px")
    log_lik = _log_likelihoods()  # (K, B)
    num_samples = log_lik.shape[0]
    expected = torch.logsumexp(log_lik, 0) - math.log(num_samples)  # (B,)
    got = run_student(report, fn, log_lik.clone())
    if not report.passed:
        return report
    mistakes = {
        "you averaged the log-likelihoods (the mean of logs). Eq. (1) averages the likelihoods "
        "and then takes the log; by Jensen's inequality the mean of logs is smaller.":
            log_lik.mean(0),
        "you forgot to divide by K: logsumexp gives log sum_k p(x|z_k); subtract log K to get "
        "the log of the mean.": torch.logsumexp(log_lik, 0),
        "you divided the log-sum by K instead of subtracting log K: log(S / K) = log S - log K.":
            torch.logsumexp(log_lik, 0) / num_samples,
        "you returned the largest log-likelihood (the max), which is only the leading term of "
        "logsumexp.": log_lik.max(0).values,
        "you have the wrong sign.": -expected,
    }
    ok = check_against(report, "log p(x)", got, expected, mistakes, rtol=1e-6, atol=1e-6,
                       hint="use torch.logsumexp(log_lik, dim=0) - math.log(K).")
    if not ok and isinstance(got, Tensor) and got.shape == expected.shape \
            and not torch.isfinite(got.detach()).all():
        report.problems.append(
            "log-likelihoods of about -800 nats give exp(-800) = 0 even in float64, so "
            "log(mean(exp(.))) is -inf. torch.logsumexp subtracts the maximum before "
            "exponentiating and never underflows.")
    if isinstance(got, Tensor) and got.ndim == 1 and got.shape[0] == num_samples:
        report.problems.append(
            f"your answer has one value per sample (K = {num_samples}); reduce over dim 0, the "
            "sample axis, to get one value per image.")
    return report


__all__ = ["check_naive_estimator"]
