// What the readouts under each view say: number formatting and the rows of each view's table,
// computed from the log-densities. Pure functions; widgets.js puts the rows into one table.

// A number with `digits` decimals and a true minus sign (U+2212), or its text if not finite.
export function formatNumber(v, digits = 2) {
  if (!Number.isFinite(v)) return String(v);
  const text = v.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text.replace("-", "\u2212"); // no "−0.00"
}

// (z1, z2, ...) with each coordinate formatted.
export function formatPoint(z, digits = 2) {
  return `(${Array.from(z, (v) => formatNumber(v, digits)).join(", ")})`;
}

// A tick label: as many decimals as the tick step needs (step 0.5 -> "1.5", step 2 -> "4").
export function formatTick(v, step) {
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return formatNumber(v, digits);
}

// The plane views (LatentPlane, PosteriorView): the terms of the log weight at z, Eq. (8).
// `logPx` (log p(x) from the grid) adds the true posterior's rows.
export function planeRows({ z, logLik, logPrior, logQ, logPx = null }) {
  const rows = [
    ["z", formatPoint(z)],
    ["log p(z)", formatNumber(logPrior)],
    ["log p(x|z)", formatNumber(logLik)],
    ["log q(z|x)", formatNumber(logQ)],
    ["log p(x|z) + log p(z) \u2212 log q(z|x)", formatNumber(logLik + logPrior - logQ)],
  ];
  if (logPx !== null) {
    rows.push(["log p(z|x) = log p(x, z) \u2212 log p(x)", formatNumber(logLik + logPrior - logPx)],
              ["log p(x) (grid)", formatNumber(logPx)]);
  }
  return rows;
}

// LatentTraversal: the densities at the sliders' z and how far the image moved from the code's.
export function traversalRows({ logPrior, logQ, meanChange }) {
  return [
    ["log p(z)", formatNumber(logPrior)],
    ["log q(z|x)", formatNumber(logQ)],
    ["mean |change| of a pixel from the code", formatNumber(meanChange, 4)],
  ];
}

// Interpolation: where on the line, how far from the origin, and the prior there.
export function interpolationRows({ t, z, logPrior }) {
  return [["t", formatNumber(t)], ["|z|", formatNumber(Math.hypot(...z))],
          ["log p(z)", formatNumber(logPrior)]];
}

// Mean absolute difference of two images' pixel probabilities.
export function meanAbsChange(a, b) {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += Math.abs(a[k] - b[k]);
  return s / a.length;
}

// The point (1 - t) a + t b on the segment between two codes.
export function lerp(a, b, t) {
  return Array.from(a, (v, i) => (1 - t) * v + t * b[i]);
}

// A slider's limits around a code: mu +- span, rounded to the slider's step of 0.01.
export function sliderRange(mu, span) {
  const round = (v) => Math.round(v * 100) / 100;
  return [round(mu - span), round(mu + span)];
}
