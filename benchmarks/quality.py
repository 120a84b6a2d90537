"""Time to quality: test ELBO and importance-weighted log p(x) after budgets of CPU time
(this process's, one thread), on dynamically binarized MNIST, for the recipe of the shipped
"mnist-best" model with its learning-rate schedule fitted to the largest budget (Burda et al.
2016 report 86.76 nats for a one-stochastic-layer VAE after 3,280 epochs)."""

from __future__ import annotations

import time

import torch

import vae_core
from vae_core import data, pretrained

PUBLISHED_NATS = 86.76


def run(
    root: str,
    budgets_s: tuple[float, ...] = (60, 180, 600),
    eval_samples: int = 1000,
    eval_images: int = 2000,
    seed: int = 0,
    threads: int = 1,
) -> dict:
    """Train once for max(budgets_s) CPU seconds; score after the epoch that passes each
    budget (on `eval_images` test digits; the last budget on all 10,000)."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    recipe = pretrained.RECIPES["mnist-best"]
    torch.manual_seed(seed)
    model = vae_core.VAE(recipe["config"])
    train_set, test_set = data.load("train", root=root), data.load("test", root=root)
    points = []

    def score(budget: float, history) -> None:
        images = None if budget == max(budgets_s) else eval_images
        result = pretrained.evaluate_test_set(model, test_set, eval_samples, seed + 1, images)
        points.append(
            {
                "budget_s": budget,
                "epochs": len(history.records),
                "test_elbo": result["elbo"],
                "test_log_px": result["log_px"],
                "test_log_px_stderr": result["log_px_stderr"],
                "images": result["images"],
                "eval_s": result["seconds"],
            }
        )
        print(
            f"  {budget:>5.0f} CPU s -> {len(history.records)} epochs, ELBO {result['elbo']:.2f}, "
            f"log p(x) {result['log_px']:.2f} +- {result['log_px_stderr']:.2f} nats "
            f"({result['images']} digits)",
            flush=True,
        )

    tic = time.perf_counter()
    pretrained.train_on_budget(
        model,
        train_set,
        max(budgets_s),
        lr=recipe["lr"],
        kl_warmup_epochs=recipe["kl_warmup_epochs"],
        seed=seed,
        checkpoints=tuple(budgets_s),
        on_checkpoint=score,
    )
    torch.set_num_threads(before)
    return {
        "recipe": f"mnist-best recipe, schedule over {max(budgets_s) / 60:.0f} CPU min",
        "spec": {
            "config": vae_core.VAEConfig.to_json(recipe["config"]),
            "lr": recipe["lr"],
            "kl_warmup_epochs": recipe["kl_warmup_epochs"],
        },
        "eval_samples": eval_samples,
        "threads": threads,
        "wall_s": round(time.perf_counter() - tic, 1),
        "points": points,
        "published_nats": PUBLISHED_NATS,
    }


def from_card(name: str = "mnist-best") -> dict | None:
    """The time-to-quality points recorded while the shipped model trained (its schedule spans
    its whole budget), and its final whole-test-set score; None before it is shipped."""
    if name not in pretrained.available():
        return None
    _, card = pretrained.load_pretrained(name)
    recorded = card.details.get("time_to_quality", [])
    full = card.details.get("test_full")
    points = [
        {
            "budget_s": p["budget_s"],
            "epochs": p["epochs"],
            "test_elbo": p["elbo"],
            "test_log_px": p["log_px"],
            "test_log_px_stderr": p["log_px_stderr"],
            "images": p["images"],
            "samples": p["samples"],
        }
        for p in recorded
    ]
    if full:
        points.append(
            {
                # the training budget; train_cpu_seconds also counts the checkpoints' scoring
                "budget_s": pretrained.RECIPES[name].get(
                    "cpu_seconds", card.details["train_cpu_seconds"]
                ),
                "epochs": card.epochs,
                "test_elbo": full["elbo"],
                "test_log_px": full["log_px"],
                "test_log_px_stderr": full["log_px_stderr"],
                "images": full["images"],
                "samples": full["samples"],
            }
        )
    return {
        "recipe": f"{name} as shipped (schedule over its whole budget)",
        "spec": card.details.get("config"),
        "eval_samples": ", ".join(sorted({str(p["samples"]) for p in points})),
        "threads": card.details.get("threads"),
        "points": points,
        "published_nats": PUBLISHED_NATS,
    }


def models_table() -> tuple[dict, str]:
    """The shipped models' whole-test-set scores, read from their cards."""
    rows, lines = {}, ["Shipped models on the whole test set (from their cards)"]
    for name in pretrained.available():
        _, card = pretrained.load_pretrained(name)
        full = card.details.get("test_full")
        if not full:
            lines.append(f"  {name:<12} not scored yet: python -m vae_core.pretrained --score")
            continue
        rows[name] = full | {"train_cpu_seconds": card.details.get("train_cpu_seconds")}
        lines.append(
            f"  {name:<12} log p(x) {full['log_px']:8.2f} +- {full['log_px_stderr']:.2f} nats, "
            f"ELBO {full['elbo']:8.2f} (K={full['samples']}, {full['images']} digits)"
        )
    lines.append(f"  published one-stochastic-layer VAE (Burda et al. 2016): -{PUBLISHED_NATS}")
    return rows, "\n".join(lines)
