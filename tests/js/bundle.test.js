// The committed bundle (vae_core/widgets/widgets.bundle.js) is generated: it must be
// byte-identical to a fresh `npm run build`, and it must export what its sources do.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { BUNDLE, buildBundle } from "../../esbuild.config.mjs";
import * as decoder from "../../vae_core/widgets/src/decoder.js";

test("the committed bundle is a fresh build of src/ (run `npm run build` if not)", async () => {
  const fresh = await buildBundle();
  assert.ok(readFileSync(BUNDLE).equals(fresh), "widgets.bundle.js differs from a fresh build");
  assert.match(fresh.toString("utf8"), /^\/\/ GENERATED FILE, DO NOT EDIT\./);
});

test("the bundle exports the anywidget front end and the decoder's functions", async () => {
  const bundle = await import("../../vae_core/widgets/widgets.bundle.js");
  assert.equal(typeof bundle.default.render, "function");
  assert.equal(bundle.render, undefined); // a named render would put anywidget in legacy mode
  for (const name of Object.keys(decoder)) assert.equal(typeof bundle[name], typeof decoder[name], name);
});
