"""The Interpolation widget's two paths, Python side: the `path` setting and its check, and the
browser's slerp (src/slerp.js, run under Node from the committed bundle) against
vae_core.aggregate.slerp on codes of real test digits."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
import torch

from vae_core import pretrained
from vae_core.aggregate import lerp, slerp
from vae_core.widgets import Interpolation
from vae_core.widgets.latent import HERE

RUNNER = """
import { readFileSync } from "node:fs";
import * as w from "./widgets.bundle.mjs";
const task = JSON.parse(readFileSync("task.json", "utf8"));
const out = task.pairs.map(([a, b]) => task.ts.map((t) => w.pathPoint(a, b, t, task.path)));
console.log(JSON.stringify(out));
"""


def run_path_points(tmp_path, pairs, ts, path):
    """pathPoint(a, b, t, path) of the bundle for every pair and t: [[{z, taken}]]."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (the widgets' JavaScript runs under it)")
    shutil.copy(HERE / "widgets.bundle.js", tmp_path / "widgets.bundle.mjs")
    (tmp_path / "run.mjs").write_text(RUNNER)
    (tmp_path / "task.json").write_text(json.dumps({"pairs": pairs, "ts": ts, "path": path}))
    done = subprocess.run(
        [node, "run.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def model20():
    return pretrained.load_pretrained("mnist-z20")[0]


@pytest.fixture(scope="module")
def digits(mnist_test):
    return mnist_test.images[:40], mnist_test.labels[:40]


def test_the_path_is_lerp_unless_asked_and_is_synced(model20, digits):
    images, labels = digits
    assert Interpolation(model20, images, labels).path == "lerp"
    widget = Interpolation(model20, images, labels, path="slerp")
    assert widget.get_state()["path"] == "slerp"
    assert "path" in widget.keys  # synced to the front end


@pytest.mark.parametrize("bad", ["circle", "SLERP", ""])
def test_a_bad_path_is_named(model20, digits, bad):
    images, labels = digits
    with pytest.raises(ValueError, match="path must be one of 'lerp', 'slerp'"):
        Interpolation(model20, images, labels, path=bad)


def test_the_browsers_slerp_is_the_packages(tmp_path, model20, digits):
    images, _ = digits
    with torch.no_grad():
        codes, _ = model20.encode(images[:12].round())  # (12, Z)
    codes = codes.double()
    pairs = [(codes[i].tolist(), codes[i + 6].tolist()) for i in range(6)]
    ts = [0.0, 0.1, 0.5, 0.77, 1.0]
    got = run_path_points(tmp_path, pairs, ts, "slerp")
    t = torch.tensor(ts, dtype=torch.float64)
    for (a, b), row in zip(pairs, got):
        expected = slerp(
            torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64), t
        )  # (T, Z)
        assert [p["taken"] for p in row] == ["slerp"] * len(ts)
        np.testing.assert_allclose([p["z"] for p in row], expected.numpy(), rtol=0, atol=1e-9)
    straight = run_path_points(tmp_path, pairs[:2], ts, "lerp")
    for (a, b), row in zip(pairs[:2], straight):
        expected = lerp(
            torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64), t
        )
        np.testing.assert_allclose([p["z"] for p in row], expected.numpy(), rtol=0, atol=1e-12)


def test_the_browser_takes_the_straight_line_where_slerp_has_no_path(tmp_path):
    (row,) = run_path_points(tmp_path, [([1.0, 2.0], [-2.0, -4.0])], [0.5], "slerp")
    assert row[0]["taken"] == "lerp"
    np.testing.assert_allclose(row[0]["z"], [-0.5, -1.0])
    with pytest.raises(ValueError, match="opposite directions"):
        slerp(torch.tensor([1.0, 2.0]), torch.tensor([-2.0, -4.0]), 0.5)  # Python refuses
