// The browser code's lint rules: ESLint's recommended set, with browser globals for web/js and
// Node's for the build script and the unit tests (`npm run lint`).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["web/dist/**", "node_modules/**", "test-output/**"] },
  js.configs.recommended,
  {
    files: ["web/js/**/*.js"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: globals.browser },
  },
  {
    files: ["web/build.mjs", "tests/js/**/*.mjs", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: globals.node },
  },
  {
    files: ["tests/browser/**/*.js"],
    languageOptions: { sourceType: "script", globals: globals.browser },
  },
  {
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
];
