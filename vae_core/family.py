"""The beta family: small VAEs trained with the loss D + beta R, shipped like the pretrained models.

    python -m vae_core.family [--name z20-beta1] [--epochs N] [--threads 1]

trains every member (or the named ones) with `vae_core.train.fit` on dynamically binarized MNIST,
one epoch at a time so that the rate, distortion, per-dimension KL and active units on the test
digits are recorded after every epoch; then measures the importance-weighted log p(x). Each member
is written as `weights/family-<name>.safetensors` (float16 tensors, via
`checkpoint.save_checkpoint`), its card `weights/family-<name>.json`, and its SHA-256 in
`weights/family.json`. Loading checks that SHA-256 (`checkpoint.load_checkpoint`) and returns a
float32 model; the card's numbers were measured on exactly these float16-rounded weights.

Members: Z = 2 and Z = 20 at each beta in BETAS, and, at Z = 20 and each beta in REMEDY_BETAS, the
two remedies for posterior collapse: a linear KL warm-up, and free bits (a floor of `free_bits`
nats per dimension).
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from dataclasses import dataclass, field

import torch

from . import data, train
from .checkpoint import CheckpointError, atomic_write_bytes, load_checkpoint, save_checkpoint
from .config import TrainConfig, VAEConfig
from .model import VAE
from .pretrained import weights_dir
from .rate_distortion import ACTIVITY_THRESHOLD, rate_distortion

BETAS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
LATENT_DIMS = (2, 20)
HIDDEN = (96,)  # H: well below the tutorial's 256, so 18 models stay small (float16: ~0.3 MB each)
EPOCHS = 8
WARMUP_EPOCHS = 4
FREE_BITS = 0.25  # nats per latent dimension
REGISTRY = "family.json"
PREFIX = "family-"


@dataclass(frozen=True)
class Member:
    """One model of the family: its latent size and the settings of its loss."""

    latent_dim: int  # Z
    beta: float  # the loss is D + beta R
    kl_warmup_epochs: int = 0  # the KL weight rises linearly from 0 to beta over these epochs
    free_bits: float = 0.0  # lambda: each dimension's KL counts as at least lambda nats

    def __post_init__(self) -> None:
        if isinstance(self.latent_dim, bool) or not isinstance(self.latent_dim, int):
            raise TypeError(f"latent_dim must be an int, got {type(self.latent_dim).__name__}")
        if self.latent_dim < 1:
            raise ValueError(f"latent_dim must be >= 1, got {self.latent_dim}")
        for name in ("beta", "free_bits"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{name} must be a number >= 0, got {type(value).__name__}")
            if not 0 <= value < float("inf"):
                raise ValueError(f"{name} must be a finite number >= 0, got {value}")
        if isinstance(self.kl_warmup_epochs, bool) or not isinstance(self.kl_warmup_epochs, int):
            raise TypeError(
                f"kl_warmup_epochs must be an int, got {type(self.kl_warmup_epochs).__name__}"
            )
        if self.kl_warmup_epochs < 0:
            raise ValueError(f"kl_warmup_epochs must be >= 0, got {self.kl_warmup_epochs}")

    @property
    def name(self) -> str:
        """E.g. 'z20-beta0.5', 'z20-beta1-warmup4', 'z20-beta1-freebits0.25'."""
        name = f"z{self.latent_dim}-beta{self.beta:g}"
        if self.kl_warmup_epochs:
            name += f"-warmup{self.kl_warmup_epochs}"
        if self.free_bits:
            name += f"-freebits{self.free_bits:g}"
        return name

    @property
    def config(self) -> VAEConfig:
        """The network: D -> H -> Z -> H -> D."""
        return VAEConfig(hidden=HIDDEN, latent_dim=self.latent_dim)

    def train_config(self, epochs: int, seed: int) -> TrainConfig:
        """The settings of its run (Adam 1e-3, batches of 128, dynamic binarization)."""
        return TrainConfig(
            epochs=epochs,
            seed=seed,
            beta=float(self.beta),
            kl_warmup_epochs=self.kl_warmup_epochs,
            free_bits=float(self.free_bits),
            progress=False,
        )


REMEDY_BETAS = (1.0, 5.0)  # beta = 1: the plain ELBO; beta = 5: where units collapse
MEMBERS = (
    *(Member(z, b) for z in LATENT_DIMS for b in BETAS),
    *(Member(20, b, kl_warmup_epochs=WARMUP_EPOCHS) for b in REMEDY_BETAS),
    *(Member(20, b, free_bits=FREE_BITS) for b in REMEDY_BETAS),
)
BY_NAME = {m.name: m for m in MEMBERS}


@dataclass
class FamilyCard:
    """What the family's metrics card says about one member (nats per image, test digits)."""

    member: Member
    epochs: int
    rate: float  # R on the test digits
    distortion: float  # D on the test digits (one sample of z per digit)
    test_log_px: float  # importance-weighted bound, K = test_log_px_samples
    test_log_px_samples: int
    kl_per_dim: list[float]  # (Z,) each dimension's share of R
    activity: list[float]  # (Z,) A_u = Var_x mu_u(x)
    history: list[dict]  # one dict per epoch: train and test R, D, active units, KL per dim
    sha256: str | None = None
    details: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.member.name

    @property
    def elbo(self) -> float:
        """-(D + R) on the test digits."""
        return -(self.distortion + self.rate)

    def active_units(self, threshold: float = ACTIVITY_THRESHOLD) -> int:
        """Dimensions with A_u > threshold (Burda et al.'s 0.01 by default)."""
        return sum(a > threshold for a in self.activity)

    @classmethod
    def from_json(cls, fields: dict) -> FamilyCard:
        """A card as written by `regenerate`."""
        member = Member(
            fields["latent_dim"], fields["beta"], fields["kl_warmup_epochs"], fields["free_bits"]
        )
        known = set(cls.__dataclass_fields__) | {
            "latent_dim",
            "beta",
            "kl_warmup_epochs",
            "free_bits",
        }
        return cls(
            member=member,
            epochs=fields["epochs"],
            rate=fields["rate"],
            distortion=fields["distortion"],
            test_log_px=fields["test_log_px"],
            test_log_px_samples=fields["test_log_px_samples"],
            kl_per_dim=list(fields["kl_per_dim"]),
            activity=list(fields["activity"]),
            history=list(fields["history"]),
            sha256=fields.get("sha256"),
            details={k: v for k, v in fields.items() if k not in known},
        )


def _check_name(name: object) -> Member:
    if name not in BY_NAME:
        raise ValueError(
            f"name must be one of the family's members {sorted(BY_NAME)}, got {name!r}"
        )
    return BY_NAME[name]


def registry() -> dict[str, dict]:
    """name -> {sha256, file} for every member written by `regenerate` ({} before the first)."""
    path = weights_dir() / REGISTRY
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(
            f"the family registry {path} cannot be read ({type(error).__name__}: {error}); "
            f"reinstall vae_core or run python -m vae_core.family"
        ) from None
    if not isinstance(entries, dict):
        raise CheckpointError(f"the family registry {path} must be a JSON object")
    return entries


def available() -> list[str]:
    """Names of the members whose weights are present in this installation."""
    return sorted(
        n
        for n in registry()
        if n in BY_NAME and (weights_dir() / f"{PREFIX}{n}.safetensors").is_file()
    )


def load_member(name: str, device: torch.device | str = "cpu") -> tuple[VAE, FamilyCard]:
    """One shipped member after checking its SHA-256: (float32 model in eval mode, its card)."""
    _check_name(name)
    entries = registry()
    if name not in entries:
        raise CheckpointError(
            f"no shipped weights for family member {name!r} in {weights_dir()}; regenerate "
            f"them with python -m vae_core.family --name {name}"
        )
    path = weights_dir() / f"{PREFIX}{name}.safetensors"
    model, _ = load_checkpoint(path, expected_sha256=entries[name]["sha256"], device=device)
    card_path = weights_dir() / f"{PREFIX}{name}.json"
    try:
        card = FamilyCard.from_json(json.loads(card_path.read_text()))
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise CheckpointError(
            f"the family card {card_path} is missing or damaged ({type(error).__name__}: {error})"
        ) from None
    if card.sha256 != entries[name]["sha256"]:
        raise CheckpointError(
            f"the family card {card_path} describes other weights than the registry's "
            f"(SHA-256 {card.sha256} vs {entries[name]['sha256']}); regenerate the family"
        )
    return model, card


def load_family(
    names: list[str] | None = None, device: torch.device | str = "cpu"
) -> dict[str, tuple[VAE, FamilyCard]]:
    """Every shipped member (or the named ones), in the order of MEMBERS, each verified."""
    if names is not None and not isinstance(names, (list, tuple)):
        raise TypeError(f"names must be a list of member names or None, got {type(names).__name__}")
    wanted = [m.name for m in MEMBERS] if names is None else [_check_name(n).name for n in names]
    return {n: load_member(n, device) for n in wanted}


def _test_metrics(model: VAE, test_x: torch.Tensor, generator: torch.Generator) -> dict:
    """R, D (one z per digit), per-dimension KL and activity on the test digits, as JSON."""
    rd = rate_distortion(model, test_x, generator=generator)
    return {
        "test_rate": round(rd.rate, 4),
        "test_distortion": round(rd.distortion, 4),
        "test_active_units": rd.active_units(),
        "test_kl_per_dim": [round(v, 5) for v in rd.kl_per_dim.tolist()],
    }


def train_member(
    member: Member,
    train_set: data.ImageSet,
    test_x: torch.Tensor,
    epochs: int = EPOCHS,
    seed: int = 0,
    log_px_images: int = 1000,
    log_px_samples: int = 500,
) -> tuple[VAE, dict]:
    """Train one member from scratch; return (model with float16-rounded weights, card fields).

    After every epoch the test R, D, per-dimension KL and active units are recorded.
    """
    if not isinstance(member, Member):
        raise TypeError(f"member must be a family.Member, got {type(member).__name__}")
    config = member.train_config(epochs, seed)
    torch.manual_seed(seed)
    model = VAE(member.config).to(train_set.images.device)
    optimizer = train.make_optimizer(model, config.lr)
    generator = torch.Generator(device=model.device).manual_seed(seed)
    eval_gen = torch.Generator(device=model.device).manual_seed(seed + 1)
    history, rows = None, []
    tic = time.perf_counter()
    for _ in range(epochs):  # one epoch per call: fit continues the same run
        history = train.fit(
            model,
            train_set,
            config=config,
            epochs=1,
            optimizer=optimizer,
            generator=generator,
            history=history,
        )
        record = history.records[-1]
        rows.append(
            {
                "epoch": record.epoch,
                "reconstruction": round(record.reconstruction, 4),
                "kl": round(record.kl, 4),
                "seconds": round(record.seconds, 2),
            }
            | _test_metrics(model, test_x, eval_gen)
        )
    seconds = time.perf_counter() - tic
    model.load_state_dict({k: v.half().float() for k, v in model.state_dict().items()})
    model.eval()
    final = rate_distortion(model, test_x, generator=eval_gen)
    iwae = train.evaluate(model, test_x[:log_px_images], log_px_samples, generator=eval_gen)
    card = {
        "name": member.name,
        "latent_dim": member.latent_dim,
        "beta": member.beta,
        "kl_warmup_epochs": member.kl_warmup_epochs,
        "free_bits": member.free_bits,
        "config": json.loads(member.config.to_json()),
        "storage": "float16",
        "data": "MNIST train (60,000), dynamically binarized each epoch (seeded); test: the "
        f"{len(test_x)} test digits binarized once with seed 0 (log p(x): the first "
        f"{log_px_images})",
        "optimizer": f"Adam, lr {config.lr:g}, batch {config.batch_size}",
        "epochs": epochs,
        "seed": seed,
        "train_seconds": round(seconds, 1),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "rate": round(final.rate, 4),
        "distortion": round(final.distortion, 4),
        "test_log_px": round(iwae.log_px, 3),
        "test_log_px_samples": log_px_samples,
        "kl_per_dim": [round(v, 5) for v in final.kl_per_dim.tolist()],
        "activity": [round(v, 6) for v in final.activity.tolist()],
        "history": rows,
    }
    return model, card


def save_member(model: VAE, card: dict) -> str:
    """Write the member's float16 weights, its card and its registry entry; return the SHA-256."""
    name = card["name"]
    _check_name(name)
    half = copy.deepcopy(model).cpu().half()
    path = weights_dir() / f"{PREFIX}{name}.safetensors"
    sha = save_checkpoint(path, half, metrics={k: v for k, v in card.items() if k != "history"})
    card = card | {"sha256": sha}
    atomic_write_bytes(weights_dir() / f"{PREFIX}{name}.json", json.dumps(card, indent=1).encode())
    entries = registry() | {name: {"sha256": sha, "file": path.name}}
    atomic_write_bytes(weights_dir() / REGISTRY, json.dumps(entries, indent=1).encode())
    return sha


def regenerate(
    names: list[str] | None = None,
    epochs: int = EPOCHS,
    seed: int = 0,
    data_root: str | None = None,
) -> list[dict]:
    """Train the named members (all by default) and write them; return their cards."""
    members = MEMBERS if names is None else [_check_name(n) for n in names]
    train_set = data.load("train", root=data_root)
    test_x = data.load("test", root=data_root).binarized(seed=0)  # (10000, D)
    cards = []
    for member in members:
        model, card = train_member(member, train_set, test_x, epochs, seed)
        card["sha256"] = save_member(model, card)
        print(
            f"{member.name:24s} R {card['rate']:6.2f}  D {card['distortion']:7.2f}  "
            f"log p(x) {card['test_log_px']:8.2f}  active "
            f"{sum(a > ACTIVITY_THRESHOLD for a in card['activity'])}/{member.latent_dim}  "
            f"{card['train_seconds']:.0f} s",
            flush=True,
        )
        cards.append(card)
    return cards


def main(argv: list[str] | None = None) -> None:
    """The command line: regenerate the family (all members by default)."""
    parser = argparse.ArgumentParser(description="Regenerate vae_core's beta family.")
    parser.add_argument("--name", choices=sorted(BY_NAME), action="append")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--data-root", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    regenerate(args.name, args.epochs, args.seed, args.data_root)


if __name__ == "__main__":
    main()
