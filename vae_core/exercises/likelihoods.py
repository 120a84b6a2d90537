"""Chapter 9 (which likelihood?): write log C(lambda), the continuous Bernoulli's log normalizer,
as a function of the decoder's logits, elementwise, finite everywhere in float32 and with a
finite gradient at logits = 0. The reference: `vae_core.likelihoods.continuous_bernoulli_log_norm`.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor

from ..likelihoods import continuous_bernoulli_log_norm
from ._report import Report, compare, run_student

# float32, as in a VAE: saturated, moderate, tiny and exactly zero logits.
POINTS = [-40.0, -8.0, -2.0, -0.3, -1e-3, -1e-6, 0.0, 1e-6, 1e-3, 0.3, 2.0, 8.0, 40.0]


def check_continuous_bernoulli_log_norm(fn: Callable[[Tensor], Tensor]) -> Report:
    """Run fn(logits) at saturated, moderate, tiny and zero logits; say what is wrong."""
    report = Report("continuous Bernoulli log normalizer")
    logits = torch.tensor(POINTS, dtype=torch.float32, requires_grad=True)
    expected = continuous_bernoulli_log_norm(logits.detach().double()).float()
    got = run_student(report, fn, logits)
    if not report.passed:
        return report
    if not isinstance(got, Tensor) or got.shape != expected.shape:
        compare(report, "log C", got, expected)
        return report
    values = got.detach().float()
    bad = ~torch.isfinite(values)
    if bad.any():
        where = [POINTS[i] for i in bad.nonzero().flatten().tolist()]
        if any(p == 0.0 for p in where):
            report.problems.append(
                "NaN or inf at logits = 0 (lambda = 1/2): the closed form is 0/0 there. Its limit "
                "is C = 2; for small |logits| use the Taylor series log 2 + l^2/12 - 7 l^4/1440.")
        if any(abs(p) >= 8 for p in where):
            report.problems.append(
                "NaN or inf at large |logits|: sigmoid(40) rounds to 1 in float32, so 1 - 2 lambda "
                "is exactly -1 and atanh(-1) = -inf. Stay in logits: C = l / tanh(l / 2).")
        if not report.problems:
            report.problems.append(f"NaN or inf at logits {where}.")
        return report
    finite = values.abs() < 80
    if finite.all() and torch.allclose(values, expected.exp(), rtol=1e-3, atol=1e-3):
        report.problems.append("you return C itself; the exercise asks for its logarithm, log C.")
        return report
    if torch.allclose(values, expected - math.log(2), atol=1e-3):
        report.problems.append("you are off by log 2 everywhere: C = 2 atanh(1 - 2 lambda) / "
                               "(1 - 2 lambda) has a factor 2 (C = 2 at lambda = 1/2).")
        return report
    index = int((values - expected).abs().argmax())
    worst, c_worst = POINTS[index], math.exp(expected[index].item())
    hint = ("near logits = 0 use the Taylor series log 2 + l^2/12 - 7 l^4/1440." if abs(worst) < 0.1
            else f"at logits = {worst:g}, C = l / tanh(l / 2) = {c_worst:.4g}; for large |l| it "
                 f"approaches |l|.")
    if not compare(report, "log C", values, expected, rtol=1e-5, atol=2e-4, hint=hint):
        return report
    if got.requires_grad:
        (grad,) = torch.autograd.grad(got.sum(), logits, allow_unused=True)
        if grad is not None and not torch.isfinite(grad).all():
            zero = POINTS.index(0.0)
            report.problems.append(
                "the values are right, but the gradient is NaN or inf"
                + (" at logits = 0" if not math.isfinite(grad[zero].item()) else "")
                + ": torch.where differentiates both branches, so give the branch you do not "
                  "use a safe input (e.g. torch.where(far, logits, 1.0)) before dividing.")
    return report
