/**
 * The README's first promise, on a copy of the repository as a fresh clone has it: `npm run dev` comes up
 * with no .data/, .next/ or .env, and over plain HTTP a new user signs up, pays for Pro on the emulator and
 * opens the portal — with nothing alarming in the output, and nothing left running once it is stopped.
 */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import playwrightConfig from "@/playwright.config";
import { emulatorStripeClient } from "stripe-emulator";
import { freePort } from "@/scripts/lib/processes";
import { freshCopy, isListening, jsonLogLines, killGroup, problemLines, processesInGroup, startDev, type DevRun } from "./fresh-copy";

const STARTUP_MS = 150_000;
let dir: string;
const runs: DevRun[] = [];

beforeAll(() => {
  dir = freshCopy();
});
afterAll(() => {
  for (const run of runs) killGroup(run.child.pid);
  rmSync(dir, { recursive: true, force: true });
});

function dev(env: Record<string, string>): DevRun {
  const run = startDev(dir, env);
  runs.push(run);
  return run;
}

/** Waits until the app and the emulator answer; fails at once with the output if `npm run dev` exits. */
async function waitUntilUp(run: DevRun, appPort: number, emulatorPort: number): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  const status = (url: string) =>
    fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.status,
      () => 0,
    );
  while (Date.now() < deadline) {
    if (run.child.exitCode !== null) throw new Error(`npm run dev exited with ${run.child.exitCode}:\n${run.output()}`);
    const [app, emulator] = await Promise.all([
      status(`http://127.0.0.1:${appPort}/api/health`),
      status(`http://127.0.0.1:${emulatorPort}/v1/customers`),
    ]);
    if (app === 200 && emulator === 401) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`npm run dev did not come up in ${STARTUP_MS / 1000} s:\n${run.output()}`);
}

/** Stops the run by `signal` to npm alone (not its group) and expects everything it started to be gone. */
async function expectStopsCompletely(run: DevRun, ports: number[]): Promise<void> {
  const pgid = run.child.pid as number;
  await run.exited;
  await expect
    .poll(() => processesInGroup(pgid), { timeout: 15_000, interval: 250, message: "processes npm run dev left behind" })
    .toEqual([]);
  for (const port of ports) expect(await isListening(port), `port ${port} still answers`).toBe(false);
}

/**
 * In the browser the e2e suite uses: /pricing served by next dev hydrates whether it is opened on localhost
 * or 127.0.0.1 (Next's dev-origin check refuses its scripts and HMR socket to hosts it was not told about),
 * with nothing in the console.
 */
async function expectHydratesOnBothLoopbackNames(appPort: number): Promise<void> {
  const browser = await chromium.launch(playwrightConfig.projects?.[0]?.use?.launchOptions);
  try {
    for (const host of ["localhost", "127.0.0.1"]) {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (message) => void (message.type() === "error" && errors.push(message.text())));
      page.on("pageerror", (error) => void errors.push(error.message));
      await page.goto(`http://${host}:${appPort}/pricing`, { timeout: 120_000 }); // next dev compiles on first visit
      // Only a hydrated page answers the toggle with yearly prices (a click before hydration is lost: retry).
      await expect
        .poll(
          async () => {
            await page.getByRole("radio", { name: /Yearly/ }).click();
            return page.getByTestId("plan-price-pro").textContent();
          },
          { timeout: 60_000, interval: 500, message: `/pricing on ${host} never hydrated` },
        )
        .toContain("$190");
      expect(errors, `console errors on ${host}`).toEqual([]);
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

/** A browser-less user agent: cookies by name, sent back on every request to the app. */
class Visitor {
  private readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async request(pathname: string, init: { method?: string; json?: unknown; form?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { origin: this.base, cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
    let body: string | undefined;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    } else if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(`${this.base}${pathname}`, {
      method: init.method ?? (body === undefined ? "GET" : "POST"),
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(60_000),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const eq = pair.indexOf("=");
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  }

  async json<T>(pathname: string, init: { json?: unknown } = {}, expectedStatus = 200): Promise<T> {
    const response = await this.request(pathname, init);
    const text = await response.text();
    expect(response.status, `${pathname}: ${text}`).toBe(expectedStatus);
    return JSON.parse(text) as T;
  }
}

describe("first run on a fresh clone", () => {
  it(
    "npm run dev comes up clean; sign up → Pro checkout → pay 4242 → Pro → portal over HTTP; SIGTERM leaves nothing",
    async () => {
      const [appPort, emulatorPort] = [await freePort(), await freePort()];
      const run = dev({ PORT: String(appPort), STRIPE_EMULATOR_PORT: String(emulatorPort) });
      await waitUntilUp(run, appPort, emulatorPort);

      // 127.0.0.1, not the printed localhost: both spellings must work in development.
      const visitor = new Visitor(`http://127.0.0.1:${appPort}`);
      // Where the money path starts (each page more is a compile more: the test stays bounded).
      for (const page of ["/pricing", "/favicon.ico"]) {
        expect((await visitor.request(page)).status, page).toBe(200);
      }

      const email = `first-run-${Date.now()}@example.com`;
      const password = "first-run-password-1";
      await visitor.json("/api/account", { json: { email, password } }, 201);
      const { csrfToken } = await visitor.json<{ csrfToken: string }>("/api/auth/csrf");
      const signIn = await visitor.request("/api/auth/callback/credentials", { form: { csrfToken, email, password, json: "true" } });
      expect([200, 302]).toContain(signIn.status);
      expect((await visitor.json<{ user: { email: string } }>("/api/me")).user.email).toBe(email);

      const checkout = await visitor.json<{ url: string }>("/api/billing/checkout", { json: { plan: "pro", interval: "month" } });
      const sessionId = /\/checkout\/(cs_[^/?#]+)/.exec(checkout.url)?.[1];
      expect(sessionId, checkout.url).toBeTruthy();
      expect((await fetch(checkout.url)).status).toBe(200); // the hosted Checkout page
      // Stripe sends the payer back to the host they used, where their session cookie lives.
      const session = await emulatorStripeClient(`http://127.0.0.1:${emulatorPort}`).checkout.sessions.retrieve(sessionId as string);
      expect(session.success_url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${appPort}/billing/success`));

      const paid = await fetch(`http://127.0.0.1:${emulatorPort}/_emulator/checkout/sessions/${sessionId}/complete`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ card: "4242424242424242" }),
      });
      expect(paid.status, await paid.clone().text()).toBe(200);
      // The plan changes only once the emulator's signed webhook has been processed by the app.
      await expect
        .poll(async () => (await visitor.json<{ plan: { id: string }; status: string }>("/api/billing/subscription")).plan.id, {
          timeout: 60_000,
          interval: 500,
        })
        .toBe("pro");
      expect((await visitor.json<{ status: string }>("/api/billing/subscription")).status).toBe("trialing");

      const portal = await visitor.json<{ url: string }>("/api/billing/portal", { json: {} });
      const portalPage = await fetch(portal.url);
      expect(portalPage.status).toBe(200);
      expect(await portalPage.text()).toContain("Pro");

      await expectHydratesOnBothLoopbackNames(appPort);

      // The first compiles happen in the background, announced, then a ready line with the URL.
      await expect
        .poll(() => run.output(), { timeout: 180_000, interval: 1_000, message: "the first pages were never compiled" })
        .toMatch(/✓ ready: http:\/\/localhost:\d+ \(first pages compiled in \d+ s\)/);
      expect(run.output()).toMatch(/compiling the first pages \(\/pricing, \/, .*\) in the background/);
      // The app's pino lines are pretty-printed in the dev terminal, never raw JSON.
      expect(run.output()).toMatch(/INFO: webhook processed/);
      expect(jsonLogLines(run.output())).toEqual([]);
      expect(problemLines(run.output()), run.output()).toEqual([]);

      run.child.kill("SIGTERM"); // npm alone, as `kill <pid>` would: it forwards to its shell only
      await expectStopsCompletely(run, [appPort, emulatorPort]);
    },
    STARTUP_MS + 180_000,
  );

  it("when the emulator cannot start, npm run dev stops at once, non-zero, with one line saying what to do", async () => {
    const [appPort, emulatorPort] = [await freePort(), await freePort()];
    const blocker = (await import("node:net")).createServer().listen(emulatorPort, "127.0.0.1");
    try {
      const run = dev({ PORT: String(appPort), STRIPE_EMULATOR_PORT: String(emulatorPort) });
      expect(await run.exited).toBe(1);
      const lines = run.output().trim().split("\n");
      expect(lines.at(-1)).toMatch(
        new RegExp(`^✖ npm run dev stopped: the Stripe emulator could not start on port ${emulatorPort} .*STRIPE_EMULATOR_PORT=`),
      );
      await expectStopsCompletely(run, [appPort]);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it("when next dev fails, the emulator stops too and npm run dev exits non-zero saying so", async () => {
    const [appPort, emulatorPort] = [await freePort(), await freePort()];
    writeFileSync(path.join(dir, "next.config.ts"), 'throw new Error("a broken next.config.ts, on purpose");\n');
    const run = dev({ PORT: String(appPort), STRIPE_EMULATOR_PORT: String(emulatorPort) });
    expect(await run.exited).toBe(1);
    expect(run.output().trim().split("\n").at(-1)).toMatch(
      /^✖ npm run dev stopped: next dev exited with code [1-9]\d*\. Its output above says why/,
    );
    await expectStopsCompletely(run, [appPort, emulatorPort]);
  }, 120_000);
});
