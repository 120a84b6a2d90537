"""A catalogue of wrong student answers, one row each: the checker must fail the answer and its
message must name the mistake (a phrase of the diagnosis), not a generic difference. Right answers,
written in several ways a student would, must pass.

Columns: checker, the student's function, a phrase the verdict must contain. A row whose
diagnosis is too generic, or a checker that lets the wrong answer through, fails.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vae_core.exercises.elbo import check_iwae_bound
from vae_core.exercises.generative import check_log_likelihood, check_sample_pixels
from vae_core.exercises.kl import check_kl
from vae_core.exercises.latent_space import check_log_weight
from vae_core.exercises.likelihoods import check_continuous_bernoulli_log_norm
from vae_core.exercises.marginal import check_naive_estimator
from vae_core.exercises.posterior import (
    check_gaussian_log_density,
    check_kl_on_grid,
    check_normalize_on_grid,
)
from vae_core.exercises.reparameterization import check_reparameterize
from vae_core.exercises.training import check_negative_elbo_per_image

L2P = math.log(2 * math.pi)
NAN = float("nan")


# ------------------------------------------------------------------ right answers, as pieces
def kl_eq11(mu, lv):
    return -0.5 * torch.sum(1 + lv - mu.pow(2) - lv.exp(), dim=-1)


def log_lik(logits, x):
    return (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(-1)


def log_prior(z):
    return -0.5 * (L2P + z.pow(2)).sum(-1)


def log_q(z, mu, lv):
    return -0.5 * (L2P + lv + (z - mu).pow(2) / lv.exp()).sum(-1)


def lse_k(v):
    return torch.logsumexp(v, 0) - math.log(v.shape[0])


def cb_log_norm(logits):
    far = logits.abs() >= 0.05
    safe = torch.where(far, logits, torch.ones_like(logits))
    exact = torch.log(safe / torch.tanh(safe / 2))
    return torch.where(far, exact, math.log(2) + logits**2 / 12 - 7 * logits**4 / 1440)


def cb_with(small_branch, cutoff):
    """log C with `small_branch` used for |l| < cutoff and the exact closed form elsewhere."""

    def fn(logits):
        small = logits.abs() < cutoff
        safe = torch.where(small, torch.ones_like(logits), logits)
        return torch.where(small, small_branch(logits), torch.log(safe / torch.tanh(safe / 2)))

    return fn


# ------------------------------------------------------------------ wrong answers needing a body
def sample_fresh_noise(logits, u):
    return torch.bernoulli(torch.sigmoid(logits))


def sample_seeded_noise(logits, u):
    gen = torch.Generator().manual_seed(0)
    return torch.bernoulli(torch.sigmoid(logits), generator=gen)


def sample_in_place(logits, u):
    probs = logits.sigmoid_()
    return (u < probs).float()


def likelihood_in_place(logits, x):
    logits.clamp_(-10, 10)
    return log_lik(logits, x)


def naive_in_place(v):
    top = v.max(0).values
    v -= top
    return torch.log(torch.exp(v).mean(0)) + top


def normalize_in_place(log_joint, area):
    log_joint -= torch.logsumexp(log_joint.flatten(), 0) + math.log(area)
    return log_joint


def density_in_place(z, mu, lv):
    z.sub_(mu)
    return -0.5 * (L2P + lv + z.pow(2) / lv.exp()).sum(-1)


def kl_grid_in_place(lq, lp, area):
    lq -= lp
    return (lq.exp() * lq).sum() * area


def kl_grid_remembers():
    """Right once, then the same number whatever the input: a result, not a function."""
    cache = []

    def fn(lq, lp, area):
        if not cache:
            cache.append((lq.exp() * (lq - lp)).sum() * area)
        return cache[0].clone()

    return fn


def iwae_in_place(lw):
    top = lw.max(0).values
    lw -= top
    return torch.logsumexp(lw, 0) + top - math.log(lw.shape[0])


def reparam_in_place_eps(mu, lv, eps):
    return eps.mul_(torch.exp(0.5 * lv)).add(mu)


def reparam_in_place_mu(mu, lv, eps):
    return mu.add_(torch.exp(0.5 * lv) * eps)


def kl_in_place(mu, lv):
    var = lv.exp_()
    return -0.5 * torch.sum(1 + torch.log(var) - mu.pow(2) - var, -1)


def elbo_in_place(bce, mu, lv):
    mu.pow_(2)
    return bce.sum(-1) - 0.5 * torch.sum(1 + lv - mu - lv.exp(), -1)


def weight_in_place(logits, x, z, mu, lv):
    z.sub_(mu)
    return log_lik(logits, x) + log_prior(z + mu) + 0.5 * (L2P + lv + z.pow(2) / lv.exp()).sum(-1)


def cb_in_place(logits):
    logits.abs_()
    return cb_log_norm(logits)


def cb_numpy(logits):
    values = logits.detach().double().numpy()
    out = np.where(
        np.abs(values) < 0.05,
        math.log(2) + values**2 / 12,
        np.log(
            np.where(values == 0, 1.0, values) / np.tanh(np.where(values == 0, 1.0, values) / 2)
        ),
    )
    return torch.from_numpy(out).float()


def cb_detached(logits):
    return cb_log_norm(logits).detach()


def cb_exp_formula(logits):
    safe = torch.where(logits == 0, torch.ones_like(logits), logits)
    exact = torch.log(safe * (1 + torch.exp(-safe)) / (1 - torch.exp(-safe)))
    return torch.where(logits == 0, torch.full_like(logits, math.log(2)), exact)


def cb_two_logs(logits):
    small = logits.abs() < 0.05
    safe = torch.where(small, torch.ones_like(logits), logits)
    exact = torch.log(safe) - torch.log(torch.tanh(safe / 2))
    return torch.where(small, math.log(2) + logits**2 / 12, exact)


def cb_half_detached(logits):
    a = torch.where(logits == 0, torch.ones_like(logits), logits.abs())
    exact = torch.log(a) - torch.log(torch.tanh(a / 2)).detach()
    return torch.where(logits.abs() < 0.05, math.log(2) + logits**2 / 12, exact)


def cb_exact_except_zero(logits):
    zero = logits == 0
    safe = torch.where(zero, torch.ones_like(logits), logits)
    return torch.where(
        zero, torch.full_like(logits, math.log(2)), torch.log(safe / torch.tanh(safe / 2))
    )


def cb_naive_probs(logits):
    lam = torch.sigmoid(logits)
    return torch.log(2 * torch.atanh(1 - 2 * lam) / (1 - 2 * lam))


def cb_unsafe_where(logits):
    exact = torch.log(logits / torch.tanh(logits / 2))
    return torch.where(logits.abs() < 0.05, math.log(2) + logits**2 / 12, exact)


# ------------------------------------------------------------------ the catalogue
S, L, N = check_sample_pixels, check_log_likelihood, check_naive_estimator
G, D, Q = check_normalize_on_grid, check_gaussian_log_density, check_kl_on_grid
I, R, K = check_iwae_bound, check_reparameterize, check_kl
T, C, W = check_negative_elbo_per_image, check_continuous_bernoulli_log_norm, check_log_weight

CATALOGUE = [
    # chapter 1: sample_pixels(logits, u)
    (S, lambda l, u: (u < l).float(), "not with the probabilities sigmoid"),
    (S, lambda l, u: (u > torch.sigmoid(l)).float(), "comparison is reversed"),
    (S, lambda l, u: (u < 1 - torch.sigmoid(l)).float(), "compared u with 1 - p"),
    (S, lambda l, u: (u < torch.sigmoid(-l)).float(), "compared u with 1 - p"),
    (S, lambda l, u: torch.sigmoid(l), "Bernoulli means"),
    (S, lambda l, u: (torch.sigmoid(l) > 0.5).float(), "ignores u"),
    (S, lambda l, u: (u < l.exp()).float(), "odds"),
    (S, lambda l, u: (u < torch.softmax(l, -1)).float(), "softmax"),
    (S, lambda l, u: (u < 0.5).float(), "ignores the logits"),
    (S, lambda l, u: u * torch.sigmoid(l), "a sample is 0 or 1"),
    (S, lambda l, u: 0.5 * (u < torch.sigmoid(l)).float(), "only 0s and 1s"),
    (S, sample_fresh_noise, "draws its own noise"),
    (S, sample_seeded_noise, "do not change when u changes"),
    (S, lambda l, u: torch.full_like(l, NAN), "contains NaN"),
    (S, sample_in_place, "changes its input `logits` in place"),
    (S, lambda l, u: torch.zeros(3), "shape"),
    (S, lambda l, u: torch.zeros_like(l), "returns zeros"),
    (S, lambda l, u: (u < torch.sigmoid(l)).float().reshape(4, 25), "do not write sizes"),
    # chapter 1: log_likelihood(logits, x)
    (
        L,
        lambda l, x: F.binary_cross_entropy_with_logits(l, x, reduction="none").sum(-1),
        "flip the sign",
    ),
    (
        L,
        lambda l, x: -F.binary_cross_entropy_with_logits(l, x, reduction="none").sum(0),
        "over the batch axis",
    ),
    (
        L,
        lambda l, x: -F.binary_cross_entropy_with_logits(l, x, reduction="none").mean(-1),
        "averaged over pixels",
    ),
    (L, lambda l, x: (x * F.logsigmoid(l)).sum(-1), "a pixel that is 0 contributes log(1 - p)"),
    (L, lambda l, x: ((1 - x) * F.logsigmoid(-l)).sum(-1), "only the (1 - x)"),
    (L, lambda l, x: log_lik(l, x).sum(), "one number for the whole batch"),
    (L, lambda l, x: -F.binary_cross_entropy_with_logits(l, x), "reduction='mean'"),
    (
        L,
        lambda l, x: -F.binary_cross_entropy(torch.sigmoid(l), x, reduction="none").sum(-1),
        "clamps every log at -100",
    ),
    (
        L,
        lambda l, x: (x * F.logsigmoid(l) + (1 - x) * F.logsigmoid(1 - l)).sum(-1),
        "F.logsigmoid(1 - logits)",
    ),
    (L, lambda l, x: log_lik(x, l), "swapped the arguments"),
    (
        L,
        lambda l, x: (x * torch.sigmoid(l) + (1 - x) * (1 - torch.sigmoid(l))).sum(-1),
        "added up probabilities",
    ),
    (L, lambda l, x: log_lik(l, x).exp(), "likelihood p(x|z) itself"),
    (
        L,
        lambda l, x: (
            x * torch.log(torch.sigmoid(l)) + (1 - x) * torch.log(1 - torch.sigmoid(l))
        ).sum(-1),
        "F.logsigmoid",
    ),
    (L, lambda l, x: x * F.logsigmoid(l) + (1 - x) * F.logsigmoid(-l), "one value per pixel"),
    (L, lambda l, x: torch.zeros(l.shape[0]), "returns zeros"),
    (L, likelihood_in_place, "changes its input `logits` in place"),
    (L, lambda l, x: log_lik(l[:, :7], x[:, :7]), "do not write sizes"),
    # chapter 2: naive estimator (K, B) -> (B,)
    (N, lambda v: v.mean(0), "Jensen"),
    (N, lambda v: torch.logsumexp(v, 0), "forgot to divide by K"),
    (N, lambda v: torch.logsumexp(v, 0) / v.shape[0], "instead of subtracting log K"),
    (N, lambda v: v.max(0).values, "largest log-likelihood"),
    (N, lambda v: -lse_k(v), "wrong sign"),
    (N, lambda v: torch.logsumexp(v, 0) - math.log(v.shape[1]), "log of the batch size B"),
    (N, lambda v: torch.logsumexp(v, 0) + math.log(v.shape[0]), "you added log K"),
    (N, lambda v: torch.logsumexp(v, 0) - math.log10(v.shape[0]), "log10"),
    (N, lambda v: torch.logsumexp(v, 0) - v.shape[0], "subtracted K itself"),
    (N, lambda v: torch.log(torch.exp(v - v.max(0).values).mean(0)), "did not add it back"),
    (N, lambda v: torch.log(torch.exp(v).mean(0)), "-inf"),
    (N, lambda v: torch.log(torch.exp(v).mean(0) - 1e-300), "contains NaN"),
    (N, lambda v: torch.logsumexp(v, 1) - math.log(v.shape[1]), "reduce over dim 0"),
    (N, lambda v: torch.logsumexp(v, 0) - math.log(50), "not for K = 1"),
    (N, lambda v: torch.zeros(v.shape[1], dtype=v.dtype), "returns zeros"),
    (N, naive_in_place, "changes its input `log_lik` in place"),
    # chapter 3: normalize_on_grid(log_joint, cell_area)
    (G, lambda lj, a: lj - torch.logsumexp(lj.flatten(), 0), "forgot the cell area"),
    (
        G,
        lambda lj, a: lj - torch.logsumexp(lj.flatten(), 0) + math.log(a),
        "added the log cell area instead of subtracting it",
    ),
    (G, lambda lj, a: lj - torch.logsumexp(lj.flatten(), 0) - a, "cell area itself"),
    (G, lambda lj, a: lj - torch.logsumexp(lj.flatten(), 0) + a, "and added it"),
    (G, lambda lj, a: lj - torch.logsumexp(lj.flatten(), 0) * a, "multiplied the logsumexp"),
    (
        G,
        lambda lj, a: lj - torch.logsumexp(lj.flatten(), 0) - math.log(a**2),
        "squared the cell area",
    ),
    (G, lambda lj, a: lj - torch.logsumexp(lj, 1, keepdim=True) - math.log(a), "each row"),
    (G, lambda lj, a: lj - torch.logsumexp(lj, 0, keepdim=True) - math.log(a), "each column"),
    (
        G,
        lambda lj, a: lj + torch.logsumexp(lj.flatten(), 0) + math.log(a),
        "added log p(x) instead of subtracting",
    ),
    (G, lambda lj, a: lj.clone(), "log joint itself"),
    (G, lambda lj, a: lj - lj.max(), "largest log joint"),
    (G, lambda lj, a: (lj - torch.logsumexp(lj.flatten(), 0) - math.log(a)).exp(), "not its log"),
    (G, lambda lj, a: torch.softmax(lj.flatten(), 0).reshape(lj.shape), "probability of each cell"),
    (
        G,
        lambda lj, a: lj - torch.logsumexp(lj.flatten(), 0) + math.log(lj.numel()),
        "log of the mean over cells",
    ),
    (G, lambda lj, a: torch.log(torch.exp(lj) / (torch.exp(lj).sum() * a)), "logsumexp"),
    (
        G,
        lambda lj, a: lj - torch.logsumexp(lj.flatten(), 0) - math.log(0.2 * 8 / 42),
        "do not write sizes or values",
    ),
    (G, lambda lj, a: torch.zeros_like(lj), "returns zeros"),
    (G, normalize_in_place, "changes its input `log_joint` in place"),
    (G, lambda lj, a: lj.sum(0), "shape"),
    # chapter 4: encoder_log_density(z (K, B, Z), mu, logvar) -> (K, B)
    (
        D,
        lambda z, m, lv: (-0.5 * L2P - lv - 0.5 * (z - m) ** 2 / (2 * lv).exp()).sum(-1),
        "as if it were log sigma",
    ),
    (
        D,
        lambda z, m, lv: torch.distributions.Normal(m, lv.exp()).log_prob(z).sum(-1),
        "scale of torch.distributions.Normal",
    ),
    (
        D,
        lambda z, m, lv: (-0.5 * (L2P + lv + (z - m) ** 2 / (0.5 * lv).exp())).sum(-1),
        "by sigma instead of sigma^2",
    ),
    (
        D,
        lambda z, m, lv: (-0.5 * (L2P + lv + (z - m) ** 2 * lv.exp())).sum(-1),
        "multiplied (z - mu)^2 by the variance",
    ),
    (D, lambda z, m, lv: (-0.5 * (lv + (z - m) ** 2 / lv.exp())).sum(-1), "-log(2 pi) / 2"),
    (
        D,
        lambda z, m, lv: (-0.5 * (lv + (z - m) ** 2 / lv.exp())).sum(-1) - 0.5 * L2P,
        "once per sample",
    ),
    (D, lambda z, m, lv: (-0.5 * (L2P + (z - m) ** 2 / lv.exp())).sum(-1), "-logvar / 2 term"),
    (D, lambda z, m, lv: (-0.5 * (L2P + lv) - (z - m) ** 2 / lv.exp()).sum(-1), "the 1/2 in front"),
    (D, lambda z, m, lv: -log_q(z, m, lv), "wrong sign"),
    (
        D,
        lambda z, m, lv: (-0.5 * (L2P + lv + (z - m) ** 2 / lv.exp())).mean(-1),
        "averaged over the latent",
    ),
    (D, lambda z, m, lv: log_q(z, m, lv).exp(), "density q(z|x) itself"),
    (D, lambda z, m, lv: log_q(m, m, lv).expand(z.shape[:-1]), "at mu instead of at the samples"),
    (D, lambda z, m, lv: log_prior(z), "standard normal"),
    (D, lambda z, m, lv: -0.5 * (L2P + lv + (z - m) ** 2 / lv.exp()), "over the last axis (Z)"),
    (D, lambda z, m, lv: (-0.5 * (L2P + lv + (z - m) ** 2 / lv.exp())).sum(0), "sample axis K"),
    (
        D,
        lambda z, m, lv: (-0.5 * (L2P + 2 * torch.log(torch.sqrt(lv)) + (z - m) ** 2 / lv)).sum(-1),
        "do not take its log or square root",
    ),
    (D, lambda z, m, lv: torch.zeros(z.shape[:-1]), "returns zeros"),
    (D, density_in_place, "changes its input `z` in place"),
    (D, lambda z, m, lv: log_q(z[..., :2], m[..., :2], lv[..., :2]), "do not write sizes"),
    # chapter 4: kl_on_grid(log_q, log_p, cell_area)
    (Q, lambda lq, lp, a: (lp.exp() * (lp - lq)).sum() * a, "other direction"),
    (Q, lambda lq, lp, a: (lq.exp() * (lq - lp)).sum(), "forgot the cell area"),
    (Q, lambda lq, lp, a: (lq.exp() * (lq - lp)).sum() / a, "divided by the cell area"),
    (Q, lambda lq, lp, a: (lq.exp() * (lq - lp)).sum() + a, "added the cell area"),
    (Q, lambda lq, lp, a: (lq.exp() * (lp - lq)).sum() * a, "log ratio reversed"),
    (Q, lambda lq, lp, a: (lq - lp).mean(), "without weighting by q"),
    (Q, lambda lq, lp, a: (lq - lp).sum() * a, "summed the log ratio over cells without"),
    (Q, lambda lq, lp, a: (lq * (lq - lp)).sum() * a, "weighted the log ratio by log q"),
    (Q, lambda lq, lp, a: (lq.exp() * (lq.exp() - lp.exp())).sum() * a, "subtracted the densities"),
    (Q, lambda lq, lp, a: (lq.exp() * (lq - lp)).mean(), "mean over cells instead of the sum"),
    (Q, lambda lq, lp, a: lq.exp() * (lq - lp) * a, "the KL is one number"),
    (
        Q,
        lambda lq, lp, a: (lq.exp() * torch.log(lq.exp() / lp.exp())).sum() * a,
        "Do not divide the densities",
    ),
    (Q, lambda lq, lp, a: torch.tensor(0.0), "returns zeros"),
    (Q, kl_grid_in_place, "changes its input `log_q` in place"),
    (Q, kl_grid_remembers(), "KL(q || q) must be exactly 0"),
    # chapter 5: iwae_bound(log_w (K, B)) -> (B,)
    (I, lambda lw: torch.logsumexp(lw, 0), "-log K is missing"),
    (I, lambda lw: torch.logsumexp(lw, 0) + math.log(lw.shape[0]), "you add log K"),
    (I, lambda lw: torch.logsumexp(lw, 0) - math.log(lw.shape[1]), "log of the batch size"),
    (I, lambda lw: torch.logsumexp(lw, 0) - math.log10(lw.shape[0]), "log10(K)"),
    (I, lambda lw: torch.logsumexp(lw, 0) - lw.shape[0], "subtract K itself"),
    (I, lambda lw: torch.logsumexp(lw, 0) / lw.shape[0], "divide the logsumexp by K"),
    (I, lambda lw: lw.mean(0), "That is the ELBO"),
    (I, lambda lw: lw.max(0).values, "largest log weight alone"),
    (I, lambda lw: torch.log(torch.exp(lw - lw.max(0).values).mean(0)), "never add it back"),
    (I, lambda lw: torch.logsumexp(lw, 1) - math.log(lw.shape[1]), "batch axis (dim=1);"),
    (I, lambda lw: torch.logsumexp(lw, 1) - math.log(lw.shape[0]), "dim=1) and subtract log K"),
    (I, lambda lw: lse_k(lw).mean(), "average the bound over the batch"),
    (I, lambda lw: -lse_k(lw), "sign is flipped"),
    (I, lambda lw: torch.log(torch.exp(lw).mean(0)), "exp(-200) is 0 in float32"),
    (I, lambda lw: torch.log(torch.exp(lw).mean(0) - 1e-30), "contains NaN"),
    (I, lambda lw: torch.logsumexp(lw, 0) - math.log(50), "wrote K = 50 into the code"),
    (I, lambda lw: lse_k(lw[:, :4]), "do not write sizes"),
    (I, iwae_in_place, "changes its input `log_w` in place"),
    (I, lambda lw: torch.zeros(lw.shape[1]), "returns zeros"),
    # chapter 6: reparameterize(mu, logvar, eps)
    (R, lambda mu, lv, eps: mu + lv.exp() * eps, "by the variance exp(logvar)"),
    (R, lambda mu, lv, eps: mu + lv * eps, "by logvar itself"),
    (R, lambda mu, lv, eps: mu + 0.5 * lv.exp() * eps, "inside the exponential"),
    (R, lambda mu, lv, eps: mu + (2 * lv).exp() * eps, "exp(2 * logvar)"),
    (R, lambda mu, lv, eps: mu + (-0.5 * lv).exp() * eps, "which is 1 / sigma"),
    (R, lambda mu, lv, eps: mu + 0.5 * lv * eps, "that is log sigma"),
    (R, lambda mu, lv, eps: mu + (0.5 * lv).exp() + eps, "added sigma and eps"),
    (R, lambda mu, lv, eps: mu * (0.5 * lv).exp() + eps, "scaled mu by sigma"),
    (R, lambda mu, lv, eps: (0.5 * lv).exp() * eps, "mean mu is missing"),
    (R, lambda mu, lv, eps: mu.clone(), "noise sigma * eps is missing"),
    (R, lambda mu, lv, eps: mu - (0.5 * lv).exp() * eps, "subtract the noise"),
    (R, lambda mu, lv, eps: mu + (0.5 * lv).exp() * torch.randn_like(mu), "eps passed in"),
    (R, lambda mu, lv, eps: (mu + (0.5 * lv).exp() * eps).detach(), "does not carry gradients"),
    (R, lambda mu, lv, eps: mu.detach() + (0.5 * lv).exp() * eps, "no gradient reaches mu"),
    (R, lambda mu, lv, eps: mu + (0.5 * lv.detach()).exp() * eps, "no gradient reaches logvar"),
    (R, lambda mu, lv, eps: mu + torch.sqrt(lv) * eps, "sqrt or log of a negative number"),
    (R, reparam_in_place_eps, "changes its input `eps` in place"),
    (R, reparam_in_place_mu, "in-place change of an input"),
    (R, lambda mu, lv, eps: (mu + (0.5 * lv).exp() * eps)[:, :3], "do not write sizes"),
    (R, lambda mu, lv, eps: torch.zeros_like(mu), "returns zeros"),
    # chapter 7: kl(mu, logvar) -> (B,)
    (K, lambda mu, lv: -kl_eq11(mu, lv), "sign is flipped"),
    (K, lambda mu, lv: -0.5 * torch.sum(1 + lv - mu.pow(2) - lv.exp()), "batch axis as well"),
    (K, lambda mu, lv: kl_eq11(mu, lv).mean(), "batch mean"),
    (K, lambda mu, lv: -0.5 * torch.sum(1 + lv - mu.pow(2) - lv.exp(), 0), "dim=0"),
    (K, lambda mu, lv: 2 * kl_eq11(mu, lv), "factor 1/2 is missing"),
    (K, lambda mu, lv: kl_eq11(mu, lv) / mu.shape[1], "average over the latent"),
    (
        K,
        lambda mu, lv: -0.5 * torch.sum(1 + lv - mu.pow(2) - torch.exp(0.5 * lv), -1),
        "standard deviation exp(logvar / 2)",
    ),
    (
        K,
        lambda mu, lv: torch.distributions.kl_divergence(
            torch.distributions.Normal(mu, lv.exp()),
            torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu)),
        ).sum(-1),
        "variance exp(logvar) as the scale",
    ),
    (
        K,
        lambda mu, lv: 0.5 * torch.sum(mu.pow(2) + lv.exp() - 0.5 * lv - 1, -1),
        "log sigma (= logvar / 2)",
    ),
    (
        K,
        lambda mu, lv: 0.5 * torch.sum(mu.pow(2) + (0.5 * lv).exp() - 0.5 * lv - 1, -1),
        "sigma and log sigma",
    ),
    (
        K,
        lambda mu, lv: 0.5 * torch.sum(mu.pow(2) + lv.exp() - lv + 1, -1),
        "constant has the wrong sign",
    ),
    (
        K,
        lambda mu, lv: -0.5 * torch.sum(1 - lv - mu.pow(2) - lv.exp(), -1),
        "log-variance term has the wrong sign",
    ),
    (K, lambda mu, lv: -0.5 * torch.sum(1 + lv - mu.pow(2) - (-lv).exp(), -1), "1 / sigma^2"),
    (K, lambda mu, lv: -0.5 * torch.sum(lv - mu.pow(2) - lv.exp(), -1), "constant 1"),
    (K, lambda mu, lv: -0.5 * torch.sum(1 + lv - lv.exp(), -1), "mu^2 term is missing"),
    (
        K,
        lambda mu, lv: -0.5 * torch.sum(1 + lv + mu.pow(2) - lv.exp(), -1),
        "mu^2 enters with the wrong sign",
    ),
    (K, lambda mu, lv: -0.5 * torch.sum(1 + lv - mu - lv.exp(), -1), "mu where mu^2"),
    (K, lambda mu, lv: -0.5 * torch.sum(1 - mu.pow(2), -1), "cancel"),
    (
        K,
        lambda mu, lv: -0.5 * torch.sum(1 + torch.log(lv) - mu.pow(2) - lv, -1),
        "do not take its log",
    ),
    (K, kl_in_place, "changes its input `logvar` in place"),
    (K, lambda mu, lv: kl_eq11(mu[:, :3], lv[:, :3]), "do not write sizes"),
    (K, lambda mu, lv: -0.5 * (1 + lv - mu.pow(2) - lv.exp()), "shape"),
    # chapter 8: negative_elbo_per_image(bce, mu, logvar)
    (T, lambda b, m, v: (b.sum(-1) + kl_eq11(m, v)).sum(), "one number for the whole batch"),
    (T, lambda b, m, v: (b.sum(-1) + kl_eq11(m, v)).mean(), "batch mean"),
    (T, lambda b, m, v: b.mean(-1) + kl_eq11(m, v), "average the BCE over pixels"),
    (T, lambda b, m, v: b.sum(-1) - kl_eq11(m, v), "KL has the wrong sign"),
    (T, lambda b, m, v: -b.sum(-1) + kl_eq11(m, v), "reconstruction term has the wrong sign"),
    (T, lambda b, m, v: -(b.sum(-1) + kl_eq11(m, v)), "the ELBO itself"),
    (T, lambda b, m, v: b.sum(-1), "KL term is missing"),
    (T, lambda b, m, v: kl_eq11(m, v), "reconstruction term is missing"),
    (T, lambda b, m, v: b.sum(-1) + kl_eq11(m, v).sum(), "KL is summed over the whole batch"),
    (T, lambda b, m, v: b.sum() + kl_eq11(m, v), "reconstruction term is summed over the whole"),
    (T, lambda b, m, v: b.sum(-1) + kl_eq11(m, v) / m.shape[1], "averaged over the latent"),
    (T, lambda b, m, v: b.sum(-1) + 2 * kl_eq11(m, v), "twice too large"),
    (T, lambda b, m, v: b.sum(-1) + 0.5 * kl_eq11(m, v), "half the size"),
    (
        T,
        lambda b, m, v: b.sum(-1) - 0.5 * torch.sum(1 + v - m.pow(2) - (0.5 * v).exp(), -1),
        "standard deviation",
    ),
    (
        T,
        lambda b, m, v: b.sum(-1) - 0.5 * torch.sum(v - m.pow(2) - v.exp(), -1),
        "constant 1 is missing",
    ),
    (T, lambda b, m, v: b.sum(-1) - 0.5 * torch.sum(1 + v - v.exp(), -1), "mu^2 term is missing"),
    (T, lambda b, m, v: b + kl_eq11(m, v)[:, None], "one value per pixel"),
    (T, lambda b, m, v: -0.5 * (1 + v - m.pow(2) - v.exp()), "(B, Z)"),
    (
        T,
        lambda b, m, v: b.sum(-1) - 0.5 * torch.sum(1 + torch.log(v) - m.pow(2) - v, -1),
        "not finite",
    ),
    (T, lambda b, m, v: torch.zeros(b.shape[0]), "returns zeros"),
    (T, elbo_in_place, "changes its input `mu` in place"),
    (
        T,
        lambda b, m, v: b.reshape(-1, 784).sum(-1) + kl_eq11(m.reshape(-1, 20), v.reshape(-1, 20)),
        "do not write the sizes",
    ),
    # chapter 9: log_norm(logits), the continuous Bernoulli's log C
    (C, cb_naive_probs, "at logits = 0"),
    (C, cb_naive_probs, "large |logits|"),
    (C, cb_unsafe_where, "gradient is NaN or inf at logits = 0"),
    (C, lambda l: cb_log_norm(l) - math.log(2), "off by log 2"),
    (C, lambda l: cb_log_norm(l).exp(), "C itself"),
    (C, lambda l: torch.zeros_like(l), "returns zeros"),
    (C, lambda l: torch.log(l.abs() + 2), "differs from the reference for"),
    (
        C,
        cb_with(lambda l: math.log(2) + l**2 / 12 - 7 * l**4 / 1440, 2.0),
        "Taylor series is used too far from 0",
    ),
    (C, cb_with(lambda l: math.log(2) + l**2 / 12, 1.0), "Taylor series is used too far"),
    (C, cb_with(lambda l: torch.full_like(l, math.log(2)), 0.3), "Taylor series is used too far"),
    (
        C,
        lambda l: torch.where(l.abs() > 4, torch.log(l.abs().clamp(min=1.0)), cb_log_norm(l)),
        "large-|l| limit log|l|",
    ),
    (C, cb_numpy, "carries no gradient"),
    (C, cb_detached, "carries no gradient"),
    (C, cb_two_logs, "NaN at negative logits"),
    (C, cb_half_detached, "gradient is wrong at logits"),
    (C, cb_exp_formula, "exp(89) overflows"),
    (C, lambda l: cb_log_norm(l.clamp(-20, 20)), "differs from the reference for |logits| from 20"),
    (C, cb_in_place, "in-place change of an input"),
    (C, lambda l: cb_log_norm(l).sum(), "shape"),
    # chapter 10: log_weight(logits, x, z, mu, logvar)
    (W, lambda l, x, z, m, v: log_lik(l, x) - log_q(z, m, v), "log p(z) is missing"),
    (W, lambda l, x, z, m, v: log_lik(l, x) + log_prior(z), "log q(z|x) is missing"),
    (
        W,
        lambda l, x, z, m, v: log_lik(l, x) + log_prior(z) + log_q(z, m, v),
        "log q(z|x) enters with the wrong sign",
    ),
    (
        W,
        lambda l, x, z, m, v: log_lik(l, x) - log_prior(z) - log_q(z, m, v),
        "log p(z) enters with the wrong sign",
    ),
    (
        W,
        lambda l, x, z, m, v: log_lik(l, x) - kl_eq11(m, v),
        "closed-form KL(q || p) instead of the log-density difference",
    ),
    (W, lambda l, x, z, m, v: log_lik(l, x) + kl_eq11(m, v), "added the closed-form KL"),
    (
        W,
        lambda l, x, z, m, v: log_lik(l, x) + log_prior(z) - log_q(z, m, 2 * v),
        "as if it were log sigma",
    ),
    (
        W,
        lambda l, x, z, m, v: (x * l - F.softplus(l)).mean(-1) + log_prior(z) - log_q(z, m, v),
        "summed over the D pixels",
    ),
    (
        W,
        lambda l, x, z, m, v: -log_lik(l, x) + log_prior(z) - log_q(z, m, v),
        "minus the log-likelihood",
    ),
    (
        W,
        lambda l, x, z, m, v: (
            (x * torch.sigmoid(l) + (1 - x) * torch.sigmoid(-l)).sum(-1)
            + log_prior(z)
            - log_q(z, m, v)
        ),
        "sigmoid(logits), a probability",
    ),
    (W, lambda l, x, z, m, v: log_lik(l, x) + log_prior(m) - log_q(z, m, v), "prior at mu"),
    (W, lambda l, x, z, m, v: log_lik(l, x) + log_prior(z) - log_q(m, m, v), "q at mu"),
    (
        W,
        lambda l, x, z, m, v: log_lik(l, x) - 0.5 * z.pow(2).sum(-1) - log_q(z, m, v),
        "missing from log p(z) but not from log q(z|x)",
    ),
    (
        W,
        lambda l, x, z, m, v: (
            log_lik(l, x) + log_prior(z) + 0.5 * (v + (z - m).pow(2) / v.exp()).sum(-1)
        ),
        "missing from log q(z|x) but not from",
    ),
    (
        W,
        lambda l, x, z, m, v: (
            log_lik(l, x) + log_prior(z) + 0.5 * (L2P + (z - m).pow(2) / v.exp()).sum(-1)
        ),
        "-logvar / 2 term",
    ),
    (
        W,
        lambda l, x, z, m, v: (
            log_lik(l, x)
            + log_prior(z)
            + 0.5 * (L2P + v + (z - m).pow(2) / (0.5 * v).exp()).sum(-1)
        ),
        "by sigma instead of",
    ),
    (
        W,
        lambda l, x, z, m, v: (
            (x * torch.log(torch.sigmoid(l)) + (1 - x) * torch.log(1 - torch.sigmoid(l))).sum(-1)
            + log_prior(z)
            - log_q(z, m, v)
        ),
        "softplus",
    ),
    (W, lambda l, x, z, m, v: x * F.logsigmoid(l) + (1 - x) * F.logsigmoid(-l), "(B, D)"),
    (W, lambda l, x, z, m, v: -0.5 * (z.pow(2) - v - (z - m).pow(2) / v.exp()), "(B, Z)"),
    (W, lambda l, x, z, m, v: torch.zeros(x.shape[0]), "returns zeros"),
    (W, weight_in_place, "changes its input `z` in place"),
    (
        W,
        lambda l, x, z, m, v: (log_lik(l, x) + log_prior(z) - log_q(z, m, v)).reshape(3),
        "do not write sizes",
    ),
]


def _id(row) -> str:
    check, _, phrase = row
    return f"{check.__name__}: {phrase}"


@pytest.mark.parametrize("check, wrong, phrase", CATALOGUE, ids=[_id(r) for r in CATALOGUE])
def test_wrong_answer_gets_its_diagnosis(check, wrong, phrase):
    report = check(wrong)
    assert not report.passed, f"{check.__name__} accepted a wrong answer (expected '{phrase}')"
    assert phrase in repr(report), repr(report)


def test_catalogue_size():
    per_checker = {}
    for check, _, _ in CATALOGUE:
        per_checker[check.__name__] = per_checker.get(check.__name__, 0) + 1
    assert len(CATALOGUE) >= 60
    assert len(per_checker) == 12 and min(per_checker.values()) >= 5, per_checker


RIGHT = [
    (S, lambda l, u: (u < torch.sigmoid(l)).float()),
    (S, lambda l, u: u < torch.sigmoid(l)),
    (S, lambda l, u: torch.where(u < torch.sigmoid(l), 1, 0)),
    (L, log_lik),
    (L, lambda l, x: (x * l - F.softplus(l)).sum(-1)),
    (L, lambda l, x: -F.binary_cross_entropy_with_logits(l, x, reduction="none").sum(-1)),
    (N, lse_k),
    (N, lambda v: v.max(0).values + torch.log(torch.exp(v - v.max(0).values).mean(0))),
    (G, lambda lj, a: lj - torch.logsumexp(lj.flatten(), 0) - math.log(a)),
    (G, lambda lj, a: torch.log_softmax(lj.flatten(), 0).reshape(lj.shape) - math.log(a)),
    (D, log_q),
    (D, lambda z, m, lv: torch.distributions.Normal(m, (0.5 * lv).exp()).log_prob(z).sum(-1)),
    (Q, lambda lq, lp, a: (lq.exp() * (lq - lp)).sum() * a),
    (Q, lambda lq, lp, a: float((lq.exp() * (lq - lp)).sum() * a)),
    (I, lse_k),
    (I, lambda lw: torch.logsumexp(lw - math.log(lw.shape[0]), dim=0)),
    (R, lambda mu, lv, eps: mu + torch.exp(0.5 * lv) * eps),
    (R, lambda mu, lv, eps: mu + lv.exp().sqrt() * eps),
    (K, kl_eq11),
    (K, lambda mu, lv: 0.5 * torch.sum(mu.pow(2) + lv.exp() - lv - 1, -1)),
    (T, lambda b, m, v: b.sum(-1) + kl_eq11(m, v)),
    (C, cb_log_norm),
    # the closed form everywhere but at 0: its float32 derivative near 0 is off by < 1e-4
    (C, cb_exact_except_zero),
    (W, lambda l, x, z, m, v: log_lik(l, x) + log_prior(z) - log_q(z, m, v)),
    # both 2 pi constants left out: they cancel, so this is right too
    (
        W,
        lambda l, x, z, m, v: (
            (x * l - F.softplus(l)).sum(-1)
            - 0.5 * z.pow(2).sum(-1)
            + 0.5 * (v + (z - m).pow(2) / v.exp()).sum(-1)
        ),
    ),
]


@pytest.mark.parametrize(
    "check, right", RIGHT, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(RIGHT)]
)
def test_right_answer_passes(check, right):
    report = check(right)
    assert report.passed, repr(report)


def test_a_nan_answer_is_not_misdiagnosed():
    """NaN is said plainly, never explained as fresh noise or as underflow."""
    reparam = repr(check_reparameterize(lambda mu, lv, eps: mu + torch.sqrt(lv) * eps))
    assert "NaN" in reparam and "different z" not in reparam, reparam
    iwae = repr(check_iwae_bound(lambda lw: torch.log(torch.exp(lw).mean(0) - 1e-30)))
    assert "NaN" in iwae and "exp(-200)" not in iwae, iwae


def test_in_place_change_of_a_right_answer_is_refused():
    """The value is right, the input is destroyed: refused, naming the input."""

    def right_but_in_place(mu, lv):
        result = kl_eq11(mu, lv)
        mu.zero_()
        return result

    report = check_kl(right_but_in_place)
    assert not report.passed and "`mu` in place" in repr(report), repr(report)
