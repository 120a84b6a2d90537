// Loads a page's widgets only when a reader gets near them, and, when every widget on the page
// is an anywidget, renders them without the 3.6 MB Jupyter widget manager.
//
// book/_ext/book_assets.py puts this script (deferred) on pages with widgets, in place of the
// saved widget state and the widget scripts myst-nb would put in <head>. Its attributes:
//   data-widget-state  URL of the page's saved state (application/vnd.jupyter.widget-state+json)
//   data-scripts       the widget manager's scripts ([path under _static or URL, attributes]),
//                      loaded only as the fallback below
//
// Nothing is fetched while the page loads, and the page is not changed: book.css reserves the
// room of each widget output (a <script type="application/vnd.jupyter.widget-view+json"> in
// its cell's output box), and an IntersectionObserver watches those boxes. When the first one
// comes within LOOKAHEAD of the screen, the state is fetched (once); each view is drawn, into
// a new element in front of its <script> (.widget-subarea, as the widget manager does), when
// its own box comes near.
//
// Rendering: the saved state holds each anywidget model's traits, among them `_esm` (the
// widget's JavaScript module) and `_css`. The small runtime below (BookWidgets) makes a model
// object with anywidget's API (get, set, on, off, save_changes, send, widget_manager), imports
// the module from a Blob URL and calls its render({model, el}). There is no kernel on the page:
// save_changes and send do nothing. If any view on the page is not a plain anywidget (an
// ipywidgets slider, a container, a layout with settings), the runtime does not touch the page
// and the real widget manager (data-scripts) renders every view, as myst-nb would.
//
// The pure part (models, coverage, rendering into a given element) runs under Node too:
// tests/js/widgets-loader.test.js.
(function (root) {
  "use strict";

  const VIEW_MIME = "application/vnd.jupyter.widget-view+json";
  const STATE_MIME = "application/vnd.jupyter.widget-state+json";
  const REF = "IPY_MODEL_";
  // Start loading when a widget is this close to the screen (a phone screen or two ahead).
  const LOOKAHEAD = "1200px 0px";

  // ---- models ----

  function base64Bytes(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  // A saved model's state (changed in place) with its binary buffers put back, as DataViews,
  // at their paths: the way ipywidgets hands binary traits to a widget.
  function withBuffers(state, buffers) {
    const out = state || {};
    for (const buffer of buffers || []) {
      if (buffer.encoding !== "base64" && buffer.encoding !== undefined) {
        throw new Error(`widget buffer encoding ${JSON.stringify(buffer.encoding)} unsupported`);
      }
      const bytes = base64Bytes(buffer.data);
      const view = new DataView(bytes.buffer);
      const path = buffer.path;
      let node = out;
      for (const key of path.slice(0, -1)) node = node[key];
      node[path[path.length - 1]] = view;
    }
    return out;
  }

  // One widget model with the API anywidget gives a widget's JavaScript.
  class Model {
    constructor(id, saved, manager) {
      this.id = id;
      this.name = saved.model_name;
      this.module = saved.model_module;
      this.state = withBuffers(saved.state, saved.buffers);
      this.handlers = new Map(); // event name -> [callback, ...]
      this.widget_manager = manager;
    }

    get(key) {
      return this.state[key];
    }

    set(key, value) {
      if (this.state[key] === value) return;
      this.state[key] = value;
      this.emit(`change:${key}`, value);
      this.emit("change");
    }

    // Backbone style: several space-separated events at once.
    on(events, callback) {
      for (const name of events.split(/\s+/).filter(Boolean)) {
        if (!this.handlers.has(name)) this.handlers.set(name, []);
        this.handlers.get(name).push(callback);
      }
    }

    off(events, callback) {
      const names = events ? events.split(/\s+/).filter(Boolean) : [...this.handlers.keys()];
      for (const name of names) {
        const kept = callback ? (this.handlers.get(name) || []).filter((f) => f !== callback) : [];
        this.handlers.set(name, kept);
      }
    }

    emit(name, value) {
      for (const callback of [...(this.handlers.get(name) || [])]) callback(this, value);
    }

    save_changes() {} // no kernel on a static page: nothing to save to

    send() {} // likewise: custom messages have no recipient
  }

  // All the models of a saved state, and the manager that hands them out by id.
  function createModels(saved) {
    if (!saved || typeof saved.state !== "object" || saved.state === null) {
      throw new Error("widget state: expected an object with a `state` map of models");
    }
    const models = new Map();
    const manager = {
      get_model(id) {
        const model = models.get(String(id).replace(REF, ""));
        return model ? Promise.resolve(model) : Promise.reject(new Error(`no widget model ${id}`));
      },
    };
    for (const [id, entry] of Object.entries(saved.state)) {
      models.set(id, new Model(id, entry, manager));
    }
    return models;
  }

  // Can this runtime draw the view of `id` as the widget manager would? Only a bare anywidget
  // with an `_esm` module, whose layout (if any) sets nothing.
  function covers(models, id) {
    const model = models.get(id);
    if (!model || model.module !== "anywidget" || typeof model.get("_esm") !== "string") {
      return false;
    }
    const layout = model.get("layout");
    if (typeof layout === "string" && layout.startsWith(REF)) {
      const style = models.get(layout.slice(REF.length));
      if (!style) return false;
      for (const [key, value] of Object.entries(style.state)) {
        if (!key.startsWith("_") && value !== null && value !== "") return false;
      }
    }
    return true;
  }

  // ---- rendering ----

  // The module a widget's `_esm` holds: a URL to import, or source text (imported once per
  // distinct text, so views of one widget class share their module, as in Jupyter).
  const modules = new Map();
  function blobImport(source) {
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    return import(url).finally(() => URL.revokeObjectURL(url));
  }
  function loadModule(esm, importSource) {
    if (!modules.has(esm)) {
      const url = /^https?:\/\/\S+$/.test(esm.trim()); // source text may start with a // comment
      modules.set(esm, url ? import(esm.trim()) : importSource(esm));
    }
    return modules.get(esm);
  }

  // The widget definition a module exports: anywidget accepts `export default {render}`,
  // `export default () => ({render})` (sync or async) and, from older widgets, `export {render}`.
  async function widgetOf(mod) {
    let definition = mod.default !== undefined ? mod.default : mod;
    if (typeof definition === "function") definition = await definition();
    if (!definition || typeof definition.render !== "function") {
      throw new Error("the widget's module exports no render function");
    }
    return definition;
  }

  // A widget's `_css`, added to the page once per distinct text, as anywidget does.
  const styles = new Set();
  function addStyle(css) {
    if (!css || styles.has(css) || typeof document === "undefined") return;
    styles.add(css);
    const style = document.createElement("style");
    style.textContent = css;
    document.head.appendChild(style);
  }

  const experimental = {
    invoke: () => Promise.reject(new Error("no kernel on a static page")),
  };
  const initialized = new WeakMap(); // model -> Promise of its initialize()

  // Render the anywidget view of model `id` into `el` (a fresh element).
  async function renderView(models, id, el, options = {}) {
    const importSource = options.importSource || blobImport;
    const model = models.get(id);
    if (!covers(models, id)) throw new Error(`widget ${id} is not a bare anywidget`);
    const widget = await widgetOf(await loadModule(model.get("_esm"), importSource));
    if (!initialized.has(model)) {
      initialized.set(model, Promise.resolve(
        widget.initialize ? widget.initialize({ model, experimental }) : undefined));
    }
    await initialized.get(model);
    addStyle(model.get("_css"));
    for (const name of model.get("_dom_classes") || []) el.classList.add(name);
    await widget.render({ model, el, experimental });
  }

  const api = { Model, createModels, covers, renderView, withBuffers, VIEW_MIME, STATE_MIME };
  root.BookWidgets = api;

  // ---- the page ----

  const me = typeof document !== "undefined" ? document.currentScript : null;
  if (!me) return; // loaded by the tests under Node

  const staticDir = me.src.split("?")[0].replace(/[^/]*$/, "");
  const stateUrl = me.getAttribute("data-widget-state");
  const scripts = JSON.parse(me.getAttribute("data-scripts") || "[]");
  const views = Array.from(document.querySelectorAll(`script[type="${VIEW_MIME}"]`));

  function report(error) {
    console.error(`[widgets] ${error.message}`);
  }

  // The box each view is drawn in (book.css reserves its room until the view is there).
  const boxes = views.map((script) => script.parentElement);

  let fetched = null;
  function fetchState() {
    if (!fetched) {
      fetched = fetch(stateUrl).then((response) => {
        if (!response.ok) throw new Error(`widget state ${stateUrl}: HTTP ${response.status}`);
        return response.text();
      });
    }
    return fetched;
  }

  function loadScript(entry) {
    return new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      const src = entry[0];
      tag.src = /^([a-z]+:)?\/\//i.test(src) ? src : staticDir + src;
      for (const [name, value] of Object.entries(entry[1] || {})) {
        if (name !== "defer" && name !== "async") tag.setAttribute(name, value);
      }
      tag.async = false;
      tag.onload = resolve;
      tag.onerror = () => reject(new Error(`could not load ${tag.src}`));
      document.head.appendChild(tag);
    });
  }

  // Fallback: the state back in <head> as myst-nb writes it, then the widget manager, which
  // renders every view on the page into its own .widget-subarea.
  async function useWidgetManager(text) {
    const state = document.createElement("script");
    state.type = STATE_MIME;
    state.textContent = text;
    document.head.appendChild(state);
    for (const entry of scripts) await loadScript(entry);
  }

  let runtime = null; // Promise of the models, or of null when the widget manager took over
  function start() {
    if (!runtime) {
      runtime = fetchState().then(async (text) => {
        const models = createModels(JSON.parse(text));
        const ids = views.map((script) => JSON.parse(script.textContent).model_id);
        if (ids.every((id) => covers(models, id))) return models;
        observer.disconnect();
        await useWidgetManager(text);
        return null;
      });
    }
    return runtime;
  }

  // Draw the view of `script` into a new slot in front of it, with the widget manager's
  // class, so the page looks the same whichever draws it.
  async function show(script) {
    const models = await start();
    if (!models) return;
    const slot = document.createElement("div");
    slot.className = "widget-subarea book-widget-slot";
    slot.setAttribute("aria-busy", "true");
    const el = document.createElement("div");
    slot.append(el);
    script.parentElement.insertBefore(slot, script);
    await renderView(models, JSON.parse(script.textContent).model_id, el);
    slot.removeAttribute("aria-busy");
  }

  const near = (entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      views.filter((script) => script.parentElement === entry.target)
        .forEach((script) => show(script).catch(report));
    }
  };
  const observer = typeof IntersectionObserver === "function"
    ? new IntersectionObserver(near, { rootMargin: LOOKAHEAD })
    : { observe: (box) => near([{ isIntersecting: true, target: box }]),
        unobserve() {}, disconnect() {} };
  new Set(boxes).forEach((box) => observer.observe(box));
})(globalThis);
