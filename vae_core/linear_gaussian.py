"""A tractable reference model: linear-Gaussian latent variables (probabilistic PCA).

    p(z) = N(0, I_Z),   p(x|z) = N(W z + b, sigma^2 I_D)

Here Eq. (1) and Eq. (2) are exact in closed form,
    p(x) = N(b, W W^T + sigma^2 I),
    p(z|x) = N(S W^T (x - b) / sigma^2, S),  S = (I + W^T W / sigma^2)^-1,
so every bound in the book can be checked against the truth. The approximate posterior q is a
Gaussian N(m, C) with a full covariance C (Z, Z), so the exact posterior is inside the family.
Works in float64. Shapes: B batch, D data dimensions, Z latent dimensions, K samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.distributions import MultivariateNormal

from ._validate import (
    check_generator,
    check_positive_float,
    check_positive_int,
    check_tensor,
    check_work,
)
from .kernels import LOG_2PI, log_mean_exp, standard_normal_log_density


@dataclass(frozen=True)
class LinearGaussianModel:
    """p(z) = N(0, I), p(x|z) = N(W z + b, sigma^2 I): Eqs. (1) and (2) in closed form."""

    weight: Tensor  # W, (D, Z)
    bias: Tensor  # b, (D,)
    noise_std: float  # sigma

    def __post_init__(self) -> None:
        check_tensor("weight", self.weight, ndim=2)
        check_tensor("bias", self.bias, ndim=1)
        if self.bias.shape[0] != self.weight.shape[0]:
            raise ValueError(
                f"bias must have shape ({self.weight.shape[0]},) to match weight "
                f"{tuple(self.weight.shape)}, got {tuple(self.bias.shape)}"
            )
        check_positive_float("noise_std", self.noise_std)

    @classmethod
    def random(
        cls,
        data_dim: int,
        latent_dim: int,
        noise_std: float = 0.5,
        generator: torch.Generator | None = None,
    ) -> LinearGaussianModel:
        """A model with W and b drawn from N(0, 1), in float64."""
        check_positive_int("data_dim", data_dim)
        check_positive_int("latent_dim", latent_dim)
        check_generator("generator", generator)
        w = torch.randn(data_dim, latent_dim, generator=generator, dtype=torch.float64)
        b = torch.randn(data_dim, generator=generator, dtype=torch.float64)
        return cls(w, b, float(noise_std))

    @property
    def latent_dim(self) -> int:
        """Z, the number of latent dimensions."""
        return self.weight.shape[1]

    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """Run the generative story: z ~ p(z), x ~ p(x|z). Returns x (n, D), z (n, Z)."""
        check_positive_int("n", n)
        check_generator("generator", generator)
        z = torch.randn(n, self.latent_dim, generator=generator, dtype=self.weight.dtype)
        noise = torch.randn(n, self.weight.shape[0], generator=generator, dtype=self.weight.dtype)
        return z @ self.weight.T + self.bias + self.noise_std * noise, z

    def log_likelihood(self, x: Tensor, z: Tensor) -> Tensor:
        """log p(x|z), broadcasting x (..., D) against z (..., Z)."""
        resid = x - (z @ self.weight.T + self.bias)  # (..., D)
        d = self.weight.shape[0]
        return -0.5 * (
            d * (LOG_2PI + 2 * math.log(self.noise_std)) + resid.pow(2).sum(-1) / self.noise_std**2
        )

    def log_joint(self, x: Tensor, z: Tensor) -> Tensor:
        """log p(x, z) = log p(x|z) + log p(z)."""
        return self.log_likelihood(x, z) + standard_normal_log_density(z)

    def log_marginal(self, x: Tensor) -> Tensor:
        """Exact log p(x) of Eq. (1): log N(x | b, W W^T + sigma^2 I). x (B, D) -> (B,)."""
        check_tensor("x", x, ndim=2, last_dim=self.weight.shape[0])
        cov = self.weight @ self.weight.T + self.noise_std**2 * torch.eye(
            self.weight.shape[0], dtype=self.weight.dtype
        )
        return MultivariateNormal(self.bias, covariance_matrix=cov).log_prob(x)

    def posterior(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Exact p(z|x) of Eq. (2): mean (B, Z) and covariance (Z, Z) of p(z|x)."""
        check_tensor("x", x, ndim=2, last_dim=self.weight.shape[0])
        s2 = self.noise_std**2
        precision = (
            torch.eye(self.latent_dim, dtype=self.weight.dtype) + self.weight.T @ self.weight / s2
        )
        cov = torch.linalg.inv(precision)
        mean = (x - self.bias) @ self.weight @ cov / s2  # (B, Z); cov is symmetric
        return mean, cov

    def _check_q(self, x: Tensor, q_mean: Tensor, q_cov: Tensor) -> None:
        d, z_dim = self.weight.shape
        check_tensor("x", x, ndim=2, last_dim=d)
        check_tensor("q_mean", q_mean, ndim=2, last_dim=z_dim)
        if q_mean.shape[0] != x.shape[0]:
            raise ValueError(
                f"q_mean must have one row per row of x, shape ({x.shape[0]}, "
                f"{z_dim}), got {tuple(q_mean.shape)}"
            )
        check_tensor("q_cov", q_cov, ndim=(2, 3))
        if q_cov.shape[-2:] != (z_dim, z_dim) or (
            q_cov.dim() == 3 and q_cov.shape[0] != x.shape[0]
        ):
            raise ValueError(
                f"q_cov must have shape ({z_dim}, {z_dim}) or ({x.shape[0]}, {z_dim}, "
                f"{z_dim}), got {tuple(q_cov.shape)}"
            )
        if not torch.allclose(q_cov, q_cov.transpose(-1, -2), atol=1e-8, rtol=1e-6):
            raise ValueError(
                "q_cov must be a symmetric covariance matrix (e.g. A @ A.T + 1e-3 * I), "
                "got one that is not symmetric"
            )
        if bool((torch.linalg.cholesky_ex(q_cov).info != 0).any()):
            low = float(torch.linalg.eigvalsh(q_cov).min())
            raise ValueError(
                f"q_cov must be positive definite (all eigenvalues > 0; e.g. "
                f"A @ A.T + 1e-3 * I), got smallest eigenvalue {low:.3g}"
            )

    def elbo(self, x: Tensor, q_mean: Tensor, q_cov: Tensor) -> Tensor:
        """The ELBO of Eq. (8) in closed form for q = N(q_mean, q_cov): E_q[log p(x|z)] - KL(q || p(z))."""
        self._check_q(x, q_mean, q_cov)
        d, z_dim = self.weight.shape
        resid = x - (q_mean @ self.weight.T + self.bias)  # (B, D)
        trace = torch.einsum("dz,...zy,dy->...", self.weight, q_cov, self.weight)
        expected_ll = -0.5 * (
            d * (LOG_2PI + 2 * math.log(self.noise_std))
            + (resid.pow(2).sum(-1) + trace) / self.noise_std**2
        )
        kl = 0.5 * (
            torch.diagonal(q_cov, dim1=-2, dim2=-1).sum(-1)
            + q_mean.pow(2).sum(-1)
            - z_dim
            - torch.logdet(q_cov)
        )
        return expected_ll - kl

    def kl_to_posterior(self, x: Tensor, q_mean: Tensor, q_cov: Tensor) -> Tensor:
        """KL(q || p(z|x)): the gap of Eq. (7), log p(x) = ELBO + KL(q || p(z|x))."""
        self._check_q(x, q_mean, q_cov)
        post_mean, post_cov = self.posterior(x)
        post_prec = torch.linalg.inv(post_cov)
        diff = post_mean - q_mean  # (B, Z)
        return 0.5 * (
            torch.einsum("zy,...yz->...", post_prec, q_cov)
            + torch.einsum("bz,zy,by->b", diff, post_prec, diff)
            - self.latent_dim
            + torch.logdet(post_cov)
            - torch.logdet(q_cov)
        )

    def log_weights(
        self,
        x: Tensor,
        q_mean: Tensor,
        q_cov: Tensor,
        num_samples: int,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        """log p(x, z_k) - log q(z_k) for z_k ~ q: (K, B)."""
        self._check_q(x, q_mean, q_cov)
        check_positive_int("num_samples", num_samples)
        check_generator("generator", generator)
        check_work("num_samples", num_samples, x.numel())
        q = MultivariateNormal(q_mean, covariance_matrix=q_cov)
        eps = torch.randn((num_samples, *q_mean.shape), generator=generator, dtype=q_mean.dtype)
        chol = torch.linalg.cholesky(q_cov)  # (Z, Z) or (B, Z, Z)
        z = q_mean + (chol @ eps.unsqueeze(-1)).squeeze(-1)  # (K, B, Z)
        return self.log_joint(x, z) - q.log_prob(z)

    def iwae_bound(
        self,
        x: Tensor,
        q_mean: Tensor,
        q_cov: Tensor,
        num_samples: int,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        """The importance-weighted bound (Eq. 6) with K samples: log (1/K) sum_k p(x, z_k)/q(z_k), (B,)."""
        return log_mean_exp(self.log_weights(x, q_mean, q_cov, num_samples, generator), dim=0)
