// Resolve the AMD module "anywidget" to the copy served with the book (staged by
// book/_ext/book_assets.py from the installed anywidget wheel), so anywidget widgets render
// with no network. Loaded after require.js and before the widget manager (_config.yml,
// nb_ipywidgets_js). Modules not mapped here still fall back to the CDN.

(function () {
  "use strict";
  const here = document.currentScript.src.split("?")[0];
  const staticDir = here.slice(0, here.lastIndexOf("/") + 1);
  const manager = staticDir + "vendor/html-manager";
  // embed-amd.js defines @jupyter-widgets/{base,controls,html-manager/dist/...} inline and
  // fetches their icon fonts relative to the URL require.js gives each module (by default
  // the page's folder); these paths make those URLs point at the fonts' real folder.
  window.__jupyter_widgets_assets_path__ = manager + "/";
  window.requirejs.config({
    paths: {
      "@jupyter-widgets/html-manager/dist": manager,
      "@jupyter-widgets": manager,
      anywidget: staticDir + "vendor/anywidget/index",
    },
  });
})();
