"""Time to quality: test ELBO and importance-weighted log p(x) of a 20-D model after fixed
budgets of CPU training time, on dynamically binarized MNIST (Burda et al. 2016 report 86.76
nats for a VAE of this kind after 3,280 epochs)."""

from __future__ import annotations

import math
import time

import torch

import vae_core
from vae_core import data, train

RECIPES = {
    # the reference tutorial's setting, run by vae_core's loop
    "plain": {"hidden": (256,), "lr": 1e-3, "batch_size": 128, "cosine": False},
    # same model; the learning rate decays to 1/20 along a cosine over the time budget
    "cosine": {"hidden": (256,), "lr": 2e-3, "batch_size": 128, "cosine": True},
}


def run(
    root: str,
    budgets_s: tuple[float, ...] = (60, 180, 600),
    recipe: str = "plain",
    eval_samples: int = 1000,
    eval_images: int = 1000,
    seed: int = 0,
) -> dict:
    spec = RECIPES[recipe]
    torch.manual_seed(seed)
    model = vae_core.VAE(vae_core.VAEConfig(hidden=spec["hidden"], latent_dim=20))
    train_set, test_set = data.load("train", root=root), data.load("test", root=root)
    test_x = test_set.binarized(seed=0)[:eval_images]
    optimizer = train.make_optimizer(model, lr=spec["lr"])
    generator = torch.Generator().manual_seed(seed)
    history, trained_s, points = train.History(), 0.0, []
    for budget in sorted(budgets_s):
        while trained_s < budget:
            if spec["cosine"]:
                frac = min(trained_s / max(budgets_s), 1.0)
                lr = spec["lr"] * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
                for group in optimizer.param_groups:
                    group["lr"] = lr
            train.fit(
                model,
                train_set,
                epochs=1,
                batch_size=spec["batch_size"],
                optimizer=optimizer,
                generator=generator,
                history=history,
                progress=False,
            )
            trained_s += history.records[-1].seconds
        eval_gen = torch.Generator().manual_seed(seed + 1)
        tic = time.perf_counter()
        result = train.evaluate(model, test_x, eval_samples, generator=eval_gen)
        points.append(
            {
                "budget_s": budget,
                "trained_s": round(trained_s, 1),
                "epochs": len(history.records),
                "test_elbo": result.elbo,
                "test_log_px": result.log_px,
                "eval_s": time.perf_counter() - tic,
            }
        )
        print(
            f"  {recipe}: {budget:>4.0f} s -> {len(history.records)} epochs, "
            f"ELBO {result.elbo:.2f}, log p(x) {result.log_px:.2f} nats",
            flush=True,
        )
    return {
        "recipe": recipe,
        "spec": {k: list(v) if isinstance(v, tuple) else v for k, v in spec.items()},
        "eval_samples": eval_samples,
        "eval_images": eval_images,
        "threads": torch.get_num_threads(),
        "points": points,
        "published_nats": 86.76,
    }
