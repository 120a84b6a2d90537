// Spherical interpolation between two codes (slerp, White 2016), the same formula as
// vae_core.aggregate.slerp in Python: with W the angle between a and b,
//   z(t) = [sin((1 - t) W) a + sin(t W) b] / sin W.
// The direction turns at a constant rate; if |a| = |b| the length stays |a|.
import { lerp } from "./readouts.js";

const NEARLY_PARALLEL = 1e-4; // radians: below this the formula's limit, the straight line
const NEARLY_OPPOSITE = Math.PI - 1e-3; // beyond this no single great circle joins a and b

function norm(v) {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

// The angle between a and b, 2 atan2(|u - v|, |u + v|) of the unit vectors u, v: accurate near
// 0 and near pi, where acos of the dot product is not. NaN if either is the zero vector.
export function angleBetween(a, b) {
  const na = norm(a), nb = norm(b);
  if (na === 0 || nb === 0) return NaN;
  let diff = 0, sum = 0;
  for (let i = 0; i < a.length; i++) {
    const u = a[i] / na, v = b[i] / nb;
    diff += (u - v) ** 2;
    sum += (u + v) ** 2;
  }
  return 2 * Math.atan2(Math.sqrt(diff), Math.sqrt(sum));
}

// The point at t in [0, 1] on the great-circle path from a to b, or null when there is none
// (a zero code, or codes pointing in opposite directions).
export function slerp(a, b, t) {
  const omega = angleBetween(a, b);
  if (!(omega <= NEARLY_OPPOSITE)) return null;
  if (omega < NEARLY_PARALLEL) return lerp(a, b, t);
  const s = Math.sin(omega);
  const wa = Math.sin((1 - t) * omega) / s, wb = Math.sin(t * omega) / s;
  return Array.from(a, (v, i) => wa * v + wb * b[i]);
}

// The Interpolation widget's point at t along the chosen path, "lerp" or "slerp", and the
// path actually taken (slerp falls back to the straight line where it is undefined).
export function pathPoint(a, b, t, path) {
  if (path === "slerp") {
    const z = slerp(a, b, t);
    if (z) return { z, taken: "slerp" };
  }
  return { z: lerp(a, b, t), taken: "lerp" };
}
