"""Training on real MNIST: it learns, it is reproducible, it resumes exactly, it fails safely."""

from __future__ import annotations

import math

import pytest
import torch

from vae_core import VAE, VAEConfig, checkpoint, train
from vae_core.train import TrainingDiverged

SMALL = VAEConfig(hidden=(32,), latent_dim=4)


@pytest.fixture(scope="module")
def small_train(mnist_train):
    return mnist_train.subset(1000)


@pytest.fixture(scope="module")
def small_test(mnist_test):
    return mnist_test.subset(200)


def _model(seed=0, config=SMALL):
    torch.manual_seed(seed)
    return VAE(config)


def _fit(model, data, test=None, **kwargs):
    kwargs.setdefault("progress", False)
    return train.fit(model, data, test, **kwargs)


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.slow
def test_short_real_training_lowers_the_negative_elbo(mnist_train, mnist_test):
    """784-256-20 on 20,000 real MNIST digits for 2 epochs: test -ELBO below 160 nats.

    Untrained, the model scores about 543 nats (784 log 2); after 2 epochs it measured about
    145 nats here (1,000 test digits, binarized once with seed 0, K = 10).
    """
    model = _model(config=VAEConfig())
    test_x = mnist_test.binarized(seed=0)[:1000]
    before = train.evaluate(model, test_x, num_samples=10)
    history = _fit(
        model, mnist_train.subset(20000), mnist_test, epochs=2, eval_samples=10, eval_images=1000
    )
    assert -before.elbo > 500
    losses = history.column("loss")
    assert losses[1] < losses[0]
    assert -history.records[-1].test_elbo < 160, history.to_dicts()
    assert history.records[-1].test_log_px >= history.records[-1].test_elbo  # IWAE >= ELBO
    assert all(r.kl > 0 for r in history.records)


def test_same_seed_gives_the_same_history_twice(small_train, small_test):
    runs = []
    for _ in range(2):
        model = _model()
        h = _fit(model, small_train, small_test, epochs=2, seed=3, eval_samples=5, eval_images=50)
        runs.append(
            (h.column("reconstruction"), h.column("kl"), h.column("test_elbo"), _state(model))
        )
    assert runs[0][:3] == runs[1][:3]
    assert _same(runs[0][3], runs[1][3])
    other = _fit(_model(), small_train, epochs=1, seed=4)
    assert other.column("reconstruction")[0] != runs[0][0][0]


def test_resume_continues_the_same_run_exactly(tmp_path, small_train, small_test):
    """2 epochs + save + resume + 2 epochs == 4 epochs: same loss history, same weights."""
    kwargs = dict(eval_samples=5, eval_images=50)
    straight = _model()
    whole = _fit(straight, small_train, small_test, epochs=4, **kwargs)

    path = tmp_path / "run.safetensors"
    first = _fit(_model(), small_train, small_test, epochs=2, checkpoint_path=path, **kwargs)
    assert len(first.records) == 2
    resumed_model = _model(seed=123)  # different initial weights: all must come from the file
    resumed = _fit(
        resumed_model,
        small_train,
        small_test,
        epochs=2,
        resume=path,
        checkpoint_path=path,
        **kwargs,
    )

    assert [r.epoch for r in resumed.records] == [1, 2, 3, 4]
    for name in ("reconstruction", "kl", "test_elbo", "test_log_px"):
        assert resumed.column(name) == whole.column(name), name
    assert _same(_state(resumed_model), _state(straight))
    # The file, rewritten in place, now holds epoch 4.
    state = checkpoint.load_training_state(path)
    assert len(state.history.records) == 4


def _nan_at(monkeypatch, epoch_step, snapshots, model):
    """Make step_loss return NaN at the given global step, remembering the weights before it."""
    real = train.step_loss
    calls = {"n": 0}

    def patched(m, x, generator, *rest):
        calls["n"] += 1
        rec, kl = real(m, x, generator, *rest)
        if calls["n"] == epoch_step:
            snapshots.append(_state(model))
            return rec * float("nan"), kl
        return rec, kl

    monkeypatch.setattr(train, "step_loss", patched)


def test_nan_loss_stops_with_epoch_and_step_and_keeps_the_last_good_weights(
    monkeypatch, small_train
):
    model, snapshots = _model(), []
    steps_per_epoch = math.ceil(len(small_train) / 128)  # 8
    _nan_at(monkeypatch, steps_per_epoch + 4, snapshots, model)  # epoch 2, step index 3
    with pytest.raises(
        TrainingDiverged, match=r"loss became non-finite at epoch 2, step 3"
    ) as info:
        _fit(model, small_train, epochs=3)
    assert info.value.epoch == 2 and info.value.step == 3
    assert len(info.value.history.records) == 1  # epoch 1 completed
    assert _same(_state(model), snapshots[0])  # the bad step was never applied
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_deferred_check_skips_the_bad_step_and_reports_it_at_the_end_of_the_epoch(
    monkeypatch, small_train
):
    """The GPU path (no host read per step), forced on the CPU: the fused Adam skips every
    update from the bad step on, and the epoch's end reports that step."""
    real_init = train._DivergenceCheck.__init__

    def deferred_init(self, *args):
        real_init(self, *args)
        self.deferred = True

    monkeypatch.setattr(train._DivergenceCheck, "__init__", deferred_init)
    model, snapshots = _model(), []
    steps_per_epoch = math.ceil(len(small_train) / 128)
    _nan_at(monkeypatch, steps_per_epoch + 4, snapshots, model)
    with pytest.raises(TrainingDiverged, match=r"non-finite at epoch 2, step 3") as info:
        _fit(model, small_train, epochs=3)
    assert info.value.step == 3 and len(info.value.history.records) == 1
    assert _same(_state(model), snapshots[0])
    optimizer_left_clean = train.make_optimizer(model)
    assert not hasattr(optimizer_left_clean, "found_inf")


def test_huge_learning_rate_diverges_safely(small_train):
    model = _model()
    with pytest.raises(TrainingDiverged, match=r"at epoch \d+, step \d+.*smaller learning rate"):
        _fit(model, small_train, epochs=3, lr=1e12)
    assert all(torch.isfinite(p).all() for p in model.parameters())
    with torch.no_grad():
        model.encode(small_train.images[:2])  # still usable


def test_keyboard_interrupt_returns_the_history_so_far(monkeypatch, small_train):
    model, seen = _model(), []
    real = train.step_loss
    steps_per_epoch = math.ceil(len(small_train) / 128)

    def interrupting(m, x, generator, *rest):
        seen.append(1)
        if len(seen) == steps_per_epoch + 3:  # during epoch 2
            seen.append(_state(model))
            raise KeyboardInterrupt
        return real(m, x, generator, *rest)

    monkeypatch.setattr(train, "step_loss", interrupting)
    history = _fit(model, small_train, epochs=5)
    assert history.interrupted and [r.epoch for r in history.records] == [1]
    assert _same(_state(model), seen[-1])  # intact: exactly the weights when the key was hit
    assert not model.training
    monkeypatch.undo()
    more = _fit(model, small_train, epochs=1, history=history)  # and training can go on
    assert [r.epoch for r in more.records] == [1, 2]


def test_checkpoint_each_epoch_survives_an_interrupt(monkeypatch, tmp_path, small_train):
    path = tmp_path / "run.safetensors"
    real = train.step_loss
    calls = []

    def interrupting(m, x, generator, *rest):
        calls.append(1)
        if len(calls) == 20:  # epoch 3 of 8 steps each
            raise KeyboardInterrupt
        return real(m, x, generator, *rest)

    monkeypatch.setattr(train, "step_loss", interrupting)
    history = _fit(_model(), small_train, epochs=5, checkpoint_path=path)
    state = checkpoint.load_training_state(path)
    assert [r.epoch for r in state.history.records] == [1, 2] == [r.epoch for r in history.records]


def test_evaluate_reports_elbo_below_iwae(small_test):
    model = _model()
    x = small_test.binarized(seed=0)[:20]
    result = train.evaluate(model, x, num_samples=50, generator=torch.Generator().manual_seed(0))
    assert result.log_px >= result.elbo and result.num_images == 20


def test_pick_device_prefers_cuda_when_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert train.pick_device() == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert train.pick_device() == torch.device("cuda")


def test_step_loss_is_the_negative_elbo_of_vae_core_objective(tiny_model, binary_batch):
    """The loop's fast loss and `objective.elbo` agree term by term on the same noise."""
    from vae_core import elbo

    reconstruction, kl_dims = train.step_loss(
        tiny_model, binary_batch, torch.Generator().manual_seed(3)
    )
    terms = elbo(tiny_model, binary_batch, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(reconstruction, -terms.reconstruction.mean())
    assert kl_dims.shape == (tiny_model.config.latent_dim,)
    torch.testing.assert_close(kl_dims.sum(), terms.kl.mean())
    kl = kl_dims.sum()
    assert reconstruction.requires_grad and kl.requires_grad  # it is what the optimizer steps on
