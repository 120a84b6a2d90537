"""The aggregate posterior, the empty prior mass, the rate's split, lerp and slerp
(vae_core.aggregate)."""

from __future__ import annotations

import math

import pytest
import torch

from vae_core import kernels
from vae_core.aggregate import (
    aggregate_log_density,
    elbo_surgery,
    empty_prior_mass,
    lerp,
    manifold_grid,
    sample_aggregate,
    slerp,
)


def components(n=50, z=3, seed=0, spread=1.0, log_sigma=-1.0):
    g = torch.Generator().manual_seed(seed)
    mu = torch.randn(n, z, generator=g) * spread  # (N, Z)
    logvar = 2 * log_sigma + 0.3 * torch.randn(n, z, generator=g)  # (N, Z)
    return mu, logvar


def direct_log_q(z, mu, logvar):
    """The mixture written out, in float64, term by term: the reference."""
    log_each = kernels.gaussian_log_density(z[:, None, :].double(), mu.double(), logvar.double())
    return torch.logsumexp(log_each, dim=1) - math.log(mu.shape[0])  # (M,)


@pytest.mark.parametrize("z_dim", [1, 2, 20])
def test_aggregate_log_density_is_the_mixture(z_dim):
    mu, logvar = components(n=300, z=z_dim, log_sigma=-2.0)  # sigma about 0.14
    z = torch.randn(40, z_dim, generator=torch.Generator().manual_seed(1)) * 1.5  # (M, Z)
    got = aggregate_log_density(z, mu, logvar).double()
    torch.testing.assert_close(got, direct_log_q(z, mu, logvar), rtol=0, atol=2e-3)


def test_one_standard_normal_component_is_the_prior():
    z = torch.randn(7, 4, generator=torch.Generator().manual_seed(2))
    ones = torch.zeros(1, 4)
    torch.testing.assert_close(
        aggregate_log_density(z, ones, ones), kernels.standard_normal_log_density(z)
    )


def test_far_points_stay_finite_and_chunks_do_not_change_the_answer(monkeypatch):
    mu, logvar = components(n=200, z=2, log_sigma=-3.0)
    z = torch.tensor([[8.0, -8.0], [0.0, 0.0], [3.0, 3.0]])
    whole = aggregate_log_density(z, mu, logvar)
    assert torch.isfinite(whole).all()
    torch.testing.assert_close(whole.double(), direct_log_q(z, mu, logvar), rtol=1e-5, atol=2e-3)
    import vae_core.aggregate as agg

    monkeypatch.setattr(agg, "_CHUNK_ELEMENTS", 200)  # one row at a time
    torch.testing.assert_close(aggregate_log_density(z, mu, logvar), whole)


def test_the_aggregate_density_integrates_to_one_on_a_grid():
    mu, logvar = components(n=30, z=2, log_sigma=-1.0)
    axis = torch.linspace(-7, 7, 281)
    z2, z1 = torch.meshgrid(axis, axis, indexing="ij")
    grid = torch.stack([z1.reshape(-1), z2.reshape(-1)], 1)  # (M, 2)
    mass = aggregate_log_density(grid, mu, logvar).exp().sum() * (axis[1] - axis[0]) ** 2
    assert abs(float(mass) - 1) < 1e-3


def test_samples_of_the_aggregate_come_from_the_components():
    mu = torch.tensor([[-5.0, 0.0], [5.0, 0.0]])
    logvar = torch.full((2, 2), math.log(0.01))  # sigma 0.1
    z = sample_aggregate(mu, logvar, 4000, torch.Generator().manual_seed(0))  # (M, 2)
    left = z[:, 0] < 0
    assert abs(float(left.float().mean()) - 0.5) < 0.05  # each component half the time
    assert float((z[left] - mu[0]).abs().max()) < 0.6  # within 6 sigma of its mean
    again = sample_aggregate(mu, logvar, 4000, torch.Generator().manual_seed(0))
    torch.testing.assert_close(z, again)


def test_empty_prior_mass_of_the_prior_itself_is_zero_and_of_a_point_cloud_large():
    zeros = torch.zeros(5, 3)
    none = empty_prior_mass(zeros, zeros, 0.1, 500, torch.Generator().manual_seed(0))
    assert none.prior_mass == 0.0 and none.standard_error == 0.0
    # q = N(0, 0.1^2 I): it leaves empty every z with |z| beyond about 0.6 (q < 0.1 p there)
    narrow = empty_prior_mass(
        zeros, torch.full((5, 3), math.log(0.01)), 0.1, 2000, torch.Generator().manual_seed(0)
    )
    # log q - log p = 3 log 10 - |z|^2 (100 - 1) / 2 < log 0.1  <=>  |z|^2 > threshold
    threshold = 2 * (3 * math.log(10.0) - math.log(0.1)) / 99
    exact = float(torch.special.gammaincc(torch.tensor(1.5), torch.tensor(threshold / 2)))
    assert abs(narrow.prior_mass - exact) < 4 * narrow.standard_error + 1e-9
    assert narrow.fraction == 0.1 and narrow.num_samples == 2000


def test_elbo_surgery_rate_splits_into_information_and_marginal_kl():
    # Two far apart, narrow components: I(x; z) = log 2, and the rate is their mean KL.
    mu = torch.tensor([[-3.0], [3.0]])
    logvar = torch.full((2, 1), math.log(0.04))
    s = elbo_surgery(mu, logvar, 20000, torch.Generator().manual_seed(0))
    assert s.rate == pytest.approx(float(kernels.kl_standard_normal(mu, logvar).mean()), rel=1e-6)
    assert s.mutual_information == pytest.approx(math.log(2), abs=4 * s.marginal_kl_se + 1e-3)
    assert s.log_n == pytest.approx(math.log(2))
    assert s.rate == pytest.approx(s.mutual_information + s.marginal_kl)
    # Every image encoded to the prior: no information, no marginal KL
    zeros = torch.zeros(4, 2)
    flat = elbo_surgery(zeros, zeros, 100, torch.Generator().manual_seed(0))
    assert flat.rate == 0 and abs(flat.marginal_kl) < 1e-6 and flat.marginal_kl_se < 1e-6


def test_lerp_is_the_straight_line():
    z0, z1 = torch.tensor([0.0, 2.0]), torch.tensor([4.0, 0.0])
    path = lerp(z0, z1, torch.tensor([0.0, 0.25, 1.0]))  # (T, Z)
    torch.testing.assert_close(path, torch.tensor([[0.0, 2.0], [1.0, 1.5], [4.0, 0.0]]))
    assert lerp(z0, z1, 0.5).shape == (1, 2)


def test_slerp_hits_its_endpoints_for_a_batch_of_pairs():
    g = torch.Generator().manual_seed(3)
    z0, z1 = torch.randn(50, 20, generator=g), torch.randn(50, 20, generator=g)  # (P, Z)
    path = slerp(z0, z1, torch.linspace(0, 1, 5))  # (T, P, Z)
    assert path.shape == (5, 50, 20)
    torch.testing.assert_close(path[0], z0)
    torch.testing.assert_close(path[-1], z1)


def test_slerp_keeps_the_norm_when_the_endpoints_share_it():
    g = torch.Generator().manual_seed(4)
    z0, z1 = torch.randn(100, 20, generator=g), torch.randn(100, 20, generator=g)
    z1 = z1 / z1.norm(dim=-1, keepdim=True) * z0.norm(dim=-1, keepdim=True)
    norms = slerp(z0, z1, torch.linspace(0, 1, 11)).norm(dim=-1)  # (T, P)
    torch.testing.assert_close(norms, z0.norm(dim=-1).expand(11, 100), rtol=1e-5, atol=1e-5)
    # the straight line cuts inside the sphere: shorter in the middle
    assert bool((lerp(z0, z1, 0.5)[0].norm(dim=-1) < z0.norm(dim=-1) - 1e-3).all())


def test_slerp_turns_at_a_constant_rate_on_the_circle():
    t = torch.linspace(0, 1, 7, dtype=torch.float64)
    path = slerp(torch.tensor([2.0, 0.0]).double(), torch.tensor([0.0, 2.0]).double(), t)
    expected = 2 * torch.stack([torch.cos(t * math.pi / 2), torch.sin(t * math.pi / 2)], 1)
    torch.testing.assert_close(path, expected)


def test_slerp_of_nearly_parallel_codes_is_the_straight_line():
    z0 = torch.tensor([1.0, 1.0, 1.0])
    z1 = z0 * 2 + torch.tensor([0.0, 0.0, 1e-7])  # same direction to float precision
    t = torch.linspace(0, 1, 4)
    path = slerp(z0, z1, t)
    assert torch.isfinite(path).all()
    torch.testing.assert_close(path, lerp(z0, z1, t))


@pytest.mark.parametrize(
    "z0, z1, t, error, words",
    [
        (torch.ones(3), torch.ones(4), 0.5, ValueError, "z0 and z1 must have the same shape"),
        (torch.zeros(3), torch.ones(3), 0.5, ValueError, "z0 must not be the zero vector"),
        (torch.ones(3), -torch.ones(3), 0.5, ValueError, "opposite directions"),
        (torch.ones(3), torch.eye(3)[0], 1.5, ValueError, "t must lie in [0, 1]"),
        (torch.ones(3), torch.eye(3)[0], torch.ones(2, 2), ValueError, "t must be 1-D"),
        ([1.0, 2.0], torch.ones(2), 0.5, TypeError, "z0 must be a torch.Tensor"),
        (torch.tensor(1.0), torch.tensor(2.0), 0.5, ValueError, "must have a latent axis"),
    ],
)
def test_slerp_names_bad_inputs(z0, z1, t, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        slerp(z0, z1, t)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (
            lambda: aggregate_log_density(torch.ones(2, 3), torch.ones(4, 2), torch.ones(4, 2)),
            ValueError,
            "z must be (M, Z) with Z = 2",
        ),
        (
            lambda: aggregate_log_density(torch.ones(2, 2), torch.ones(4), torch.ones(4)),
            ValueError,
            "mu and logvar must be (N, Z)",
        ),
        (
            lambda: aggregate_log_density(torch.ones(2, 2), torch.ones(4, 2), torch.ones(3, 2)),
            ValueError,
            "mu and logvar must have the same shape",
        ),
        (
            lambda: empty_prior_mass(torch.ones(4, 2), torch.ones(4, 2), fraction=0),
            ValueError,
            "fraction must be a finite number > 0",
        ),
        (
            lambda: empty_prior_mass(torch.ones(4, 2), torch.ones(4, 2), generator=3),
            TypeError,
            "manual_seed",
        ),
        (
            lambda: sample_aggregate(torch.ones(4, 2), torch.ones(4, 2), 0),
            ValueError,
            "num_samples must be >= 1",
        ),
        (lambda: manifold_grid(1), ValueError, "n must be >= 2"),
        (lambda: manifold_grid(5, margin=0.5), ValueError, "margin must be below 0.5"),
    ],
)
def test_bad_inputs_are_named(call, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_manifold_grid_is_equally_spaced_in_prior_probability():
    values, points = manifold_grid(5, margin=0.1)
    torch.testing.assert_close(
        torch.special.ndtr(values.double()),
        torch.linspace(0.1, 0.9, 5, dtype=torch.float64),
        rtol=0,
        atol=1e-6,
    )
    assert points.shape == (25, 2)
    torch.testing.assert_close(points[0], torch.stack([values[0], values[-1]]))  # top left
    torch.testing.assert_close(points[4], torch.stack([values[-1], values[-1]]))  # top right
    torch.testing.assert_close(points[-1], torch.stack([values[-1], values[0]]))  # bottom right
