// Unit tests of src/decoder.js: the MLP forward pass against a network small enough to compute
// by hand, and the log-densities against their formulas at points where they are known exactly.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bernoulliLogLikelihood, decodeLogits, gaussianLogDensity, loadDecoder, probabilitiesToRGBA,
  sigmoid, standardNormalLogDensity,
} from "../../vae_core/widgets/src/decoder.js";

// Z = 2 -> H = 2 (ReLU) -> D = 3. Every number is exact in float16 and float32.
const W1 = [[1, -1], [2, 0.5]], B1 = [0, -1];
const W2 = [[1, 1], [-1, 2], [0.5, 0]], B2 = [0.25, 0, -1];
const HALF_BITS = { 0: 0x0000, 1: 0x3c00, "-1": 0xbc00, 2: 0x4000, 0.5: 0x3800, 0.25: 0x3400 };

function payload(dtype) {
  const numbers = [...W1.flat(), ...B1, ...W2.flat(), ...B2];
  let bytes;
  if (dtype === "float32") {
    bytes = new Uint8Array(Float32Array.from(numbers).buffer);
  } else {
    bytes = new Uint8Array(new Uint16Array(numbers.map((v) => HALF_BITS[v])).buffer);
  }
  return {
    format: "vae_core.mlp/1", dtype, data: Buffer.from(bytes).toString("base64"),
    layers: [{ n_in: 2, n_out: 2, activation: "relu" }, { n_in: 2, n_out: 3, activation: "none" }],
  };
}

for (const dtype of ["float16", "float32"]) {
  test(`forward pass of a hand-computed 2-2-3 network (${dtype})`, () => {
    const net = loadDecoder(payload(dtype));
    assert.equal(net.Z, 2);
    assert.equal(net.D, 3);
    // z = (1, 2): W1 z + b1 = (-1, 2) -> ReLU (0, 2) -> W2 h + b2 = (2.25, 4, -1)
    assert.deepEqual(Array.from(decodeLogits(net, [1, 2])), [2.25, 4, -1]);
    // z = (0, 0): W1 z + b1 = (0, -1) -> ReLU (0, 0) -> b2
    assert.deepEqual(Array.from(decodeLogits(net, [0, 0])), B2);
    // z = (2, -2): W1 z + b1 = (4, 2) -> ReLU (4, 2) -> W2 h + b2 = (6.25, 0, 1)
    const out = new Float32Array(3);
    assert.equal(decodeLogits(net, [2, -2], out), out);
    assert.deepEqual(Array.from(out), [6.25, 0, 1]);
  });
}

test("loadDecoder refuses a payload whose layers do not match its data", () => {
  const bad = { ...payload("float32"), layers: [{ n_in: 2, n_out: 3, activation: "none" }] };
  assert.throws(() => loadDecoder(bad), /payload holds 15 numbers, layers need 9/);
  assert.throws(() => loadDecoder({ ...payload("float32"), format: "x" }), /format/);
  assert.throws(() => decodeLogits(loadDecoder(payload("float32")), [1]), /z has 1 numbers/);
});

test("sigmoid is 1/2 at 0, symmetric, and finite far out", () => {
  const p = sigmoid([0, 2, -2, 1000, -1000]);
  assert.equal(p[0], 0.5);
  assert.ok(Math.abs(p[1] + p[2] - 1) < 1e-6);
  assert.ok(Math.abs(p[1] - 1 / (1 + Math.exp(-2))) < 1e-6);
  assert.deepEqual([p[3], p[4]], [1, 0]);
});

test("log-densities at points where they are known exactly", () => {
  const log2pi = Math.log(2 * Math.PI);
  assert.ok(Math.abs(standardNormalLogDensity([0, 0]) + log2pi) < 1e-12);
  assert.ok(Math.abs(standardNormalLogDensity([1]) - (-0.5 * log2pi - 0.5)) < 1e-12);
  // N(z; mu, exp(logvar)) at z = mu + sigma: -0.5 (log 2pi + logvar + 1)
  const logvar = Math.log(4);
  assert.ok(Math.abs(gaussianLogDensity([3], [1], [logvar]) + 0.5 * (log2pi + logvar + 1)) < 1e-12);
  // log p(x|z) for a logit 0 is log 1/2 whatever x; huge logits that agree with x cost ~0
  assert.ok(Math.abs(bernoulliLogLikelihood([0, 0], [1, 0]) - 2 * Math.log(0.5)) < 1e-12);
  const sure = bernoulliLogLikelihood([1000, -1000], [1, 0]);
  assert.ok(Number.isFinite(sure) && Math.abs(sure) < 1e-12);
  assert.ok(Math.abs(bernoulliLogLikelihood([1000], [0]) + 1000) < 1e-9);
});

test("probabilities become gray levels, white on black", () => {
  assert.deepEqual(Array.from(probabilitiesToRGBA([0, 0.5, 1])),
                   [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
});
