"""The checkers of chapters 8 and 9 accept the solutions and name the usual mistakes."""

import math

import torch

from vae_core.exercises.likelihoods import check_continuous_bernoulli_log_norm
from vae_core.exercises.training import check_negative_elbo_per_image


def _kl(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=-1)


def _problems(report) -> str:
    assert not report.passed
    return " ".join(report.problems)


def test_negative_elbo_solution_passes():
    report = check_negative_elbo_per_image(lambda bce, mu, lv: bce.sum(-1) + _kl(mu, lv))
    assert report.passed, report
    assert "correct" in repr(report)


def test_negative_elbo_template_fails_with_a_message():
    report = check_negative_elbo_per_image(lambda bce, mu, lv: torch.zeros(bce.shape[0]))
    assert "returns zeros" in _problems(report)


def test_negative_elbo_names_common_mistakes():
    cases = {
        "sum over images": lambda b, m, v: (b.sum(-1) + _kl(m, v)).sum(),
        "batch mean": lambda b, m, v: (b.sum(-1) + _kl(m, v)).mean(),
        "average the BCE over pixels": lambda b, m, v: b.mean(-1) + _kl(m, v),
        "wrong sign": lambda b, m, v: b.sum(-1) - _kl(m, v),
        "KL term is missing": lambda b, m, v: b.sum(-1),
        "summed over the whole batch": lambda b, m, v: b.sum(-1) + _kl(m, v).sum(),
        "twice too large": lambda b, m, v: b.sum(-1) + 2 * _kl(m, v),
    }
    for phrase, fn in cases.items():
        assert phrase in _problems(check_negative_elbo_per_image(fn)), phrase


def test_negative_elbo_catches_hard_coded_sizes_and_exceptions():
    def hard_coded(bce, mu, lv):
        return bce.reshape(-1, 784).sum(-1) + _kl(mu.reshape(-1, 20), lv.reshape(-1, 20))

    assert "do not write the sizes" in _problems(check_negative_elbo_per_image(hard_coded))
    assert "raised ZeroDivisionError" in _problems(check_negative_elbo_per_image(lambda *a: 1 / 0))


def _log_norm_logits(logits):
    far = logits.abs() >= 0.05
    safe = torch.where(far, logits, torch.ones_like(logits))
    exact = torch.log(safe / torch.tanh(safe / 2))
    return torch.where(far, exact, math.log(2) + logits**2 / 12 - 7 * logits**4 / 1440)


def test_log_norm_solution_passes():
    report = check_continuous_bernoulli_log_norm(_log_norm_logits)
    assert report.passed, report


def test_log_norm_reference_passes():
    from vae_core.likelihoods import continuous_bernoulli_log_norm

    assert check_continuous_bernoulli_log_norm(continuous_bernoulli_log_norm).passed


def test_log_norm_names_common_mistakes():
    def naive_probs(logits):
        lam = torch.sigmoid(logits)
        return torch.log(2 * torch.atanh(1 - 2 * lam) / (1 - 2 * lam))

    def unsafe_where(logits):
        exact = torch.log(logits / torch.tanh(logits / 2))
        return torch.where(logits.abs() < 0.05, math.log(2) + logits**2 / 12, exact)

    def no_factor_two(logits):
        return _log_norm_logits(logits) - math.log(2)

    assert "logits = 0" in _problems(check_continuous_bernoulli_log_norm(naive_probs))
    assert "large |logits|" in _problems(check_continuous_bernoulli_log_norm(naive_probs))
    assert "gradient" in _problems(check_continuous_bernoulli_log_norm(unsafe_where))
    assert "log 2" in _problems(check_continuous_bernoulli_log_norm(no_factor_two))
    assert "C itself" in _problems(
        check_continuous_bernoulli_log_norm(lambda l: _log_norm_logits(l).exp())
    )
    assert "returns zeros" in _problems(
        check_continuous_bernoulli_log_norm(lambda l: torch.zeros_like(l))
    )
