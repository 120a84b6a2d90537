"""Eqs. (8)-(11): the closed-form KL, the Bernoulli likelihood and the ELBO's two terms."""

from __future__ import annotations

import math

import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence

import vae_core
from vae_core import (
    bernoulli_log_likelihood,
    elbo,
    gaussian_log_density,
    kl_closed_form,
    kl_monte_carlo,
    log_weights,
    reparameterize,
    standard_normal_log_density,
)

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=2).flatmap(
    lambda lead: st.integers(1, 6).map(lambda z: (*lead, z))
)


def _gaussian(shape, seed, scale):
    g = torch.Generator().manual_seed(seed)
    mu = scale * torch.randn(shape, generator=g, dtype=torch.float64)
    logvar = torch.empty(shape, dtype=torch.float64).uniform_(-3.0, 2.0, generator=g)
    return mu, logvar


@given(shape=shapes, seed=st.integers(0, 2**31 - 1), scale=st.floats(0.0, 3.0))
def test_kl_closed_form_equals_torch_distributions(shape, seed, scale):
    mu, logvar = _gaussian(shape, seed, scale)
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    ours = kl_closed_form(mu, logvar)
    assert ours.shape == shape[:-1]
    torch.testing.assert_close(ours, kl_divergence(q, p), rtol=1e-10, atol=1e-10)
    assert bool((ours >= 0).all())


@given(shape=shapes, seed=st.integers(0, 2**31 - 1), scale=st.floats(0.0, 2.0))
def test_kl_closed_form_within_monte_carlo_standard_error(shape, seed, scale):
    mu, logvar = _gaussian(shape, seed, scale)
    estimate, stderr = kl_monte_carlo(mu, logvar, 4000, torch.Generator().manual_seed(seed + 1))
    exact = kl_closed_form(mu, logvar)
    # Each element is a mean of 4000 draws: it lies within 5 standard errors with p > 1 - 1e-6.
    assert bool(((estimate - exact).abs() <= 5 * stderr + 1e-9).all()), (estimate, exact, stderr)


def test_kl_is_zero_at_the_prior_and_sums_per_example():
    mu, logvar = torch.zeros(3, 5), torch.zeros(3, 5)
    assert torch.equal(kl_closed_form(mu, logvar), torch.zeros(3))
    mu = torch.tensor([[1.0, 2.0]])
    assert math.isclose(float(kl_closed_form(mu, torch.zeros(1, 2))), 0.5 * (1 + 4), rel_tol=1e-6)


def test_gaussian_densities_match_torch():
    mu, logvar = _gaussian((4, 3), 0, 1.0)
    z = torch.randn(4, 3, dtype=torch.float64)
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    torch.testing.assert_close(gaussian_log_density(z, mu, logvar), q.log_prob(z))
    prior = Independent(Normal(torch.zeros(3, dtype=torch.float64), 1.0), 1)
    torch.testing.assert_close(standard_normal_log_density(z), prior.log_prob(z))


@given(seed=st.integers(0, 2**31 - 1), scale=st.floats(0.1, 20.0))
def test_bernoulli_log_likelihood_matches_torch(seed, scale):
    g = torch.Generator().manual_seed(seed)
    logits = scale * torch.randn(5, 30, generator=g, dtype=torch.float64)
    x = torch.bernoulli(torch.full((5, 30), 0.5, dtype=torch.float64), generator=g)
    expected = Bernoulli(logits=logits).log_prob(x).sum(-1)
    torch.testing.assert_close(bernoulli_log_likelihood(logits, x), expected)


def test_bernoulli_log_likelihood_is_stable_for_large_logits():
    logits = torch.tensor([[1000.0, -1000.0, 1000.0]])
    x = torch.tensor([[1.0, 0.0, 0.0]])
    value = bernoulli_log_likelihood(logits, x)
    assert torch.isfinite(value).all()
    torch.testing.assert_close(value, torch.tensor([-1000.0]))  # one pixel wrong by 1000 logits


def test_bernoulli_log_likelihood_accepts_grey_pixels():
    logits = torch.zeros(2, 4)
    x = torch.full((2, 4), 0.25)
    torch.testing.assert_close(
        bernoulli_log_likelihood(logits, x), torch.full((2,), 4 * math.log(0.5))
    )


def test_reparameterize_with_given_eps():
    mu, logvar = torch.tensor([[1.0, -1.0]]), torch.tensor([[0.0, math.log(4.0)]])
    eps = torch.tensor([[0.5, 0.5]])
    torch.testing.assert_close(reparameterize(mu, logvar, eps), torch.tensor([[1.5, 0.0]]))


def test_elbo_terms(tiny_model, binary_batch):
    eps = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    terms = elbo(tiny_model, binary_batch, eps=eps)
    torch.testing.assert_close(terms.elbo, terms.reconstruction - terms.kl)
    mu, logvar = tiny_model.encode(binary_batch)
    logits = tiny_model.decode(mu + torch.exp(0.5 * logvar) * eps)
    torch.testing.assert_close(terms.reconstruction, bernoulli_log_likelihood(logits, binary_batch))
    torch.testing.assert_close(terms.kl, kl_closed_form(mu, logvar))
    assert terms.elbo.shape == (8,)
    # Images as (B, 1, 28, 28) give the same numbers.
    again = elbo(tiny_model, binary_batch.reshape(8, 1, 28, 28), eps=eps)
    torch.testing.assert_close(again.elbo, terms.elbo)


def test_mean_log_weight_is_the_elbo(tiny_model, binary_batch):
    """E_q[log p(x, z) - log q(z|x)] is the ELBO of Eq. (8)."""
    with torch.no_grad():
        log_w = log_weights(tiny_model, binary_batch, 1000, torch.Generator().manual_seed(0))
        terms = elbo(
            tiny_model, binary_batch.repeat(1000, 1), generator=torch.Generator().manual_seed(1)
        )
    per_image = terms.elbo.reshape(1000, 8)
    gap = log_w.mean(0) - per_image.mean(0)
    stderr = (log_w.var(0) / 1000 + per_image.var(0) / 1000).sqrt()
    assert bool((gap.abs() <= 5 * stderr).all()), (gap, stderr)


def test_closed_form_kl_keeps_its_relative_precision_near_the_prior():
    """float32, q within 1e-4..1e-2 of the prior in log-variance: the textbook form
    1 + logvar - exp(logvar) cancels; the package's form stays within 1e-5 relative."""
    logvar64 = torch.logspace(-6, -2, 50, dtype=torch.float64) * torch.tensor([1.0, -1.0]).repeat(
        25
    )
    mu64 = torch.zeros_like(logvar64)
    exact = 0.5 * (torch.expm1(logvar64) - logvar64)  # per dimension, float64 reference
    ours = torch.stack(
        [vae_core.kl_closed_form(m[None].float(), v[None].float()) for m, v in zip(mu64, logvar64)]
    ).double()
    lv = logvar64.float()
    textbook = (-0.5 * (1 + lv - lv.exp())).double()
    rel_ours = ((ours - exact).abs() / exact).max().item()
    rel_textbook = ((textbook - exact).abs() / exact).max().item()
    assert rel_ours < 1e-5
    assert rel_textbook > 0.1  # the cancellation that the stable form avoids


def test_stable_kl_has_finite_gradients_everywhere():
    logvar = torch.tensor(
        [-80.0, -1.0, -0.1, -1e-8, 0.0, 1e-8, 0.05, 0.1, 3.0, 80.0], requires_grad=True
    )
    mu = torch.zeros_like(logvar, requires_grad=True)
    kl = vae_core.kl_closed_form(mu[:, None], logvar[:, None]).sum()
    kl.backward()
    assert torch.isfinite(logvar.grad).all()
    expected = 0.5 * torch.expm1(logvar.detach().double())  # d/dv of (e^v - 1 - v) / 2
    assert torch.allclose(logvar.grad.double(), expected, rtol=1e-5, atol=1e-7)


def test_a_float64_model_samples_and_estimates_in_float64():
    torch.manual_seed(0)
    model = vae_core.VAE(vae_core.VAEConfig(hidden=(16,), latent_dim=2)).double()
    x = torch.full((2, 784), 0.5, dtype=torch.float64)
    assert model.sample(3).dtype == torch.float64
    assert vae_core.naive_log_px(model, x, 20).dtype == torch.float64
    assert vae_core.iwae_bound(model, x, 5).dtype == torch.float64


def test_naive_estimator_matches_a_direct_loop():
    torch.manual_seed(0)
    model = vae_core.VAE(vae_core.VAEConfig(hidden=(16,), latent_dim=2))
    x = torch.bernoulli(torch.full((3, 784), 0.3), generator=torch.Generator().manual_seed(1))
    got = vae_core.naive_log_px(model, x, 50, generator=torch.Generator().manual_seed(2))
    z = torch.randn(50, 2, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        ll = torch.stack([vae_core.bernoulli_log_likelihood(model.decode(zk), x) for zk in z])
    assert torch.allclose(got, torch.logsumexp(ll, 0) - math.log(50), atol=1e-3)
