"""The checker of chapter 13 accepts a correct slerp and names each typical mistake."""

import math

import pytest
import torch

from vae_core.exercises.aggregate import check_slerp


def angle(z0, z1):
    return torch.arccos((z0 @ z1 / (z0.norm() * z1.norm())).clamp(-1, 1))


def textbook(z0, z1, t):
    w = angle(z0, z1)
    return (torch.sin((1 - t) * w) * z0 + torch.sin(t * w) * z1) / torch.sin(w)


def with_atan2(z0, z1, t):
    u0, u1 = z0 / z0.norm(), z1 / z1.norm()
    w = 2 * torch.atan2((u0 - u1).norm(), (u0 + u1).norm())
    return (math.sin((1 - t) * float(w)) * z0 + math.sin(t * float(w)) * z1) / math.sin(float(w))


@pytest.mark.parametrize("fn", [textbook, with_atan2])
def test_correct_answers_pass(fn):
    report = check_slerp(fn)
    assert report.passed, repr(report)


@pytest.mark.parametrize(
    "fn, phrase",
    [
        (lambda z0, z1, t: torch.zeros_like(z0), "zeros"),
        (lambda z0, z1, t: (1 - t) * z0 + t * z1, "straight line"),
        (lambda z0, z1, t: textbook(z0, z1, t) / textbook(z0, z1, t).norm(), "length 1"),
        (
            lambda z0, z1, t: textbook(z0, z1, t) / textbook(z0, z1, t).norm() * z0.norm(),
            "z0's length",
        ),
        (lambda z0, z1, t: textbook(z0, z1, 1 - t), "swapped t and 1 - t"),
        (
            lambda z0, z1, t: (
                torch.sin((1 - t) * angle(z0, z1)) * z0 + torch.sin(t * angle(z0, z1)) * z1
            ),
            "division by sin W",
        ),
        (
            lambda z0, z1, t: (
                (
                    torch.sin((1 - t) * torch.rad2deg(angle(z0, z1))) * z0
                    + torch.sin(t * torch.rad2deg(angle(z0, z1))) * z1
                )
                / torch.sin(torch.rad2deg(angle(z0, z1)))
            ),
            "degrees",
        ),
        (
            lambda z0, z1, t: (
                (
                    torch.sin((1 - t) * torch.arccos((z0 @ z1).clamp(-1, 1))) * z0
                    + torch.sin(t * torch.arccos((z0 @ z1).clamp(-1, 1))) * z1
                )
                / torch.sin(torch.arccos((z0 @ z1).clamp(-1, 1)))
            ),
            "divide it by both lengths",
        ),
        (lambda z0, z1, t: textbook(z0, z1, t) + 0.1, "should have shape (5,) and equal"),
        (lambda z0, z1, t: textbook(z0, z1, t) * float("nan"), "NaN"),
        (lambda z0, z1, t: z0.mul_(2), "in place"),
        (lambda z0, z1, t: z0.unknown(), "raised AttributeError"),
        (lambda z0, z1, t: textbook(z0, z1, t).tolist(), "torch.Tensor"),
    ],
)
def test_mistakes_are_named(fn, phrase):
    report = check_slerp(fn)
    assert not report.passed
    assert phrase in repr(report), repr(report)


def test_an_answer_right_only_in_five_dimensions_fails_the_second_inputs():
    def only_five(z0, z1, t):
        return textbook(z0, z1, t) if z0.shape[0] == 5 else torch.ones_like(z0)

    report = check_slerp(only_five)
    assert not report.passed
    assert "right on the first inputs but not for two 20-dimensional codes" in repr(report)
