"""Run the benchmarks, print a table and write benchmarks/results.json.

    python -m benchmarks [--only throughput,quality,book,lighthouse] [--quick]

Reads MNIST from $VAE_CORE_DATA (see README). Medians over repetitions; thread count stated.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

from vae_core.checkpoint import atomic_write_bytes
from vae_core.data import resolve_root

from . import book_build, lighthouse, quality, throughput

RESULTS = Path(__file__).resolve().parent / "results.json"


def _table(results: dict) -> str:
    lines = []
    if "throughput" in results:
        t = results["throughput"]
        lines += [
            f"Training throughput ({t['model']}, batch {t['batch_size']}, {t['threads']} threads, "
            f"median of {t['repeats']})",
            f"  {'loop':<14}{'samples/s':>12}{'s/epoch':>10}",
        ]
        for name, rate in t["samples_per_second"].items():
            lines.append(f"  {name:<14}{rate:>12,.0f}{t['seconds_per_epoch'][name]:>10.2f}")
        lines.append(
            f"  vae_core vs reference: {t['speedup_vs_reference']:.1f}x faster "
            f"(target >= 10x); vae_core / floor: {t['ratio_to_floor']:.2f}x "
            f"(target <= 1.5x)"
        )
    for q in results.get("quality", []):
        lines.append(
            f"Time to quality ({q['recipe']}; K={q['eval_samples']}, "
            f"{q['eval_images']} test digits; published VAE: {q['published_nats']} nats)"
        )
        for p in q["points"]:
            lines.append(
                f"  {p['budget_s']:>5.0f} s  {p['epochs']:>4} epochs  "
                f"-ELBO {-p['test_elbo']:7.2f}  -log p(x) {-p['test_log_px']:7.2f} nats"
            )
    if "book" in results:
        b = results["book"]
        lines.append(
            f"Book build: cold {b['cold_s']:.0f} s (target < 600), "
            f"cached {b['cached_s']:.0f} s (target < 60)"
        )
    if "lighthouse" in results:
        lines.append(lighthouse.table(results["lighthouse"]))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="throughput,quality,book,lighthouse")
    parser.add_argument("--quick", action="store_true", help="short budgets, for a smoke run")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    root = str(resolve_root())
    previous = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results = {
        k: v for k, v in previous.items() if k in {"throughput", "quality", "book", "lighthouse"}
    }
    if "throughput" in parts:
        results["throughput"] = throughput.run(
            root, repeats=1 if args.quick else 3, reference_steps=30 if args.quick else 150
        )
    if "quality" in parts:
        budgets = (5, 15) if args.quick else (60, 180, 600)
        results["quality"] = [quality.run(root, budgets, recipe) for recipe in ("plain", "cosine")]
    if "book" in parts:
        results["book"] = book_build.run()
    if "lighthouse" in parts:  # after "book", which leaves a fresh _build/html
        results["lighthouse"] = lighthouse.run(runs=1 if args.quick else 3)
    results["machine"] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "processor": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "date": time.strftime("%Y-%m-%d"),
    }
    print(_table(results))
    atomic_write_bytes(RESULTS, json.dumps(results, indent=1).encode())
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
