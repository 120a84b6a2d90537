"""The shipped models: present, verified by SHA-256 on load, and described by their cards."""
import hashlib
import shutil

import pytest
import torch

from vae_core import CheckpointError, pretrained


@pytest.mark.parametrize("name", ["mnist-z2", "mnist-z20"])
def test_pretrained_loads_with_verified_hash(name):
    model, card = pretrained.load_pretrained(name)
    path = pretrained.weights_dir() / f"{name}.safetensors"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == pretrained.registry()[name]["sha256"]
    assert model.config.latent_dim == card["config"]["latent_dim"]
    assert card["test_log_px_samples"] == 5000
    assert card["test_elbo"] <= card["test_log_px"] < 0  # the ELBO bounds log p(x) from below
    assert card["test_log_px"] > -200  # a trained model, far above the ~-543 nats of an untrained one
    with torch.no_grad():
        assert torch.isfinite(model.decode(torch.zeros(1, model.config.latent_dim))).all()


def test_altered_pretrained_file_is_refused(tmp_path, monkeypatch):
    shutil.copytree(pretrained.weights_dir(), tmp_path / "weights")
    path = tmp_path / "weights" / "mnist-z2.safetensors"
    payload = bytearray(path.read_bytes())
    payload[-5] ^= 0x01  # flip one bit in the last tensor
    path.write_bytes(bytes(payload))
    monkeypatch.setattr(pretrained, "weights_dir", lambda: tmp_path / "weights")
    with pytest.raises(CheckpointError, match="SHA-256"):
        pretrained.load_pretrained("mnist-z2")


def test_unknown_name_is_explained():
    with pytest.raises(ValueError, match="name must be one of"):
        pretrained.load_pretrained("mnist-z3")
