// The four latent-space views (anywidget front end). Python concatenates decoder.js in front of
// this file, so loadDecoder, decodeLogits, sigmoid, ... are in scope. One `kind` trait picks the
// view: "plane" (LatentPlane), "posterior" (PosteriorView), "traversal", "interpolation".

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

function fmt(v, digits = 2) {
  return Number.isFinite(v) ? v.toFixed(digits).replace("-", "\u2212") : String(v);
}

function float16List(text) {
  const bytes = base64ToBytes(text);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const table = halfTable();
  const out = new Float32Array(bytes.byteLength / 2);
  for (let i = 0; i < out.length; i++) out[i] = table[view.getUint16(2 * i, true)];
  return out;
}

function pixels(digit) {
  const bytes = base64ToBytes(digit.pixels);
  return Float32Array.from(bytes, (b) => b / 255);
}

// ---- decoding: in the browser from the weights, or (fallback) in Python through the kernel ----

async function weightsModel(model) {
  let ref = model.get("decoder");
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
    return {
      mode: "browser",
      decode: async (zs) => zs.map((z) => decodeLogits(net, z)),
    };
  }
  // Python fallback: send the points, wait for the logits (float32, base64) from the kernel.
  let seq = 0;
  const pending = new Map();
  model.on("change:_reply", () => {
    const reply = model.get("_reply");
    const done = pending.get(reply.seq);
    if (!done) return;
    pending.delete(reply.seq);
    const bytes = base64ToBytes(reply.logits);
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const D = all.length / reply.count;
    done(Array.from({ length: reply.count }, (_, k) => all.slice(k * D, (k + 1) * D)));
  });
  return {
    mode: "python",
    decode: (zs) => new Promise((resolve) => {
      seq += 1;
      for (const [k, done] of pending) { if (k < seq) pending.delete(k); }
      pending.set(seq, resolve);
      model.set("_request", { seq, z: zs.map((z) => Array.from(z)) });
      model.save_changes();
    }),
  };
}

// ---- shared pieces ----

function digitCanvas(label, size = 112) {
  const canvas = h("canvas", { width: 28, height: 28, role: "img", "aria-label": label,
                               class: "vae-digit", style: `width:${size}px;height:${size}px` });
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
  const digits = model.get("digits");
  const select = h("select", { "aria-label": label });
  digits.forEach((d, i) => select.append(
    h("option", { value: i, text: `test digit #${d.index} (a ${d.label})` })));
  select.value = String(model.get(key));
  return select;
}

function sync(model, key, value) {
  model.set(key, value);
  try { model.save_changes(); } catch (e) { /* static page: nothing to save to */ }
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

// ---- the latent plane (LatentPlane and PosteriorView) ----

function planeView({ model, el, decoder, background, bounds, extraReadout }) {
  const size = 320;
  const canvas = h("canvas", {
    width: size, height: size, tabindex: 0, class: "vae-plane", role: "application",
    "aria-label": "latent plane: drag, click or use the arrow keys to move the point z " +
                  "(hold Shift for larger steps)",
  });
  const ctx = canvas.getContext("2d");
  const digit = digitCanvas("decoded image at z");
  const picker = digitPicker(model, "test digit x for the readout");
  const readout = h("output", { class: "vae-readout", "aria-live": "polite" });
  el.append(h("div", { class: "vae-row" }, [
    canvas,
    h("div", { class: "vae-side" }, [
      h("label", {}, ["x: ", picker]), digit.canvas, readout]),
  ]));

  let z = Float32Array.from(model.get("z"));
  const toPx = (v, axis) => {
    const [lo, hi] = bounds()[axis];
    return axis === 0 ? (v - lo) / (hi - lo) * size : (hi - v) / (hi - lo) * size;
  };
  const fromPx = (px, py) => {
    const [[x0, x1], [y0, y1]] = bounds();
    return Float32Array.of(x0 + px / size * (x1 - x0), y1 - py / size * (y1 - y0));
  };

  function drawPlane() {
    ctx.clearRect(0, 0, size, size);
    background(ctx, size, toPx);
    const d = model.get("digits")[model.get("digit")];
    // q(z|x): the 1- and 2-sigma ellipses of the encoder's Gaussian (axis-aligned, Eq. 4).
    ctx.strokeStyle = "#000";
    for (const k of [1, 2]) {
      const rx = Math.abs(toPx(d.mu[0] + k * Math.exp(0.5 * d.logvar[0]), 0) - toPx(d.mu[0], 0));
      const ry = Math.abs(toPx(d.mu[1] + k * Math.exp(0.5 * d.logvar[1]), 1) - toPx(d.mu[1], 1));
      ctx.lineWidth = k === 1 ? 2 : 1;
      ctx.beginPath();
      ctx.ellipse(toPx(d.mu[0], 0), toPx(d.mu[1], 1), rx, ry, 0, 0, 2 * Math.PI);
      ctx.stroke();
    }
    const [px, py] = [toPx(z[0], 0), toPx(z[1], 1)];
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#fff";
    ctx.fillStyle = "#d00";
    ctx.beginPath();
    ctx.arc(px, py, 6, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }

  async function update() {
    drawPlane();
    const zNow = z;
    const [logits] = await decoder.decode([zNow]);
    if (zNow !== z) return; // a newer point is on its way
    digit.draw(sigmoid(logits));
    const d = model.get("digits")[model.get("digit")];
    const x = pixelsOf(d);
    const logLik = bernoulliLogLikelihood(logits, x);
    const logPrior = standardNormalLogDensity(z);
    const logQ = gaussianLogDensity(z, d.mu, d.logvar);
    readout.innerHTML = "";
    const rows = [
      ["z", `(${fmt(z[0])}, ${fmt(z[1])})`],
      ["log p(z)", fmt(logPrior)],
      ["log p(x|z)", fmt(logLik)],
      ["log q(z|x)", fmt(logQ)],
      ["log p(x|z) + log p(z) \u2212 log q(z|x)", fmt(logLik + logPrior - logQ)],
      ...extraReadout(z, logLik + logPrior),
    ];
    readout.append(h("table", {}, rows.map(([k, v]) =>
      h("tr", {}, [h("th", { text: k, scope: "row" }), h("td", { text: v })]))));
  }
  const cache = new Map();
  function pixelsOf(d) {
    if (!cache.has(d.index)) cache.set(d.index, pixels(d));
    return cache.get(d.index);
  }

  let timer = null;
  function moveTo(next, { now = false } = {}) {
    z = next;
    schedule();
    clearTimeout(timer);
    timer = setTimeout(() => sync(model, "z", Array.from(z)), now ? 0 : 150);
  }
  const schedule = frameScheduler(update);

  const pointerZ = (e) => {
    const r = canvas.getBoundingClientRect();
    return fromPx((e.clientX - r.left) * size / r.width, (e.clientY - r.top) * size / r.height);
  };
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    canvas.focus();
    moveTo(pointerZ(e));
    e.preventDefault();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (canvas.hasPointerCapture(e.pointerId)) moveTo(pointerZ(e));
  });
  canvas.addEventListener("pointerup", (e) => {
    if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
    moveTo(z, { now: true });
  });
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
  update();
  return { schedule };
}

function renderPlane(model, el, decoder) {
  const points = model.get("points");
  const z1 = float16List(points.z1), z2 = float16List(points.z2);
  const labels = base64ToBytes(points.labels);
  const e = model.get("extent");
  const legend = h("div", { class: "vae-legend", "aria-hidden": "true" },
    COLORS.map((c, k) => h("span", {}, [h("i", { style: `background:${c}` }), String(k)])));
  planeView({
    model, el, decoder,
    bounds: () => [[-e, e], [-e, e]],
    background(ctx, size, toPx) {
      ctx.fillStyle = "#fafafa";
      ctx.fillRect(0, 0, size, size);
      ctx.globalAlpha = 0.6;
      for (let i = 0; i < z1.length; i++) {
        ctx.fillStyle = COLORS[labels[i] % 10];
        ctx.fillRect(toPx(z1[i], 0) - 1.5, toPx(z2[i], 1) - 1.5, 3, 3);
      }
      ctx.globalAlpha = 1;
    },
    extraReadout: () => [],
  });
  model.on("change:digit", () => {
    sync(model, "z", model.get("digits")[model.get("digit")].mu); // jump to the new digit's code
  });
  el.append(legend);
}

function renderPosterior(model, el, decoder) {
  const grids = model.get("posteriors");
  const current = () => grids[model.get("digit")];
  const images = new Map();
  function gridImage(g) {
    if (images.has(g)) return images.get(g);
    const n = g.n, dens = base64ToBytes(g.density);
    const off = document.createElement("canvas");
    off.width = n; off.height = n;
    const octx = off.getContext("2d");
    const img = octx.createImageData(n, n);
    for (let i = 0; i < n; i++) {       // i: z1 index (x axis, left to right)
      for (let j = 0; j < n; j++) {     // j: z2 index (y axis, bottom to top)
        const v = dens[i * n + j] / 255;
        const p = 4 * ((n - 1 - j) * n + i);
        img.data[p] = 255 - 200 * v; img.data[p + 1] = 255 - 130 * v;
        img.data[p + 2] = 255 - 40 * v; img.data[p + 3] = 255;
      }
    }
    octx.putImageData(img, 0, 0);
    images.set(g, off);
    return off;
  }
  const view = planeView({
    model, el, decoder,
    bounds: () => current().view,
    background(ctx, size, toPx) {
      const g = current();
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, size, size);
      ctx.imageSmoothingEnabled = true;
      const [x0, y0] = [toPx(g.z1[0], 0), toPx(g.z2[1], 1)];
      ctx.drawImage(gridImage(g), x0, y0, toPx(g.z1[1], 0) - x0, toPx(g.z2[0], 1) - y0);
    },
    extraReadout: (z, logJoint) => {
      const g = current();
      return [["log p(z|x) = log p(x, z) \u2212 log p(x)", fmt(logJoint - g.log_px)],
              ["log p(x) (grid)", fmt(g.log_px)]];
    },
  });
  model.on("change:digit", () => {
    sync(model, "z", current().mean); // start at the posterior mean of the new digit
    view.schedule();
  });
  el.append(h("p", { class: "vae-note", text:
    "Shaded: the true posterior p(z|x) on a grid; black: the encoder's q(z|x), 1 and 2 " +
    "standard deviations." }));
}

function renderTraversal(model, el, decoder) {
  const Z = model.get("latent_dim");
  const span = model.get("span");
  const activity = model.get("activity");
  const picker = digitPicker(model, "test digit whose code the sliders start from");
  const digit = digitCanvas("decoded image at the sliders' z");
  const readout = h("output", { class: "vae-readout", "aria-live": "polite" });
  const reset = h("button", { type: "button", text: "reset to the code" });
  const sliders = [];
  const values = [];
  const grid = h("div", { class: "vae-sliders" });
  for (let i = 0; i < Z; i++) {
    const name = `z${i + 1}`;
    const kl = activity.length ? `KL ${fmt(activity[i], 2)}` : "";
    const input = h("input", { type: "range", step: 0.01,
                               "aria-label": `latent dimension ${i + 1}` +
                                 (kl ? ` (average ${kl} nats)` : "") });
    const value = h("span", { class: "vae-value" });
    input.addEventListener("input", () => {
      const z = Float32Array.from(sliders, (s) => Number(s.value));
      move(z);
    });
    sliders.push(input);
    values.push(value);
    grid.append(h("label", { title: `latent dimension ${i + 1}` + (kl ? `: average ${kl} nats` : "") },
                  [h("span", { text: name }), h("span", { class: "vae-kl", text: kl }), input, value]));
  }
  el.append(h("div", { class: "vae-row" }, [
    h("div", { class: "vae-side" }, [h("label", {}, ["start from: ", picker]), reset,
                                      digit.canvas, readout]),
    grid]));

  let z = Float32Array.from(model.get("z"));
  let base = null; // probabilities at the digit's code, to report how much the image moved
  function setSliders(code) {
    const d = model.get("digits")[model.get("digit")];
    sliders.forEach((s, i) => {
      s.min = fmt0(d.mu[i] - span); s.max = fmt0(d.mu[i] + span);
      s.value = String(code[i]);
    });
  }
  const fmt0 = (v) => String(Math.round(v * 100) / 100);
  async function update() {
    const zNow = z;
    const [logits] = await decoder.decode([zNow]);
    if (zNow !== z) return;
    const probs = sigmoid(logits);
    digit.draw(probs);
    if (!base) {
      const d = model.get("digits")[model.get("digit")];
      base = sigmoid((await decoder.decode([Float32Array.from(d.mu)]))[0]);
    }
    let moved = 0;
    for (let k = 0; k < probs.length; k++) moved += Math.abs(probs[k] - base[k]);
    sliders.forEach((s, i) => { values[i].textContent = fmt(z[i]); });
    const d = model.get("digits")[model.get("digit")];
    readout.innerHTML = "";
    readout.append(h("table", {}, [
      ["log p(z)", fmt(standardNormalLogDensity(z))],
      ["log q(z|x)", fmt(gaussianLogDensity(z, d.mu, d.logvar))],
      ["mean |change| of a pixel from the code", fmt(moved / probs.length, 4)],
    ].map(([k, v]) => h("tr", {}, [h("th", { text: k, scope: "row" }), h("td", { text: v })]))));
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
    const d = model.get("digits")[model.get("digit")];
    base = null;
    setSliders(d.mu);
    move(Float32Array.from(d.mu));
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
                              "aria-label": "position t along the line from the first code to the second" });
  slider.value = String(model.get("t"));
  const digit = digitCanvas("decoded image at t");
  const readout = h("output", { class: "vae-readout", "aria-live": "polite" });
  const strip = h("div", { class: "vae-strip", role: "group",
                           "aria-label": "decoded images at evenly spaced t" });
  const thumbs = Array.from({ length: steps }, (_, k) =>
    digitCanvas(`decoded image at t = ${fmt(k / (steps - 1))}`, 56));
  thumbs.forEach((t) => strip.append(t.canvas));
  el.append(h("div", { class: "vae-controls" }, [
    h("label", {}, ["from: ", pickA]), h("label", {}, ["to: ", pickB]),
    h("label", {}, ["t: ", slider])]));
  el.append(h("div", { class: "vae-row" }, [digit.canvas, readout]));
  el.append(strip);

  const code = (key) => Float32Array.from(model.get("digits")[model.get(key)].mu);
  const lerp = (a, b, t) => a.map((v, i) => (1 - t) * v + t * b[i]);
  let token = 0;
  async function drawPath() {
    const a = code("a"), b = code("b");
    const logits = await decoder.decode(thumbs.map((_, k) => lerp(a, b, k / (steps - 1))));
    logits.forEach((l, k) => thumbs[k].draw(sigmoid(l)));
  }
  async function update() {
    const mine = ++token;
    const t = Number(slider.value);
    const z = lerp(code("a"), code("b"), t);
    const [logits] = await decoder.decode([z]);
    if (mine !== token) return;
    digit.draw(sigmoid(logits));
    const k = Math.round(t * (steps - 1));
    thumbs.forEach((th, i) => th.canvas.classList.toggle("vae-current", i === k));
    let norm = 0;
    for (const v of z) norm += v * v;
    readout.innerHTML = "";
    readout.append(h("table", {}, [
      ["t", fmt(t)], ["|z|", fmt(Math.sqrt(norm))], ["log p(z)", fmt(standardNormalLogDensity(z))],
    ].map(([k2, v]) => h("tr", {}, [h("th", { text: k2, scope: "row" }), h("td", { text: v })]))));
  }
  const schedule = frameScheduler(update);
  slider.addEventListener("input", () => { schedule(); sync(model, "t", Number(slider.value)); });
  for (const [pick, key] of [[pickA, "a"], [pickB, "b"]]) {
    pick.addEventListener("change", () => sync(model, key, Number(pick.value)));
    model.on(`change:${key}`, () => { pick.value = String(model.get(key)); drawPath(); schedule(); });
  }
  model.on("change:t", () => { slider.value = String(model.get("t")); schedule(); });
  drawPath();
  update();
}

const VIEWS = { plane: renderPlane, posterior: renderPosterior,
                traversal: renderTraversal, interpolation: renderInterpolation };

export default {
  async render({ model, el }) {
    el.classList.add("vae-widget");
    const decoder = await makeDecoder(model);
    if (decoder.mode === "python") {
      el.append(h("p", { class: "vae-note", role: "note", text:
        `Decoding in Python (needs a running kernel): ${model.get("fallback")}` }));
    }
    VIEWS[model.get("kind")](model, el, decoder);
    el.dataset.ready = decoder.mode;
  },
};
