"""One way to draw digits: `plot_digits` lays out (N, D) pixel values as 28 x 28 images.

Every chapter draws its test digits, reconstructions and samples through this function, so they
all look alike (grey levels in [0, 1], ink dark on a light background) and stay legible on a
phone. matplotlib is imported only when a figure is drawn.

Shapes: N images, D pixels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from torch import Tensor

from ._validate import check_positive_float, check_positive_int, check_tensor
from .config import IMAGE_SHAPE


def _as_rows(images: Tensor | Mapping[str, Tensor], cols: int | None) -> dict[str, Tensor]:
    """{row label: (cols, D) images}; a single (N, D) tensor is cut into rows of `cols`."""
    if isinstance(images, Mapping):
        rows = {
            str(k): check_tensor(f"images[{k!r}]", v.detach(), ndim=(2, 3, 4), finite=False)
            for k, v in images.items()
        }
        if not rows:
            raise ValueError("images must hold at least one row, got an empty mapping")
        return {k: v.reshape(v.shape[0], -1) for k, v in rows.items()}
    check_tensor(
        "images",
        images.detach() if isinstance(images, Tensor) else images,
        ndim=(2, 3, 4),
        finite=False,
    )
    flat = images.detach().reshape(images.shape[0], -1)  # (N, D)
    cols = check_positive_int("cols", cols) if cols is not None else min(len(flat), 8)
    n_rows = math.ceil(len(flat) / cols)
    return {"" if n_rows == 1 else str(r): flat[r * cols : (r + 1) * cols] for r in range(n_rows)}


def plot_digits(
    images: Tensor | Mapping[str, Tensor],
    cols: int | None = None,
    *,
    titles: Sequence[str] | None = None,
    title: str | None = None,
    axes: Sequence | None = None,
    scale: float = 0.9,
):
    """Draw digits as a grid and return the matplotlib Figure (call plt.show() to display it).

    images: (N, D) or (N, 1, 28, 28) values in [0, 1], cut into rows of `cols` (default up to 8),
        or a mapping {row label: (n, D) images}, one labelled row each.
    titles: one short title per column (e.g. the digit's index); title: the figure's title.
    axes: draw into these Axes (one per image, row by row) instead of a new figure.
    scale: inches per image.
    """
    import matplotlib.pyplot as plt

    rows = _as_rows(images, cols)
    check_positive_float("scale", scale)
    n_cols = max(len(v) for v in rows.values())
    if titles is not None and len(titles) != n_cols:
        raise ValueError(f"titles must have one entry per column ({n_cols}), got {len(titles)}")
    if axes is None:
        fig, grid = plt.subplots(
            len(rows),
            n_cols,
            squeeze=False,
            dpi=80,
            figsize=(n_cols * scale, len(rows) * scale + (0.4 if title else 0)),
        )
    else:
        flat = list(getattr(axes, "flat", axes))
        need = sum(len(v) for v in rows.values())
        if len(flat) < need:
            raise ValueError(f"axes must hold one Axes per image ({need}), got {len(flat)}")
        grid = (
            [flat[:n_cols]]
            if len(rows) == 1
            else [flat[r * n_cols : (r + 1) * n_cols] for r in range(len(rows))]
        )
        fig = flat[0].figure
    side = IMAGE_SHAPE[-1]
    for r, (label, row) in enumerate(rows.items()):
        for c in range(n_cols):
            ax = grid[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(row):
                ax.set_axis_off()
                continue
            pixels = row[c].float().cpu().clamp(0, 1).reshape(side, side)
            ax.imshow(pixels, cmap="gray_r", vmin=0, vmax=1)
            if r == 0 and titles is not None:
                ax.set_title(titles[c], fontsize=9)
        if label:
            grid[r][0].set_ylabel(label, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
