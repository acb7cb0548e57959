import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeAppDatabase, databasePreparing, getDb } from "@/db/client";
import { prepareDatabase } from "@/lib/database/prepare";
import { checkHealth } from "@/lib/health";
import { createScratchDatabase, type ScratchDatabase } from "@/scripts/lib/scratch-database";

/** db/client.ts: the transaction-scoped advisory lock start-up migrations take. */
const MIGRATION_LOCK_ID = 727_274_001;

/** Postgres directly, and through PgBouncer in transaction mode when the run started one. */
const pgbouncerPort = inject("pgbouncerPort");
const KINDS = pgbouncerPort ? ["postgres", "pgbouncer"] : ["postgres"];

/**
 * Start-up while another instance holds the migration lock (the app's own database, opened from
 * the environment as a server opens it): start-up stops waiting after its bound, health answers
 * "starting" at once, a query answers the 503 error after its deadline, and all of it becomes
 * healthy by itself once the lock is released. tests/e2e/lifecycle.spec.ts does the same with
 * `next start`.
 */
describe.runIf(process.env.DATABASE_URL).each(KINDS)("start-up behind another instance's migration lock (%s)", (kind) => {
  let scratch: ScratchDatabase;
  let holder: ReturnType<typeof postgres>;
  let release = () => {};
  let holding: Promise<unknown>;
  const saved = { ...process.env };

  beforeAll(async () => {
    scratch = await createScratchDatabase(process.env.DATABASE_URL as string, "startup");
    holder = postgres(scratch.url, { max: 1, onnotice: () => {} });
    const released = new Promise<void>((resolve) => (release = resolve));
    let lockTaken = () => {};
    const locked = new Promise<void>((resolve) => (lockTaken = resolve));
    holding = holder.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`;
      lockTaken();
      await released;
    });
    await locked;
    const appUrl = new URL(scratch.url);
    if (kind === "pgbouncer") appUrl.port = String(pgbouncerPort);
    Object.assign(process.env, {
      DATABASE_URL: appUrl.toString(),
      ...(kind === "pgbouncer" ? { DATABASE_POOLER: "transaction" } : {}),
      DATABASE_CONNECT_TIMEOUT_MS: "1000",
      DATABASE_STATEMENT_TIMEOUT_MS: "1000",
      SEED_DEMO_ACCOUNTS: "false",
    });
  });
  afterAll(async () => {
    release();
    await closeAppDatabase().catch(() => {});
    process.env = saved;
    await holder?.end({ timeout: 5 });
    await scratch?.drop();
  });

  it("start-up waits only its bound, health says starting at once, queries 503 after their deadline, then all is healthy", async () => {
    let started = Date.now();
    await prepareDatabase(500);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(databasePreparing()).toBe(true);

    for (let i = 0; i < 3; i += 1) {
      started = Date.now();
      const report = await checkHealth();
      expect(Date.now() - started).toBeLessThan(200);
      expect(report).toMatchObject({ ok: false, instance: "running", database: { status: "starting", migrations: "pending" } });
    }

    // connect + statement timeout + the client's margin: 3 s, then the error a frozen query gets.
    started = Date.now();
    await expect(getDb()).rejects.toMatchObject({ code: "QUERY_DEADLINE" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
    expect(Date.now() - started).toBeLessThan(4_500);

    release();
    await holding;
    await expect.poll(async () => (await checkHealth()).ok, { timeout: 15_000 }).toBe(true);
    expect(await checkHealth()).toMatchObject({ database: { status: "ok", kind: "postgres", migrations: "applied" } });
    expect(databasePreparing()).toBe(false);
    expect(await getDb()).toBeDefined();
  });
});
