"""Rate, distortion, per-dimension KL and active units (vae_core.rate_distortion)."""

from __future__ import annotations

import math
import re

import pytest
import torch
from torch.distributions import Normal, kl_divergence

import vae_core as vc
from vae_core import kernels
from vae_core.rate_distortion import (
    RateDistortion,
    active_units,
    beta_objective,
    kl_per_dimension,
    rate_distortion,
    unit_activity,
)


def tiny_model(latent_dim=3, seed=0):
    torch.manual_seed(seed)
    return vc.VAE(vc.VAEConfig(hidden=(16,), latent_dim=latent_dim)).eval()


def binary_images(n=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.bernoulli(torch.full((n, 784), 0.3), generator=g)  # (N, D)


def test_kl_per_dimension_matches_torch_distributions_and_sums_to_the_kl():
    g = torch.Generator().manual_seed(1)
    mu = torch.randn(6, 5, generator=g, dtype=torch.float64) * 2  # (B, Z)
    logvar = torch.randn(6, 5, generator=g, dtype=torch.float64) * 3  # (B, Z)
    dims = kl_per_dimension(mu, logvar)  # (B, Z)
    assert dims.shape == (6, 5)
    reference = kl_divergence(
        Normal(mu, (0.5 * logvar).exp()), Normal(torch.zeros_like(mu), torch.ones_like(mu))
    )
    torch.testing.assert_close(dims, reference, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(dims.sum(-1), vc.kl_closed_form(mu, logvar), rtol=1e-12, atol=0)
    assert torch.all(kl_per_dimension(torch.zeros(2, 3), torch.zeros(2, 3)) == 0)


def test_unit_activity_is_the_variance_of_the_means_over_the_images():
    mu = torch.tensor([[0.0, 1.0, 5.0], [0.2, 1.0, -5.0], [0.4, 1.0, 0.0]])  # (N=3, Z=3)
    activity = unit_activity(mu)
    torch.testing.assert_close(activity, torch.tensor([0.04, 0.0, 25.0]))
    assert active_units(mu) == 2  # 0.04 > 0.01, 0 is not, 25 is
    assert active_units(mu, threshold=0.05) == 1
    # an encoder that ignores x has no active unit, however wide its spread of logvar
    assert active_units(torch.ones(100, 4) * 3.0) == 0


def test_rate_distortion_of_a_point_mass_encoder_is_exact():
    model = tiny_model()
    with torch.no_grad():
        model.encoder.fc_logvar.weight.zero_()
        model.encoder.fc_logvar.bias.fill_(-40.0)  # sigma ~ 2e-9: z = mu for every sample
    x = binary_images()
    rd = rate_distortion(model, x, num_samples=3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        mu, logvar = model.encode(x)
        expected_d = -kernels.bernoulli_log_likelihood(model.decode(mu), x).mean()
        expected_r = vc.kl_closed_form(mu, logvar).mean()
    assert math.isclose(rd.distortion, float(expected_d), rel_tol=1e-5)
    assert math.isclose(rd.rate, float(expected_r), rel_tol=1e-6)
    torch.testing.assert_close(rd.activity, unit_activity(mu))
    assert math.isclose(float(rd.kl_per_dim.sum()), rd.rate, rel_tol=1e-6)
    assert rd.elbo == -(rd.rate + rd.distortion)


def test_rate_distortion_agrees_with_the_elbo_monte_carlo():
    model = tiny_model(seed=3)
    x = binary_images(200, seed=1)
    gen = torch.Generator().manual_seed(5)
    rd = rate_distortion(model, x, num_samples=200, generator=gen, batch_size=64)
    with torch.no_grad():
        log_w = vc.log_weights(model, x, 400, generator=torch.Generator().manual_seed(6))
    elbo = float(log_w.mean())  # the same ELBO with a Monte Carlo log q - log p
    assert abs(rd.elbo - elbo) < 0.5, (rd.elbo, elbo)
    assert rd.num_images == 200 and rd.num_samples == 200


def test_rate_distortion_is_seeded_and_batch_size_does_not_matter():
    model = tiny_model()
    x = binary_images(30)
    a = rate_distortion(model, x, 1, torch.Generator().manual_seed(0), batch_size=30)
    b = rate_distortion(model, x, 1, torch.Generator().manual_seed(0), batch_size=30)
    c = rate_distortion(model, x, 1, torch.Generator().manual_seed(0), batch_size=7)
    assert a.distortion == b.distortion
    assert math.isclose(a.rate, c.rate, rel_tol=1e-6)
    torch.testing.assert_close(a.activity, c.activity)


def test_beta_objective_is_minus_the_elbo_at_beta_one():
    rd = RateDistortion(3.0, 100.0, torch.tensor([1.0, 2.0]), torch.tensor([0.5, 0.0]), 10, 1)
    assert beta_objective(rd.distortion, rd.rate, 1.0) == -rd.elbo
    assert beta_objective(rd.distortion, rd.rate, 0.0) == 100.0
    assert beta_objective(rd.distortion, rd.rate, 10) == 130.0
    assert rd.active_units() == 1


BAD_CALLS = [
    (
        lambda: unit_activity(torch.zeros(1, 3)),
        ValueError,
        ("mu", "at least 2 images", r"\(1, 3\)"),
    ),
    (lambda: unit_activity(torch.zeros(5)), ValueError, ("mu", "2-D", r"\(5\)")),
    (lambda: unit_activity([[0.0]]), TypeError, ("mu", "torch.Tensor", "list")),
    (lambda: active_units(torch.zeros(4, 2), threshold=-0.1), ValueError, ("threshold", "> 0")),
    (lambda: kl_per_dimension(torch.zeros(2, 3), torch.zeros(2, 4)), ValueError, ("mu", "logvar")),
    (lambda: beta_objective(1.0, 2.0, -1.0), ValueError, ("beta", ">= 0", "-1")),
    (lambda: beta_objective(1.0, 2.0, "1"), TypeError, ("beta", "number", "str")),
    (lambda: beta_objective(1.0, 2.0, math.inf), ValueError, ("beta", "finite")),
    (
        lambda: rate_distortion(tiny_model(), binary_images(), num_samples=0),
        ValueError,
        ("num_samples", ">= 1", "got 0"),
    ),
    (
        lambda: rate_distortion(tiny_model(), binary_images(1)),
        ValueError,
        (r"\bx\b", "at least 2 images"),
    ),
    (
        lambda: rate_distortion(tiny_model(), binary_images() * 255),
        ValueError,
        (r"\bx\b", r"\[0, 1\]"),
    ),
    (
        lambda: rate_distortion(tiny_model(), binary_images(), generator=3),
        TypeError,
        ("generator", "torch.Generator"),
    ),
    (lambda: rate_distortion("model", binary_images()), TypeError, ("model", "vae_core.VAE")),
]


@pytest.mark.parametrize("call, error, fragments", BAD_CALLS)
def test_bad_input_gets_a_message_naming_the_argument(call, error, fragments):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert all(re.search(f, message) for f in fragments), message
