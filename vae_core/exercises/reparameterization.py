"""Chapter 6 exercise: the reparameterization of Eq. (9),

    z = mu + sigma * eps,   sigma = exp(logvar / 2),   eps ~ N(0, I) given by the caller.

`check_reparameterize(fn)` runs `fn(mu, logvar, eps)` on fixed inputs, compares with the package's
`reparameterize`, names the usual slips (variance or logvar where sigma belongs, a fresh eps
instead of the given one, a missing mu) and checks that gradients reach mu and logvar with the
right values, then tries logvar from -12 to 4 on another shape. A NaN answer is reported as NaN
(never as fresh noise), and an answer that changes mu, logvar or eps in place is refused.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from ..model import reparameterize
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

EXERCISE = "Reparameterization, equation (9)"
ARGS = ("mu", "logvar", "eps")


def _inputs() -> tuple[Tensor, Tensor, Tensor]:
    g = torch.Generator().manual_seed(9)
    mu = torch.randn(4, 3, generator=g, dtype=torch.float64) * 2  # (B, Z)
    logvar = torch.rand(4, 3, generator=g, dtype=torch.float64) * 4 - 3  # (B, Z) in [-3, 1]
    eps = torch.randn(4, 3, generator=g, dtype=torch.float64)  # (B, Z)
    return mu, logvar, eps


def _mistakes(mu: Tensor, logvar: Tensor, eps: Tensor) -> list[tuple[str, Tensor]]:
    sigma = (0.5 * logvar).exp()
    return [
        (
            "you multiplied eps by the variance exp(logvar); the noise is scaled by the standard "
            "deviation sigma = exp(logvar / 2).",
            mu + logvar.exp() * eps,
        ),
        (
            "you multiplied eps by logvar itself; logvar is log sigma^2, so sigma = "
            "exp(logvar / 2).",
            mu + logvar * eps,
        ),
        (
            "you used 0.5 * exp(logvar); sigma = exp(0.5 * logvar): the 1/2 goes inside the "
            "exponential.",
            mu + 0.5 * logvar.exp() * eps,
        ),
        (
            "you used exp(2 * logvar); sigma = exp(0.5 * logvar), because logvar = 2 log sigma.",
            mu + (2 * logvar).exp() * eps,
        ),
        (
            "you used exp(-logvar / 2), which is 1 / sigma; sigma = exp(+logvar / 2).",
            mu + (-0.5 * logvar).exp() * eps,
        ),
        (
            "you multiplied eps by logvar / 2 (that is log sigma); sigma = exp(logvar / 2).",
            mu + 0.5 * logvar * eps,
        ),
        (
            "you added sigma and eps instead of multiplying them: z = mu + sigma * eps.",
            mu + sigma + eps,
        ),
        (
            "you scaled mu by sigma; only the noise is scaled: z = mu + sigma * eps.",
            mu * sigma + eps,
        ),
        ("the mean mu is missing: z = mu + sigma * eps.", sigma * eps),
        ("you return mu alone: the noise sigma * eps is missing, so z would not be random.", mu),
        (
            "you subtract the noise instead of adding it. (In distribution that is the same, but "
            "with the given eps the sample must be mu + sigma * eps.)",
            mu - sigma * eps,
        ),
    ]


def check_reparameterize(fn: Callable[[Tensor, Tensor, Tensor], Tensor]) -> Report:
    """Check fn(mu, logvar, eps) -> z against Eq. (9), including the gradient path."""
    report = Report(EXERCISE)
    mu, logvar, eps = _inputs()
    expected = reparameterize(mu, logvar, eps)  # (B, Z)
    mu_in = mu.clone().requires_grad_(True)
    logvar_in = logvar.clone().requires_grad_(True)
    got = run_student(report, fn, mu_in, logvar_in, eps.clone(), names=ARGS)
    if not report.passed or not screen(
        report,
        "z",
        got,
        nan="logvar is negative for narrow posteriors, and sqrt or log of a negative number "
        "is NaN: sigma = exp(0.5 * logvar) is defined for every logvar.",
        pos_inf="exp of a large number overflows: sigma = exp(0.5 * logvar).",
    ):
        return report
    if returns_zeros(report, got, expected, "fill in z = mu + sigma * eps."):
        return report
    if name_mistake(
        report,
        got,
        expected,
        _mistakes(mu, logvar, eps),
        rtol=1e-4,
        atol=1e-6,
        prefix="Not equation (9): ",
    ):
        return report
    if got.shape == expected.shape and not close(got, expected):
        again = run_student(report, fn, mu.clone(), logvar.clone(), eps.clone(), names=ARGS)
        if (
            isinstance(again, Tensor)
            and again.shape == got.shape
            and not close(again, got.detach().to(again.dtype))
        ):
            report.problems.append(
                "two calls with the same eps give different z: use the eps passed in "
                "instead of drawing new noise (torch.randn) inside the function."
            )
            return report
        if not report.passed:
            return report
    if not compare(report, "z", got, expected, hint="z = mu + exp(0.5 * logvar) * eps."):
        return report
    # The point of Eq. (9): z is a differentiable function of mu and logvar.
    if not got.requires_grad:
        report.problems.append(
            "z does not carry gradients back to mu and logvar (did you use .detach(), .data, "
            "torch.no_grad(), .item() or torch.tensor(...)?). The whole point of equation (9) is "
            "that it does."
        )
        return report
    d_mu, d_logvar = torch.autograd.grad(got.sum(), (mu_in, logvar_in), allow_unused=True)
    sigma = (0.5 * logvar).exp()
    for name, grad in (("mu", d_mu), ("logvar", d_logvar)):
        if grad is None:
            report.problems.append(
                f"no gradient reaches {name} (was it detached?); z must be a differentiable "
                f"function of both mu and logvar."
            )
            return report
    if not compare(report, "dz/dmu", d_mu, torch.ones_like(mu), hint="dz/dmu should be 1."):
        return report
    if not compare(
        report,
        "dz/dlogvar",
        d_logvar,
        0.5 * sigma * eps,
        hint="dz/dlogvar should be sigma * eps / 2 (was part of sigma detached?).",
    ):
        return report
    # A wider range of logvar and another shape: no sizes written into the code.
    g = torch.Generator().manual_seed(19)
    mu2 = torch.randn(2, 5, generator=g, dtype=torch.float64)  # (B, Z)
    logvar2 = torch.linspace(-12, 4, 10, dtype=torch.float64).reshape(2, 5)  # (B, Z)
    eps2 = torch.randn(2, 5, generator=g, dtype=torch.float64)  # (B, Z)
    check_again(
        report,
        "a (2, 5) batch with logvar from -12 to 4",
        fn,
        (mu2, logvar2, eps2),
        reparameterize(mu2, logvar2, eps2),
        names=ARGS,
        name="z",
    )
    return report
