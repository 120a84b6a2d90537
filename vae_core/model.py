"""The model: an MLP encoder x -> q(z|x) (Eq. 4), an MLP decoder z -> Bernoulli logits, and the VAE
that joins them with the reparameterization trick (Eq. 9).

Shapes: B batch, D pixels, H hidden units, Z latent dimensions, K samples per image.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from . import kernels
from ._validate import (
    check_gaussian,
    check_generator,
    check_positive_int,
    check_same_device,
    check_same_shape,
    check_tensor,
)
from .config import IMAGE_SHAPE, VAEConfig

_IMAGE = ", ".join(map(str, IMAGE_SHAPE))  # "1, 28, 28"


def _mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i > 0:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


class Encoder(nn.Module):
    """q_phi(z|x) = N(mu_phi(x), diag(sigma^2_phi(x)))  -- Eq. (4)."""

    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.config = config
        last = config.hidden[-1] if config.hidden else config.data_dim
        self.trunk = (
            nn.Sequential(_mlp([config.data_dim, *config.hidden]), nn.ReLU())
            if config.hidden
            else nn.Identity()
        )
        self.fc_mu = nn.Linear(last, config.latent_dim)
        self.fc_logvar = nn.Linear(last, config.latent_dim)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """x (B, D) -> mu, logvar (B, Z): the parameters of q(z|x), Eq. (4)."""
        h = self.trunk(x)  # (B, D) -> (B, H)
        return self.fc_mu(h), self.fc_logvar(h)  # (B, Z), (B, Z)


class Decoder(nn.Module):
    """z -> logits of p_theta(x|z) = prod_d Bernoulli(x_d | sigmoid(logits_d))."""

    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.config = config
        self.net = _mlp([config.latent_dim, *reversed(config.hidden), config.data_dim])

    def forward(self, z: Tensor) -> Tensor:
        """z (..., Z) -> Bernoulli logits (..., D)."""
        return self.net(z)  # (..., Z) -> (..., D) logits


class VAEOutput(NamedTuple):
    """What one forward pass computes."""

    logits: Tensor  # (B, D) decoder logits at z
    mu: Tensor  # (B, Z)
    logvar: Tensor  # (B, Z)
    z: Tensor  # (B, Z)


def reparameterize(
    mu: Tensor, logvar: Tensor, eps: Tensor | None = None, generator: torch.Generator | None = None
) -> Tensor:
    """Eq. (9): z = mu + sigma * eps with eps ~ N(0, I) and sigma = exp(logvar / 2).

    mu, logvar (..., Z); `eps` (same shape) is drawn from `generator` when not given.
    """
    check_gaussian(mu, logvar)
    check_generator("generator", generator)
    if eps is None:
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    else:
        check_tensor("eps", eps)
        check_same_shape("eps", eps, "mu", mu)
        check_same_device("eps", eps, "mu", mu)
    return kernels.reparameterize(mu, logvar, eps)  # (..., Z)


class VAE(nn.Module):
    """Variational autoencoder with Bernoulli pixels and a N(0, I) prior."""

    def __init__(self, config: VAEConfig | None = None) -> None:
        super().__init__()
        self.config = config if config is not None else VAEConfig()
        if not isinstance(self.config, VAEConfig):
            raise TypeError(f"config must be a VAEConfig, got {type(self.config).__name__}")
        self.encoder = Encoder(self.config)
        self.decoder = Decoder(self.config)

    @property
    def device(self) -> torch.device:
        """Where the parameters live."""
        return next(self.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        """The parameters' floating dtype; inputs must match it."""
        return next(self.parameters()).dtype

    def check_architecture(self) -> None:
        """Raise ValueError if the encoder and decoder no longer fit `config` (a part replaced)."""
        cfg = self.config
        for name in ("fc_mu", "fc_logvar"):
            layer = getattr(self.encoder, name, None)
            if isinstance(layer, nn.Linear) and layer.out_features != cfg.latent_dim:
                raise ValueError(
                    f"model.encoder.{name} must output latent_dim={cfg.latent_dim} values, got "
                    f"out_features={layer.out_features}: build the encoder and decoder from one "
                    f"VAEConfig"
                )
        enc = [m for m in self.encoder.modules() if isinstance(m, nn.Linear)]
        if enc and enc[0].in_features != cfg.data_dim:
            raise ValueError(
                f"model.encoder's first layer must take data_dim={cfg.data_dim} pixels, got "
                f"in_features={enc[0].in_features}"
            )
        dec = [m for m in self.decoder.modules() if isinstance(m, nn.Linear)]
        if dec and dec[0].in_features != cfg.latent_dim:
            raise ValueError(
                f"model.decoder's first layer must take latent_dim={cfg.latent_dim} inputs (what "
                f"the encoder produces), got in_features={dec[0].in_features}: the encoder and "
                f"decoder sizes do not match; build both from one VAEConfig"
            )
        if dec and dec[-1].out_features != cfg.data_dim:
            raise ValueError(
                f"model.decoder must output data_dim={cfg.data_dim} logits per image, but its "
                f"last layer has out_features={dec[-1].out_features}"
            )

    def flatten(self, x: Tensor, name: str = "x") -> Tensor:
        """Accept (B, D) or images (B, 1, 28, 28) / (B, 28, 28); return (B, D), checked."""
        self.check_architecture()
        if isinstance(x, Tensor) and x.dim() < 2:
            raise ValueError(
                f"{name} must be a batch, (B, {self.config.data_dim}) or images (B, {_IMAGE}), "
                f"got shape {tuple(x.shape)}; for a single image use {name}.unsqueeze(0)"
            )
        check_tensor(name, x, ndim=(2, 3, 4))
        x = x.reshape(x.shape[0], -1)  # (B, D)
        if x.shape[1] != self.config.data_dim:
            raise ValueError(
                f"{name} must have {self.config.data_dim} pixels per image, got "
                f"{x.shape[1]} (shape {tuple(x.shape)})"
            )
        if x.device != self.device:
            raise ValueError(
                f"{name} is on {x.device} but the model is on {self.device}; "
                f"use {name}.to(model.device)"
            )
        if x.dtype != self.dtype:
            raise TypeError(
                f"{name} must have the model's dtype {self.dtype}, got {x.dtype}; convert with "
                f"{name}.to({self.dtype}) (NumPy arrays arrive as float64)"
            )
        return x

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Eq. (4): x (B, D) in [0, 1] -> (mu, logvar), each (B, Z), the parameters of q(z|x)."""
        return self.encoder(check_tensor("x", self.flatten(x), unit_interval=True))

    def reparameterize(
        self,
        mu: Tensor,
        logvar: Tensor,
        eps: Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        """The trick of Eq. (9) as a method (calls `vae_core.reparameterize`)."""
        return reparameterize(mu, logvar, eps, generator)

    def decode(self, z: Tensor) -> Tensor:
        """z (..., Z) -> Bernoulli logits (..., D)."""
        check_tensor("z", z, last_dim=self.config.latent_dim)
        if z.device != self.device:
            raise ValueError(
                f"z is on {z.device} but the model is on {self.device}; use z.to(model.device)"
            )
        if z.dtype != self.dtype:
            raise TypeError(
                f"z must have the model's dtype {self.dtype}, got {z.dtype}; "
                f"convert with z.to({self.dtype})"
            )
        logits = self.decoder(z)
        if logits.shape[-1] != self.config.data_dim:
            raise ValueError(
                f"model.decoder must output data_dim={self.config.data_dim} logits per image, "
                f"got shape {tuple(logits.shape)}"
            )
        return logits

    def forward(
        self, x: Tensor, eps: Tensor | None = None, generator: torch.Generator | None = None
    ) -> VAEOutput:
        """Encode (Eq. 4), sample z by Eq. (9) (with `eps` if given), decode to logits."""
        mu, logvar = self.encode(x)  # (B, Z) each
        z = self.reparameterize(mu, logvar, eps, generator)  # (B, Z)
        return VAEOutput(self.decoder(z), mu, logvar, z)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Draw z ~ N(0, I) and return the decoder's pixel means sigmoid(logits), (n, D)."""
        check_positive_int("n", n)
        check_generator("generator", generator)
        z = torch.randn(
            n, self.config.latent_dim, generator=generator, device=self.device, dtype=self.dtype
        )  # (n, Z)
        return torch.sigmoid(self.decoder(z))


def check_model(value: object, name: str = "model") -> VAE:
    """The VAE that the objective and estimators need, with its parts still fitting its config."""
    if not isinstance(value, VAE):
        raise TypeError(
            f"{name} must be a vae_core.VAE (e.g. VAE(VAEConfig())), got {type(value).__name__}"
        )
    value.check_architecture()
    return value


def sample_cost(model: VAE, x: Tensor) -> int:
    """Element operations per latent sample for the batch x (B, D): about B x D x H, the
    decoder's last layer, which dominates a forward pass (used to bound the work of K samples)."""
    return x.numel() * (model.config.hidden or (1,))[0]


def check_batch(model: object, x: object) -> Tensor:
    """A model and a batch of pixels in [0, 1] for it; returns x flattened to (B, D)."""
    check_model(model)
    return check_tensor("x", model.flatten(x), unit_interval=True)
