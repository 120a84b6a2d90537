"""The beta explorer, Python side: what it embeds (the family's cards, the codes, the decoders'
weights, the grid, the lines of equal ELBO) against the family and the PyTorch decoders, the
JavaScript decoder (the bundle under Node) at the same codes, and its argument checks.

Stated tolerances. The family's weights are float16 values (family.py), so the float16 payload
holds them exactly: the payload's forward pass differs from PyTorch's only by float32 summation
order. The codes are stored rounded to 4 decimals (an error of at most 5e-5 per coordinate).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from vae_core import data, family
from vae_core.widgets import BetaExplorer, DecoderWeights
from vae_core.widgets.beta import elbo_lines, manifold, manifold_grid, reconstructions
from vae_core.widgets.export import unpack

PAYLOAD_VS_TORCH_PROB_TOL = 1e-5  # exact float16 weights: float32 rounding only
CODE_TOL = 5e-5  # codes rounded to 4 decimals
JS_VS_PAYLOAD_LOGIT_TOL = 1e-4


@pytest.fixture(scope="module")
def members():
    torch.set_num_threads(1)
    return family.load_family()


@pytest.fixture(scope="module")
def test_digits():
    test_set = data.load("test")
    return test_set.binarized(seed=0)[:1000], test_set.labels[:1000]  # (N, D), (N,)


@pytest.fixture(scope="module")
def explorer(members, test_digits):
    x, labels = test_digits
    return BetaExplorer(members, x, labels, share_images=1000)


def test_the_slider_holds_the_plain_z2_family_in_order_of_beta(explorer, members):
    assert [m["beta"] for m in explorer.models] == list(family.BETAS)
    assert [m["name"] for m in explorer.models] == [f"z2-beta{b:g}" for b in family.BETAS]
    assert all(isinstance(d, DecoderWeights) for d in explorer.decoders)
    assert len(explorer.decoders) == len(explorer.models) == 7
    assert explorer.models[explorer.index]["beta"] == 1.0  # the default start
    # the plane shows every plain member of both latent sizes, and no remedy
    names = {p["name"] for p in explorer.points}
    assert names == {f"z{z}-beta{b:g}" for z in (2, 20) for b in family.BETAS}


def test_the_readouts_are_the_cards(explorer, members):
    for m in explorer.models:
        card = members[m["name"]][1]
        assert (m["rate"], m["distortion"], m["log_px"]) == (
            card.rate,
            card.distortion,
            card.test_log_px,
        )
        assert m["log_px_samples"] == card.test_log_px_samples
        assert m["active"] == card.active_units() == 2
    for p in explorer.points:
        card = members[p["name"]][1]
        assert (p["rate"], p["distortion"], p["beta"]) == (
            card.rate,
            card.distortion,
            card.member.beta,
        )


def test_the_lines_of_equal_elbo_and_the_bounds_are_the_chapters(explorer, members):
    whole, close = explorer.planes
    plain = [
        c for _, c in members.values() if not (c.member.kl_warmup_epochs or c.member.free_bits)
    ]
    best = min(c.rate + c.distortion for c in plain)
    assert whole["lines"] == pytest.approx([best, best + 20, best + 40], abs=1e-4)
    rates = [c.rate for c in plain]
    dists = [c.distortion for c in plain]
    assert whole["bounds"]["rate"] == pytest.approx([0, 1.05 * max(rates)], abs=1e-4)
    assert whole["bounds"]["distortion"] == pytest.approx([min(dists) - 10, max(dists) + 15])
    # the close-up: the slider's models only, lines through the best of them
    z2 = [c for c in plain if c.member.latent_dim == 2]
    best2 = min(c.rate + c.distortion for c in z2)
    assert close["lines"] == pytest.approx([best2, best2 + 5, best2 + 10], abs=1e-4)
    assert close["bounds"]["rate"][1] == pytest.approx(1.05 * max(c.rate for c in z2), abs=1e-4)
    assert "20 and 40" in whole["legend"] and "5 and 10" in close["legend"]
    assert explorer.close_up is False
    assert elbo_lines([{"rate": 1.0, "distortion": 2.0}]) == [3.0, 23.0, 43.0]


def test_the_codes_are_the_encoders_means(explorer, members, test_digits):
    x, labels = test_digits
    shown = [d["index"] for d in explorer.digits]
    assert [d["label"] for d in explorer.digits] == list(range(10))  # first of each class
    for m in explorer.models:
        with torch.no_grad():
            mu, _ = members[m["name"]][0].encode(x[shown])  # (N, 2)
        assert np.abs(np.array(m["codes"]) - mu.numpy()).max() <= CODE_TOL


def test_the_decoded_images_match_the_pytorch_decoder(explorer, members):
    """What the page draws (the payload's forward pass at the stored codes and grid) against
    the float32 PyTorch decoder at the same latent points."""
    for k, m in enumerate(explorer.models):
        decoder = members[m["name"]][0].decoder
        for got, z in (
            (reconstructions(explorer, k), torch.tensor(m["codes"])),
            (
                manifold(explorer, k),
                torch.tensor([[a, b] for b in reversed(explorer.grid) for a in explorer.grid]),
            ),
        ):
            with torch.no_grad():
                want = torch.sigmoid(decoder(z.float())).double().numpy()  # (P, D)
            assert got.shape == want.shape
            assert np.abs(got - want).max() < PAYLOAD_VS_TORCH_PROB_TOL


def test_the_payload_holds_the_family_weights_exactly(explorer, members):
    for m, weights in zip(explorer.models, explorer.decoders):
        net = members[m["name"]][0].decoder.net
        linears = [layer for layer in net if isinstance(layer, torch.nn.Linear)]
        for (w, b, _), linear in zip(unpack(weights.payload), linears):
            assert np.array_equal(w, linear.weight.detach().numpy())
            assert np.array_equal(b, linear.bias.detach().numpy())


def test_the_grid_sits_at_the_priors_quantiles():
    g = manifold_grid(9)
    assert len(g) == 9 and g[4] == 0.0 and g[0] == -g[-1]
    normal = torch.distributions.Normal(0.0, 1.0)
    assert normal.cdf(torch.tensor(g)).tolist() == pytest.approx(
        [(k + 0.5) / 9 for k in range(9)], abs=1e-4
    )


def test_the_share_inside_the_grid_is_measured_on_the_codes(explorer, members, test_digits):
    x, _ = test_digits
    edge = explorer.grid[-1]
    for m in explorer.models:
        with torch.no_grad():
            mu, _ = members[m["name"]][0].encode(x)
        want = float((mu.abs() <= edge).all(1).float().mean())
        assert m["inside"] == pytest.approx(want, abs=1e-4)
    assert explorer.share_images == 1000


def test_page_weight_counts_the_seven_decoders(explorer):
    weight = explorer.page_weight()
    per_model = [len(d.payload["data"]) for d in explorer.decoders]
    assert weight["decoder_state"] > sum(per_model)
    assert weight["view_state"] > weight["code"] > 0


def test_the_javascript_decoder_draws_the_same_logits(explorer):
    if shutil.which("node") is None:
        pytest.fail("node (v18+) is not installed; the JavaScript decoder cannot be checked")
    from vae_core.widgets.export import forward
    from vae_core.widgets.node import node_decode

    for k in (0, 6):
        payload = explorer.decoders[k].payload
        codes = np.array(explorer.models[k]["codes"])
        js, _ = node_decode(payload, codes)
        assert np.abs(js - forward(payload, codes)).max() < JS_VS_PAYLOAD_LOGIT_TOL


# ---- bad arguments ----


def test_bad_arguments_get_clear_errors(members, test_digits):
    x, labels = test_digits
    with pytest.raises(TypeError, match="members must be a mapping"):
        BetaExplorer([1, 2], x, labels)
    with pytest.raises(TypeError, match=r"members\['a'\] must be a \(model, family.FamilyCard\)"):
        BetaExplorer({"a": 3}, x, labels)
    only_one = {"z2-beta1": members["z2-beta1"]}
    with pytest.raises(ValueError, match="at least two plain members with latent_dim 2"):
        BetaExplorer(only_one, x, labels)
    with pytest.raises(ValueError, match="latent_dim must be 2"):
        BetaExplorer(members, x, labels, latent_dim=20)
    with pytest.raises(ValueError, match="beta must be one of the slider's betas"):
        BetaExplorer(members, x, labels, beta=3.0)
    with pytest.raises(ValueError, match="grid_size must be an integer from 2 to 16"):
        BetaExplorer(members, x, labels, grid_size=40)
    with pytest.raises(ValueError, match="grid_size must be an integer"):
        BetaExplorer(members, x, labels, grid_size=True)
    with pytest.raises(ValueError, match="digit_indices must be indices into the 1000 images"):
        BetaExplorer(members, x, labels, digit_indices=[0, 5000])
    with pytest.raises(ValueError, match="labels must be 1-D with one label per image"):
        BetaExplorer(members, x, labels[:10])
    with pytest.raises(TypeError, match="share_images must be an integer"):
        BetaExplorer(members, x, labels, share_images=0.5)
