"""Chapter 9 (which likelihood?): write log C(lambda), the continuous Bernoulli's log normalizer,
as a function of the decoder's logits, elementwise, finite everywhere in float32 and with a
finite gradient at logits = 0. The reference: `vae_core.likelihoods.continuous_bernoulli_log_norm`.

The exercise names the whole float32 range, so the checker evaluates the student's function on a
dense grid from -100 to 100 (every 0.05 from -40 to 40), on tiny logits down to 1e-8, at 0 and at
+-1e4, and compares the values and the gradients (training differentiates log C) with the
reference. An approximation that is right at a few points and wrong between them, such as a
Taylor series used too far from 0, fails with the place where it is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from ..likelihoods import continuous_bernoulli_log_norm
from ._report import Report, compare, returns_zeros, run_student, screen

# float32, as in a VAE: saturated, moderate, tiny and exactly zero logits.
POINTS = [-40.0, -8.0, -2.0, -0.3, -1e-3, -1e-6, 0.0, 1e-6, 1e-3, 0.3, 2.0, 8.0, 40.0]
ARGS = ("logits",)
VALUE_ATOL = 2e-4  # float32 rounding of log C (about 3) is 2e-7; this leaves room
GRAD_ATOL = 1e-3


def _logits() -> Tensor:
    """The points above plus the whole range: (N,) float32."""
    tiny = torch.logspace(-8, 0, 33, dtype=torch.float64)
    dense = torch.linspace(-40, 40, 1601, dtype=torch.float64)
    far = torch.tensor([50.0, 60.0, 80.0, 88.0, 89.0, 100.0, 1e4], dtype=torch.float64)
    values = torch.cat([torch.tensor(POINTS, dtype=torch.float64), tiny, -tiny, dense, far, -far])
    return values.float()


def _taylor(logits: Tensor, terms: int) -> Tensor:
    l2 = logits.pow(2)
    coefficients = [math.log(2), 1 / 12, -7 / 1440, 31 / 90720][:terms]
    return sum(c * l2**i for i, c in enumerate(coefficients))


def _where(logits: Tensor, mask: Tensor) -> str:
    points = logits[mask]
    shown = ", ".join(f"{p:g}" for p in points[:4].tolist())
    return shown + (f" and {len(points) - 4} more" if len(points) > 4 else "")


def _non_finite(report: Report, logits: Tensor, values: Tensor) -> None:
    bad = ~torch.isfinite(values)
    before = len(report.problems)
    if bool(bad[logits == 0].any()):
        report.problems.append(
            "NaN or inf at logits = 0 (lambda = 1/2): the closed form is 0/0 there. Its limit "
            "is C = 2; for small |logits| use the Taylor series log 2 + l^2/12 - 7 l^4/1440."
        )
    large = bad & (logits.abs() >= 8)
    if bool(large.any()):
        report.problems.append(
            f"NaN or inf at large |logits| ({_where(logits, large)}): sigmoid(40) rounds to 1 in "
            "float32, so 1 - 2 lambda is exactly -1 and atanh(-1) = -inf, and exp(89) overflows "
            "float32. Stay in logits and in |l|: C = |l| / tanh(|l| / 2), with tanh, never exp "
            "of a large number."
        )
    negative = bad & (logits < 0) & (logits > -8)
    if bool(negative.any()) and not bool((bad & (logits > 0) & (logits < 8)).any()):
        report.problems.append(
            f"NaN at negative logits ({_where(logits, negative)}) only: for l < 0, l and "
            "tanh(l / 2) are both negative, so log(l) - log(tanh(l / 2)) takes logs of negative "
            "numbers. Their ratio is positive: take log(l / tanh(l / 2)), or use |l|."
        )
    if len(report.problems) == before:
        report.problems.append(f"NaN or inf at logits {_where(logits, bad)}.")


def _value_problem(report: Report, logits: Tensor, values: Tensor, expected: Tensor) -> None:
    """Say where and, if it can be named, why the values are wrong."""
    error = (values.double() - expected).abs()
    index = int(error.argmax())
    worst, got, want = logits[index].item(), values[index].item(), expected[index].item()
    wrong = error > VALUE_ATOL + 1e-5 * expected.abs()
    span = logits[wrong].abs()
    region = f"|logits| from {span.min().item():.3g} to {span.max().item():.3g}"
    at = f"at logits = {worst:g} you give {got:.6g}, expected {want:.6g}"
    if bool(torch.allclose(values.double(), expected.exp(), rtol=1e-3, atol=1e-3)):
        report.problems.append("you return C itself; the exercise asks for its logarithm, log C.")
    elif bool(torch.allclose(values.double(), expected - math.log(2), atol=VALUE_ATOL)):
        report.problems.append(
            "you are off by log 2 everywhere: C = 2 atanh(1 - 2 lambda) / "
            "(1 - 2 lambda) has a factor 2 (C = 2 at lambda = 1/2)."
        )
    elif any(
        abs(got - _taylor(torch.tensor(worst, dtype=torch.float64), n).item()) < 1e-5
        for n in (1, 2, 3, 4)
    ):
        report.problems.append(
            f"your Taylor series is used too far from 0: wrong for {region}; {at}. The series "
            "log 2 + l^2/12 - 7 l^4/1440 is accurate to 1e-4 only for |l| below about 0.5 "
            "(the constant log 2 alone only below 0.05): switch to the closed form "
            "l / tanh(l / 2) there."
        )
    elif abs(got - math.log(abs(worst))) < 1e-5:
        report.problems.append(
            f"you use the large-|l| limit log|l| where it is not yet accurate: wrong for "
            f"{region}; {at}. log C = log|l| - log tanh(|l| / 2), and the second term is below "
            "1e-4 only for |l| above about 10."
        )
    elif abs(got - want) > 0.05 and bool((wrong & (logits < 0)).all()):
        report.problems.append(
            f"wrong for negative logits only ({at}); C(l) = l / tanh(l / 2) is even, C(-l) = C(l)."
        )
    else:
        c_worst = math.exp(want)
        hint = (
            "near logits = 0 use the Taylor series log 2 + l^2/12 - 7 l^4/1440."
            if abs(worst) < 0.1
            else f"at logits = {worst:g}, C = l / tanh(l / 2) = {c_worst:.4g}; for large |l| it "
            f"approaches |l|."
        )
        report.problems.append(f"log C differs from the reference for {region}: {at}. Hint: {hint}")


def check_continuous_bernoulli_log_norm(fn: Callable[[Tensor], Tensor]) -> Report:
    """Run fn(logits) over the float32 range; check values and gradients; say what is wrong."""
    report = Report("continuous Bernoulli log normalizer")
    logits = _logits().requires_grad_(True)
    reference_in = logits.detach().double().requires_grad_(True)
    expected = continuous_bernoulli_log_norm(reference_in)  # (N,) float64
    (expected_grad,) = torch.autograd.grad(expected.sum(), reference_in)
    expected = expected.detach()
    got = run_student(report, fn, logits, names=ARGS)
    if not report.passed:
        return report
    if not isinstance(got, Tensor) or got.shape != expected.shape:
        compare(report, "log C", got, expected.float())
        return report
    if got.is_complex():
        screen(report, "log C", got)
        return report
    values = got.detach().float()
    if not bool(torch.isfinite(values).all()):
        screen(report, "log C", got)
        _non_finite(report, logits.detach(), values)
        return report
    if returns_zeros(
        report,
        values,
        expected,
        "log C = log(l / tanh(l / 2)), with its Taylor series log 2 + l^2/12 - 7 l^4/1440 near 0.",
    ):
        return report
    if not torch.allclose(values.double(), expected, rtol=1e-5, atol=VALUE_ATOL):
        _value_problem(report, logits.detach(), values, expected)
        return report
    # The values are right; training also needs the derivative.
    if not got.requires_grad or got.grad_fn is None:
        report.problems.append(
            "the values are right, but log C carries no gradient back to the logits (.detach(), "
            ".item(), NumPy, math.* on elements, torch.tensor(...) or torch.no_grad() cut it). "
            "Training differentiates log C: build it from torch operations on logits."
        )
        return report
    (grad,) = torch.autograd.grad(got.sum(), logits, allow_unused=True)
    if grad is None:
        report.problems.append(
            "the values are right, but no gradient reaches the logits: "
            "build log C from torch operations on logits."
        )
        return report
    if not bool(torch.isfinite(grad).all()):
        at_zero = not math.isfinite(grad[logits.detach() == 0][0].item())
        report.problems.append(
            "the values are right, but the gradient is NaN or inf"
            + (" at logits = 0" if at_zero else "")
            + ": torch.where differentiates both branches, so give the branch you do not "
            "use a safe input (e.g. torch.where(far, logits, 1.0)) before dividing."
        )
        return report
    error = (grad.double() - expected_grad).abs()
    if bool((error > GRAD_ATOL + 1e-3 * expected_grad.abs()).any()):
        index = int(error.argmax())
        worst = logits[index].item()
        why = (
            "near 0 the closed form's derivative, 1/l - 1/sinh(l), is a difference of two "
            "huge numbers and cancels catastrophically in float32: use the Taylor series "
            "there (its derivative is l/6)."
            if abs(worst) < 0.05
            else "was part of the formula detached, or built from a constant?"
        )
        report.problems.append(
            f"the values are right, but the gradient is wrong at logits = {worst:g}: you give "
            f"{grad[index].item():.6g}, expected {expected_grad[index].item():.6g} "
            f"(d log C / dl = 1/l - 1/sinh(l)); {why}"
        )
    return report
