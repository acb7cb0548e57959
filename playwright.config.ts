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
 * Specs that change what every other test sees, or load the machine so much that other tests' timings
 * would be theirs: the shared emulator's settings (admin: latency; billing: paused deliveries;
 * lifecycle and outages: config, Stripe made unreachable) and the clusters (several `next start`
 * instances, HAProxy, PgBouncer, timed soak runs): project "alone". Every other spec only adds its own users (unique emails and client IPs)
 * to the shared app, emulator and database: project "parallel", whose files can run two at a time
 * (`--workers=2`, one file per worker) as long as nothing of "alone" runs beside them.
 */
const ALONE = ["admin", "billing", "cluster", "cluster-command", "cluster-soak", "lifecycle", "outages"].map((name) => `**/${name}.spec.ts`);

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
  // `npm run test:e2e:built` (in `npm test`) runs "parallel" with two workers and "alone" with one as two
  // invocations side by side, each with its own server, emulator and database (package.json).
  projects: [
    { name: "parallel", testIgnore: ALONE, use: chromium },
    { name: "alone", testMatch: ALONE, use: chromium },
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
