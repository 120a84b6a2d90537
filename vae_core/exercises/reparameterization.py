"""Chapter 6 exercise: the reparameterization of Eq. (9),

    z = mu + sigma * eps,   sigma = exp(logvar / 2),   eps ~ N(0, I) given by the caller.

`check_reparameterize(fn)` runs `fn(mu, logvar, eps)` on fixed inputs, compares with the package's
`reparameterize`, names the usual slips (variance or logvar where sigma belongs, a fresh eps
instead of the given one, a missing mu) and checks that gradients reach mu and logvar.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from ..model import reparameterize
from ._report import Report, compare, name_mistake, returns_zeros, run_student

EXERCISE = "Reparameterization, equation (9)"


def _inputs() -> tuple[Tensor, Tensor, Tensor]:
    g = torch.Generator().manual_seed(9)
    mu = torch.randn(4, 3, generator=g, dtype=torch.float64) * 2  # (B, Z)
    logvar = torch.rand(4, 3, generator=g, dtype=torch.float64) * 4 - 3  # (B, Z) in [-3, 1]
    eps = torch.randn(4, 3, generator=g, dtype=torch.float64)  # (B, Z)
    return mu, logvar, eps


def _mistakes(mu: Tensor, logvar: Tensor, eps: Tensor) -> list[tuple[str, Tensor]]:
    return [
        ("you multiplied eps by the variance exp(logvar); the noise is scaled by the standard "
         "deviation sigma = exp(logvar / 2).", mu + logvar.exp() * eps),
        ("you multiplied eps by logvar itself; logvar is log sigma^2, so sigma = "
         "exp(logvar / 2).", mu + logvar * eps),
        ("you used 0.5 * exp(logvar); sigma = exp(0.5 * logvar): the 1/2 goes inside the "
         "exponential.", mu + 0.5 * logvar.exp() * eps),
        ("you used exp(2 * logvar); sigma = exp(0.5 * logvar), because logvar = 2 log sigma.",
         mu + (2 * logvar).exp() * eps),
        ("the mean mu is missing: z = mu + sigma * eps.", (0.5 * logvar).exp() * eps),
        ("you return mu alone: the noise sigma * eps is missing, so z would not be random.", mu),
        ("you subtract the noise instead of adding it. (In distribution that is the same, but "
         "with the given eps the sample must be mu + sigma * eps.)",
         mu - (0.5 * logvar).exp() * eps),
    ]


def check_reparameterize(fn: Callable[[Tensor, Tensor, Tensor], Tensor]) -> Report:
    """Check fn(mu, logvar, eps) -> z against Eq. (9), including the gradient path."""
    report = Report(EXERCISE)
    mu, logvar, eps = _inputs()
    expected = reparameterize(mu, logvar, eps)  # (B, Z)
    mu_in = mu.clone().requires_grad_(True)
    logvar_in = logvar.clone().requires_grad_(True)
    got = run_student(report, fn, mu_in, logvar_in, eps.clone())
    if not report.passed or returns_zeros(report, got, expected,
                                          "fill in z = mu + sigma * eps."):
        return report
    if name_mistake(report, got, expected, _mistakes(mu, logvar, eps), rtol=1e-4, atol=1e-6,
                    prefix="Not equation (9): "):
        return report
    if isinstance(got, Tensor) and got.shape == expected.shape and not torch.allclose(
            got.detach().to(expected.dtype), expected):
        again = fn(mu.clone(), logvar.clone(), eps.clone())
        if isinstance(again, Tensor) and not torch.allclose(again.detach().to(expected.dtype),
                                                            got.detach().to(expected.dtype)):
            report.problems.append(
                "two calls with the same eps give different z: use the eps passed in "
                "instead of drawing new noise (torch.randn) inside the function.")
            return report
    if not compare(report, "z", got, expected, hint="z = mu + exp(0.5 * logvar) * eps."):
        return report
    # The point of Eq. (9): z is a differentiable function of mu and logvar.
    if not got.requires_grad:
        report.problems.append(
            "z does not carry gradients back to mu and logvar (did you use .detach(), .data, "
            "torch.no_grad() or .item()?). The whole point of equation (9) is that it does.")
        return report
    d_mu, d_logvar = torch.autograd.grad(got.sum(), (mu_in, logvar_in), allow_unused=True)
    sigma = (0.5 * logvar).exp()
    for name, grad in (("mu", d_mu), ("logvar", d_logvar)):
        if grad is None:
            report.problems.append(
                f"no gradient reaches {name} (was it detached?); z must be a differentiable "
                f"function of both mu and logvar.")
            return report
    compare(report, "dz/dmu", d_mu, torch.ones_like(mu), hint="dz/dmu should be 1.")
    compare(report, "dz/dlogvar", d_logvar, 0.5 * sigma * eps,
            hint="dz/dlogvar should be sigma * eps / 2.")
    return report
