// Unit tests of src/slerp.js: the great-circle path between two codes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { angleBetween, pathPoint, slerp } from "../../vae_core/widgets/src/slerp.js";

const length = (v) => Math.hypot(...v);
const close = (a, b, tol = 1e-9) => a.every((v, i) => Math.abs(v - b[i]) < tol);

test("slerp starts at the first code and ends at the second", () => {
  const a = [1, 2, -0.5], b = [-0.3, 0.4, 2];
  assert.ok(close(slerp(a, b, 0), a));
  assert.ok(close(slerp(a, b, 1), b));
});

test("on a circle, slerp turns at a constant rate and keeps the length", () => {
  for (const t of [0, 0.25, 0.5, 0.9]) {
    const z = slerp([2, 0], [0, 2], t);
    assert.ok(close(z, [2 * Math.cos((t * Math.PI) / 2), 2 * Math.sin((t * Math.PI) / 2)]));
    assert.ok(Math.abs(length(z) - 2) < 1e-12);
  }
});

test("codes of equal length keep that length all the way; lerp cuts inside", () => {
  const a = [3, -1, 2, 0.5], b = [-1, 2, 1, 3];
  const scale = length(a) / length(b);
  const c = b.map((v) => v * scale);
  for (let k = 0; k <= 10; k++) assert.ok(Math.abs(length(slerp(a, c, k / 10)) - length(a)) < 1e-9);
  assert.ok(length(pathPoint(a, c, 0.5, "lerp").z) < length(a) - 0.1);
});

test("the angle is exact near 0 and near pi, and NaN for a zero code", () => {
  assert.ok(Math.abs(angleBetween([1, 0], [0, 3]) - Math.PI / 2) < 1e-12);
  assert.ok(Math.abs(angleBetween([1, 0], [1, 1e-9]) - 1e-9) < 1e-15);
  assert.ok(Number.isNaN(angleBetween([0, 0], [1, 0])));
});

test("nearly parallel codes take the straight line; opposite or zero codes have no path", () => {
  assert.ok(close(slerp([1, 1], [2, 2 + 1e-9], 0.5), [1.5, 1.5 + 5e-10]));
  assert.equal(slerp([1, 0], [-2, 0], 0.5), null);
  assert.equal(slerp([0, 0], [1, 0], 0.5), null);
});

test("pathPoint: lerp or slerp as asked, and the straight line where slerp has no path", () => {
  const a = [1, 0], b = [0, 1];
  assert.deepEqual(pathPoint(a, b, 0.5, "lerp"), { z: [0.5, 0.5], taken: "lerp" });
  const s = pathPoint(a, b, 0.5, "slerp");
  assert.equal(s.taken, "slerp");
  assert.ok(close(s.z, [Math.SQRT1_2, Math.SQRT1_2]));
  assert.equal(pathPoint([1, 0], [-1, 0], 0.5, "slerp").taken, "lerp");
});
