"""The checker of chapter 12 accepts a correct answer and names each typical mistake."""

import pytest
import torch

from vae_core.exercises.inference_gaps import check_gap_split


@pytest.mark.parametrize(
    "fn",
    [
        lambda lp, enc, best: (lp - best, best - enc),
        lambda lp, enc, best: [lp - best, (lp - enc) - (lp - best)],
        lambda lp, enc, best: (torch.sub(lp, best), torch.sub(best, enc)),
    ],
)
def test_correct_answers_pass(fn):
    report = check_gap_split(fn)
    assert report.passed, repr(report)


@pytest.mark.parametrize(
    "fn, phrase",
    [
        (lambda lp, enc, best: (torch.zeros_like(lp), torch.zeros_like(lp)), "zeros"),
        (lambda lp, enc, best: (best - enc, lp - best), "swapped"),
        (lambda lp, enc, best: (best - lp, best - enc), "sign is flipped"),
        (lambda lp, enc, best: (lp - best, enc - best), "sign is flipped"),
        (lambda lp, enc, best: (lp - enc, best - enc), "approximation gap you return is the total"),
        (lambda lp, enc, best: (lp - best, lp - enc), "amortization gap you return is the total"),
        (lambda lp, enc, best: ((lp - best).mean(), (best - enc).mean()), "one number per gap"),
        (lambda lp, enc, best: lp - best, "return a pair"),
        (lambda lp, enc, best: (lp - best, (best - enc) * 2), "expected approximation"),
        (lambda lp, enc, best: (lp - best, (best - enc) / 0 * 0), "NaN"),
        (lambda lp, enc, best: (lp.sub_(1) - best, best - enc), "in place"),
        (lambda lp, enc, best: (lp.gap(), best - enc), "raised AttributeError"),
    ],
)
def test_mistakes_are_named(fn, phrase):
    report = check_gap_split(fn)
    assert not report.passed
    assert phrase in repr(report), repr(report)


def test_an_answer_right_only_on_the_first_inputs_fails_the_second():
    def only_five(lp, enc, best):
        return (lp - best, best - enc) if len(lp) == 5 else (lp - best, torch.ones_like(lp))

    report = check_gap_split(only_five)
    assert not report.passed
    assert "8 images" in repr(report), repr(report)
