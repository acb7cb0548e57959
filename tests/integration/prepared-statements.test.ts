import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseOptionsFromEnv, openDatabase, selectRows, setAppDatabase, type DatabaseHandle } from "@/db/client";
import { users } from "@/db/schema";
import { consume } from "@/lib/billing/metering";
import { createScratchDatabase } from "@/scripts/lib/scratch-database";

/**
 * The hot statements are prepared once per connection, unless the database is opened with
 * `prepare: false` (DATABASE_POOLER=transaction or DATABASE_PREPARE=false: a transaction pooler
 * cannot keep prepared statements). One connection, so the session we ask is the one that ran them.
 */
describe.runIf(process.env.DATABASE_URL)("prepared statements on Postgres", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let database: DatabaseHandle;
  let user: string;
  const prepared = async () =>
    // postgres.js names prepared statements itself: find the consume statement by its text.
    (
      await selectRows<{ name: string }>(
        database.db,
        sql`select name from pg_prepared_statements where statement like '%insert into usage_counters as c%'`,
      )
    ).length;

  beforeAll(async () => {
    scratch = await createScratchDatabase(process.env.DATABASE_URL as string, "prepare");
    database = await openDatabase({ url: scratch.url, max: 1 });
    await database.migrate();
    setAppDatabase(database);
    [{ id: user }] = await database.db
      .insert(users)
      .values({ email: `prepare-${randomBytes(4).toString("hex")}@example.com` })
      .returning();
  });
  afterAll(async () => {
    await database.close();
    await scratch.drop();
  });

  it.each([{ DATABASE_POOLER: "transaction" }, { DATABASE_PREPARE: "false" }])(
    "%o runs consume unprepared, and it still counts",
    async (env) => {
      const options = databaseOptionsFromEnv({ DATABASE_URL: scratch.url, ...env });
      expect(options.prepare).toBe(false);
      const unprepared = await openDatabase({ ...options, max: 1 });
      try {
        setAppDatabase(unprepared);
        const [{ id: fresh }] = await unprepared.db
          .insert(users)
          .values({ email: `unprepared-${randomBytes(4).toString("hex")}@example.com` })
          .returning();
        expect(await consume(fresh, "api_calls", 2, { idempotencyKey: "unprepared" })).toMatchObject({ allowed: true, used: 2 });
        expect(await consume(fresh, "api_calls", 2, { idempotencyKey: "unprepared" })).toMatchObject({ allowed: true, used: 2 });
        expect(await selectRows(unprepared.db, sql`select name from pg_prepared_statements`)).toEqual([]);
      } finally {
        setAppDatabase(database);
        await unprepared.close();
      }
    },
  );

  it("by default consume is prepared on the connection", async () => {
    expect(databaseOptionsFromEnv({ DATABASE_URL: scratch.url }).prepare).toBe(true);
    expect(await consume(user, "api_calls", 3, { idempotencyKey: "prepared" })).toMatchObject({ allowed: true, used: 3 });
    expect(await prepared()).toBe(1);
  });
});
