import { defineConfig, devices } from "@playwright/test";
import { resolveLocalBrowser } from "./scripts/lib/browser";

const APP_PORT = Number(process.env.E2E_APP_PORT ?? 3100);
export const E2E_BASE_URL = `http://127.0.0.1:${APP_PORT}`;

// CHROMIUM_PATH, Playwright's own Chromium, or a system Chromium/Chrome (scripts/lib/browser.ts).
const browser = resolveLocalBrowser();
if (!browser.ok) throw new Error(browser.message);

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
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
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
      },
    },
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
