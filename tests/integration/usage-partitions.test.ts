/**
 * Growth without slowdown (lib/billing/metering/storage.ts): usage_events partitioned by UTC month,
 * partitions created ahead by the job (safe when instances run it at once), old days rolled up into
 * usage_daily for the charts, raw events dropped past the retention only once reported to Stripe.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { selectRows, setAppDatabase } from "@/db/client";
import { consume, getUsageHistory } from "@/lib/billing/metering";
import {
  dropExpiredUsage,
  ensureUsagePartitions,
  listUsagePartitions,
  monthStart,
  partitionName,
  rollUpUsage,
} from "@/lib/billing/metering/storage";
import { pgErrorCode } from "@/lib/billing/metering/errors";
import { getUsageOverview } from "@/lib/billing/metering/overview";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startMeteringDb } from "../helpers/metering";

const DAY = 86_400_000;

describe.each(POOLED_DATABASE_KINDS)("usage_events partitions, rollup and retention on %s", (kind) => {
  let env: Awaited<ReturnType<typeof startMeteringDb>>;
  beforeAll(async () => {
    env = await startMeteringDb(kind);
    setAppDatabase(env.database);
  });
  afterAll(() => env.stop());
  // Each case starts from nothing rolled up (the rollup's watermark is one per database).
  beforeEach(async () => {
    await env.db.execute(sql`update usage_rollup_state set rolled_up_until = null`);
    await env.db.execute(sql`delete from usage_daily`);
  });

  type EventRow = { key: string; partition: string };
  async function insertEvent(
    account: string,
    createdAt: string | Date,
    values: { key?: string; quantity?: number; billable?: number; reported?: boolean } = {},
  ) {
    const at = typeof createdAt === "string" ? createdAt : createdAt.toISOString();
    await env.db.execute(sql`
      insert into usage_events (account_id, meter, quantity, idempotency_key, period_start, period_end, used_after, limit_at, billable_quantity, reported_at, created_at)
      values (${account}::uuid, 'api_calls', ${values.quantity ?? 1}, ${values.key ?? null}, ${at}::timestamptz, ${at}::timestamptz + interval '1 month',
        1, null, ${values.billable ?? 0}, ${values.reported ? at : null}::timestamptz, ${at}::timestamptz)`);
  }
  const events = (account: string) =>
    selectRows<EventRow>(
      env.db,
      sql`select idempotency_key as key, tableoid::regclass::text as partition from usage_events where account_id = ${account}::uuid order by created_at`,
    );
  const keys = async (account: string) =>
    (
      await selectRows<{ key: string }>(
        env.db,
        sql`select idempotency_key as key from usage_event_keys where account_id = ${account}::uuid order by 1`,
      )
    ).map((r) => r.key);

  it("an event on the last second of a month lands in that month's partition, and its key counts once across months", async () => {
    const account = await env.createUser();
    const next = monthStart(new Date(), 1);
    const lastMicrosecond = `${new Date(next.getTime() - 1000).toISOString().slice(0, 19)}.999999Z`;
    await insertEvent(account, lastMicrosecond, { key: "edge" });
    await insertEvent(account, next, { key: "next" });
    expect(await events(account)).toEqual([
      { key: "edge", partition: partitionName(monthStart(new Date())) },
      { key: "next", partition: partitionName(next) },
    ]);
    // The same key in the next month's partition: refused, as within one partition.
    const again = await insertEvent(account, new Date(next.getTime() + 1000), { key: "edge" }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(pgErrorCode(again)).toBe("23505");
    // A consume retried with it answers the first result and records nothing.
    expect(await consume(account, "api_calls", 1, { idempotencyKey: "edge" })).toMatchObject({ allowed: true, duplicate: true });
    expect(await events(account)).toHaveLength(2);
  });

  it("an event of a month without a partition lands in the default one; creating the partition moves it", async () => {
    const account = await env.createUser();
    const month = monthStart(new Date(), 6);
    await insertEvent(account, new Date(month.getTime() + 3 * DAY), { key: "ahead" });
    expect(await events(account)).toEqual([{ key: "ahead", partition: "usage_events_default" }]);
    expect(await ensureUsagePartitions(env.db, month, 0)).toEqual([partitionName(month)]);
    expect(await events(account)).toEqual([{ key: "ahead", partition: partitionName(month) }]);
    expect(await keys(account)).toEqual(["ahead"]);
    expect(await ensureUsagePartitions(env.db, month, 0)).toEqual([]);
  });

  it("the partition job run twice at once creates each partition once and moves each event once", async () => {
    const account = await env.createUser();
    const month = monthStart(new Date(), 12);
    for (let i = 0; i < 3; i += 1) await insertEvent(account, new Date(monthStart(month, i).getTime() + DAY), { key: `far-${i}` });
    const runs = await Promise.all([ensureUsagePartitions(env.db, month), ensureUsagePartitions(env.db, month)]);
    const expected = [0, 1, 2].map((i) => partitionName(monthStart(month, i)));
    expect(runs.flat().sort()).toEqual(expected);
    expect((await listUsagePartitions(env.db)).map((p) => p.name).filter((n) => expected.includes(n))).toEqual(expected);
    expect(await events(account)).toEqual(expected.map((partition, i) => ({ key: `far-${i}`, partition })));
  });

  it("retention drops raw events only once rolled up and reported to Stripe: whole partitions, else row by row", async () => {
    const account = await env.createUser();
    const now = new Date();
    const full = monthStart(now, -16);
    const mixed = monthStart(now, -15);
    expect(await ensureUsagePartitions(env.db, full, 1)).toEqual([partitionName(full), partitionName(mixed)]);
    const at = (month: Date, days: number) => new Date(month.getTime() + days * DAY);
    await insertEvent(account, at(full, 1), { key: "full-plain" });
    await insertEvent(account, at(full, 2), { key: "full-reported", billable: 1, reported: true });
    await insertEvent(account, at(mixed, 1), { key: "mixed-unreported", billable: 1 });
    await insertEvent(account, at(mixed, 2), { key: "mixed-reported", billable: 1, reported: true });
    await insertEvent(account, at(mixed, 3), { key: "mixed-plain" });
    await insertEvent(account, at(monthStart(now, -20), 4), { key: "old-default", billable: 1, reported: true });
    await insertEvent(account, at(monthStart(now, -2), 4), { key: "recent" });
    expect(await events(account)).toHaveLength(7);

    // Nothing is dropped before it is rolled up.
    expect(await dropExpiredUsage(env.db, now, 13)).toEqual({ partitionsDropped: [], eventsDropped: 0, keysDropped: 0 });
    expect(await events(account)).toHaveLength(7);

    // 20 months: more than one run's worth (at most 60 weeks a run), caught up over two.
    const firstRun = await rollUpUsage(env.db, now);
    expect(firstRun).toBe(420);
    expect(firstRun + (await rollUpUsage(env.db, now))).toBeGreaterThan(600);
    const [rolled] = await selectRows<{ quantity: number; events: number }>(
      env.db,
      sql`select sum(quantity)::int as quantity, sum(events)::int as events from usage_daily where account_id = ${account}::uuid`,
    );
    expect(rolled).toEqual({ quantity: 7, events: 7 });

    const first = await dropExpiredUsage(env.db, now, 13);
    expect(first.partitionsDropped).toEqual([partitionName(full)]);
    expect(await events(account)).toEqual([
      { key: "mixed-unreported", partition: partitionName(mixed) },
      { key: "recent", partition: "usage_events_default" },
    ]);
    expect(await keys(account)).toEqual(["mixed-unreported", "recent"]);

    // Reported now: its partition goes whole on the next run.
    await env.db.execute(
      sql`update usage_events set reported_at = now() where account_id = ${account}::uuid and idempotency_key = 'mixed-unreported'`,
    );
    expect((await dropExpiredUsage(env.db, now, 13)).partitionsDropped).toEqual([partitionName(mixed)]);
    expect(await events(account)).toEqual([{ key: "recent", partition: "usage_events_default" }]);
    expect(await keys(account)).toEqual(["recent"]);
    expect((await listUsagePartitions(env.db)).map((p) => p.name)).not.toContain(partitionName(mixed));
  });

  it("the billing page's charts (one query for every meter) equal each meter's own history, before and after a rollup", async () => {
    const account = await env.createUser(); // Free: the calendar month
    const now = new Date();
    await insertEvent(account, new Date(monthStart(now, 0).getTime() + 3_600_000), { quantity: 5 });
    expect((await consume(account, "api_calls", 3)).allowed).toBe(true);
    expect((await consume(account, "jobs", 2)).allowed).toBe(true);
    const compare = async () => {
      const overview = await getUsageOverview(account);
      for (const m of overview.meters) {
        const to = new Date(Math.min(Date.parse(m.resetsAt), Date.now() + 1));
        expect(m.history, m.id).toEqual((await getUsageHistory(account, m.id, new Date(m.periodStart), to)).points);
      }
      const total = (id: string) => overview.meters.find((m) => m.id === id)!.history.reduce((n, p) => n + p.quantity, 0);
      expect({ api_calls: total("api_calls"), jobs: total("jobs"), tokens: total("tokens") }).toEqual({ api_calls: 8, jobs: 2, tokens: 0 });
    };
    await compare();
    await rollUpUsage(env.db, now);
    await compare();
  });

  it("usage history is identical before and after a rollup, and after the rolled-up raw events are dropped", async () => {
    const account = await env.createUser();
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const day = (n: number, ms = 12 * 3_600_000) => new Date(today - n * DAY + ms);
    await insertEvent(account, day(45, 2 * 3_600_000), { quantity: 100 }); // before `from`, same day
    await insertEvent(account, day(45, 8 * 3_600_000), { quantity: 4 });
    await insertEvent(account, day(40), { quantity: 3 });
    await insertEvent(account, day(40, 13 * 3_600_000), { quantity: 5 });
    await insertEvent(account, day(40, 14 * 3_600_000), { quantity: -2 }); // a refund
    await insertEvent(account, day(33, DAY - 1), { quantity: 7 }); // the day's last millisecond
    await insertEvent(account, day(32, 0), { quantity: 11 }); // the next day's first
    await insertEvent(account, day(3), { quantity: 13 });
    await insertEvent(account, day(0, 0), { quantity: 17 }); // today: never rolled up yet
    // From mid-day: the first day is partial (the 100 before `from` is not in it, though its day is rolled up).
    const from = new Date(today - 45 * DAY + 6 * 3_600_000);
    const to = new Date(today + DAY);
    const history = async (start = from) => (await getUsageHistory(account, "api_calls", start, to)).points.filter((p) => p.quantity !== 0);
    const wholeDays = new Date(today - 45 * DAY);

    const before = await history();
    const date = (n: number) => new Date(today - n * DAY).toISOString().slice(0, 10);
    expect(before).toEqual([
      { date: date(45), quantity: 4 },
      { date: date(40), quantity: 6 },
      { date: date(33), quantity: 7 },
      { date: date(32), quantity: 11 },
      { date: date(3), quantity: 13 },
      { date: date(0), quantity: 17 },
    ]);
    const beforeWholeDays = await history(wholeDays);
    expect(beforeWholeDays[0]).toEqual({ date: date(45), quantity: 104 });

    expect(await rollUpUsage(env.db, now)).toBeGreaterThan(40);
    const [{ days }] = await selectRows<{ days: number }>(
      env.db,
      sql`select count(*)::int as days from usage_daily where account_id = ${account}::uuid`,
    );
    expect(days).toBe(5); // every day with events but today
    expect(await history()).toEqual(before);
    expect(await history(wholeDays)).toEqual(beforeWholeDays);
    // A second run changes nothing.
    expect(await rollUpUsage(env.db, now)).toBe(0);
    expect(await history()).toEqual(before);

    // The raw events of the months before this one dropped (a retention of 0 months): whole days
    // read the rollup alone. (A partial day past the retention has no raw events left to cut it.)
    await dropExpiredUsage(env.db, now, 0);
    const [{ raw }] = await selectRows<{ raw: number }>(
      env.db,
      sql`select count(*)::int as raw from usage_events where account_id = ${account}::uuid and created_at < ${new Date(today - 31 * DAY).toISOString()}::timestamptz`,
    );
    expect(raw).toBe(0);
    expect(await history(wholeDays)).toEqual(beforeWholeDays);
  });
});
