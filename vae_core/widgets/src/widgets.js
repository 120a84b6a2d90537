// The four latent-space views (anywidget front end). One `kind` trait picks the view:
// "plane" (LatentPlane), "posterior" (PosteriorView), "traversal", "interpolation".
// The arithmetic lives in decoder.js, plane.js and readouts.js; this file is the DOM.

import { base64ToBytes, base64ToFloats } from "./encoding.js";
import { renderFitQ } from "./fitq.js";
import {
  bernoulliLogLikelihood, decodeLogits, gaussianLogDensity, loadDecoder, probabilitiesToRGBA,
  sigmoid, standardNormalLogDensity,
} from "./decoder.js";
import {
  clamp, grabsPoint, planeTransform, plotArea, squareBounds, tickCount, ticks,
} from "./plane.js";
import {
  formatNumber, formatTick, interpolationRows, meanAbsChange, planeRows, sliderRange,
  traversalRows,
} from "./readouts.js";
import { pathPoint } from "./slerp.js";

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const NETS = new Map(); // weights model id -> loaded decoder, shared by every view on the page

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

// The canvas colors, from the widget's CSS custom properties (widgets.css: light and dark).
function palette(el) {
  const css = getComputedStyle(el);
  const get = (name) => css.getPropertyValue(name).trim();
  return {
    bg: get("--vae-canvas-bg") || "#fff", fg: get("--vae-fg") || "#1a1a1a",
    grid: get("--vae-grid") || "#ddd", ellipse: get("--vae-ellipse") || "#000",
    point: get("--vae-point") || "#c00", ring: get("--vae-point-ring") || "#fff",
    density: get("--vae-density") || "#1f4e9c",
  };
}

function hexToRGB(hex) {
  const v = parseInt(hex.replace("#", ""), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

// Call fn whenever the page switches between light and dark (pydata theme, JupyterLab).
function onThemeChange(fn) {
  if (typeof MutationObserver === "undefined") return;
  const observer = new MutationObserver(fn);
  const attributeFilter = ["data-theme", "data-jp-theme-light", "class"];
  observer.observe(document.documentElement, { attributes: true, attributeFilter });
  if (document.body) observer.observe(document.body, { attributes: true, attributeFilter });
}

// ---- decoding: in the browser from the weights, or (fallback) in Python through the kernel ----

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
  // Python fallback: send the points, wait for the logits (float32, base64) from the kernel.
  let seq = 0;
  const pending = new Map();
  model.on("change:_reply", () => {
    const reply = model.get("_reply");
    const done = pending.get(reply.seq);
    if (!done) return;
    pending.delete(reply.seq);
    const all = base64ToFloats(reply.logits, "float32"); // (count * D,)
    const D = all.length / reply.count;
    done(Array.from({ length: reply.count }, (_, k) => all.subarray(k * D, (k + 1) * D)));
  });
  return {
    mode: "python",
    decode: (zs) => new Promise((resolve) => {
      seq += 1;
      for (const k of pending.keys()) { if (k < seq) pending.delete(k); }
      pending.set(seq, resolve);
      model.set("_request", { seq, z: zs.map((z) => Array.from(z)) });
      model.save_changes();
    }),
  };
}

// ---- shared pieces ----

function digitCanvas(label, cls = "vae-digit") {
  const canvas = h("canvas", { width: 28, height: 28, role: "img", "aria-label": label,
                               class: cls });
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(28, 28);
  return {
    canvas,
    draw(probs) {
      probabilitiesToRGBA(probs, image.data);
      ctx.putImageData(image, 0, 0);
    },
  };
}

function digitPicker(model, label, key = "digit") {
  const select = h("select", { "aria-label": label });
  model.get("digits").forEach((d, i) => select.append(
    h("option", { value: i, text: `test digit #${d.index} (a ${d.label})` })));
  select.value = String(model.get(key));
  return select;
}

// One readout table per view; show(rows) rewrites its [label, value] rows.
function readoutTable() {
  const el = h("output", { class: "vae-readout", "aria-live": "polite" });
  const table = h("table");
  el.append(table);
  return {
    el,
    show(rows) {
      table.replaceChildren(...rows.map(([k, v]) =>
        h("tr", {}, [h("th", { text: k, scope: "row" }), h("td", { text: v })])));
    },
  };
}

function sync(model, key, value) {
  model.set(key, value);
  try { model.save_changes(); } catch { /* static page: nothing to save to */ }
}

// Schedule at most one redraw per animation frame; the latest request wins.
function frameScheduler(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; fn(); });
  };
}

// A range input that a vertical swipe does not move. CSS touch-action: pan-y lets the page
// scroll, but Chrome still jumps the thumb to the finger on touchstart, before it knows where
// the finger goes. So for a touch, `apply` waits until the gesture is a tap or a sideways drag;
// if the browser takes it for scrolling (pointercancel), the old value is put back.
function swipeSafeSlider(input, apply) {
  let held = null; // {id, value, x, y} while a touch is undecided
  input.addEventListener("pointerdown", (e) => {
    held = e.pointerType === "touch"
      ? { id: e.pointerId, value: input.value, x: e.clientX, y: e.clientY } : null;
  });
  input.addEventListener("input", () => { if (!held) apply(); });
  input.addEventListener("pointermove", (e) => {
    if (!held || e.pointerId !== held.id) return;
    const dx = Math.abs(e.clientX - held.x), dy = Math.abs(e.clientY - held.y);
    if (dx > 8 && dx > dy) { held = null; apply(); } // a sideways drag: the slider's
  });
  input.addEventListener("pointerup", (e) => {
    if (held && e.pointerId === held.id) { held = null; apply(); } // a tap on the track
  });
  input.addEventListener("pointercancel", (e) => {
    if (held && e.pointerId === held.id) { input.value = held.value; held = null; } // scrolled
  });
}

// ---- the latent plane (LatentPlane and PosteriorView) ----

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
  ctx.fillText("z\u2081", area.left + area.width / 2, bottom + 46);
  ctx.save();
  ctx.translate(12, area.top + area.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText("z\u2082", 0, 0);
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
    width: 320, height: 320, tabindex: 0, class: "vae-plane", role: "application",
    "aria-label": "latent plane: drag the point, tap or click, or use the arrow keys to move " +
                  "the point z (hold Shift for larger steps)",
  });
  const box = h("div", { class: "vae-plane-box" }, [canvas]);
  const ctx = canvas.getContext("2d");
  const digit = digitCanvas("decoded image at z");
  const picker = digitPicker(model, "test digit x for the readout");
  const readout = readoutTable();
  el.append(h("div", { class: "vae-row" }, [
    box,
    h("div", { class: "vae-side" }, [
      h("label", {}, ["x: ", picker]), digit.canvas, readout.el]),
  ]));

  let z = Float32Array.from(model.get("z"));
  let size = 320; // CSS pixels; the canvas is square and as wide as its box
  const transform = () => planeTransform(bounds(), plotArea(size));

  function layout() {
    const width = box.getBoundingClientRect().width; // may be fractional: 480.8 px
    const dpr = window.devicePixelRatio || 1;
    if (!width || (width === size && canvas.width === Math.round(width * dpr))) return false;
    size = width;
    canvas.width = canvas.height = Math.round(width * dpr);
    return true;
  }

  function drawPlane() {
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
    // q(z|x): the 1- and 2-sigma ellipses of the encoder's Gaussian (axis-aligned, Eq. 4).
    ctx.strokeStyle = pal.ellipse;
    const [cx, cy] = tf.toPx(d.mu[0], d.mu[1]);
    for (const k of [1, 2]) {
      ctx.lineWidth = k === 1 ? 2 : 1;
      ctx.beginPath();
      ctx.ellipse(cx, cy, k * Math.exp(0.5 * d.logvar[0]) * tf.scale[0],
                  k * Math.exp(0.5 * d.logvar[1]) * tf.scale[1], 0, 0, 2 * Math.PI);
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
    drawPlane();
    const zNow = z;
    const [logits] = await decoder.decode([zNow]);
    if (zNow !== z) return; // a newer point is on its way
    digit.draw(sigmoid(logits));
    const d = model.get("digits")[model.get("digit")];
    readout.show(planeRows({
      z, logLik: bernoulliLogLikelihood(logits, pixelsOf(d)),
      logPrior: standardNormalLogDensity(z), logQ: gaussianLogDensity(z, d.mu, d.logvar),
      logPx: withLogPx ? withLogPx() : null,
    }));
  }
  const cache = new Map();
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

  // Pointer input. Mouse and pen: press anywhere to move the point there and drag it. Touch:
  // a touch on the point drags it; elsewhere the browser keeps vertical swipes for scrolling the
  // page (touch-action: pan-y), and a tap or a sideways drag moves the point.
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
  let dragging = null; // pointerId that drags the point
  let touch = null; // {id, start} of a touch not on the point, until it is a tap or a drag
  canvas.addEventListener("touchstart", (e) => {
    const t = e.changedTouches[0];
    if (t && onPoint(local(t))) e.preventDefault(); // dragging the point: no page scroll
  }, { passive: false });
  canvas.addEventListener("pointerdown", (e) => {
    const p = local(e);
    if (e.pointerType === "touch" && !onPoint(p)) { touch = { id: e.pointerId, start: p }; return; }
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
      if (dx > 8 && dx > dy) { dragging = e.pointerId; touch = null; } // a sideways drag
    }
    if (dragging === e.pointerId) moveTo(zAt(p));
  });
  canvas.addEventListener("pointerup", (e) => {
    if (touch && touch.id === e.pointerId) { touch = null; moveTo(zAt(local(e)), { now: true }); }
    if (dragging === e.pointerId) { dragging = null; moveTo(z, { now: true }); }
  });
  canvas.addEventListener("pointercancel", () => { touch = null; dragging = null; });
  canvas.addEventListener("keydown", (e) => {
    const [[x0, x1]] = bounds();
    const step = (x1 - x0) / (e.shiftKey ? 10 : 100);
    const delta = { ArrowLeft: [-step, 0], ArrowRight: [step, 0],
                    ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key];
    if (!delta) return;
    e.preventDefault();
    moveTo(Float32Array.of(z[0] + delta[0], z[1] + delta[1]));
  });
  picker.addEventListener("change", () => sync(model, "digit", Number(picker.value)));
  model.on("change:digit", () => { picker.value = String(model.get("digit")); schedule(); });
  model.on("change:z", () => {
    const next = model.get("z");
    if (next[0] !== z[0] || next[1] !== z[1]) { z = Float32Array.from(next); schedule(); }
  });
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(() => { if (layout()) update(); }).observe(box);
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
    model, el, decoder,
    bounds: () => b,
    background(ctx, tf) {
      ctx.globalAlpha = 0.7;
      for (let i = 0; i < z1.length; i++) {
        const [px, py] = tf.toPx(z1[i], z2[i]);
        ctx.fillStyle = COLORS[labels[i] % 10];
        ctx.fillRect(px - 1.5, py - 1.5, 3, 3);
      }
      ctx.globalAlpha = 1;
    },
  });
  model.on("change:digit", () => {
    sync(model, "z", model.get("digits")[model.get("digit")].mu); // jump to the new digit's code
  });
  el.append(h("div", { class: "vae-legend", "aria-hidden": "true" },
    COLORS.map((c, k) => h("span", {}, [h("i", { style: `background:${c}` }), String(k)]))));
}

function renderPosterior(model, el, decoder) {
  const grids = model.get("posteriors");
  const current = () => grids[model.get("digit")];
  const images = new Map(); // "grid index|colors" -> offscreen canvas of the shading
  function gridImage(k, pal) {
    const key = `${k}|${pal.bg}|${pal.density}`;
    if (images.has(key)) return images.get(key);
    const g = grids[k], n = g.n, dens = base64ToBytes(g.density);
    const [lo, hi] = [hexToRGB(pal.bg), hexToRGB(pal.density)];
    const off = document.createElement("canvas");
    off.width = n; off.height = n;
    const octx = off.getContext("2d");
    const img = octx.createImageData(n, n);
    for (let i = 0; i < n; i++) {       // i: z1 index (x axis, left to right)
      for (let j = 0; j < n; j++) {     // j: z2 index (y axis, bottom to top)
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
    model, el, decoder,
    bounds: () => current().view,
    background(ctx, tf, area, pal) {
      const g = current();
      const [x0, y0] = tf.toPx(g.z1[0], g.z2[1]);
      const [x1, y1] = tf.toPx(g.z1[1], g.z2[0]);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(gridImage(model.get("digit"), pal), x0, y0, x1 - x0, y1 - y0);
    },
    withLogPx: () => current().log_px,
  });
  model.on("change:digit", () => {
    sync(model, "z", current().mean); // start at the posterior mean of the new digit
    view.schedule();
  });
  el.append(h("p", { class: "vae-note", text:
    "Shaded: the true posterior p(z|x) on a grid; ellipses: the encoder's q(z|x), 1 and 2 " +
    "standard deviations." }));
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
    const input = h("input", { type: "range", step: 0.01,
                               "aria-label": `latent dimension ${i + 1}` +
                                 (kl ? ` (average ${kl} nats)` : "") });
    const value = h("span", { class: "vae-value" });
    swipeSafeSlider(input, () => move(Float32Array.from(sliders, (s) => Number(s.value))));
    sliders.push(input);
    values.push(value);
    grid.append(h("label", { title: `latent dimension ${i + 1}` + (kl ? `: average ${kl} nats` : "") },
                  [h("span", { text: `z${i + 1}` }), h("span", { class: "vae-kl", text: kl }),
                   input, value]));
  }
  el.append(h("div", { class: "vae-row" }, [
    h("div", { class: "vae-side" }, [h("label", {}, ["start from: ", picker]), reset,
                                      digit.canvas, readout.el]),
    grid]));

  let z = Float32Array.from(model.get("z"));
  let base = null; // probabilities at the digit's code, to report how much the image moved
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
    sliders.forEach((s, i) => { values[i].textContent = formatNumber(z[i]); });
    const d = code();
    readout.show(traversalRows({ logPrior: standardNormalLogDensity(z),
                                 logQ: gaussianLogDensity(z, d.mu, d.logvar),
                                 meanChange: meanAbsChange(probs, base) }));
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
  picker.addEventListener("change", () => { sync(model, "digit", Number(picker.value)); });
  model.on("change:digit", () => { picker.value = String(model.get("digit")); toCode(); });
  setSliders(z);
  update();
}

function renderInterpolation(model, el, decoder) {
  const steps = model.get("steps");
  const pickA = digitPicker(model, "first test digit", "a");
  const pickB = digitPicker(model, "second test digit", "b");
  const slider = h("input", { type: "range", min: 0, max: 1, step: 0.01,
                              "aria-label": "position t along the path from the first code to the second" });
  slider.value = String(model.get("t"));
  const PATHS = { lerp: "straight line (lerp)", slerp: "great circle (slerp)" };
  const pathPick = h("select", { "aria-label": "path between the two codes" });
  for (const [value, text] of Object.entries(PATHS)) pathPick.append(h("option", { value, text }));
  const path = () => (model.get("path") === "slerp" ? "slerp" : "lerp"); // older states: lerp
  pathPick.value = path();
  const digit = digitCanvas("decoded image at t");
  const readout = readoutTable();
  const strip = h("div", { class: "vae-strip", role: "group",
                           "aria-label": "decoded images at evenly spaced t" });
  const thumbs = Array.from({ length: steps }, (_, k) =>
    digitCanvas(`decoded image at t = ${formatNumber(k / (steps - 1))}`, "vae-thumb"));
  thumbs.forEach((t) => strip.append(t.canvas));
  el.append(h("div", { class: "vae-controls" }, [
    h("label", {}, ["from: ", pickA]), h("label", {}, ["to: ", pickB]),
    h("label", {}, ["path: ", pathPick]),
    h("label", { class: "vae-t" }, ["t: ", slider])]));
  el.append(h("div", { class: "vae-row" }, [digit.canvas, readout.el]));
  el.append(strip);

  const code = (key) => Float32Array.from(model.get("digits")[model.get(key)].mu);
  let token = 0;
  async function drawPath() {
    const a = code("a"), b = code("b");
    const logits = await decoder.decode(
      thumbs.map((_, k) => pathPoint(a, b, k / (steps - 1), path()).z));
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
    const pathRow = ["path", taken === path() ? PATHS[taken]
      : `${PATHS[taken]}: the codes point in opposite directions`];
    readout.show([pathRow, ...interpolationRows({ t, z, logPrior: standardNormalLogDensity(z) })]);
  }
  const schedule = frameScheduler(update);
  swipeSafeSlider(slider, () => { schedule(); sync(model, "t", Number(slider.value)); });
  for (const [pick, key] of [[pickA, "a"], [pickB, "b"]]) {
    pick.addEventListener("change", () => sync(model, key, Number(pick.value)));
    model.on(`change:${key}`, () => { pick.value = String(model.get(key)); drawPath(); schedule(); });
  }
  model.on("change:t", () => { slider.value = String(model.get("t")); schedule(); });
  pathPick.addEventListener("change", () => sync(model, "path", pathPick.value));
  model.on("change:path", () => { pathPick.value = path(); drawPath(); schedule(); });
  drawPath();
  update();
}

const VIEWS = { plane: renderPlane, posterior: renderPosterior,
                traversal: renderTraversal, interpolation: renderInterpolation };
// FitQ (fitq.js) draws no decoded image; it borrows the DOM helpers of this file.
VIEWS.fitq = (model, el) => renderFitQ(model, el, {
  h, palette, hexToRGB, drawAxes, drawGrid, readoutTable, frameScheduler, swipeSafeSlider, sync,
  onThemeChange,
});

export default {
  async render({ model, el }) {
    el.classList.add("vae-widget");
    // Lumino (JupyterLab, Notebook 7) skips its keyboard shortcuts for key events whose target
    // has this attribute on itself or an ancestor, so the arrow keys reach the plane and sliders.
    el.setAttribute("data-lm-suppress-shortcuts", "true");
    const decoder = await makeDecoder(model);
    if (decoder.mode === "python") {
      el.append(h("p", { class: "vae-note", role: "note", text:
        `Decoding in Python (needs a running kernel): ${model.get("fallback")}` }));
    }
    VIEWS[model.get("kind")](model, el, decoder);
    el.dataset.ready = decoder.mode;
  },
};

// The DOM helpers other views (beta.js) reuse.
export {
  digitCanvas, frameScheduler, h, onThemeChange, palette, readoutTable, swipeSafeSlider, sync,
};
