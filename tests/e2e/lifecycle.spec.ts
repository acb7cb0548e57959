import postgres from "postgres";
import { createScratchDatabase } from "../../scripts/lib/scratch-database";
import { DEFAULT_WEBHOOK_SECRET } from "../../stripe-emulator/config";
import { EMULATOR_URL, TEST_PASSWORD, expect, test, uniqueClientIp, uniqueEmail } from "./helpers";
import { startSecondApp } from "./second-app";

/**
 * A `next start` instance's lifecycle as a balancer sees it: while start-up waits on another
 * instance's migration lock, /api/health answers 503 "starting" at once (never hangs) and 200 once
 * migrated.
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
        first = await timedGet(`${app.url}/api/health`, 3_000).then((r) => r.status, () => 0);
        if (first === 0) await sleep(250);
      }
      expect(first, "health answered while start-up waits on the migration lock").toBe(503);

      for (let i = 0; i < 5; i += 1) {
        const health = await timedGet(`${app.url}/api/health`);
        expect(health.status).toBe(503);
        expect(health.body).toMatchObject({ ok: false, database: { status: "starting", migrations: "pending" } });
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
