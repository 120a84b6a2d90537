"""The two inference gaps and refinement (vae_core.inference_gaps), against references."""

from __future__ import annotations

import math

import pytest
import torch

from vae_core import (
    LinearGaussianModel,
    elbo,
    iwae_bound,
    kl_to_posterior,
    posterior_on_grid,
    vae_log_joint,
)
from vae_core.inference_gaps import (
    GridBatch,
    InferenceGaps,
    fit_gaussians,
    gauss_hermite_nodes,
    grid_elbo,
    proposal_iwae,
    quadrature_elbo,
    sampled_elbo,
)


def test_gauss_hermite_rule_has_the_moments_of_a_standard_normal():
    t, w = gauss_hermite_nodes(6)  # (36, 2), (36,)
    assert t.shape == (36, 2) and w.shape == (36,)
    assert abs(float(w.sum()) - 1) < 1e-12
    assert abs(float((w * t[:, 0] ** 2).sum()) - 1) < 1e-12
    assert abs(float((w * t[:, 1] ** 4).sum()) - 3) < 1e-12  # E[t^4] = 3
    assert abs(float((w * t[:, 0] ** 2 * t[:, 1] ** 2).sum()) - 1) < 1e-12


def test_quadrature_elbo_agrees_with_many_samples(tiny_model, binary_batch):
    """Gauss-Hermite (20 x 20 nodes) against 20,000 samples: within 4 standard errors."""
    x = binary_batch[:3]
    with torch.no_grad():
        mu, logvar = tiny_model.encode(x)  # (3, 2)
        quad = quadrature_elbo(tiny_model, x, mu.double(), logvar.double(), nodes=20)
        eps = torch.randn(20_000, 3, 2, generator=torch.Generator().manual_seed(0))
        z = mu + (0.5 * logvar).exp() * eps  # (S, 3, 2)
        from vae_core import bernoulli_log_likelihood, kl_closed_form

        log_lik = bernoulli_log_likelihood(tiny_model.decode(z), x)  # (S, 3)
        mc = log_lik.double().mean(0) - kl_closed_form(mu, logvar).double()
        se = log_lik.double().std(0) / math.sqrt(len(eps))
    assert ((quad - mc).abs() < 4 * se + 1e-4).all(), (quad, mc, se)


def test_sampled_elbo_with_one_sample_is_the_objectives_elbo(tiny_model, binary_batch):
    eps = torch.randn(8, 2, generator=torch.Generator().manual_seed(3))  # (B, Z)
    with torch.no_grad():
        mu, logvar = tiny_model.encode(binary_batch)
        ours = sampled_elbo(tiny_model, binary_batch, mu, logvar, eps[None])
        theirs = elbo(tiny_model, binary_batch, eps=eps).elbo
    torch.testing.assert_close(ours, theirs)


def test_proposal_iwae_with_the_encoders_q_is_iwae_bound(tiny_model, binary_batch):
    """Same proposal, same draws (one chunk each): the same estimate."""
    with torch.no_grad():
        mu, logvar = tiny_model.encode(binary_batch)
    ours = proposal_iwae(
        tiny_model, binary_batch, mu, logvar, 200, generator=torch.Generator().manual_seed(4)
    )
    theirs = iwae_bound(tiny_model, binary_batch, 200, generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(ours, theirs)


def _linear_gaussian_grids(seeds=(0, 1, 2)):
    """Grids of three Z = 2 linear-Gaussian posteriors (tilted), with their exact moments."""
    grids, means, precisions, log_px = [], [], [], []
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        model = LinearGaussianModel.random(5, 2, 0.7, generator=g)
        x, _ = model.sample(1, generator=g)
        grids.append(posterior_on_grid(lambda z, m=model, x=x: m.log_joint(x, z), resolution=61))
        mean, cov = model.posterior(x)
        means.append(mean[0])
        precisions.append(torch.linalg.inv(cov))
        log_px.append(float(model.log_marginal(x)))
    return GridBatch.of(grids), torch.stack(means), torch.stack(precisions), log_px


def test_grid_elbo_plus_kl_is_log_px_at_every_q():
    batch, means, _, _ = _linear_gaussian_grids()
    g = torch.Generator().manual_seed(5)
    for _ in range(5):
        mu = means + 0.3 * torch.randn(means.shape, generator=g, dtype=torch.float64)
        logvar = torch.randn(means.shape, generator=g, dtype=torch.float64) - 2
        value, kl = grid_elbo(batch, mu, logvar)
        torch.testing.assert_close(value + kl, batch.log_px, rtol=0, atol=1e-9)
        assert (kl > -1e-9).all()


def test_grid_kl_matches_the_grid_modules_kl_for_a_q_inside_the_box():
    """For a q well inside the box, renormalizing it on the cells changes nothing."""
    g = torch.Generator().manual_seed(0)
    model = LinearGaussianModel.random(5, 2, 0.7, generator=g)
    x, _ = model.sample(1, generator=g)
    mean, _ = model.posterior(x)
    mu, logvar = mean[0] + 0.1, torch.tensor([-2.0, -2.5], dtype=torch.float64)
    grid = posterior_on_grid(lambda z: model.log_joint(x, z), resolution=121, cover=(mu, logvar))
    _, kl = grid_elbo(GridBatch.of([grid]), mu[None], logvar[None])
    assert abs(float(kl[0]) - kl_to_posterior(grid, mu, logvar)) < 1e-4


def test_the_best_diagonal_gaussian_of_a_gaussian_posterior_is_found():
    """For a posterior N(m, S), the diagonal q closest in KL(q || p) has mean m and variances
    1 / Lambda_ii (Lambda = S^-1); its KL, the approximation gap, is
    1/2 (sum_i log Lambda_ii - log det Lambda). The fit must find both from a poor start."""
    batch, means, precisions, log_px = _linear_gaussian_grids()
    start_mu, start_logvar = means + 0.5, torch.zeros_like(means)
    fit = fit_gaussians(
        lambda m, lv: grid_elbo(batch, m, lv)[0], start_mu, start_logvar, steps=600, lr=0.03
    )
    diag = torch.diagonal(precisions, dim1=-2, dim2=-1)  # (3, 2)
    torch.testing.assert_close(fit.mu, means, rtol=0, atol=2e-3)
    torch.testing.assert_close(fit.logvar, -diag.log(), rtol=0, atol=1e-2)
    gap = 0.5 * (diag.log().sum(-1) - torch.logdet(precisions))  # (3,)
    _, kl = grid_elbo(batch, fit.mu, fit.logvar)
    torch.testing.assert_close(kl, gap, rtol=0, atol=1e-4)
    assert (gap > 1e-3).all()  # tilted posteriors: the gap is not trivially zero
    assert max(abs(a - b) for a, b in zip(batch.log_px.tolist(), log_px)) < 1e-6


def test_fit_is_never_worse_than_its_start_and_keeps_the_trace():
    batch, means, _, _ = _linear_gaussian_grids()
    start = (means + 0.2, torch.full_like(means, -1.0))
    fit = fit_gaussians(
        lambda m, lv: grid_elbo(batch, m, lv)[0], *start, steps=30, lr=0.5, keep=(0, 10, 30)
    )  # a large step: Adam may overshoot, the best q found must still be kept
    assert fit.trace.shape == (31, 3) and fit.mus.shape == (3, 3, 2)
    torch.testing.assert_close(fit.mus[0], start[0])
    assert (fit.best >= fit.trace[0]).all()
    torch.testing.assert_close(fit.best, fit.trace.max(0).values)
    torch.testing.assert_close(grid_elbo(batch, fit.mu, fit.logvar)[0], fit.best)


def test_one_optimizer_over_the_batch_is_independent_fits():
    batch, means, _, _ = _linear_gaussian_grids()
    start_mu, start_logvar = means + 0.3, torch.full_like(means, -0.5)

    def objective(m, lv):
        return grid_elbo(batch, m, lv)[0]

    together = fit_gaussians(objective, start_mu, start_logvar, steps=20, lr=0.05)
    one = GridBatch(
        *(t[1:2] for t in (batch.log_joint, batch.z1, batch.z2)),
        batch.log_cell[1:2],
        batch.log_px[1:2],
    )
    alone = fit_gaussians(
        lambda m, lv: grid_elbo(one, m, lv)[0], start_mu[1:2], start_logvar[1:2], 20, lr=0.05
    )
    torch.testing.assert_close(together.mu[1:2], alone.mu)
    torch.testing.assert_close(together.trace[:, 1:2], alone.trace)


def test_without_track_best_the_last_q_is_returned(tiny_model, binary_batch):
    with torch.no_grad():
        mu, logvar = tiny_model.encode(binary_batch)
    tiny_model.requires_grad_(False)
    gen = torch.Generator().manual_seed(6)

    def noisy(m, lv):
        return sampled_elbo(tiny_model, binary_batch, m, lv, torch.randn(2, 8, 2, generator=gen))

    fit = fit_gaussians(noisy, mu, logvar, steps=5, lr=0.05, keep=(5,), track_best=False)
    torch.testing.assert_close(fit.mu, fit.mus[-1])
    torch.testing.assert_close(fit.best, fit.trace[-1])


def test_refinement_raises_the_elbo_of_a_vae(tiny_model, binary_batch):
    """A few steps from the encoder's q raise the (deterministic) quadrature ELBO of every image."""
    tiny_model.requires_grad_(False)
    with torch.no_grad():
        mu, logvar = tiny_model.encode(binary_batch)
    fit = fit_gaussians(
        lambda m, lv: quadrature_elbo(tiny_model, binary_batch, m, lv, nodes=6),
        mu.double(),
        logvar.double(),
        steps=10,
        lr=0.05,
    )
    assert (fit.best > fit.trace[0] + 1e-3).all()


def test_inference_gaps_add_up():
    gaps = InferenceGaps(
        log_px=torch.tensor([-100.0, -90.0]),
        encoder_elbo=torch.tensor([-105.0, -91.0]),
        best_elbo=torch.tensor([-101.0, -90.5]),
    )
    torch.testing.assert_close(gaps.approximation + gaps.amortization, gaps.total)
    torch.testing.assert_close(gaps.approximation, torch.tensor([1.0, 0.5]))
    summary = gaps.summary()
    assert summary["amortization"] == (pytest.approx(2.25), pytest.approx(0.5))


def test_grid_and_quadrature_elbo_agree_on_a_vae_when_the_grid_is_fine(tiny_model, binary_batch):
    x = binary_batch[0]
    with torch.no_grad():
        mu, logvar = tiny_model.encode(x[None])  # (1, 2)
    grid = posterior_on_grid(vae_log_joint(tiny_model, x), resolution=201, cover=(mu[0], logvar[0]))
    on_grid, _ = grid_elbo(GridBatch.of([grid]), mu.double(), logvar.double())
    with torch.no_grad():
        quad = quadrature_elbo(tiny_model, x[None], mu.double(), logvar.double(), nodes=16)
    assert abs(float(on_grid[0] - quad[0])) < 1e-3


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m, x, mu, lv: quadrature_elbo(m, x, mu[:, :1], lv[:, :1]), r"shape \(B, Z\)"),
        (lambda m, x, mu, lv: sampled_elbo(m, x, mu, lv, torch.zeros(3, 2, 2)), "eps must"),
        (lambda m, x, mu, lv: proposal_iwae(m, x, mu, lv, 0), "num_samples"),
        (lambda m, x, mu, lv: fit_gaussians(lambda a, b: a.sum(), mu, lv, 3), "one ELBO per"),
        (lambda m, x, mu, lv: fit_gaussians(lambda a, b: a, mu, lv, 3, keep=(4,)), "keep"),
        (lambda m, x, mu, lv: gauss_hermite_nodes(1), "nodes"),
        (lambda m, x, mu, lv: grid_elbo("grid", mu, lv), "GridBatch"),
    ],
)
def test_bad_arguments_are_named(tiny_model, binary_batch, call, message):
    with torch.no_grad():
        mu, logvar = tiny_model.encode(binary_batch)
    with pytest.raises((TypeError, ValueError), match=message):
        call(tiny_model, binary_batch, mu, logvar)


def test_quadrature_refuses_a_model_that_is_not_2d(binary_batch):
    from vae_core import VAE, VAEConfig

    model = VAE(VAEConfig(hidden=(16,), latent_dim=3))
    mu = torch.zeros(8, 3)
    with pytest.raises(ValueError, match="latent_dim 2"):
        quadrature_elbo(model, binary_batch, mu, mu)
