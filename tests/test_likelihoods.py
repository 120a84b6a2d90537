"""vae_core.likelihoods against mpmath, numerical integration and torch.distributions."""

import math

import mpmath
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from vae_core.likelihoods import (
    TAYLOR_CUTOFF,
    continuous_bernoulli_log_likelihood,
    continuous_bernoulli_log_norm,
    continuous_bernoulli_mean,
    grey_bce_missing_mass,
    log_likelihood,
)
from vae_core.objective import bernoulli_log_likelihood

mpmath.mp.dps = 40
POINTS = [
    -60.0,
    -20.0,
    -3.0,
    -0.5,
    -TAYLOR_CUTOFF,
    -1e-3,
    -1e-7,
    0.0,
    1e-7,
    1e-3,
    TAYLOR_CUTOFF * (1 - 1e-9),
    TAYLOR_CUTOFF,
    0.2,
    1.0,
    7.0,
    30.0,
    90.0,
]


def _log_norm_mp(l: float) -> float:
    if l == 0:
        return math.log(2)
    l = mpmath.mpf(l)
    return float(mpmath.log(l / mpmath.tanh(l / 2)))


def _dlog_norm_mp(l: float) -> float:
    if l == 0:
        return 0.0
    return float(mpmath.diff(lambda e: mpmath.log(e / mpmath.tanh(e / 2)), mpmath.mpf(l)))


@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-13), (torch.float32, 1e-6)])
def test_log_norm_matches_mpmath_everywhere(dtype, tol):
    logits = torch.tensor(POINTS, dtype=dtype)
    got = continuous_bernoulli_log_norm(logits).double()
    expected = torch.tensor([_log_norm_mp(p) for p in POINTS], dtype=torch.float64)
    assert torch.allclose(got, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
def test_log_norm_gradient_is_finite_and_right_near_zero(dtype, tol):
    logits = torch.tensor(POINTS, dtype=dtype, requires_grad=True)
    continuous_bernoulli_log_norm(logits).sum().backward()
    expected = torch.tensor([_dlog_norm_mp(p) for p in POINTS], dtype=torch.float64)
    assert torch.isfinite(logits.grad).all()
    assert torch.allclose(logits.grad.double(), expected, rtol=tol, atol=tol)
    assert logits.grad[POINTS.index(0.0)] == 0


def test_log_norm_is_continuous_at_the_cutoff():
    just_below = torch.tensor(TAYLOR_CUTOFF, dtype=torch.float64) * (1 - 1e-12)
    at = torch.tensor(TAYLOR_CUTOFF, dtype=torch.float64)
    gap = continuous_bernoulli_log_norm(at) - continuous_bernoulli_log_norm(just_below)
    assert abs(gap.item()) < 1e-14


def test_log_norm_minimum_is_log_two_at_zero():
    logits = torch.linspace(-10, 10, 2001, dtype=torch.float64)
    values = continuous_bernoulli_log_norm(logits)
    assert values.min().item() == pytest.approx(math.log(2), abs=1e-15)
    assert (values >= math.log(2) - 1e-15).all()


@pytest.mark.parametrize("logit", [-12.0, -2.0, -1e-4, 0.0, 0.03, 0.5, 4.0, 25.0])
def test_density_integrates_to_one(logit):
    x = torch.linspace(0, 1, 200001, dtype=torch.float64)
    logits = torch.full_like(x, logit)
    density = torch.exp(
        -F.binary_cross_entropy_with_logits(logits, x, reduction="none")
        + continuous_bernoulli_log_norm(logits)
    )
    assert torch.trapezoid(density, x).item() == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("logit", [-5.0, 0.0, 0.01, 2.0])
def test_bce_kernel_integrates_to_one_over_c(logit):
    kernel = lambda x: float(mpmath.exp(logit * x - mpmath.log1p(mpmath.exp(logit))))  # noqa: E731
    mass = mpmath.quad(kernel, [0, 1])
    expected = -continuous_bernoulli_log_norm(torch.tensor(logit, dtype=torch.float64)).item()
    assert math.log(mass) == pytest.approx(expected, abs=1e-12)


def test_missing_mass_is_at_least_d_log_two():
    logits = torch.randn(4, 784, generator=torch.Generator().manual_seed(0)) * 3
    missing = grey_bce_missing_mass(logits)
    assert missing.shape == (4,)
    assert (missing <= -784 * math.log(2)).all()


@pytest.mark.parametrize(
    "dtype, limit, tol", [(torch.float64, 15.0, 1e-10), (torch.float32, 5.0, 5e-5)]
)
def test_log_likelihood_matches_torch_distributions(dtype, limit, tol):
    gen = torch.Generator().manual_seed(0)
    logits = (torch.rand(8, 50, generator=gen, dtype=torch.float64) * 2 - 1) * limit
    logits[0, :5] = torch.tensor([0.0, 1e-5, -1e-3, 0.002, TAYLOR_CUTOFF])
    x = torch.rand(8, 50, generator=gen, dtype=torch.float64)
    x[1, :3] = torch.tensor([0.0, 1.0, 0.5])
    logits, x = logits.to(dtype), x.to(dtype)
    reference = torch.distributions.ContinuousBernoulli(logits=logits).log_prob(x).sum(-1)
    got = continuous_bernoulli_log_likelihood(logits, x)
    assert got.shape == (8,)
    assert torch.allclose(got, reference, rtol=tol, atol=tol)


def test_mean_matches_torch_and_integration():
    logits = torch.tensor([-30.0, -2.0, -1e-3, 0.0, 0.04, 0.3, 3.0], dtype=torch.float64)
    reference = torch.distributions.ContinuousBernoulli(logits=logits).mean
    assert torch.allclose(continuous_bernoulli_mean(logits), reference, atol=1e-9)
    for l in logits.tolist():
        density = lambda x: mpmath.exp(l * x) * l / mpmath.expm1(l) if l else 1  # noqa: E731
        mean = float(mpmath.quad(lambda x: x * density(x), [0, 1]))
        assert continuous_bernoulli_mean(
            torch.tensor(l, dtype=torch.float64)
        ).item() == pytest.approx(mean, abs=1e-12)


def test_stays_finite_where_torch_clamps():
    logits = torch.tensor([-80.0, 80.0], requires_grad=True)
    x = torch.tensor([0.0, 1.0])
    value = continuous_bernoulli_log_likelihood(logits, x)
    value.backward()
    # p(x) = l e^{l x} / (e^l - 1): at x = 0, l = -80 it is about 80, so log p is about log 80.
    assert value.item() == pytest.approx(2 * math.log(80), abs=1e-4)
    assert torch.isfinite(logits.grad).all()


def test_log_likelihood_dispatch_and_errors():
    logits, x = torch.zeros(2, 3), torch.full((2, 3), 0.25)
    assert torch.equal(log_likelihood("bernoulli", logits, x), bernoulli_log_likelihood(logits, x))
    assert torch.allclose(
        log_likelihood("continuous-bernoulli", logits, x), torch.full((2,), 0.0)
    )  # CB(1/2) is uniform: log density 0
    with pytest.raises(ValueError, match="likelihood must be one of"):
        log_likelihood("gaussian", logits, x)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        continuous_bernoulli_log_likelihood(logits, x + 1)
    with pytest.raises(TypeError, match="torch.Tensor"):
        continuous_bernoulli_log_norm([0.0])


@settings(max_examples=60, deadline=None)
@given(st.floats(-50, 50, allow_nan=False))
def test_float32_agrees_with_float64(logit):
    l32 = continuous_bernoulli_log_norm(torch.tensor(logit, dtype=torch.float32)).item()
    l64 = continuous_bernoulli_log_norm(torch.tensor(logit, dtype=torch.float64)).item()
    assert l32 == pytest.approx(l64, rel=1e-6, abs=1e-6)
