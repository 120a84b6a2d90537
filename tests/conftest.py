"""Shared fixtures: real MNIST (from $VAE_CORE_DATA, or torchvision's download), small models."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[1]

# The machines that run this suite are shared: no per-example deadline, a modest example count.
settings.register_profile(
    "vae", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("vae")


@pytest.fixture(scope="session")
def mnist_train():
    from vae_core import data

    return data.load("train")


@pytest.fixture(scope="session")
def mnist_test():
    from vae_core import data

    return data.load("test")


@pytest.fixture
def tiny_model():
    """A small VAE (784-32-2), seeded, in eval mode."""
    from vae_core import VAE, VAEConfig

    torch.manual_seed(0)
    return VAE(VAEConfig(hidden=(32,), latent_dim=2)).eval()


@pytest.fixture
def binary_batch():
    """Eight binary 'images' (8, 784), seeded."""
    g = torch.Generator().manual_seed(1)
    return torch.bernoulli(torch.full((8, 784), 0.3), generator=g)


@pytest.fixture
def tiny_train_set():
    """256 random grey 'images' as an ImageSet, seeded (no data files needed)."""
    from vae_core.data import ImageSet

    g = torch.Generator().manual_seed(2)
    return ImageSet(torch.rand(256, 784, generator=g), torch.zeros(256, dtype=torch.int64))
