"""Widgets, Python side: weight export, the float16 error, the Python fallback, argument checks,
the weights cache, the committed JavaScript bundle (fresh from its sources, shipped in the
package), and the JavaScript decoder (the bundle, run under Node) against the PyTorch decoder on
random latent points. The JavaScript's own unit tests are in tests/js (`npm test`)."""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from vae_core import VAE, VAEConfig
from vae_core.widgets import (
    DecoderExportError,
    Interpolation,
    LatentPlane,
    LatentTraversal,
    PosteriorView,
    decoder_weights,
    export_decoder,
    forward,
    page_weight,
    payload_error,
    plane_extent,
    unpack,
)
from vae_core.widgets.latent import _SHARED, ESM, HERE

# Stated tolerances. float16 keeps 11 significant bits. On the shipped decoders, at z ~ N(0, 4I),
# the pixel probabilities move by up to ~0.005 (mnist-z2, whose logits reach several hundred) and
# the logits by up to ~0.15: within two gray levels (2/255), which no eye can tell apart. The
# JavaScript forward pass uses the same float16 weights as `forward` and differs from it only by
# float32 summation order.
FLOAT16_LOGIT_TOL = 0.25
FLOAT16_PROB_TOL = 2 / 255
JS_VS_TORCH_PROB_TOL = 2 / 255
JS_VS_PAYLOAD_LOGIT_TOL = 1e-4

REPO = HERE.parents[1]  # the installed package's parent (the checkout in an editable install)
SOURCE = Path(__file__).resolve().parents[1]  # the checkout these tests belong to
NODE = shutil.which("node")


@pytest.fixture
def node() -> str:
    """The node executable; the widgets' JavaScript cannot be checked without it."""
    if NODE is None:
        pytest.fail("node (v18+) is not installed; the JavaScript decoder cannot be checked")
    return NODE


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


@pytest.mark.parametrize(
    "bad",
    [
        nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 784)),
        nn.Sequential(nn.Linear(2, 8), nn.Linear(8, 784)),
        nn.Sequential(nn.Linear(2, 8), nn.ReLU()),
        nn.Linear(2, 784),
    ],
)
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
    views = [
        LatentPlane(model, images, labels, n_points=30),
        PosteriorView(model, images, labels, digit_indices=[0], resolution=21),
        Interpolation(model, images, labels),
    ]
    assert len({v.decoder.model_id for v in views}) == 1
    assert views[0].z == views[0].digits[0]["mu"]
    assert views[1].posteriors[0]["n"] == 21
    traversal = LatentTraversal(small_model(20), images, labels)
    assert len(traversal.activity) == 20 and len(traversal.z) == 20
    weight = page_weight(traversal)
    assert weight["decoder_state"] > 2 * 20 * 32  # the float16 weights are in it
    for widget in (LatentPlane, PosteriorView):
        with pytest.raises(ValueError, match="latent_dim 2") as err:
            widget(small_model(20), images, labels)
        assert "LatentTraversal" in str(err.value) and "Interpolation" in str(err.value)


def test_retrained_model_gets_fresh_weights():
    model = small_model(2)
    images, labels = fake_digits()
    first = LatentPlane(model, images, labels).decoder
    with torch.no_grad():
        model.decoder.net[0].weight.add_(1.0)  # what an optimizer step does
    assert LatentPlane(model, images, labels).decoder is not first


def run_node(tmp_path, script: str) -> str:
    shutil.copy(HERE / "widgets.bundle.js", tmp_path / "widgets.bundle.mjs")
    (tmp_path / "run.mjs").write_text(textwrap.dedent(script))
    done = subprocess.run(
        [NODE, str(tmp_path / "run.mjs")], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("latent_dim,hidden", [(2, (256,)), (20, (256,)), (5, (64, 32))])
def test_javascript_decoder_agrees_with_pytorch(tmp_path, node, latent_dim, hidden):
    model = small_model(latent_dim, hidden, seed=latent_dim)
    payload = export_decoder(model)
    gen = torch.Generator().manual_seed(1)
    z = torch.randn(64, latent_dim, generator=gen) * 2  # (P, Z) random latent points
    (tmp_path / "payload.json").write_text(json.dumps(payload))
    (tmp_path / "z.json").write_text(json.dumps(z.tolist()))
    out = run_node(
        tmp_path,
        """
        import { readFileSync } from "node:fs";
        import { loadDecoder, decodeLogits } from "./widgets.bundle.mjs";
        const net = loadDecoder(JSON.parse(readFileSync("payload.json", "utf8")));
        const zs = JSON.parse(readFileSync("z.json", "utf8"));
        console.log(JSON.stringify(zs.map((z) => Array.from(decodeLogits(net, z)))));
    """,
    )
    js = np.array(json.loads(out))  # (P, D)
    with torch.no_grad():
        torch_logits = model.decoder(z).double().numpy()
    sig = lambda a: 0.5 * (1 + np.tanh(0.5 * a))  # noqa: E731  sigmoid without overflow
    assert np.abs(js - forward(payload, z.numpy())).max() < JS_VS_PAYLOAD_LOGIT_TOL
    assert np.abs(sig(js) - sig(torch_logits)).max() < JS_VS_TORCH_PROB_TOL


def test_javascript_log_densities_agree_with_vae_core(tmp_path, node):
    from vae_core import bernoulli_log_likelihood, gaussian_log_density, standard_normal_log_density

    gen = torch.Generator().manual_seed(2)
    logits, x = torch.randn(784, generator=gen) * 5, (torch.rand(784, generator=gen) > 0.5).float()
    z, mu, logvar = (torch.randn(3, generator=gen) for _ in range(3))
    data = {k: v.tolist() for k, v in dict(logits=logits, x=x, z=z, mu=mu, logvar=logvar).items()}
    (tmp_path / "data.json").write_text(json.dumps(data))
    out = run_node(
        tmp_path,
        """
        import { readFileSync } from "node:fs";
        import * as dec from "./widgets.bundle.mjs";
        const d = JSON.parse(readFileSync("data.json", "utf8"));
        console.log(JSON.stringify([dec.bernoulliLogLikelihood(d.logits, d.x),
          dec.standardNormalLogDensity(d.z), dec.gaussianLogDensity(d.z, d.mu, d.logvar)]));
    """,
    )
    got = json.loads(out)
    want = [
        float(bernoulli_log_likelihood(logits, x)),
        float(standard_normal_log_density(z)),
        float(gaussian_log_density(z, mu, logvar)),
    ]
    assert np.allclose(got, want, rtol=1e-5, atol=1e-4), (got, want)


def test_widget_module_parses_and_exports_the_front_end(tmp_path, node):
    (tmp_path / "widget.mjs").write_text(ESM)
    out = run_node(
        tmp_path,
        """
        const mod = await import("./widget.mjs");
        console.log(JSON.stringify([typeof mod.default.render, typeof mod.render,
                                    typeof mod.loadDecoder]));
    """,
    )
    # anywidget takes the default export; a named `render` would switch it to its legacy API.
    assert json.loads(out) == ["function", "undefined", "function"]


def test_python_loads_the_committed_bundle():
    assert (HERE / "widgets.bundle.js").read_text(encoding="utf-8") == ESM
    assert ESM.startswith("// GENERATED FILE, DO NOT EDIT.")
    for name in ("decoder.js", "encoding.js", "plane.js", "readouts.js", "widgets.js"):
        assert f"// vae_core/widgets/src/{name}" in ESM, f"src/{name} is not in the bundle"


def test_committed_bundle_is_a_fresh_build(node):
    """The bundle is generated (`npm run build`); it must equal a build of today's sources."""
    if not (SOURCE / "node_modules" / "esbuild").is_dir():
        pytest.fail("esbuild is missing: run `npm ci` (make setup-js / make assets do)")
    done = subprocess.run(
        [node, "esbuild.config.mjs", "--check"],
        cwd=SOURCE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr + done.stdout


def test_package_data_ships_the_front_end():
    """A `pip install git+...` (Colab: no npm) must get the bundle and the CSS."""
    import fnmatch

    import tomllib

    patterns = tomllib.loads((SOURCE / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["vae_core"]
    for needed in ("widgets/widgets.bundle.js", "widgets/widgets.css"):
        assert (SOURCE / "vae_core" / needed).is_file()
        assert any(fnmatch.fnmatch(needed, p) for p in patterns), (needed, patterns)


def test_log_weight_exercise_checker():
    from vae_core.exercises import latent_space

    def right(logits, x, z, mu, logvar):
        from vae_core import bernoulli_log_likelihood as lik
        from vae_core import gaussian_log_density as q
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


@pytest.mark.parametrize("name", ["mnist-z2", "mnist-z20"])
def test_shipped_models_in_javascript_within_one_gray_level(node, name):
    from vae_core import pretrained
    from vae_core.widgets.node import node_decode

    assert name in pretrained.available(), (
        f"{name} weights are missing; regenerate them with python -m vae_core.pretrained"
    )
    model, _ = pretrained.load_pretrained(name)
    payload = export_decoder(model)
    err = payload_error(model, payload, points=1000)
    assert err.max_logit_error < FLOAT16_LOGIT_TOL and err.max_probability_error < FLOAT16_PROB_TOL
    z = 2 * torch.randn(64, model.config.latent_dim, generator=torch.Generator().manual_seed(3))
    js, _ = node_decode(payload, z.numpy())
    with torch.no_grad():
        want = torch.sigmoid(model.decoder(z)).double().numpy()
    assert np.abs(0.5 * (1 + np.tanh(0.5 * js)) - want).max() < JS_VS_TORCH_PROB_TOL


def test_weights_cache_dies_with_its_decoder():
    """The cache is keyed by the decoder itself, weakly: once a model is collected its entry is
    gone (an id() key would outlive it and hand its weights to a new decoder at that address),
    and new decoders get their own weights."""
    model = small_model(2)
    before = len(_SHARED)
    stale = decoder_weights(model).payload["data"]
    assert len(_SHARED) == before + 1
    del model
    gc.collect()
    assert len(_SHARED) == before, "the cache still holds a collected decoder"
    for seed in range(1, 6):
        fresh = small_model(2, seed=seed)
        got = decoder_weights(fresh).payload["data"]
        assert got == export_decoder(fresh)["data"] and got != stale


def test_plane_extent_rounds_up_to_a_nice_number():
    assert plane_extent(np.array([0.1, -3.7])) == 4  # 3.7 * 1.05 = 3.885
    assert plane_extent(np.array([[3.9, 0.0]])) == 5  # 4.095
    assert plane_extent(np.array([12.0])) == 15  # 12.6
    assert plane_extent(np.array([0.42])) == 0.5
    assert plane_extent(np.zeros(3)) == 1


def test_plane_fits_the_codes_of_a_wide_model():
    model = small_model(2)
    with torch.no_grad():
        model.encoder.fc_mu.weight.mul_(40)  # a student's model whose codes reach far past 4
    images, labels = fake_digits()
    plane = LatentPlane(model, images, labels, n_points=40)
    with torch.no_grad():
        reach = float(model.encode(images)[0].abs().max())
    assert reach > 4
    assert reach <= plane.extent <= 2 * reach
    assert LatentPlane(model, images, labels, extent=3.0).extent == 3.0


def _bad_arguments():
    images, labels = fake_digits()
    m2, m20 = small_model(2), small_model(20)
    return [
        ("extent", ValueError, lambda: LatentPlane(m2, images, labels, extent=-1.0)),
        ("extent", ValueError, lambda: LatentPlane(m2, images, labels, extent=float("nan"))),
        ("extent", TypeError, lambda: LatentPlane(m2, images, labels, extent="4")),
        ("n_points", ValueError, lambda: LatentPlane(m2, images, labels, n_points=0)),
        ("n_points", TypeError, lambda: LatentPlane(m2, images, labels, n_points=2.5)),
        ("labels", ValueError, lambda: LatentPlane(m2, images, labels[:10])),
        ("labels", ValueError, lambda: LatentTraversal(m20, images, labels[:-1])),
        ("labels", TypeError, lambda: Interpolation(m20, images, labels.tolist())),
        ("images", ValueError, lambda: Interpolation(m20, images[:0], labels[:0])),
        ("model", TypeError, lambda: LatentTraversal(m20.decoder, images, labels)),
        ("span", ValueError, lambda: LatentTraversal(m20, images, labels, span=-3.0)),
        ("span", ValueError, lambda: LatentTraversal(m20, images, labels, span=0)),
        (
            "activity_images",
            ValueError,
            lambda: LatentTraversal(m20, images, labels, activity_images=0),
        ),
        (
            "digit_indices",
            ValueError,
            lambda: LatentTraversal(m20, images, labels, digit_indices=[3, 400]),
        ),
        ("digit_indices", ValueError, lambda: Interpolation(m20, images, labels, digit_indices=[])),
        ("digit", ValueError, lambda: LatentTraversal(m20, images, labels, digit=10)),
        (
            "resolution",
            ValueError,
            lambda: PosteriorView(m2, images, labels, digit_indices=[0], resolution=1),
        ),
        ("steps", ValueError, lambda: Interpolation(m20, images, labels, steps=1)),
        ("t", ValueError, lambda: Interpolation(m20, images, labels, t=1.5)),
        ("b", ValueError, lambda: Interpolation(m20, images, labels, b=12)),
    ]


@pytest.mark.parametrize("case", range(len(_bad_arguments())))
def test_bad_arguments_are_refused_by_name(case):
    name, error, make = _bad_arguments()[case]
    with pytest.raises(error) as err:
        make()
    assert str(err.value).startswith(name + " "), f"{name}: {err.value}"
