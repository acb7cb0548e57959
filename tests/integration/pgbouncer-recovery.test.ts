import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgbouncerAvailable, startPgBouncer, type PgBouncer } from "@/scripts/lib/pgbouncer";
import { startPrivatePostgres, type PrivatePostgres } from "@/scripts/lib/private-postgres";

/**
 * The cluster's PgBouncer (scripts/lib/pgbouncer.ts, also docker/pgbouncer.ini) in front of a
 * Postgres that restarts: queries through it work again within a couple of seconds of Postgres being
 * back. With PgBouncer's default server_login_retry (15 s) the failed logins during the outage kept
 * every query failing for ~13 s after Postgres was back, and the app's /api/health at 503.
 */
describe.runIf(Boolean(process.env.DATABASE_URL) && pgbouncerAvailable())("PgBouncer after a Postgres restart", () => {
  let pg: PrivatePostgres;
  let bouncer: PgBouncer;
  let sql: postgres.Sql;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    bouncer = await startPgBouncer(pg.url, { poolSize: 5 });
    sql = postgres(bouncer.url(pg.url), { prepare: false, fetch_types: false, max: 2, connect_timeout: 2, onnotice: () => {} });
  }, 60_000);
  afterAll(async () => {
    await sql?.end({ timeout: 1 }).catch(() => {});
    await bouncer?.stop();
    pg?.destroy();
  });

  it("answers again within 3 s of Postgres being back", async () => {
    expect((await sql`select 1 as one`)[0].one).toBe(1);
    pg.stop();
    // A query during the outage: PgBouncer queues it and tries to log in to the server, which fails.
    const during = sql`select 1 as one`.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1_500));
    pg.start();
    const back = Date.now();
    const answered = await Promise.race([
      (async () => {
        for (;;) {
          const ok = await sql`select 1 as one`.then(
            (rows) => rows[0].one === 1,
            () => false,
          );
          if (ok) return Date.now() - back;
          await new Promise((r) => setTimeout(r, 100));
        }
      })(),
      new Promise<number>((r) => setTimeout(() => r(Infinity), 20_000)),
    ]);
    expect(answered, "ms until a query through PgBouncer answered again").toBeLessThan(3_000);
    await during;
  }, 60_000);
});
