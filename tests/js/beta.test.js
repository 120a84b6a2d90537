// Unit tests of the pure parts of src/beta.js: the manifold's point order, the readout rows and
// the R-D plot area.
import assert from "node:assert/strict";
import { test } from "node:test";
import { betaRows, gridPoints, rdArea } from "../../vae_core/widgets/src/beta.js";

test("the manifold's points run row by row from the top, each row left to right", () => {
  const zs = gridPoints([-1, 0, 1]).map((z) => Array.from(z));
  assert.equal(zs.length, 9);
  assert.deepEqual(zs.slice(0, 3), [[-1, 1], [0, 1], [1, 1]]); // top row: the largest z2
  assert.deepEqual(zs[8], [1, -1]); // bottom right
});

test("the readout: the card's numbers, the ELBO and the beta objective, the browser's measure", () => {
  const m = { beta: 0.1, rate: 10, distortion: 150, log_px: -155.5, log_px_samples: 500,
              active: 2, latent_dim: 2, inside: 0.2975 };
  const rows = Object.fromEntries(betaRows(m, { reconNll: 151.234, shown: 10, shareImages: 10000 }));
  assert.equal(rows["\u03b2"], "0.1");
  assert.equal(rows["ELBO \u2212(D + R)"], "\u2212160.00");
  assert.equal(rows["objective \u2212(D + \u03b2R)"], "\u2212151.00");
  assert.equal(rows["log p(x), IWAE K = 500"], "\u2212155.50");
  assert.equal(rows["active units"], "2 of 2");
  assert.equal(rows["codes inside the grid (10,000 digits)"], "29.8 %");
  assert.equal(rows["\u2212log p(x | \u03bc(x)), these 10 digits"], "151.23");
});

test("the plot area leaves the margins for ticks and names, and never collapses", () => {
  assert.deepEqual(rdArea(400, 300), { left: 54, top: 10, width: 336, height: 244 });
  const tiny = rdArea(10, 10);
  assert.ok(tiny.width >= 1 && tiny.height >= 1);
});
