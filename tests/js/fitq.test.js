// Unit tests of src/fitq.js: the grid quadrature of ELBO(q) and KL(q || p(z|x)), and the bar.
import assert from "node:assert/strict";
import { test } from "node:test";
import { barParts, fitqReadouts } from "../../vae_core/widgets/src/fitq.js";

// A posterior N(m, diag s^2) on an n x n grid over [-3, 3]^2, normalized on the grid.
function gaussianGrid(m, s, n = 121) {
  const z = (i) => -3 + (6 * i) / (n - 1);
  const h = 6 / (n - 1);
  const logPost = new Float32Array(n * n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = -0.5 * (((z(i) - m[0]) / s[0]) ** 2 + ((z(j) - m[1]) / s[1]) ** 2);
      logPost[i * n + j] = v;
      total += Math.exp(v) * h * h;
    }
  }
  for (let k = 0; k < logPost.length; k++) logPost[k] -= Math.log(total);
  return { logPost, n, z1: [-3, 3], z2: [-3, 3], logPx: -100 };
}

test("ELBO + KL = log p(x) at every q, and KL >= 0", () => {
  const grid = gaussianGrid([0.3, -0.2], [0.5, 0.8]);
  for (const [mu, logvar] of [[[0, 0], [0, 0]], [[1, -1], [-3, -1]], [[-2, 2], [0.5, -2]]]) {
    const r = fitqReadouts(grid, mu, logvar);
    assert.ok(Math.abs(r.elbo + r.kl - grid.logPx) < 1e-9);
    assert.ok(r.kl > -1e-9);
  }
});

test("q equal to a Gaussian posterior has no KL; a shifted q has the closed-form KL", () => {
  const grid = gaussianGrid([0.3, -0.2], [0.5, 0.8]);
  const logvar = [2 * Math.log(0.5), 2 * Math.log(0.8)];
  assert.ok(Math.abs(fitqReadouts(grid, [0.3, -0.2], logvar).kl) < 1e-5);
  const shifted = fitqReadouts(grid, [0.3 + 0.5, -0.2], logvar).kl; // one sigma along z1
  assert.ok(Math.abs(shifted - 0.5) < 1e-4, String(shifted)); // KL = d^2 / (2 s^2) = 1/2
});

test("the bar's two parts fill it, and an ELBO below the floor leaves only KL", () => {
  const parts = barParts({ elbo: -110, kl: 10, logPx: -100 }, -120);
  assert.equal(parts.elbo, 0.5);
  assert.equal(parts.kl, 0.5);
  assert.equal(parts.total, -100);
  const low = barParts({ elbo: -150, kl: 50, logPx: -100 }, -120);
  assert.equal(low.elbo, 0);
  assert.equal(low.kl, 1);
  assert.ok(low.clipped);
});
