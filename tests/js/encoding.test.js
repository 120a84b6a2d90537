// Unit tests of src/encoding.js: float16 bit patterns against their IEEE 754 values, base64.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  base64ToBytes, base64ToFloats, bytesToFloats, halfToNumber,
} from "../../vae_core/widgets/src/encoding.js";

// [bits, value]: the standard's landmarks (values from the IEEE 754 binary16 definition).
const HALVES = [
  [0x0000, 0], [0x3c00, 1], [0xbc00, -1], [0x4000, 2], [0xc000, -2], [0x3800, 0.5],
  [0x3555, 0.333251953125], [0x7bff, 65504], [0x0400, 2 ** -14], [0x0001, 2 ** -24],
  [0x03ff, 1023 * 2 ** -24], [0x7c00, Infinity], [0xfc00, -Infinity],
];

test("float16 bit patterns decode to their IEEE 754 values", () => {
  for (const [bits, value] of HALVES) assert.equal(halfToNumber(bits), value, bits.toString(16));
  assert.ok(Number.isNaN(halfToNumber(0x7e00)));
  assert.ok(Object.is(halfToNumber(0x8000), -0));
});

test("bytesToFloats reads little-endian float16 through the table", () => {
  const bytes = new Uint8Array(HALVES.length * 2);
  HALVES.forEach(([bits], i) => { bytes[2 * i] = bits & 0xff; bytes[2 * i + 1] = bits >> 8; });
  assert.deepEqual(Array.from(bytesToFloats(bytes, "float16")), HALVES.map(([, v]) => v));
});

test("bytesToFloats reads float32 and refuses ragged or unknown input", () => {
  const values = Float32Array.of(1.5, -2.25, 3e-5);
  const bytes = new Uint8Array(values.buffer);
  assert.deepEqual(bytesToFloats(bytes, "float32"), values);
  assert.throws(() => bytesToFloats(new Uint8Array(3), "float16"), /whole number of float16/);
  assert.throws(() => bytesToFloats(bytes, "float64"), /unknown dtype/);
});

test("base64 decodes to the bytes that were encoded", () => {
  const bytes = Uint8Array.of(0, 1, 127, 128, 254, 255);
  assert.deepEqual(base64ToBytes(Buffer.from(bytes).toString("base64")), bytes);
  const halfOne = Buffer.from(Uint8Array.of(0x00, 0x3c, 0x00, 0xc0)).toString("base64");
  assert.deepEqual(Array.from(base64ToFloats(halfOne)), [1, -2]);
});
