"""Likelihood estimators (Eq. 1, IWAE) and gradient estimators (Eq. 9 vs. score function)."""

from __future__ import annotations

import math

import pytest
import torch

from vae_core import (
    VAE,
    VAEConfig,
    iwae_bound,
    log_mean_exp,
    naive_log_px,
    posterior_on_grid,
    reparameterized_gradient,
    score_function_gradient,
    vae_log_joint,
)


def _square(z):
    return z.pow(2).sum(-1)  # E_q[sum z^2] = sum(mu^2 + sigma^2)


MU = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
LOGVAR = torch.tensor([0.0, math.log(0.25), math.log(2.0)], dtype=torch.float64)
S = 20000


@pytest.mark.parametrize("estimator", [reparameterized_gradient, score_function_gradient])
def test_gradient_estimators_are_unbiased(estimator):
    """d/dmu E[z^2] = 2 mu and d/dlogvar E[z^2] = sigma^2, within 5 standard errors."""
    grads = estimator(_square, MU, LOGVAR, S, generator=torch.Generator().manual_seed(0))
    (d_mu, d_logvar), (v_mu, v_logvar) = grads.mean(), grads.variance()
    assert d_mu.shape == MU.shape and grads.d_mu.shape == (S, 3)
    assert bool(((d_mu - 2 * MU).abs() <= 5 * (v_mu / S).sqrt()).all()), d_mu
    assert bool(((d_logvar - LOGVAR.exp()).abs() <= 5 * (v_logvar / S).sqrt()).all()), d_logvar


def test_reparameterized_gradient_matches_autograd_of_the_exact_expectation():
    mu, logvar = MU.clone().requires_grad_(), LOGVAR.clone().requires_grad_()
    (mu.pow(2) + logvar.exp()).sum().backward()
    grads = reparameterized_gradient(
        _square, MU, LOGVAR, S, generator=torch.Generator().manual_seed(1)
    )
    d_mu, d_logvar = grads.mean()
    torch.testing.assert_close(d_mu, mu.grad, rtol=0, atol=0.05)
    torch.testing.assert_close(d_logvar, logvar.grad, rtol=0, atol=0.05)


def test_reparameterized_gradient_has_lower_variance_than_score_function():
    g = torch.Generator().manual_seed(2)
    eps = torch.randn(S, 3, generator=g, dtype=torch.float64)  # the same draws for both
    reparam = reparameterized_gradient(_square, MU, LOGVAR, S, eps=eps).variance()
    score = score_function_gradient(_square, MU, LOGVAR, S, eps=eps).variance()
    for ours, theirs in zip(reparam, score):
        assert bool((ours < theirs).all()), (ours, theirs)
    # ... and by a wide margin for the mean: at least 10x here.
    assert bool((reparam[0] * 10 < score[0]).all())


def test_log_mean_exp_is_stable():
    v = torch.tensor([[-1000.0, -1000.0], [-1000.0, 0.0]])
    torch.testing.assert_close(log_mean_exp(v, 0), torch.tensor([-1000.0, math.log(0.5)]))


def _small_vae():
    """784 pixels make the posterior too sharp for prior sampling; 20 pixels keep it honest."""
    torch.manual_seed(0)
    model = VAE(VAEConfig(data_dim=20, hidden=(16,), latent_dim=2)).eval()
    with torch.no_grad():
        model.decoder.net[-1].weight.mul_(4)  # an informative decoder
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        x = torch.bernoulli(
            torch.sigmoid(model.decode(torch.randn(6, 2, generator=g))), generator=g
        )
    return model, x


def test_naive_and_iwae_agree_as_k_grows():
    """Both estimates of Eq. (1) approach the grid value and each other as K grows."""
    model, x = _small_vae()
    exact = torch.tensor(
        [posterior_on_grid(vae_log_joint(model, xi), resolution=101).log_px for xi in x]
    )
    g = torch.Generator().manual_seed(1)
    gaps = []
    for k in (10, 300, 30000):
        iwae, naive = iwae_bound(model, x, k, generator=g), naive_log_px(model, x, k, generator=g)
        gaps.append(float((iwae - naive).abs().mean()))
    assert gaps[0] > gaps[1] > gaps[2], gaps
    assert gaps[-1] < 0.03, gaps
    assert float((iwae - exact).abs().max()) < 0.05
    assert float((naive - exact).abs().max()) < 0.05


def test_iwae_with_one_sample_is_an_elbo_estimate(tiny_model, binary_batch):
    from vae_core import elbo

    g = torch.Generator().manual_seed(0)
    xs = binary_batch.repeat(300, 1)  # (300 * 8, D): 300 draws per image in one call
    with torch.no_grad():
        one = iwae_bound(tiny_model, xs, 1, generator=g).reshape(300, 8)
        ref = elbo(tiny_model, xs, generator=g).elbo.reshape(300, 8)
    se = (one.var(0) / 300 + ref.var(0) / 300).sqrt()
    assert bool(((one.mean(0) - ref.mean(0)).abs() <= 5 * se).all())


@pytest.mark.parametrize("total, size", [(1, 1), (5, 2), (6, 3), (7, 100), (1000, 333)])
def test_chunk_sizes_cover_the_total_in_bounded_chunks(total, size):
    from vae_core.estimators import chunk_sizes

    sizes = chunk_sizes(total, size)
    assert sum(sizes) == total and all(0 < k <= size for k in sizes)
    assert sizes[:-1] == [size] * (len(sizes) - 1)  # only the last chunk is short
