"""Widgets, Python side: weight export, the float16 error, the Python fallback, and the JavaScript
decoder (decoder.js, run under Node) against the PyTorch decoder on random latent points."""
from __future__ import annotations

import json
import shutil
import subprocess
import textwrap

import numpy as np
import pytest
import torch
from torch import nn

from vae_core import VAE, VAEConfig
from vae_core.widgets import (DecoderExportError, Interpolation, LatentPlane, LatentTraversal,
                              PosteriorView, export_decoder, forward, page_weight, payload_error,
                              unpack)
from vae_core.widgets.latent import ESM, HERE

# Stated tolerances. float16 keeps 11 significant bits. On the shipped decoders, at z ~ N(0, 4I),
# the pixel probabilities move by up to ~0.005 (mnist-z2, whose logits reach several hundred) and
# the logits by up to ~0.15: within two gray levels (2/255), which no eye can tell apart. The
# JavaScript forward pass uses the same float16 weights as `forward` and differs from it only by
# float32 summation order.
FLOAT16_LOGIT_TOL = 0.25
FLOAT16_PROB_TOL = 2 / 255
JS_VS_TORCH_PROB_TOL = 2 / 255
JS_VS_PAYLOAD_LOGIT_TOL = 1e-4

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def small_model(latent_dim: int, hidden=(32,), seed: int = 0) -> VAE:
    torch.manual_seed(seed)
    model = VAE(VAEConfig(latent_dim=latent_dim, hidden=hidden))
    with torch.no_grad():  # somewhat larger weights than at initialization, as after training
        for p in model.decoder.parameters():
            p.mul_(1.5)
    return model


def fake_digits(n: int = 40, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 784, generator=gen) > 0.7).float(), torch.arange(n) % 10


@pytest.mark.parametrize("hidden", [(), (32,), (64, 16)])
def test_export_round_trip_shapes(hidden):
    model = small_model(3, hidden)
    layers = unpack(export_decoder(model))
    linears = [m for m in model.decoder.net if isinstance(m, nn.Linear)]
    assert [w.shape for w, _, _ in layers] == [tuple(m.weight.shape) for m in linears]
    assert [a for _, _, a in layers] == ["relu"] * (len(linears) - 1) + ["none"]


@pytest.mark.parametrize("latent_dim", [2, 20])
def test_float16_error_is_small(latent_dim):
    model = small_model(latent_dim, hidden=(256,))
    err = payload_error(model, export_decoder(model))
    assert err.max_logit_error < FLOAT16_LOGIT_TOL / 2
    assert err.max_probability_error < FLOAT16_PROB_TOL / 2
    exact = payload_error(model, export_decoder(model, dtype="float32"))
    assert exact.max_logit_error < 1e-4


def test_payload_is_compact():
    model = small_model(20, hidden=(256,))
    n_params = sum(p.numel() for p in model.decoder.parameters())
    assert len(export_decoder(model)["data"]) <= 4 * (2 * n_params) // 3 + 4  # base64 of 2 B each


@pytest.mark.parametrize("bad", [
    nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 784)),
    nn.Sequential(nn.Linear(2, 8), nn.Linear(8, 784)),
    nn.Sequential(nn.Linear(2, 8), nn.ReLU()),
    nn.Linear(2, 784),
])
def test_unexportable_decoder_is_refused_plainly(bad):
    with pytest.raises(DecoderExportError, match="Linear"):
        export_decoder(bad)


class TanhDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 784))

    def forward(self, z):
        return self.net(z)


def test_fallback_decodes_in_python():
    model = small_model(2)
    model.decoder = TanhDecoder()
    images, labels = fake_digits()
    widget = Interpolation(model, images, labels)
    assert widget.decoder is None and "Tanh" in widget.fallback
    widget._request = {"seq": 7, "z": [[0.0, 0.0], [1.0, -1.0]]}
    import base64
    logits = np.frombuffer(base64.b64decode(widget._reply["logits"]), "<f4").reshape(2, 784)
    want = model.decoder(torch.tensor([[0.0, 0.0], [1.0, -1.0]])).detach().numpy()
    assert widget._reply["seq"] == 7 and np.allclose(logits, want, atol=1e-6)


def test_widgets_build_and_share_one_decoder():
    model = small_model(2)
    images, labels = fake_digits()
    views = [LatentPlane(model, images, labels, n_points=30),
             PosteriorView(model, images, labels, digit_indices=[0], resolution=21),
             Interpolation(model, images, labels)]
    assert len({v.decoder.model_id for v in views}) == 1
    assert views[0].z == views[0].digits[0]["mu"]
    assert views[1].posteriors[0]["n"] == 21
    traversal = LatentTraversal(small_model(20), images, labels)
    assert len(traversal.activity) == 20 and len(traversal.z) == 20
    weight = page_weight(traversal)
    assert weight["decoder_state"] > 2 * 20 * 32  # the float16 weights are in it
    with pytest.raises(ValueError, match="latent_dim 2"):
        LatentPlane(small_model(20), images, labels)


def test_retrained_model_gets_fresh_weights():
    model = small_model(2)
    images, labels = fake_digits()
    first = LatentPlane(model, images, labels).decoder
    with torch.no_grad():
        model.decoder.net[0].weight.add_(1.0)  # what an optimizer step does
    assert LatentPlane(model, images, labels).decoder is not first


def run_node(tmp_path, script: str) -> str:
    shutil.copy(HERE / "decoder.js", tmp_path / "decoder.mjs")
    (tmp_path / "run.mjs").write_text(textwrap.dedent(script))
    done = subprocess.run([NODE, str(tmp_path / "run.mjs")], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs_node
@pytest.mark.parametrize("latent_dim,hidden", [(2, (256,)), (20, (256,)), (5, (64, 32))])
def test_javascript_decoder_agrees_with_pytorch(tmp_path, latent_dim, hidden):
    model = small_model(latent_dim, hidden, seed=latent_dim)
    payload = export_decoder(model)
    gen = torch.Generator().manual_seed(1)
    z = torch.randn(64, latent_dim, generator=gen) * 2  # (P, Z) random latent points
    (tmp_path / "payload.json").write_text(json.dumps(payload))
    (tmp_path / "z.json").write_text(json.dumps(z.tolist()))
    out = run_node(tmp_path, """
        import { readFileSync } from "node:fs";
        import { loadDecoder, decodeLogits } from "./decoder.mjs";
        const net = loadDecoder(JSON.parse(readFileSync("payload.json", "utf8")));
        const zs = JSON.parse(readFileSync("z.json", "utf8"));
        console.log(JSON.stringify(zs.map((z) => Array.from(decodeLogits(net, z)))));
    """)
    js = np.array(json.loads(out))  # (P, D)
    with torch.no_grad():
        torch_logits = model.decoder(z).double().numpy()
    sig = lambda a: 0.5 * (1 + np.tanh(0.5 * a))  # noqa: E731  sigmoid without overflow
    assert np.abs(js - forward(payload, z.numpy())).max() < JS_VS_PAYLOAD_LOGIT_TOL
    assert np.abs(sig(js) - sig(torch_logits)).max() < JS_VS_TORCH_PROB_TOL


@needs_node
def test_javascript_log_densities_agree_with_vae_core(tmp_path):
    from vae_core import bernoulli_log_likelihood, gaussian_log_density, standard_normal_log_density
    gen = torch.Generator().manual_seed(2)
    logits, x = torch.randn(784, generator=gen) * 5, (torch.rand(784, generator=gen) > 0.5).float()
    z, mu, logvar = (torch.randn(3, generator=gen) for _ in range(3))
    data = {k: v.tolist() for k, v in dict(logits=logits, x=x, z=z, mu=mu, logvar=logvar).items()}
    (tmp_path / "data.json").write_text(json.dumps(data))
    out = run_node(tmp_path, """
        import { readFileSync } from "node:fs";
        import * as dec from "./decoder.mjs";
        const d = JSON.parse(readFileSync("data.json", "utf8"));
        console.log(JSON.stringify([dec.bernoulliLogLikelihood(d.logits, d.x),
          dec.standardNormalLogDensity(d.z), dec.gaussianLogDensity(d.z, d.mu, d.logvar)]));
    """)
    got = json.loads(out)
    want = [float(bernoulli_log_likelihood(logits, x)), float(standard_normal_log_density(z)),
            float(gaussian_log_density(z, mu, logvar))]
    assert np.allclose(got, want, rtol=1e-5, atol=1e-4), (got, want)


@needs_node
def test_widget_module_parses(tmp_path):
    (tmp_path / "widget.mjs").write_text(ESM)
    done = subprocess.run([NODE, "--check", str(tmp_path / "widget.mjs")], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_log_weight_exercise_checker():
    from vae_core.exercises import latent_space

    def right(logits, x, z, mu, logvar):
        from vae_core import bernoulli_log_likelihood as lik, gaussian_log_density as q
        from vae_core import standard_normal_log_density as prior
        return lik(logits, x) + prior(z) - q(z, mu, logvar)

    def no_prior(logits, x, z, mu, logvar):
        from vae_core import standard_normal_log_density
        return right(logits, x, z, mu, logvar) - standard_normal_log_density(z)

    assert latent_space.check_log_weight(right).passed
    report = latent_space.check_log_weight(no_prior)
    assert not report.passed and "log p(z) is missing" in repr(report)
    zeros = latent_space.check_log_weight(lambda logits, x, *rest: torch.zeros(x.shape[0]))
    assert not zeros.passed and "differs" in repr(zeros)
    broken = latent_space.check_log_weight(lambda *args: 1 / 0)
    assert "ZeroDivisionError" in repr(broken)


@needs_node
@pytest.mark.parametrize("name", ["mnist-z2", "mnist-z20"])
def test_shipped_models_in_javascript_within_one_gray_level(name):
    from vae_core import pretrained
    from vae_core.widgets.node import node_decode

    assert name in pretrained.available(), (
        f"{name} weights are missing; regenerate them with python -m vae_core.pretrained")
    model, _ = pretrained.load_pretrained(name)
    payload = export_decoder(model)
    err = payload_error(model, payload, points=1000)
    assert err.max_logit_error < FLOAT16_LOGIT_TOL and err.max_probability_error < FLOAT16_PROB_TOL
    z = 2 * torch.randn(64, model.config.latent_dim, generator=torch.Generator().manual_seed(3))
    js, _ = node_decode(payload, z.numpy())
    with torch.no_grad():
        want = torch.sigmoid(model.decoder(z)).double().numpy()
    assert np.abs(0.5 * (1 + np.tanh(0.5 * js)) - want).max() < JS_VS_TORCH_PROB_TOL
