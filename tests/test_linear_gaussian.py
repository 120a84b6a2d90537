"""Bounds against the truth: the linear-Gaussian model has exact log p(x) (Eq. 1) and p(z|x) (Eq. 2)."""

from __future__ import annotations

import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import MultivariateNormal

from vae_core import LinearGaussianModel


def _problem(seed, data_dim=6, latent_dim=3, noise_std=0.5, batch=4):
    g = torch.Generator().manual_seed(seed)
    model = LinearGaussianModel.random(data_dim, latent_dim, noise_std, generator=g)
    x, _ = model.sample(batch, generator=g)
    return model, x, g


def _random_q(g, batch, latent_dim):
    mean = 2 * torch.randn(batch, latent_dim, generator=g, dtype=torch.float64)
    a = torch.randn(batch, latent_dim, latent_dim, generator=g, dtype=torch.float64)
    cov = a @ a.transpose(-1, -2) + 0.05 * torch.eye(latent_dim, dtype=torch.float64)
    return mean, cov


def test_posterior_is_bayes_rule():
    """Eq. (2): log p(z|x) = log p(x, z) - log p(x) at arbitrary z."""
    model, x, g = _problem(0)
    mean, cov = model.posterior(x)
    z = torch.randn(7, 4, 3, generator=g, dtype=torch.float64)
    bayes = model.log_joint(x, z) - model.log_marginal(x)
    torch.testing.assert_close(MultivariateNormal(mean, cov).log_prob(z), bayes)


@given(seed=st.integers(0, 2**31 - 1), latent_dim=st.integers(1, 4), noise_std=st.floats(0.2, 2.0))
def test_elbo_below_log_px_and_gap_is_kl_to_posterior(seed, latent_dim, noise_std):
    model, x, g = _problem(seed, latent_dim=latent_dim, noise_std=noise_std)
    q_mean, q_cov = _random_q(g, x.shape[0], latent_dim)
    log_px = model.log_marginal(x)
    bound = model.elbo(x, q_mean, q_cov)
    kl = model.kl_to_posterior(x, q_mean, q_cov)
    assert bool((bound <= log_px + 1e-9).all())
    assert bool((kl >= -1e-9).all())
    # log p(x) = ELBO + KL(q || p(z|x)), to 1e-5 nats
    torch.testing.assert_close(bound + kl, log_px, rtol=0, atol=1e-5)


@given(seed=st.integers(0, 2**31 - 1), latent_dim=st.integers(1, 4))
def test_elbo_equals_log_px_at_the_exact_posterior(seed, latent_dim):
    model, x, _ = _problem(seed, latent_dim=latent_dim)
    mean, cov = model.posterior(x)
    torch.testing.assert_close(model.elbo(x, mean, cov), model.log_marginal(x), rtol=0, atol=1e-8)
    torch.testing.assert_close(
        model.kl_to_posterior(x, mean, cov),
        torch.zeros(x.shape[0], dtype=torch.float64),
        rtol=0,
        atol=1e-8,
    )
    # With q = p(z|x) every importance weight equals p(x): the IWAE bound is exact for any K.
    torch.testing.assert_close(
        model.iwae_bound(x, mean, cov, 3), model.log_marginal(x), rtol=0, atol=1e-8
    )


def test_one_sample_iwae_averages_to_the_elbo():
    model, x, g = _problem(1)
    q_mean, q_cov = _random_q(g, x.shape[0], 3)
    log_w = model.log_weights(x, q_mean, q_cov, 20000, generator=g)  # (K, B)
    gap = log_w.mean(0) - model.elbo(x, q_mean, q_cov)
    assert bool((gap.abs() <= 5 * log_w.std(0) / 20000**0.5).all())


def test_iwae_rises_with_k_and_tends_to_log_px():
    """Mean IWAE bound over 400 repeats rises with K and approaches the exact log p(x)."""
    model, x, g = _problem(2, data_dim=5, latent_dim=2, noise_std=0.8, batch=1)
    mean, cov = model.posterior(x)
    q_mean, q_cov = mean + 0.5, 2.0 * cov  # a deliberately poor q: shifted and too wide
    exact = float(model.log_marginal(x))
    repeats = 400
    xs, q_means = x.expand(repeats, -1), q_mean.expand(repeats, -1)
    means, stderrs = [], []
    for k in (1, 4, 16, 64, 256, 1024):
        bounds = model.iwae_bound(xs, q_means, q_cov, k, generator=g)  # (repeats,)
        means.append(float(bounds.mean()))
        stderrs.append(float(bounds.std()) / repeats**0.5)
    gaps = [exact - m for m in means]
    for a, b, sa, sb in zip(means, means[1:], stderrs, stderrs[1:]):
        assert b >= a - 3 * (sa**2 + sb**2) ** 0.5, means
    assert gaps[0] > 0.1  # the poor q leaves a real gap at K = 1 ...
    assert gaps[-1] < gaps[0] / 20 and abs(gaps[-1]) < 0.01, gaps  # ... that K = 1024 closes
    assert all(g_ > -3 * s for g_, s in zip(gaps, stderrs))  # a lower bound at every K
