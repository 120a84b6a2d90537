"""Turn a decoder into a compact weight payload that the browser-side decoder (decoder.js) runs.

A payload is a JSON-ready dict:

    {"format": "vae_core.mlp/1", "dtype": "float16",
     "layers": [{"n_in": Z, "n_out": H, "activation": "relu"}, ..., {"n_in": H, "n_out": D,
                 "activation": "none"}],
     "data": base64 of every layer's W (n_out, n_in) row-major, then its b (n_out,), little-endian}

float16 keeps 11 significant bits, so each weight moves by at most 2^-11 of its size; on the
book's shipped 784-256-Z decoders the pixel probabilities move by less than two gray levels
(2/255), which no eye can see (`payload_error` measures it for any decoder on random latent
points; `dtype="float32"` doubles the payload and removes the error).

Only what `vae_core` builds is exported: an nn.Sequential of nn.Linear layers with nn.ReLU between
them. Anything else raises `DecoderExportError`, and the widgets fall back to decoding in Python.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

FORMAT = "vae_core.mlp/1"
DTYPES = {"float16": np.float16, "float32": np.float32}


class DecoderExportError(ValueError):
    """The decoder is not a Linear/ReLU MLP, so the browser cannot run it."""


def _sequential(decoder) -> nn.Sequential:
    """Accept a VAE, a Decoder, or the nn.Sequential itself."""
    for attr in ("decoder", "net"):
        if not isinstance(decoder, nn.Sequential) and hasattr(decoder, attr):
            decoder = getattr(decoder, attr)
    if not isinstance(decoder, nn.Sequential):
        raise DecoderExportError(
            f"cannot export a {type(decoder).__name__}: the browser decoder runs an "
            "nn.Sequential of Linear layers with ReLU between them (model.decoder.net)"
        )
    return decoder


def _layers(net: nn.Sequential) -> list[tuple[nn.Linear, str]]:
    """[(linear, activation after it)], checking the Linear (ReLU Linear)* pattern."""
    layers: list[tuple[nn.Linear, str]] = []
    for i, module in enumerate(net):
        if isinstance(module, nn.Linear):
            if layers and layers[-1][1] == "pending":
                raise DecoderExportError(f"layer {i}: two Linear layers without a ReLU between")
            layers.append((module, "pending"))
        elif isinstance(module, nn.ReLU) and layers and layers[-1][1] == "pending":
            layers[-1] = (layers[-1][0], "relu")
        else:
            raise DecoderExportError(
                f"layer {i} is {type(module).__name__}: the browser decoder supports only "
                "Linear layers with one ReLU after each hidden Linear"
            )
    if not layers or layers[-1][1] != "pending":
        raise DecoderExportError("the decoder must end with a Linear layer (the logits)")
    layers[-1] = (layers[-1][0], "none")
    for (a, _), (b, _) in zip(layers[:-1], layers[1:]):
        if a.out_features != b.in_features:
            raise DecoderExportError(f"sizes do not chain: {a.out_features} -> {b.in_features}")
    return layers


def export_decoder(decoder, dtype: str = "float16") -> dict:
    """Weights of a Linear/ReLU decoder as a payload dict (see the module docstring)."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
    layers = _layers(_sequential(decoder))
    chunks, specs = [], []
    for linear, activation in layers:
        w = linear.weight.detach().cpu().double().numpy()  # (n_out, n_in)
        b = (
            linear.bias.detach().cpu().double().numpy()
            if linear.bias is not None
            else np.zeros(linear.out_features)
        )  # (n_out,)
        chunks += [
            w.astype("<" + np.dtype(DTYPES[dtype]).str[1:]).tobytes(),
            b.astype("<" + np.dtype(DTYPES[dtype]).str[1:]).tobytes(),
        ]
        specs.append(
            {"n_in": linear.in_features, "n_out": linear.out_features, "activation": activation}
        )
    if not np.isfinite(np.frombuffer(b"".join(chunks), dtype=DTYPES[dtype])).all():
        raise DecoderExportError(f"a weight overflows {dtype} (|w| > 65504) or is not finite")
    return {
        "format": FORMAT,
        "dtype": dtype,
        "layers": specs,
        "data": base64.b64encode(b"".join(chunks)).decode("ascii"),
    }


def unpack(payload: dict) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """payload -> [(W (n_out, n_in) float32, b (n_out,) float32, activation)]."""
    if payload.get("format") != FORMAT:
        raise ValueError(f"payload format must be {FORMAT!r}, got {payload.get('format')!r}")
    flat = np.frombuffer(base64.b64decode(payload["data"]), dtype=DTYPES[payload["dtype"]])
    out, at = [], 0
    for spec in payload["layers"]:
        n_in, n_out = spec["n_in"], spec["n_out"]
        w = flat[at : at + n_in * n_out].reshape(n_out, n_in).astype(np.float32)
        at += n_in * n_out
        b = flat[at : at + n_out].astype(np.float32)
        at += n_out
        out.append((w, b, spec["activation"]))
    if at != flat.size:
        raise ValueError(f"payload holds {flat.size} numbers, its layers need {at}")
    return out


def forward(payload: dict, z: np.ndarray) -> np.ndarray:
    """The payload's decoder in NumPy float32, as decoder.js computes it: z (P, Z) -> logits (P, D)."""
    h = np.asarray(z, dtype=np.float32)
    for w, b, activation in unpack(payload):
        h = h @ w.T + b  # (P, n_out)
        if activation == "relu":
            h = np.maximum(h, 0)
    return h


@dataclass(frozen=True)
class PayloadError:
    """How far the exported decoder is from the float32 PyTorch one on random latent points."""

    max_logit_error: float  # max |logit_payload - logit_torch|
    max_probability_error: float  # max |sigmoid(.) - sigmoid(.)|
    points: int
    scale: float  # z ~ N(0, scale^2 I)


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    """sigmoid(l) = (1 + tanh(l / 2)) / 2: no overflow at any |l|, unlike 1 / (1 + exp(-l))."""
    return 0.5 * (1.0 + np.tanh(0.5 * logits))


@torch.no_grad()
def payload_error(
    decoder, payload: dict, points: int = 256, scale: float = 2.0, seed: int = 0
) -> PayloadError:
    """Compare forward(payload, z) with the PyTorch decoder at z ~ N(0, scale^2 I)."""
    net = _sequential(decoder)
    n_in = payload["layers"][0]["n_in"]
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(points, n_in, generator=gen) * scale  # (P, Z)
    device = next(net.parameters()).device
    want = net(z.to(device)).double().cpu().numpy()  # (P, D)
    got = forward(payload, z.numpy()).astype(np.float64)
    return PayloadError(
        float(np.abs(got - want).max()),
        float(np.abs(_sigmoid(got) - _sigmoid(want)).max()),
        points,
        scale,
    )


def decode_logits(decoder, z: Tensor) -> Tensor:
    """The Python-side fallback: the PyTorch decoder itself, z (P, Z) -> logits (P, D) float32."""
    device = next(decoder.parameters()).device
    with torch.no_grad():
        return decoder(z.to(device=device, dtype=torch.float32)).float().cpu()
