"""The fast training step computes the same losses and gradients as the plain autograd kernels.

Tolerances: float32 sums of 10^4-10^5 terms are reordered (a dot product instead of a
per-pixel sum), so single-step values and gradients are compared at a relative 1e-5; over a
30-step trajectory the rounding differences feed back through the weights, so the losses are
compared at a relative 1e-4.
"""

from __future__ import annotations

import math

import pytest
import torch

import vae_core
from vae_core import data, fused, kernels, train


def _batch(seed: int = 0, b: int = 64, d: int = 784) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    logits = (torch.randn(b, d, generator=g) * 6).requires_grad_()
    x = torch.bernoulli(torch.rand(b, d, generator=g), generator=g)
    return logits, x


@pytest.mark.parametrize("grey", [False, True])
def test_bernoulli_nll_sum_matches_the_kernel_and_its_gradient(grey):
    logits, x = _batch()
    if grey:
        x = torch.rand(x.shape, generator=torch.Generator().manual_seed(1))
    ref = -kernels.bernoulli_log_likelihood(logits, x).sum()
    (g_ref,) = torch.autograd.grad(ref, logits)
    got = fused.bernoulli_nll_sum(logits, x)
    (g_got,) = torch.autograd.grad(got, logits)
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=0)
    torch.testing.assert_close(g_got, g_ref, rtol=1e-5, atol=1e-7)


def test_bernoulli_nll_sum_is_finite_for_extreme_logits():
    logits = torch.tensor([[-200.0, 200.0, 0.0, 50.0]], requires_grad=True)
    x = torch.tensor([[0.0, 1.0, 1.0, 0.0]])
    value = fused.bernoulli_nll_sum(logits, x)
    value.backward()
    assert math.isclose(value.item(), math.log(2) + 50.0, rel_tol=1e-6)
    assert torch.isfinite(logits.grad).all()


def test_kl_dims_sum_matches_the_kernel_and_its_gradient():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(32, 5, generator=g).requires_grad_()
    # logvar from far below to far above 0, and the series region near 0
    logvar = torch.cat([torch.linspace(-30, 30, 80), torch.linspace(-0.09, 0.09, 80)])
    logvar = logvar.reshape(32, 5).requires_grad_()
    ref = kernels.kl_standard_normal(mu, logvar).sum()
    g_ref = torch.autograd.grad(ref, (mu, logvar))
    got = fused.kl_dims_sum(mu, logvar)
    assert got.shape == (5,)
    weights = torch.arange(1.0, 6.0)  # a non-uniform upstream gradient
    g_got = torch.autograd.grad((got * weights).sum(), (mu, logvar))
    g_ref_w = torch.autograd.grad(
        (kernels.kl_standard_normal_dims(mu, logvar).sum(0) * weights).sum(), (mu, logvar)
    )
    torch.testing.assert_close(got.sum(), ref, rtol=1e-6, atol=0)
    for a, b in zip(g_got, g_ref_w):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)
    assert all(torch.isfinite(t).all() for t in g_ref)


def _reference_epoch(model, batches, generator, optimizer):
    """The step as plain autograd over the kernels, with clip_grad_norm_ as the check."""
    losses = []
    for x in batches:
        mu, logvar = model.encoder(x)
        eps = torch.randn(mu.shape, generator=generator)
        logits = model.decoder(kernels.reparameterize(mu, logvar, eps))
        rec = -kernels.bernoulli_log_likelihood(logits, x).mean()
        loss = rec + kernels.kl_standard_normal(mu, logvar).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        optimizer.step()
        losses.append(loss.item())
    return losses


def _fast_epoch(model, batches, generator, optimizer):
    losses = []
    for x in batches:
        rec, kl_dims = train.step_loss(model, x, generator)
        loss = rec + train.kl_penalty(kl_dims, 1.0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_fast_step_follows_the_eager_step_for_30_steps(mnist_train):
    torch.manual_seed(0)
    ref_model = vae_core.VAE(vae_core.VAEConfig(hidden=(64,), latent_dim=8))
    fast_model = vae_core.VAE(vae_core.VAEConfig(hidden=(64,), latent_dim=8))
    fast_model.load_state_dict(ref_model.state_dict())
    g = torch.Generator().manual_seed(5)
    batches = list(mnist_train.subset(30 * 32).batches(32, g))
    ref = _reference_epoch(
        ref_model, batches, torch.Generator().manual_seed(1), train.make_optimizer(ref_model)
    )
    fast = _fast_epoch(
        fast_model, batches, torch.Generator().manual_seed(1), train.make_optimizer(fast_model)
    )
    assert ref[-1] < ref[0] - 10  # it learns, so the comparison is of a moving trajectory
    torch.testing.assert_close(torch.tensor(fast), torch.tensor(ref), rtol=1e-4, atol=0)


def test_binarized_batches_are_exact_at_0_and_1_and_unbiased_between():
    g = torch.Generator().manual_seed(0)
    p = torch.tensor([0.0, 1 / 255, 0.25, 0.5, 0.9, 254 / 255, 1.0]).repeat(100_000, 1)
    images = data.ImageSet(p, torch.zeros(len(p), dtype=torch.int64))
    x = torch.cat(list(images.batches(1000, g)))
    assert x.dtype == p.dtype and set(x.unique().tolist()) <= {0.0, 1.0}
    assert x[:, 0].max() == 0 and x[:, -1].min() == 1
    freq, n = x.mean(0), p.shape[0]
    se = (p[0] * (1 - p[0]) / n).sqrt()
    assert ((freq - p[0]).abs() <= 5 * se + 1e-12).all(), (freq, p[0])


def test_batches_cover_every_image_once_per_epoch_across_chunks(monkeypatch):
    monkeypatch.setattr(data, "CHUNK_PIXELS", 4 * 10 * 3)  # chunks of 4 batches of 10
    images = torch.arange(95 * 3, dtype=torch.float32).reshape(95, 3) / (95 * 3)
    batches = list(
        data.ImageSet(images, torch.zeros(95, dtype=torch.long)).batches(
            10, torch.Generator().manual_seed(0), binarize=False
        )
    )
    assert [len(b) for b in batches] == [10] * 9 + [5]
    seen = torch.cat(batches)
    assert sorted(seen[:, 0].tolist()) == sorted(images[:, 0].tolist())


def test_kl_penalty_free_bits_and_weight():
    kl = torch.tensor([0.1, 2.0, 0.0])
    assert train.kl_penalty(kl, 1.0).item() == pytest.approx(2.1)
    assert train.kl_penalty(kl, 0.5, free_bits=0.5).item() == pytest.approx(0.5 * 3.0)


def test_kl_weight_warms_up_linearly_to_beta():
    config = vae_core.TrainConfig(beta=4.0, kl_warmup_epochs=2)
    assert [config.kl_weight(f) for f in (0, 0.5, 1, 2, 7)] == [0, 1, 2, 4, 4]
    assert vae_core.TrainConfig(beta=0.3).kl_weight(0) == 0.3


def test_beta_zero_training_lets_the_kl_grow_and_beta_large_shrinks_it():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    images = (torch.rand(512, 784, generator=g) < 0.2).float()
    train_set = data.ImageSet(images, torch.zeros(512, dtype=torch.long))
    kls = {}
    for beta in (0.0, 1.0, 8.0):
        torch.manual_seed(0)
        model = vae_core.VAE(vae_core.VAEConfig(hidden=(32,), latent_dim=4))
        history = train.fit(model, train_set, epochs=3, beta=beta, progress=False, lr=3e-3)
        kls[beta] = history.records[-1].kl
    assert kls[0.0] > kls[1.0] > kls[8.0]
