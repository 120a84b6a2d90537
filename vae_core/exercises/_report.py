"""A verdict for an exercise, and the steps every checker shares: run the student's function
without crashing the notebook (and refuse it if it changes its inputs in place), say plainly when
the answer is not finite, name a known mistake when the answer matches one, and otherwise say how
the answer differs from the reference."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

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

    def __str__(self) -> str:
        """The verdict wrapped to the book's text column (88 characters), as notebooks show it."""
        if self.passed:
            return repr(self)
        lines = "\n".join(
            textwrap.fill(p, 88, initial_indent="  - ", subsequent_indent="    ")
            for p in self.problems
        )
        return f"{self.exercise}: not yet.\n{lines}"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """IPython's display of a report: the wrapped verdict."""
        printer.text(str(self))


def run_student(report: Report, fn: Callable, *args: object, names: Sequence[str] = ()) -> object:
    """Call the student's function; return its answer, or None after recording what went wrong.

    Wrong means: it raised, or it changed one of its tensor inputs in place (the caller still
    needs them; `names[i]` names argument i in the message).
    """
    before = [a.detach().clone() if isinstance(a, Tensor) else None for a in args]
    try:
        got = fn(*args)
    except Exception as error:  # the student's code can fail in any way
        message = f"your function raised {type(error).__name__}: {error}"
        if "in-place" in str(error) or "inplace" in str(error):
            message += (
                " This is an in-place change of an input (x += ..., x.add_(...), "
                "x[...] = ...): compute a new tensor instead (x = x + ...)."
            )
        report.problems.append(message)
        return None
    for i, (arg, old) in enumerate(zip(args, before)):
        if old is None:
            continue
        new = arg.detach()
        if new.shape != old.shape or new.dtype != old.dtype or not torch.equal(new, old):
            name = names[i] if i < len(names) else f"argument {i + 1}"
            report.problems.append(
                f"your function changes its input `{name}` in place (+=, *=, .add_(), "
                f".clamp_(), {name}[...] = ... or similar). The caller still needs `{name}` "
                f"unchanged: build a new tensor instead ({name} = {name} + ..., or work on "
                f"{name}.clone())."
            )
            return None
    return got


def screen(
    report: Report, name: str, got: object, *, nan: str = "", neg_inf: str = "", pos_inf: str = ""
) -> bool:
    """First look at an answer: True if `got` is a tensor of finite values, else say why not.

    `nan`, `neg_inf` and `pos_inf` are hints for the likely cause of each kind of non-finite
    value; the message always says plainly which kind it is, how many and where.
    """
    if not isinstance(got, Tensor):
        report.problems.append(f"{name} should be a torch.Tensor, but it is {type(got).__name__}.")
        return False
    value = got.detach()
    if value.is_complex():
        report.problems.append(
            f"{name} is a complex tensor ({value.dtype}); the answer is real: "
            "a log of a negative number, or a complex dtype, made it so."
        )
        return False
    if not value.is_floating_point() or bool(torch.isfinite(value).all()):
        return True
    kinds = [
        ("NaN", torch.isnan(value), nan),
        ("-inf", value == -math.inf, neg_inf),
        ("+inf", value == math.inf, pos_inf),
    ]
    found, hints = [], []
    for label, mask, hint in kinds:
        count = int(mask.sum())
        if count == 0:
            continue
        where = (
            "" if value.ndim == 0 else f", the first at index {tuple(mask.nonzero()[0].tolist())}"
        )
        found.append(f"{label} in {count} of {value.numel()} entries{where}")
        if hint:
            hints.append(hint)
    report.problems.append(
        f"{name} is not finite: it contains "
        + "; ".join(found)
        + "."
        + "".join(f" {h}" for h in hints)
    )
    return False


def returns_zeros(report: Report, got: object, expected: Tensor, todo: str) -> bool:
    """Record `todo` and return True if `got` is the untouched template's all-zero answer."""
    if isinstance(got, Tensor) and got.shape == expected.shape and bool(torch.all(got == 0)):
        report.problems.append(f"your function returns zeros: {todo}")
        return True
    return False


def name_mistake(
    report: Report,
    got: object,
    expected: Tensor,
    mistakes: Mistakes,
    *,
    rtol: float = 1e-4,
    atol: float = 1e-5,
    prefix: str = "",
) -> bool:
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
        if (
            wrong.shape == value.shape
            and bool(torch.isfinite(wrong).all())
            and torch.allclose(value, wrong, rtol=rtol, atol=atol)
        ):
            report.problems.append(prefix + explanation)
            return True
    return False


def compare(
    report: Report,
    name: str,
    got: object,
    expected: Tensor,
    *,
    rtol: float = 1e-4,
    atol: float = 1e-5,
    hint: str = "",
) -> bool:
    """Add a problem to `report` unless `got` is a tensor close to `expected`; say what differs."""
    if not isinstance(got, Tensor):
        report.problems.append(f"{name} should be a torch.Tensor, but it is {type(got).__name__}.")
        return False
    if got.shape != expected.shape:
        report.problems.append(
            f"{name} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}. "
            "Check which axis you sum over (the latent or pixel axis is the last one)."
        )
        return False
    got = got.detach().to(expected.dtype)
    if not torch.isfinite(got).all():
        report.problems.append(f"{name} contains NaN or inf; work in log space where you can.")
        return False
    if torch.allclose(got, expected, rtol=rtol, atol=atol):
        return True
    if torch.allclose(-got, expected, rtol=rtol, atol=atol):
        report.problems.append(
            f"{name} has the wrong sign: every value is the negative of the expected one."
        )
        return False
    worst = (got - expected).abs().argmax()
    report.problems.append(
        f"{name} differs from the reference: at index {worst.item()} you give "
        f"{got.flatten()[worst].item():.6g}, expected {expected.flatten()[worst].item():.6g}."
        + (f" Hint: {hint}" if hint else "")
    )
    return False


def check_against(
    report: Report,
    name: str,
    got: object,
    expected: Tensor,
    mistakes: Mistakes = (),
    *,
    rtol: float = 1e-4,
    atol: float = 1e-5,
    hint: str = "",
) -> bool:
    """`compare`, after first naming the known mistake that `got` matches, if any."""
    if name_mistake(report, got, expected, mistakes, rtol=rtol, atol=atol, prefix=f"{name}: "):
        return False
    return compare(report, name, got, expected, rtol=rtol, atol=atol, hint=hint)


def close(got: object, value: Tensor, *, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    """True if `got` is a finite tensor of `value`'s shape and close to it."""
    if not isinstance(got, Tensor) or got.shape != value.shape:
        return False
    got = got.detach().to(value.dtype)
    return bool(torch.isfinite(got).all()) and torch.allclose(got, value, rtol=rtol, atol=atol)


def check_again(
    report: Report,
    what: str,
    fn: Callable,
    args: Sequence[object],
    expected: Tensor,
    *,
    names: Sequence[str] = (),
    rtol: float = 1e-4,
    atol: float = 1e-5,
    name: str = "the answer",
) -> bool:
    """Run `fn` on a second set of inputs (`what` describes them) and compare with `expected`.

    An answer right on the first inputs and wrong here usually has a size or a value written
    into the code; the message says so.
    """
    before = len(report.problems)
    got = run_student(report, fn, *args, names=names)
    if len(report.problems) > before and report.problems[-1].startswith("your function raised"):
        report.problems[-1] = (
            f"right on the first inputs, but for {what} it "
            f"{report.problems[-1][len('your function ') :].rstrip('.')}: do not write sizes or "
            "values of the first example into the code; take them from the inputs "
            "(e.g. x.shape[0])."
        )
        return False
    if not report.passed or not screen(report, f"{name} for {what}", got):
        return False
    if close(got, expected, rtol=rtol, atol=atol):
        return True
    shape = tuple(got.shape) if isinstance(got, Tensor) else None
    report.problems.append(
        f"right on the first inputs but not for {what}"
        + (
            f" (shape {shape}, expected {tuple(expected.shape)})"
            if shape != tuple(expected.shape)
            else ""
        )
        + ": do not write sizes or values of the first example into the code; take them from "
        "the inputs (e.g. x.shape[0]) and reduce over the named axis."
    )
    return False
