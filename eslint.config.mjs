import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

/**
 * The layers, enforced (README "Guardrails"): app may import lib and components; lib never imports
 * app or components; components never import app; db imports nothing of lib, app or components;
 * env/ (the environment, which db reads) imports none of them; the Stripe emulator package imports
 * nothing of the app. Paths are resolved (eslint-plugin-import), so `@/…` and `../…` count alike.
 */
const boundaries = {
  "import/no-restricted-paths": [
    "error",
    {
      zones: [
        {
          target: "./lib",
          from: ["./app", "./components"],
          message: "lib/ must not import app/ or components/ (move the code into lib/).",
        },
        { target: "./components", from: ["./app"], message: "components/ must not import app/ (move the code into components/ or lib/)." },
        {
          target: "./db",
          from: ["./lib", "./app", "./components"],
          message: "db/ imports nothing of lib/, app/ or components/ (lib/ builds on db/, not the reverse).",
        },
        {
          target: "./env",
          from: ["./lib", "./db", "./app", "./components"],
          message: "env/ is the bottom layer: it imports nothing of the app.",
        },
        {
          target: "./packages/stripe-emulator",
          from: ".",
          except: ["./packages/stripe-emulator", "./node_modules"],
          message: "The Stripe emulator package imports nothing of the app.",
        },
      ],
    },
  ],
};

/** Pages, route handlers and components reach the database through lib/ only (types excepted). */
const noDatabaseOutsideLib = {
  "@typescript-eslint/no-restricted-imports": [
    "error",
    {
      patterns: [
        {
          regex: "^(@/|(\\.\\./)+)db(/|$)",
          allowTypeImports: true,
          message: "app/ and components/ read and write through lib/ (a domain module), never db/ directly.",
        },
      ],
    },
  ],
};

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [".next/**", "node_modules/**", ".data/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "packages/*/dist/**"],
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  { files: ["lib/**", "db/**", "components/**", "env/**", "packages/stripe-emulator/**"], rules: boundaries },
  { files: ["app/**", "components/**"], rules: noDatabaseOutsideLib },
];

export default config;
