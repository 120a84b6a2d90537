// GENERATED FILE, DO NOT EDIT. Built by `npm run build` (esbuild.config.mjs) from
// vae_core/widgets/src/*.js; tests/js/bundle.test.mjs fails if it differs from a fresh build.

// vae_core/widgets/src/encoding.js
function halfToNumber(bits) {
  const sign = bits & 32768 ? -1 : 1;
  const exp = bits >> 10 & 31;
  const frac = bits & 1023;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
var HALF_TABLE = null;
function halfTable() {
  if (!HALF_TABLE) {
    HALF_TABLE = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) HALF_TABLE[bits] = halfToNumber(bits);
  }
  return HALF_TABLE;
}
function base64ToBytes(text) {
  if (typeof atob === "function") {
    const bin = atob(text);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }
  return new Uint8Array(Buffer.from(text, "base64"));
}
var WIDTH = { float16: 2, float32: 4 };
function bytesToFloats(bytes, dtype) {
  const width = WIDTH[dtype];
  if (!width) throw new Error(`unknown dtype: ${dtype} (expected float16 or float32)`);
  if (bytes.byteLength % width) {
    throw new Error(`${bytes.byteLength} bytes is not a whole number of ${dtype} values`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / width);
  if (dtype === "float16") {
    const table = halfTable();
    for (let i = 0; i < out.length; i++) out[i] = table[view.getUint16(2 * i, true)];
  } else {
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  }
  return out;
}
function base64ToFloats(text, dtype = "float16") {
  return bytesToFloats(base64ToBytes(text), dtype);
}

// vae_core/widgets/src/plane.js
var MARGIN = { left: 54, right: 8, top: 8, bottom: 54 };
function plotArea(size, margin = MARGIN) {
  const side = Math.max(1, Math.min(
    size - margin.left - margin.right,
    size - margin.top - margin.bottom
  ));
  return { left: margin.left, top: margin.top, width: side, height: side };
}
function planeTransform(bounds, area) {
  const [[x0, x1], [y0, y1]] = bounds;
  if (!(x1 > x0) || !(y1 > y0)) throw new Error(`empty bounds: ${JSON.stringify(bounds)}`);
  const sx = area.width / (x1 - x0);
  const sy = area.height / (y1 - y0);
  return {
    toPx: (z1, z2) => [area.left + (z1 - x0) * sx, area.top + (y1 - z2) * sy],
    fromPx: (px, py) => [x0 + (px - area.left) / sx, y1 - (py - area.top) / sy],
    scale: [sx, sy]
    // pixels per unit of z1, z2
  };
}
function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}
function tickStep(lo, hi, maxTicks = 6) {
  if (!(hi > lo) || maxTicks < 2) throw new Error(`cannot place ticks on [${lo}, ${hi}]`);
  const rough = (hi - lo) / (maxTicks - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const m of [1, 2, 5, 10]) {
    if (m * power >= rough) return m * power;
  }
  return 10 * power;
}
function tickCount(pixels2) {
  return Math.max(3, Math.floor(pixels2 / 40) + 1);
}
function ticks(lo, hi, maxTicks = 6) {
  const step = tickStep(lo, hi, maxTicks);
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const out = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) {
    const v = Number((k * step).toFixed(digits));
    out.push(v === 0 ? 0 : v);
  }
  return out;
}
function squareBounds(extent) {
  if (!(extent > 0) || !Number.isFinite(extent)) throw new Error(`extent must be > 0, got ${extent}`);
  return [[-extent, extent], [-extent, extent]];
}
function grabsPoint(touchPx, pointPx, grab = 24) {
  const dx = touchPx[0] - pointPx[0];
  const dy = touchPx[1] - pointPx[1];
  return dx * dx + dy * dy <= grab * grab;
}

// vae_core/widgets/src/readouts.js
function formatNumber(v, digits = 2) {
  if (!Number.isFinite(v)) return String(v);
  const text = v.toFixed(digits);
  return Number(text) === 0 ? 0 .toFixed(digits) : text.replace("-", "−");
}
function formatPoint(z, digits = 2) {
  return `(${Array.from(z, (v) => formatNumber(v, digits)).join(", ")})`;
}
function formatTick(v, step) {
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return formatNumber(v, digits);
}
function planeRows({ z, logLik, logPrior, logQ, logPx = null }) {
  const rows = [
    ["z", formatPoint(z)],
    ["log p(z)", formatNumber(logPrior)],
    ["log p(x|z)", formatNumber(logLik)],
    ["log q(z|x)", formatNumber(logQ)],
    ["log p(x|z) + log p(z) − log q(z|x)", formatNumber(logLik + logPrior - logQ)]
  ];
  if (logPx !== null) {
    rows.push(
      ["log p(z|x) = log p(x, z) − log p(x)", formatNumber(logLik + logPrior - logPx)],
      ["log p(x) (grid)", formatNumber(logPx)]
    );
  }
  return rows;
}
function traversalRows({ logPrior, logQ, meanChange }) {
  return [
    ["log p(z)", formatNumber(logPrior)],
    ["log q(z|x)", formatNumber(logQ)],
    ["mean |change| of a pixel from the code", formatNumber(meanChange, 4)]
  ];
}
function interpolationRows({ t, z, logPrior }) {
  return [
    ["t", formatNumber(t)],
    ["|z|", formatNumber(Math.hypot(...z))],
    ["log p(z)", formatNumber(logPrior)]
  ];
}
function meanAbsChange(a, b) {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += Math.abs(a[k] - b[k]);
  return s / a.length;
}
function lerp(a, b, t) {
  return Array.from(a, (v, i) => (1 - t) * v + t * b[i]);
}
function sliderRange(mu, span) {
  const round = (v) => Math.round(v * 100) / 100;
  return [round(mu - span), round(mu + span)];
}

// vae_core/widgets/src/fitq.js
function logSumExp(values) {
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v);
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}
function fitqReadouts({ logPost, n, z1, z2, logPx }, mu, logvar) {
  const h1 = (z1[1] - z1[0]) / (n - 1), h2 = (z2[1] - z2[0]) / (n - 1);
  const a1 = new Float64Array(n), a2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a1[i] = -0.5 * (z1[0] + i * h1 - mu[0]) ** 2 * Math.exp(-logvar[0]);
    a2[i] = -0.5 * (z2[0] + i * h2 - mu[1]) ** 2 * Math.exp(-logvar[1]);
  }
  const norm2 = logSumExp(a1) + logSumExp(a2);
  const logCell = Math.log(h1 * h2);
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const logMass = a1[i] + a2[j] - norm2;
      if (logMass < -745) continue;
      kl += Math.exp(logMass) * (logMass - logCell - logPost[i * n + j]);
    }
  }
  return { elbo: logPx - kl, kl, logPx };
}
function fitqGrid(g) {
  return {
    logPost: base64ToFloats(g.log_post, "float32"),
    n: g.n,
    z1: g.z1,
    z2: g.z2,
    logPx: g.log_px
  };
}
function barParts({ elbo, kl, logPx }, floor) {
  const span = logPx - floor;
  const elboPart = clamp((elbo - floor) / span, 0, 1);
  return { elbo: elboPart, kl: 1 - elboPart, clipped: elbo < floor, total: elbo + kl };
}
function shading(grid, lo, hi) {
  const n = grid.n, dens = base64ToBytes(grid.density);
  const off = document.createElement("canvas");
  off.width = n;
  off.height = n;
  const octx = off.getContext("2d");
  const img = octx.createImageData(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = dens[i * n + j] / 255, p = 4 * ((n - 1 - j) * n + i);
      for (let c = 0; c < 3; c++) img.data[p + c] = lo[c] + (hi[c] - lo[c]) * v;
      img.data[p + 3] = 255;
    }
  }
  octx.putImageData(img, 0, 0);
  return off;
}
function renderFitQ(model, el, ui) {
  const { h: h2 } = ui;
  const g = model.get("grid");
  const grid = fitqGrid(g);
  const bounds = () => g.view;
  const [[v0, v1]] = g.view;
  const cell = (g.z1[1] - g.z1[0]) / (g.n - 1);
  const logSigma = { min: Math.log(cell), max: Math.log((v1 - v0) / 2) };
  const canvas = h2("canvas", {
    width: 320,
    height: 320,
    tabindex: 0,
    class: "vae-plane",
    role: "application",
    "aria-label": "q's mean on the posterior: drag it, tap or click, or use the arrow keys (hold Shift for larger steps)"
  });
  const box = h2("div", { class: "vae-plane-box" }, [canvas]);
  const ctx = canvas.getContext("2d");
  const readout = ui.readoutTable();
  const elboBar = h2("span", { class: "vae-bar-elbo" });
  const klBar = h2("span", { class: "vae-bar-kl" });
  const bar = h2("div", { class: "vae-bar", "aria-hidden": "true" }, [elboBar, klBar]);
  const sliders = [0, 1].map((k) => {
    const input = h2("input", {
      type: "range",
      min: logSigma.min,
      max: logSigma.max,
      step: (logSigma.max - logSigma.min) / 400,
      "aria-label": `log of q's sigma ${k + 1}`
    });
    const value = h2("span", { class: "vae-value" });
    return { input, value, label: h2("label", {}, [`σ${k + 1} `, input, value]) };
  });
  const encoderButton = h2("button", { type: "button", text: "encoder's q" });
  const bestButton = h2("button", { type: "button", text: "best diagonal q" });
  el.append(h2("div", { class: "vae-row" }, [
    box,
    h2("div", { class: "vae-side" }, [
      readout.el,
      bar,
      h2("p", { class: "vae-note", text: "bar: ELBO (grey) + KL (red) = log p(x)" }),
      ...sliders.map((s) => s.label),
      h2("div", { class: "vae-controls" }, [encoderButton, bestButton])
    ])
  ]));
  let mu = Float64Array.from(model.get("q_mu"));
  let logvar = Float64Array.from(model.get("q_logvar"));
  const enc = model.get("encoder_q");
  const floor = g.log_px - Math.max(10, 1.5 * fitqReadouts(grid, enc.mu, enc.logvar).kl);
  let size = 320, pendingSince = null, image = null, imageKey = "";
  const transform = () => planeTransform(bounds(), plotArea(size));
  function layout() {
    const width = box.getBoundingClientRect().width;
    const dpr = window.devicePixelRatio || 1;
    if (!width || width === size && canvas.width === Math.round(width * dpr)) return false;
    size = width;
    canvas.width = canvas.height = Math.round(width * dpr);
    return true;
  }
  function draw() {
    const pal = ui.palette(el);
    const dpr = canvas.width / size, area = plotArea(size), tf = transform();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = pal.bg;
    ctx.fillRect(0, 0, size, size);
    ctx.save();
    ctx.beginPath();
    ctx.rect(area.left, area.top, area.width, area.height);
    ctx.clip();
    const key = `${pal.bg}|${pal.density}`;
    if (key !== imageKey) {
      image = shading(g, ui.hexToRGB(pal.bg), ui.hexToRGB(pal.density));
      imageKey = key;
    }
    const [x0, y0] = tf.toPx(g.z1[0], g.z2[1]), [x1, y1] = tf.toPx(g.z1[1], g.z2[0]);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(image, x0, y0, x1 - x0, y1 - y0);
    ui.drawGrid(ctx, tf, area, bounds(), pal);
    const [cx, cy] = tf.toPx(mu[0], mu[1]);
    ctx.strokeStyle = pal.ellipse;
    for (const k of [1, 2]) {
      ctx.lineWidth = k === 1 ? 2 : 1;
      ctx.beginPath();
      ctx.ellipse(
        cx,
        cy,
        k * Math.exp(0.5 * logvar[0]) * tf.scale[0],
        k * Math.exp(0.5 * logvar[1]) * tf.scale[1],
        0,
        0,
        2 * Math.PI
      );
      ctx.stroke();
    }
    ctx.lineWidth = 2;
    ctx.strokeStyle = pal.ring;
    ctx.fillStyle = pal.point;
    ctx.beginPath();
    ctx.arc(cx, cy, 7, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
    ctx.restore();
    ui.drawAxes(ctx, tf, area, bounds(), pal);
  }
  function update() {
    draw();
    const r = fitqReadouts(grid, mu, logvar);
    const parts = barParts(r, floor);
    elboBar.style.width = `${(100 * parts.elbo).toFixed(2)}%`;
    klBar.style.width = `${(100 * parts.kl).toFixed(2)}%`;
    readout.show([
      ["q's mean", `(${formatNumber(mu[0])}, ${formatNumber(mu[1])})`],
      ["ELBO(q)", formatNumber(r.elbo)],
      ["KL(q ‖ p(z|x))", formatNumber(r.kl)],
      ["ELBO + KL", formatNumber(parts.total)],
      ["log p(x)", formatNumber(r.logPx)]
    ]);
    sliders.forEach((s, k) => {
      s.input.value = String(0.5 * logvar[k]);
      s.value.textContent = Math.exp(0.5 * logvar[k]).toPrecision(2);
    });
    if (pendingSince !== null) {
      el.dataset.redrawMs = (performance.now() - pendingSince).toFixed(2);
      pendingSince = null;
    }
  }
  const schedule = ui.frameScheduler(update);
  let timer = null;
  function setQ(nextMu, nextLogvar) {
    if (pendingSince === null) pendingSince = performance.now();
    mu = Float64Array.from(nextMu);
    logvar = Float64Array.from(nextLogvar);
    schedule();
    clearTimeout(timer);
    timer = setTimeout(() => {
      ui.sync(model, "q_mu", Array.from(mu));
      ui.sync(model, "q_logvar", Array.from(logvar));
    }, 150);
  }
  const local = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * size / r.width, (e.clientY - r.top) * size / r.height];
  };
  const muAt = (p) => {
    const [z1, z2] = transform().fromPx(p[0], p[1]);
    return [clamp(z1, g.z1[0], g.z1[1]), clamp(z2, g.z2[0], g.z2[1])];
  };
  const onPoint = (p) => grabsPoint(p, transform().toPx(mu[0], mu[1]));
  let dragging = null, touch = null;
  canvas.addEventListener("touchstart", (e) => {
    const t = e.changedTouches[0];
    if (t && onPoint(local(t))) e.preventDefault();
  }, { passive: false });
  canvas.addEventListener("pointerdown", (e) => {
    const p = local(e);
    if (e.pointerType === "touch" && !onPoint(p)) {
      touch = { id: e.pointerId, start: p };
      return;
    }
    dragging = e.pointerId;
    canvas.setPointerCapture(e.pointerId);
    canvas.focus();
    setQ(muAt(p), logvar);
    e.preventDefault();
  });
  canvas.addEventListener("pointermove", (e) => {
    const p = local(e);
    if (touch && touch.id === e.pointerId) {
      const dx = Math.abs(p[0] - touch.start[0]), dy = Math.abs(p[1] - touch.start[1]);
      if (dx > 8 && dx > dy) {
        dragging = e.pointerId;
        touch = null;
      }
    }
    if (dragging === e.pointerId) setQ(muAt(p), logvar);
  });
  canvas.addEventListener("pointerup", (e) => {
    if (touch && touch.id === e.pointerId) {
      touch = null;
      setQ(muAt(local(e)), logvar);
    }
    if (dragging === e.pointerId) dragging = null;
  });
  canvas.addEventListener("pointercancel", () => {
    touch = null;
    dragging = null;
  });
  canvas.addEventListener("keydown", (e) => {
    const step = (v1 - v0) / (e.shiftKey ? 10 : 100);
    const delta = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, step],
      ArrowDown: [0, -step]
    }[e.key];
    if (!delta) return;
    e.preventDefault();
    setQ(
      [clamp(mu[0] + delta[0], g.z1[0], g.z1[1]), clamp(mu[1] + delta[1], g.z2[0], g.z2[1])],
      logvar
    );
  });
  sliders.forEach((s, k) => ui.swipeSafeSlider(s.input, () => {
    const next = Float64Array.from(logvar);
    next[k] = 2 * Number(s.input.value);
    setQ(mu, next);
  }));
  encoderButton.addEventListener("click", () => setQ(enc.mu, enc.logvar));
  bestButton.addEventListener("click", () => {
    const best = model.get("best_q");
    setQ(best.mu, best.logvar);
  });
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(() => {
      if (layout()) update();
    }).observe(box);
  }
  ui.onThemeChange(() => {
    imageKey = "";
    schedule();
  });
  layout();
  update();
}

// vae_core/widgets/src/decoder.js
var LOG_2PI = Math.log(2 * Math.PI);
var FORMAT = "vae_core.mlp/1";
function loadDecoder(payload) {
  if (!payload || payload.format !== FORMAT) {
    throw new Error(`unknown decoder payload format: ${payload && payload.format}`);
  }
  const flat = bytesToFloats(base64ToBytes(payload.data), payload.dtype);
  let at = 0;
  const layers = payload.layers.map((spec) => {
    const W = flat.subarray(at, at + spec.n_in * spec.n_out);
    at += spec.n_in * spec.n_out;
    const b = flat.subarray(at, at + spec.n_out);
    at += spec.n_out;
    return { W, b, nIn: spec.n_in, nOut: spec.n_out, relu: spec.activation === "relu" };
  });
  if (at !== flat.length) throw new Error(`payload holds ${flat.length} numbers, layers need ${at}`);
  const width = Math.max(...layers.map((l) => l.nOut));
  return {
    layers,
    Z: layers[0].nIn,
    D: layers[layers.length - 1].nOut,
    scratch: [new Float32Array(width), new Float32Array(width)]
  };
}
function decodeLogits(net, z, out) {
  if (z.length !== net.Z) throw new Error(`z has ${z.length} numbers, the decoder takes ${net.Z}`);
  let h2 = z;
  net.layers.forEach((layer, k) => {
    const last = k === net.layers.length - 1;
    const y = last ? out || new Float32Array(layer.nOut) : net.scratch[k % 2];
    const { W, b, nIn, nOut, relu } = layer;
    for (let o = 0; o < nOut; o++) {
      let s = b[o];
      const row = o * nIn;
      for (let i = 0; i < nIn; i++) s += W[row + i] * h2[i];
      y[o] = relu && s < 0 ? 0 : s;
    }
    h2 = y;
  });
  return h2;
}
function sigmoid(logits, out) {
  const p = out || new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) p[i] = 0.5 * (1 + Math.tanh(0.5 * logits[i]));
  return p;
}
function bernoulliLogLikelihood(logits, x) {
  let s = 0;
  for (let d = 0; d < logits.length; d++) {
    const l = logits[d];
    const softplus = l > 0 ? l + Math.log1p(Math.exp(-l)) : Math.log1p(Math.exp(l));
    s += x[d] * l - softplus;
  }
  return s;
}
function standardNormalLogDensity(z) {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += -0.5 * (LOG_2PI + z[i] * z[i]);
  return s;
}
function gaussianLogDensity(z, mu, logvar) {
  let s = 0;
  for (let i = 0; i < z.length; i++) {
    const d = z[i] - mu[i];
    s += -0.5 * (LOG_2PI + logvar[i] + d * d / Math.exp(logvar[i]));
  }
  return s;
}
function probabilitiesToRGBA(probs, rgba) {
  const out = rgba || new Uint8ClampedArray(probs.length * 4);
  for (let d = 0; d < probs.length; d++) {
    const v = Math.round(255 * probs[d]);
    out[4 * d] = v;
    out[4 * d + 1] = v;
    out[4 * d + 2] = v;
    out[4 * d + 3] = 255;
  }
  return out;
}
function timeDecode(net, n = 200, repeats = 5) {
  const now = typeof performance !== "undefined" ? () => performance.now() : () => Date.now();
  const z = new Float32Array(net.Z);
  const out = new Float32Array(net.D);
  const times = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = now();
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < net.Z; i++) z[i] = 4 * Math.random() - 2;
      sigmoid(decodeLogits(net, z, out), out);
    }
    times.push((now() - t0) / n);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

// vae_core/widgets/src/slerp.js
var NEARLY_PARALLEL = 1e-4;
var NEARLY_OPPOSITE = Math.PI - 1e-3;
function norm(v) {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}
function angleBetween(a, b) {
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
function slerp(a, b, t) {
  const omega = angleBetween(a, b);
  if (!(omega <= NEARLY_OPPOSITE)) return null;
  if (omega < NEARLY_PARALLEL) return lerp(a, b, t);
  const s = Math.sin(omega);
  const wa = Math.sin((1 - t) * omega) / s, wb = Math.sin(t * omega) / s;
  return Array.from(a, (v, i) => wa * v + wb * b[i]);
}
function pathPoint(a, b, t, path) {
  if (path === "slerp") {
    const z = slerp(a, b, t);
    if (z) return { z, taken: "slerp" };
  }
  return { z: lerp(a, b, t), taken: "lerp" };
}

// vae_core/widgets/src/widgets.js
var COLORS = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf"
];
var NETS = /* @__PURE__ */ new Map();
function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}
function pixels(digit) {
  return Float32Array.from(base64ToBytes(digit.pixels), (b) => b / 255);
}
function palette(el) {
  const css = getComputedStyle(el);
  const get = (name) => css.getPropertyValue(name).trim();
  return {
    bg: get("--vae-canvas-bg") || "#fff",
    fg: get("--vae-fg") || "#1a1a1a",
    grid: get("--vae-grid") || "#ddd",
    ellipse: get("--vae-ellipse") || "#000",
    point: get("--vae-point") || "#c00",
    ring: get("--vae-point-ring") || "#fff",
    density: get("--vae-density") || "#1f4e9c"
  };
}
function hexToRGB(hex) {
  const v = parseInt(hex.replace("#", ""), 16);
  return [v >> 16 & 255, v >> 8 & 255, v & 255];
}
function onThemeChange(fn) {
  if (typeof MutationObserver === "undefined") return;
  const observer = new MutationObserver(fn);
  const attributeFilter = ["data-theme", "data-jp-theme-light", "class"];
  observer.observe(document.documentElement, { attributes: true, attributeFilter });
  if (document.body) observer.observe(document.body, { attributes: true, attributeFilter });
}
async function weightsModel(model) {
  const ref = model.get("decoder");
  if (!ref) return null;
  if (typeof ref === "string") {
    const id = ref.replace(/^IPY_MODEL_/, "");
    if (NETS.has(id)) return NETS.get(id);
    const wm = await model.widget_manager.get_model(id);
    const net = loadDecoder(wm.get("payload"));
    NETS.set(id, net);
    return net;
  }
  return loadDecoder(ref.get("payload"));
}
async function makeDecoder(model) {
  const net = await weightsModel(model);
  if (net) {
    return { mode: "browser", decode: async (zs) => zs.map((z) => decodeLogits(net, z)) };
  }
  let seq = 0;
  const pending = /* @__PURE__ */ new Map();
  model.on("change:_reply", () => {
    const reply = model.get("_reply");
    const done = pending.get(reply.seq);
    if (!done) return;
    pending.delete(reply.seq);
    const all = base64ToFloats(reply.logits, "float32");
    const D = all.length / reply.count;
    done(Array.from({ length: reply.count }, (_, k) => all.subarray(k * D, (k + 1) * D)));
  });
  return {
    mode: "python",
    decode: (zs) => new Promise((resolve) => {
      seq += 1;
      for (const k of pending.keys()) {
        if (k < seq) pending.delete(k);
      }
      pending.set(seq, resolve);
      model.set("_request", { seq, z: zs.map((z) => Array.from(z)) });
      model.save_changes();
    })
  };
}
function digitCanvas(label, cls = "vae-digit") {
  const canvas = h("canvas", {
    width: 28,
    height: 28,
    role: "img",
    "aria-label": label,
    class: cls
  });
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(28, 28);
  return {
    canvas,
    draw(probs) {
      probabilitiesToRGBA(probs, image.data);
      ctx.putImageData(image, 0, 0);
    }
  };
}
function digitPicker(model, label, key = "digit") {
  const select = h("select", { "aria-label": label });
  model.get("digits").forEach((d, i) => select.append(
    h("option", { value: i, text: `test digit #${d.index} (a ${d.label})` })
  ));
  select.value = String(model.get(key));
  return select;
}
function readoutTable() {
  const el = h("output", { class: "vae-readout", "aria-live": "polite" });
  const table = h("table");
  el.append(table);
  return {
    el,
    show(rows) {
      table.replaceChildren(...rows.map(([k, v]) => h("tr", {}, [h("th", { text: k, scope: "row" }), h("td", { text: v })])));
    }
  };
}
function sync(model, key, value) {
  model.set(key, value);
  try {
    model.save_changes();
  } catch {
  }
}
function frameScheduler(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}
function swipeSafeSlider(input, apply) {
  let held = null;
  input.addEventListener("pointerdown", (e) => {
    held = e.pointerType === "touch" ? { id: e.pointerId, value: input.value, x: e.clientX, y: e.clientY } : null;
  });
  input.addEventListener("input", () => {
    if (!held) apply();
  });
  input.addEventListener("pointermove", (e) => {
    if (!held || e.pointerId !== held.id) return;
    const dx = Math.abs(e.clientX - held.x), dy = Math.abs(e.clientY - held.y);
    if (dx > 8 && dx > dy) {
      held = null;
      apply();
    }
  });
  input.addEventListener("pointerup", (e) => {
    if (held && e.pointerId === held.id) {
      held = null;
      apply();
    }
  });
  input.addEventListener("pointercancel", (e) => {
    if (held && e.pointerId === held.id) {
      input.value = held.value;
      held = null;
    }
  });
}
function drawAxes(ctx, tf, area, bounds, pal) {
  const [[x0, x1], [y0, y1]] = bounds;
  const maxTicks = tickCount(area.width);
  const bottom = area.top + area.height;
  ctx.strokeStyle = pal.fg;
  ctx.lineWidth = 1;
  ctx.strokeRect(area.left - 0.5, area.top - 0.5, area.width + 1, area.height + 1);
  ctx.fillStyle = pal.fg;
  ctx.font = "12px system-ui, sans-serif";
  const xs = ticks(x0, x1, maxTicks), ys = ticks(y0, y1, maxTicks);
  const xStep = xs.length > 1 ? xs[1] - xs[0] : 1, yStep = ys.length > 1 ? ys[1] - ys[0] : 1;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const v of xs) {
    const [px] = tf.toPx(v, y0);
    ctx.fillRect(Math.round(px) - 0.5, bottom, 1, 5);
    ctx.fillText(formatTick(v, xStep), px, bottom + 7);
  }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const v of ys) {
    const [, py] = tf.toPx(x0, v);
    ctx.fillRect(area.left - 5, Math.round(py) - 0.5, 5, 1);
    ctx.fillText(formatTick(v, yStep), area.left - 7, py);
  }
  ctx.font = "italic 13px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText("z₁", area.left + area.width / 2, bottom + 46);
  ctx.save();
  ctx.translate(12, area.top + area.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText("z₂", 0, 0);
  ctx.restore();
}
function drawGrid(ctx, tf, area, bounds, pal) {
  const [[x0, x1], [y0, y1]] = bounds;
  const maxTicks = tickCount(area.width);
  ctx.strokeStyle = pal.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const v of ticks(x0, x1, maxTicks)) {
    const [px] = tf.toPx(v, y0);
    ctx.moveTo(Math.round(px) + 0.5, area.top);
    ctx.lineTo(Math.round(px) + 0.5, area.top + area.height);
  }
  for (const v of ticks(y0, y1, maxTicks)) {
    const [, py] = tf.toPx(x0, v);
    ctx.moveTo(area.left, Math.round(py) + 0.5);
    ctx.lineTo(area.left + area.width, Math.round(py) + 0.5);
  }
  ctx.stroke();
}
function planeView({ model, el, decoder, bounds, background, withLogPx }) {
  const canvas = h("canvas", {
    width: 320,
    height: 320,
    tabindex: 0,
    class: "vae-plane",
    role: "application",
    "aria-label": "latent plane: drag the point, tap or click, or use the arrow keys to move the point z (hold Shift for larger steps)"
  });
  const box = h("div", { class: "vae-plane-box" }, [canvas]);
  const ctx = canvas.getContext("2d");
  const digit = digitCanvas("decoded image at z");
  const picker = digitPicker(model, "test digit x for the readout");
  const readout = readoutTable();
  el.append(h("div", { class: "vae-row" }, [
    box,
    h("div", { class: "vae-side" }, [
      h("label", {}, ["x: ", picker]),
      digit.canvas,
      readout.el
    ])
  ]));
  let z = Float32Array.from(model.get("z"));
  let size = 320;
  const transform = () => planeTransform(bounds(), plotArea(size));
  function layout() {
    const width = box.getBoundingClientRect().width;
    const dpr = window.devicePixelRatio || 1;
    if (!width || width === size && canvas.width === Math.round(width * dpr)) return false;
    size = width;
    canvas.width = canvas.height = Math.round(width * dpr);
    return true;
  }
  function drawPlane2() {
    const dpr = canvas.width / size;
    const pal = palette(el);
    const area = plotArea(size), b = bounds(), tf = planeTransform(b, area);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = pal.bg;
    ctx.fillRect(0, 0, size, size);
    ctx.save();
    ctx.beginPath();
    ctx.rect(area.left, area.top, area.width, area.height);
    ctx.clip();
    background(ctx, tf, area, pal);
    drawGrid(ctx, tf, area, b, pal);
    const d = model.get("digits")[model.get("digit")];
    ctx.strokeStyle = pal.ellipse;
    const [cx, cy] = tf.toPx(d.mu[0], d.mu[1]);
    for (const k of [1, 2]) {
      ctx.lineWidth = k === 1 ? 2 : 1;
      ctx.beginPath();
      ctx.ellipse(
        cx,
        cy,
        k * Math.exp(0.5 * d.logvar[0]) * tf.scale[0],
        k * Math.exp(0.5 * d.logvar[1]) * tf.scale[1],
        0,
        0,
        2 * Math.PI
      );
      ctx.stroke();
    }
    const [px, py] = tf.toPx(z[0], z[1]);
    ctx.lineWidth = 2;
    ctx.strokeStyle = pal.ring;
    ctx.fillStyle = pal.point;
    ctx.beginPath();
    ctx.arc(px, py, 7, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
    ctx.restore();
    drawAxes(ctx, tf, area, b, pal);
  }
  async function update() {
    drawPlane2();
    const zNow = z;
    const [logits] = await decoder.decode([zNow]);
    if (zNow !== z) return;
    digit.draw(sigmoid(logits));
    const d = model.get("digits")[model.get("digit")];
    readout.show(planeRows({
      z,
      logLik: bernoulliLogLikelihood(logits, pixelsOf(d)),
      logPrior: standardNormalLogDensity(z),
      logQ: gaussianLogDensity(z, d.mu, d.logvar),
      logPx: withLogPx ? withLogPx() : null
    }));
  }
  const cache = /* @__PURE__ */ new Map();
  function pixelsOf(d) {
    if (!cache.has(d.index)) cache.set(d.index, pixels(d));
    return cache.get(d.index);
  }
  const schedule = frameScheduler(update);
  let timer = null;
  function moveTo(next, { now = false } = {}) {
    z = next;
    schedule();
    clearTimeout(timer);
    timer = setTimeout(() => sync(model, "z", Array.from(z)), now ? 0 : 150);
  }
  const local = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * size / r.width, (e.clientY - r.top) * size / r.height];
  };
  const zAt = (p) => {
    const [[x0, x1], [y0, y1]] = bounds();
    const [z1, z2] = transform().fromPx(p[0], p[1]);
    return Float32Array.of(clamp(z1, x0, x1), clamp(z2, y0, y1));
  };
  const onPoint = (p) => grabsPoint(p, transform().toPx(z[0], z[1]));
  let dragging = null;
  let touch = null;
  canvas.addEventListener("touchstart", (e) => {
    const t = e.changedTouches[0];
    if (t && onPoint(local(t))) e.preventDefault();
  }, { passive: false });
  canvas.addEventListener("pointerdown", (e) => {
    const p = local(e);
    if (e.pointerType === "touch" && !onPoint(p)) {
      touch = { id: e.pointerId, start: p };
      return;
    }
    dragging = e.pointerId;
    canvas.setPointerCapture(e.pointerId);
    canvas.focus();
    moveTo(zAt(p));
    e.preventDefault();
  });
  canvas.addEventListener("pointermove", (e) => {
    const p = local(e);
    if (touch && touch.id === e.pointerId) {
      const dx = Math.abs(p[0] - touch.start[0]), dy = Math.abs(p[1] - touch.start[1]);
      if (dx > 8 && dx > dy) {
        dragging = e.pointerId;
        touch = null;
      }
    }
    if (dragging === e.pointerId) moveTo(zAt(p));
  });
  canvas.addEventListener("pointerup", (e) => {
    if (touch && touch.id === e.pointerId) {
      touch = null;
      moveTo(zAt(local(e)), { now: true });
    }
    if (dragging === e.pointerId) {
      dragging = null;
      moveTo(z, { now: true });
    }
  });
  canvas.addEventListener("pointercancel", () => {
    touch = null;
    dragging = null;
  });
  canvas.addEventListener("keydown", (e) => {
    const [[x0, x1]] = bounds();
    const step = (x1 - x0) / (e.shiftKey ? 10 : 100);
    const delta = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, step],
      ArrowDown: [0, -step]
    }[e.key];
    if (!delta) return;
    e.preventDefault();
    moveTo(Float32Array.of(z[0] + delta[0], z[1] + delta[1]));
  });
  picker.addEventListener("change", () => sync(model, "digit", Number(picker.value)));
  model.on("change:digit", () => {
    picker.value = String(model.get("digit"));
    schedule();
  });
  model.on("change:z", () => {
    const next = model.get("z");
    if (next[0] !== z[0] || next[1] !== z[1]) {
      z = Float32Array.from(next);
      schedule();
    }
  });
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(() => {
      if (layout()) update();
    }).observe(box);
  }
  onThemeChange(schedule);
  layout();
  update();
  return { schedule };
}
function renderPlane(model, el, decoder) {
  const points = model.get("points");
  const z1 = base64ToFloats(points.z1), z2 = base64ToFloats(points.z2);
  const labels = base64ToBytes(points.labels);
  const b = squareBounds(model.get("extent"));
  planeView({
    model,
    el,
    decoder,
    bounds: () => b,
    background(ctx, tf) {
      ctx.globalAlpha = 0.7;
      for (let i = 0; i < z1.length; i++) {
        const [px, py] = tf.toPx(z1[i], z2[i]);
        ctx.fillStyle = COLORS[labels[i] % 10];
        ctx.fillRect(px - 1.5, py - 1.5, 3, 3);
      }
      ctx.globalAlpha = 1;
    }
  });
  model.on("change:digit", () => {
    sync(model, "z", model.get("digits")[model.get("digit")].mu);
  });
  el.append(h(
    "div",
    { class: "vae-legend", "aria-hidden": "true" },
    COLORS.map((c, k) => h("span", {}, [h("i", { style: `background:${c}` }), String(k)]))
  ));
}
function renderPosterior(model, el, decoder) {
  const grids = model.get("posteriors");
  const current = () => grids[model.get("digit")];
  const images = /* @__PURE__ */ new Map();
  function gridImage(k, pal) {
    const key = `${k}|${pal.bg}|${pal.density}`;
    if (images.has(key)) return images.get(key);
    const g = grids[k], n = g.n, dens = base64ToBytes(g.density);
    const [lo, hi] = [hexToRGB(pal.bg), hexToRGB(pal.density)];
    const off = document.createElement("canvas");
    off.width = n;
    off.height = n;
    const octx = off.getContext("2d");
    const img = octx.createImageData(n, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = dens[i * n + j] / 255;
        const p = 4 * ((n - 1 - j) * n + i);
        for (let c = 0; c < 3; c++) img.data[p + c] = lo[c] + (hi[c] - lo[c]) * v;
        img.data[p + 3] = 255;
      }
    }
    octx.putImageData(img, 0, 0);
    images.set(key, off);
    return off;
  }
  const view = planeView({
    model,
    el,
    decoder,
    bounds: () => current().view,
    background(ctx, tf, area, pal) {
      const g = current();
      const [x0, y0] = tf.toPx(g.z1[0], g.z2[1]);
      const [x1, y1] = tf.toPx(g.z1[1], g.z2[0]);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(gridImage(model.get("digit"), pal), x0, y0, x1 - x0, y1 - y0);
    },
    withLogPx: () => current().log_px
  });
  model.on("change:digit", () => {
    sync(model, "z", current().mean);
    view.schedule();
  });
  el.append(h("p", { class: "vae-note", text: "Shaded: the true posterior p(z|x) on a grid; ellipses: the encoder's q(z|x), 1 and 2 standard deviations." }));
}
function renderTraversal(model, el, decoder) {
  const Z = model.get("latent_dim");
  const span = model.get("span");
  const activity = model.get("activity");
  const picker = digitPicker(model, "test digit whose code the sliders start from");
  const digit = digitCanvas("decoded image at the sliders' z");
  const readout = readoutTable();
  const reset = h("button", { type: "button", text: "reset to the code" });
  const sliders = [];
  const values = [];
  const grid = h("div", { class: "vae-sliders" });
  for (let i = 0; i < Z; i++) {
    const kl = activity.length ? `KL ${formatNumber(activity[i], 2)}` : "";
    const input = h("input", {
      type: "range",
      step: 0.01,
      "aria-label": `latent dimension ${i + 1}` + (kl ? ` (average ${kl} nats)` : "")
    });
    const value = h("span", { class: "vae-value" });
    swipeSafeSlider(input, () => move(Float32Array.from(sliders, (s) => Number(s.value))));
    sliders.push(input);
    values.push(value);
    grid.append(h(
      "label",
      { title: `latent dimension ${i + 1}` + (kl ? `: average ${kl} nats` : "") },
      [
        h("span", { text: `z${i + 1}` }),
        h("span", { class: "vae-kl", text: kl }),
        input,
        value
      ]
    ));
  }
  el.append(h("div", { class: "vae-row" }, [
    h("div", { class: "vae-side" }, [
      h("label", {}, ["start from: ", picker]),
      reset,
      digit.canvas,
      readout.el
    ]),
    grid
  ]));
  let z = Float32Array.from(model.get("z"));
  let base = null;
  const code = () => model.get("digits")[model.get("digit")];
  function setSliders(point) {
    sliders.forEach((s, i) => {
      [s.min, s.max] = sliderRange(code().mu[i], span).map(String);
      s.value = String(point[i]);
    });
  }
  async function update() {
    const zNow = z;
    const [logits] = await decoder.decode([zNow]);
    if (zNow !== z) return;
    const probs = sigmoid(logits);
    digit.draw(probs);
    if (!base) base = sigmoid((await decoder.decode([Float32Array.from(code().mu)]))[0]);
    sliders.forEach((s, i) => {
      values[i].textContent = formatNumber(z[i]);
    });
    const d = code();
    readout.show(traversalRows({
      logPrior: standardNormalLogDensity(z),
      logQ: gaussianLogDensity(z, d.mu, d.logvar),
      meanChange: meanAbsChange(probs, base)
    }));
  }
  const schedule = frameScheduler(update);
  let timer = null;
  function move(next) {
    z = next;
    schedule();
    clearTimeout(timer);
    timer = setTimeout(() => sync(model, "z", Array.from(z)), 150);
  }
  function toCode() {
    base = null;
    setSliders(code().mu);
    move(Float32Array.from(code().mu));
  }
  reset.addEventListener("click", toCode);
  picker.addEventListener("change", () => {
    sync(model, "digit", Number(picker.value));
  });
  model.on("change:digit", () => {
    picker.value = String(model.get("digit"));
    toCode();
  });
  setSliders(z);
  update();
}
function renderInterpolation(model, el, decoder) {
  const steps = model.get("steps");
  const pickA = digitPicker(model, "first test digit", "a");
  const pickB = digitPicker(model, "second test digit", "b");
  const slider = h("input", {
    type: "range",
    min: 0,
    max: 1,
    step: 0.01,
    "aria-label": "position t along the path from the first code to the second"
  });
  slider.value = String(model.get("t"));
  const PATHS = { lerp: "straight line (lerp)", slerp: "great circle (slerp)" };
  const pathPick = h("select", { "aria-label": "path between the two codes" });
  for (const [value, text] of Object.entries(PATHS)) pathPick.append(h("option", { value, text }));
  const path = () => model.get("path") === "slerp" ? "slerp" : "lerp";
  pathPick.value = path();
  const digit = digitCanvas("decoded image at t");
  const readout = readoutTable();
  const strip = h("div", {
    class: "vae-strip",
    role: "group",
    "aria-label": "decoded images at evenly spaced t"
  });
  const thumbs = Array.from({ length: steps }, (_, k) => digitCanvas(`decoded image at t = ${formatNumber(k / (steps - 1))}`, "vae-thumb"));
  thumbs.forEach((t) => strip.append(t.canvas));
  el.append(h("div", { class: "vae-controls" }, [
    h("label", {}, ["from: ", pickA]),
    h("label", {}, ["to: ", pickB]),
    h("label", {}, ["path: ", pathPick]),
    h("label", { class: "vae-t" }, ["t: ", slider])
  ]));
  el.append(h("div", { class: "vae-row" }, [digit.canvas, readout.el]));
  el.append(strip);
  const code = (key) => Float32Array.from(model.get("digits")[model.get(key)].mu);
  let token = 0;
  async function drawPath() {
    const a = code("a"), b = code("b");
    const logits = await decoder.decode(
      thumbs.map((_, k) => pathPoint(a, b, k / (steps - 1), path()).z)
    );
    logits.forEach((l, k) => thumbs[k].draw(sigmoid(l)));
  }
  async function update() {
    const mine = ++token;
    const t = Number(slider.value);
    const { z, taken } = pathPoint(code("a"), code("b"), t, path());
    const [logits] = await decoder.decode([z]);
    if (mine !== token) return;
    digit.draw(sigmoid(logits));
    const k = Math.round(t * (steps - 1));
    thumbs.forEach((th, i) => th.canvas.classList.toggle("vae-current", i === k));
    const pathRow = ["path", taken === path() ? PATHS[taken] : `${PATHS[taken]}: the codes point in opposite directions`];
    readout.show([pathRow, ...interpolationRows({ t, z, logPrior: standardNormalLogDensity(z) })]);
  }
  const schedule = frameScheduler(update);
  swipeSafeSlider(slider, () => {
    schedule();
    sync(model, "t", Number(slider.value));
  });
  for (const [pick, key] of [[pickA, "a"], [pickB, "b"]]) {
    pick.addEventListener("change", () => sync(model, key, Number(pick.value)));
    model.on(`change:${key}`, () => {
      pick.value = String(model.get(key));
      drawPath();
      schedule();
    });
  }
  model.on("change:t", () => {
    slider.value = String(model.get("t"));
    schedule();
  });
  pathPick.addEventListener("change", () => sync(model, "path", pathPick.value));
  model.on("change:path", () => {
    pathPick.value = path();
    drawPath();
    schedule();
  });
  drawPath();
  update();
}
var VIEWS = {
  plane: renderPlane,
  posterior: renderPosterior,
  traversal: renderTraversal,
  interpolation: renderInterpolation
};
VIEWS.fitq = (model, el) => renderFitQ(model, el, {
  h,
  palette,
  hexToRGB,
  drawAxes,
  drawGrid,
  readoutTable,
  frameScheduler,
  swipeSafeSlider,
  sync,
  onThemeChange
});
var widgets_default = {
  async render({ model, el }) {
    el.classList.add("vae-widget");
    el.setAttribute("data-lm-suppress-shortcuts", "true");
    const decoder = await makeDecoder(model);
    if (decoder.mode === "python") {
      el.append(h("p", { class: "vae-note", role: "note", text: `Decoding in Python (needs a running kernel): ${model.get("fallback")}` }));
    }
    VIEWS[model.get("kind")](model, el, decoder);
    el.dataset.ready = decoder.mode;
  }
};

// vae_core/widgets/src/beta.js
var SIDE = 28;
var FAMILY_COLORS = { 2: "#1f77b4", 20: "#d62728" };
var NETS2 = /* @__PURE__ */ new Map();
function gridPoints(grid) {
  const out = [];
  for (let r = grid.length - 1; r >= 0; r--) {
    for (const z1 of grid) out.push(Float32Array.of(z1, grid[r]));
  }
  return out;
}
function betaRows(m, { reconNll, shown, shareImages }) {
  const elbo = -(m.rate + m.distortion);
  return [
    ["β", formatNumber(m.beta, m.beta < 1 ? 1 : 0)],
    ["rate R", `${formatNumber(m.rate)} nats`],
    ["distortion D", `${formatNumber(m.distortion)} nats`],
    ["ELBO −(D + R)", formatNumber(elbo)],
    ["objective −(D + βR)", formatNumber(-(m.distortion + m.beta * m.rate))],
    [`log p(x), IWAE K = ${m.log_px_samples}`, formatNumber(m.log_px)],
    ["active units", `${m.active} of ${m.latent_dim}`],
    [
      `codes inside the grid (${shareImages.toLocaleString("en-US")} digits)`,
      `${formatNumber(100 * m.inside, 1)} %`
    ],
    [`−log p(x | μ(x)), these ${shown} digits`, formatNumber(reconNll)]
  ];
}
function rdArea(width, height) {
  const m = { left: 54, right: 10, top: 10, bottom: 46 };
  return {
    left: m.left,
    top: m.top,
    width: Math.max(1, width - m.left - m.right),
    height: Math.max(1, height - m.top - m.bottom)
  };
}
async function nets(model) {
  return Promise.all(model.get("decoders").map(async (ref) => {
    const id = typeof ref === "string" ? ref.replace(/^IPY_MODEL_/, "") : ref.model_id;
    if (!NETS2.has(id)) {
      const wm = typeof ref === "string" ? await model.widget_manager.get_model(id) : ref;
      NETS2.set(id, loadDecoder(wm.get("payload")));
    }
    return NETS2.get(id);
  }));
}
function planeView2(model) {
  return model.get("planes")[model.get("close_up") ? 1 : 0];
}
function drawPlane(ctx, size, model, index, pal) {
  const { width, height } = size;
  const view = planeView2(model);
  const b = view.bounds;
  const bounds = [b.rate, b.distortion];
  const area = rdArea(width, height);
  const tf = planeTransform(bounds, area);
  ctx.fillStyle = pal.bg;
  ctx.fillRect(0, 0, width, height);
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.width, area.height);
  ctx.clip();
  ctx.strokeStyle = pal.fg;
  ctx.globalAlpha = 0.45;
  ctx.setLineDash([5, 4]);
  ctx.lineWidth = 1;
  for (const c of view.lines) {
    ctx.beginPath();
    ctx.moveTo(...tf.toPx(0, c));
    ctx.lineTo(...tf.toPx(bounds[0][1], c - bounds[0][1]));
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;
  const points = model.get("points");
  for (const Z of [...new Set(points.map((p) => p.latent_dim))]) {
    const row = points.filter((p) => p.latent_dim === Z);
    const color = FAMILY_COLORS[Z] || pal.fg;
    ctx.strokeStyle = ctx.fillStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    row.forEach((p, k) => ctx[k ? "lineTo" : "moveTo"](...tf.toPx(p.rate, p.distortion)));
    ctx.stroke();
    for (const p of row) {
      const [x, y] = tf.toPx(p.rate, p.distortion);
      ctx.beginPath();
      if (Z === 2) ctx.arc(x, y, 4, 0, 2 * Math.PI);
      else ctx.rect(x - 4, y - 4, 8, 8);
      ctx.fill();
    }
  }
  const m = model.get("models")[index];
  for (const p of points.filter((q) => q.beta === m.beta)) {
    const [x, y] = tf.toPx(p.rate, p.distortion);
    const mine = p.name === m.name;
    ctx.lineWidth = mine ? 2.5 : 2;
    ctx.strokeStyle = mine ? pal.ring : pal.point;
    ctx.fillStyle = pal.point;
    ctx.beginPath();
    ctx.arc(x, y, mine ? 8 : 9, 0, 2 * Math.PI);
    if (mine) ctx.fill();
    ctx.stroke();
    if (mine) {
      ctx.fillStyle = pal.fg;
      ctx.font = "bold 13px system-ui, sans-serif";
      ctx.textAlign = x > area.left + area.width * 0.7 ? "right" : "left";
      ctx.textBaseline = "bottom";
      ctx.fillText(`β = ${m.beta}`, x + (ctx.textAlign === "left" ? 10 : -10), y - 8);
    }
  }
  ctx.restore();
  const bottom = area.top + area.height;
  ctx.strokeStyle = ctx.fillStyle = pal.fg;
  ctx.lineWidth = 1;
  ctx.strokeRect(area.left - 0.5, area.top - 0.5, area.width + 1, area.height + 1);
  ctx.font = "12px system-ui, sans-serif";
  const xs = ticks(...bounds[0], tickCount(area.width));
  const ys = ticks(...bounds[1], tickCount(area.height));
  const step = (t) => t.length > 1 ? t[1] - t[0] : 1;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const v of xs) {
    const [px] = tf.toPx(v, bounds[1][0]);
    ctx.fillRect(Math.round(px) - 0.5, bottom, 1, 5);
    ctx.fillText(formatTick(v, step(xs)), px, bottom + 7);
  }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const v of ys) {
    const [, py] = tf.toPx(bounds[0][0], v);
    ctx.fillRect(area.left - 5, Math.round(py) - 0.5, 5, 1);
    ctx.fillText(formatTick(v, step(ys)), area.left - 7, py);
  }
  ctx.font = "13px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText("rate R (nats)", area.left + area.width / 2, height - 2);
  ctx.save();
  ctx.translate(12, area.top + area.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText("distortion D (nats)", 0, 0);
  ctx.restore();
}
async function render({ model, el }) {
  el.classList.add("vae-widget");
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  const models = model.get("models");
  const digits = model.get("digits");
  const grid = model.get("grid");
  const G = grid.length;
  const zs = gridPoints(grid);
  const xs = digits.map((d) => Float32Array.from(base64ToBytes(d.pixels), (v) => v / 255));
  const slider = h("input", {
    type: "range",
    min: 0,
    max: models.length - 1,
    step: 1,
    "aria-label": "β: which model of the family to show"
  });
  slider.value = String(model.get("index"));
  const value = h("output", { class: "vae-value vae-beta-value" });
  const scale = h(
    "div",
    { class: "vae-beta-scale", "aria-hidden": "true" },
    models.map((m) => h("span", { text: String(m.beta) }))
  );
  el.append(h("div", { class: "vae-beta-controls" }, [
    h("label", { class: "vae-beta-label" }, ["β = ", value]),
    h("div", { class: "vae-beta-track" }, [slider, scale])
  ]));
  const plane = h("canvas", { width: 480, height: 360, class: "vae-rd", role: "img" });
  const planeBox = h("div", { class: "vae-rd-box" }, [plane]);
  const readout = readoutTable();
  const zoom = h("button", { type: "button", class: "vae-beta-zoom" });
  el.append(h("div", { class: "vae-row" }, [
    planeBox,
    h("div", { class: "vae-side" }, [zoom, readout.el])
  ]));
  const linesNote = h("span");
  el.append(h("div", { class: "vae-legend" }, [
    h("span", {}, [
      h("i", { style: `background:${FAMILY_COLORS[2]};border-radius:50%` }),
      "Z = 2 (the slider's models)"
    ]),
    h("span", {}, [h("i", { style: `background:${FAMILY_COLORS[20]}` }), "Z = 20"]),
    linesNote
  ]));
  function showView() {
    const [whole, close] = model.get("planes");
    const on = Boolean(model.get("close_up"));
    zoom.textContent = on ? `show ${whole.name}` : `show the ${close.name}`;
    zoom.setAttribute("aria-pressed", String(on));
    linesNote.textContent = planeView2(model).legend;
  }
  const originals = digits.map((d) => digitCanvas(
    `test digit #${d.index} (a ${d.label})`,
    "vae-thumb"
  ));
  const recons = digits.map((d) => digitCanvas(
    `decoded from the code of test digit #${d.index}`,
    "vae-thumb"
  ));
  recons.forEach((r) => r.canvas.setAttribute("data-role", "reconstruction"));
  originals.forEach((o, k) => o.draw(xs[k]));
  el.append(h("p", { class: "vae-note", text: `Top: ${digits.length} test digits x. Below: each decoded from its code μ(x).` }));
  el.append(h(
    "div",
    {
      class: "vae-beta-digits",
      style: `grid-template-columns: repeat(${digits.length}, minmax(0, 48px))`
    },
    [...originals, ...recons].map((d) => d.canvas)
  ));
  const sheet = h("canvas", {
    width: G * SIDE,
    height: G * SIDE,
    class: "vae-manifold",
    role: "img",
    "data-role": "manifold"
  });
  const sheetCtx = sheet.getContext("2d");
  const sheetImage = sheetCtx.createImageData(G * SIDE, G * SIDE);
  const tile = new Uint8ClampedArray(SIDE * SIDE * 4);
  el.append(h("p", { class: "vae-note", text: `Decoded latent manifold: ${G} × ${G} points z, z₁ from ${formatNumber(grid[0])} (left) to ${formatNumber(grid[G - 1])}, z₂ from ${formatNumber(grid[G - 1])} (top) to ${formatNumber(grid[0])}, at the prior's quantiles: each cell holds the same prior mass.` }));
  el.append(h("div", { class: "vae-manifold-box" }, [sheet]));
  const planeCtx = plane.getContext("2d");
  let size = { width: 480, height: 360 };
  function layout() {
    const width = planeBox.getBoundingClientRect().width;
    const dpr = window.devicePixelRatio || 1;
    const height = Math.round(Math.min(width * 0.75, 420));
    if (!width || width === size.width && plane.width === Math.round(width * dpr)) return false;
    size = { width, height };
    plane.width = Math.round(width * dpr);
    plane.height = Math.round(height * dpr);
    plane.style.height = `${height}px`;
    return true;
  }
  let loaded = null;
  function drawPlaneNow() {
    const index = Number(slider.value);
    planeCtx.setTransform(plane.width / size.width, 0, 0, plane.width / size.width, 0, 0);
    drawPlane(planeCtx, size, model, index, palette(el));
  }
  async function update() {
    const index = Number(slider.value);
    const m = models[index];
    value.textContent = String(m.beta);
    slider.setAttribute("aria-valuetext", `β = ${m.beta}`);
    plane.setAttribute("aria-label", `rate–distortion plane: the model with β = ${m.beta} at R = ${formatNumber(m.rate)}, D = ${formatNumber(m.distortion)} nats, among the family's models and lines of equal ELBO`);
    drawPlaneNow();
    const net = (await loaded)[index];
    if (index !== Number(slider.value)) return;
    let nll = 0;
    m.codes.forEach((code, k) => {
      const logits = decodeLogits(net, Float32Array.from(code));
      nll -= bernoulliLogLikelihood(logits, xs[k]);
      recons[k].draw(sigmoid(logits));
    });
    zs.forEach((z, k) => {
      probabilitiesToRGBA(sigmoid(decodeLogits(net, z)), tile);
      const r = Math.floor(k / G), c = k % G;
      for (let y = 0; y < SIDE; y++) {
        const from = y * SIDE * 4;
        sheetImage.data.set(
          tile.subarray(from, from + SIDE * 4),
          ((r * SIDE + y) * G * SIDE + c * SIDE) * 4
        );
      }
    });
    sheetCtx.putImageData(sheetImage, 0, 0);
    sheet.setAttribute("aria-label", `decoded latent manifold of the model with β = ${m.beta}`);
    readout.show(betaRows(m, {
      reconNll: nll / m.codes.length,
      shown: m.codes.length,
      shareImages: model.get("share_images")
    }));
    el.dataset.shown = String(index);
    el.dispatchEvent(new CustomEvent("vae-redraw", { detail: { index } }));
  }
  const schedule = frameScheduler(update);
  swipeSafeSlider(slider, () => {
    schedule();
    sync(model, "index", Number(slider.value));
  });
  model.on("change:index", () => {
    if (String(model.get("index")) !== slider.value) {
      slider.value = String(model.get("index"));
      schedule();
    }
  });
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(() => {
      if (layout()) drawPlaneNow();
    }).observe(planeBox);
  }
  onThemeChange(() => drawPlaneNow());
  zoom.addEventListener("click", () => sync(model, "close_up", !model.get("close_up")));
  model.on("change:close_up", () => {
    showView();
    drawPlaneNow();
  });
  showView();
  loaded = nets(model);
  layout();
  await update();
  el.dataset.ready = "browser";
}
var beta_default = { render };

// vae_core/widgets/src/index.js
var index_default = {
  render: (context) => (context.model.get("kind") === "beta" ? beta_default : widgets_default).render(context)
};
export {
  FORMAT,
  angleBetween,
  barParts,
  bernoulliLogLikelihood,
  decodeLogits,
  index_default as default,
  fitqGrid,
  fitqReadouts,
  gaussianLogDensity,
  loadDecoder,
  pathPoint,
  probabilitiesToRGBA,
  sigmoid,
  slerp,
  standardNormalLogDensity,
  timeDecode
};
