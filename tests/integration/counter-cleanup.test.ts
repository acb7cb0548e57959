import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectRows, setAppDatabase } from "@/db/client";
import { anonymousUsage, rateLimits } from "@/db/schema";
import { cleanUpExpiredCounters, runDeliveryJob } from "@/lib/jobs";
import { POOLED_DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";

const HOUR = 3_600_000;

describe.each(POOLED_DATABASE_KINDS)("expired counters are cleaned up on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    setAppDatabase(database);
  });
  afterAll(() => database.destroy());

  const keys = async () =>
    (await selectRows<{ key: string }>(database.db, sql`select key from rate_limits order by key`)).map((r) => r.key);
  const subjects = async () =>
    (await selectRows<{ subject: string }>(database.db, sql`select subject from anonymous_usage order by subject`)).map((r) => r.subject);

  it("the delivery job deletes expired rate-limit windows and past months' anonymous usage, and keeps live ones", async () => {
    const now = Date.now();
    const thisMonth = new Date(Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1));
    const lastMonth = new Date(Date.UTC(thisMonth.getUTCFullYear(), thisMonth.getUTCMonth() - 1, 1));
    await database.db.insert(rateLimits).values([
      { key: "sign-in:ip:expired", points: 3, expire: new Date(now - HOUR) },
      { key: "sign-in:ip:live", points: 3, expire: new Date(now + HOUR) },
      { key: "blocked:forever", points: 99, expire: null },
    ]);
    await database.db.insert(anonymousUsage).values([
      { subject: "ip:old", meter: "jobs", periodStart: lastMonth, used: 9 },
      { subject: "anon:old", meter: "jobs", periodStart: lastMonth, used: 3, claimedAt: lastMonth },
      { subject: "ip:current", meter: "jobs", periodStart: thisMonth, used: 2 },
      { subject: "anon:current", meter: "jobs", periodStart: thisMonth, used: 2 },
    ]);

    const report = await runDeliveryJob();
    expect(report.cleanup).toMatchObject({ rateLimits: 1, anonymousUsage: 2 });
    expect(await keys()).toEqual(["blocked:forever", "sign-in:ip:live"]);
    expect(await subjects()).toEqual(["anon:current", "ip:current"]);
    // Nothing left to do the second time.
    expect((await runDeliveryJob()).cleanup).toMatchObject({ rateLimits: 0, anonymousUsage: 0 });
  });

  it("several instances cleaning at once delete each expired row once, without errors", async () => {
    const past = new Date(Date.now() - HOUR);
    await database.db.insert(rateLimits).values(Array.from({ length: 300 }, (_, i) => ({ key: `burst:${i}`, points: 1, expire: past })));
    await database.db.insert(anonymousUsage).values(
      Array.from({ length: 200 }, (_, i) => ({
        subject: `anon:burst-${i}`,
        meter: "jobs",
        periodStart: new Date(Date.UTC(2020, 0, 1)),
        used: 1,
      })),
    );
    const reports = await Promise.all(Array.from({ length: 4 }, () => cleanUpExpiredCounters(database.db)));
    // A round may skip rows another instance holds; the next round takes whatever is left.
    const again = await cleanUpExpiredCounters(database.db);
    expect([...reports, again].reduce((sum, r) => sum + r.rateLimits, 0)).toBe(300);
    expect([...reports, again].reduce((sum, r) => sum + r.anonymousUsage, 0)).toBe(200);
    expect(await keys()).toEqual(["blocked:forever", "sign-in:ip:live"]);
    expect(await subjects()).toEqual(["anon:current", "ip:current"]);
  });
});
