"""Latent-space widgets: LatentPlane, PosteriorView, LatentTraversal, Interpolation.

Each is an anywidget whose front end (widgets.bundle.js, built by `npm run build` from the ES
modules in src/) decodes latent points in the browser from the decoder's weights, carried in the
widget state by a shared `DecoderWeights` model. So the same object is live in Jupyter/Colab
with a kernel and in the static book without one. Everything that needs the encoder or the
grid is computed here, in Python, once.

The widgets take a trained model (any VAE that vae_core builds); they know nothing of training.
For a decoder that export_decoder cannot turn into weights, they say so and decode in Python
through the kernel instead.

Shapes: N images, D pixels, Z latent dimensions.
"""

from __future__ import annotations

import base64
import math
import numbers
import weakref
from collections.abc import Sequence
from pathlib import Path

import anywidget
import ipywidgets
import numpy as np
import torch
import traitlets
from numpy.typing import ArrayLike
from torch import Tensor

from ..grid import posterior_on_grid, vae_log_joint
from ..objective import kl_closed_form
from .export import DecoderExportError, decode_logits, export_decoder

HERE = Path(__file__).parent
BUNDLE = HERE / "widgets.bundle.js"  # generated from src/*.js, committed: pip installs need no npm
ESM = BUNDLE.read_text(encoding="utf-8")
CSS = (HERE / "widgets.css").read_text(encoding="utf-8")


class DecoderWeights(ipywidgets.Widget):
    """A state-only widget model holding one decoder's payload, shared by every view of it."""

    payload = traitlets.Dict().tag(sync=True)


# decoder module -> (parameter versions, its DecoderWeights). Keyed by the decoder itself, weakly:
# an entry dies with its decoder, so a new decoder can never inherit another's weights (an id()
# key could: CPython reuses the address of a collected object).
_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def decoder_weights(model, dtype: str = "float16") -> DecoderWeights:
    """The DecoderWeights of model.decoder, made once per set of parameter values.

    Raises DecoderExportError for a decoder the browser cannot run.
    """
    decoder = model.decoder
    version = tuple(p._version for p in decoder.parameters()) + (dtype,)
    cached = _SHARED.get(decoder)
    if cached is not None and cached[0] == version:
        return cached[1]
    weights = DecoderWeights(payload=export_decoder(decoder, dtype=dtype))
    _SHARED[decoder] = (version, weights)
    return weights


def pack_float16(values) -> str:
    """Numbers -> base64 of little-endian float16 (what base64ToFloats in src/encoding.js reads)."""
    return base64.b64encode(np.asarray(values, dtype="<f2").tobytes()).decode("ascii")


def pack_uint8(values) -> str:
    """Integers 0-255 -> base64 of their bytes (pixels, labels, densities)."""
    return base64.b64encode(np.asarray(values, dtype=np.uint8).tobytes()).decode("ascii")


def _rounded(values: Tensor, digits: int = 4) -> list[float]:
    return [round(float(v), digits) for v in values]


@torch.no_grad()
def _digit_entries(model, images: Tensor, labels: Tensor, indices) -> list[dict]:
    """The pickable test digits: their pixels (uint8), label, and q(z|x)'s mu and logvar."""
    x = images[list(indices)].to(model.device).reshape(len(indices), -1).float()  # (n, D)
    mu, logvar = model.encode(x)  # (n, Z) each
    return [
        {
            "index": int(i),
            "label": int(labels[i]),
            "pixels": pack_uint8(torch.round(x[k] * 255).cpu().numpy()),
            "mu": _rounded(mu[k]),
            "logvar": _rounded(logvar[k]),
        }
        for k, i in enumerate(indices)
    ]


def _check_number(
    name: str, value, *, positive: bool = True, integer: bool = False, minimum: float | None = None
) -> None:
    """A number argument: finite, an int if `integer`, > 0 if `positive`, >= `minimum` if given."""
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(
        value, numbers.Integral if integer else numbers.Real
    ):
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be {kind} > 0, got {value!r}")


def _check_data(model, images, labels) -> int:
    """The model, and images (N, ...) with one label each; returns N."""
    if not all(hasattr(model, a) for a in ("encode", "decoder", "config")):
        raise TypeError(
            f"model must be a vae_core VAE (with encode, decoder and config), "
            f"got {type(model).__name__}"
        )
    for name, value in (("images", images), ("labels", labels)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if images.dim() < 2 or len(images) == 0:
        raise ValueError(
            f"images must be a non-empty batch (N, D) or (N, 1, 28, 28), "
            f"got shape {tuple(images.shape)}"
        )
    if labels.dim() != 1 or len(labels) != len(images):
        raise ValueError(
            f"labels must be 1-D with one label per image ({len(images)} images), "
            f"got shape {tuple(labels.shape)}"
        )
    return len(images)


def _check_indices(name: str, indices, n: int) -> list[int]:
    """A non-empty list of image indices in [0, n)."""
    try:
        out = [int(i) for i in indices]
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a list of image indices, got {indices!r}") from None
    if not out:
        raise ValueError(f"{name} must name at least one image, got an empty list")
    bad = [i for i in out if not 0 <= i < n]
    if bad:
        raise ValueError(f"{name} must be indices into the {n} images (0 to {n - 1}), got {bad}")
    return out


def plane_extent(codes: ArrayLike, margin: float = 0.05) -> float:
    """Half-width of a square plane centred at 0 that holds every code: max |z_i| plus `margin`,
    rounded up to 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten."""
    reach = float(np.abs(np.asarray(codes, dtype=float)).max(initial=0.0)) * (1 + margin)
    if not math.isfinite(reach):
        raise ValueError("the codes must be finite to fit a plane around them")
    if reach == 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(reach))
    return next(
        round(f * power, 12)
        for f in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
        if f * power >= reach * (1 - 1e-12)
    )


def first_of_each_class(labels: Tensor, classes: int = 10) -> list[int]:
    """Index of the first image of each class, in class order."""
    return [int((labels == c).nonzero()[0]) for c in range(classes) if (labels == c).any()]


class _DecoderWidget(anywidget.AnyWidget):
    """What every view shares: the decoder (browser weights or the Python fallback), the digits."""

    _esm = ESM
    _css = CSS
    kind = traitlets.Unicode().tag(sync=True)
    latent_dim = traitlets.Int().tag(sync=True)
    decoder = traitlets.Instance(DecoderWeights, allow_none=True).tag(
        sync=True, **ipywidgets.widget_serialization
    )
    fallback = traitlets.Unicode("").tag(sync=True)  # why decoding happens in Python, if it does
    digits = traitlets.List(traitlets.Dict()).tag(sync=True)
    digit = traitlets.Int(0).tag(sync=True)  # index into `digits`
    z = traitlets.List(traitlets.Float()).tag(sync=True)
    _request = traitlets.Dict().tag(sync=True)  # front end -> Python, fallback only
    _reply = traitlets.Dict().tag(sync=True)  # Python -> front end, fallback only

    def __init__(
        self,
        model,
        images: Tensor,
        labels: Tensor,
        digit_indices: Sequence[int] | None = None,
        dtype: str = "float16",
        **kwargs,
    ) -> None:
        n = _check_data(model, images, labels)
        digit_indices = _check_indices(
            "digit_indices",
            first_of_each_class(labels) if digit_indices is None else digit_indices,
            n,
        )
        digit = kwargs.get("digit", 0)
        _check_number("digit", digit, positive=False, integer=True, minimum=0)
        if digit >= len(digit_indices):
            raise ValueError(
                f"digit must index digit_indices (0 to {len(digit_indices) - 1}), got {digit}"
            )
        try:
            weights, fallback = decoder_weights(model, dtype), ""
        except DecoderExportError as err:
            weights, fallback = None, str(err)
        super().__init__(
            decoder=weights,
            fallback=fallback,
            latent_dim=model.config.latent_dim,
            digits=_digit_entries(model, images, labels, digit_indices),
            **kwargs,
        )
        self._torch_decoder = model.decoder
        if weights is None:
            self.observe(self._decode_in_python, "_request")

    @property
    def browser_decoding(self) -> bool:
        """True when the front end decodes from the weights, False for the Python fallback."""
        return self.decoder is not None

    def _decode_in_python(self, change) -> None:
        request = change["new"]
        z = torch.tensor(request["z"], dtype=torch.float32)  # (P, Z)
        logits = decode_logits(self._torch_decoder, z).numpy().astype("<f4")  # (P, D)
        self._reply = {
            "seq": request["seq"],
            "count": len(z),
            "logits": base64.b64encode(logits.tobytes()).decode("ascii"),
        }


def _require_2d(model, name: str) -> None:
    """The plane views draw z itself, so they need Z = 2; the others take any Z."""
    if model.config.latent_dim != 2:
        raise ValueError(
            f"{name} draws the latent plane, so it needs a model with latent_dim 2, got "
            f"latent_dim {model.config.latent_dim}; to explore a model with any latent_dim use "
            "LatentTraversal (one slider per dimension) or Interpolation (between two codes)"
        )


class LatentPlane(_DecoderWidget):
    """The 2-D latent plane: encoded test digits by class; drag a point to decode it.

    The plane spans [-extent, extent] on both axes; by default (extent=None) just wide enough
    for the codes mu(x) of the images shown (`plane_extent`).
    """

    points = traitlets.Dict().tag(sync=True)
    extent = traitlets.Float(4.0).tag(sync=True)

    @torch.no_grad()
    def __init__(
        self,
        model,
        images: Tensor,
        labels: Tensor,
        n_points: int = 2000,
        extent: float | None = None,
        digit_indices: Sequence[int] | None = None,
        **kwargs,
    ) -> None:
        _check_data(model, images, labels)
        _require_2d(model, "LatentPlane")
        _check_number("n_points", n_points, integer=True)
        if extent is not None:
            _check_number("extent", extent)
        n = min(n_points, len(images))
        x = images[:n].to(model.device).reshape(n, -1).float()
        mu, _ = model.encode(x)  # (N, 2)
        mu = mu.cpu().numpy()
        points = {
            "z1": pack_float16(mu[:, 0]),
            "z2": pack_float16(mu[:, 1]),
            "labels": pack_uint8(labels[:n].cpu().numpy()),
        }
        super().__init__(
            model, images, labels, digit_indices, kind="plane", points=points, **kwargs
        )
        if not self.z:
            self.z = list(self.digits[self.digit]["mu"])
        codes = np.concatenate([mu.ravel(), np.ravel([d["mu"] for d in self.digits])])
        self.extent = float(extent) if extent is not None else plane_extent(codes)


def _posterior_std(g) -> Tensor:
    """Posterior standard deviation along each latent axis, (2,), from the grid."""
    p = g.probabilities()
    p = p / p.sum()  # (n, n)
    mean = g.mean()
    var1 = (p.sum(1) * (g.z1 - mean[0]) ** 2).sum()
    var2 = (p.sum(0) * (g.z2 - mean[1]) ** 2).sum()
    return torch.stack([var1, var2]).sqrt()


def _view_box(g, log_posterior: Tensor, floor: float = 8.0, pad: float = 0.3) -> list:
    """A square [[z1 lo, hi], [z2 lo, hi]] around where log p(z|x) is within `floor` nats of
    its peak, widened by `pad` of its size: the part of the grid worth looking at."""
    keep = log_posterior >= log_posterior.max() - floor  # (n, n)
    i = keep.any(1).nonzero().squeeze(1)
    j = keep.any(0).nonzero().squeeze(1)
    lo = torch.stack([g.z1[i.min()], g.z2[j.min()]])
    hi = torch.stack([g.z1[i.max()], g.z2[j.max()]])
    centre, half = (lo + hi) / 2, float((hi - lo).max()) / 2 * (1 + pad) + 1e-3
    return [[round(float(c) - half, 4), round(float(c) + half, 4)] for c in centre]


class PosteriorView(_DecoderWidget):
    """The true posterior p(z|x) on a grid (Eq. 2), with the encoder's q(z|x) drawn on top."""

    posteriors = traitlets.List(traitlets.Dict()).tag(sync=True)

    @torch.no_grad()
    def __init__(
        self,
        model,
        images: Tensor,
        labels: Tensor,
        digit_indices: Sequence[int] | None = None,
        resolution: int = 101,
        **kwargs,
    ) -> None:
        n = _check_data(model, images, labels)
        _require_2d(model, "PosteriorView")
        _check_number("resolution", resolution, integer=True, minimum=2)
        digit_indices = _check_indices(
            "digit_indices",
            first_of_each_class(labels)[:3] if digit_indices is None else digit_indices,
            n,
        )
        grids = []
        for i in digit_indices:
            g = posterior_on_grid(
                vae_log_joint(model, images[i].to(model.device).float()), resolution=resolution
            )
            lp = g.log_posterior  # (n, n), [i, j] at (z1[i], z2[j])
            density = torch.round(255 * torch.exp(lp - lp.max())).numpy().ravel()
            grids.append(
                {
                    "n": len(g.z1),
                    "density": pack_uint8(density),
                    "z1": [float(g.z1[0]), float(g.z1[-1])],
                    "z2": [float(g.z2[0]), float(g.z2[-1])],
                    "view": _view_box(g, lp),
                    "log_px": round(g.log_px, 4),
                    "mean": _rounded(g.mean()),
                    "std": _rounded(_posterior_std(g)),
                }
            )
        super().__init__(
            model, images, labels, digit_indices, kind="posterior", posteriors=grids, **kwargs
        )
        if not self.z:
            self.z = list(grids[self.digit]["mean"])


class LatentTraversal(_DecoderWidget):
    """One slider per latent dimension, starting at a test digit's code mu(x)."""

    span = traitlets.Float(3.0).tag(sync=True)  # each slider covers mu_i +- span
    activity = traitlets.List(traitlets.Float()).tag(sync=True)  # average KL per dimension, nats

    @torch.no_grad()
    def __init__(
        self,
        model,
        images: Tensor,
        labels: Tensor,
        digit_indices: Sequence[int] | None = None,
        span: float = 3.0,
        activity_images: int = 1000,
        **kwargs,
    ) -> None:
        _check_data(model, images, labels)
        _check_number("span", span)
        _check_number("activity_images", activity_images, integer=True)
        x = (
            images[:activity_images]
            .to(model.device)
            .reshape(min(activity_images, len(images)), -1)
            .float()
        )
        mu, logvar = model.encode(x)  # (N, Z)
        # Eq. (11) per dimension, averaged over the images: near 0 means the dimension is unused.
        kl = kl_closed_form(mu.unsqueeze(-1), logvar.unsqueeze(-1)).mean(0)  # (N, Z, 1) -> (Z,)
        super().__init__(
            model,
            images,
            labels,
            digit_indices,
            kind="traversal",
            span=span,
            activity=_rounded(kl, 3),
            **kwargs,
        )
        if not self.z:
            self.z = list(self.digits[self.digit]["mu"])


PATHS = ("lerp", "slerp")  # the Interpolation's two paths between codes


class Interpolation(_DecoderWidget):
    """Walk from one test digit's code mu(a) to another's, mu(b), along the straight line
    (path="lerp") or the great circle (path="slerp", `vae_core.aggregate.slerp`); the reader
    switches between the two, and the browser computes either path."""

    a = traitlets.Int(0).tag(sync=True)  # index into `digits`
    b = traitlets.Int(1).tag(sync=True)
    t = traitlets.Float(0.5).tag(sync=True)
    steps = traitlets.Int(9).tag(sync=True)
    path = traitlets.Unicode("lerp").tag(sync=True)  # "lerp" or "slerp"

    def __init__(
        self,
        model,
        images: Tensor,
        labels: Tensor,
        digit_indices: Sequence[int] | None = None,
        **kwargs,
    ) -> None:
        _check_number("steps", kwargs.get("steps", 9), integer=True, minimum=2)
        t = kwargs.get("t", 0.5)
        _check_number("t", t, positive=False)
        if not 0 <= t <= 1:
            raise ValueError(f"t must be in [0, 1] (0 at the first code, 1 at the second), got {t}")
        path = kwargs.get("path", "lerp")
        if path not in PATHS:
            raise ValueError(
                f"path must be one of {', '.join(map(repr, PATHS))} (the straight line or the "
                f"great circle between the two codes), got {path!r}"
            )
        super().__init__(model, images, labels, digit_indices, kind="interpolation", **kwargs)
        for key in ("a", "b"):
            value = getattr(self, key)
            if not 0 <= value < len(self.digits):
                raise ValueError(
                    f"{key} must index the digits to pick from (0 to "
                    f"{len(self.digits) - 1}), got {value}"
                )


def page_weight(widget: _DecoderWidget) -> dict[str, int]:
    """Bytes this widget adds to a page's embedded state: its own model, and its decoder's."""
    import json

    from ipywidgets.widgets.widget import _remove_buffers

    def size(w) -> int:
        state, _, _ = _remove_buffers(w.get_state())
        return len(json.dumps(state, separators=(",", ":")))

    out = {"view_state": size(widget), "code": len(widget._esm) + len(widget._css)}
    out["decoder_state"] = size(widget.decoder) if widget.decoder is not None else 0
    return out


__all__ = [
    "DecoderWeights",
    "decoder_weights",
    "LatentPlane",
    "PosteriorView",
    "LatentTraversal",
    "Interpolation",
    "page_weight",
    "first_of_each_class",
    "plane_extent",
    "pack_float16",
    "pack_uint8",
]
