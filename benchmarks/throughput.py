"""Training throughput, side by side in one run: the reference tutorial's loop, vae_core's loop,
and the floor set by the matrix products alone. Same model (784-256-20), batch 128, Adam 1e-3."""

from __future__ import annotations

import math
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

import vae_core
from vae_core import data, kernels, train

BATCH = 128
MODEL = f"{vae_core.PIXELS}-256-20"  # D-H-Z, the reference tutorial's sizes


class ReferenceVAE(nn.Module):
    """The tutorial's architecture: separate mu/logvar heads, sigmoid output, BCE on probabilities.

    Kept as the tutorial wrote it (sigmoid, then BCE on probabilities) because it is the
    baseline being timed; vae_core itself only ever works from logits."""

    def __init__(self, latent_dim: int = 20, hidden: int = 256, pixels: int = vae_core.PIXELS):
        super().__init__()
        self.pixels = pixels
        self.enc = nn.Linear(pixels, hidden)
        self.mu, self.logvar = nn.Linear(hidden, latent_dim), nn.Linear(hidden, latent_dim)
        self.dec1, self.dec2 = nn.Linear(latent_dim, hidden), nn.Linear(hidden, pixels)

    def forward(self, x):
        h = F.relu(self.enc(x.view(-1, self.pixels)))  # (B, H)
        mu, logvar = self.mu(h), self.logvar(h)  # (B, Z) each
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        x_hat = torch.sigmoid(self.dec2(F.relu(self.dec1(z))))  # (B, D)
        return x_hat.view(-1, *vae_core.IMAGE_SHAPE), mu, logvar


def reference_loss(x_hat, x, mu, logvar):
    bce = F.binary_cross_entropy(x_hat, x, reduction="sum")
    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def time_reference(root: str, steps: int) -> float:
    """Seconds per sample of the reference loop (torchvision dataset + DataLoader + ToTensor)."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    dataset = datasets.MNIST(root, train=True, download=False, transform=transforms.ToTensor())
    loader = DataLoader(dataset, batch_size=BATCH, shuffle=True)
    model = ReferenceVAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    tic, seen = time.perf_counter(), 0
    for i, (x, _) in enumerate(loader):
        if i == steps:
            break
        x_hat, mu, logvar = model(x)
        loss = reference_loss(x_hat, x, mu, logvar)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen += x.shape[0]
    return (time.perf_counter() - tic) / seen


def time_vae_core(train_set: data.ImageSet, epochs: int = 1) -> float:
    """Seconds per sample of vae_core.train's epoch loop (binarized batches, as in the book)."""
    model = vae_core.VAE(vae_core.VAEConfig(latent_dim=20))
    config = vae_core.TrainConfig(batch_size=BATCH)
    optimizer = train.make_optimizer(model, lr=config.lr)
    generator = torch.Generator().manual_seed(config.seed)
    tic = time.perf_counter()
    for epoch in range(epochs):
        train.train_epoch(model, train_set, optimizer, generator, epoch + 1, config)
    return (time.perf_counter() - tic) / (epochs * len(train_set))


def time_plain_step(train_set: data.ImageSet) -> float:
    """Seconds per sample of the same epoch as vae_core 0.2 ran it, for comparison: autograd
    through the kernels, `torch.bernoulli` per batch, and `clip_grad_norm_` as the check."""
    model = vae_core.VAE(vae_core.VAEConfig(latent_dim=20))
    optimizer = train.make_optimizer(model)
    generator = torch.Generator().manual_seed(0)
    images, n = train_set.images, len(train_set)
    tic = time.perf_counter()
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, BATCH):
        x = torch.bernoulli(images[order[start : start + BATCH]], generator=generator)
        mu, logvar = model.encoder(x)
        eps = torch.randn(mu.shape, generator=generator)
        logits = model.decoder(kernels.reparameterize(mu, logvar, eps))
        loss = -kernels.bernoulli_log_likelihood(logits, x).mean()
        loss = loss + kernels.kl_standard_normal(mu, logvar).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
        if not (math.isfinite(loss.item()) and math.isfinite(norm.item())):
            raise RuntimeError("diverged")
        optimizer.step()
    return (time.perf_counter() - tic) / n


def time_matmul_floor(
    n_samples: int, latent_dim: int = 20, hidden: int = 256, pixels: int = vae_core.PIXELS
) -> float:
    """Seconds per sample of the matrix products alone: forward, and backward for inputs and weights.

    Per step: encoder (B,D)x(D,H) and heads (B,H)x(H,2Z); decoder (B,Z)x(Z,H) and (B,H)x(H,D).
    Backward repeats each product twice (weight gradient, input gradient), except the input
    gradient of the first layer, which no one needs.
    """
    b = BATCH
    shapes = [
        ((b, pixels), (pixels, hidden)),
        ((b, hidden), (hidden, 2 * latent_dim)),
        ((b, latent_dim), (latent_dim, hidden)),
        ((b, hidden), (hidden, pixels)),
    ]
    products = []
    for (m, k), (_, n) in shapes:
        a, w, g = torch.randn(m, k), torch.randn(k, n), torch.randn(m, n)
        products.append((a, w))  # forward
        products.append((a.T.contiguous(), g))  # weight gradient: (K, B) x (B, N)
        products.append((g, w.T.contiguous()))  # input gradient: (B, N) x (N, K)
    products.pop(2)  # the first layer's input gradient is not computed
    steps = max(1, n_samples // b)
    tic = time.perf_counter()
    for _ in range(steps):
        for left, right in products:
            torch.mm(left, right)
    return (time.perf_counter() - tic) / (steps * b)


LOOPS = ("reference", "vae_core_0.2", "vae_core", "matmul_floor")


def run(root: str, repeats: int = 3, reference_steps: int = 150, threads=(1, 2)) -> dict:
    """Each loop at each thread count, interleaved within every repeat (the machine's speed
    drifts); medians."""
    train_set = data.load("train", root=root)
    before = torch.get_num_threads()
    rows = {k: {t: [] for t in threads} for k in LOOPS}
    for _ in range(repeats):
        for t in threads:
            torch.set_num_threads(t)
            rows["matmul_floor"][t].append(time_matmul_floor(len(train_set)))
            rows["vae_core"][t].append(time_vae_core(train_set))
            rows["vae_core_0.2"][t].append(time_plain_step(train_set))
            rows["reference"][t].append(time_reference(root, reference_steps))
    torch.set_num_threads(before)
    by_threads = {}
    for t in threads:
        med = {k: statistics.median(rows[k][t]) for k in LOOPS}
        by_threads[str(t)] = {
            "samples_per_second": {k: 1.0 / v for k, v in med.items()},
            "seconds_per_epoch": {k: v * len(train_set) for k, v in med.items()},
            "speedup_vs_reference": med["reference"] / med["vae_core"],
            "speedup_vs_0.2": med["vae_core_0.2"] / med["vae_core"],
            "ratio_to_floor": med["vae_core"] / med["matmul_floor"],
            "all_seconds_per_sample": {k: rows[k][t] for k in LOOPS},
        }
    return {
        "threads": list(threads),
        "repeats": repeats,
        "batch_size": BATCH,
        "model": MODEL,
        "target_ratio_to_floor": 3.0,
        "by_threads": by_threads,
    }


def table(t: dict) -> str:
    """The throughput part of the printed summary."""
    lines = [
        f"Training throughput ({t['model']}, batch {t['batch_size']}, median of {t['repeats']}, "
        f"loops interleaved)"
    ]
    for threads, r in t["by_threads"].items():
        lines.append(f"  {threads} thread(s)  {'samples/s':>10}{'s/epoch':>9}{'x floor':>9}")
        floor = r["seconds_per_epoch"]["matmul_floor"]
        for name, rate in r["samples_per_second"].items():
            sec = r["seconds_per_epoch"][name]
            lines.append(f"  {name:<13}{rate:>10,.0f}{sec:>9.2f}{sec / floor:>9.2f}")
        lines.append(
            f"  vae_core: {r['speedup_vs_reference']:.1f}x the reference loop, "
            f"{r['speedup_vs_0.2']:.2f}x vae_core 0.2, {r['ratio_to_floor']:.2f}x the floor "
            f"(target <= {t['target_ratio_to_floor']})"
        )
    return "\n".join(lines)
