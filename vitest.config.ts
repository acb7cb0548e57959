import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import SlowestFirstSequencer from "./tests/helpers/sequencer";

export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL("./", import.meta.url)),
      // The workspace package from its source, as tsconfig.json "paths" does for tsc, tsx and Playwright.
      "stripe-emulator": fileURLToPath(new URL("./packages/stripe-emulator/src/index.ts", import.meta.url)),
      // Server modules `import "server-only"`; outside Next.js (Vitest, tsx, Playwright) that is a no-op, as tsconfig.json "paths" says.
      "server-only": fileURLToPath(new URL("./node_modules/next/dist/compiled/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    environment: "node",
    env: { NEXTAUTH_SECRET: "vitest-secret", BCRYPT_ROUNDS: "4", LOG_LEVEL: "silent", RATE_LIMITS: "off" },
    // Playwright specs live in tests/e2e and must never be collected here. Two projects: "unit"
    // (tests/unit: no database, no emulator; `npm run test:unit` runs it alone, so it starts no
    // PgBouncer and migrates no template) and "suites", whose global setup starts PgBouncer and
    // migrates the template databases every suite copies. tests/first-run starts `npm run dev` on a
    // fresh copy of the repository (about a minute).
    projects: [
      { extends: true, test: { name: "unit", include: ["tests/unit/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "suites",
          include: ["tests/integration/**/*.test.ts", "packages/stripe-emulator/test/**/*.test.ts", "tests/first-run/**/*.test.ts"],
          globalSetup: ["tests/helpers/pgbouncer-setup.ts", "tests/helpers/database-templates.ts"],
        },
      },
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Three files at a time on CI's two cores: the suites spend about half their time waiting on
    // sockets and timers (webhook deliveries, the emulator, Postgres), so a third worker fills the gaps.
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS) || 3,
    // The slowest files start first, so the run does not end with one of them alone on a worker.
    sequence: { sequencer: SlowestFirstSequencer },
  },
});
