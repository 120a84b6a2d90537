"""Latent-space widgets (anywidget); see the latent-space chapter.

The decoder runs in the browser from its weights (export.py -> src/decoder.js, bundled into
widgets.bundle.js by `npm run build`), so the widgets stay live in the static book with no
kernel. vae_core's math modules never import this package.
"""

from .beta import BetaExplorer
from .export import DecoderExportError, PayloadError, export_decoder, forward, payload_error, unpack
from .fitq import FitQ
from .latent import (
    DecoderWeights,
    Interpolation,
    LatentPlane,
    LatentTraversal,
    PosteriorView,
    decoder_weights,
    first_of_each_class,
    page_weight,
    plane_extent,
)

__all__ = [
    "BetaExplorer",
    "FitQ",
    "DecoderExportError",
    "PayloadError",
    "export_decoder",
    "forward",
    "payload_error",
    "unpack",
    "DecoderWeights",
    "decoder_weights",
    "LatentPlane",
    "PosteriorView",
    "LatentTraversal",
    "Interpolation",
    "first_of_each_class",
    "page_weight",
    "plane_extent",
]
