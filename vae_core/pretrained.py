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
import math
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import torch

from . import data, train
from ._validate import MAX_WORK
from .checkpoint import CheckpointError, atomic_write_bytes, load_checkpoint, save_checkpoint
from .config import TrainConfig, VAEConfig
from .history import History
from .model import VAE, sample_cost

RECIPES = {
    "mnist-z2": {"config": VAEConfig(latent_dim=2), "epochs": 60},
    "mnist-z20": {"config": VAEConfig(latent_dim=20), "epochs": 100},
    # The best model within 30 minutes of CPU time (one thread): two hidden layers of 512, Z = 50,
    # Adam with the learning rate decaying along a cosine over the budget, KL warm-up.
    "mnist-best": {
        "config": VAEConfig(hidden=(512, 512), latent_dim=50),
        "epochs": 300,  # when trained by `load_or_train` without a budget
        "cpu_seconds": 1800,
        "lr": 1e-3,
        "kl_warmup_epochs": 10,
        "storage": "float16",  # 2.8 MB instead of 5.6 MB in the wheel
    },
}

# How shipped models are scored on the whole test set (`evaluate_test_set`).
FULL_TEST_PROTOCOL = (
    "all 10,000 MNIST test digits, each binarized once (Bernoulli of its grey levels, seed 0); "
    "log p(x) is the importance-weighted bound with K samples per digit (Burda et al. 2016), "
    "averaged over digits; the standard error is the standard deviation over digits / sqrt(N)"
)


@dataclass
class Card:
    """What is known about a model that `load_or_train` returns: shipped or trained here.

    A shipped model has its SHA-256 and its test metrics; one trained here has neither
    (`test_elbo` is None). `history` is the per-epoch record either way.
    """

    name: str
    pretrained: bool  # True: the package's verified weights; False: trained in this session
    epochs: int
    history: History
    test_elbo: float | None = None  # nats per image, on `details["data"]`'s test digits
    test_log_px: float | None = None  # importance-weighted, K = test_log_px_samples
    test_log_px_samples: int | None = None
    sha256: str | None = None
    details: dict = field(default_factory=dict)  # everything else the metrics card says

    @property
    def source(self) -> str:
        """A short phrase for printouts: where the weights come from."""
        if self.pretrained:
            return "shipped weights"
        return f"trained here for {self.epochs} epoch(s)"

    @classmethod
    def from_json(cls, fields: dict) -> Card:
        """A shipped metrics card (weights/<name>.json) as a Card."""
        known = {
            "name",
            "epochs",
            "history",
            "test_elbo",
            "test_log_px",
            "test_log_px_samples",
            "sha256",
        }
        return cls(
            name=fields["name"],
            pretrained=True,
            epochs=fields["epochs"],
            history=History.from_dicts(fields.get("history", [])),
            test_elbo=fields.get("test_elbo"),
            test_log_px=fields.get("test_log_px"),
            test_log_px_samples=fields.get("test_log_px_samples"),
            sha256=fields.get("sha256"),
            details={k: v for k, v in fields.items() if k not in known},
        )


def weights_dir() -> Path:
    """The folder of the shipped weights, inside the installed package."""
    return Path(str(resources.files("vae_core") / "weights"))


def registry() -> dict[str, dict]:
    """name -> {sha256, file} for every model written by `regenerate` ({} before the first)."""
    path = weights_dir() / "registry.json"
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(
            f"the pretrained registry {path} cannot be read "
            f"({type(error).__name__}: {error}); reinstall vae_core or run "
            f"python -m vae_core.pretrained"
        ) from None
    if not isinstance(entries, dict):
        raise CheckpointError(f"the pretrained registry {path} must be a JSON object")
    return entries


def available() -> list[str]:
    """Names of the pretrained models present in this installation."""
    return sorted(n for n in registry() if (weights_dir() / f"{n}.safetensors").is_file())


def load_pretrained(name: str, device: torch.device | str = "cpu") -> tuple[VAE, Card]:
    """Load a shipped model after checking its SHA-256; return (model, its Card)."""
    if name not in RECIPES:
        raise ValueError(f"name must be one of {sorted(RECIPES)}, got {name!r}")
    entries = registry()
    if name not in entries:
        raise CheckpointError(
            f"no shipped weights for {name!r} in {weights_dir()} (the "
            f"registry lists {sorted(entries) or 'none'}); regenerate them with "
            f"python -m vae_core.pretrained --name {name}"
        )
    path = weights_dir() / f"{name}.safetensors"
    model, _ = load_checkpoint(path, expected_sha256=entries[name]["sha256"], device=device)
    card_path = weights_dir() / f"{name}.json"
    try:
        card = Card.from_json(json.loads(card_path.read_text()))
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise CheckpointError(
            f"the metrics card {card_path} is missing or damaged ({type(error).__name__}: {error})"
        ) from None
    return model, card


def regenerate(
    name: str,
    epochs: int | None = None,
    seed: int = 0,
    eval_samples: int = 5000,
    eval_images: int = 2000,
    data_root: str | None = None,
) -> dict:
    """Train the named model from scratch and write its weights, card and registry entry.

    A recipe with `cpu_seconds` trains for that much CPU time (`train_on_budget`), the others
    for `epochs`; both are scored on `eval_images` test digits (`score_shipped` adds the whole
    test set's score to the card as `test_full`).
    """
    recipe = RECIPES[name]
    torch.manual_seed(seed)
    device = train.pick_device()
    model = VAE(recipe["config"]).to(device)
    train_set = data.load("train", root=data_root, device=device)
    test_set = data.load("test", root=data_root, device=device)
    tic, cpu = time.perf_counter(), time.process_time()
    lr = recipe.get("lr", TrainConfig.lr)
    points: list[dict] = []  # time to quality, for a budget recipe

    def score(budget: float, history: History) -> None:
        result = evaluate_test_set(model, test_set, 1000, seed + 1, num_images=2000)
        points.append({"budget_s": budget, "epochs": len(history.records)} | result)
        print(f"  {budget:.0f} CPU s: {points[-1]}", flush=True)

    if "cpu_seconds" in recipe and epochs is None:
        history = train_on_budget(
            model,
            train_set,
            recipe["cpu_seconds"],
            lr=lr,
            kl_warmup_epochs=recipe.get("kl_warmup_epochs", 0),
            seed=seed,
            checkpoints=tuple(b for b in (60, 180, 600, 1200) if b < recipe["cpu_seconds"]),
            on_checkpoint=score,
        )
        schedule = (
            f"Adam, lr {lr:g} decaying to {lr / 20:g} along a cosine over "
            f"{recipe['cpu_seconds'] / 60:.0f} CPU minutes, batch 128, KL warm-up over "
            f"{recipe.get('kl_warmup_epochs', 0)} epochs"
        )
    else:
        config = TrainConfig(
            epochs=epochs or recipe["epochs"],
            seed=seed,
            lr=lr,
            kl_warmup_epochs=recipe.get("kl_warmup_epochs", 0),
        )
        history = train.fit(model, train_set, test_set, config)
        schedule = f"Adam, lr {lr:g}, batch 128"
    seconds, cpu_seconds = time.perf_counter() - tic, time.process_time() - cpu
    storage = recipe.get("storage", "float32")
    if storage == "float16":  # shipped as float16: score exactly the weights that ship
        model.load_state_dict({k: v.half().float() for k, v in model.state_dict().items()})
    result = evaluate_test_set(model, test_set, eval_samples, seed + 1, eval_images)
    card = {
        "name": name,
        "config": json.loads(recipe["config"].to_json()),
        "data": "MNIST train (60,000), dynamically binarized each epoch (seeded); test: first "
        f"{result['images']} test digits, binarized once with seed 0",
        "optimizer": schedule,
        "epochs": len(history.records),
        "seed": seed,
        "train_seconds": round(seconds, 1),
        "train_cpu_seconds": round(cpu_seconds, 1),
        "seconds_per_epoch": round(sum(history.column("seconds")) / len(history.records), 2),
        "test_elbo": round(result["elbo"], 2),
        "test_log_px": round(result["log_px"], 2),
        "test_log_px_samples": eval_samples,
        "storage": storage,
        "device": str(device),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "history": history.to_dicts(),
    }
    if result["images"] == len(test_set):
        card["test_full"] = result
    if points:
        card["time_to_quality"] = points
    path = weights_dir() / f"{name}.safetensors"
    stored = model.cpu().half() if storage == "float16" else model.cpu()
    sha = save_checkpoint(path, stored, metrics={k: v for k, v in card.items() if k != "history"})
    card["sha256"] = sha
    atomic_write_bytes(weights_dir() / f"{name}.json", json.dumps(card, indent=1).encode())
    entries = registry() | {name: {"sha256": sha, "file": path.name}}
    atomic_write_bytes(weights_dir() / "registry.json", json.dumps(entries, indent=1).encode())
    return card


def evaluate_test_set(
    model: VAE,
    test_set: data.ImageSet,
    num_samples: int = 5000,
    seed: int = 1,
    num_images: int | None = None,
) -> dict:
    """Test ELBO and log p(x) (IWAE, K = num_samples) over the test digits, with standard
    errors over digits, by the protocol `FULL_TEST_PROTOCOL` (all digits by default)."""
    x = test_set.binarized(seed=0)
    if num_images is not None:
        x = x[:num_images]
    gen = torch.Generator(device=model.device).manual_seed(seed)
    tic, cpu = time.perf_counter(), time.process_time()
    rows = rows_per_call(model, num_samples)
    parts = [
        train.evaluate_per_image(model, x[i : i + rows], num_samples, generator=gen)
        for i in range(0, len(x), rows)
    ]
    elbos, bounds = (torch.cat(t) for t in zip(*parts))
    n = len(bounds)
    return {
        "log_px": round(float(bounds.mean()), 3),
        "log_px_stderr": round(float(bounds.std()) / n**0.5, 3),
        "elbo": round(float(elbos.mean()), 3),
        "elbo_stderr": round(float(elbos.std()) / n**0.5, 3),
        "samples": num_samples,
        "images": n,
        "protocol": FULL_TEST_PROTOCOL,
        "seconds": round(time.perf_counter() - tic, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "threads": torch.get_num_threads(),
    }


def rows_per_call(model: VAE, num_samples: int, most: int = 100) -> int:
    """Digits per estimator call (at most `most`) that keep K = num_samples samples within the
    estimators' work bound (`_validate.MAX_WORK`): wider models take fewer at a time."""
    one = torch.zeros(1, model.config.data_dim, device=model.device)
    return max(1, min(most, MAX_WORK // (num_samples * sample_cost(model, one))))


def score_shipped(name: str, num_samples: int = 5000, data_root: str | None = None) -> dict:
    """Score a shipped model on the whole test set and record it in its card as `test_full`
    (the weights, and so the registry, are unchanged)."""
    model, _ = load_pretrained(name)
    result = evaluate_test_set(model, data.load("test", root=data_root), num_samples)
    card_path = weights_dir() / f"{name}.json"
    card = json.loads(card_path.read_text())
    card["test_full"] = result
    atomic_write_bytes(card_path, json.dumps(card, indent=1).encode())
    return result


def train_on_budget(
    model: VAE,
    train_set: data.ImageSet,
    cpu_seconds: float,
    lr: float = 1e-3,
    kl_warmup_epochs: int = 0,
    seed: int = 0,
    checkpoints: tuple[float, ...] = (),
    on_checkpoint=None,
) -> History:
    """Train for `cpu_seconds` of this process's CPU time, whole epochs, the learning rate
    decaying from `lr` to lr/20 along a cosine over the budget. After the first epoch that
    passes each of `checkpoints` (CPU seconds), `on_checkpoint(seconds, history)` is called
    (its own time is not counted)."""
    optimizer = train.make_optimizer(model, lr)
    generator = torch.Generator(device=model.device).manual_seed(seed)
    history, used, pending = History(), 0.0, sorted(checkpoints)
    while used < cpu_seconds:
        frac = min(used / cpu_seconds, 1.0)
        for group in optimizer.param_groups:
            group["lr"] = lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
        tic = time.process_time()
        train.fit(
            model,
            train_set,
            optimizer=optimizer,
            generator=generator,
            history=history,
            epochs=1,
            kl_warmup_epochs=kl_warmup_epochs,
            progress=False,
        )
        used += time.process_time() - tic
        while pending and used >= pending[0]:
            if on_checkpoint is not None:
                on_checkpoint(pending[0], history)
            pending.pop(0)
    return history


def main(argv: list[str] | None = None) -> None:
    """The command line: regenerate the named models (all by default), or only score them."""
    parser = argparse.ArgumentParser(description="Regenerate vae_core's pretrained models.")
    parser.add_argument("--name", choices=sorted(RECIPES), action="append")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-samples", type=int, default=5000)
    parser.add_argument("--eval-images", type=int, default=2000)
    parser.add_argument("--data-root", default=None)
    parser.add_argument(
        "--score",
        action="store_true",
        help="only score the shipped weights on the whole test set (card field test_full)",
    )
    args = parser.parse_args(argv)
    for name in args.name or sorted(RECIPES):
        if args.score:
            r = score_shipped(name, args.eval_samples, args.data_root)
            print(
                f"{name}: log p(x) {r['log_px']} +- {r['log_px_stderr']} nats, ELBO "
                f"{r['elbo']} +- {r['elbo_stderr']} (K={r['samples']}, {r['images']} digits, "
                f"{r['cpu_seconds']} CPU s)",
                flush=True,
            )
            continue
        card = regenerate(
            name, args.epochs, args.seed, args.eval_samples, args.eval_images, args.data_root
        )
        print(
            f"{name}: test ELBO {card['test_elbo']} nats, log p(x) {card['test_log_px']} nats "
            f"(K={card['test_log_px_samples']}), {card['seconds_per_epoch']} s/epoch",
            flush=True,
        )


def load_or_train(
    name: str,
    epochs: int | None = None,
    device: torch.device | str | None = None,
    data_root: str | None = None,
    seed: int = 0,
) -> tuple[VAE, Card]:
    """The shipped model when it is present, else a freshly trained one; with its Card.

    A notebook calls this so that it runs in a few seconds with the package's weights, and
    still runs (training `epochs`, default the recipe's) where they are absent.
    """
    if name not in RECIPES:
        raise ValueError(f"name must be one of {sorted(RECIPES)}, got {name!r}")
    device = device or train.pick_device()
    if name in available():
        return load_pretrained(name, device=device)
    recipe = RECIPES[name]
    torch.manual_seed(seed)
    model = VAE(recipe["config"]).to(device)
    train_set = data.load("train", root=data_root, device=device)
    config = TrainConfig(
        epochs=epochs or recipe["epochs"],
        seed=seed,
        lr=recipe.get("lr", TrainConfig.lr),
        kl_warmup_epochs=recipe.get("kl_warmup_epochs", 0),
    )
    history = train.fit(model, train_set, config=config)
    return model, Card(name=name, pretrained=False, epochs=len(history.records), history=history)


if __name__ == "__main__":
    main()
