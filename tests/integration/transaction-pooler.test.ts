import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseOptionsFromEnv, openDatabase, selectRows, type DatabaseHandle } from "@/db/client";
import { POOLED_DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";

/**
 * What a transaction pooler (PgBouncer in transaction mode, Supavisor, Neon's pooler) does to a
 * client: every transaction, and every statement outside one, may run on another server connection.
 * postgres.js prepares `begin`/`commit` as named statements unless the client is opened with
 * `prepare: false`; through the pooler the next COMMIT then runs on a server connection that never
 * saw it, fails, aborts the transaction, and postgres.js's retry of the COMMIT ends it as a
 * ROLLBACK that reports success. That is how webhook events were answered 200 and left `received`.
 */
describe.runIf(POOLED_DATABASE_KINDS.includes("pgbouncer"))("through PgBouncer in transaction mode", () => {
  let database: TestDatabase;
  let app: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase("pgbouncer");
    // Exactly as an instance configured with DATABASE_POOLER=transaction opens it, with a small pool
    // so transactions and statements share and pipeline on client connections.
    app = await openDatabase({ ...databaseOptionsFromEnv({ DATABASE_URL: database.url, DATABASE_POOLER: "transaction" }), max: 3 });
    await app.db.execute(sql`create table pooler_probe (id int primary key, note text not null)`);
  });
  afterAll(async () => {
    await app?.close();
    await database?.destroy();
  });

  it("every committed transaction is there afterwards, however transactions interleave", async () => {
    const ids = Array.from({ length: 120 }, (_, i) => i + 1);
    await Promise.all(
      ids.map((id) =>
        id % 3 === 0
          ? selectRows(app.db, sql`insert into pooler_probe (id, note) values (${id}, 'autocommit')`)
          : app.db.transaction(async (tx) => {
              await tx.execute(sql`insert into pooler_probe (id, note) values (${id}, 'in a transaction')`);
              await tx.execute(sql`update pooler_probe set note = note || ', updated' where id = ${id}`);
            }),
      ),
    );
    const rows = await selectRows<{ id: number; note: string }>(database.db, sql`select id, note from pooler_probe order by id`);
    expect(rows.map((r) => r.id)).toEqual(ids);
    expect(rows.filter((r) => r.note === "in a transaction, updated")).toHaveLength(80);
  });

  it("a rolled-back transaction leaves nothing and the next ones still commit", async () => {
    await expect(
      app.db.transaction(async (tx) => {
        await tx.execute(sql`insert into pooler_probe (id, note) values (1000, 'rolled back')`);
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    for (let i = 0; i < 10; i += 1) {
      await app.db.transaction(async (tx) => tx.execute(sql`insert into pooler_probe (id, note) values (${2000 + i}, 'after')`));
    }
    const [{ n }] = await selectRows<{ n: number }>(database.db, sql`select count(*)::int as n from pooler_probe where id >= 1000`);
    expect(n).toBe(10);
  });

  it("the instance's pooled connections hold no prepared statement and no session lock", async () => {
    const [{ prepared }] = await selectRows<{ prepared: number }>(
      app.db,
      sql`select count(*)::int as prepared from pg_prepared_statements`,
    );
    expect(prepared).toBe(0);
    const locks = await selectRows(
      database.db,
      sql`select 1 from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`,
    );
    expect(locks).toEqual([]);
  });
});
