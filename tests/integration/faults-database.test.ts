import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as healthRoute } from "@/app/api/health/route";
import { GET as meRoute } from "@/app/api/me/route";
import { GET as subscriptionRoute } from "@/app/api/billing/subscription/route";
import { openDatabase, setAppDatabase, type DatabaseHandle } from "@/db/client";
import { users } from "@/db/schema";
import { consumeRateLimit, RATE_LIMIT_POLICIES } from "@/lib/http/rate-limit";
import { startPrivatePostgres, type PrivatePostgres } from "@/scripts/lib/private-postgres";
import { requestAs } from "../helpers/session";

/**
 * The database stopped and frozen under a running app: APIs answer 503 database_unavailable within
 * seconds, /api/health within 2 s, and everything recovers by itself. A private server of this
 * test's own is stopped and frozen (never the shared one). Runs where the Postgres tests run.
 */
describe.runIf(Boolean(process.env.DATABASE_URL))("a database outage on Postgres", () => {
  let pg: PrivatePostgres;
  let handle: DatabaseHandle;
  let userId: string;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    handle = await openDatabase({ url: pg.url, max: 5, timeouts: { connectMs: 1_000, statementMs: 1_000, idleInTransactionMs: 2_000 } });
    await handle.migrate();
    setAppDatabase(handle);
    const [user] = await handle.db
      .insert(users)
      .values({ email: `fault-${Date.now()}@example.com`, name: "Fault" })
      .returning();
    userId = user.id;
  }, 60_000);
  afterAll(async () => {
    await handle?.close().catch(() => {});
    pg?.destroy();
  });

  async function timed(call: () => Promise<Response>) {
    const started = performance.now();
    const response = await call();
    const body = (await response.json()) as Record<string, unknown>;
    return { status: response.status, body, ms: performance.now() - started };
  }
  const me = () => timed(async () => meRoute(await requestAs(userId, "/api/me")));
  const subscription = () => timed(async () => subscriptionRoute(await requestAs(userId, "/api/billing/subscription")));
  const health = () => timed(() => healthRoute(new Request("http://localhost/api/health")));

  async function eventuallyOk(call: () => Promise<{ status: number }>, withinMs: number) {
    const until = Date.now() + withinMs;
    let last = 0;
    while (Date.now() < until) {
      last = (await call()).status;
      if (last === 200) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`still ${last} after ${withinMs} ms`);
  }

  /** APIs: 503 database_unavailable within seconds; health: 503 within 2 s. */
  async function expectOutageAnswers() {
    const [a, b, h] = await Promise.all([me(), subscription(), health()]);
    for (const r of [a, b]) {
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ error: "database_unavailable" });
      expect(r.ms).toBeLessThan(4_000);
    }
    expect(h.status).toBe(503);
    expect(h.body).toMatchObject({ ok: false, database: { status: "down" } });
    expect(h.ms).toBeLessThan(2_000);
  }

  /** Back to 200 by itself: no restart, no manual step. */
  async function expectRecovery() {
    await eventuallyOk(me, 15_000);
    await eventuallyOk(subscription, 15_000);
    expect((await health()).status).toBe(200);
  }

  it("answers normally while the database is up", async () => {
    expect((await me()).status).toBe(200);
    expect((await subscription()).status).toBe(200);
    const h = await health();
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ ok: true, database: { status: "ok", kind: "postgres", migrations: "applied" } });
  });

  it("frozen: 503 database_unavailable within seconds, health within 2 s, then recovers by itself", async () => {
    pg.freeze();
    try {
      await expectOutageAnswers();
    } finally {
      pg.thaw();
    }
    await expectRecovery();
  }, 60_000);

  it("frozen under a Postgres rate-limit store: the limiter answers from memory at once and still limits", async () => {
    // The limiter's own handle, with the database's usual (long) timeouts: the store must not wait on them.
    const slow = await openDatabase({
      url: pg.url,
      max: 2,
      timeouts: { connectMs: 15_000, statementMs: 15_000, idleInTransactionMs: 20_000 },
    });
    const saved = { limits: process.env.RATE_LIMITS, store: process.env.RATE_LIMIT_STORE };
    const resetLimiters = () => ((globalThis as { __rateLimiters?: unknown }).__rateLimiters = undefined);
    setAppDatabase(slow);
    resetLimiters();
    delete process.env.RATE_LIMITS;
    process.env.RATE_LIMIT_STORE = "postgres";
    try {
      await consumeRateLimit("checkout", "ip", "198.51.100.7"); // the store works: one row in rate_limits
      pg.freeze();
      try {
        const { points } = RATE_LIMIT_POLICIES.checkout.ip;
        const started = performance.now();
        const first = await consumeRateLimit("checkout", "ip", "198.51.100.8").then(
          () => "allowed",
          (e: unknown) => e,
        );
        const firstMs = performance.now() - started;
        expect(first).toBe("allowed");
        expect(firstMs).toBeLessThan(2_000);
        // Then at once (no wait per request), and the budget still holds, counted in memory.
        const outcomes: string[] = [];
        for (let i = 1; i <= points; i += 1) {
          outcomes.push(
            await consumeRateLimit("checkout", "ip", "198.51.100.8").then(
              () => "allowed",
              (e: unknown) => (e as { code?: string }).code ?? String(e),
            ),
          );
        }
        expect(performance.now() - started).toBeLessThan(2_000);
        expect(outcomes.filter((o) => o === "allowed")).toHaveLength(points - 1);
        expect(outcomes.at(-1)).toBe("rate_limited");
      } finally {
        pg.thaw();
      }
    } finally {
      process.env.RATE_LIMITS = saved.limits;
      if (saved.store === undefined) delete process.env.RATE_LIMIT_STORE;
      else process.env.RATE_LIMIT_STORE = saved.store;
      resetLimiters();
      setAppDatabase(handle);
      await slow.close().catch(() => {});
    }
  }, 60_000);

  it("stopped: 503 database_unavailable within seconds, then recovers when it is back", async () => {
    pg.stop();
    try {
      await expectOutageAnswers();
    } finally {
      pg.start();
    }
    await expectRecovery();
  }, 60_000);
});
