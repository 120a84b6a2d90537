"""Run the browser decoder under Node from Python: the check that it computes what the PyTorch
decoder does (used by the tests and the latent-space chapter). Needs `node` (v18+).

It runs the very file the widgets load, widgets.bundle.js (src/decoder.js and what it imports),
so no npm is needed."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent

_RUNNER = """
import { readFileSync } from "node:fs";
import * as dec from "./widgets.bundle.mjs";
const task = JSON.parse(readFileSync("task.json", "utf8"));
const net = dec.loadDecoder(task.payload);
const logits = task.z.map((z) => Array.from(dec.decodeLogits(net, z)));
const ms = task.time ? dec.timeDecode(net, 200, 5) : null;
console.log(JSON.stringify({ logits, ms }));
"""


def node_executable() -> str | None:
    """The path of `node`, or None when it is not installed."""
    return shutil.which("node")


def node_decode(
    payload: dict, z: np.ndarray, time_it: bool = False, timeout: float = 120
) -> tuple[np.ndarray, float | None]:
    """The JavaScript decoder's logits at the points z (P, Z) -> ((P, D) float64, ms per decode
    or None)."""
    node = node_executable()
    if node is None:
        raise RuntimeError("node is not installed; the JavaScript decoder cannot be run here")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copy(HERE / "widgets.bundle.js", tmp / "widgets.bundle.mjs")
        (tmp / "run.mjs").write_text(_RUNNER)
        task = {"payload": payload, "z": np.asarray(z, dtype=float).tolist(), "time": time_it}
        (tmp / "task.json").write_text(json.dumps(task))
        done = subprocess.run(
            [node, "run.mjs"], cwd=tmp, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"node failed: {done.stderr.strip()}")
        out = json.loads(done.stdout)
    return np.array(out["logits"], dtype=np.float64), out["ms"]
