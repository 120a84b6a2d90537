"""The cost of the book: a cold build (every chapter executed) and a cached rebuild."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _build() -> float:
    jb = Path(sys.executable).with_name("jupyter-book")
    tic = time.perf_counter()
    subprocess.run(
        [str(jb), "build", str(ROOT), "-W", "--keep-going", "-q"],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - tic


def run() -> dict:
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    cold = _build()
    cached = _build()
    mode = "fast" if os.environ.get("VAE_BOOK_FAST") == "1" else "full"
    return {"cold_s": round(cold, 1), "cached_s": round(cached, 1), "mode": mode}
