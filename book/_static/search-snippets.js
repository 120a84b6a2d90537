// Search result snippets without raw LaTeX (loaded on search.html only, by
// book/_ext/book_assets.py). Sphinx builds a snippet from the text of the result's page; a
// formula rendered by KaTeX holds its TeX source (<annotation>) and a drawn copy
// (.katex-html) besides its MathML, so the snippet would show "\log p_\theta(x)" and the
// glyphs twice. Both are dropped before Sphinx takes the text; the MathML text remains.
(function () {
  "use strict";
  // searchtools.js declares `const Search`: a global binding, not a property of window.
  if (typeof Search === "undefined" || typeof Search.htmlToText !== "function") return;
  const original = Search.htmlToText;
  Search.htmlToText = function (htmlString, anchor) {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(".katex-html, annotation, .eqno").forEach(function (el) {
      el.remove();
    });
    return original(doc.documentElement.outerHTML, anchor);
  };
})();
