/**
 * Lighthouse scores of /pricing, /sign-in and a signed-in /billing on a production build (the same
 * server Playwright uses: scripts/e2e-server.ts, PGlite in a temp dir, the Stripe emulator), with
 * Debian's Chromium. `npm run build` first (or let BENCH_BUILD=1 build it).
 *
 *   npm run bench:pages
 *
 * Bounded: one server, one Chromium, three pages, BENCH_RUNS (default 1) runs each, loopback only.
 */
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type { Result as LighthouseResult } from "lighthouse";
import { freePort } from "../lib/processes";
import { runScript } from "../lib/run-script";

const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"] as const;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Runs the Lighthouse CLI under plain node: its page-side functions are serialised into the
 * browser, which breaks when they pass through tsx's transform.
 */
async function runLighthouse(url: string, extraHeaders?: Record<string, string>): Promise<LighthouseResult> {
  const cli = path.join(process.cwd(), "node_modules", "lighthouse", "cli", "index.js");
  const args = [
    cli,
    url,
    "--output=json",
    "--output-path=stdout",
    "--quiet",
    `--only-categories=${CATEGORIES.join(",")}`,
    "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
    ...(extraHeaders ? [`--extra-headers=${JSON.stringify(extraHeaders)}`] : []),
  ];
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    env: { ...process.env, CHROME_PATH: CHROMIUM },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as LighthouseResult;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

/** Signs up and signs in through the real routes; returns the session cookie. */
async function sessionCookie(base: string): Promise<string> {
  const email = `lighthouse-${Date.now()}@example.com`;
  const password = "lighthouse-password-42";
  const signup = await fetch(`${base}/api/account`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!signup.ok) throw new Error(`sign-up failed: ${signup.status} ${await signup.text()}`);
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookie = (csrf.headers.getSetCookie?.() ?? []).map((c) => c.split(";")[0]).join("; ");
  const login = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const session = (login.headers.getSetCookie?.() ?? []).map((c) => c.split(";")[0]).find((c) => c.includes("session-token"));
  if (!session) throw new Error(`sign-in failed: ${login.status}`);
  return session;
}

runScript(async () => {
  const [appPort, emulatorPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${appPort}`;
  const server = spawn("npx", ["tsx", "scripts/e2e-server.ts"], {
    env: {
      ...process.env,
      E2E_APP_PORT: String(appPort),
      E2E_EMULATOR_PORT: String(emulatorPort),
      E2E_SKIP_BUILD: process.env.BENCH_BUILD ? "" : "1",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  try {
    await waitFor(`${base}/api/health`, 420_000);
    const cookie = await sessionCookie(base);
    const pages: Array<[string, Record<string, string> | undefined]> = [
      ["/pricing", undefined],
      ["/sign-in", undefined],
      ["/billing", { Cookie: cookie }],
    ];
    console.log(`Lighthouse ${RUNS} run(s) per page (mobile preset, simulated throttling), Chromium at ${CHROMIUM}`);
    console.log(`${"page".padEnd(10)} ${CATEGORIES.map((c) => c.padStart(15)).join("")} ${"LCP ms".padStart(8)} ${"TBT ms".padStart(8)}`);
    for (const [path, extraHeaders] of pages) {
      for (let run = 0; run < RUNS; run++) {
        const lhr = await runLighthouse(`${base}${path}`, extraHeaders);
        const scores = CATEGORIES.map((c) => String(Math.round((lhr.categories[c]?.score ?? 0) * 100)).padStart(15)).join("");
        const lcp = lhr.audits["largest-contentful-paint"]?.numericValue ?? 0;
        const tbt = lhr.audits["total-blocking-time"]?.numericValue ?? 0;
        console.log(`${path.padEnd(10)} ${scores} ${lcp.toFixed(0).padStart(8)} ${tbt.toFixed(0).padStart(8)}`);
        for (const c of CATEGORIES) {
          const category = lhr.categories[c];
          if (!category || (category.score ?? 0) >= 1) continue;
          const failing = category.auditRefs.filter((ref) => ref.weight > 0 && (lhr.audits[ref.id]?.score ?? 1) < 1).map((ref) => ref.id);
          if (failing.length > 0) console.log(`${"".padEnd(10)}   ${c}: ${failing.join(", ")}`);
        }
      }
    }
  } finally {
    if (server.pid) process.kill(-server.pid, "SIGTERM");
  }
});
