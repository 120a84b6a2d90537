"""Pretrained models shipped with the package, and the command that regenerates them.

    python -m vae_core.pretrained [--name mnist-z20] [--epochs N] [--eval-images 2000]

trains with `vae_core.train.fit` on dynamically binarized MNIST, evaluates the test ELBO and the
importance-weighted log p(x) with K = 5000, and writes `weights/<name>.safetensors` atomically,
its metrics card `weights/<name>.json`, and its SHA-256 in `weights/registry.json`. Loading checks
the file against that SHA-256.
"""
from __future__ import annotations

import argparse
import json
import time
from importlib import resources
from pathlib import Path

import torch

from .checkpoint import atomic_write_bytes, load_checkpoint, save_checkpoint
from .config import VAEConfig
from .model import VAE

RECIPES = {
    "mnist-z2": {"config": VAEConfig(latent_dim=2), "epochs": 60},
    "mnist-z20": {"config": VAEConfig(latent_dim=20), "epochs": 100},
}


def weights_dir() -> Path:
    """The folder of the shipped weights, inside the installed package."""
    return Path(str(resources.files("vae_core") / "weights"))


def registry() -> dict[str, dict]:
    """name -> {sha256, file} for every model written by `regenerate`."""
    path = weights_dir() / "registry.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def available() -> list[str]:
    """Names of the pretrained models present in this installation."""
    return sorted(n for n in registry() if (weights_dir() / f"{n}.safetensors").is_file())


def load_pretrained(name: str, device: torch.device | str = "cpu") -> tuple[VAE, dict]:
    """Load a shipped model after checking its SHA-256; return (model, metrics card)."""
    entries = registry()
    if name not in entries:
        raise ValueError(f"name must be one of {sorted(RECIPES)}, got {name!r}")
    path = weights_dir() / f"{name}.safetensors"
    model, _ = load_checkpoint(path, expected_sha256=entries[name]["sha256"], device=device)
    card = json.loads((weights_dir() / f"{name}.json").read_text())
    return model, card


def regenerate(name: str, epochs: int | None = None, seed: int = 0, eval_samples: int = 5000,
               eval_images: int = 2000, data_root: str | None = None) -> dict:
    """Train the named model from scratch and write its weights, card and registry entry."""
    from . import data, train

    recipe = RECIPES[name]
    epochs = epochs or recipe["epochs"]
    torch.manual_seed(seed)
    device = train.pick_device()
    model = VAE(recipe["config"]).to(device)
    train_set = data.load("train", root=data_root, device=device)
    test_set = data.load("test", root=data_root, device=device)
    tic = time.perf_counter()
    history = train.fit(model, train_set, test_set, epochs=epochs, seed=seed, eval_samples=100)
    seconds = time.perf_counter() - tic
    test_x = test_set.binarized(seed=0)[:eval_images]
    gen = torch.Generator(device=device).manual_seed(seed + 1)
    result = train.evaluate(model, test_x, eval_samples, generator=gen)
    card = {
        "name": name, "config": json.loads(recipe["config"].to_json()),
        "data": "MNIST train (60,000), dynamically binarized each epoch (seeded); test: first "
                f"{eval_images} test digits, binarized once with seed 0",
        "optimizer": "Adam, lr 1e-3, batch 128", "epochs": len(history.records), "seed": seed,
        "train_seconds": round(seconds, 1),
        "seconds_per_epoch": round(sum(history.column("seconds")) / len(history.records), 2),
        "test_elbo": round(result.elbo, 2), "test_log_px": round(result.log_px, 2),
        "test_log_px_samples": eval_samples, "device": str(device),
        "threads": torch.get_num_threads(), "torch": torch.__version__,
        "history": history.to_dicts(),
    }
    path = weights_dir() / f"{name}.safetensors"
    sha = save_checkpoint(path, model.cpu(), metrics={k: v for k, v in card.items() if k != "history"})
    card["sha256"] = sha
    atomic_write_bytes(weights_dir() / f"{name}.json", json.dumps(card, indent=1).encode())
    entries = registry() | {name: {"sha256": sha, "file": path.name}}
    atomic_write_bytes(weights_dir() / "registry.json", json.dumps(entries, indent=1).encode())
    return card


def main(argv: list[str] | None = None) -> None:
    """The command line: regenerate the named models (all by default)."""
    parser = argparse.ArgumentParser(description="Regenerate vae_core's pretrained models.")
    parser.add_argument("--name", choices=sorted(RECIPES), action="append")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-samples", type=int, default=5000)
    parser.add_argument("--eval-images", type=int, default=2000)
    parser.add_argument("--data-root", default=None)
    args = parser.parse_args(argv)
    for name in args.name or sorted(RECIPES):
        card = regenerate(name, args.epochs, args.seed, args.eval_samples, args.eval_images,
                          args.data_root)
        print(f"{name}: test ELBO {card['test_elbo']} nats, log p(x) {card['test_log_px']} nats "
              f"(K={card['test_log_px_samples']}), {card['seconds_per_epoch']} s/epoch")


def load_or_train(name: str, epochs: int | None = None, device: torch.device | str | None = None,
                  data_root: str | None = None, seed: int = 0) -> tuple[VAE, dict]:
    """The shipped model when it is present, else a freshly trained one (with its history).

    A notebook calls this so that it runs in a few seconds with the package's weights, and
    still runs (training `epochs`, default the recipe's) where they are absent.
    """
    from . import data, train

    device = device or train.pick_device()
    if name in available():
        return load_pretrained(name, device=device)
    recipe = RECIPES[name]
    torch.manual_seed(seed)
    model = VAE(recipe["config"]).to(device)
    train_set = data.load("train", root=data_root, device=device)
    history = train.fit(model, train_set, epochs=epochs or recipe["epochs"], seed=seed)
    return model, {"name": name, "epochs": len(history.records), "history": history.to_dicts(),
                   "pretrained": False}


if __name__ == "__main__":
    main()
