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

from .config import VAEConfig
from .model import VAE

FORMAT = "vae_core.checkpoint/1"


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_checkpoint(path: str | os.PathLike, model: VAE, metrics: dict | None = None,
                    extra: dict[str, torch.Tensor] | None = None) -> str:
    """Save the model's weights, config and metrics atomically; return the file's SHA-256."""
    if not isinstance(model, VAE):
        raise TypeError(f"model must be a vae_core.VAE, got {type(model).__name__}")
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    for key, value in (extra or {}).items():
        tensors[f"extra.{key}"] = value.detach().cpu().contiguous()
    header = {
        "format": FORMAT,
        "config": model.config.to_json(),
        "metrics": json.dumps(metrics or {}, sort_keys=True),
        "tensors_sha256": _tensor_digest(tensors),
    }
    payload = save_bytes(tensors, metadata=header)
    atomic_write_bytes(Path(path), payload)
    return hashlib.sha256(payload).hexdigest()


def read_checkpoint(path: str | os.PathLike, expected_sha256: str | None = None
                    ) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Read and verify a checkpoint file; return (tensors, header). Raises CheckpointError."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    payload = path.read_bytes()
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
        raise CheckpointError(f"checkpoint {path} is truncated or not a safetensors file "
                              f"({error})") from None
    if header.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path} has format {header.get('format')!r}, "
                              f"expected {FORMAT!r}")
    if _tensor_digest(tensors) != header.get("tensors_sha256"):
        raise CheckpointError(f"checkpoint {path} is corrupt: its tensors do not match the "
                              f"SHA-256 recorded when it was saved")
    return tensors, header


def load_checkpoint(path: str | os.PathLike, expected_sha256: str | None = None,
                    device: torch.device | str = "cpu") -> tuple[VAE, dict]:
    """Rebuild the VAE stored at `path`; return (model in eval mode, metrics)."""
    tensors, header = read_checkpoint(path, expected_sha256)
    model = VAE(VAEConfig.from_json(header["config"]))
    state = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise CheckpointError(f"checkpoint {path} does not fit its recorded architecture "
                              f"{model.config}: {error}") from None
    return model.to(device).eval(), json.loads(header["metrics"])
