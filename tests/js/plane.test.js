// Unit tests of src/plane.js: z <-> pixel maps, tick placement, the touch grab test.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  MARGIN, clamp, grabsPoint, planeTransform, plotArea, squareBounds, tickCount, tickStep, ticks,
} from "../../vae_core/widgets/src/plane.js";

const AREA = { left: 44, top: 8, width: 200, height: 200 };

test("the plot area is square and leaves the margins free", () => {
  const side = 400 - MARGIN.left - MARGIN.right;
  assert.deepEqual(plotArea(400), { left: MARGIN.left, top: MARGIN.top, width: side, height: side });
  assert.equal(plotArea(10).width, 1); // never negative on a tiny canvas
});

test("planeTransform puts the corners and the origin where they belong, z2 upwards", () => {
  const tf = planeTransform(squareBounds(4), AREA);
  assert.deepEqual(tf.toPx(0, 0), [144, 108]);
  assert.deepEqual(tf.toPx(-4, 4), [44, 8]); // top left
  assert.deepEqual(tf.toPx(4, -4), [244, 208]); // bottom right
  assert.deepEqual(tf.scale, [25, 25]);
  assert.deepEqual(tf.fromPx(169, 58), [1, 2]);
});

test("fromPx inverts toPx on off-centre bounds", () => {
  const tf = planeTransform([[-1, 3], [2, 10]], AREA);
  for (const [z1, z2] of [[0, 5], [-1, 10], [2.5, 2.25]]) {
    const [a, b] = tf.fromPx(...tf.toPx(z1, z2));
    assert.ok(Math.abs(a - z1) < 1e-12 && Math.abs(b - z2) < 1e-12, `${a}, ${b}`);
  }
  assert.throws(() => planeTransform([[1, 1], [0, 1]], AREA), /empty bounds/);
});

test("ticks fall on multiples of 1, 2 or 5 times a power of ten", () => {
  assert.deepEqual(ticks(-4, 4, 6), [-4, -2, 0, 2, 4]);
  assert.deepEqual(ticks(-5, 5, 11), [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5]);
  assert.deepEqual(ticks(-0.3, 0.7, 6), [-0.2, 0, 0.2, 0.4, 0.6]);
  assert.deepEqual(ticks(0, 1, 11), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  assert.deepEqual(ticks(-15, 15, 4), [-10, 0, 10]);
  assert.equal(tickStep(-12, 12, 6), 5);
  assert.throws(() => ticks(1, 1), /cannot place ticks/);
  assert.ok(!ticks(-1, 1, 3).some((v) => Object.is(v, -0)));
});

test("about one tick per 40 px: a phone's plane of [-5, 5] gets ticks every 2", () => {
  assert.equal(tickCount(282), 8);
  assert.equal(tickCount(50), 3);
  assert.deepEqual(ticks(-5, 5, tickCount(282)), [-4, -2, 0, 2, 4]);
  assert.deepEqual(ticks(-5, 5, tickCount(470)), [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5]);
});

test("squareBounds and clamp", () => {
  assert.deepEqual(squareBounds(2.5), [[-2.5, 2.5], [-2.5, 2.5]]);
  assert.throws(() => squareBounds(-1), /extent must be > 0/);
  assert.throws(() => squareBounds(0), /extent must be > 0/);
  assert.deepEqual([clamp(5, -1, 1), clamp(-5, -1, 1), clamp(0.5, -1, 1)], [1, -1, 0.5]);
});

test("a touch grabs the point only within the grab radius", () => {
  assert.equal(grabsPoint([10, 10], [20, 20]), true); // 14 px away
  assert.equal(grabsPoint([44, 20], [20, 20]), true); // exactly 24 px
  assert.equal(grabsPoint([45, 20], [20, 20]), false);
  assert.equal(grabsPoint([30, 20], [20, 20], 5), false);
});
