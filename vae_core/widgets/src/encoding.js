// The two encodings the Python side writes into the widget state (export.py, latent.py):
// base64 text, and little-endian float16 / float32 numbers inside it. One decoder of each; the
// decoder weights, the plane's scatter and the fallback's logits all go through these.

// float16 bits -> number: sign, 5-bit exponent (bias 15), 10-bit fraction.
export function halfToNumber(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

// All 65536 float16 bit patterns, decoded once (a lookup is faster than the arithmetic).
let HALF_TABLE = null;
function halfTable() {
  if (!HALF_TABLE) {
    HALF_TABLE = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) HALF_TABLE[bits] = halfToNumber(bits);
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

const WIDTH = { float16: 2, float32: 4 };

// Little-endian float16 or float32 bytes -> Float32Array.
export function bytesToFloats(bytes, dtype) {
  const width = WIDTH[dtype];
  if (!width) throw new Error(`unknown dtype: ${dtype} (expected float16 or float32)`);
  if (bytes.byteLength % width) {
    throw new Error(`${bytes.byteLength} bytes is not a whole number of ${dtype} values`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / width);
  if (dtype === "float16") {
    const table = halfTable();
    for (let i = 0; i < out.length; i++) out[i] = table[view.getUint16(2 * i, true)];
  } else {
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  }
  return out;
}

// base64 text of little-endian numbers -> Float32Array.
export function base64ToFloats(text, dtype = "float16") {
  return bytesToFloats(base64ToBytes(text), dtype);
}
