import { defineConfig, devices } from "@playwright/test";
import { resolveLocalBrowser } from "./scripts/lib/browser";

const APP_PORT = Number(process.env.E2E_APP_PORT ?? 3100);
export const E2E_BASE_URL = `http://127.0.0.1:${APP_PORT}`;

// CHROMIUM_PATH, Playwright's own Chromium, or a system Chromium/Chrome (scripts/lib/browser.ts).
const browser = resolveLocalBrowser();
if (!browser.ok) throw new Error(browser.message);

const chromium = {
  ...devices["Desktop Chrome"],
  launchOptions: {
    executablePath: browser.path,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  },
};

/**
 * What changes what every other test of the same app sees, or loads the machine so much that other
 * tests' timings would be its own, runs in project "alone", one test at a time, on its own server,
 * emulator and database: whole specs (the clusters: several `next start` instances, HAProxy,
 * PgBouncer, timed soak runs; lifecycle and outages: the emulator's config, Stripe made unreachable)
 * and single tests tagged `@alone` in other specs (the emulator's latency or paused deliveries, a
 * global outbound-webhook endpoint or alert rule, a screen of every account's events). Every other
 * test only adds its own users (unique emails and client IPs) to the shared app, emulator and
 * database: project "parallel", whose files run two at a time (`--workers=2`, one file per worker).
 */
const ALONE_SPECS = ["cluster", "cluster-command", "cluster-soak", "lifecycle", "outages"].map((name) => `**/${name}.spec.ts`);
// tests/e2e/helpers.ts `ALONE` tags a test with it.
const ALONE_TAGGED = /@alone/;

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL: E2E_BASE_URL,
    // Recording a trace costs every action a DOM snapshot; CI keeps screenshots of failures instead.
    trace: process.env.CI ? "off" : "retain-on-failure",
    screenshot: "only-on-failure",
  },
  // One worker unless told otherwise, so `playwright test [files]` runs one test at a time as before.
  // `npm run test:e2e:built` (in `npm test`) runs "parallel" with two workers and "alone" (both of its
  // projects, one after the other) with one, as two invocations side by side, each with its own server,
  // emulator and database (package.json).
  projects: [
    { name: "parallel", testIgnore: ALONE_SPECS, grepInvert: ALONE_TAGGED, use: chromium },
    { name: "alone", testMatch: ALONE_SPECS, use: chromium },
    { name: "alone-tagged", testIgnore: ALONE_SPECS, grep: ALONE_TAGGED, use: chromium },
  ],
  webServer: {
    command: "tsx scripts/e2e-server.ts",
    url: `${E2E_BASE_URL}/api/health`,
    timeout: 420_000,
    reuseExistingServer: !process.env.CI,
    stdout: "pipe",
    stderr: "pipe",
    env: { E2E_APP_PORT: String(APP_PORT) },
  },
});
