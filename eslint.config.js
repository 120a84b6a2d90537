// ESLint flat config for the widgets' JavaScript (`npm run lint`): the recommended rules, plus a
// few that catch what a reader of teaching code trips over. The generated bundle is not linted;
// its sources are.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "_build/", ".venv/", "book/", "vae_core/widgets/widgets.bundle.js"] },
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
    files: ["tests/js/**", "esbuild.config.mjs", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Runs in the browser and under Node (node.py, the tests): Buffer only as a fallback.
    files: ["vae_core/widgets/src/encoding.js"],
    languageOptions: { globals: { Buffer: "readonly" } },
  },
];
