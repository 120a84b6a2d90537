// Unit tests of the page-only anywidget runtime in book/_static/widgets-loader.js: the model
// API a widget's JavaScript sees, binary buffers, which views it may draw without the Jupyter
// widget manager, and rendering a widget module. The page part (slots, IntersectionObserver,
// the fallback) is driven in chromium by tests/test_widgets_browser.py.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

// A classic <script>, not a module: run it, and it leaves its API on globalThis.
createRequire(import.meta.url)("../../book/_static/widgets-loader.js");
const { createModels, covers, renderView, withBuffers } = globalThis.BookWidgets;

// Node cannot import blob: URLs; a data: URL holds the same source.
const importSource = (source) =>
  import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`);

const EMPTY_LAYOUT = { model_module: "@jupyter-widgets/base", model_name: "LayoutModel",
  state: { _model_name: "LayoutModel", width: null, border_top: null, display: null } };

function anywidget(state, layout = "IPY_MODEL_layout") {
  return { model_module: "anywidget", model_name: "AnyModel",
    state: { _esm: "export default { render() {} };", _dom_classes: [], layout, ...state } };
}

function savedState(extra = {}) {
  return {
    version_major: 2,
    version_minor: 0,
    state: {
      layout: EMPTY_LAYOUT,
      weights: { model_module: "@jupyter-widgets/base", model_name: "WidgetModel",
        state: { payload: { n: 3 } } },
      view: anywidget({ x: 1, decoder: "IPY_MODEL_weights" }),
      ...extra,
    },
  };
}

function fakeElement() {
  const names = [];
  return { names, classList: { add: (name) => names.push(name) } };
}

test("a model reads, writes and announces changes like anywidget's", () => {
  const model = createModels(savedState()).get("view");
  assert.equal(model.get("x"), 1);
  const seen = [];
  const onX = (m, value) => seen.push(["x", value, m === model]);
  model.on("change:x", onX);
  model.on("change:y change", () => seen.push(["y or any"]));
  model.set("x", 2);
  model.set("x", 2); // unchanged: no event
  model.set("y", 5);
  assert.deepEqual(seen, [["x", 2, true], ["y or any"], ["y or any"], ["y or any"]]);
  model.off("change:x", onX);
  model.off("change:y");
  model.set("x", 3);
  assert.deepEqual(seen.slice(4), [["y or any"]], "only the catch-all `change` is left");
  model.off();
  model.set("x", 4);
  assert.equal(seen.length, 5);
  assert.equal(model.get("x"), 4);
  model.save_changes(); // no kernel: does nothing, and does not throw
  model.send({ any: "message" });
});

test("the widget manager hands out models by id, with or without the IPY_MODEL_ prefix", async () => {
  const view = createModels(savedState()).get("view");
  const weights = await view.widget_manager.get_model("IPY_MODEL_weights");
  assert.deepEqual(weights.get("payload"), { n: 3 });
  assert.equal(await view.widget_manager.get_model("weights"), weights);
  await assert.rejects(view.widget_manager.get_model("IPY_MODEL_nope"), /no widget model/);
});

test("a saved state that is not a map of models is refused by name", () => {
  assert.throws(() => createModels(null), /expected an object with a `state` map/);
  assert.throws(() => createModels({ models: {} }), /`state` map/);
});

test("binary buffers come back as DataViews at their paths", () => {
  const bytes = Buffer.from([1, 2, 255]).toString("base64");
  const state = withBuffers({ a: { b: null }, c: 1 },
    [{ path: ["a", "b"], data: bytes, encoding: "base64" }]);
  assert.ok(state.a.b instanceof DataView);
  assert.deepEqual([0, 1, 2].map((i) => state.a.b.getUint8(i)), [1, 2, 255]);
  assert.equal(state.c, 1);
  assert.throws(() => withBuffers({}, [{ path: ["x"], data: "", encoding: "hex" }]),
    /encoding "hex" unsupported/);
});

test("only bare anywidgets are drawn without the widget manager", () => {
  const models = createModels(savedState({
    styled: anywidget({}, "IPY_MODEL_wide"),
    wide: { ...EMPTY_LAYOUT, state: { ...EMPTY_LAYOUT.state, width: "50%" } },
    nolayout: anywidget({}, null),
    noesm: { model_module: "anywidget", model_name: "AnyModel", state: {} },
    slider: { model_module: "@jupyter-widgets/controls", model_name: "IntSliderModel",
      state: { value: 3, layout: "IPY_MODEL_layout" } },
    lost: anywidget({}, "IPY_MODEL_missing"),
  }));
  assert.equal(covers(models, "view"), true);
  assert.equal(covers(models, "nolayout"), true);
  assert.equal(covers(models, "styled"), false, "a layout that sets a width");
  assert.equal(covers(models, "noesm"), false, "no _esm module");
  assert.equal(covers(models, "slider"), false, "an ipywidgets control");
  assert.equal(covers(models, "lost"), false, "a layout model that is not in the state");
  assert.equal(covers(models, "absent"), false);
});

test("a view renders from its module; initialize runs once per model", async () => {
  const esm = `
    export default {
      initialize({ model }) { model.set("inits", (model.get("inits") || 0) + 1); },
      async render({ model, el }) {
        const weights = await model.widget_manager.get_model(model.get("decoder"));
        el.text = model.get("x") + ":" + weights.get("payload").n + ":" + model.get("inits");
      },
    };`;
  const models = createModels(savedState({
    view: anywidget({ _esm: esm, x: 7, decoder: "IPY_MODEL_weights", _dom_classes: ["a", "b"] }),
  }));
  const first = fakeElement();
  const second = fakeElement();
  await renderView(models, "view", first, { importSource });
  await renderView(models, "view", second, { importSource });
  assert.equal(first.text, "7:3:1");
  assert.equal(second.text, "7:3:1", "initialize did not run again for a second view");
  assert.deepEqual(first.names, ["a", "b"]);
});

test("a module may export a function that returns the widget, or a bare render", async () => {
  const models = createModels(savedState({
    made: anywidget({ _esm: "export default async () => ({ render({ el }) { el.text = 'f'; } });" }),
    bare: anywidget({ _esm: "export function render({ el }) { el.text = 'r'; }" }),
    broken: anywidget({ _esm: "export default { draw() {} };" }),
  }));
  const made = fakeElement();
  const bare = fakeElement();
  await renderView(models, "made", made, { importSource });
  await renderView(models, "bare", bare, { importSource });
  assert.equal(made.text, "f");
  assert.equal(bare.text, "r");
  await assert.rejects(renderView(models, "broken", fakeElement(), { importSource }),
    /exports no render function/);
  await assert.rejects(renderView(models, "weights", fakeElement(), { importSource }),
    /not a bare anywidget/);
});

test("views of one module share it: the module is imported once", async () => {
  const esm = "let n = 0; export default { render({ el }) { n += 1; el.text = n; } };";
  const models = createModels(savedState({ one: anywidget({ _esm: esm }),
    two: anywidget({ _esm: esm }) }));
  let imports = 0;
  const counting = (source) => { imports += 1; return importSource(source); };
  const a = fakeElement();
  const b = fakeElement();
  await renderView(models, "one", a, { importSource: counting });
  await renderView(models, "two", b, { importSource: counting });
  assert.equal(imports, 1);
  assert.deepEqual([a.text, b.text], [1, 2]);
});
