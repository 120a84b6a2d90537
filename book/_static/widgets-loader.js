// Loads a page's widgets without holding up its text (book/_ext/book_assets.py puts this
// script, deferred, on pages with widgets in place of the widget state and the three widget
// scripts myst-nb would put in <head>; _config.yml nb_ipywidgets_js lists those scripts).
//
// The saved widget state (the models, with the decoders' weights: about 1 MB) is a separate
// file, data-widget-state, instead of a <script> inside the HTML, so the page's first paint
// does not wait for it. This script fetches it, puts it back into <head> exactly as myst-nb
// writes it (<script type="application/vnd.jupyter.widget-state+json">), then loads the
// widget scripts (data-scripts: [path under _static or absolute URL, attributes]) in order.
// The widget manager renders every widget view once the page has loaded, as before.
(function () {
  "use strict";
  const me = document.currentScript;
  const staticDir = me.src.split("?")[0].replace(/[^/]*$/, "");
  const stateUrl = me.getAttribute("data-widget-state");
  const scripts = JSON.parse(me.getAttribute("data-scripts") || "[]");

  function load(entry) {
    return new Promise(function (resolve, reject) {
      const tag = document.createElement("script");
      const src = entry[0];
      tag.src = /^([a-z]+:)?\/\//i.test(src) ? src : staticDir + src;
      const attrs = entry[1] || {};
      Object.keys(attrs).forEach(function (name) {
        if (name !== "defer" && name !== "async") tag.setAttribute(name, attrs[name]);
      });
      tag.async = false;
      tag.onload = resolve;
      tag.onerror = function () { reject(new Error("could not load " + tag.src)); };
      document.head.appendChild(tag);
    });
  }

  fetch(stateUrl)
    .then(function (response) {
      if (!response.ok) throw new Error("widget state " + stateUrl + ": HTTP " + response.status);
      return response.text();
    })
    .then(function (text) {
      const state = document.createElement("script");
      state.type = "application/vnd.jupyter.widget-state+json";
      state.textContent = text;
      document.head.appendChild(state);
      return scripts.reduce(function (done, entry) {
        return done.then(function () { return load(entry); });
      }, Promise.resolve());
    })
    .catch(function (error) {
      console.error("[widgets] " + error.message);
    });
})();
