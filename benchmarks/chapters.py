"""Chapter time: each chapter executed top to bottom in full mode (the shipped weights, no fast
switch), as a reader's CPU runtime would run it; seconds of wall clock per chapter."""

from __future__ import annotations

import os
import time
from pathlib import Path

import torch

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
TARGET_S = 60


def run(timeout: int = 900) -> dict:
    import nbformat
    from nbclient import NotebookClient

    env = {"VAE_BOOK_STRICT": "1", "TQDM_DISABLE": "1"}
    saved = {k: os.environ.get(k) for k in [*env, "VAE_BOOK_FAST"]}
    os.environ.update(env)
    os.environ.pop("VAE_BOOK_FAST", None)
    seconds = {}
    try:
        for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
            notebook = nbformat.read(path, as_version=4)
            client = NotebookClient(
                notebook,
                timeout=timeout,
                kernel_name="python3",
                resources={"metadata": {"path": str(NOTEBOOKS)}},
            )
            tic = time.perf_counter()
            client.execute()
            seconds[path.stem] = round(time.perf_counter() - tic, 1)
            print(f"  {path.stem:<32}{seconds[path.stem]:>7.1f} s", flush=True)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return {
        "seconds": seconds,
        "target_s": TARGET_S,
        "mode": "full (VAE_BOOK_FAST unset), shipped weights",
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
    }


def table(c: dict) -> str:
    lines = [f"Chapter time, full mode, top to bottom (target <= {c['target_s']} s each)"]
    for name, s in c["seconds"].items():
        mark = "" if s <= c["target_s"] else "  (over)"
        lines.append(f"  {name:<32}{s:>7.1f} s{mark}")
    return "\n".join(lines)
