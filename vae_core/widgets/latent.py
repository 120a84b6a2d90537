"""Latent-space widgets: LatentPlane, PosteriorView, LatentTraversal, Interpolation.

Each is an anywidget whose front end (decoder.js + widgets.js) decodes latent points in the
browser from the decoder's weights, carried in the widget state by a shared `DecoderWeights`
model. So the same object is live in Jupyter/Colab with a kernel and in the static book without
one. Everything that needs the encoder or the grid is computed here, in Python, once.

The widgets take a trained model (any VAE that vae_core builds); they know nothing of training.
For a decoder that export_decoder cannot turn into weights, they say so and decode in Python
through the kernel instead.

Shapes: N images, D pixels, Z latent dimensions.
"""
from __future__ import annotations

import base64
from pathlib import Path

import anywidget
import ipywidgets
import numpy as np
import torch
import traitlets
from torch import Tensor

from ..grid import posterior_on_grid, vae_log_joint
from ..objective import kl_closed_form
from .export import DecoderExportError, decode_logits, export_decoder

HERE = Path(__file__).parent
ESM = (HERE / "decoder.js").read_text() + "\n" + (HERE / "widgets.js").read_text()
CSS = (HERE / "widgets.css").read_text()


class DecoderWeights(ipywidgets.Widget):
    """A state-only widget model holding one decoder's payload, shared by every view of it."""

    payload = traitlets.Dict().tag(sync=True)


_SHARED: dict[int, tuple[tuple, DecoderWeights]] = {}


def decoder_weights(model, dtype: str = "float16") -> DecoderWeights:
    """The DecoderWeights of model.decoder, made once per set of parameter values.

    Raises DecoderExportError for a decoder the browser cannot run.
    """
    decoder = model.decoder
    version = tuple(p._version for p in decoder.parameters()) + (dtype,)
    key = id(decoder)
    if key in _SHARED and _SHARED[key][0] == version:
        return _SHARED[key][1]
    weights = DecoderWeights(payload=export_decoder(decoder, dtype=dtype))
    _SHARED[key] = (version, weights)
    return weights


def pack_float16(values) -> str:
    """Numbers -> base64 of little-endian float16 (what float16List in widgets.js reads)."""
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
    return [{"index": int(i), "label": int(labels[i]),
             "pixels": pack_uint8(torch.round(x[k] * 255).cpu().numpy()),
             "mu": _rounded(mu[k]), "logvar": _rounded(logvar[k])}
            for k, i in enumerate(indices)]


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
        sync=True, **ipywidgets.widget_serialization)
    fallback = traitlets.Unicode("").tag(sync=True)  # why decoding happens in Python, if it does
    digits = traitlets.List(traitlets.Dict()).tag(sync=True)
    digit = traitlets.Int(0).tag(sync=True)  # index into `digits`
    z = traitlets.List(traitlets.Float()).tag(sync=True)
    _request = traitlets.Dict().tag(sync=True)  # front end -> Python, fallback only
    _reply = traitlets.Dict().tag(sync=True)  # Python -> front end, fallback only

    def __init__(self, model, images: Tensor, labels: Tensor, digit_indices=None,
                 dtype: str = "float16", **kwargs) -> None:
        if digit_indices is None:
            digit_indices = first_of_each_class(labels)
        try:
            weights, fallback = decoder_weights(model, dtype), ""
        except DecoderExportError as err:
            weights, fallback = None, str(err)
        super().__init__(decoder=weights, fallback=fallback,
                         latent_dim=model.config.latent_dim,
                         digits=_digit_entries(model, images, labels, digit_indices), **kwargs)
        self._torch_decoder = model.decoder
        if weights is None:
            self.observe(self._decode_in_python, "_request")

    @property
    def browser_decoding(self) -> bool:
        return self.decoder is not None

    def _decode_in_python(self, change) -> None:
        request = change["new"]
        z = torch.tensor(request["z"], dtype=torch.float32)  # (P, Z)
        logits = decode_logits(self._torch_decoder, z).numpy().astype("<f4")  # (P, D)
        self._reply = {"seq": request["seq"], "count": len(z),
                       "logits": base64.b64encode(logits.tobytes()).decode("ascii")}


def _require_2d(model, name: str) -> None:
    if model.config.latent_dim != 2:
        raise ValueError(f"{name} needs a model with latent_dim 2, got {model.config.latent_dim}")


class LatentPlane(_DecoderWidget):
    """The 2-D latent plane: encoded test digits by class; drag a point to decode it."""

    points = traitlets.Dict().tag(sync=True)
    extent = traitlets.Float(4.0).tag(sync=True)

    @torch.no_grad()
    def __init__(self, model, images: Tensor, labels: Tensor, n_points: int = 2000,
                 extent: float = 4.0, digit_indices=None, **kwargs) -> None:
        _require_2d(model, "LatentPlane")
        x = images[:n_points].to(model.device).reshape(min(n_points, len(images)), -1).float()
        mu, _ = model.encode(x)  # (N, 2)
        mu = mu.cpu().numpy()
        points = {"z1": pack_float16(mu[:, 0]), "z2": pack_float16(mu[:, 1]),
                  "labels": pack_uint8(labels[:n_points].cpu().numpy())}
        super().__init__(model, images, labels, digit_indices, kind="plane", points=points,
                         extent=extent, **kwargs)
        if not self.z:
            self.z = list(self.digits[self.digit]["mu"])


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
    def __init__(self, model, images: Tensor, labels: Tensor, digit_indices=None,
                 resolution: int = 101, **kwargs) -> None:
        _require_2d(model, "PosteriorView")
        if digit_indices is None:
            digit_indices = first_of_each_class(labels)[:3]
        grids = []
        for i in digit_indices:
            g = posterior_on_grid(vae_log_joint(model, images[i].to(model.device).float()),
                                  resolution=resolution)
            lp = g.log_posterior  # (n, n), [i, j] at (z1[i], z2[j])
            density = torch.round(255 * torch.exp(lp - lp.max())).numpy().ravel()
            grids.append({"n": len(g.z1), "density": pack_uint8(density),
                          "z1": [float(g.z1[0]), float(g.z1[-1])],
                          "z2": [float(g.z2[0]), float(g.z2[-1])],
                          "view": _view_box(g, lp),
                          "log_px": round(g.log_px, 4),
                          "mean": _rounded(g.mean()), "std": _rounded(_posterior_std(g))})
        super().__init__(model, images, labels, digit_indices, kind="posterior",
                         posteriors=grids, **kwargs)
        if not self.z:
            self.z = list(grids[self.digit]["mean"])


class LatentTraversal(_DecoderWidget):
    """One slider per latent dimension, starting at a test digit's code mu(x)."""

    span = traitlets.Float(3.0).tag(sync=True)  # each slider covers mu_i +- span
    activity = traitlets.List(traitlets.Float()).tag(sync=True)  # average KL per dimension, nats

    @torch.no_grad()
    def __init__(self, model, images: Tensor, labels: Tensor, digit_indices=None,
                 span: float = 3.0, activity_images: int = 1000, **kwargs) -> None:
        x = images[:activity_images].to(model.device).reshape(
            min(activity_images, len(images)), -1).float()
        mu, logvar = model.encode(x)  # (N, Z)
        # Eq. (11) per dimension, averaged over the images: near 0 means the dimension is unused.
        kl = kl_closed_form(mu.unsqueeze(-1), logvar.unsqueeze(-1)).mean(0)  # (N, Z, 1) -> (Z,)
        super().__init__(model, images, labels, digit_indices, kind="traversal", span=span,
                         activity=_rounded(kl, 3), **kwargs)
        if not self.z:
            self.z = list(self.digits[self.digit]["mu"])


class Interpolation(_DecoderWidget):
    """Walk the straight line between two test digits' codes mu(a) and mu(b)."""

    a = traitlets.Int(0).tag(sync=True)  # index into `digits`
    b = traitlets.Int(1).tag(sync=True)
    t = traitlets.Float(0.5).tag(sync=True)
    steps = traitlets.Int(9).tag(sync=True)

    def __init__(self, model, images: Tensor, labels: Tensor, digit_indices=None,
                 **kwargs) -> None:
        super().__init__(model, images, labels, digit_indices, kind="interpolation", **kwargs)


def page_weight(widget: _DecoderWidget) -> dict[str, int]:
    """Bytes this widget adds to a page's embedded state: its own model, and its decoder's."""
    from ipywidgets.widgets.widget import _remove_buffers
    import json

    def size(w) -> int:
        state, _, _ = _remove_buffers(w.get_state())
        return len(json.dumps(state, separators=(",", ":")))

    out = {"view_state": size(widget), "code": len(widget._esm) + len(widget._css)}
    out["decoder_state"] = size(widget.decoder) if widget.decoder is not None else 0
    return out


__all__ = ["DecoderWeights", "decoder_weights", "LatentPlane", "PosteriorView",
           "LatentTraversal", "Interpolation", "page_weight", "first_of_each_class",
           "pack_float16", "pack_uint8"]
