"""Argument checks shared by the public API: each error names the argument, what was expected
and what was given, so a student's mistake meets a message that teaches."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor


def _shape(t: Tensor) -> str:
    return "(" + ", ".join(str(s) for s in t.shape) + ")"


def check_tensor(
    name: str,
    value: object,
    *,
    ndim: int | Sequence[int] | None = None,
    last_dim: int | None = None,
    floating: bool = True,
    finite: bool = True,
    nonempty: bool = True,
    unit_interval: bool = False,
) -> Tensor:
    """Validate one tensor argument and return it unchanged."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if value.dim() not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got shape {_shape(value)}")
    if nonempty and value.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {_shape(value)}")
    if last_dim is not None and (value.dim() == 0 or value.shape[-1] != last_dim):
        raise ValueError(f"{name} must have last dimension {last_dim}, got shape {_shape(value)}")
    if floating and not value.is_floating_point():
        raise TypeError(
            f"{name} must have a floating dtype (e.g. torch.float32), got {value.dtype}; "
            f"convert with {name}.float()"
        )
    if value.device.type == "meta":  # shapes only (e.g. a stand-in for another device)
        return value
    if finite and value.is_floating_point() and not bool(torch.isfinite(value).all()):
        bad = "NaN" if bool(torch.isnan(value).any()) else "inf"
        count = int((~torch.isfinite(value)).sum())
        raise ValueError(
            f"{name} must be finite (no NaN or inf), but it contains {bad} "
            f"({count} non-finite of {value.numel()} values)"
        )
    if unit_interval and value.numel() and (value.min() < 0 or value.max() > 1):
        low, high = value.min().item(), value.max().item()
        hint = "; pixels stored as 0-255? divide by 255" if low >= 0 and high <= 255 else ""
        raise ValueError(
            f"{name} must hold values in [0, 1] (pixel intensities or binary pixels), "
            f"got values in [{low:.3g}, {high:.3g}]{hint}"
        )
    return value


def check_same_shape(name_a: str, a: Tensor, name_b: str, b: Tensor) -> None:
    """Two tensors that must have one shape (mu and logvar, eps and mu)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {_shape(a)} and {_shape(b)}"
        )


def check_same_device(name_a: str, a: Tensor, name_b: str, b: Tensor) -> None:
    """Two tensors that must live on one device."""
    if a.device != b.device:
        raise ValueError(
            f"{name_a} is on {a.device} but {name_b} is on {b.device}; move one with .to(...)"
        )


def check_gaussian(mu: object, logvar: object) -> None:
    """The parameters of a diagonal Gaussian: two finite float tensors of one shape and device."""
    check_tensor("mu", mu)
    check_tensor("logvar", logvar)
    check_same_shape("mu", mu, "logvar", logvar)
    check_same_device("logvar", logvar, "mu", mu)


def check_positive_int(name: str, value: object, minimum: int = 1) -> int:
    """An int (not a bool) >= minimum: a size, a count of samples or epochs."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_positive_float(name: str, value: object) -> float:
    """A finite number > 0 (a learning rate, a standard deviation, an extent)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a positive number, got {type(value).__name__}")
    if not (value > 0 and value < float("inf")):
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return float(value)


def check_callable(name: str, value: object, expected: str) -> None:
    """A function argument; `expected` says what it should map to what."""
    if not callable(value):
        raise TypeError(f"{name} must be a function {expected}, got {type(value).__name__}")


def check_generator(name: str, value: object) -> None:
    """None or a torch.Generator (seed one with torch.Generator().manual_seed(seed))."""
    if value is not None and not isinstance(value, torch.Generator):
        hint = (
            f"; to seed, pass torch.Generator().manual_seed({value})"
            if isinstance(value, int) and not isinstance(value, bool)
            else ""
        )
        raise TypeError(
            f"{name} must be a torch.Generator or None, got {type(value).__name__}{hint}"
        )


def check_device(name: str, value: object) -> torch.device:
    """A torch.device, or a name such as 'cpu' or 'cuda', returned as a torch.device."""
    try:
        return torch.device(value)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"{name} must be a torch.device or a name such as 'cpu' or 'cuda', got {value!r}"
        ) from None


# About 3 minutes of work on a 2-core CPU at the ~1e9 element-operations per second that the
# decoder's last layer reaches; a call that would take longer is refused before it starts.
MAX_WORK = 2 * 10**11


def check_work(name: str, value: int, cost_per_unit: int, limit: int = MAX_WORK) -> None:
    """Refuse a sample count whose cost (value x cost_per_unit element operations) is absurd."""
    work = value * cost_per_unit
    if work > limit:
        feasible = max(1, limit // max(1, cost_per_unit))
        raise ValueError(
            f"{name}={value:,} would need about {work:.1e} operations (minutes to days on a "
            f"CPU); use at most about {feasible:,} here, or fewer images per call"
        )
