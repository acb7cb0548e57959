import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveBrowser, type BrowserProbe } from "@/scripts/lib/browser";

/** A probe over a faked file system: only `files` exist and are executable. */
function probe(files: string[], overrides: Partial<BrowserProbe> = {}): BrowserProbe {
  const set = new Set(files);
  return {
    env: {},
    platform: "linux",
    homedir: "/home/dev",
    playwrightChromium: () => "/home/dev/.cache/ms-playwright/chromium-1/chrome-linux64/chrome",
    isExecutable: (file) => set.has(file),
    ...overrides,
  };
}

const PW = "/home/dev/.cache/ms-playwright/chromium-1/chrome-linux64/chrome";

describe("browser resolution order", () => {
  it("takes CHROMIUM_PATH first, over Playwright's and the system's", () => {
    const result = resolveBrowser(probe(["/opt/my/chrome", PW, "/usr/bin/chromium"], { env: { CHROMIUM_PATH: "/opt/my/chrome" } }));
    expect(result).toEqual({ ok: true, path: "/opt/my/chrome", source: "CHROMIUM_PATH" });
  });

  it("refuses a CHROMIUM_PATH that does not exist instead of silently using another browser", () => {
    const result = resolveBrowser(probe([PW, "/usr/bin/chromium"], { env: { CHROMIUM_PATH: "/nope/chrome" } }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("CHROMIUM_PATH=/nope/chrome is not an executable file");
  });

  it("uses Playwright's own Chromium when it is installed, before system browsers", () => {
    expect(resolveBrowser(probe([PW, "/usr/bin/chromium"]))).toEqual({ ok: true, path: PW, source: "playwright" });
  });

  it("skips Playwright's Chromium when it is not installed (or playwright cannot say where)", () => {
    expect(resolveBrowser(probe(["/usr/bin/chromium"]))).toMatchObject({ path: "/usr/bin/chromium", source: "system" });
    expect(resolveBrowser(probe(["/usr/bin/chromium"], { playwrightChromium: () => undefined }))).toMatchObject({
      path: "/usr/bin/chromium",
    });
  });

  it("finds Chrome on Linux, in macOS application folders, and on PATH", () => {
    expect(resolveBrowser(probe(["/usr/bin/google-chrome-stable"]))).toMatchObject({ path: "/usr/bin/google-chrome-stable" });
    const mac = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome";
    expect(resolveBrowser(probe([mac, "/usr/bin/chromium"], { platform: "darwin" }))).toMatchObject({ path: mac, source: "system" });
    const userMac = "/Users/dev/Applications/Chromium.app/Contents/MacOS/Chromium";
    expect(resolveBrowser(probe([userMac], { platform: "darwin", homedir: "/Users/dev" }))).toMatchObject({ path: userMac });
    const onPath = path.join("/home/dev/bin", "chromium");
    expect(resolveBrowser(probe([onPath], { env: { PATH: `/nothing${path.delimiter}/home/dev/bin` } }))).toMatchObject({
      path: onPath,
      source: "system",
    });
  });

  it("says what to install when there is no browser, for the platform at hand", () => {
    const linux = resolveBrowser(probe([]));
    expect(linux).toMatchObject({ ok: false });
    if (!linux.ok) {
      expect(linux.message).toContain("npx playwright install chromium");
      expect(linux.message).toContain("apt-get install chromium");
    }
    const mac = resolveBrowser(probe([], { platform: "darwin" }));
    if (mac.ok) throw new Error("expected no browser");
    expect(mac.message).toContain("brew install --cask chromium");
  });
});

describe("npm test preflight", () => {
  const run = (env: { PATH: string; CHROMIUM_PATH: string }) =>
    spawnSync(process.execPath, [path.join("node_modules", "tsx", "dist", "cli.mjs"), "scripts/test-preflight.ts"], {
      env: { ...env, NODE_ENV: "test" },
      encoding: "utf8",
      timeout: 30_000,
    });

  it("exits non-zero with the message when no browser can be found (empty PATH, bogus CHROMIUM_PATH)", () => {
    const result = run({ PATH: "", CHROMIUM_PATH: "/definitely/not/a/browser" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("npm test: CHROMIUM_PATH=/definitely/not/a/browser is not an executable file");
    expect(result.stderr).toContain("npx playwright install chromium");
  });

  it("passes and names the browser when CHROMIUM_PATH points at an executable", () => {
    const result = run({ PATH: "", CHROMIUM_PATH: process.execPath });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`browser tests will use ${process.execPath} (CHROMIUM_PATH)`);
  });
});
