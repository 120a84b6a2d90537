"""Exact quantities for Z = 2 by integration on a grid (vae_core.grid)."""

from __future__ import annotations

import pytest
import torch

from vae_core import VAE, LinearGaussianModel, VAEConfig, posterior_on_grid, vae_log_joint


def _problem(seed, data_dim=5, latent_dim=2, noise_std=0.7):
    g = torch.Generator().manual_seed(seed)
    model = LinearGaussianModel.random(data_dim, latent_dim, noise_std, generator=g)
    x, _ = model.sample(1, generator=g)
    return model, x


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grid_integration_matches_closed_form(seed):
    """posterior_on_grid on a Z = 2 linear-Gaussian model.

    Stated tolerance: log p(x) within 1e-6 nats; posterior mean within 1e-6 and covariance
    within 1e-6 (absolute); the reported discretization error is below 1e-6 nats and the
    posterior mass outside the fine box below 1e-9.
    """
    model, x = _problem(seed)
    result = posterior_on_grid(lambda z: model.log_joint(x, z))
    exact = float(model.log_marginal(x))
    assert abs(result.log_px - exact) < 1e-6
    assert result.discretization_error < 1e-6
    assert result.outside_mass < 1e-9 and result.edge_mass < 1e-9
    mean, cov = model.posterior(x)
    p = result.probabilities()
    assert abs(float(p.sum()) - 1) < 1e-6
    torch.testing.assert_close(result.mean(), mean[0], rtol=0, atol=1e-6)
    z1, z2 = torch.meshgrid(result.z1, result.z2, indexing="ij")
    d1, d2 = z1 - mean[0, 0], z2 - mean[0, 1]
    grid_cov = torch.stack(
        [
            torch.stack([(p * d1 * d1).sum(), (p * d1 * d2).sum()]),
            torch.stack([(p * d2 * d1).sum(), (p * d2 * d2).sum()]),
        ]
    )
    torch.testing.assert_close(grid_cov, cov, rtol=0, atol=1e-6)


def test_grid_reports_a_posterior_that_leaves_the_square():
    """A posterior centred outside [-extent, extent]^2 shows up as mass at the edge."""
    model, x = _problem(0)
    shifted = lambda z: model.log_joint(x, z - 10.0)  # noqa: E731  posterior moved by +10
    result = posterior_on_grid(shifted, extent=4.0, resolution=51, coarse_resolution=41)
    assert result.edge_mass > 0.5


def test_grid_on_a_2d_vae_matches_importance_sampling(tiny_model, binary_batch):
    """vae_log_joint + posterior_on_grid agree with a large-K importance-weighted estimate."""
    from vae_core import iwae_bound

    x = binary_batch[0]
    result = posterior_on_grid(vae_log_joint(tiny_model, x), resolution=101)
    assert result.discretization_error < 1e-3 and result.edge_mass < 1e-6
    estimate = float(
        iwae_bound(tiny_model, x[None], 20000, generator=torch.Generator().manual_seed(0))
    )
    assert abs(estimate - result.log_px) < 0.05, (estimate, result.log_px)
    assert estimate <= result.log_px + 0.01  # a lower bound, up to Monte Carlo noise


def test_vae_log_joint_needs_two_latents():
    with pytest.raises(ValueError, match="latent_dim"):
        vae_log_joint(VAE(VAEConfig(latent_dim=3)), torch.zeros(784))


def test_posteriors_on_grid_matches_one_at_a_time():
    """The batched version gives the per-image results (coarse pass shared, float32 rounding).

    Stated tolerance: log p(x), posterior mean and KL to a Gaussian within 1e-3 (absolute).
    """
    from vae_core import kl_to_posterior, posteriors_on_grid

    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=2, hidden=(16,), data_dim=12))
    x = (torch.rand(3, 12, generator=torch.Generator().manual_seed(1)) < 0.5).float()
    with torch.no_grad():
        mu, logvar = model.encode(x)
    batched = posteriors_on_grid(model, x, resolution=31, coarse_resolution=41, cover=(mu, logvar))
    for b in range(3):
        single = posterior_on_grid(
            vae_log_joint(model, x[b]),
            resolution=31,
            coarse_resolution=41,
            cover=(mu[b], logvar[b]),
        )
        assert abs(batched[b].log_px - single.log_px) < 1e-3
        torch.testing.assert_close(batched[b].mean(), single.mean(), rtol=0, atol=1e-3)
        assert (
            abs(
                kl_to_posterior(batched[b], mu[b], logvar[b])
                - kl_to_posterior(single, mu[b], logvar[b])
            )
            < 1e-3
        )
    with pytest.raises(ValueError, match="cover"):
        posteriors_on_grid(model, x, cover=(mu[0], logvar[0]))
