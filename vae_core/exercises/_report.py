"""A verdict for an exercise: passed or not, and the reasons in plain words."""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor


@dataclass
class Report:
    exercise: str
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        if self.passed:
            return f"{self.exercise}: correct."
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return f"{self.exercise}: not yet.\n{lines}"

    _repr_pretty_ = lambda self, printer, cycle: printer.text(repr(self))  # noqa: E731


def compare(report: Report, name: str, got: object, expected: Tensor, *, rtol: float = 1e-4,
            atol: float = 1e-5, hint: str = "") -> bool:
    """Add a problem to `report` unless `got` is a tensor close to `expected`; say what differs."""
    if not isinstance(got, Tensor):
        report.problems.append(f"{name} should be a torch.Tensor, but it is {type(got).__name__}.")
        return False
    if got.shape != expected.shape:
        report.problems.append(
            f"{name} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}. "
            "Check which axis you sum over (the latent or pixel axis is the last one).")
        return False
    got = got.detach().to(expected.dtype)
    if not torch.isfinite(got).all():
        report.problems.append(f"{name} contains NaN or inf; work in log space where you can.")
        return False
    if torch.allclose(got, expected, rtol=rtol, atol=atol):
        return True
    if torch.allclose(-got, expected, rtol=rtol, atol=atol):
        report.problems.append(f"{name} has the wrong sign: every value is the negative of the "
                               f"expected one.")
        return False
    worst = (got - expected).abs().argmax()
    report.problems.append(
        f"{name} differs from the reference: at index {worst.item()} you give "
        f"{got.flatten()[worst].item():.6g}, expected {expected.flatten()[worst].item():.6g}."
        + (f" Hint: {hint}" if hint else ""))
    return False
