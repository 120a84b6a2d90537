"""Checkpoints: weights, config and metrics in one safetensors file.

- Loading never executes code: safetensors holds raw tensors and a JSON header, nothing pickled.
- Writing is atomic: the file is written to a temporary name in the same folder, flushed to
  disk, then renamed over the target, so an interrupted save never leaves a corrupt file.
- Integrity: the header records the SHA-256 of the tensor bytes, checked on every load; a caller
  may also pin the SHA-256 of the whole file (as the pretrained registry does).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_bytes
from safetensors.torch import save as save_bytes

from ._validate import check_device
from .config import VAEConfig
from .history import History
from .model import VAE

FORMAT = "vae_core.checkpoint/1"
TRAINING_FORMAT = "vae_core.training_state/1"  # model + optimizer + generator + history


class CheckpointError(RuntimeError):
    """A checkpoint is missing, damaged or does not match what was asked for."""


def _tensor_digest(tensors: dict[str, torch.Tensor]) -> str:
    digest = hashlib.sha256()
    for name in sorted(tensors):
        digest.update(name.encode())
        digest.update(tensors[name].detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write `payload` to `path` so that readers see either the old file or the whole new one."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(
            f"path {path} is a folder; give a file name inside it, e.g. "
            f"{path / 'model.safetensors'}"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise CheckpointError(
            f"cannot write {path}: the folder {path.parent} is not writable "
            f"or not a folder ({type(error).__name__})"
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write(
    path: str | os.PathLike, tensors: dict[str, torch.Tensor], header: dict[str, str]
) -> str:
    """Record the tensors' SHA-256 in the header, write the file atomically, return its SHA-256."""
    payload = save_bytes(tensors, metadata=header | {"tensors_sha256": _tensor_digest(tensors)})
    atomic_write_bytes(Path(path), payload)
    return hashlib.sha256(payload).hexdigest()


def _model_tensors(model: VAE) -> dict[str, torch.Tensor]:
    if not isinstance(model, VAE):
        raise TypeError(f"model must be a vae_core.VAE, got {type(model).__name__}")
    return {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}


def save_checkpoint(
    path: str | os.PathLike,
    model: VAE,
    metrics: dict | None = None,
    extra: dict[str, torch.Tensor] | None = None,
) -> str:
    """Save the model's weights, config and metrics atomically; return the file's SHA-256."""
    tensors = _model_tensors(model)
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"extra must be a dict of name -> torch.Tensor, got {type(extra).__name__}")
    for key, value in (extra or {}).items():
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"extra[{key!r}] must be a torch.Tensor, got {type(value).__name__}")
        tensors[f"extra.{key}"] = value.detach().cpu().contiguous()
    header = {
        "format": FORMAT,
        "config": model.config.to_json(),
        "metrics": _metrics_json(metrics),
    }
    return _write(path, tensors, header)


def _metrics_json(metrics: object) -> str:
    """metrics as JSON text; they must be a dict of numbers, strings, lists and dicts."""
    if metrics is not None and not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict (JSON-ready), got {type(metrics).__name__}")
    try:
        return json.dumps(metrics or {}, sort_keys=True)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"metrics must hold only JSON values (numbers, strings, lists, dicts): {error}"
        ) from None


def read_checkpoint(
    path: str | os.PathLike,
    expected_sha256: str | None = None,
    formats: tuple[str, ...] = (FORMAT, TRAINING_FORMAT),
) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Read and verify a checkpoint file; return (tensors, header). Raises CheckpointError."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a file path (str or pathlib.Path), got {type(path).__name__}"
        )
    if expected_sha256 is not None and not (
        isinstance(expected_sha256, str) and len(expected_sha256) == 64
    ):
        raise ValueError(
            f"expected_sha256 must be a 64-character hex string, got {expected_sha256!r}"
        )
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"checkpoint {path} is a folder, not a checkpoint file")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        payload = path.read_bytes()
    except OSError as error:
        raise CheckpointError(
            f"checkpoint {path} cannot be read ({type(error).__name__}: {error.strerror or error})"
        ) from None
    if expected_sha256 is not None and hashlib.sha256(payload).hexdigest() != expected_sha256:
        raise CheckpointError(
            f"checkpoint {path} has SHA-256 {hashlib.sha256(payload).hexdigest()}, expected "
            f"{expected_sha256}: the file was altered or is a different version; re-download or "
            f"regenerate it"
        )
    try:
        tensors = load_bytes(payload)
        from safetensors import safe_open  # header only; the tensors are already parsed

        with safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
    except (SafetensorError, ValueError, OSError) as error:
        raise CheckpointError(
            f"checkpoint {path} is truncated or not a safetensors file ({error})"
        ) from None
    if header.get("format") not in formats:
        raise CheckpointError(
            f"checkpoint {path} has format {header.get('format')!r}, "
            f"expected {' or '.join(map(repr, formats))}"
        )
    if _tensor_digest(tensors) != header.get("tensors_sha256"):
        raise CheckpointError(
            f"checkpoint {path} is corrupt: its tensors do not match the "
            f"SHA-256 recorded when it was saved"
        )
    return tensors, header


def load_checkpoint(
    path: str | os.PathLike, expected_sha256: str | None = None, device: torch.device | str = "cpu"
) -> tuple[VAE, dict]:
    """Rebuild the VAE stored at `path`; return (model in eval mode, metrics)."""
    device = check_device("device", device)
    tensors, header = read_checkpoint(path, expected_sha256)
    model = _rebuild(path, tensors, header)
    try:
        metrics = json.loads(header.get("metrics", "{}"))
    except json.JSONDecodeError as error:
        raise CheckpointError(f"checkpoint {path} has a damaged metrics header ({error})") from None
    return model.to(device).eval(), metrics


def _rebuild(
    path, tensors: dict[str, torch.Tensor], header: dict[str, str], model: VAE | None = None
) -> VAE:
    """The checkpoint's VAE, or its weights copied into `model` (which must have its config)."""
    try:
        config = VAEConfig.from_json(header["config"])
    except (KeyError, TypeError, ValueError) as error:  # JSONDecodeError is a ValueError
        raise CheckpointError(
            f"checkpoint {path} has no valid config ({type(error).__name__}: {error})"
        ) from None
    if model is None:
        model = VAE(config)
    elif model.config != config:
        raise CheckpointError(
            f"checkpoint {path} holds a model with {config}, but the model "
            f"given has {model.config}; build it with that config"
        )
    state = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise CheckpointError(
            f"checkpoint {path} does not fit its recorded architecture {config}: {error}"
        ) from None
    return model


class TrainingState:
    """Everything `train.fit` needs to continue a run exactly: model, optimizer, generator, history."""

    def __init__(
        self,
        model: VAE,
        optimizer: torch.optim.Optimizer,
        generator: torch.Generator,
        history: History,
    ) -> None:
        self.model, self.optimizer, self.generator, self.history = (
            model,
            optimizer,
            generator,
            history,
        )


def save_training_state(
    path: str | os.PathLike,
    model: VAE,
    optimizer: torch.optim.Optimizer,
    generator: torch.Generator,
    history: History,
    metrics: dict | None = None,
) -> str:
    """Save a resumable training state atomically (safetensors + JSON header, nothing pickled).

    Tensors: the model's weights, the optimizer's per-parameter state, the generator's state.
    Header: the config, the optimizer's class and hyperparameters, the history; SHA-256 as in
    `save_checkpoint`. Returns the file's SHA-256.
    """
    from dataclasses import asdict

    tensors = _model_tensors(model)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    opt_state = optimizer.state_dict()
    for index, slots in opt_state["state"].items():
        for key, value in slots.items():
            if not isinstance(value, torch.Tensor):
                value = torch.tensor(value)
            tensors[f"optimizer.{index}.{key}"] = value.detach().cpu().contiguous()
    groups = [
        {k: (float(v) if isinstance(v, torch.Tensor) else v) for k, v in group.items()}
        for group in opt_state["param_groups"]
    ]
    tensors["generator.state"] = generator.get_state().cpu().contiguous()
    header = {
        "format": TRAINING_FORMAT,
        "config": model.config.to_json(),
        "metrics": _metrics_json(metrics),
        "optimizer": json.dumps({"class": type(optimizer).__name__, "param_groups": groups}),
        "generator_device": str(generator.device),
        "history": json.dumps(
            {
                "records": [asdict(r) for r in history.records],
                "interrupted": bool(history.interrupted),
            }
        ),
    }
    return _write(path, tensors, header)


def load_training_state(
    path: str | os.PathLike,
    model: VAE | None = None,
    device: torch.device | str | None = None,
    expected_sha256: str | None = None,
) -> TrainingState:
    """Read a state written by `save_training_state`. With `model`, its weights are overwritten
    (its config must match); else a new VAE is built on `device` (default CPU)."""
    tensors, header = read_checkpoint(path, expected_sha256, formats=(TRAINING_FORMAT,))
    model = _rebuild(path, tensors, header, model)
    if device is not None:
        model.to(device)
    try:
        opt = json.loads(header["optimizer"])
        optimizer = getattr(torch.optim, opt["class"])(model.parameters())
        state = {}
        for key, value in tensors.items():
            if key.startswith("optimizer."):
                _, index, slot = key.split(".", 2)
                state.setdefault(int(index), {})[slot] = value
        optimizer.load_state_dict({"state": state, "param_groups": opt["param_groups"]})
        generator = torch.Generator(device=model.device)
        generator.set_state(tensors["generator.state"])
        raw = json.loads(header["history"])
        history = History.from_dicts(raw["records"], raw["interrupted"])
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError) as error:
        raise CheckpointError(
            f"training state {path} is incomplete or inconsistent ({type(error).__name__}: {error})"
        ) from None
    return TrainingState(model, optimizer, generator, history)
