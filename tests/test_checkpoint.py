"""Checkpoints: round trip, atomic writes, refusal of damaged or foreign files, training states."""

from __future__ import annotations

import hashlib
import json
import os
import pickle

import pytest
import torch
from safetensors.torch import load as load_bytes
from safetensors.torch import save as save_bytes

from vae_core import VAE, CheckpointError, VAEConfig, checkpoint, load_checkpoint, save_checkpoint


@pytest.fixture
def model():
    torch.manual_seed(0)
    return VAE(VAEConfig(hidden=(32, 16), latent_dim=3))


@pytest.fixture
def saved(tmp_path, model):
    path = tmp_path / "model.safetensors"
    sha = save_checkpoint(path, model, metrics={"test_elbo": -100.5})
    return path, sha


def test_round_trip(saved, model):
    path, sha = saved
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
    loaded, metrics = load_checkpoint(path, expected_sha256=sha)
    assert loaded.config == model.config and not loaded.training
    assert metrics == {"test_elbo": -100.5}
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name
    x = torch.rand(2, 784)
    eps = torch.randn(2, 3)
    torch.testing.assert_close(loaded(x, eps=eps).logits, model(x, eps=eps).logits)


def test_truncated_file_is_refused(saved):
    path, _ = saved
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="truncated or not a safetensors file"):
        load_checkpoint(path)


def test_altered_tensor_bytes_are_refused(saved):
    path, _ = saved
    payload = bytearray(path.read_bytes())
    payload[-5] ^= 0xFF  # a byte inside the last tensor
    path.write_bytes(bytes(payload))
    with pytest.raises(CheckpointError, match="corrupt: its tensors do not match the SHA-256"):
        load_checkpoint(path)


def test_wrong_file_hash_is_refused(saved):
    path, sha = saved
    with pytest.raises(CheckpointError, match=f"expected {'0' * 64}.*altered"):
        load_checkpoint(path, expected_sha256="0" * 64)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nothing.safetensors")


def test_wrong_architecture_is_refused(saved, tmp_path):
    """Tensors of one architecture under the config of another (consistent digest)."""
    path, _ = saved
    payload = path.read_bytes()
    tensors = load_bytes(payload)
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        header = dict(handle.metadata())
    header["config"] = VAEConfig(hidden=(32, 16), latent_dim=5).to_json()
    other = tmp_path / "other.safetensors"
    other.write_bytes(save_bytes(tensors, metadata=header))
    with pytest.raises(CheckpointError, match="does not fit its recorded architecture"):
        load_checkpoint(other)


def test_a_pickle_is_never_unpickled(tmp_path):
    """Loading parses safetensors only: a pickle that would run code is refused, not run."""
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(CheckpointError, match="not a safetensors file"):
        load_checkpoint(path)
    assert not marker.exists()
    torch_file = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, torch_file)
    with pytest.raises(CheckpointError):
        load_checkpoint(torch_file)


def test_foreign_safetensors_file_is_refused(tmp_path):
    path = tmp_path / "foreign.safetensors"
    path.write_bytes(save_bytes({"w": torch.ones(2)}))
    with pytest.raises(CheckpointError, match="has format None, expected"):
        load_checkpoint(path)


@pytest.mark.parametrize(
    "failing,error",
    [("os.replace", OSError), ("os.fsync", OSError), ("os.replace", KeyboardInterrupt)],
)
def test_interrupted_write_keeps_the_previous_file(saved, model, monkeypatch, failing, error):
    path, sha = saved
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise error("simulated crash during the write")

    monkeypatch.setattr(failing, boom)
    with torch.no_grad():
        model.decoder.net[0].weight.add_(1.0)  # a different model to save over the old one
    with pytest.raises(error, match="simulated crash"):
        save_checkpoint(path, model, metrics={"test_elbo": 0.0})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp file left
    load_checkpoint(path, expected_sha256=sha)


def test_training_state_round_trip(tmp_path, model):
    from vae_core.train import EpochRecord, History

    optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)
    model(torch.rand(4, 784)).logits.sum().backward()
    optimizer.step()
    generator = torch.Generator().manual_seed(7)
    torch.randn(3, generator=generator)
    history = History([EpochRecord(1, 150.25, 10.5, 1.0, -160.0, -150.0)])
    path = tmp_path / "state.safetensors"
    checkpoint.save_training_state(path, model, optimizer, generator, history)
    state = checkpoint.load_training_state(path)
    assert state.history == history
    assert torch.equal(state.generator.get_state(), generator.get_state())
    ours, theirs = state.optimizer.state_dict(), optimizer.state_dict()
    assert ours["param_groups"][0]["lr"] == 3e-4
    for index, slots in theirs["state"].items():
        for key, value in slots.items():
            assert torch.equal(ours["state"][index][key], value), (index, key)
    # A training state also loads as a plain model checkpoint ...
    loaded, _ = load_checkpoint(path)
    assert all(torch.equal(a, b) for a, b in zip(loaded.parameters(), model.parameters()))
    # ... but a model checkpoint is not a training state.
    save_checkpoint(tmp_path / "m.safetensors", model)
    with pytest.raises(CheckpointError, match="vae_core.training_state/1"):
        checkpoint.load_training_state(tmp_path / "m.safetensors")
    # Into a model of another size: refused, naming both configs.
    with pytest.raises(CheckpointError, match="latent_dim=3.*latent_dim=2"):
        checkpoint.load_training_state(path, model=VAE(VAEConfig(latent_dim=2)))


def test_header_is_plain_json(saved):
    from safetensors import safe_open

    path, _ = saved
    with safe_open(str(path), framework="pt") as handle:
        header = handle.metadata()
    assert json.loads(header["config"])["latent_dim"] == 3
    assert os.path.getsize(path) < 2_000_000
