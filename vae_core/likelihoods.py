"""Pixel likelihoods for the decoder: which log p(x|z) the ELBO of Eq. (8) uses.

Three ways to score pixels x in [0, 1] from decoder logits l (lambda = sigmoid(l)):

- Bernoulli on binary pixels x in {0, 1}: a probability mass function, log p <= 0
  (`vae_core.kernels.bernoulli_log_likelihood`).
- The same formula on grey pixels, i.e. minus the binary cross-entropy: what the reference
  tutorial's loop optimizes. It is not a density on [0, 1]: per pixel it integrates to
  1 / C(lambda) <= 1/2.
- The continuous Bernoulli (Loaiza-Ganem & Cunningham, 2019), the normalized version:
  p(x | lambda) = C(lambda) lambda^x (1 - lambda)^(1 - x) on [0, 1].

In logits the normalizer is simple. With l = log(lambda / (1 - lambda)),

    C = 2 atanh(1 - 2 lambda) / (1 - 2 lambda) = l / tanh(l / 2),   C(0) = 2,

and p(x | l) is proportional to exp(l x): the exponential family on [0, 1].
Shapes: B batch, D pixels; functions map (..., D) -> (...) when they sum over pixels.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from . import kernels
from ._validate import check_same_device, check_tensor

LOG_2 = 0.6931471805599453

# Below this |logits| the normalizer and the mean use their Taylor series: the closed forms are
# 0/0 at logits = 0, and their autograd derivatives cancel catastrophically nearby.
TAYLOR_CUTOFF = 0.05


def continuous_bernoulli_log_norm(logits: Tensor) -> Tensor:
    """log C(l) = log(l / tanh(l / 2)), elementwise; finite with finite gradients for all l.

    Away from 0: log|l| - log tanh(|l|/2), with log tanh(a) = log(-expm1(-2a)) - log1p(e^(-2a)).
    Near 0: log 2 + l^2/12 - 7 l^4/1440 + 31 l^6/90720 (error below 3e-5 |l|^8).
    """
    check_tensor("logits", logits)
    return _log_norm(logits)


def _log_norm(logits: Tensor) -> Tensor:
    """The unchecked kernel of `continuous_bernoulli_log_norm`."""
    a = logits.abs()
    far = a >= TAYLOR_CUTOFF
    safe = torch.where(far, a, torch.ones_like(a))  # keeps the unused branch's gradient finite
    exact = torch.log(safe) - (torch.log(-torch.expm1(-safe)) - torch.log1p(torch.exp(-safe)))
    l2 = logits.pow(2)
    taylor = LOG_2 + l2 * (1 / 12 + l2 * (-7 / 1440 + l2 * (31 / 90720)))
    return torch.where(far, exact, taylor)


def continuous_bernoulli_log_likelihood(logits: Tensor, x: Tensor) -> Tensor:
    """log p(x|z) = sum_d [x_d log lambda_d + (1 - x_d) log(1 - lambda_d) + log C(lambda_d)].

    A log density on [0, 1]^D (it can be positive). x in [0, 1]; (..., D) -> (...).
    """
    _check_pair(logits, x)
    return continuous_bernoulli_kernel(logits, x)


def continuous_bernoulli_kernel(logits: Tensor, x: Tensor) -> Tensor:
    """The unchecked kernel: the Bernoulli kernel plus sum_d log C(l_d); (..., D) -> (...)."""
    logits, x = torch.broadcast_tensors(logits, x)
    return kernels.bernoulli_log_likelihood(logits, x) + _log_norm(logits).sum(-1)


def _check_pair(logits: object, x: object) -> None:
    check_tensor("logits", logits)
    check_tensor("x", x, unit_interval=True)
    check_same_device("logits", logits, "x", x)
    if logits.shape[-1] != x.shape[-1]:
        raise ValueError(
            f"logits and x must have the same last dimension (pixels), got "
            f"{tuple(logits.shape)} and {tuple(x.shape)}"
        )


def continuous_bernoulli_mean(logits: Tensor) -> Tensor:
    """E[x] under CB(lambda) = 1 / (1 - e^(-l)) - 1 / l, elementwise.

    Near 0 the series 1/2 + l/12 - l^3/720 + l^5/30240 replaces the 0/0 closed form.

    Not lambda: the decoder's sigmoid output is a parameter, the pixel it predicts is this mean.
    """
    check_tensor("logits", logits)
    far = logits.abs() >= TAYLOR_CUTOFF
    safe = torch.where(far, logits, torch.ones_like(logits))
    exact = -1 / torch.expm1(-safe) - 1 / safe  # 1/(1 - e^-l) = -1/expm1(-l)
    l2 = logits.pow(2)
    taylor = 0.5 + logits * (1 / 12 + l2 * (-1 / 720 + l2 / 30240))
    return torch.where(far, exact, taylor)


def grey_bce_missing_mass(logits: Tensor) -> Tensor:
    """-sum_d log C(lambda_d): log of the total mass that -BCE assigns to [0, 1]^D; always < 0.

    exp(-BCE(l, x)) integrates over x in [0, 1] to 1 / C(l) per pixel, so treating -BCE on grey
    pixels as a log density overstates nothing but leaves out sum_d log C >= D log 2 nats.
    """
    return -continuous_bernoulli_log_norm(logits).sum(-1)


# The pixel likelihoods a model can be trained and scored with: name -> unchecked kernel.
LIKELIHOODS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "bernoulli": kernels.bernoulli_log_likelihood,
    "continuous-bernoulli": continuous_bernoulli_kernel,
}


def likelihood_kernel(kind: str) -> Callable[[Tensor, Tensor], Tensor]:
    """The kernel (logits, x) -> log p(x|z) for a likelihood name in LIKELIHOODS."""
    if kind not in LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {sorted(LIKELIHOODS)}, got {kind!r}")
    return LIKELIHOODS[kind]


def log_likelihood(kind: str, logits: Tensor, x: Tensor) -> Tensor:
    """log p(x|z) summed over pixels; kind: 'bernoulli' (-BCE on grey x), 'continuous-bernoulli'."""
    kernel = likelihood_kernel(kind)
    _check_pair(logits, x)
    return kernel(logits, x)
