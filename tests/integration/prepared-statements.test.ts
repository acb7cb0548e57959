import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, selectRows, setAppDatabase, type DatabaseHandle } from "@/db/client";
import { users } from "@/db/schema";
import { consume } from "@/lib/billing/metering";
import { createScratchDatabase } from "@/scripts/lib/scratch-database";

/**
 * The hot statements are prepared once per connection, unless DATABASE_PREPARE=false (a transaction
 * pooler cannot keep prepared statements). One connection, so the session we ask is the one that ran them.
 */
describe.runIf(process.env.DATABASE_URL)("prepared statements on Postgres", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let database: DatabaseHandle;
  let user: string;
  const prepared = async () =>
    // postgres.js names prepared statements itself: find the consume statement by its text.
    (await selectRows<{ name: string }>(database.db, sql`select name from pg_prepared_statements where statement like '%insert into usage_counters as c%'`)).length;

  beforeAll(async () => {
    scratch = await createScratchDatabase(process.env.DATABASE_URL as string, "prepare");
    database = await openDatabase({ url: scratch.url, max: 1 });
    await database.migrate();
    setAppDatabase(database);
    [{ id: user }] = await database.db.insert(users).values({ email: `prepare-${randomBytes(4).toString("hex")}@example.com` }).returning();
  });
  afterEach(() => {
    delete process.env.DATABASE_PREPARE;
  });
  afterAll(async () => {
    await database.close();
    await scratch.drop();
  });

  it("DATABASE_PREPARE=false runs consume unprepared, and it still counts", async () => {
    process.env.DATABASE_PREPARE = "false";
    expect(await consume(user, "api_calls", 2, { idempotencyKey: "unprepared" })).toMatchObject({ allowed: true, used: 2 });
    expect(await prepared()).toBe(0);
  });

  it("by default consume is prepared on the connection", async () => {
    expect(await consume(user, "api_calls", 3, { idempotencyKey: "prepared" })).toMatchObject({ allowed: true, used: 5 });
    expect(await prepared()).toBe(1);
  });
});
