"""The beta family (vae_core.family): members, a short real training run, float16 storage
verified on load, and the shipped files."""

from __future__ import annotations

import hashlib
import json
import math
import re

import pytest
import torch

from vae_core import family
from vae_core.checkpoint import CheckpointError
from vae_core.data import ImageSet
from vae_core.rate_distortion import rate_distortion


def test_the_family_covers_the_betas_and_both_latent_sizes():
    betas = {m.beta for m in family.MEMBERS if not (m.kl_warmup_epochs or m.free_bits)}
    assert len(betas) >= 7 and min(betas) <= 0.1 and max(betas) >= 10
    for z in (2, 20):
        assert {m.beta for m in family.MEMBERS if m.latent_dim == z} >= betas
    remedies = [m for m in family.MEMBERS if m.kl_warmup_epochs or m.free_bits]
    assert {(m.kl_warmup_epochs > 0, m.free_bits > 0) for m in remedies} == {
        (True, False),
        (False, True),
    }
    assert len(family.BY_NAME) == len(family.MEMBERS)  # names are unique


def test_member_names_and_settings():
    member = family.Member(20, 0.5)
    assert member.name == "z20-beta0.5"
    assert family.Member(20, 1.0, kl_warmup_epochs=4).name == "z20-beta1-warmup4"
    assert family.Member(20, 1.0, free_bits=0.25).name == "z20-beta1-freebits0.25"
    config = family.Member(2, 10.0, kl_warmup_epochs=3, free_bits=0.5).train_config(5, 7)
    assert (config.beta, config.kl_warmup_epochs, config.free_bits) == (10.0, 3, 0.5)
    assert (config.epochs, config.seed) == (5, 7)


BAD_MEMBERS = [
    (lambda: family.Member(0, 1.0), ValueError, ("latent_dim", ">= 1", "got 0")),
    (lambda: family.Member(2.0, 1.0), TypeError, ("latent_dim", "int", "float")),
    (lambda: family.Member(2, -1.0), ValueError, ("beta", ">= 0", "-1")),
    (lambda: family.Member(2, "1"), TypeError, ("beta", "number", "str")),
    (lambda: family.Member(2, 1.0, free_bits=math.inf), ValueError, ("free_bits", "finite")),
    (lambda: family.Member(2, 1.0, kl_warmup_epochs=-1), ValueError, ("kl_warmup_epochs", ">= 0")),
    (lambda: family.Member(2, 1.0, kl_warmup_epochs=1.5), TypeError, ("kl_warmup_epochs", "int")),
    (lambda: family.load_member("z3-beta1"), ValueError, ("name", "members", "'z3-beta1'")),
    (lambda: family.load_family("z2-beta1"), TypeError, ("names", "list", "str")),
    (lambda: family.load_family(["nope"]), ValueError, ("name", "'nope'")),
]


@pytest.mark.parametrize("call, error, fragments", BAD_MEMBERS)
def test_bad_input_gets_a_message_naming_the_argument(call, error, fragments):
    with pytest.raises(error) as info:
        call()
    assert all(re.search(f, str(info.value)) for f in fragments), str(info.value)


def tiny_images(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    grey = torch.rand(n, 784, generator=g) * torch.linspace(0, 1, 784)  # (N, D) in [0, 1]
    return ImageSet(grey, torch.zeros(n, dtype=torch.int64))


@pytest.fixture
def small_family(tmp_path, monkeypatch):
    monkeypatch.setattr(family, "HIDDEN", (8,))
    monkeypatch.setattr(family, "weights_dir", lambda: tmp_path)
    return tmp_path


def test_train_save_and_load_a_member_round_trips_through_float16(small_family):
    member = family.BY_NAME[f"z20-beta1-freebits{family.FREE_BITS:g}"]
    test_x = tiny_images(64, seed=1).binarized(seed=0)  # (64, D)
    model, card = family.train_member(
        member, tiny_images(), test_x, epochs=2, log_px_images=16, log_px_samples=8
    )
    assert [row["epoch"] for row in card["history"]] == [1, 2]
    assert all(len(row["test_kl_per_dim"]) == 20 for row in card["history"])
    for tensor in model.state_dict().values():  # already rounded to what is stored
        assert torch.equal(tensor, tensor.half().float())
    sha = family.save_member(model, card)
    assert family.registry()[member.name]["sha256"] == sha
    assert family.available() == [member.name]
    loaded, fcard = family.load_member(member.name)
    assert loaded.dtype == torch.float32
    for a, b in zip(loaded.state_dict().values(), model.state_dict().values()):
        assert torch.equal(a, b)
    assert fcard.member == member and fcard.sha256 == sha
    again = rate_distortion(loaded, test_x, generator=torch.Generator().manual_seed(1))
    assert math.isclose(again.rate, fcard.rate, rel_tol=1e-3)  # R is exact: only rounding
    assert math.isclose(sum(fcard.kl_per_dim), fcard.rate, rel_tol=1e-3)
    assert fcard.test_log_px < 0 and fcard.elbo < 0


def test_a_changed_member_file_is_refused(small_family):
    member = family.Member(2, 1.0)
    test_x = tiny_images(32, seed=1).binarized(seed=0)
    model, card = family.train_member(
        member, tiny_images(64), test_x, epochs=1, log_px_images=8, log_px_samples=4
    )
    family.save_member(model, card)
    path = small_family / f"family-{member.name}.safetensors"
    payload = bytearray(path.read_bytes())
    payload[-1] ^= 1
    path.write_bytes(bytes(payload))
    with pytest.raises(CheckpointError, match="SHA-256"):
        family.load_member(member.name)


def test_a_member_that_was_never_written_is_reported(small_family):
    with pytest.raises(CheckpointError, match="python -m vae_core.family --name z2-beta1"):
        family.load_member("z2-beta1")


def test_the_shipped_family_is_complete_and_verified():
    entries = family.registry()
    assert sorted(entries) == sorted(family.BY_NAME), "run python -m vae_core.family"
    for name, entry in entries.items():
        path = family.weights_dir() / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        card = json.loads((family.weights_dir() / f"family-{name}.json").read_text())
        assert card["sha256"] == entry["sha256"] and card["storage"] == "float16"
        assert len(card["history"]) == card["epochs"]
        assert len(card["kl_per_dim"]) == card["latent_dim"] == len(card["activity"])
        assert math.isclose(sum(card["kl_per_dim"]), card["rate"], rel_tol=1e-3, abs_tol=1e-3)
    model, card = family.load_member("z20-beta1")
    assert model.config.latent_dim == 20 and card.member.beta == 1.0


def test_the_shipped_family_fits_the_wheel_budget():
    total = sum(
        (family.weights_dir() / e["file"]).stat().st_size for e in family.registry().values()
    )
    assert total < 6e6, f"the family's weights take {total / 1e6:.1f} MB"
