"""Issue 7's catalogue of wrong calls to the public API.

Each case is a call a student could plausibly make. It must raise the stated error type, and the
message must name the argument, say what was expected and what was given (every listed
fragment must appear in the message, as a regular expression).
On a CPU-only machine the 'meta' device stands in for a second device (e.g. CUDA).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

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
    return ImageSet(torch.full((n, pixels), fill, device=device),
                    torch.zeros(n, dtype=torch.int64, device=device))


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
    Case("config-latent-zero", lambda: vc.VAEConfig(latent_dim=0), ValueError,
         ("latent_dim", ">= 1", "got 0")),
    Case("config-latent-negative", lambda: vc.VAEConfig(latent_dim=-2), ValueError,
         ("latent_dim", ">= 1", "got -2")),
    Case("config-latent-float", lambda: vc.VAEConfig(latent_dim=2.5), TypeError,
         ("latent_dim", "int", "float")),
    Case("config-hidden-zero", lambda: vc.VAEConfig(hidden=(256, 0)), ValueError,
         (r"hidden\[1\]", ">= 1", "got 0")),
    Case("config-hidden-string", lambda: vc.VAEConfig(hidden="256"), TypeError,
         ("hidden", "tuple of ints", "str")),
    Case("config-data-dim-zero", lambda: vc.VAEConfig(data_dim=0), ValueError,
         ("data_dim", ">= 1", "got 0")),
    Case("vae-config-not-a-config", lambda: vc.VAE({"latent_dim": 2}), TypeError,
         ("config", "VAEConfig", "dict")),
    # --- the encoder's input x ----------------------------------------------------------------
    Case("encode-list", lambda: model().encode([[0.0] * 784]), TypeError,
         (r"\bx\b", "torch.Tensor", "list")),
    Case("encode-single-image-1d", lambda: model().encode(torch.zeros(784)), ValueError,
         (r"\bx\b", "batch", r"\(784,\)", "unsqueeze")),
    Case("encode-wrong-pixels", lambda: model().encode(x(pixels=100)), ValueError,
         (r"\bx\b", "784 pixels", "got 100")),
    Case("encode-uint8-pixels", lambda: model().encode(x(dtype=torch.uint8)), TypeError,
         (r"\bx\b", "floating dtype", "torch.uint8")),
    Case("encode-float64-numpy-style", lambda: model().encode(x(dtype=torch.float64)), TypeError,
         (r"\bx\b", "torch.float32", "torch.float64")),
    Case("encode-nan", lambda: model().encode(with_nan(x())), ValueError,
         (r"\bx\b", "finite", "NaN")),
    Case("encode-inf", lambda: model().encode(with_nan(x(), float("inf"))), ValueError,
         (r"\bx\b", "finite", "inf")),
    Case("encode-empty-batch", lambda: model().encode(x(batch=0)), ValueError,
         (r"\bx\b", "not be empty", r"\(0, 784\)")),
    Case("encode-data-on-other-device", lambda: model().encode(x(device="meta")), ValueError,
         (r"\bx\b", "meta", "model is on cpu", r"\.to\(model\.device\)")),
    Case("encode-model-on-other-device", lambda: model().to("meta").encode(x()), ValueError,
         (r"\bx\b", "is on cpu", "model is on meta")),
    # --- the decoder's input z and broken architectures -----------------------------------------
    Case("decode-wrong-latent-size", lambda: model().decode(z(dim=3)), ValueError,
         (r"\bz\b", "last dimension 2", r"\(3, 3\)")),
    Case("decode-int-z", lambda: model().decode(z(dtype=torch.int64)), TypeError,
         (r"\bz\b", "floating dtype", "torch.int64")),
    Case("decode-z-on-other-device", lambda: model().decode(z(device="meta")), ValueError,
         (r"\bz\b", "meta", "model is on cpu")),
    Case("mismatched-encoder-decoder", lambda: swapped_decoder().encode(x()), ValueError,
         ("model.decoder", "latent_dim=2", "in_features=5")),
    Case("decoder-wrong-output-size", lambda: vc.elbo(short_decoder(), x()), ValueError,
         ("model.decoder", "data_dim=784", "out_features=100")),
    Case("sample-zero", lambda: model().sample(0), ValueError, (r"\bn\b", ">= 1", "got 0")),
    # --- reparameterization and KL ----------------------------------------------------------
    Case("reparameterize-shape-mismatch", lambda: vc.reparameterize(z(dim=2), z(dim=3)),
         ValueError, ("mu and logvar", "same shape", r"\(3, 2\) and \(3, 3\)")),
    Case("reparameterize-eps-shape", lambda: vc.reparameterize(z(), z(), eps=z(batch=5)),
         ValueError, ("eps and mu", "same shape", r"\(5, 2\)")),
    Case("reparameterize-eps-device", lambda: vc.reparameterize(z(), z(), eps=z(device="meta")),
         ValueError, ("eps", "meta", "mu is on cpu")),
    Case("kl-int-mu", lambda: vc.kl_closed_form(torch.zeros(2, 3, dtype=torch.int64), MU[:2]),
         TypeError, ("mu", "floating dtype", "torch.int64")),
    Case("kl-nan-logvar", lambda: vc.kl_closed_form(MU, with_nan(LOGVAR)), ValueError,
         ("logvar", "finite", "NaN")),
    Case("kl-shape-mismatch", lambda: vc.kl_closed_form(MU, LOGVAR[:, :2]), ValueError,
         ("mu and logvar", "same shape", r"\(4, 3\) and \(4, 2\)")),
    Case("kl-empty", lambda: vc.kl_closed_form(torch.zeros(0, 3), torch.zeros(0, 3)), ValueError,
         ("mu", "not be empty", r"\(0, 3\)")),
    Case("kl-devices-differ", lambda: vc.kl_closed_form(MU, LOGVAR.to("meta")), ValueError,
         ("logvar", "meta", "mu is on cpu")),
    Case("kl-monte-carlo-one-sample", lambda: vc.kl_monte_carlo(MU, LOGVAR, 1), ValueError,
         ("num_samples", ">= 2", "got 1")),
    Case("kl-monte-carlo-float-samples", lambda: vc.kl_monte_carlo(MU, LOGVAR, 100.0), TypeError,
         ("num_samples", "int", "float")),
    # --- the Bernoulli likelihood needs x in [0, 1] -------------------------------------------
    Case("likelihood-pixels-0-255", lambda: vc.bernoulli_log_likelihood(x(), x(fill=255.0)),
         ValueError, (r"\bx\b", r"\[0, 1\]", "255", "divide by 255")),
    Case("likelihood-negative-x", lambda: vc.bernoulli_log_likelihood(x(), x(fill=-0.5)),
         ValueError, (r"\bx\b", r"\[0, 1\]", "-0.5")),
    Case("likelihood-pixel-mismatch", lambda: vc.bernoulli_log_likelihood(x(), x(pixels=100)),
         ValueError, ("logits and x", "same last dimension", r"\(3, 784\) and \(3, 100\)")),
    Case("likelihood-nan-logits", lambda: vc.bernoulli_log_likelihood(with_nan(x()), x()),
         ValueError, ("logits", "finite", "NaN")),
    Case("likelihood-devices-differ",
         lambda: vc.bernoulli_log_likelihood(x(), x(device="meta")), ValueError,
         ("logits", "x is on meta")),
    Case("elbo-pixels-0-255", lambda: vc.elbo(model(), x(fill=255.0)), ValueError,
         (r"\bx\b", r"\[0, 1\]", "255")),
    Case("elbo-not-a-model", lambda: vc.elbo("my_model", x()), TypeError,
         ("model", "vae_core.VAE", "str")),
    # --- estimators ---------------------------------------------------------------------------
    Case("iwae-zero-samples", lambda: vc.iwae_bound(model(), x(), 0), ValueError,
         ("num_samples", ">= 1", "got 0")),
    Case("iwae-pixels-above-one", lambda: vc.iwae_bound(model(), x(fill=2.0), 10), ValueError,
         (r"\bx\b", r"\[0, 1\]", "2")),
    Case("naive-negative-samples", lambda: vc.naive_log_px(model(), x(), -5), ValueError,
         ("num_samples", ">= 1", "got -5")),
    Case("naive-pixels-above-one", lambda: vc.naive_log_px(model(), x(fill=3.0), 10), ValueError,
         (r"\bx\b", r"\[0, 1\]", "3")),
    Case("gradient-f-not-callable", lambda: vc.reparameterized_gradient(2.0, MU, LOGVAR, 10),
         TypeError, (r"\bf\b", "function", "float")),
    Case("gradient-f-not-summed",
         lambda: vc.score_function_gradient(lambda zz: zz.pow(2), MU, LOGVAR, 10), ValueError,
         (r"\bf\b", "one value per sample", r"\(10, 4\)", r"\(10, 4, 3\)")),
    Case("gradient-one-sample", lambda: vc.reparameterized_gradient(square, MU, LOGVAR, 1),
         ValueError, ("num_samples", ">= 2", "got 1")),
    # --- linear-Gaussian reference model and grid ---------------------------------------------
    Case("lg-noise-zero", lambda: vc.LinearGaussianModel(torch.ones(4, 2, dtype=torch.float64),
                                                        torch.zeros(4, dtype=torch.float64), 0.0),
         ValueError, ("noise_std", "> 0", "got 0")),
    Case("lg-latent-zero", lambda: vc.LinearGaussianModel.random(4, 0), ValueError,
         ("latent_dim", ">= 1", "got 0")),
    Case("lg-x-wrong-size", lambda: lg().log_marginal(torch.zeros(3, 5, dtype=torch.float64)),
         ValueError, (r"\bx\b", "last dimension 4", r"\(3, 5\)")),
    Case("lg-q-cov-not-pd", lambda: lg().elbo(lg_x(), torch.zeros(3, 2, dtype=torch.float64),
                                              -lg_cov()),
         ValueError, ("q_cov", "positive definite", "smallest eigenvalue -1")),
    Case("lg-q-cov-not-symmetric",
         lambda: lg().kl_to_posterior(lg_x(), torch.zeros(3, 2, dtype=torch.float64),
                                      torch.tensor([[1.0, 0.5], [0.0, 1.0]], dtype=torch.float64)),
         ValueError, ("q_cov", "symmetric", "not symmetric")),
    Case("lg-q-mean-wrong-rows", lambda: lg().elbo(lg_x(), torch.zeros(2, 2, dtype=torch.float64),
                                                   lg_cov()),
         ValueError, ("q_mean", "one row per row of x", r"\(2, 2\)")),
    Case("grid-resolution-too-small", lambda: vc.posterior_on_grid(square, resolution=3),
         ValueError, ("resolution", ">= 5", "got 3")),
    Case("grid-negative-extent", lambda: vc.posterior_on_grid(square, extent=-1.0), ValueError,
         ("extent", "> 0", "-1")),
    Case("grid-log-joint-wrong-shape", lambda: vc.posterior_on_grid(lambda zz: zz),
         ValueError, ("log_joint", "one log density per grid point", r"\(14641, 2\)")),
    Case("grid-needs-two-latents", lambda: vc.vae_log_joint(model(latent_dim=3), x(batch=1)[0]),
         ValueError, ("model", "latent_dim 2", "got latent_dim 3")),
    Case("grid-batch-instead-of-image", lambda: vc.vae_log_joint(model(), x(batch=2)), ValueError,
         (r"\bx\b", "one image of 784 pixels", r"\(2, 784\)")),
    # --- data and training --------------------------------------------------------------------
    Case("load-unknown-split", lambda: data.load("validation"), ValueError,
         ("split", "'train' or 'test'", "'validation'")),
    Case("load-unknown-dataset", lambda: data.load("train", dataset="cifar10"), ValueError,
         ("dataset", "fashion-mnist", "'cifar10'")),
    Case("subset-zero", lambda: images().subset(0), ValueError, (r"\bn\b", ">= 1", "got 0")),
    Case("fit-zero-epochs", lambda: train.fit(model(), images(), epochs=0, progress=False),
         ValueError, ("epochs", ">= 1", "got 0")),
    Case("fit-negative-lr", lambda: train.fit(model(), images(), lr=-1e-3, progress=False),
         ValueError, ("lr", "> 0", "-0.001")),
    Case("fit-zero-batch", lambda: train.fit(model(), images(), batch_size=0, progress=False),
         ValueError, ("batch_size", ">= 1", "got 0")),
    Case("fit-tensor-instead-of-imageset",
         lambda: train.fit(model(), x(), epochs=1, progress=False), TypeError,
         ("train", "ImageSet", "Tensor")),
    Case("fit-pixels-0-255", lambda: train.fit(model(), images(fill=255.0), progress=False),
         ValueError, (r"train\.images", r"\[0, 1\]", "255")),
    Case("fit-wrong-pixels", lambda: train.fit(model(), images(pixels=100), progress=False),
         ValueError, (r"train\.images", "last dimension 784", r"\(10, 100\)")),
    Case("fit-empty-train", lambda: train.fit(model(), images(n=0), progress=False), ValueError,
         (r"train\.images", "not be empty", r"\(0, 784\)")),
    Case("fit-data-on-other-device",
         lambda: train.fit(model(), images(device="meta"), progress=False), ValueError,
         ("train", "meta", "model is on cpu", r"train\.to\(model\.device\)")),
    Case("fit-nan-in-test-set",
         lambda: train.fit(model(), images(), ImageSet(with_nan(x()), torch.zeros(3)),
                           progress=False),
         ValueError, (r"test\.images", "finite", "NaN")),
    Case("evaluate-zero-samples", lambda: train.evaluate(model(), x(), num_samples=0), ValueError,
         ("num_samples", ">= 1", "got 0")),
    Case("save-checkpoint-not-a-model",
         lambda: vc.save_checkpoint("/tmp/never-written.safetensors", {"w": 1}), TypeError,
         ("model", "vae_core.VAE", "dict")),
]


def test_catalogue_is_large_enough():
    ids = [case.id for case in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert len(CATALOGUE) >= 30


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_bad_call_raises_a_message_that_teaches(case):
    with pytest.raises(Exception) as info:
        case.call()
    assert type(info.value) is case.error or isinstance(info.value, case.error), (
        f"{case.id}: expected {case.error.__name__}, got {type(info.value).__name__}: {info.value}")
    message = str(info.value)
    import re

    missing = [f for f in case.fragments if not re.search(f, message)]
    assert not missing, f"{case.id}: message {message!r} lacks {missing}"
