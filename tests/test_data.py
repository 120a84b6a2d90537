"""Real MNIST: verified files, remedies for corrupt or missing data, batches and binarization."""

from __future__ import annotations

import shutil
import urllib.request

import pytest
import torch

from vae_core import data


def test_mnist_splits(mnist_train, mnist_test):
    assert mnist_train.images.shape == (60000, 784) and mnist_test.images.shape == (10000, 784)
    assert mnist_train.images.dtype == torch.float32
    assert float(mnist_test.images.min()) == 0.0 and float(mnist_test.images.max()) == 1.0
    assert sorted(mnist_test.labels.unique().tolist()) == list(range(10))


def test_binarization_is_seeded(mnist_test):
    small = mnist_test.subset(100)
    a, b = small.binarized(seed=3), small.binarized(seed=3)
    assert torch.equal(a, b) and not torch.equal(a, small.binarized(seed=4))
    assert set(a.unique().tolist()) <= {0.0, 1.0}
    # Dynamic binarization: each pixel is on with its grey level as probability.
    mean_on = small.images.repeat(20, 1)
    draws = torch.bernoulli(mean_on, generator=torch.Generator().manual_seed(0))
    assert abs(float(draws.mean() - mean_on.mean())) < 0.003


def test_batches_cover_a_permutation(mnist_test):
    small = mnist_test.subset(300)
    g = torch.Generator().manual_seed(0)
    grey = torch.cat(list(small.batches(128, g, binarize=False)))
    assert grey.shape == (300, 784)
    assert torch.equal(grey.sum(0), small.images.sum(0)) or torch.allclose(
        grey.sum(0), small.images.sum(0)
    )
    sizes = [b.shape[0] for b in small.batches(128, g, binarize=True, drop_last=True)]
    assert sizes == [128, 128]


@pytest.fixture
def mnist_copy(tmp_path):
    """The four raw MNIST files copied into a fresh root."""
    source = data.resolve_root() / "MNIST" / "raw"
    target = tmp_path / "MNIST" / "raw"
    target.mkdir(parents=True)
    for name in data.CHECKSUMS["mnist"]:
        shutil.copy(source / name, target / name)
    return tmp_path


def test_copied_data_loads(mnist_copy):
    assert len(data.load("test", root=mnist_copy)) == 10000


def test_corrupt_file_is_named_with_the_remedy(mnist_copy, monkeypatch):
    bad = mnist_copy / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
    payload = bytearray(bad.read_bytes())
    payload[5000] ^= 0x01  # one flipped bit in one pixel
    bad.write_bytes(bytes(payload))
    monkeypatch.setattr(data, "_download", _no_network)  # corrupt data must not trigger a download
    with pytest.raises(data.DataError) as info:
        data.load("test", root=mnist_copy)
    message = str(info.value)
    assert str(bad) in message and "corrupt" in message and "SHA-256" in message
    assert "Delete it" in message and "VAE_CORE_DATA" in message


def _no_network(*args, **kwargs):
    raise AssertionError("the loader tried to download")


def test_missing_data_without_network_is_explained(tmp_path, monkeypatch):
    from torchvision import datasets

    def offline(self):
        raise RuntimeError(
            "Error downloading train-images-idx3-ubyte.gz: <urlopen error "
            "[Errno -2] Name or service not known>"
        )

    monkeypatch.setattr(datasets.MNIST, "download", offline)
    monkeypatch.setattr(urllib.request, "urlopen", _no_network, raising=True)
    with pytest.raises(data.DataError) as info:
        data.load("train", root=tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message and "downloading it failed" in message
    assert "Name or service not known" in message
    assert "connect to the internet" in message and "VAE_CORE_DATA" in message
    assert str(tmp_path / "MNIST" / "raw") in message and "t10k-images-idx3-ubyte" in message


def test_missing_data_with_download_off(tmp_path):
    with pytest.raises(data.DataError, match="is missing.*VAE_CORE_DATA"):
        data.load("test", root=tmp_path, download=False)


def test_data_root_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_CORE_DATA", str(tmp_path))
    assert data.resolve_root() == tmp_path
    assert data.resolve_root("/elsewhere") == data.Path("/elsewhere")
