// Keyboard access to display math that scrolls (loaded with defer on every page by
// _config.yml: html_js_files). The theme does this for code blocks and outputs
// (addTabStopsToScrollableElements); a formula box that scrolls sideways gets a tab stop
// too, so it can be scrolled with the arrow keys. Re-checked when the window is resized.
(function () {
  "use strict";
  function update() {
    // Measure every box first, then change attributes: interleaving them would make the
    // browser lay the page out again for each box.
    const boxes = Array.from(document.querySelectorAll(".katex-display"));
    const scrolls = boxes.map(function (box) { return box.scrollWidth > box.clientWidth + 1; });
    boxes.forEach(function (box, i) {
      if (scrolls[i]) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "equation, scrolls sideways");
      } else if (box.hasAttribute("tabindex")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  let timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 200);
  });
  // After "load" the layout is done, so measuring the boxes costs nothing extra.
  if (document.readyState === "complete") {
    update();
  } else {
    window.addEventListener("load", update);
  }
})();
