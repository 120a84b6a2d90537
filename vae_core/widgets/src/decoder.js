// The VAE decoder in plain JavaScript: the forward pass of a Linear/ReLU MLP whose weights come
// from vae_core.widgets.export.export_decoder (format "vae_core.mlp/1"), plus the log-densities
// the widgets read out. No DOM; runs in the browser and under Node.
//
// Shapes: Z latent dimensions, H hidden units, D pixels (28 * 28).

import { base64ToBytes, bytesToFloats } from "./encoding.js";

const LOG_2PI = Math.log(2 * Math.PI);
export const FORMAT = "vae_core.mlp/1";

// payload dict -> {layers: [{W: Float32Array (n_out * n_in), b, nIn, nOut, relu}], Z, D}
export function loadDecoder(payload) {
  if (!payload || payload.format !== FORMAT) {
    throw new Error(`unknown decoder payload format: ${payload && payload.format}`);
  }
  const flat = bytesToFloats(base64ToBytes(payload.data), payload.dtype);
  let at = 0;
  const layers = payload.layers.map((spec) => {
    const W = flat.subarray(at, at + spec.n_in * spec.n_out); // (n_out, n_in) row-major
    at += spec.n_in * spec.n_out;
    const b = flat.subarray(at, at + spec.n_out); // (n_out,)
    at += spec.n_out;
    return { W, b, nIn: spec.n_in, nOut: spec.n_out, relu: spec.activation === "relu" };
  });
  if (at !== flat.length) throw new Error(`payload holds ${flat.length} numbers, layers need ${at}`);
  const width = Math.max(...layers.map((l) => l.nOut));
  return {
    layers, Z: layers[0].nIn, D: layers[layers.length - 1].nOut,
    scratch: [new Float32Array(width), new Float32Array(width)],
  };
}

// z (Z numbers) -> logits (Float32Array D): h = relu(W h + b) per hidden layer, W h + b last.
// `out` may be passed to avoid an allocation.
export function decodeLogits(net, z, out) {
  if (z.length !== net.Z) throw new Error(`z has ${z.length} numbers, the decoder takes ${net.Z}`);
  let h = z;
  net.layers.forEach((layer, k) => {
    const last = k === net.layers.length - 1;
    const y = last ? (out || new Float32Array(layer.nOut)) : net.scratch[k % 2];
    const { W, b, nIn, nOut, relu } = layer;
    for (let o = 0; o < nOut; o++) {
      let s = b[o];
      const row = o * nIn;
      for (let i = 0; i < nIn; i++) s += W[row + i] * h[i];
      y[o] = relu && s < 0 ? 0 : s;
    }
    h = y;
  });
  return h;
}

// Pixel probabilities sigmoid(l) = (1 + tanh(l / 2)) / 2, which never overflows.
export function sigmoid(logits, out) {
  const p = out || new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) p[i] = 0.5 * (1 + Math.tanh(0.5 * logits[i]));
  return p;
}

// log p(x|z) = sum_d x_d l_d - log(1 + e^{l_d}) for Bernoulli pixels with logits l (stable).
export function bernoulliLogLikelihood(logits, x) {
  let s = 0;
  for (let d = 0; d < logits.length; d++) {
    const l = logits[d];
    const softplus = l > 0 ? l + Math.log1p(Math.exp(-l)) : Math.log1p(Math.exp(l));
    s += x[d] * l - softplus;
  }
  return s;
}

// log N(z; 0, I)
export function standardNormalLogDensity(z) {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += -0.5 * (LOG_2PI + z[i] * z[i]);
  return s;
}

// log q(z|x) = log N(z; mu, diag(exp(logvar)))  -- Eq. (4)
export function gaussianLogDensity(z, mu, logvar) {
  let s = 0;
  for (let i = 0; i < z.length; i++) {
    const d = z[i] - mu[i];
    s += -0.5 * (LOG_2PI + logvar[i] + (d * d) / Math.exp(logvar[i]));
  }
  return s;
}

// Pixel probabilities (D = side * side) -> ImageData-like RGBA bytes, white digit on black.
export function probabilitiesToRGBA(probs, rgba) {
  const out = rgba || new Uint8ClampedArray(probs.length * 4);
  for (let d = 0; d < probs.length; d++) {
    const v = Math.round(255 * probs[d]);
    out[4 * d] = v;
    out[4 * d + 1] = v;
    out[4 * d + 2] = v;
    out[4 * d + 3] = 255;
  }
  return out;
}

// Milliseconds per decode, median of `repeats` runs of `n` decodes at random z in [-2, 2]^Z.
export function timeDecode(net, n = 200, repeats = 5) {
  const now = typeof performance !== "undefined" ? () => performance.now() : () => Date.now();
  const z = new Float32Array(net.Z);
  const out = new Float32Array(net.D);
  const times = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = now();
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < net.Z; i++) z[i] = 4 * Math.random() - 2;
      sigmoid(decodeLogits(net, z, out), out);
    }
    times.push((now() - t0) / n);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
