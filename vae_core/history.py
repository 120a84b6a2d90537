"""The record of a training run: one `EpochRecord` per epoch, gathered in a `History`.

Plain dataclasses of floats, so that checkpoints can store them as JSON and the chapters can
plot them; nothing here trains or reads files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class EpochRecord:
    """One epoch's averages, in nats per image."""

    epoch: int
    reconstruction: float  # -E_q[log p(x|z)], nats per image, mean over the epoch
    kl: float  # KL(q(z|x) || p(z)), nats per image
    seconds: float
    test_elbo: float | None = None  # nats per image
    test_log_px: float | None = None  # importance-weighted estimate, nats per image

    @property
    def loss(self) -> float:
        """The training loss: reconstruction + KL, nats per image."""
        return self.reconstruction + self.kl


@dataclass
class History:
    """The records of the epochs trained so far."""

    records: list[EpochRecord] = field(default_factory=list)
    interrupted: bool = False

    def column(self, name: str) -> list[float]:
        """One field of every record, e.g. history.column("kl")."""
        names = [*EpochRecord.__dataclass_fields__, "loss"]
        if name not in names:
            raise ValueError(f"name must be one of {names}, got {name!r}")
        return [getattr(r, name) for r in self.records]

    def to_dicts(self) -> list[dict]:
        """The records as plain dicts with the loss added (for JSON)."""
        return [asdict(r) | {"loss": r.loss} for r in self.records]

    @classmethod
    def from_dicts(cls, rows: list[dict], interrupted: bool = False) -> History:
        """The inverse of `to_dicts` (the derived `loss` is dropped)."""
        fields = EpochRecord.__dataclass_fields__
        return cls(
            [EpochRecord(**{k: v for k, v in r.items() if k in fields}) for r in rows], interrupted
        )
