"""The training step's two loss terms as fused autograd functions, gradients written out.

The formulas are those of `kernels` (the tests check both values and gradients against them);
what changes is how much work autograd does on every training step. Left to itself it records
about a dozen small tensor operations for the two terms and replays each backwards; here each
term is one forward and one short backward:

- the Bernoulli negative log-likelihood summed over a batch, sum softplus(l) - x . l, whose
  gradient in the logits is sigmoid(l) - x;
- the Gaussian KL of Eqs. (10)-(11) per latent dimension, summed over the batch, whose
  gradients are mu and (e^logvar - 1) / 2.

Shapes: B batch, D pixels, Z latent dimensions.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from . import kernels


class _BernoulliNLL(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits: Tensor, x: Tensor) -> Tensor:
        ctx.save_for_backward(logits, x)
        # -log p(x|z) = softplus(l) - x l per pixel (the BCE with logits); x . l is one product
        return F.softplus(logits).sum() - torch.dot(logits.reshape(-1), x.reshape(-1))

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, None]:
        logits, x = ctx.saved_tensors
        return torch.sigmoid(logits).sub_(x).mul_(grad), None


class _GaussianKL(torch.autograd.Function):
    @staticmethod
    def forward(ctx, mu: Tensor, logvar: Tensor) -> Tensor:
        ctx.save_for_backward(mu, logvar)
        return kernels.kl_standard_normal_dims(mu, logvar).sum(0)  # (B, Z) -> (Z,)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, Tensor]:
        mu, logvar = ctx.saved_tensors  # grad (Z,) broadcasts over the batch
        return mu * grad, torch.expm1(logvar).mul_(0.5 * grad)


def bernoulli_nll_sum(logits: Tensor, x: Tensor) -> Tensor:
    """-sum_{b,d} log Bernoulli(x_bd | sigmoid(l_bd)), a scalar: the reconstruction term of a
    batch, (B, D) logits and targets in [0, 1] -> (). Equal to
    `-kernels.bernoulli_log_likelihood(logits, x).sum()` up to float rounding."""
    return _BernoulliNLL.apply(logits, x)


def kl_dims_sum(mu: Tensor, logvar: Tensor) -> Tensor:
    """sum over the batch of KL(q(z|x) || p(z)) per latent dimension, (B, Z) -> (Z,): Eqs.
    (10)-(11) by `kernels.kl_standard_normal_dims`, with its gradient written out."""
    return _GaussianKL.apply(mu, logvar)
