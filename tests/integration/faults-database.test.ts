import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as healthRoute } from "@/app/api/health/route";
import { GET as meRoute } from "@/app/api/me/route";
import { GET as subscriptionRoute } from "@/app/api/billing/subscription/route";
import { openDatabase, setAppDatabase, type DatabaseHandle } from "@/db/client";
import { users } from "@/db/schema";
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
    const [user] = await handle.db.insert(users).values({ email: `fault-${Date.now()}@example.com`, name: "Fault" }).returning();
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
