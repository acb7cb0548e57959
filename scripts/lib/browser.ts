/**
 * Which Chromium the Playwright suite drives. One order, used by playwright.config.ts and by the
 * preflight that `npm test` runs first:
 *   1. CHROMIUM_PATH, when set (an explicit choice: a missing file is an error, not a fallback);
 *   2. Playwright's own Chromium, when `npx playwright install chromium` has put it in place;
 *   3. a system Chromium or Chrome in the usual places for Linux and macOS, or on PATH;
 *   4. otherwise a one-line message saying what to install.
 * Pure apart from the probes passed in, so the order is unit-tested with a faked file system.
 */
import { accessSync, constants } from "node:fs";
import { chromium } from "@playwright/test";
import os from "node:os";
import path from "node:path";

export type BrowserSource = "CHROMIUM_PATH" | "playwright" | "system";
export type BrowserResolution = { ok: true; path: string; source: BrowserSource } | { ok: false; message: string };

export interface BrowserProbe {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  homedir: string;
  /** Where Playwright keeps its own Chromium (it may not be installed there). */
  playwrightChromium: () => string | undefined;
  /** Whether a file exists and can be executed. */
  isExecutable: (file: string) => boolean;
}

const LINUX_PATHS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/snap/bin/chromium",
  "/opt/google/chrome/chrome",
];
const MAC_APPS = [
  "Google Chrome.app/Contents/MacOS/Google Chrome",
  "Chromium.app/Contents/MacOS/Chromium",
  "Google Chrome Canary.app/Contents/MacOS/Google Chrome Canary",
];
const PATH_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];

function systemCandidates(probe: BrowserProbe): string[] {
  const fromPath = (probe.env.PATH ?? "")
    .split(path.delimiter)
    .filter(Boolean)
    .flatMap((dir) => PATH_NAMES.map((name) => path.join(dir, name)));
  if (probe.platform === "darwin") {
    const apps = MAC_APPS.flatMap((app) => [path.join("/Applications", app), path.join(probe.homedir, "Applications", app)]);
    return [...apps, ...fromPath];
  }
  return probe.platform === "linux" ? [...LINUX_PATHS, ...fromPath] : fromPath;
}

export function installHint(platform: NodeJS.Platform): string {
  const system =
    platform === "darwin"
      ? "`brew install --cask chromium` (or install Google Chrome)"
      : "`sudo apt-get install chromium` (Debian/Ubuntu; your distribution's chromium package elsewhere)";
  return `run \`npx playwright install chromium\`, or ${system}, or set CHROMIUM_PATH to a Chromium/Chrome executable`;
}

export function resolveBrowser(probe: BrowserProbe): BrowserResolution {
  const explicit = probe.env.CHROMIUM_PATH;
  if (explicit) {
    return probe.isExecutable(explicit)
      ? { ok: true, path: explicit, source: "CHROMIUM_PATH" }
      : {
          ok: false,
          message: `CHROMIUM_PATH=${explicit} is not an executable file: fix it or unset it (then ${installHint(probe.platform)}).`,
        };
  }
  const bundled = probe.playwrightChromium();
  if (bundled && probe.isExecutable(bundled)) return { ok: true, path: bundled, source: "playwright" };
  const system = systemCandidates(probe).find((file) => probe.isExecutable(file));
  if (system) return { ok: true, path: system, source: "system" };
  return { ok: false, message: `No Chromium or Chrome found for the browser tests: ${installHint(probe.platform)}.` };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function playwrightChromium(): string | undefined {
  try {
    return chromium.executablePath();
  } catch {
    return undefined;
  }
}

/** The resolution for this machine. */
export function resolveLocalBrowser(env: Record<string, string | undefined> = process.env): BrowserResolution {
  return resolveBrowser({ env, platform: process.platform, homedir: os.homedir(), playwrightChromium, isExecutable });
}
