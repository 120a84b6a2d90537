// Bundles the widgets' ES modules (vae_core/widgets/src/) into the one file the Python side
// loads (vae_core/widgets/widgets.bundle.js), which is committed so that `pip install git+...`
// works where no npm runs (Colab).
//
//   npm run build          write the bundle
//   npm run check-bundle   exit 1 if the committed bundle differs from a fresh build
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

export const ROOT = dirname(fileURLToPath(import.meta.url));
export const BUNDLE = join(ROOT, "vae_core", "widgets", "widgets.bundle.js");

const BANNER = [
  "// GENERATED FILE, DO NOT EDIT. Built by `npm run build` (esbuild.config.mjs) from",
  "// vae_core/widgets/src/*.js; tests/js/bundle.test.mjs fails if it differs from a fresh build.",
].join("\n");

export const OPTIONS = {
  absWorkingDir: ROOT,
  entryPoints: ["vae_core/widgets/src/index.js"],
  bundle: true,
  format: "esm",
  target: "es2020",
  charset: "utf8",
  legalComments: "none",
  banner: { js: BANNER },
  write: false,
  outfile: BUNDLE,
  logLevel: "warning",
};

// The bundle's bytes, built in memory.
export async function buildBundle() {
  const result = await esbuild.build(OPTIONS);
  return Buffer.from(result.outputFiles[0].contents);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const fresh = await buildBundle();
  if (process.argv.includes("--check")) {
    let committed = Buffer.alloc(0);
    try { committed = readFileSync(BUNDLE); } catch { /* missing counts as stale */ }
    if (!committed.equals(fresh)) {
      console.error(`${BUNDLE} is stale or edited by hand: run \`npm run build\` and commit it`);
      process.exit(1);
    }
    console.log(`${BUNDLE} matches a fresh build (${fresh.length} bytes)`);
  } else {
    writeFileSync(BUNDLE, fresh);
    console.log(`wrote ${BUNDLE} (${fresh.length} bytes)`);
  }
}
