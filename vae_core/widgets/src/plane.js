// Geometry of the latent-plane canvases: where a latent point z = (z1, z2) lands in the plot
// area and back, the axis ticks in z units, and what a touch on the plane should do. No DOM.
//
// Canvas pixels are CSS pixels: x grows to the right, y grows downwards; z2 grows upwards.

// The square plot area inside a square canvas of `size` CSS pixels, leaving room on the left
// and at the bottom for the tick labels and the axis names. Equal margins left + right and
// top + bottom keep the area square, so one unit of z1 is as long as one of z2.
export const MARGIN = { left: 54, right: 8, top: 8, bottom: 54 };

export function plotArea(size, margin = MARGIN) {
  const side = Math.max(1, Math.min(size - margin.left - margin.right,
                                    size - margin.top - margin.bottom));
  return { left: margin.left, top: margin.top, width: side, height: side };
}

// bounds [[z1 lo, z1 hi], [z2 lo, z2 hi]] and a plot area -> the two maps between z and pixels.
export function planeTransform(bounds, area) {
  const [[x0, x1], [y0, y1]] = bounds;
  if (!(x1 > x0) || !(y1 > y0)) throw new Error(`empty bounds: ${JSON.stringify(bounds)}`);
  const sx = area.width / (x1 - x0);
  const sy = area.height / (y1 - y0);
  return {
    toPx: (z1, z2) => [area.left + (z1 - x0) * sx, area.top + (y1 - z2) * sy],
    fromPx: (px, py) => [x0 + (px - area.left) / sx, y1 - (py - area.top) / sy],
    scale: [sx, sy], // pixels per unit of z1, z2
  };
}

// The point of [lo, hi] nearest to v.
export function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

// A step of 1, 2 or 5 times a power of ten that cuts [lo, hi] into at most `maxTicks` ticks.
export function tickStep(lo, hi, maxTicks = 6) {
  if (!(hi > lo) || maxTicks < 2) throw new Error(`cannot place ticks on [${lo}, ${hi}]`);
  const rough = (hi - lo) / (maxTicks - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const m of [1, 2, 5, 10]) {
    if (m * power >= rough) return m * power;
  }
  return 10 * power;
}

// How many ticks an axis of `pixels` CSS pixels can carry: one per 40 px, three at least.
export function tickCount(pixels) {
  return Math.max(3, Math.floor(pixels / 40) + 1);
}

// Tick positions: the multiples of tickStep inside [lo, hi], free of float noise (0.30000000004).
export function ticks(lo, hi, maxTicks = 6) {
  const step = tickStep(lo, hi, maxTicks);
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const out = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) {
    const v = Number((k * step).toFixed(digits));
    out.push(v === 0 ? 0 : v); // no -0
  }
  return out;
}

// Square bounds centred on 0 with half-width `extent` (LatentPlane's view).
export function squareBounds(extent) {
  if (!(extent > 0) || !Number.isFinite(extent)) throw new Error(`extent must be > 0, got ${extent}`);
  return [[-extent, extent], [-extent, extent]];
}

// On a touch screen the plane must not trap the page: a touch that starts on the point (within
// `grab` pixels) drags it; any other touch is left to the browser, which scrolls the page on a
// vertical swipe (touch-action: pan-y) and otherwise hands the point a tap or a sideways drag.
export function grabsPoint(touchPx, pointPx, grab = 24) {
  const dx = touchPx[0] - pointPx[0];
  const dy = touchPx[1] - pointPx[1];
  return dx * dx + dy * dy <= grab * grab;
}
