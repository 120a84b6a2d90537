// FitQ (vae_core/widgets/fitq.py): fit a diagonal Gaussian q to one digit's true posterior by
// hand. The posterior arrives as log p(z|x) on an n x n grid; `fitqReadouts` is the grid
// quadrature of inference_gaps.grid_elbo, and the page redraws it at every move of q.

import { base64ToBytes, base64ToFloats } from "./encoding.js";
import { clamp, grabsPoint, planeTransform, plotArea } from "./plane.js";
import { formatNumber } from "./readouts.js";

function logSumExp(values) {
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v);
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

// ELBO(q), KL(q || p(z|x)) and log p(x) for q = N(mu, diag e^logvar) on the grid:
// q_c = q's density at cell c renormalized over the cells, with density q_c / h^2, and
//   KL = sum_c q_c [log(q_c / h^2) - log p(z_c|x)],  ELBO = log p(x) - KL.
// logPost: Float32Array (n * n), entry i * n + j at (z1[i], z2[j]); z1, z2: [first, last].
export function fitqReadouts({ logPost, n, z1, z2, logPx }, mu, logvar) {
  const h1 = (z1[1] - z1[0]) / (n - 1), h2 = (z2[1] - z2[0]) / (n - 1);
  const a1 = new Float64Array(n), a2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a1[i] = -0.5 * (z1[0] + i * h1 - mu[0]) ** 2 * Math.exp(-logvar[0]);
    a2[i] = -0.5 * (z2[0] + i * h2 - mu[1]) ** 2 * Math.exp(-logvar[1]);
  }
  const norm = logSumExp(a1) + logSumExp(a2); // q's density factorizes over the two axes
  const logCell = Math.log(h1 * h2);
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const logMass = a1[i] + a2[j] - norm;
      if (logMass < -745) continue; // exp underflows to 0: the cell adds nothing
      kl += Math.exp(logMass) * (logMass - logCell - logPost[i * n + j]);
    }
  }
  return { elbo: logPx - kl, kl, logPx };
}

// The widget state's grid (fitq.py) as the arguments of fitqReadouts.
export function fitqGrid(g) {
  return { logPost: base64ToFloats(g.log_post, "float32"), n: g.n, z1: g.z1, z2: g.z2,
           logPx: g.log_px };
}

// The stacked bar: from `floor` to log p(x), the ELBO part and the KL part, as fractions.
export function barParts({ elbo, kl, logPx }, floor) {
  const span = logPx - floor;
  const elboPart = clamp((elbo - floor) / span, 0, 1);
  return { elbo: elboPart, kl: 1 - elboPart, clipped: elbo < floor, total: elbo + kl };
}

// The grid's shading as an offscreen canvas (i: z1 left to right, j: z2 bottom to top).
function shading(grid, lo, hi) {
  const n = grid.n, dens = base64ToBytes(grid.density);
  const off = document.createElement("canvas");
  off.width = n; off.height = n;
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

// `ui`: the DOM helpers of widgets.js (h, palette, hexToRGB, drawAxes, drawGrid, readoutTable,
// frameScheduler, swipeSafeSlider, sync, onThemeChange).
export function renderFitQ(model, el, ui) {
  const { h } = ui;
  const g = model.get("grid");
  const grid = fitqGrid(g);
  const bounds = () => g.view;
  const [[v0, v1]] = g.view;
  const cell = (g.z1[1] - g.z1[0]) / (g.n - 1);
  const logSigma = { min: Math.log(cell), max: Math.log((v1 - v0) / 2) };

  const canvas = h("canvas", {
    width: 320, height: 320, tabindex: 0, class: "vae-plane", role: "application",
    "aria-label": "q's mean on the posterior: drag it, tap or click, or use the arrow keys " +
                  "(hold Shift for larger steps)",
  });
  const box = h("div", { class: "vae-plane-box" }, [canvas]);
  const ctx = canvas.getContext("2d");
  const readout = ui.readoutTable();
  const elboBar = h("span", { class: "vae-bar-elbo" });
  const klBar = h("span", { class: "vae-bar-kl" });
  const bar = h("div", { class: "vae-bar", "aria-hidden": "true" }, [elboBar, klBar]);
  const sliders = [0, 1].map((k) => {
    const input = h("input", {
      type: "range", min: logSigma.min, max: logSigma.max,
      step: (logSigma.max - logSigma.min) / 400, "aria-label": `log of q's sigma ${k + 1}`,
    });
    const value = h("span", { class: "vae-value" });
    return { input, value, label: h("label", {}, [`\u03c3${k + 1} `, input, value]) };
  });
  const encoderButton = h("button", { type: "button", text: "encoder's q" });
  const bestButton = h("button", { type: "button", text: "best diagonal q" });
  el.append(h("div", { class: "vae-row" }, [
    box,
    h("div", { class: "vae-side" }, [
      readout.el, bar,
      h("p", { class: "vae-note", text: "bar: ELBO (grey) + KL (red) = log p(x)" }),
      ...sliders.map((s) => s.label),
      h("div", { class: "vae-controls" }, [encoderButton, bestButton]),
    ]),
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
    if (!width || (width === size && canvas.width === Math.round(width * dpr))) return false;
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
      ctx.ellipse(cx, cy, k * Math.exp(0.5 * logvar[0]) * tf.scale[0],
                  k * Math.exp(0.5 * logvar[1]) * tf.scale[1], 0, 0, 2 * Math.PI);
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
      ["KL(q \u2016 p(z|x))", formatNumber(r.kl)],
      ["ELBO + KL", formatNumber(parts.total)],
      ["log p(x)", formatNumber(r.logPx)],
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
    if (e.pointerType === "touch" && !onPoint(p)) { touch = { id: e.pointerId, start: p }; return; }
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
      if (dx > 8 && dx > dy) { dragging = e.pointerId; touch = null; }
    }
    if (dragging === e.pointerId) setQ(muAt(p), logvar);
  });
  canvas.addEventListener("pointerup", (e) => {
    if (touch && touch.id === e.pointerId) { touch = null; setQ(muAt(local(e)), logvar); }
    if (dragging === e.pointerId) dragging = null;
  });
  canvas.addEventListener("pointercancel", () => { touch = null; dragging = null; });
  canvas.addEventListener("keydown", (e) => {
    const step = (v1 - v0) / (e.shiftKey ? 10 : 100);
    const delta = { ArrowLeft: [-step, 0], ArrowRight: [step, 0],
                    ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key];
    if (!delta) return;
    e.preventDefault();
    setQ([clamp(mu[0] + delta[0], g.z1[0], g.z1[1]), clamp(mu[1] + delta[1], g.z2[0], g.z2[1])],
         logvar);
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
    new ResizeObserver(() => { if (layout()) update(); }).observe(box);
  }
  ui.onThemeChange(() => { imageKey = ""; schedule(); });
  layout();
  update();
}
