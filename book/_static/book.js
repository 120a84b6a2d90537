// Tab stops for boxes that scroll sideways, set as the boxes near the screen (loaded with
// defer on every page by _config.yml: html_js_files).
//
// A box that scrolls (display math, a code block, a cell's output, a wide table) gets
// tabindex 0 so it can be scrolled with the arrow keys; one that fits gets none (formulas) or
// -1 (the theme's boxes, as its own script sets them). pydata-sphinx-theme does this for its
// boxes on "load" by measuring every one of them; on a long page that forces the browser to
// lay out all of it, the parts far from the screen included, which book.css lets it skip
// ("Long pages"). book_assets.py therefore removes that call from the theme's script and this
// file measures each box when it comes near the screen, again after a resize, and for boxes
// added later (a widget's output).
(function () {
  "use strict";
  const MATH = ".katex-display";
  // The selectors of the theme's addTabStopsToScrollableElements (pydata-sphinx-theme 0.17).
  const THEME = [
    "pre",
    ".nboutput > .output_area",
    ".cell_output > .output",
    ".jp-RenderedHTMLCommon",
    ".pst-scrollable-table-container",
  ].join(", ");
  const SELECTOR = `${MATH}, ${THEME}`;

  function mark(box) {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (!box.matches(MATH)) {
      box.tabIndex = scrolls || box.scrollHeight > box.clientHeight ? 0 : -1;
    } else if (scrolls) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "equation, scrolls sideways");
    } else if (box.hasAttribute("tabindex")) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }

  const boxes = () => Array.from(document.querySelectorAll(SELECTOR));
  if (!("IntersectionObserver" in window)) {
    boxes().forEach(mark);
    return;
  }
  const observer = new IntersectionObserver(
    function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) mark(entry.target);
      });
    },
    { rootMargin: "400px 0px" },
  );
  function watch() {
    // (Re)observing reports each box's state once: those near the screen are measured.
    boxes().forEach(function (box) {
      observer.unobserve(box);
      observer.observe(box);
    });
  }
  function later(fn) {
    let timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, 200);
    };
  }
  window.addEventListener("resize", later(watch));
  const main = document.getElementById("main-content");
  if (main) new MutationObserver(later(watch)).observe(main, { childList: true, subtree: true });
  watch();
})();
