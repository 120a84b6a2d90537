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
    assert model.config.latent_dim == card.details["config"]["latent_dim"]
    assert card.test_log_px_samples == 5000
    assert card.test_elbo <= card.test_log_px < 0  # the ELBO bounds log p(x) from below
    assert card.test_log_px > -200  # a trained model, far above the ~-543 nats of an untrained one
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


def test_shipped_card_is_a_card_with_its_hash():
    _, card = pretrained.load_pretrained("mnist-z2")
    assert isinstance(card, pretrained.Card) and card.pretrained
    assert card.sha256 == pretrained.registry()["mnist-z2"]["sha256"]
    assert card.source == "shipped weights"
    assert len(card.history.records) == card.epochs == 60


def test_a_model_trained_here_gets_the_same_card_type(monkeypatch, tiny_train_set):
    monkeypatch.setattr(pretrained, "available", lambda: [])
    monkeypatch.setattr(pretrained.data, "load", lambda *a, **k: tiny_train_set)
    model, card = pretrained.load_or_train("mnist-z2", epochs=1, device="cpu")
    assert isinstance(card, pretrained.Card) and not card.pretrained
    assert card.sha256 is None and card.test_elbo is None
    assert card.epochs == len(card.history.records) == 1
    assert card.source == "trained here for 1 epoch(s)"


def test_a_missing_registry_is_not_reported_as_an_unknown_name(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, "weights_dir", lambda: tmp_path)
    with pytest.raises(CheckpointError, match="no shipped weights for 'mnist-z2'"):
        pretrained.load_pretrained("mnist-z2")
    (tmp_path / "registry.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="registry .* cannot be read"):
        pretrained.load_pretrained("mnist-z2")


@pytest.mark.parametrize("name", ["mnist-z2", "mnist-z20", "mnist-best"])
def test_shipped_cards_carry_a_whole_test_set_score(name):
    if name not in pretrained.available():
        pytest.fail(f"{name} is not shipped: python -m vae_core.pretrained --name {name}")
    _, card = pretrained.load_pretrained(name)
    full = card.details["test_full"]
    assert full["images"] == 10000 and full["samples"] == 5000
    assert full["elbo"] <= full["log_px"] < 0
    assert 0 < full["log_px_stderr"] < 1  # 10,000 digits: a fraction of a nat
    assert "binarized once" in full["protocol"]


def test_evaluate_test_set_reports_means_and_standard_errors(mnist_test):
    torch.manual_seed(0)
    model = pretrained.VAE(pretrained.VAEConfig(hidden=(16,), latent_dim=2))
    result = pretrained.evaluate_test_set(model, mnist_test, num_samples=20, num_images=250)
    assert result["images"] == 250 and result["samples"] == 20
    assert result["elbo"] <= result["log_px"]
    assert result["log_px_stderr"] > 0 and result["elbo_stderr"] > 0


def test_train_on_budget_stops_after_the_budget_and_reports_each_checkpoint(mnist_train):
    torch.manual_seed(0)
    model = pretrained.VAE(pretrained.VAEConfig(hidden=(16,), latent_dim=2))
    seen = []
    history = pretrained.train_on_budget(
        model,
        mnist_train.subset(2000),
        cpu_seconds=1.0,
        checkpoints=(0.01, 1.0),
        on_checkpoint=lambda budget, h: seen.append((budget, len(h.records))),
    )
    assert [b for b, _ in seen] == [0.01, 1.0]
    assert seen[0][1] == 1 and seen[1][1] == len(history.records) >= 1
    assert history.records[-1].loss < history.records[0].loss or len(history.records) == 1


@pytest.mark.parametrize("hidden, samples", [((512, 512), 5000), ((200, 200), 5000), ((96,), 100)])
def test_scoring_calls_stay_within_the_estimators_work_bound(hidden, samples):
    """The best recipe's 512-wide decoder at K = 5000 cannot take 100 digits per call (that
    run stopped with the work-bound error after training); the chunk shrinks to fit."""
    from vae_core import VAE, VAEConfig
    from vae_core._validate import MAX_WORK
    from vae_core.model import sample_cost

    model = VAE(VAEConfig(hidden=hidden, latent_dim=50))
    rows = pretrained.rows_per_call(model, samples)
    x = torch.zeros(rows, model.config.data_dim)
    assert 1 <= rows <= 100
    assert rows * samples * sample_cost(model, x[:1]) <= MAX_WORK
    if hidden[0] == 512:
        assert rows < 100


def test_the_best_model_beats_the_published_one_layer_vae():
    """Burda et al. (2016), Table 1: -86.76 nats for the one-stochastic-layer VAE (K = 5000),
    beaten by more than two standard errors on the whole test set, within 30 CPU minutes."""
    _, card = pretrained.load_pretrained("mnist-best")
    full = card.details["test_full"]
    assert full["samples"] == 5000 and full["images"] == 10000
    assert full["log_px"] - 2 * full["log_px_stderr"] > -86.76
    assert "over 30 CPU minutes" in card.details["optimizer"]
