// Unit tests of src/readouts.js: number formatting and each view's readout rows.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  formatNumber, formatPoint, formatTick, interpolationRows, lerp, meanAbsChange, planeRows,
  sliderRange, traversalRows,
} from "../../vae_core/widgets/src/readouts.js";

test("numbers get a true minus sign and never a negative zero", () => {
  assert.equal(formatNumber(-1.234), "\u22121.23");
  assert.equal(formatNumber(2.5, 0), "3");
  assert.equal(formatNumber(-0.001), "0.00");
  assert.equal(formatNumber(0.00012345, 4), "0.0001");
  assert.equal(formatNumber(NaN), "NaN");
  assert.equal(formatNumber(-Infinity), "-Infinity");
  assert.equal(formatPoint([1, -2.5]), "(1.00, \u22122.50)");
});

test("tick labels carry as many decimals as the step needs", () => {
  assert.equal(formatTick(4, 2), "4");
  assert.equal(formatTick(-1.5, 0.5), "\u22121.5");
  assert.equal(formatTick(0.2, 0.2), "0.2");
  assert.equal(formatTick(0.05, 0.05), "0.05");
  assert.equal(formatTick(10, 10), "10");
});

test("the plane readout: each term of the log weight, and the posterior rows with log p(x)", () => {
  const terms = { z: [0.5, -1], logLik: -100.25, logPrior: -2.5, logQ: 1.25 };
  const rows = planeRows(terms);
  assert.deepEqual(rows.map(([k]) => k), ["z", "log p(z)", "log p(x|z)", "log q(z|x)",
    "log p(x|z) + log p(z) \u2212 log q(z|x)"]);
  assert.deepEqual(rows.map(([, v]) => v), ["(0.50, \u22121.00)", "\u22122.50", "\u2212100.25",
    "1.25", "\u2212104.00"]);
  const posterior = planeRows({ ...terms, logPx: -101 });
  assert.equal(posterior.length, 7);
  assert.deepEqual(posterior[5], ["log p(z|x) = log p(x, z) \u2212 log p(x)", "\u22121.75"]);
  assert.deepEqual(posterior[6], ["log p(x) (grid)", "\u2212101.00"]);
});

test("the traversal and interpolation readouts", () => {
  assert.deepEqual(traversalRows({ logPrior: -1, logQ: 2, meanChange: 0.012345 }).map((r) => r[1]),
                   ["\u22121.00", "2.00", "0.0123"]);
  assert.deepEqual(interpolationRows({ t: 0.25, z: [3, 4], logPrior: -14.34 }),
                   [["t", "0.25"], ["|z|", "5.00"], ["log p(z)", "\u221214.34"]]);
});

test("lerp, meanAbsChange and the slider range", () => {
  assert.deepEqual(lerp([0, 2], [4, -2], 0.25), [1, 1]);
  assert.deepEqual(lerp([1, 1], [3, 3], 0), [1, 1]);
  assert.equal(meanAbsChange([0, 0.5, 1], [1, 0.5, 0.5]), 0.5);
  assert.deepEqual(sliderRange(0.123, 3), [-2.88, 3.12]);
});
