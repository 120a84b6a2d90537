// ESLint flat config for the project's JavaScript (`npm run lint`): the widgets' modules and the
// book's page scripts (book/_static), with the recommended rules plus a few that catch what a
// reader of teaching code trips over. The generated bundle is not linted; its sources are.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: ["node_modules/", "_build/", ".venv/", "book/_build/",
              "vae_core/widgets/widgets.bundle.js"],
  },
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
      "no-shadow": "error",
      "no-unused-vars": ["error", { args: "after-used" }],
      "no-implicit-globals": "error",
      curly: ["error", "multi-line"],
    },
  },
  {
    files: ["tests/js/**", "esbuild.config.mjs", "eslint.config.mjs", "book/_ext/*.mjs"],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The book's page scripts are classic <script> files, not modules.
    files: ["book/_static/**/*.js"],
    languageOptions: {
      sourceType: "script",
      // require.js and Sphinx's search page provide these
      globals: { ...globals.browser, require: "readonly", Search: "readonly" },
    },
  },
  {
    // Runs in the browser and under Node (node.py, the tests): Buffer only as a fallback.
    files: ["vae_core/widgets/src/encoding.js"],
    languageOptions: { globals: { Buffer: "readonly" } },
  },
];
