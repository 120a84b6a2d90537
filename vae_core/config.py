"""Two small dataclasses: the size of a VAE (`VAEConfig`, the reference tutorial's 784-256-Z by
default) and the settings of a training run (`TrainConfig`)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from ._validate import check_positive_float, check_positive_int

IMAGE_SHAPE = (1, 28, 28)
PIXELS = 28 * 28  # D


@dataclass(frozen=True)
class VAEConfig:
    """Sizes of an MLP VAE: D pixels -> hidden layers -> Z latent dimensions."""

    data_dim: int = PIXELS  # D
    hidden: tuple[int, ...] = (256,)  # H per hidden layer, encoder order
    latent_dim: int = 20  # Z

    def __post_init__(self) -> None:
        check_positive_int("data_dim", self.data_dim)
        check_positive_int("latent_dim", self.latent_dim)
        hidden = self.hidden
        if isinstance(hidden, int):
            hidden = (hidden,)
        if not isinstance(hidden, (tuple, list)):
            raise TypeError(f"hidden must be a tuple of ints, got {type(hidden).__name__}")
        for i, h in enumerate(hidden):
            check_positive_int(f"hidden[{i}]", h)
        object.__setattr__(self, "hidden", tuple(hidden))

    def to_json(self) -> str:
        """The config as a JSON object (stored in checkpoint headers)."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> VAEConfig:
        """The inverse of `to_json`; the fields are validated as in the constructor."""
        try:
            fields = json.loads(text)
        except (TypeError, json.JSONDecodeError) as error:
            raise ValueError(
                f"config JSON must be a JSON object of VAEConfig fields, got text "
                f"that does not parse ({error})"
            ) from None
        if not isinstance(fields, dict):
            raise ValueError(f"config JSON must be an object, got {type(fields).__name__}")
        unknown = sorted(set(fields) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(
                f"config JSON has unknown field(s) {unknown}; VAEConfig has "
                f"{[f.name for f in dataclasses.fields(cls)]}"
            )
        fields["hidden"] = tuple(fields.get("hidden", ()))
        return cls(**fields)


@dataclass(frozen=True)
class TrainConfig:
    """The settings of one training run of `train.fit` (the reference tutorial's by default)."""

    epochs: int = 10
    batch_size: int = 128  # B
    lr: float = 1e-3  # Adam's learning rate
    seed: int = 0  # seeds the batch order, the binarization and the noise of Eq. (9)
    binarize: bool = True  # fresh binary pixels x ~ Bernoulli(grey level) for every batch
    likelihood: str = "bernoulli"  # log p(x|z): a name in vae_core.likelihoods.LIKELIHOODS
    eval_samples: int = 100  # K for the test ELBO and importance-weighted log p(x)
    eval_images: int = 1000  # test images evaluated after each epoch
    max_seconds: float | None = None  # stop after the epoch that passes this wall-clock time
    progress: bool = True  # a tqdm bar (TQDM_DISABLE=1 still turns it off)
    beta: float = 1.0  # the loss is D + beta * R (beta = 1: minus the ELBO of Eq. (8))
    kl_warmup_epochs: int = 0  # the KL weight rises linearly, step by step, from 0 to beta
    free_bits: float = 0.0  # nats per latent dimension below which the KL is not penalized

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "eval_samples", "eval_images"):
            check_positive_int(name, getattr(self, name))
        check_positive_float("lr", self.lr)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise TypeError(f"seed must be an int >= 0, got {self.seed!r}")
        for name in ("binarize", "progress"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if not isinstance(self.likelihood, str):
            raise TypeError(
                f"likelihood must be a name such as 'bernoulli', got "
                f"{type(self.likelihood).__name__}"
            )
        if self.max_seconds is not None:
            check_positive_float("max_seconds", self.max_seconds)
        for name in ("beta", "free_bits"):
            _check_non_negative(name, getattr(self, name))
        check_positive_int("kl_warmup_epochs", self.kl_warmup_epochs, minimum=0)

    def kl_weight(self, epoch_fraction: float) -> float:
        """The KL weight after `epoch_fraction` epochs of training: beta, ramped up linearly
        from 0 over the first `kl_warmup_epochs` epochs (KL annealing)."""
        if self.kl_warmup_epochs == 0:
            return self.beta
        return self.beta * min(1.0, epoch_fraction / self.kl_warmup_epochs)


def _check_non_negative(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number >= 0, got {type(value).__name__}")
    if not (0 <= value < float("inf")):
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
