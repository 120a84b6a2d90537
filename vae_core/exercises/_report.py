"""A verdict for an exercise, and the steps every checker shares: run the student's function
without crashing the notebook, name a known mistake when the answer matches one, and otherwise
say how the answer differs from the reference."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import torch
from torch import Tensor

# A known mistake: the sentence that explains it, and the tensor that mistake would return.
Mistakes = Mapping[str, Tensor] | Iterable[tuple[str, Tensor]]


@dataclass
class Report:
    """Passed or not, with the problems found in plain words."""

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


def run_student(report: Report, fn: Callable, *args) -> object:
    """Call the student's function; if it raises, record that in `report` and return None."""
    try:
        return fn(*args)
    except Exception as error:  # the student's code can fail in any way
        report.problems.append(f"your function raised {type(error).__name__}: {error}")
        return None


def returns_zeros(report: Report, got: object, expected: Tensor, todo: str) -> bool:
    """Record `todo` and return True if `got` is the untouched template's all-zero answer."""
    if isinstance(got, Tensor) and got.shape == expected.shape and bool(torch.all(got == 0)):
        report.problems.append(f"your function returns zeros: {todo}")
        return True
    return False


def name_mistake(report: Report, got: object, expected: Tensor, mistakes: Mistakes, *,
                 rtol: float = 1e-4, atol: float = 1e-5, prefix: str = "") -> bool:
    """Record and return True if `got` is not `expected` but is what a known mistake returns.

    Each mistake's tensor may have any shape (summing over the wrong axis changes it); mistakes
    whose tensor is not finite are skipped, so a NaN answer is explained by the caller instead.
    """
    if not isinstance(got, Tensor):
        return False
    value = got.detach().to(expected.dtype)
    if value.shape == expected.shape and torch.allclose(value, expected, rtol=rtol, atol=atol):
        return False
    items = mistakes.items() if isinstance(mistakes, Mapping) else mistakes
    for explanation, wrong in items:
        wrong = wrong.to(expected.dtype)
        if (wrong.shape == value.shape and bool(torch.isfinite(wrong).all())
                and torch.allclose(value, wrong, rtol=rtol, atol=atol)):
            report.problems.append(prefix + explanation)
            return True
    return False


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


def check_against(report: Report, name: str, got: object, expected: Tensor,
                  mistakes: Mistakes = (), *, rtol: float = 1e-4, atol: float = 1e-5,
                  hint: str = "") -> bool:
    """`compare`, after first naming the known mistake that `got` matches, if any."""
    if name_mistake(report, got, expected, mistakes, rtol=rtol, atol=atol, prefix=f"{name}: "):
        return False
    return compare(report, name, got, expected, rtol=rtol, atol=atol, hint=hint)
