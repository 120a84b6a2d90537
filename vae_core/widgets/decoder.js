// The VAE decoder in plain JavaScript: the forward pass of a Linear/ReLU MLP whose weights come
// from vae_core.widgets.export.export_decoder (format "vae_core.mlp/1"), plus the log-densities
// the widgets read out. No dependencies; runs in the browser and under Node.
//
// Shapes: Z latent dimensions, H hidden units, D pixels (28 * 28).

const LOG_2PI = Math.log(2 * Math.PI);

// float16 bits -> number, for all 65536 bit patterns at once (sign, 5-bit exponent, 10-bit fraction).
let HALF_TABLE = null;
function halfTable() {
  if (HALF_TABLE) return HALF_TABLE;
  HALF_TABLE = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    let v;
    if (exp === 0) v = frac * 2 ** -24; // subnormal
    else if (exp === 31) v = frac ? NaN : Infinity;
    else v = (1 + frac / 1024) * 2 ** (exp - 15);
    HALF_TABLE[h] = sign * v;
  }
  return HALF_TABLE;
}

export function base64ToBytes(text) {
  if (typeof atob === "function") {
    const bin = atob(text);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }
  return new Uint8Array(Buffer.from(text, "base64")); // Node without atob
}

// payload dict -> {layers: [{W: Float32Array (n_out * n_in), b, nIn, nOut, relu}], Z, D}
export function loadDecoder(payload) {
  if (!payload || payload.format !== "vae_core.mlp/1") {
    throw new Error(`unknown decoder payload format: ${payload && payload.format}`);
  }
  const bytes = base64ToBytes(payload.data);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let flat;
  if (payload.dtype === "float16") {
    const table = halfTable();
    flat = new Float32Array(bytes.byteLength / 2);
    for (let i = 0; i < flat.length; i++) flat[i] = table[view.getUint16(2 * i, true)];
  } else if (payload.dtype === "float32") {
    flat = new Float32Array(bytes.byteLength / 4);
    for (let i = 0; i < flat.length; i++) flat[i] = view.getFloat32(4 * i, true);
  } else {
    throw new Error(`unknown decoder dtype: ${payload.dtype}`);
  }
  let at = 0;
  const layers = payload.layers.map((spec) => {
    const W = flat.subarray(at, at + spec.n_in * spec.n_out);
    at += spec.n_in * spec.n_out;
    const b = flat.subarray(at, at + spec.n_out);
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

// z (Z numbers) -> logits (Float32Array D). `out` may be passed to avoid an allocation.
export function decodeLogits(net, z, out) {
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

export function sigmoid(logits, out) {
  const p = out || new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) p[i] = 1 / (1 + Math.exp(-logits[i]));
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
