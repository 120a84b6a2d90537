"""FitQ: fit a diagonal Gaussian q to one digit's true posterior by hand (Z = 2).

The posterior is computed here once, on a grid (`posterior_on_grid`, as PosteriorView does),
and shipped to the page as log p(z|x) at the grid points (float32). The page moves q's mean and
its two standard deviations and recomputes, with no kernel, the grid quadrature of
`inference_gaps.grid_elbo`:

    ELBO(q) = sum_c q_c [log p(x, z_c) - log(q_c / h^2)],   KL(q || p(z|x)) = log p(x) - ELBO(q)

(q_c: q's density at the cells, renormalized to sum to 1), so log p(x) = ELBO + KL on screen at
every q. `readouts` computes the same numbers in Python from the same float32 values (the tests
hold the two sides equal). The buttons put q at the encoder's output and at the best diagonal
Gaussian on this grid (`fit_gaussians` on `grid_elbo`, started at the encoder's output).

Shapes: N grid points per axis.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import traitlets
from torch import Tensor

from ..grid import posterior_on_grid, vae_log_joint
from ..inference_gaps import GridBatch, fit_gaussians, grid_elbo
from .latent import _check_data, _check_number, _DecoderWidget, _require_2d, _view_box, pack_uint8


def pack_float32(values) -> str:
    """Numbers -> base64 of little-endian float32 (what base64ToFloats(..., "float32") reads)."""
    import base64

    return base64.b64encode(np.asarray(values, dtype="<f4").tobytes()).decode("ascii")


class FitQ(_DecoderWidget):
    """Drag q's mean and set its two standard deviations; read ELBO(q), KL(q || p(z|x)), log p(x)."""

    grid = traitlets.Dict().tag(sync=True)  # the posterior on the grid, see the module docstring
    encoder_q = traitlets.Dict().tag(sync=True)  # {"mu": [2], "logvar": [2]}
    best_q = traitlets.Dict().tag(sync=True)
    q_mu = traitlets.List(traitlets.Float()).tag(sync=True)  # the q on screen
    q_logvar = traitlets.List(traitlets.Float()).tag(sync=True)

    @torch.no_grad()
    def __init__(
        self,
        model,
        images: Tensor,
        labels: Tensor,
        digit_index: int = 0,
        resolution: int = 81,
        fit_steps: int = 400,
        **kwargs,
    ) -> None:
        n = _check_data(model, images, labels)
        _require_2d(model, "FitQ")
        _check_number("digit_index", digit_index, positive=False, integer=True, minimum=0)
        if digit_index >= n:
            raise ValueError(
                f"digit_index must index the {n} images (0 to {n - 1}), got {digit_index}"
            )
        _check_number("resolution", resolution, integer=True, minimum=11)
        _check_number("fit_steps", fit_steps, integer=True, minimum=0)
        x = images[digit_index].to(model.device).reshape(1, -1).float()  # (1, D)
        mu, logvar = (t[0].double().cpu() for t in model.encode(x))  # (2,) each
        g = posterior_on_grid(vae_log_joint(model, x[0]), resolution=resolution, cover=(mu, logvar))
        # What the page gets: log p(z|x) as float32; everything below uses these rounded values.
        log_post = torch.from_numpy(g.log_posterior.numpy().astype(np.float32)).double()
        self._batch = GridBatch(
            log_joint=(log_post + g.log_px)[None],
            z1=g.z1[None],
            z2=g.z2[None],
            log_cell=torch.tensor([math.log(g.cell_area)], dtype=torch.float64),
            log_px=torch.tensor([g.log_px], dtype=torch.float64),
        )
        with torch.enable_grad():
            fit = fit_gaussians(
                lambda m, lv: grid_elbo(self._batch, m, lv)[0],
                mu[None],
                logvar[None],
                steps=fit_steps,
                lr=0.02,
            )
        density = torch.round(255 * torch.exp(log_post - log_post.max())).numpy().ravel()
        grid = {
            "n": len(g.z1),
            "z1": [float(g.z1[0]), float(g.z1[-1])],
            "z2": [float(g.z2[0]), float(g.z2[-1])],
            "log_post": pack_float32(log_post.numpy().ravel()),  # [i, j] at (z1[i], z2[j])
            "density": pack_uint8(density),
            "log_px": float(g.log_px),
            "view": _view_box(g, log_post, floor=12.0, pad=0.6),
        }
        encoder_q = {"mu": mu.tolist(), "logvar": logvar.tolist()}
        best_q = {"mu": fit.mu[0].tolist(), "logvar": fit.logvar[0].tolist()}
        kwargs.setdefault("q_mu", encoder_q["mu"])
        kwargs.setdefault("q_logvar", encoder_q["logvar"])
        super().__init__(
            model,
            images,
            labels,
            [digit_index],
            kind="fitq",
            grid=grid,
            encoder_q=encoder_q,
            best_q=best_q,
            **kwargs,
        )

    def readouts(self, mu=None, logvar=None) -> dict[str, float]:
        """ELBO(q), KL(q || p(z|x)) and log p(x) for q = N(mu, diag e^logvar), by the page's
        quadrature; by default for the q on screen."""
        mu = torch.tensor(self.q_mu if mu is None else mu, dtype=torch.float64)
        logvar = torch.tensor(self.q_logvar if logvar is None else logvar, dtype=torch.float64)
        elbo, kl = grid_elbo(self._batch, mu.reshape(1, 2), logvar.reshape(1, 2))
        return {"elbo": float(elbo[0]), "kl": float(kl[0]), "log_px": float(self._batch.log_px[0])}


__all__ = ["FitQ", "pack_float32"]
