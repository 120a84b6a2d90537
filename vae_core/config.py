"""The size of a VAE, as one small dataclass (the reference tutorial's 784-256-Z is the default)."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from ._validate import check_positive_int

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
    def from_json(cls, text: str) -> "VAEConfig":
        """The inverse of `to_json`; the fields are validated as in the constructor."""
        fields = json.loads(text)
        if not isinstance(fields, dict):
            raise ValueError(f"config JSON must be an object, got {type(fields).__name__}")
        fields["hidden"] = tuple(fields.get("hidden", ()))
        return cls(**fields)
