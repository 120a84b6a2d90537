"""The catalogue of wrong calls to the public API (issue 7, extended in round two).

Each case is a call a student could plausibly make. It must raise the stated error type, and the
message must name the argument, say what was expected and what was given (every listed
fragment must appear in the message, as a regular expression).
On a CPU-only machine the 'meta' device stands in for a second device (e.g. CUDA).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch

import vae_core as vc
from vae_core import data, train
from vae_core.data import ImageSet
from vae_core.model import Decoder


def model(latent_dim=2, **kwargs):
    torch.manual_seed(0)
    return vc.VAE(vc.VAEConfig(hidden=(16,), latent_dim=latent_dim, **kwargs))


def x(batch=3, pixels=784, fill=0.5, dtype=torch.float32, device="cpu"):
    return torch.full((batch, pixels), fill, dtype=dtype, device=device)


def z(batch=3, dim=2, **kwargs):
    return torch.zeros(batch, dim, **kwargs)


def with_nan(t, value=float("nan")):
    t = t.clone()
    t.view(-1)[1] = value
    return t


def swapped_decoder():
    m = model(latent_dim=2)
    m.decoder = Decoder(vc.VAEConfig(hidden=(16,), latent_dim=5))  # sized for another model
    return m


def short_decoder():
    m = model()
    m.decoder.net[-1] = torch.nn.Linear(16, 100)  # 100 logits instead of 784
    return m


def images(n=10, pixels=784, fill=0.5, device="cpu"):
    return ImageSet(
        torch.full((n, pixels), fill, device=device),
        torch.zeros(n, dtype=torch.int64, device=device),
    )


def lg():
    return vc.LinearGaussianModel.random(4, 2, generator=torch.Generator().manual_seed(0))


def lg_x():
    return torch.zeros(3, 4, dtype=torch.float64)


def lg_cov():
    return torch.eye(2, dtype=torch.float64)


def square(zz):
    return zz.pow(2).sum(-1)


MU, LOGVAR = torch.zeros(4, 3), torch.zeros(4, 3)


@dataclass
class Case:
    id: str
    call: Callable[[], object]
    error: type
    fragments: tuple[str, ...]  # regexes that must all be found in the message


CATALOGUE = [
    # --- sizes in the config ------------------------------------------------------------------
    Case(
        "config-latent-zero",
        lambda: vc.VAEConfig(latent_dim=0),
        ValueError,
        ("latent_dim", ">= 1", "got 0"),
    ),
    Case(
        "config-latent-negative",
        lambda: vc.VAEConfig(latent_dim=-2),
        ValueError,
        ("latent_dim", ">= 1", "got -2"),
    ),
    Case(
        "config-latent-float",
        lambda: vc.VAEConfig(latent_dim=2.5),
        TypeError,
        ("latent_dim", "int", "float"),
    ),
    Case(
        "config-hidden-zero",
        lambda: vc.VAEConfig(hidden=(256, 0)),
        ValueError,
        (r"hidden\[1\]", ">= 1", "got 0"),
    ),
    Case(
        "config-hidden-string",
        lambda: vc.VAEConfig(hidden="256"),
        TypeError,
        ("hidden", "tuple of ints", "str"),
    ),
    Case(
        "config-data-dim-zero",
        lambda: vc.VAEConfig(data_dim=0),
        ValueError,
        ("data_dim", ">= 1", "got 0"),
    ),
    Case(
        "vae-config-not-a-config",
        lambda: vc.VAE({"latent_dim": 2}),
        TypeError,
        ("config", "VAEConfig", "dict"),
    ),
    # --- the encoder's input x ----------------------------------------------------------------
    Case(
        "encode-list",
        lambda: model().encode([[0.0] * 784]),
        TypeError,
        (r"\bx\b", "torch.Tensor", "list"),
    ),
    Case(
        "encode-single-image-1d",
        lambda: model().encode(torch.zeros(784)),
        ValueError,
        (r"\bx\b", "batch", r"\(784,\)", "unsqueeze"),
    ),
    Case(
        "encode-wrong-pixels",
        lambda: model().encode(x(pixels=100)),
        ValueError,
        (r"\bx\b", "784 pixels", "got 100"),
    ),
    Case(
        "encode-uint8-pixels",
        lambda: model().encode(x(dtype=torch.uint8)),
        TypeError,
        (r"\bx\b", "floating dtype", "torch.uint8"),
    ),
    Case(
        "encode-float64-numpy-style",
        lambda: model().encode(x(dtype=torch.float64)),
        TypeError,
        (r"\bx\b", "torch.float32", "torch.float64"),
    ),
    Case(
        "encode-nan", lambda: model().encode(with_nan(x())), ValueError, (r"\bx\b", "finite", "NaN")
    ),
    Case(
        "encode-inf",
        lambda: model().encode(with_nan(x(), float("inf"))),
        ValueError,
        (r"\bx\b", "finite", "inf"),
    ),
    Case(
        "encode-empty-batch",
        lambda: model().encode(x(batch=0)),
        ValueError,
        (r"\bx\b", "not be empty", r"\(0, 784\)"),
    ),
    Case(
        "encode-data-on-other-device",
        lambda: model().encode(x(device="meta")),
        ValueError,
        (r"\bx\b", "meta", "model is on cpu", r"\.to\(model\.device\)"),
    ),
    Case(
        "encode-model-on-other-device",
        lambda: model().to("meta").encode(x()),
        ValueError,
        (r"\bx\b", "is on cpu", "model is on meta"),
    ),
    # --- the decoder's input z and broken architectures -----------------------------------------
    Case(
        "decode-wrong-latent-size",
        lambda: model().decode(z(dim=3)),
        ValueError,
        (r"\bz\b", "last dimension 2", r"\(3, 3\)"),
    ),
    Case(
        "decode-int-z",
        lambda: model().decode(z(dtype=torch.int64)),
        TypeError,
        (r"\bz\b", "floating dtype", "torch.int64"),
    ),
    Case(
        "decode-z-on-other-device",
        lambda: model().decode(z(device="meta")),
        ValueError,
        (r"\bz\b", "meta", "model is on cpu"),
    ),
    Case(
        "mismatched-encoder-decoder",
        lambda: swapped_decoder().encode(x()),
        ValueError,
        ("model.decoder", "latent_dim=2", "in_features=5"),
    ),
    Case(
        "decoder-wrong-output-size",
        lambda: vc.elbo(short_decoder(), x()),
        ValueError,
        ("model.decoder", "data_dim=784", "out_features=100"),
    ),
    Case("sample-zero", lambda: model().sample(0), ValueError, (r"\bn\b", ">= 1", "got 0")),
    # --- reparameterization and KL ----------------------------------------------------------
    Case(
        "reparameterize-shape-mismatch",
        lambda: vc.reparameterize(z(dim=2), z(dim=3)),
        ValueError,
        ("mu and logvar", "same shape", r"\(3, 2\) and \(3, 3\)"),
    ),
    Case(
        "reparameterize-eps-shape",
        lambda: vc.reparameterize(z(), z(), eps=z(batch=5)),
        ValueError,
        ("eps and mu", "same shape", r"\(5, 2\)"),
    ),
    Case(
        "reparameterize-eps-device",
        lambda: vc.reparameterize(z(), z(), eps=z(device="meta")),
        ValueError,
        ("eps", "meta", "mu is on cpu"),
    ),
    Case(
        "kl-int-mu",
        lambda: vc.kl_closed_form(torch.zeros(2, 3, dtype=torch.int64), MU[:2]),
        TypeError,
        ("mu", "floating dtype", "torch.int64"),
    ),
    Case(
        "kl-nan-logvar",
        lambda: vc.kl_closed_form(MU, with_nan(LOGVAR)),
        ValueError,
        ("logvar", "finite", "NaN"),
    ),
    Case(
        "kl-shape-mismatch",
        lambda: vc.kl_closed_form(MU, LOGVAR[:, :2]),
        ValueError,
        ("mu and logvar", "same shape", r"\(4, 3\) and \(4, 2\)"),
    ),
    Case(
        "kl-empty",
        lambda: vc.kl_closed_form(torch.zeros(0, 3), torch.zeros(0, 3)),
        ValueError,
        ("mu", "not be empty", r"\(0, 3\)"),
    ),
    Case(
        "kl-devices-differ",
        lambda: vc.kl_closed_form(MU, LOGVAR.to("meta")),
        ValueError,
        ("logvar", "meta", "mu is on cpu"),
    ),
    Case(
        "kl-monte-carlo-one-sample",
        lambda: vc.kl_monte_carlo(MU, LOGVAR, 1),
        ValueError,
        ("num_samples", ">= 2", "got 1"),
    ),
    Case(
        "kl-monte-carlo-float-samples",
        lambda: vc.kl_monte_carlo(MU, LOGVAR, 100.0),
        TypeError,
        ("num_samples", "int", "float"),
    ),
    # --- the Bernoulli likelihood needs x in [0, 1] -------------------------------------------
    Case(
        "likelihood-pixels-0-255",
        lambda: vc.bernoulli_log_likelihood(x(), x(fill=255.0)),
        ValueError,
        (r"\bx\b", r"\[0, 1\]", "255", "divide by 255"),
    ),
    Case(
        "likelihood-negative-x",
        lambda: vc.bernoulli_log_likelihood(x(), x(fill=-0.5)),
        ValueError,
        (r"\bx\b", r"\[0, 1\]", "-0.5"),
    ),
    Case(
        "likelihood-pixel-mismatch",
        lambda: vc.bernoulli_log_likelihood(x(), x(pixels=100)),
        ValueError,
        ("logits and x", "same last dimension", r"\(3, 784\) and \(3, 100\)"),
    ),
    Case(
        "likelihood-nan-logits",
        lambda: vc.bernoulli_log_likelihood(with_nan(x()), x()),
        ValueError,
        ("logits", "finite", "NaN"),
    ),
    Case(
        "likelihood-devices-differ",
        lambda: vc.bernoulli_log_likelihood(x(), x(device="meta")),
        ValueError,
        ("logits", "x is on meta"),
    ),
    Case(
        "elbo-pixels-0-255",
        lambda: vc.elbo(model(), x(fill=255.0)),
        ValueError,
        (r"\bx\b", r"\[0, 1\]", "255"),
    ),
    Case(
        "elbo-not-a-model",
        lambda: vc.elbo("my_model", x()),
        TypeError,
        ("model", "vae_core.VAE", "str"),
    ),
    # --- estimators ---------------------------------------------------------------------------
    Case(
        "iwae-zero-samples",
        lambda: vc.iwae_bound(model(), x(), 0),
        ValueError,
        ("num_samples", ">= 1", "got 0"),
    ),
    Case(
        "iwae-pixels-above-one",
        lambda: vc.iwae_bound(model(), x(fill=2.0), 10),
        ValueError,
        (r"\bx\b", r"\[0, 1\]", "2"),
    ),
    Case(
        "naive-negative-samples",
        lambda: vc.naive_log_px(model(), x(), -5),
        ValueError,
        ("num_samples", ">= 1", "got -5"),
    ),
    Case(
        "naive-pixels-above-one",
        lambda: vc.naive_log_px(model(), x(fill=3.0), 10),
        ValueError,
        (r"\bx\b", r"\[0, 1\]", "3"),
    ),
    Case(
        "gradient-f-not-callable",
        lambda: vc.reparameterized_gradient(2.0, MU, LOGVAR, 10),
        TypeError,
        (r"\bf\b", "function", "float"),
    ),
    Case(
        "gradient-f-not-summed",
        lambda: vc.score_function_gradient(lambda zz: zz.pow(2), MU, LOGVAR, 10),
        ValueError,
        (r"\bf\b", "one value per sample", r"\(10, 4\)", r"\(10, 4, 3\)"),
    ),
    Case(
        "gradient-one-sample",
        lambda: vc.reparameterized_gradient(square, MU, LOGVAR, 1),
        ValueError,
        ("num_samples", ">= 2", "got 1"),
    ),
    # --- linear-Gaussian reference model and grid ---------------------------------------------
    Case(
        "lg-noise-zero",
        lambda: vc.LinearGaussianModel(
            torch.ones(4, 2, dtype=torch.float64), torch.zeros(4, dtype=torch.float64), 0.0
        ),
        ValueError,
        ("noise_std", "> 0", "got 0"),
    ),
    Case(
        "lg-latent-zero",
        lambda: vc.LinearGaussianModel.random(4, 0),
        ValueError,
        ("latent_dim", ">= 1", "got 0"),
    ),
    Case(
        "lg-x-wrong-size",
        lambda: lg().log_marginal(torch.zeros(3, 5, dtype=torch.float64)),
        ValueError,
        (r"\bx\b", "last dimension 4", r"\(3, 5\)"),
    ),
    Case(
        "lg-q-cov-not-pd",
        lambda: lg().elbo(lg_x(), torch.zeros(3, 2, dtype=torch.float64), -lg_cov()),
        ValueError,
        ("q_cov", "positive definite", "smallest eigenvalue -1"),
    ),
    Case(
        "lg-q-cov-not-symmetric",
        lambda: lg().kl_to_posterior(
            lg_x(),
            torch.zeros(3, 2, dtype=torch.float64),
            torch.tensor([[1.0, 0.5], [0.0, 1.0]], dtype=torch.float64),
        ),
        ValueError,
        ("q_cov", "symmetric", "not symmetric"),
    ),
    Case(
        "lg-q-mean-wrong-rows",
        lambda: lg().elbo(lg_x(), torch.zeros(2, 2, dtype=torch.float64), lg_cov()),
        ValueError,
        ("q_mean", "one row per row of x", r"\(2, 2\)"),
    ),
    Case(
        "grid-resolution-too-small",
        lambda: vc.posterior_on_grid(square, resolution=3),
        ValueError,
        ("resolution", ">= 5", "got 3"),
    ),
    Case(
        "grid-negative-extent",
        lambda: vc.posterior_on_grid(square, extent=-1.0),
        ValueError,
        ("extent", "> 0", "-1"),
    ),
    Case(
        "grid-log-joint-wrong-shape",
        lambda: vc.posterior_on_grid(lambda zz: zz),
        ValueError,
        ("log_joint", "one log density per grid point", r"\(14641, 2\)"),
    ),
    Case(
        "grid-needs-two-latents",
        lambda: vc.vae_log_joint(model(latent_dim=3), x(batch=1)[0]),
        ValueError,
        ("model", "latent_dim 2", "got latent_dim 3"),
    ),
    Case(
        "grid-batch-instead-of-image",
        lambda: vc.vae_log_joint(model(), x(batch=2)),
        ValueError,
        (r"\bx\b", "one image of 784 pixels", r"\(2, 784\)"),
    ),
    # --- data and training --------------------------------------------------------------------
    Case(
        "load-unknown-split",
        lambda: data.load("validation"),
        ValueError,
        ("split", "'train' or 'test'", "'validation'"),
    ),
    Case(
        "load-unknown-dataset",
        lambda: data.load("train", dataset="cifar10"),
        ValueError,
        ("dataset", "fashion-mnist", "'cifar10'"),
    ),
    Case("subset-zero", lambda: images().subset(0), ValueError, (r"\bn\b", ">= 1", "got 0")),
    Case(
        "fit-zero-epochs",
        lambda: train.fit(model(), images(), epochs=0, progress=False),
        ValueError,
        ("epochs", ">= 1", "got 0"),
    ),
    Case(
        "fit-negative-lr",
        lambda: train.fit(model(), images(), lr=-1e-3, progress=False),
        ValueError,
        ("lr", "> 0", "-0.001"),
    ),
    Case(
        "fit-zero-batch",
        lambda: train.fit(model(), images(), batch_size=0, progress=False),
        ValueError,
        ("batch_size", ">= 1", "got 0"),
    ),
    Case(
        "fit-tensor-instead-of-imageset",
        lambda: train.fit(model(), x(), epochs=1, progress=False),
        TypeError,
        ("train", "ImageSet", "Tensor"),
    ),
    Case(
        "fit-pixels-0-255",
        lambda: train.fit(model(), images(fill=255.0), progress=False),
        ValueError,
        (r"train\.images", r"\[0, 1\]", "255"),
    ),
    Case(
        "fit-wrong-pixels",
        lambda: train.fit(model(), images(pixels=100), progress=False),
        ValueError,
        (r"train\.images", "last dimension 784", r"\(10, 100\)"),
    ),
    Case(
        "fit-empty-train",
        lambda: train.fit(model(), images(n=0), progress=False),
        ValueError,
        (r"train\.images", "not be empty", r"\(0, 784\)"),
    ),
    Case(
        "fit-data-on-other-device",
        lambda: train.fit(model(), images(device="meta"), progress=False),
        ValueError,
        ("train", "meta", "model is on cpu", r"train\.to\(model\.device\)"),
    ),
    Case(
        "fit-nan-in-test-set",
        lambda: train.fit(
            model(), images(), ImageSet(with_nan(x()), torch.zeros(3)), progress=False
        ),
        ValueError,
        (r"test\.images", "finite", "NaN"),
    ),
    Case(
        "evaluate-zero-samples",
        lambda: train.evaluate(model(), x(), num_samples=0),
        ValueError,
        ("num_samples", ">= 1", "got 0"),
    ),
    Case(
        "save-checkpoint-not-a-model",
        lambda: vc.save_checkpoint("/tmp/never-written.safetensors", {"w": 1}),
        TypeError,
        ("model", "vae_core.VAE", "dict"),
    ),
]


def other_model_optimizer():
    return train.make_optimizer(model(latent_dim=3))


def crafted_checkpoint(tmp: str, **header) -> str:
    """A safetensors file with a hand-made header (what a damaged or foreign file looks like)."""
    from safetensors.torch import save_file

    path = f"/tmp/vae-core-bad-{tmp}.safetensors"
    save_file({"model.w": torch.zeros(1)}, path, metadata=header)
    return path


def valid_header() -> dict:
    return {"format": "vae_core.checkpoint/1", "config": model().config.to_json()}


G = torch.Generator
X1 = torch.full((784,), 0.5)

CATALOGUE += [
    # --- round two: helpers that checked nothing ---------------------------------------------
    Case(
        "gaussian-density-list-z",
        lambda: vc.gaussian_log_density([0.0], MU, LOGVAR),
        TypeError,
        (r"\bz\b", "torch.Tensor", "list"),
    ),
    Case(
        "gaussian-density-z-latent-size",
        lambda: vc.gaussian_log_density(torch.zeros(4, 5), MU, LOGVAR),
        ValueError,
        (r"\bz\b", "last dimension 3", r"\(4, 5\)"),
    ),
    Case(
        "gaussian-density-no-broadcast",
        lambda: vc.gaussian_log_density(torch.zeros(7, 3), MU, LOGVAR),
        ValueError,
        (r"\bz\b", "does not broadcast", r"\(4, 3\)"),
    ),
    Case(
        "gaussian-density-z-device",
        lambda: vc.gaussian_log_density(torch.zeros(4, 3, device="meta"), MU, LOGVAR),
        ValueError,
        (r"\bz\b", "meta", "mu is on cpu"),
    ),
    Case(
        "gaussian-density-logvar-nan",
        lambda: vc.gaussian_log_density(MU, MU, with_nan(LOGVAR)),
        ValueError,
        ("logvar", "finite", "NaN"),
    ),
    Case(
        "prior-density-list",
        lambda: vc.standard_normal_log_density([1.0]),
        TypeError,
        (r"\bz\b", "torch.Tensor", "list"),
    ),
    Case(
        "prior-density-scalar",
        lambda: vc.standard_normal_log_density(torch.tensor(1.0)),
        ValueError,
        (r"\bz\b", "latent axis", "0-d"),
    ),
    Case(
        "prior-density-int",
        lambda: vc.standard_normal_log_density(z(dtype=torch.int64)),
        TypeError,
        (r"\bz\b", "floating dtype", "int64"),
    ),
    Case(
        "log-mean-exp-list",
        lambda: vc.log_mean_exp([1.0, 2.0]),
        TypeError,
        ("log_values", "torch.Tensor", "list"),
    ),
    Case(
        "log-mean-exp-axis",
        lambda: vc.log_mean_exp(torch.zeros(3, 4), dim=2),
        ValueError,
        (r"\bdim\b", "2 axes", r"\(3, 4\)", "got 2"),
    ),
    Case(
        "log-mean-exp-float-axis",
        lambda: vc.log_mean_exp(torch.zeros(3), dim=0.0),
        TypeError,
        (r"\bdim\b", "int", "float"),
    ),
    Case(
        "log-mean-exp-nan",
        lambda: vc.log_mean_exp(with_nan(torch.zeros(3))),
        ValueError,
        ("log_values", "NaN"),
    ),
    Case(
        "log-mean-exp-plus-inf",
        lambda: vc.log_mean_exp(with_nan(torch.zeros(3), float("inf"))),
        ValueError,
        ("log_values", r"\+inf"),
    ),
    Case(
        "log-mean-exp-empty",
        lambda: vc.log_mean_exp(torch.zeros(0)),
        ValueError,
        ("log_values", "not be empty"),
    ),
    # --- range checks that were inconsistent ---------------------------------------------------
    Case(
        "encode-pixels-0-255",
        lambda: model().encode(x(fill=255.0)),
        ValueError,
        (r"\bx\b", r"\[0, 1\]", "divide by 255"),
    ),
    Case(
        "encode-negative-pixels",
        lambda: model().encode(x(fill=-1.0)),
        ValueError,
        (r"\bx\b", r"\[0, 1\]", "-1"),
    ),
    Case(
        "forward-pixels-0-255",
        lambda: model()(x(fill=255.0)),
        ValueError,
        (r"\bx\b", r"\[0, 1\]", "255"),
    ),
    Case(
        "log-joint-pixels-0-255",
        lambda: vc.vae_log_joint(model(), X1 * 255),
        ValueError,
        (r"\bx\b", r"\[0, 1\]", "255"),
    ),
    Case(
        "log-weights-pixels-0-255",
        lambda: vc.log_weights(model(), x(fill=255.0), 2),
        ValueError,
        (r"\bx\b", r"\[0, 1\]", "255"),
    ),
    Case(
        "evaluate-pixels-0-255",
        lambda: train.evaluate(model(), x(fill=255.0)),
        ValueError,
        (r"\bx\b", r"\[0, 1\]", "255"),
    ),
    Case(
        "cb-likelihood-pixels-0-255",
        lambda: vc.continuous_bernoulli_log_likelihood(x(), x(fill=255.0)),
        ValueError,
        (r"\bx\b", r"\[0, 1\]", "255"),
    ),
    Case(
        "log-likelihood-pixels-negative",
        lambda: vc.log_likelihood("bernoulli", x(), x(fill=-2.0)),
        ValueError,
        (r"\bx\b", r"\[0, 1\]"),
    ),
    # --- non-finite input to the grid ----------------------------------------------------------
    Case(
        "grid-log-joint-minus-inf",
        lambda: vc.posterior_on_grid(
            lambda zz: torch.where(zz[:, 0] > 0, -square(zz), torch.full_like(zz[:, 0], -torch.inf))
        ),
        ValueError,
        ("log_joint", "finite", "-inf", "grid points"),
    ),
    Case(
        "grid-log-joint-plus-inf",
        lambda: vc.posterior_on_grid(lambda zz: torch.full_like(zz[:, 0], torch.inf)),
        ValueError,
        ("log_joint", "finite", "inf at 14641"),
    ),
    Case(
        "grid-log-joint-nan",
        lambda: vc.posterior_on_grid(lambda zz: torch.full_like(zz[:, 0], torch.nan)),
        ValueError,
        ("log_joint", "finite", "nan"),
    ),
    Case(
        "grid-extent-nan",
        lambda: vc.posterior_on_grid(square, extent=float("nan")),
        ValueError,
        ("extent", "finite number > 0", "nan"),
    ),
    Case(
        "grid-not-a-function",
        lambda: vc.posterior_on_grid(3.0),
        TypeError,
        ("log_joint", "function", "float"),
    ),
    Case(
        "grid-log-floor-zero",
        lambda: vc.posterior_on_grid(square, log_floor=0),
        ValueError,
        ("log_floor", "> 0", "got 0"),
    ),
    Case(
        "grid-cover-not-a-pair",
        lambda: vc.posterior_on_grid(square, cover=torch.zeros(2)),
        TypeError,
        ("cover", "pair", "mu, logvar"),
    ),
    Case(
        "grid-cover-wrong-shape",
        lambda: vc.posterior_on_grid(square, cover=(torch.zeros(3), torch.zeros(3))),
        ValueError,
        ("cover", r"\(2,\)", r"\(3,\)"),
    ),
    Case(
        "kl-to-posterior-not-a-grid",
        lambda: vc.kl_to_posterior("grid", torch.zeros(2), torch.zeros(2)),
        TypeError,
        ("grid", "GridPosterior", "str"),
    ),
    Case(
        "kl-to-posterior-q-outside-box",
        lambda: vc.kl_to_posterior(
            vc.posterior_on_grid(lambda zz: -square(zz) * 50),
            torch.tensor([5.0, 5.0]),
            torch.zeros(2),
        ),
        ValueError,
        ("q's mass", "inside the grid's box", "cover="),
    ),
    Case(
        "kl-to-posterior-batch",
        lambda: vc.kl_to_posterior(
            vc.posterior_on_grid(lambda zz: -square(zz)), torch.zeros(3, 2), torch.zeros(3, 2)
        ),
        ValueError,
        ("mu and logvar", r"\(2,\)", r"\(3, 2\)"),
    ),
    # --- no bound on work -----------------------------------------------------------------------
    Case(
        "iwae-absurd-k",
        lambda: vc.iwae_bound(model(), x(), 10**13),
        ValueError,
        ("num_samples", "10,000,000,000,000", "at most about"),
    ),
    Case(
        "naive-absurd-k",
        lambda: vc.naive_log_px(model(), x(), 10**13),
        ValueError,
        ("num_samples", "operations", "at most about"),
    ),
    Case(
        "log-weights-absurd-k",
        lambda: vc.log_weights(model(), x(), 10**12),
        ValueError,
        ("num_samples", "at most about"),
    ),
    Case(
        "kl-monte-carlo-absurd-k",
        lambda: vc.kl_monte_carlo(MU, LOGVAR, 10**13),
        ValueError,
        ("num_samples", "at most about"),
    ),
    Case(
        "gradient-absurd-k",
        lambda: vc.reparameterized_gradient(square, MU, LOGVAR, 10**13),
        ValueError,
        ("num_samples", "at most about"),
    ),
    Case(
        "evaluate-absurd-k",
        lambda: train.evaluate(model(), x(), num_samples=10**13),
        ValueError,
        ("num_samples", "at most about"),
    ),
    Case(
        "lg-iwae-absurd-k",
        lambda: lg().iwae_bound(lg_x(), torch.zeros(3, 2, dtype=torch.float64), lg_cov(), 10**13),
        ValueError,
        ("num_samples", "at most about"),
    ),
    # --- generators of the wrong kind ------------------------------------------------------------
    Case(
        "reparameterize-generator-int",
        lambda: vc.reparameterize(MU, LOGVAR, generator=3),
        TypeError,
        ("generator", "torch.Generator", "int", r"manual_seed\(3\)"),
    ),
    Case(
        "sample-generator-str",
        lambda: model().sample(3, generator="seed"),
        TypeError,
        ("generator", "torch.Generator", "str"),
    ),
    Case(
        "iwae-generator-int",
        lambda: vc.iwae_bound(model(), x(), 5, generator=0),
        TypeError,
        ("generator", "torch.Generator", "int"),
    ),
    Case(
        "naive-generator-int",
        lambda: vc.naive_log_px(model(), x(), 5, generator=1),
        TypeError,
        ("generator", "torch.Generator", "int"),
    ),
    Case(
        "kl-mc-generator-str",
        lambda: vc.kl_monte_carlo(MU, LOGVAR, 5, generator="0"),
        TypeError,
        ("generator", "torch.Generator", "str"),
    ),
    Case(
        "elbo-generator-int",
        lambda: vc.elbo(model(), x(), generator=2),
        TypeError,
        ("generator", "torch.Generator", "int"),
    ),
    Case(
        "gradient-generator-int",
        lambda: vc.score_function_gradient(square, MU, LOGVAR, 5, generator=4),
        TypeError,
        ("generator", "torch.Generator", "int"),
    ),
    Case(
        "fit-generator-int",
        lambda: train.fit(model(), images(), generator=0, progress=False),
        TypeError,
        ("generator", "torch.Generator", "int"),
    ),
    Case(
        "evaluate-generator-int",
        lambda: train.evaluate(model(), x(), generator=7),
        TypeError,
        ("generator", "torch.Generator", "int"),
    ),
    Case(
        "batches-generator-int",
        lambda: list(images().batches(4, 3)),
        TypeError,
        ("generator", "torch.Generator", "int"),
    ),
    Case(
        "batches-generator-none",
        lambda: list(images().batches(4, None)),
        TypeError,
        ("generator", "torch.Generator", "None"),
    ),
    Case(
        "lg-random-generator-int",
        lambda: vc.LinearGaussianModel.random(4, 2, generator=5),
        TypeError,
        ("generator", "torch.Generator", "int"),
    ),
    # --- training settings and optimizers --------------------------------------------------------
    Case(
        "fit-optimizer-of-another-model",
        lambda: train.fit(model(), images(), optimizer=other_model_optimizer(), progress=False),
        ValueError,
        ("optimizer", "none of model's parameters", "make_optimizer"),
    ),
    Case(
        "fit-optimizer-a-string",
        lambda: train.fit(model(), images(), optimizer="adam", progress=False),
        TypeError,
        ("optimizer", "torch.optim.Optimizer", "str"),
    ),
    Case(
        "fit-unknown-setting",
        lambda: train.fit(model(), images(), epoch=3),
        TypeError,
        ("unknown setting", "'epoch'", "TrainConfig"),
    ),
    Case(
        "fit-config-a-dict",
        lambda: train.fit(model(), images(), None, {"epochs": 1}),
        TypeError,
        ("config", "TrainConfig", "dict"),
    ),
    Case(
        "fit-unknown-likelihood",
        lambda: train.fit(model(), images(), likelihood="gaussian"),
        ValueError,
        ("likelihood", "bernoulli", "'gaussian'"),
    ),
    Case(
        "fit-negative-seed",
        lambda: train.fit(model(), images(), seed=-1),
        TypeError,
        ("seed", ">= 0", "-1"),
    ),
    Case(
        "fit-negative-max-seconds",
        lambda: train.fit(model(), images(), max_seconds=-1),
        ValueError,
        ("max_seconds", "> 0", "-1"),
    ),
    Case(
        "fit-binarize-a-string",
        lambda: train.fit(model(), images(), binarize="yes"),
        TypeError,
        ("binarize", "True or False", "'yes'"),
    ),
    Case(
        "fit-progress-an-int",
        lambda: train.fit(model(), images(), progress=1),
        TypeError,
        ("progress", "True or False", "1"),
    ),
    Case(
        "fit-eval-images-zero",
        lambda: train.fit(model(), images(), eval_images=0),
        ValueError,
        ("eval_images", ">= 1", "got 0"),
    ),
    Case(
        "fit-test-a-tensor",
        lambda: train.fit(model(), images(), x(), progress=False),
        TypeError,
        ("test", "ImageSet", "Tensor"),
    ),
    Case(
        "fit-resume-an-int",
        lambda: train.fit(model(), images(), resume=3, progress=False),
        TypeError,
        ("resume", "checkpoint path or a TrainingState", "int"),
    ),
    Case(
        "fit-resume-missing-file",
        lambda: train.fit(
            model(), images(), resume="/tmp/vae-core-none.safetensors", progress=False
        ),
        vc.CheckpointError,
        ("vae-core-none.safetensors", "does not exist"),
    ),
    Case(
        "trainconfig-lr-string",
        lambda: vc.TrainConfig(lr="0.1"),
        TypeError,
        (r"\blr\b", "positive number", "str"),
    ),
    Case(
        "trainconfig-beta-negative",
        lambda: vc.TrainConfig(beta=-1.0),
        ValueError,
        (r"\bbeta\b", ">= 0", "-1.0"),
    ),
    Case(
        "trainconfig-free-bits-string",
        lambda: vc.TrainConfig(free_bits="0.5"),
        TypeError,
        ("free_bits", "number >= 0", "str"),
    ),
    Case(
        "trainconfig-warmup-negative",
        lambda: vc.TrainConfig(kl_warmup_epochs=-2),
        ValueError,
        ("kl_warmup_epochs", ">= 0", "-2"),
    ),
    Case(
        "trainconfig-likelihood-not-a-string",
        lambda: vc.TrainConfig(likelihood=None),
        TypeError,
        ("likelihood", "name", "NoneType"),
    ),
    Case(
        "make-optimizer-not-a-model",
        lambda: train.make_optimizer("model"),
        TypeError,
        ("model", "vae_core.VAE", "str"),
    ),
    Case(
        "make-optimizer-negative-lr",
        lambda: train.make_optimizer(model(), lr=-1),
        ValueError,
        (r"\blr\b", "> 0", "-1"),
    ),
    Case(
        "evaluate-not-a-model",
        lambda: train.evaluate("model", x()),
        TypeError,
        ("model", "vae_core.VAE", "str"),
    ),
    Case(
        "evaluate-batch-size-zero",
        lambda: train.evaluate(model(), x(), batch_size=0),
        ValueError,
        ("batch_size", ">= 1", "got 0"),
    ),
    Case(
        "history-unknown-column",
        lambda: train.History().column("los"),
        ValueError,
        ("name", "'loss'", "'los'"),
    ),
    # --- likelihood names and the ELBO's noise ---------------------------------------------------
    Case(
        "elbo-unknown-likelihood",
        lambda: vc.elbo(model(), x(), likelihood="gaussian"),
        ValueError,
        ("likelihood", "continuous-bernoulli", "'gaussian'"),
    ),
    Case(
        "log-likelihood-kind-int",
        lambda: vc.log_likelihood(3, x(), x()),
        ValueError,
        ("likelihood", "bernoulli", "got 3"),
    ),
    Case(
        "elbo-eps-wrong-shape",
        lambda: vc.elbo(model(), x(), eps=torch.zeros(3, 5)),
        ValueError,
        ("eps and mu", "same shape", r"\(3, 5\)"),
    ),
    Case(
        "log-weights-eps-wrong-shape",
        lambda: vc.log_weights(model(), x(), 2, eps=z()),
        ValueError,
        ("eps", r"\(2, 3, 2\)", r"\(3, 2\)"),
    ),
    Case(
        "log-weights-zero-samples",
        lambda: vc.log_weights(model(), x(), 0),
        ValueError,
        ("num_samples", ">= 1", "got 0"),
    ),
    Case(
        "score-baseline-a-string",
        lambda: vc.score_function_gradient(square, MU, LOGVAR, 5, baseline="mean"),
        TypeError,
        ("baseline", "number or a tensor", "str"),
    ),
    Case(
        "cb-log-norm-list",
        lambda: vc.continuous_bernoulli_log_norm([0.1]),
        TypeError,
        ("logits", "torch.Tensor", "list"),
    ),
    Case(
        "cb-mean-int-logits",
        lambda: vc.continuous_bernoulli_mean(torch.zeros(3, dtype=torch.int64)),
        TypeError,
        ("logits", "floating dtype", "int64"),
    ),
    Case(
        "cb-likelihood-pixel-mismatch",
        lambda: vc.continuous_bernoulli_log_likelihood(x(), x(pixels=10)),
        ValueError,
        ("logits and x", "same last dimension", r"\(3, 10\)"),
    ),
    # --- the data containers ---------------------------------------------------------------------
    Case(
        "imageset-from-lists",
        lambda: ImageSet([[0.5] * 784], [0]),
        TypeError,
        ("images", "torch.Tensor", "list"),
    ),
    Case(
        "imageset-labels-short",
        lambda: ImageSet(torch.zeros(5, 784), torch.zeros(3)),
        ValueError,
        ("labels", "one entry per image", r"\(5\)", "got 3"),
    ),
    Case(
        "imageset-images-1d",
        lambda: ImageSet(torch.zeros(784), torch.zeros(1)),
        ValueError,
        ("images", "2-D", r"\(784\)"),
    ),
    Case(
        "imageset-subset-too-large",
        lambda: images().subset(100),
        ValueError,
        (r"\bn\b", "at most", "10", "got 100"),
    ),
    Case(
        "imageset-to-unknown-device",
        lambda: images().to("gpu9"),
        ValueError,
        ("device", "'cpu' or 'cuda'", "'gpu9'"),
    ),
    Case(
        "imageset-binarized-seed-string",
        lambda: images().binarized(seed="a"),
        TypeError,
        ("seed", "int >= 0", "'a'"),
    ),
    Case(
        "imageset-batches-zero",
        lambda: list(images().batches(0, G().manual_seed(0))),
        ValueError,
        ("batch_size", ">= 1", "got 0"),
    ),
    Case("load-split-int", lambda: data.load(1), ValueError, ("split", "'train' or 'test'", "1")),
    # --- files -----------------------------------------------------------------------------------
    Case(
        "load-checkpoint-a-folder",
        lambda: vc.load_checkpoint("/tmp"),
        vc.CheckpointError,
        ("/tmp", "is a folder", "not a checkpoint file"),
    ),
    Case(
        "load-checkpoint-path-int",
        lambda: vc.load_checkpoint(3),
        TypeError,
        ("path", "file path", "int"),
    ),
    Case(
        "load-checkpoint-sha-int",
        lambda: vc.load_checkpoint("/tmp/x.safetensors", expected_sha256=3),
        ValueError,
        ("expected_sha256", "64-character hex", "3"),
    ),
    Case(
        "load-checkpoint-unknown-device",
        lambda: vc.load_checkpoint("/tmp/x.safetensors", device="gpu9"),
        ValueError,
        ("device", "'cuda'", "'gpu9'"),
    ),
    Case(
        "load-checkpoint-no-config",
        lambda: vc.load_checkpoint(
            crafted_checkpoint("noconfig", format="vae_core.checkpoint/1", tensors_sha256="x")
        ),
        vc.CheckpointError,
        ("corrupt|no valid config",),
    ),
    Case(
        "save-checkpoint-into-a-folder",
        lambda: vc.save_checkpoint("/tmp", model()),
        vc.CheckpointError,
        ("/tmp", "is a folder", "file name"),
    ),
    Case(
        "save-checkpoint-unwritable-folder",
        lambda: vc.save_checkpoint("/proc/vae-core.safetensors", model()),
        vc.CheckpointError,
        ("cannot write /proc/vae-core.safetensors", "/proc"),
    ),
    Case(
        "save-checkpoint-metrics-not-json",
        lambda: vc.save_checkpoint("/tmp/vae-core-m.safetensors", model(), metrics={"a": object()}),
        TypeError,
        ("metrics", "JSON values"),
    ),
    Case(
        "save-checkpoint-metrics-a-list",
        lambda: vc.save_checkpoint("/tmp/vae-core-m.safetensors", model(), metrics=[1, 2]),
        TypeError,
        ("metrics", "dict", "list"),
    ),
    Case(
        "save-checkpoint-extra-not-a-tensor",
        lambda: vc.save_checkpoint("/tmp/vae-core-m.safetensors", model(), extra={"a": 1}),
        TypeError,
        (r"extra\['a'\]", "torch.Tensor", "int"),
    ),
    Case(
        "config-json-not-json",
        lambda: vc.VAEConfig.from_json("{bad"),
        ValueError,
        ("config JSON", "does not parse"),
    ),
    Case(
        "config-json-unknown-field",
        lambda: vc.VAEConfig.from_json('{"latent_dim": 2, "z": 1}'),
        ValueError,
        ("unknown field", "'z'", "latent_dim"),
    ),
    Case(
        "pretrained-name-int",
        lambda: vc_pretrained().load_pretrained(3),
        ValueError,
        ("name", "mnist-z2", "got 3"),
    ),
    Case(
        "load-or-train-unknown-name",
        lambda: vc_pretrained().load_or_train("mnist-z5"),
        ValueError,
        ("name", "mnist-z20", "'mnist-z5'"),
    ),
    # --- the linear-Gaussian model ----------------------------------------------------------------
    Case("lg-sample-zero", lambda: lg().sample(0), ValueError, (r"\bn\b", ">= 1", "got 0")),
    Case(
        "lg-random-negative-size",
        lambda: vc.LinearGaussianModel.random(-1, 2),
        ValueError,
        ("data_dim", ">= 1", "got -1"),
    ),
    # --- the image-grid helper ---------------------------------------------------------------------
    Case(
        "plot-digits-list",
        lambda: vc.plot_digits([1, 2]),
        TypeError,
        ("images", "torch.Tensor", "list"),
    ),
    Case(
        "plot-digits-zero-columns",
        lambda: vc.plot_digits(x(), 0),
        ValueError,
        ("cols", ">= 1", "got 0"),
    ),
    Case(
        "plot-digits-titles-short",
        lambda: vc.plot_digits(x(), 3, titles=["a"]),
        ValueError,
        ("titles", "one entry per column", "got 1"),
    ),
    Case(
        "plot-digits-empty-rows",
        lambda: vc.plot_digits({}),
        ValueError,
        ("images", "at least one row"),
    ),
]


def vc_pretrained():
    from vae_core import pretrained

    return pretrained


def test_catalogue_is_large_enough():
    ids = [case.id for case in CATALOGUE]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert len(CATALOGUE) >= 150


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_bad_call_raises_a_message_that_teaches(case):
    with pytest.raises(Exception) as info:
        case.call()
    assert type(info.value) is case.error or isinstance(info.value, case.error), (
        f"{case.id}: expected {case.error.__name__}, got {type(info.value).__name__}: {info.value}"
    )
    message = str(info.value)
    import re

    missing = [f for f in case.fragments if not re.search(f, message)]
    assert not missing, f"{case.id}: message {message!r} lacks {missing}"
