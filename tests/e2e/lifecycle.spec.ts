import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import Stripe from "stripe";
import { createStripeClient } from "../../lib/stripe/client";
import { createScratchDatabase } from "../../scripts/lib/scratch-database";
import { waitForExit } from "../../scripts/lib/spawn-next";
import { DEFAULT_WEBHOOK_SECRET } from "stripe-emulator";
import { EMULATOR_URL, TEST_PASSWORD, expect, test, uniqueClientIp, uniqueEmail } from "./helpers";
import { startSecondApp } from "./second-app";

/**
 * A `next start` instance's lifecycle as a balancer sees it: while start-up waits on another
 * instance's migration lock, /api/health answers 503 "starting" at once (never hangs) and 200 once
 * migrated; on SIGTERM it answers 503 "draining" at once, finishes the requests in flight (an API
 * call, a webhook and a page, each waiting on a slow Stripe), refuses new connections after its
 * grace period, and exits 0.
 */
test.describe.configure({ mode: "serial" });

/** db/client.ts: the transaction-scoped advisory lock start-up migrations take. */
const MIGRATION_LOCK_ID = 727_274_001;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One GET with a deadline of its own: a hung server is a failed assertion, not a hung test. */
async function timedGet(url: string, timeoutMs = 5_000): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const started = Date.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: Date.now() - started };
}

async function emulatorConfig(settings: Record<string, unknown>) {
  const res = await fetch(`${EMULATOR_URL}/_emulator/config`, { method: "POST", body: JSON.stringify(settings) });
  expect(res.ok).toBeTruthy();
}

/** A sign-up (it needs the database from its first step, the shared rate limit). */
const signUpRequest = (url: string) =>
  fetch(`${url}/api/account`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url, "x-forwarded-for": uniqueClientIp() },
    body: JSON.stringify({ email: uniqueEmail("startup"), password: TEST_PASSWORD }),
    signal: AbortSignal.timeout(15_000),
  });

// Holding the migration lock needs Postgres: runs where the Postgres tests run (DATABASE_URL set).
if (process.env.DATABASE_URL) {
  test("start-up waiting on another instance's migration lock: health answers 503 starting at once, then 200 once migrated", async () => {
    test.setTimeout(150_000);
    const scratch = await createScratchDatabase(process.env.DATABASE_URL!, "e2e_startup");
    const holder = postgres(scratch.url, { max: 1, onnotice: () => {} });
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let lockTaken = () => {};
    const locked = new Promise<void>((resolve) => (lockTaken = resolve));
    // Another instance migrating: the lock held in an open transaction.
    const holding = holder.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`;
      lockTaken();
      await released;
    });
    await locked;
    const app = await startSecondApp(
      {
        DATABASE_URL: scratch.url,
        DATABASE_STARTUP_WAIT_MS: "1000",
        DATABASE_CONNECT_TIMEOUT_MS: "1000",
        DATABASE_STATEMENT_TIMEOUT_MS: "1000",
        STRIPE_EMULATOR_URL: EMULATOR_URL,
        STRIPE_WEBHOOK_SECRET: DEFAULT_WEBHOOK_SECRET,
      },
      { untilHealthy: false },
    );
    try {
      // The first answer comes once next start is up, DATABASE_STARTUP_WAIT_MS at most after it
      // began migrating. Before: register() awaited the migration, so health never answered.
      let first = 0;
      const until = Date.now() + 60_000;
      while (first === 0 && Date.now() < until) {
        first = await timedGet(`${app.url}/api/health`, 3_000).then(
          (r) => r.status,
          () => 0,
        );
        if (first === 0) await sleep(250);
      }
      expect(first, "health answered while start-up waits on the migration lock").toBe(503);

      for (let i = 0; i < 5; i += 1) {
        const health = await timedGet(`${app.url}/api/health`);
        expect(health.status).toBe(503);
        expect(health.body).toMatchObject({ ok: false, instance: "running", database: { status: "starting", migrations: "pending" } });
        expect(health.ms).toBeLessThan(2_000);
        await sleep(300);
      }

      // A request that needs the database waits for it as for a connection, then answers 503.
      const started = Date.now();
      const refused = await signUpRequest(app.url);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: "database_unavailable" });
      expect(Date.now() - started).toBeLessThan(6_000);

      // The other instance commits: this one migrates and becomes healthy by itself.
      release();
      await holding;
      await expect
        .poll(async () => (await timedGet(`${app.url}/api/health`).catch(() => ({ status: 0 }))).status, { timeout: 30_000 })
        .toBe(200);
      const health = await timedGet(`${app.url}/api/health`);
      expect(health.body).toMatchObject({ ok: true, database: { status: "ok", kind: "postgres", migrations: "applied" } });
      expect((await signUpRequest(app.url)).status).toBe(201);
    } finally {
      release();
      app.stop();
      await holder.end({ timeout: 5 }).catch(() => {});
      await scratch.drop();
    }
  });
}

/** A GET on a connection of its own: its status, or the connection error's code (ECONNREFUSED). */
function freshConnection(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 3_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

test("SIGTERM: health answers 503 draining at once, the requests in flight complete, new connections are refused, exit 0", async () => {
  test.setTimeout(150_000);
  const dir = mkdtempSync(path.join(tmpdir(), "billing-e2e-shutdown-"));
  const app = await startSecondApp({
    PGLITE_DIR: path.join(dir, "pglite"),
    STRIPE_EMULATOR_URL: EMULATOR_URL,
    STRIPE_WEBHOOK_SECRET: DEFAULT_WEBHOOK_SECRET,
    STRIPE_TIMEOUT_MS: "15000",
    SHUTDOWN_GRACE_MS: "1500",
    SHUTDOWN_DEADLINE_MS: "10000",
  });
  const exited = waitForExit(app.child).then((code) => ({ code, at: Date.now() }));
  try {
    // A webhook whose processing reads the customer back from Stripe (customer.updated).
    const customer = await createStripeClient({ STRIPE_EMULATOR_URL: EMULATOR_URL }).customers.create({ email: uniqueEmail("shutdown") });
    const payload = JSON.stringify({
      id: `evt_e2e_shutdown_${Date.now().toString(36)}`,
      object: "event",
      type: "customer.updated",
      api_version: "2025-01-27.acacia",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: customer },
    });
    const signature = new Stripe("sk_test_signing_only").webhooks.generateTestHeaderString({ payload, secret: DEFAULT_WEBHOOK_SECRET });
    // A slow Stripe: each call takes 4 s (the catalog's price lookup is the first on this instance, uncached).
    await emulatorConfig({ latencyMs: 4_000 });
    let sigterm = 0;
    try {
      const inFlight = timedGet(`${app.url}/api/billing/plans`, 20_000).then((r) => ({ ...r, at: Date.now() }));
      const webhookInFlight = fetch(`${app.url}/api/billing/webhook`, {
        method: "POST",
        body: payload,
        headers: { "stripe-signature": signature, "content-type": "application/json" },
        signal: AbortSignal.timeout(20_000),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
      // A page in flight too: requests are counted at the HTTP server, pages as well as the API.
      const pageInFlight = fetch(`${app.url}/pricing`, { signal: AbortSignal.timeout(20_000) }).then(async (r) => ({
        status: r.status,
        html: await r.text(),
      }));
      await sleep(500); // their Stripe calls are under way
      sigterm = Date.now();
      app.child.kill("SIGTERM");

      // At once: a health check that raced the signal into the process may still say 200; the next
      // ones, well within a balancer's check interval, say 503.
      let health = await timedGet(`${app.url}/api/health`);
      while (health.status === 200 && Date.now() - sigterm < 500) health = await timedGet(`${app.url}/api/health`);
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ ok: false, instance: "draining" });
      expect(Date.now() - sigterm).toBeLessThan(1_000);

      // After the 1.5 s grace period, with the slow request still in flight: no new connection.
      await sleep(Math.max(0, sigterm + 2_200 - Date.now()));
      const fresh = await freshConnection(`${app.url}/api/health`);
      expect([503, "ECONNREFUSED"]).toContain(fresh);

      const done = await inFlight;
      expect(done.at - sigterm, "the request was still in flight when the listener closed").toBeGreaterThan(1_500);
      expect(done.status).toBe(200);
      // It finished its Stripe call: the prices Stripe has are offered.
      const plans = done.body.plans as Array<{ prices: Record<string, { available: boolean }> | null }>;
      expect(plans.some((p) => p.prices && Object.values(p.prices).some((price) => price.available))).toBe(true);
      // The webhook was processed before it was answered: nothing left half-done.
      const webhook = await webhookInFlight;
      expect(webhook.status).toBe(200);
      expect(webhook.body).toMatchObject({ received: true, status: "processed" });
      const page = await pageInFlight;
      expect(page.status).toBe(200);
      expect(page.html).toContain(`data-testid="plan-price-pro"`);
    } finally {
      await emulatorConfig({ latencyMs: 0 });
    }
    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at - sigterm).toBeLessThan(10_000);
  } finally {
    app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
