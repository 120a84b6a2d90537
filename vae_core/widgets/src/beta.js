// The beta explorer (vae_core.widgets.beta.BetaExplorer): a slider over the shipped beta family.
// For the model it picks: its point on the rate-distortion plane (every member drawn, with the
// lines of equal ELBO), a few test digits decoded from their codes mu(x), and a G x G grid of
// latent points decoded (the manifold). Every image is decoded here, from the model's weights.
//
// Shapes: N shown digits, D pixels (28 * 28), G grid points per axis.

import { base64ToBytes } from "./encoding.js";
import { bernoulliLogLikelihood, decodeLogits, loadDecoder, probabilitiesToRGBA, sigmoid }
  from "./decoder.js";
import { planeTransform, ticks, tickCount } from "./plane.js";
import { formatNumber, formatTick } from "./readouts.js";
import {
  digitCanvas, frameScheduler, h, onThemeChange, palette, readoutTable, swipeSafeSlider, sync,
} from "./widgets.js";

const SIDE = 28; // pixels per image side
const FAMILY_COLORS = { 2: "#1f77b4", 20: "#d62728" }; // as chapter 11's figure: C0, C3
const NETS = new Map(); // DecoderWeights model id -> loaded decoder

// ---- pure parts (no DOM): tested in tests/js/beta.test.js ----

// The grid's latent points, row by row from the top (largest z2), each row left to right.
export function gridPoints(grid) {
  const out = [];
  for (let r = grid.length - 1; r >= 0; r--) {
    for (const z1 of grid) out.push(Float32Array.of(z1, grid[r]));
  }
  return out;
}

// The readout rows for one model: its card's numbers and what the browser measured.
// m: an entry of the widget's `models`; reconNll: mean -log p(x | z = mu(x)) over the shown
// digits; shown: how many digits; shareImages: how many test digits `m.inside` counts.
export function betaRows(m, { reconNll, shown, shareImages }) {
  const elbo = -(m.rate + m.distortion);
  return [
    ["\u03b2", formatNumber(m.beta, m.beta < 1 ? 1 : 0)],
    ["rate R", `${formatNumber(m.rate)} nats`],
    ["distortion D", `${formatNumber(m.distortion)} nats`],
    ["ELBO \u2212(D + R)", formatNumber(elbo)],
    ["objective \u2212(D + \u03b2R)", formatNumber(-(m.distortion + m.beta * m.rate))],
    [`log p(x), IWAE K = ${m.log_px_samples}`, formatNumber(m.log_px)],
    ["active units", `${m.active} of ${m.latent_dim}`],
    [`codes inside the grid (${shareImages.toLocaleString("en-US")} digits)`,
     `${formatNumber(100 * m.inside, 1)} %`],
    [`\u2212log p(x | \u03bc(x)), these ${shown} digits`, formatNumber(reconNll)],
  ];
}

// The plot area of the R-D canvas (CSS pixels), with room for tick labels and axis names.
export function rdArea(width, height) {
  const m = { left: 54, right: 10, top: 10, bottom: 46 };
  return { left: m.left, top: m.top, width: Math.max(1, width - m.left - m.right),
           height: Math.max(1, height - m.top - m.bottom) };
}

// ---- decoding ----

async function nets(model) {
  return Promise.all(model.get("decoders").map(async (ref) => {
    const id = typeof ref === "string" ? ref.replace(/^IPY_MODEL_/, "") : ref.model_id;
    if (!NETS.has(id)) {
      const wm = typeof ref === "string" ? await model.widget_manager.get_model(id) : ref;
      NETS.set(id, loadDecoder(wm.get("payload")));
    }
    return NETS.get(id);
  }));
}

// ---- drawing ----

// The plane's view now shown: the whole family, or the close-up on the slider's models.
function planeView(model) {
  return model.get("planes")[model.get("close_up") ? 1 : 0];
}

function drawPlane(ctx, size, model, index, pal) {
  const { width, height } = size;
  const view = planeView(model);
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
  // Lines of equal ELBO: R + D = c, slope -1.
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
  // Every member, one polyline per latent size: circles for Z = 2, squares for Z = 20.
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
  // The chosen model, and the Z = 20 model with the same beta (a ring).
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
      ctx.fillText(`\u03b2 = ${m.beta}`, x + (ctx.textAlign === "left" ? 10 : -10), y - 8);
    }
  }
  ctx.restore();
  // Axes, ticks in nats, axis names.
  const bottom = area.top + area.height;
  ctx.strokeStyle = ctx.fillStyle = pal.fg;
  ctx.lineWidth = 1;
  ctx.strokeRect(area.left - 0.5, area.top - 0.5, area.width + 1, area.height + 1);
  ctx.font = "12px system-ui, sans-serif";
  const xs = ticks(...bounds[0], tickCount(area.width));
  const ys = ticks(...bounds[1], tickCount(area.height));
  const step = (t) => (t.length > 1 ? t[1] - t[0] : 1);
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
  // Lumino (JupyterLab, Notebook 7) leaves key events inside this element to the controls.
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  const models = model.get("models");
  const digits = model.get("digits");
  const grid = model.get("grid");
  const G = grid.length;
  const zs = gridPoints(grid);
  const xs = digits.map((d) => Float32Array.from(base64ToBytes(d.pixels), (v) => v / 255));

  // Controls: the slider over the family, its beta labels, and the value.
  const slider = h("input", { type: "range", min: 0, max: models.length - 1, step: 1,
                              "aria-label": "\u03b2: which model of the family to show" });
  slider.value = String(model.get("index"));
  const value = h("output", { class: "vae-value vae-beta-value" });
  const scale = h("div", { class: "vae-beta-scale", "aria-hidden": "true" },
    models.map((m) => h("span", { text: String(m.beta) })));
  el.append(h("div", { class: "vae-beta-controls" }, [
    h("label", { class: "vae-beta-label" }, ["\u03b2 = ", value]),
    h("div", { class: "vae-beta-track" }, [slider, scale])]));

  // The R-D plane and the readout.
  const plane = h("canvas", { width: 480, height: 360, class: "vae-rd", role: "img" });
  const planeBox = h("div", { class: "vae-rd-box" }, [plane]);
  const readout = readoutTable();
  const zoom = h("button", { type: "button", class: "vae-beta-zoom" });
  el.append(h("div", { class: "vae-row" }, [
    planeBox, h("div", { class: "vae-side" }, [zoom, readout.el])]));
  const linesNote = h("span");
  el.append(h("div", { class: "vae-legend" }, [
    h("span", {}, [h("i", { style: `background:${FAMILY_COLORS[2]};border-radius:50%` }),
                   "Z = 2 (the slider's models)"]),
    h("span", {}, [h("i", { style: `background:${FAMILY_COLORS[20]}` }), "Z = 20"]),
    linesNote]));
  function showView() {
    const [whole, close] = model.get("planes");
    const on = Boolean(model.get("close_up"));
    zoom.textContent = on ? `show ${whole.name}` : `show the ${close.name}`;
    zoom.setAttribute("aria-pressed", String(on));
    linesNote.textContent = planeView(model).legend;
  }

  // The shown test digits and their reconstructions.
  const originals = digits.map((d) => digitCanvas(`test digit #${d.index} (a ${d.label})`,
                                                  "vae-thumb"));
  const recons = digits.map((d) => digitCanvas(`decoded from the code of test digit #${d.index}`,
                                               "vae-thumb"));
  recons.forEach((r) => r.canvas.setAttribute("data-role", "reconstruction"));
  originals.forEach((o, k) => o.draw(xs[k]));
  el.append(h("p", { class: "vae-note", text:
    `Top: ${digits.length} test digits x. Below: each decoded from its code \u03bc(x).` }));
  // One column per digit (original above, reconstruction below), shrinking to fit the width.
  el.append(h("div", { class: "vae-beta-digits",
                       style: `grid-template-columns: repeat(${digits.length}, minmax(0, 48px))` },
              [...originals, ...recons].map((d) => d.canvas)));

  // The manifold: G x G decoded images in one canvas.
  const sheet = h("canvas", { width: G * SIDE, height: G * SIDE, class: "vae-manifold",
                              role: "img", "data-role": "manifold" });
  const sheetCtx = sheet.getContext("2d");
  const sheetImage = sheetCtx.createImageData(G * SIDE, G * SIDE);
  const tile = new Uint8ClampedArray(SIDE * SIDE * 4);
  el.append(h("p", { class: "vae-note", text:
    `Decoded latent manifold: ${G} \u00d7 ${G} points z, z\u2081 from ` +
    `${formatNumber(grid[0])} (left) to ${formatNumber(grid[G - 1])}, z\u2082 from ` +
    `${formatNumber(grid[G - 1])} (top) to ${formatNumber(grid[0])}, at the prior's ` +
    "quantiles: each cell holds the same prior mass." }));
  el.append(h("div", { class: "vae-manifold-box" }, [sheet]));

  const planeCtx = plane.getContext("2d");
  let size = { width: 480, height: 360 };
  function layout() {
    const width = planeBox.getBoundingClientRect().width;
    const dpr = window.devicePixelRatio || 1;
    const height = Math.round(Math.min(width * 0.75, 420));
    if (!width || (width === size.width && plane.width === Math.round(width * dpr))) return false;
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
    slider.setAttribute("aria-valuetext", `\u03b2 = ${m.beta}`);
    plane.setAttribute("aria-label", `rate\u2013distortion plane: the model with \u03b2 = ` +
      `${m.beta} at R = ${formatNumber(m.rate)}, D = ${formatNumber(m.distortion)} nats, ` +
      "among the family's models and lines of equal ELBO");
    drawPlaneNow();
    const net = (await loaded)[index];
    if (index !== Number(slider.value)) return; // a newer position is on its way
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
        sheetImage.data.set(tile.subarray(from, from + SIDE * 4),
                            ((r * SIDE + y) * G * SIDE + c * SIDE) * 4);
      }
    });
    sheetCtx.putImageData(sheetImage, 0, 0);
    sheet.setAttribute("aria-label", `decoded latent manifold of the model with \u03b2 = ${m.beta}`);
    readout.show(betaRows(m, { reconNll: nll / m.codes.length, shown: m.codes.length,
                               shareImages: model.get("share_images") }));
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
    new ResizeObserver(() => { if (layout()) drawPlaneNow(); }).observe(planeBox);
  }
  onThemeChange(() => drawPlaneNow());
  zoom.addEventListener("click", () => sync(model, "close_up", !model.get("close_up")));
  model.on("change:close_up", () => { showView(); drawPlaneNow(); });
  showView();
  loaded = nets(model);
  layout();
  await update();
  el.dataset.ready = "browser";
}

export default { render };
