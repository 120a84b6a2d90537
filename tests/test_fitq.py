"""FitQ (vae_core.widgets.fitq): the page's readouts, computed by the bundled JavaScript under
Node, against the same quadrature in Python; the buttons' Gaussians; bad arguments."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import torch

from vae_core import pretrained
from vae_core.inference_gaps import quadrature_elbo
from vae_core.widgets import FitQ
from vae_core.widgets.node import HERE, node_executable

RUNNER = """
import { readFileSync } from "node:fs";
import * as w from "./widgets.bundle.mjs";
const task = JSON.parse(readFileSync("task.json", "utf8"));
const g = task.grid;
const grid = w.fitqGrid(g);
const out = task.qs.map(([mu, logvar]) => w.fitqReadouts(grid, mu, logvar));
const bars = out.map((r) => w.barParts(r, g.log_px - 30));
console.log(JSON.stringify({ out, bars }));
"""


@pytest.fixture(scope="module")
def widget(mnist_test):
    model, _ = pretrained.load_pretrained("mnist-z2")
    x = mnist_test.binarized(seed=0)  # (N, D)
    return model, x, FitQ(model, x, mnist_test.labels, digit_index=511, resolution=61)


def _node_readouts(widget: FitQ, qs, tmp_path):
    node = node_executable()
    if node is None:
        pytest.fail("node is not installed: the page's readouts cannot be checked")
    shutil.copy(HERE / "widgets.bundle.js", tmp_path / "widgets.bundle.mjs")
    (tmp_path / "run.mjs").write_text(RUNNER)
    (tmp_path / "task.json").write_text(json.dumps({"grid": widget.grid, "qs": qs}))
    done = subprocess.run(
        [node, "run.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_page_readouts_equal_python_readouts_at_every_q(widget, tmp_path):
    _, _, w = widget
    gen = torch.Generator().manual_seed(0)
    qs = [(w.encoder_q["mu"], w.encoder_q["logvar"]), (w.best_q["mu"], w.best_q["logvar"])]
    for _ in range(6):  # random q's around the encoder's, wide and narrow
        mu = torch.tensor(w.encoder_q["mu"]) + 0.2 * torch.randn(2, generator=gen)
        logvar = torch.tensor(w.encoder_q["logvar"]) + 2 * torch.randn(2, generator=gen)
        qs.append((mu.tolist(), logvar.tolist()))
    page = _node_readouts(w, qs, tmp_path)
    for (mu, logvar), js, bar in zip(qs, page["out"], page["bars"]):
        py = w.readouts(mu, logvar)
        assert abs(js["elbo"] - py["elbo"]) < 1e-6, (mu, logvar, js, py)
        assert abs(js["kl"] - py["kl"]) < 1e-6
        assert abs(js["logPx"] - py["log_px"]) < 1e-9
        assert abs(js["elbo"] + js["kl"] - py["log_px"]) < 1e-9  # the bar adds up, at every q
        assert js["kl"] > -1e-9
        assert abs(bar["elbo"] + bar["kl"] - 1) < 1e-12 and 0 <= bar["elbo"] <= 1


def test_buttons_hold_the_encoders_q_and_a_better_one(widget):
    model, x, w = widget
    with torch.no_grad():
        mu, logvar = model.encode(x[511:512])
    assert w.encoder_q["mu"] == pytest.approx(mu[0].tolist())
    assert w.q_mu == w.encoder_q["mu"] and w.q_logvar == w.encoder_q["logvar"]  # starts there
    encoder, best = w.readouts(), w.readouts(w.best_q["mu"], w.best_q["logvar"])
    assert best["elbo"] > encoder["elbo"] + 1  # this digit has a large amortization gap
    # the grid's readouts agree with Gauss-Hermite quadrature under q, which uses no grid
    for q, r in ((w.encoder_q, encoder), (w.best_q, best)):
        m = torch.tensor([q["mu"]], dtype=torch.float64)
        lv = torch.tensor([q["logvar"]], dtype=torch.float64)
        with torch.no_grad():
            quad = float(quadrature_elbo(model, x[511:512], m, lv, nodes=16)[0])
        assert abs(quad - r["elbo"]) < 0.1, (quad, r)


def test_the_readouts_follow_the_q_on_screen(widget):
    _, _, w = widget
    before = w.readouts()
    w.q_mu = [w.q_mu[0] + 0.05, w.q_mu[1]]
    try:
        assert w.readouts()["elbo"] != before["elbo"]
    finally:
        w.q_mu = w.encoder_q["mu"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"digit_index": 10**6}, "digit_index must index"),
        ({"digit_index": -1}, "digit_index must be at least 0"),
        ({"resolution": 5}, "resolution must be at least 11"),
        ({"fit_steps": 1.5}, "fit_steps must be an integer"),
    ],
)
def test_bad_arguments_are_named(widget, kwargs, message):
    model, x, _ = widget
    labels = torch.zeros(len(x), dtype=torch.int64)
    with pytest.raises((TypeError, ValueError), match=message):
        FitQ(model, x, labels, **kwargs)


def test_a_model_that_is_not_2d_is_refused(mnist_test):
    model, _ = pretrained.load_pretrained("mnist-z20")
    with pytest.raises(ValueError, match="latent_dim 2"):
        FitQ(model, mnist_test.binarized(seed=0)[:10], mnist_test.labels[:10])
