// Strip the theme's stylesheets of the rules no page of the built book can use (PurgeCSS).
//
//   node book/_ext/purge_css.mjs <built html dir> <stylesheet under _static>...
//
// Run by book_assets.py when the HTML build has finished. A rule is kept when any of its
// selectors' class names, ids, tags or attribute values occurs as a word in a built page
// (every .html) or in a script the pages run (_static/**/*.js: the theme's and Bootstrap's
// scripts add classes such as "show" or set data-theme="dark" at run time). Font faces,
// keyframes and custom properties are all kept. Each file is rewritten atomically; one line
// per file reports the bytes before and after.
import { rename, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { PurgeCSS } from "purgecss";

// Scripts that never build the pages' DOM: Font Awesome's SVG replacer (not loaded by the
// book's pages) and the vendored widget manager (a page that loads it brings its own CSS).
const SKIPPED_SCRIPTS = ["_static/scripts/fontawesome.js", "_static/vendor/**/*.js"];

// Set by the theme's scripts from values that occur in no file as words of their own.
const DYNAMIC_ATTRIBUTES = ["data-theme", "data-mode", "aria-expanded", "aria-current"];

// A selector made of pseudo-classes alone (the theme's `:focus-visible` outline) names no
// word PurgeCSS could find, so it would go; every such part is kept. A part like this in a
// selector with a class (`.btn:hover`) still goes when the class is unused.
const PSEUDO_ONLY = /^::?[a-z-]+$/;

async function purge(html, sheets) {
  const results = await new PurgeCSS().purge({
    content: [path.join(html, "**/*.html"), path.join(html, "_static/**/*.js")],
    skippedContentGlobs: SKIPPED_SCRIPTS.map((glob) => path.join(html, glob)),
    css: sheets.map((sheet) => path.join(html, "_static", sheet)),
    dynamicAttributes: DYNAMIC_ATTRIBUTES,
    safelist: { standard: [PSEUDO_ONLY] },
    fontFace: false,
    keyframes: false,
    variables: false,
  });
  for (const { file, css } of results) {
    const before = (await readFile(file)).length;
    const partial = `${file}.purging`;
    await writeFile(partial, css);
    await rename(partial, file);
    const after = Buffer.byteLength(css);
    console.log(`${path.relative(html, file)} ${before} -> ${after} bytes`);
  }
}

const [html, ...sheets] = process.argv.slice(2);
if (!html || sheets.length === 0) {
  console.error("usage: node purge_css.mjs <built html dir> <stylesheet under _static>...");
  process.exit(2);
}
await purge(path.resolve(html), sheets);
