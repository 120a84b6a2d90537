"""Run the benchmarks, print a table and write benchmarks/results.json.

    python -m benchmarks [--only throughput,quality,models,chapters,book,lighthouse] [--quick]

Reads MNIST from $VAE_CORE_DATA (see README). Medians over repetitions; thread count stated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from vae_core.checkpoint import atomic_write_bytes
from vae_core.data import resolve_root

from . import book_build, chapters, lighthouse, quality, throughput

RESULTS = Path(__file__).resolve().parent / "results.json"


PARTS = ("throughput", "quality", "models", "chapters", "book", "lighthouse")


def _table(results: dict) -> str:
    lines = []
    if "throughput" in results:
        lines.append(throughput.table(results["throughput"]))
    q = results.get("quality")
    if q:
        lines.append(
            f"Time to quality ({q['recipe']}; {q['threads']} thread; K={q['eval_samples']}; "
            f"published VAE: -{q['published_nats']} nats)"
        )
        for p in q["points"]:
            lines.append(
                f"  {p['budget_s'] / 60:>4.0f} CPU min  {p['epochs']:>4} epochs  "
                f"-ELBO {-p['test_elbo']:7.2f}  -log p(x) {-p['test_log_px']:7.2f} "
                f"+- {p['test_log_px_stderr']:.2f} nats ({p['images']} digits)"
            )
    if "models" in results:
        lines.append(quality.models_table()[1])
    if "chapters" in results:
        lines.append(chapters.table(results["chapters"]))
    if "book" in results:
        b = results["book"]
        lines.append(
            f"Book build: cold {b['cold_s']:.0f} s (target < 600), "
            f"cached {b['cached_s']:.0f} s (target < 60)"
        )
    if "lighthouse" in results:
        lines.append(lighthouse.table(results["lighthouse"]))
    return "\n".join(lines)


def _cpu_model() -> str:
    """The CPU's model name (Linux), else the architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument("--quick", action="store_true", help="short budgets, for a smoke run")
    parser.add_argument(
        "--train-quality",
        action="store_true",
        help="time to quality from a new 10-minute run (default: the points recorded while "
        "the shipped mnist-best trained)",
    )
    args = parser.parse_args()
    parts = set(args.only.split(","))
    root = str(resolve_root())
    previous = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results = {k: v for k, v in previous.items() if k in PARTS}
    # results of an older layout (before throughput per thread count, quality as one run)
    if "by_threads" not in results.get("throughput", {"by_threads": 1}):
        del results["throughput"]
    if isinstance(results.get("quality"), list):
        del results["quality"]
    if "throughput" in parts:
        results["throughput"] = throughput.run(
            root, repeats=1 if args.quick else 3, reference_steps=30 if args.quick else 150
        )
    if "quality" in parts and args.train_quality:
        budgets = (5, 15) if args.quick else (60, 180, 600)
        results["quality"] = quality.run(root, budgets, eval_images=200 if args.quick else 2000)
    elif "quality" in parts:
        results["quality"] = quality.from_card() or results.get("quality")
    if "models" in parts:
        results["models"] = quality.models_table()[0]
    if "chapters" in parts:
        results["chapters"] = chapters.run()
    if "book" in parts:
        results["book"] = book_build.run()
    if "lighthouse" in parts:  # after "book", which leaves a fresh _build/html
        results["lighthouse"] = lighthouse.run(runs=1 if args.quick else 5)
    results["machine"] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "processor": _cpu_model(),
        "cpus": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "date": time.strftime("%Y-%m-%d"),
    }
    print(_table(results))
    atomic_write_bytes(RESULTS, json.dumps(results, indent=1).encode())
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
