"""The beta explorer: one slider over the shipped beta family (chapter 11), live with no kernel.

For the model the slider picks, the front end (src/beta.js, in widgets.bundle.js) draws its point
on the rate-distortion plane among all the family's points, with the lines of equal ELBO; decodes
a few test digits from their codes mu(x); and decodes a grid of latent points (the decoded
manifold). Every image is decoded in the browser from the model's weights, carried in the widget
state by one `DecoderWeights` per model, as the latent-space widgets do (latent.py). What needs
the encoder (the codes) or many test digits (the share of codes inside the grid) is computed here,
in Python, once; the rates, distortions and log p(x) come from the family's cards.

Shapes: N images, D pixels, G grid points per axis, M models on the slider.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence

import anywidget
import ipywidgets
import numpy as np
import torch
import traitlets
from torch import Tensor

from .export import DecoderExportError
from .latent import (
    CSS,
    ESM,
    DecoderWeights,
    _check_data,
    _check_indices,
    _check_number,
    _rounded,
    decoder_weights,
    first_of_each_class,
    pack_uint8,
)

GRID_SIZES = range(2, 17)  # G: the manifold is G x G decoded images
LINE_STEPS = (0.0, 20.0, 40.0)  # the lines R + D = best + step, as chapter 11 draws them
CLOSE_UP_STEPS = (0.0, 5.0, 10.0)  # the same in the close-up on the slider's models


CARD_FIELDS = ("member", "rate", "distortion", "test_log_px", "test_log_px_samples", "active_units")


def _check_members(members) -> list[tuple[str, object, object]]:
    """members: name -> (model, card), as family.load_family returns them. (The widgets know
    nothing of training, so a card is checked by its fields, not its class.)"""
    if not isinstance(members, Mapping):
        raise TypeError(
            "members must be a mapping name -> (model, card), as family.load_family() returns, "
            f"got {type(members).__name__}"
        )
    out = []
    for name, entry in members.items():
        if not (
            isinstance(entry, tuple)
            and len(entry) == 2
            and all(hasattr(entry[1], f) for f in CARD_FIELDS)
        ):
            raise TypeError(
                f"members[{name!r}] must be a (model, family.FamilyCard) pair, got "
                f"{type(entry).__name__}"
            )
        out.append((name, entry[0], entry[1]))
    return out


def _plain(card) -> bool:
    """A member of the beta family proper: no warm-up, no free bits."""
    return not (card.member.kl_warmup_epochs or card.member.free_bits)


def manifold_grid(size: int) -> list[float]:
    """G latent values per axis at the prior's quantiles (k + 1/2) / G, k = 0..G-1: each cell of
    the G x G grid holds the same prior mass. (G,) floats, rounded to 4 decimals."""
    _check_number("grid_size", size, integer=True, minimum=2)
    u = (torch.arange(size, dtype=torch.float64) + 0.5) / size  # (G,)
    return _rounded(torch.special.ndtri(u))


@torch.no_grad()
def _share_inside(model, x: Tensor, edge: float) -> float:
    """The share of the images whose code mu(x) lies in the square [-edge, edge]^2."""
    mu, _ = model.encode(x)  # (N, 2)
    return float((mu.abs() <= edge).all(dim=1).float().mean())


class BetaExplorer(anywidget.AnyWidget):
    """A slider over the plain beta family at one latent size (Z = 2 by default).

    members: the mapping family.load_family() returns (name -> (model, card)); the slider takes
    its plain members (no warm-up, no free bits) with `latent_dim`, in order of beta, and the
    rate-distortion plane shows every plain member, of every latent size. images (N, D) and
    labels (N,): the test digits; digit_indices picks those shown (default: the first of each
    class); the share of codes inside the manifold's grid is measured on the first
    `share_images` of them. beta: the model shown first.
    """

    _esm = ESM
    _css = CSS
    kind = traitlets.Unicode("beta").tag(sync=True)
    decoders = traitlets.List(traitlets.Instance(DecoderWeights)).tag(
        sync=True, **ipywidgets.widget_serialization
    )  # (M,): one per slider position
    models = traitlets.List(traitlets.Dict()).tag(sync=True)  # (M,): readouts and codes
    points = traitlets.List(traitlets.Dict()).tag(sync=True)  # every plain member on the plane
    digits = traitlets.List(traitlets.Dict()).tag(sync=True)  # (N,): index, label, pixels
    grid = traitlets.List(traitlets.Float()).tag(sync=True)  # (G,): z values per axis
    # The plane's two views, the whole family as chapter 11 draws it and a close-up on the
    # slider's models: each {"name", "bounds": {"rate": [lo, hi], "distortion": [lo, hi]},
    # "lines": [c of the lines R + D = c], "legend"}.
    planes = traitlets.List(traitlets.Dict()).tag(sync=True)
    close_up = traitlets.Bool(False).tag(sync=True)  # which view is shown
    share_images = traitlets.Int().tag(sync=True)
    index = traitlets.Int(0).tag(sync=True)  # the slider position

    @torch.no_grad()
    def __init__(
        self,
        members,
        images: Tensor,
        labels: Tensor,
        digit_indices: Sequence[int] | None = None,
        latent_dim: int = 2,
        grid_size: int = 9,
        beta: float = 1.0,
        share_images: int = 10_000,
        dtype: str = "float16",
        **kwargs,
    ) -> None:
        entries = [e for e in _check_members(members) if _plain(e[2])]
        _check_number("latent_dim", latent_dim, integer=True)
        if latent_dim != 2:
            raise ValueError(
                "latent_dim must be 2: the explorer decodes a grid over the latent plane, "
                f"got {latent_dim}"
            )
        slider = sorted(
            (e for e in entries if e[2].member.latent_dim == latent_dim),
            key=lambda e: e[2].member.beta,
        )
        if len(slider) < 2:
            raise ValueError(
                f"members must hold at least two plain members with latent_dim {latent_dim} "
                f"(no warm-up, no free bits) for the slider, got {len(slider)}"
            )
        n = _check_data(slider[0][1], images, labels)
        digit_indices = _check_indices(
            "digit_indices",
            first_of_each_class(labels) if digit_indices is None else digit_indices,
            n,
        )
        if grid_size not in GRID_SIZES or isinstance(grid_size, bool):
            raise ValueError(
                f"grid_size must be an integer from {GRID_SIZES.start} to "
                f"{GRID_SIZES.stop - 1} (a G x G grid of images), got {grid_size!r}"
            )
        _check_number("share_images", share_images, integer=True)
        _check_number("beta", beta)
        betas = [e[2].member.beta for e in slider]
        if beta not in betas:
            raise ValueError(f"beta must be one of the slider's betas {betas}, got {beta!r}")
        grid = manifold_grid(grid_size)
        x_share = images[:share_images].reshape(min(share_images, n), -1).float()  # (N', D)
        x_shown = images[digit_indices].reshape(len(digit_indices), -1).float()  # (N, D)
        decoders, models = [], []
        for name, model, card in slider:
            try:
                decoders.append(decoder_weights(model, dtype))
            except DecoderExportError as err:
                raise DecoderExportError(
                    f"members[{name!r}]: the browser cannot run this decoder ({err})"
                ) from None
            mu, _ = model.encode(x_shown.to(model.device))  # (N, 2)
            models.append(
                {
                    "name": name,
                    "beta": card.member.beta,
                    "rate": card.rate,
                    "distortion": card.distortion,
                    "log_px": card.test_log_px,
                    "log_px_samples": card.test_log_px_samples,
                    "active": card.active_units(),
                    "latent_dim": card.member.latent_dim,
                    "codes": [_rounded(m) for m in mu.cpu()],
                    "inside": round(_share_inside(model, x_share.to(model.device), grid[-1]), 4),
                }
            )
        points = [
            {
                "name": name,
                "beta": card.member.beta,
                "latent_dim": card.member.latent_dim,
                "rate": card.rate,
                "distortion": card.distortion,
            }
            for name, _, card in sorted(
                entries, key=lambda e: (e[2].member.latent_dim, e[2].member.beta)
            )
        ]
        super().__init__(
            decoders=decoders,
            models=models,
            points=points,
            digits=[
                {
                    "index": int(i),
                    "label": int(labels[i]),
                    "pixels": pack_uint8(torch.round(x_shown[k] * 255).cpu().numpy()),
                }
                for k, i in enumerate(digit_indices)
            ],
            grid=grid,
            planes=[
                {
                    "name": "every model",
                    "bounds": plane_bounds(points),
                    "lines": elbo_lines(points),
                    "legend": "dashed: equal ELBO \u2212(D + R), through the best model and "
                    "20 and 40 nats worse",
                },
                {
                    "name": f"close-up on Z = {latent_dim}",
                    "bounds": plane_bounds(models, margins=(3.0, 5.0)),
                    "lines": elbo_lines(models, CLOSE_UP_STEPS),
                    "legend": f"dashed: equal ELBO \u2212(D + R), through the best Z = "
                    f"{latent_dim} model and 5 and 10 nats worse",
                },
            ],
            share_images=min(share_images, n),
            index=betas.index(beta),
            **kwargs,
        )

    def page_weight(self) -> dict[str, int]:
        """Bytes this widget adds to a page's embedded state: its own model (of which `code`
        is the bundle and CSS) and its decoders' models."""
        from ipywidgets.widgets.widget import _remove_buffers

        def size(w) -> int:
            state, _, _ = _remove_buffers(w.get_state())
            return len(json.dumps(state, separators=(",", ":")))

        return {
            "view_state": size(self),
            "code": len(self._esm) + len(self._css),
            "decoder_state": sum(size(d) for d in self.decoders),
        }


def elbo_lines(points: list[dict], steps: Sequence[float] = LINE_STEPS) -> list[float]:
    """The constants c of the lines R + D = c (equal ELBO) through the best point (lowest
    R + D) and `steps` nats worse: 20 and 40 by default, as chapter 11 draws them."""
    best = min(p["rate"] + p["distortion"] for p in points)
    return [round(best + step, 4) for step in steps]


def plane_bounds(
    points: list[dict], margins: tuple[float, float] = (10.0, 15.0)
) -> dict[str, list[float]]:
    """The plane's extent as chapter 11's figure sets it: R from 0 to 1.05 max R, D from
    margins[0] nats below the lowest to margins[1] above the highest."""
    rates = [p["rate"] for p in points]
    dists = [p["distortion"] for p in points]
    if not all(math.isfinite(v) for v in rates + dists):
        raise ValueError("every member's card must hold a finite rate and distortion")
    return {
        "rate": [0.0, round(max(rates) * 1.05, 4)],
        "distortion": [round(min(dists) - margins[0], 4), round(max(dists) + margins[1], 4)],
    }


def reconstructions(explorer: BetaExplorer, index: int) -> np.ndarray:
    """What the front end draws for slider position `index`: the pixel probabilities decoded
    from the state's weights at the shown digits' codes, (N, D), via export.forward."""
    from .export import _sigmoid, forward

    payload = explorer.decoders[index].payload
    return _sigmoid(forward(payload, np.array(explorer.models[index]["codes"], dtype=np.float32)))


def manifold(explorer: BetaExplorer, index: int) -> np.ndarray:
    """The G x G decoded images the front end draws, (G * G, D), row by row from the top
    (largest z2) and, in a row, from the left (smallest z1)."""
    from .export import _sigmoid, forward

    g = explorer.grid
    z = np.array([[z1, z2] for z2 in reversed(g) for z1 in g], dtype=np.float32)  # (G*G, 2)
    return _sigmoid(forward(explorer.decoders[index].payload, z))


__all__ = ["BetaExplorer", "elbo_lines", "manifold", "manifold_grid", "plane_bounds"]
