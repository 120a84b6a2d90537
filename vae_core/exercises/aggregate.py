"""Chapter 13 exercise: spherical interpolation between two codes (White 2016),

    z(t) = [sin((1 - t) W) z0 + sin(t W) z1] / sin W,   W the angle between z0 and z1,

for two codes z0, z1 of shape (Z,) and a number t in [0, 1]; returns (Z,).

`check_slerp(fn)` runs `fn(z0, z1, t)` on fixed codes of different lengths and names the usual
slips: the straight line (lerp), the result scaled to unit length (or to z0's length), t and
1 - t swapped, the division by sin W left out, the angle taken in degrees, the angle taken
without normalizing the codes.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from ..aggregate import lerp, slerp
from ._report import Report, check_again, close, name_mistake, returns_zeros, run_student, screen

EXERCISE = "Spherical interpolation"
ARGS = ("z0", "z1", "t")


def _inputs() -> tuple[Tensor, Tensor, float]:
    """Z = 5 codes of different lengths (2.0 and 3.5), about 100 degrees apart; t = 0.3."""
    g = torch.Generator().manual_seed(21)
    z0 = torch.randn(5, generator=g, dtype=torch.float64)
    z1 = torch.randn(5, generator=g, dtype=torch.float64)
    z1 = z1 - 1.2 * (z1 @ z0) / (z0 @ z0) * z0  # push the angle past 90 degrees
    return 2.0 * z0 / z0.norm(), 3.5 * z1 / z1.norm(), 0.3


def _mistakes(z0: Tensor, z1: Tensor, t: float) -> list[tuple[str, Tensor]]:
    """Wrong answers a student is likely to produce, each with the sentence that explains it."""
    right = slerp(z0, z1, t)[0]
    cos = (z0 @ z1) / (z0.norm() * z1.norm())
    omega = torch.arccos(cos)
    degrees = torch.rad2deg(omega)
    raw = torch.arccos((z0 @ z1).clamp(-1, 1))  # the dot product of unnormalized codes
    return [
        (
            "you return the straight line (1 - t) z0 + t z1; slerp weighs the codes by "
            "sin((1 - t) W) / sin W and sin(t W) / sin W, W the angle between them.",
            lerp(z0, z1, t)[0],
        ),
        (
            "your point has length 1: slerp mixes the codes themselves, not their directions, "
            "so with codes of lengths 2 and 3.5 it stays between those lengths.",
            right / right.norm(),
        ),
        (
            "your point has z0's length: slerp mixes the codes themselves; only when both have "
            "the same length does it keep that length.",
            right / right.norm() * z0.norm(),
        ),
        (
            "you swapped t and 1 - t: at t = 0 the path should be at z0, so z0's weight is "
            "sin((1 - t) W) / sin W.",
            slerp(z0, z1, 1 - t)[0],
        ),
        (
            "you left out the division by sin W: without it the weights do not give z0 at "
            "t = 0 and z1 at t = 1.",
            torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1,
        ),
        (
            "your angle is in degrees (torch.rad2deg or math.degrees); torch.sin takes radians.",
            (torch.sin((1 - t) * degrees) * z0 + torch.sin(t * degrees) * z1) / torch.sin(degrees),
        ),
        (
            "your angle comes from the dot product of the codes themselves; divide it by both "
            "lengths first, cos W = z0 . z1 / (|z0| |z1|).",
            (torch.sin((1 - t) * raw) * z0 + torch.sin(t * raw) * z1) / torch.sin(raw),
        ),
    ]


def check_slerp(slerp_fn: Callable[[Tensor, Tensor, float], Tensor]) -> Report:
    """Check slerp_fn(z0, z1, t) -> (Z,) against White's slerp; say in plain words what is wrong."""
    report = Report(EXERCISE)
    z0, z1, t = _inputs()
    expected = slerp(z0, z1, t)[0]  # (Z,)
    got = run_student(report, slerp_fn, z0.clone(), z1.clone(), t, names=ARGS)
    if not report.passed or not screen(
        report, "z(t)", got, nan="sin W is 0 when the codes are parallel; is W in radians?"
    ):
        return report
    if returns_zeros(report, got, expected, "fill in the slerp formula."):
        return report
    if name_mistake(report, got, expected, _mistakes(z0, z1, t), rtol=1e-5, atol=1e-7):
        return report
    if not close(got, expected, rtol=1e-5, atol=1e-7):
        report.problems.append(
            f"z(t) should have shape {tuple(expected.shape)} and equal "
            f"{[round(v, 4) for v in expected.tolist()]} for these codes at t = {t}; got "
            + (
                f"{[round(v, 4) for v in got.detach().double().reshape(-1).tolist()]} "
                f"(shape {tuple(got.shape)})."
                if got.numel() <= 8
                else f"shape {tuple(got.shape)}."
            )
        )
        return report
    # Again: 20 dimensions, the ends of the path, equal lengths (the length must stay put).
    g = torch.Generator().manual_seed(22)
    a = torch.randn(20, generator=g, dtype=torch.float64)
    b = torch.randn(20, generator=g, dtype=torch.float64)
    b = b / b.norm() * a.norm()
    for s in (0.0, 0.75, 1.0):
        if not check_again(
            report,
            f"two 20-dimensional codes of equal length at t = {s:g}",
            slerp_fn,
            (a, b, s),
            slerp(a, b, s)[0],
            names=ARGS,
            rtol=1e-5,
            atol=1e-7,
            name="z(t)",
        ):
            return report
    return report


__all__ = ["check_slerp"]
