import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerLimitOverrides, subscriptions } from "@/db/schema";
import { isAppError } from "@/lib/errors";
import { check, consume, consumeBatch, finalize, getQuota, refund, release, reserve } from "@/lib/billing/metering";
import { priorEventsSql } from "@/lib/billing/metering/batch";
import { entitlementCacheStats } from "@/lib/billing/metering/context";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startMeteringDb } from "../helpers/metering";

const NOW = new Date("2027-03-10T12:00:00Z");

interface PlanNode {
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  Plans?: PlanNode[];
}
const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe.each(POOLED_DATABASE_KINDS)("metering domain on %s", (kind) => {
  let env: Awaited<ReturnType<typeof startMeteringDb>>;
  beforeAll(async () => {
    env = await startMeteringDb(kind);
  });
  afterAll(() => env.stop());

  it("200 parallel consumes against a limit of 50: exactly 50 allowed and the counter ends at the limit", async () => {
    const user = await env.createUser();
    // Free: 1,000 API calls; 20 per call makes room for exactly 50 calls.
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => consume(user, "api_calls", 20, { idempotencyKey: `p-${i}`, now: NOW })),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
    expect(results.filter((r) => !r.allowed).every((r) => r.remaining === 0 && r.limit === 1_000)).toBe(true);
    const [counter] = await env.counterRows(user, "api_calls");
    expect(counter.used).toBe(1_000);
    expect(await env.events(user, "api_calls")).toHaveLength(50);
    // Every allowed answer saw a distinct counter value: 20, 40, …, 1000.
    expect(
      results
        .filter((r) => r.allowed)
        .map((r) => r.used)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 50 }, (_, i) => (i + 1) * 20));
  });

  it("a limit that is exactly reached is allowed; one more unit is refused and nothing is recorded", async () => {
    const user = await env.createUser();
    expect(await consume(user, "jobs", 5, { now: NOW })).toMatchObject({ allowed: true, used: 5, limit: 5, remaining: 0 });
    const refused = await consume(user, "jobs", 1, { idempotencyKey: "over", now: NOW });
    expect(refused).toMatchObject({
      allowed: false,
      used: 5,
      limit: 5,
      remaining: 0,
      resetsAt: "2027-04-01T00:00:00.000Z",
      plan: { id: "free" },
    });
    expect(await env.events(user, "jobs")).toHaveLength(1);
  });

  it("the same idempotency key twice counts once and answers the first result, also when raced", async () => {
    const user = await env.createUser();
    const first = await consume(user, "api_calls", 7, { idempotencyKey: "k1", now: NOW });
    await consume(user, "api_calls", 1, { idempotencyKey: "k2", now: NOW });
    const again = await consume(user, "api_calls", 7, { idempotencyKey: "k1", now: NOW });
    expect(first).toMatchObject({ allowed: true, used: 7, remaining: 993 });
    expect(again).toMatchObject({ allowed: true, used: 7, remaining: 993, duplicate: true });
    const raced = await Promise.all(Array.from({ length: 20 }, () => consume(user, "api_calls", 3, { idempotencyKey: "k3", now: NOW })));
    expect(new Set(raced.map((r) => r.used)).size).toBe(1);
    const [counter] = await env.counterRows(user, "api_calls");
    expect(counter.used).toBe(11);
    expect(await env.events(user, "api_calls")).toHaveLength(3);
    // Reusing a key for something else is a conflict, not a silent replay.
    await expect(consume(user, "api_calls", 8, { idempotencyKey: "k1", now: NOW })).rejects.toSatisfy((e) => isAppError(e, "conflict"));
  });

  it("a batch with a duplicate key inside counts it once; a retried batch answers the same per-event results", async () => {
    const user = await env.createUser();
    const events = [
      { meter: "jobs" as const, quantity: 2, idempotencyKey: "b1" },
      { meter: "jobs" as const, quantity: 2, idempotencyKey: "b1" },
      { meter: "api_calls" as const, quantity: 10, idempotencyKey: "b2" },
      { meter: "jobs" as const, quantity: 2, idempotencyKey: "b3" },
      { meter: "jobs" as const, quantity: 1, idempotencyKey: "b4" },
      { meter: "jobs" as const, quantity: 1, idempotencyKey: "b5" },
    ];
    const first = await consumeBatch(user, events, { now: NOW });
    expect(first.map((r) => [r.idempotencyKey, r.allowed, r.used, r.error ?? null])).toEqual([
      ["b1", true, 2, null],
      ["b1", true, 2, null],
      ["b2", true, 10, null],
      ["b3", true, 4, null],
      ["b4", true, 5, null],
      ["b5", false, 5, "quota_exceeded"],
    ]);
    const strip = (rs: typeof first) => rs.map(({ duplicate: _d, ...rest }) => rest);
    const retried = await consumeBatch(user, events, { now: NOW });
    expect(strip(retried)).toEqual(strip(first));
    expect((await env.counterRows(user, "jobs"))[0].used).toBe(5);
    expect(await env.events(user, "jobs")).toHaveLength(3);
    // A single consume sees the batch's counter.
    expect(await check(user, "jobs", 1, { now: NOW })).toMatchObject({ allowed: false, used: 5 });
  });

  it("refund gives quota back and never goes below zero", async () => {
    const user = await env.createUser();
    await consume(user, "jobs", 3, { now: NOW });
    expect(await refund(user, "jobs", 2, { now: NOW })).toMatchObject({ used: 1, remaining: 4 });
    expect(await refund(user, "jobs", 10, { now: NOW })).toMatchObject({ used: 0, remaining: 5 });
    expect(await refund(user, "jobs", 1, { now: NOW })).toMatchObject({ used: 0 });
    const refunds = (await env.events(user, "jobs")).filter((e) => e.quantity < 0).map((e) => e.quantity);
    expect(refunds.sort()).toEqual([-1, -2]);
    // An idempotent refund counts once.
    await consume(user, "jobs", 4, { now: NOW });
    await refund(user, "jobs", 1, { idempotencyKey: "r1", now: NOW });
    await refund(user, "jobs", 1, { idempotencyKey: "r1", now: NOW });
    expect((await env.counterRows(user, "jobs"))[0].used).toBe(3);
  });

  it("reserve holds quota, finalize charges the real cost, release and expiry give it back", async () => {
    const user = await env.createUser();
    const r1 = await reserve(user, "tokens", 30_000, { now: NOW, ttlSeconds: 60 });
    expect(r1).toMatchObject({ allowed: true, used: 0, remaining: 20_000 });
    // Free has 50,000 tokens: a second reservation of 30,000 does not fit while the first is held.
    expect(await reserve(user, "tokens", 30_000, { now: NOW })).toMatchObject({ allowed: false, reservationId: null });
    expect(await consume(user, "tokens", 25_000, { now: NOW })).toMatchObject({ allowed: false });

    const done = await finalize(user, r1.reservationId!, 12_345, { now: later(30) });
    expect(done).toMatchObject({ allowed: true, used: 12_345, charged: 12_345, remaining: 50_000 - 12_345 });
    // Finalizing twice answers the first settlement and charges nothing more.
    expect(await finalize(user, r1.reservationId!, 12_345, { now: later(31) })).toMatchObject({
      duplicate: true,
      charged: 12_345,
      used: 12_345,
    });

    const r2 = await reserve(user, "tokens", 10_000, { now: NOW });
    expect(await release(user, r2.reservationId!, { now: NOW })).toEqual({ released: 10_000 });
    expect((await env.counterRows(user, "tokens"))[0]).toMatchObject({ used: 12_345, reserved: 0 });

    // An unfinalized reservation expires and gives its quota back without any job.
    const r3 = await reserve(user, "tokens", 37_000, { now: NOW, ttlSeconds: 60 });
    expect(r3.allowed).toBe(true);
    expect(await consume(user, "tokens", 1_000, { now: later(59) })).toMatchObject({ allowed: false });
    expect((await check(user, "tokens", 1_000, { now: later(61) })).allowed).toBe(true);
    expect(await consume(user, "tokens", 1_000, { now: later(61) })).toMatchObject({ allowed: true, used: 13_345 });
    expect((await env.counterRows(user, "tokens"))[0].reserved).toBe(0);
    await expect(finalize(user, r3.reservationId!, 5, { now: later(62) })).rejects.toSatisfy((e) => isAppError(e, "conflict"));
  });

  it("finalize charges past the reservation only what still fits under the limit", async () => {
    const user = await env.createUser();
    await consume(user, "tokens", 45_000, { now: NOW });
    const r = await reserve(user, "tokens", 2_000, { now: NOW });
    const done = await finalize(user, r.reservationId!, 9_000, { now: NOW });
    expect(done).toMatchObject({ charged: 5_000, used: 50_000, remaining: 0 });
  });

  it("free usage counts per UTC calendar month: a new month starts at zero", async () => {
    const user = await env.createUser();
    const lastSecond = new Date("2027-03-31T23:59:59Z");
    expect(await consume(user, "jobs", 5, { now: lastSecond })).toMatchObject({ allowed: true, resetsAt: "2027-04-01T00:00:00.000Z" });
    expect((await consume(user, "jobs", 1, { now: lastSecond })).allowed).toBe(false);
    expect(await consume(user, "jobs", 1, { now: new Date("2027-04-01T00:00:00Z") })).toMatchObject({
      allowed: true,
      used: 1,
      resetsAt: "2027-05-01T00:00:00.000Z",
    });
  });

  it("a plan change mid-period applies the new limit to the usage so far; a past-due plan keeps it through the grace period", async () => {
    const user = await env.createUser();
    const period = { currentPeriodStart: new Date("2027-03-01T00:00:00Z"), currentPeriodEnd: new Date("2027-04-01T00:00:00Z") };
    const sub = await env.subscribe(user, { planId: "pro", ...period });
    expect(await consume(user, "jobs", 400, { now: NOW })).toMatchObject({ allowed: true, used: 400, limit: 500 });
    // Downgrade to free mid-period: 400 used is already above 5.
    await env.db.update(subscriptions).set({ planId: "free", status: "active" }).where(eq(subscriptions.id, sub.id));
    expect(await consume(user, "jobs", 1, { now: NOW })).toMatchObject({ allowed: false, used: 400, limit: 5, remaining: 0 });
    // Upgrade to scale: the same 400 count against 10,000.
    await env.db.update(subscriptions).set({ planId: "scale" }).where(eq(subscriptions.id, sub.id));
    expect(await consume(user, "jobs", 100, { now: NOW })).toMatchObject({ allowed: true, used: 500, limit: 10_000 });
    // Past due since yesterday: still Scale for 3 days, then Free (and its calendar month).
    await env.db
      .update(subscriptions)
      .set({ status: "past_due", pastDueSince: later(-86_400) })
      .where(eq(subscriptions.id, sub.id));
    expect(await consume(user, "jobs", 1, { now: NOW })).toMatchObject({ allowed: true, limit: 10_000, plan: { id: "scale" } });
    expect(await consume(user, "jobs", 1, { now: later(3 * 86_400) })).toMatchObject({ limit: 5, plan: { id: "free" } });
  });

  it("a plan change applies on the very next call even though the entitlement is cached", async () => {
    const user = await env.createUser();
    expect(await consume(user, "jobs", 1)).toMatchObject({ allowed: true, limit: 5 });
    expect(await consume(user, "jobs", 1)).toMatchObject({ allowed: true, limit: 5, used: 2 });
    const day = 86_400_000;
    const sub = await env.subscribe(user, {
      planId: "scale",
      currentPeriodStart: new Date(Date.now() - day),
      currentPeriodEnd: new Date(Date.now() + 20 * day),
    });
    expect(await consume(user, "jobs", 10)).toMatchObject({ allowed: true, limit: 10_000, used: 10, plan: { id: "scale" } });
    await env.db.update(subscriptions).set({ planId: "pro" }).where(eq(subscriptions.id, sub.id));
    expect(await consume(user, "jobs", 491)).toMatchObject({ allowed: false, limit: 500, used: 10 });
    await env.db.update(subscriptions).set({ status: "canceled" }).where(eq(subscriptions.id, sub.id));
    expect(await consume(user, "jobs", 1)).toMatchObject({ allowed: true, limit: 5, used: 3, plan: { id: "free" } });
  });

  it("an admin's limit override made elsewhere applies on the very next call though the entitlement is cached", async () => {
    const user = await env.createUser();
    expect(await consume(user, "jobs", 1)).toMatchObject({ allowed: true, limit: 5, used: 1 });
    // Written straight to the database, as another instance of the app would (this process's cache
    // is not told): set, raised, removed.
    const stale = entitlementCacheStats().stale;
    await env.db.insert(customerLimitOverrides).values({ accountId: user, meter: "jobs", limit: 2 });
    expect(await consume(user, "jobs", 1)).toMatchObject({ allowed: true, limit: 2, used: 2 });
    expect(await consume(user, "jobs", 1)).toMatchObject({ allowed: false, limit: 2, used: 2 });
    await env.db
      .update(customerLimitOverrides)
      .set({ limit: 3, updatedAt: sql`now()` })
      .where(and(eq(customerLimitOverrides.accountId, user), eq(customerLimitOverrides.meter, "jobs")));
    expect(await consume(user, "jobs", 1)).toMatchObject({ allowed: true, limit: 3, used: 3 });
    // An override on another meter counts too: the entitlement is rebuilt, jobs back to its plan limit once removed.
    await env.db.insert(customerLimitOverrides).values({ accountId: user, meter: "api_calls", limit: null });
    expect(await consume(user, "api_calls", 1)).toMatchObject({ allowed: true, limit: null });
    await env.db
      .delete(customerLimitOverrides)
      .where(and(eq(customerLimitOverrides.accountId, user), eq(customerLimitOverrides.meter, "jobs")));
    expect(await consume(user, "jobs", 2)).toMatchObject({ allowed: true, limit: 5, used: 5 });
    expect(entitlementCacheStats().stale - stale).toBe(4);
  });

  it("a cached entitlement makes each later consume one statement, though Postgres stores updated_at to the microsecond", async () => {
    const user = await env.createUser();
    const day = 86_400_000;
    // Written by the database's now() (microseconds), like every Stripe sync writes it.
    await env.subscribe(user, {
      planId: "pro",
      currentPeriodStart: new Date(Date.now() - day),
      currentPeriodEnd: new Date(Date.now() + 20 * day),
    });
    await consume(user, "api_calls", 1);
    const before = entitlementCacheStats();
    for (let i = 0; i < 5; i += 1)
      expect(await consume(user, "api_calls", 1)).toMatchObject({ allowed: true, used: i + 2, plan: { id: "pro" } });
    const after = entitlementCacheStats();
    expect(after.hits - before.hits).toBe(5);
    expect(after.loads - before.loads).toBe(0);
    expect(after.stale - before.stale).toBe(0);
  });

  it("a batch looks up its keys by the (user, key) index even when statistics predate the user's events", async () => {
    const user = await env.createUser();
    // Statistics taken while the user had no events, then 20,000 of them: the planner believes the
    // user has about one event.
    await env.db.execute(sql`analyze usage_event_keys`);
    await env.db.execute(sql`
      insert into usage_events (account_id, meter, quantity, idempotency_key, period_start, period_end)
      select ${user}::uuid, 'api_calls', 1, 'old-' || i, now(), now() + interval '1 month' from generate_series(1, 20000) as i`);
    const keys = Array.from({ length: 1_000 }, (_, i) => `new-${i}`);
    const result = await env.db.execute(sql`explain (format json) ${priorEventsSql(user, keys)}`);
    const rows = (Array.isArray(result) ? result : (result as unknown as { rows: unknown[] }).rows) as Array<{
      "QUERY PLAN": Array<{ Plan: PlanNode }>;
    }>;
    const scans = planNodes(rows[0]["QUERY PLAN"][0].Plan).filter((n) =>
      ["usage_events", "usage_event_keys"].includes(n["Relation Name"] as string),
    );
    // Every key is one probe on both columns, never a scan of the user's events filtered by key.
    expect(scans).toHaveLength(1);
    expect(scans[0]["Relation Name"]).toBe("usage_event_keys");
    expect(scans[0]["Index Name"]).toBe("usage_event_keys_pkey");
    expect(scans[0]["Index Cond"]).toMatch(/account_id = .*idempotency_key = k\.key/);
    const results = await consumeBatch(
      user,
      [...keys.slice(0, 3), "old-7"].map((k) => ({ meter: "api_calls", quantity: 1, idempotencyKey: k })),
      { now: NOW },
    );
    expect(results.map((r) => Boolean(r.duplicate))).toEqual([false, false, false, true]);
  });

  it("bill meters allow past the included amount on a subscription and mark the excess billable", async () => {
    const user = await env.createUser();
    await env.subscribe(user, {
      planId: "pro",
      currentPeriodStart: new Date("2027-03-01T00:00:00Z"),
      currentPeriodEnd: new Date("2027-04-01T00:00:00Z"),
    });
    await consume(user, "tokens", 1_999_000, { now: NOW });
    expect(await consume(user, "tokens", 3_000, { now: NOW })).toMatchObject({
      allowed: true,
      used: 2_002_000,
      limit: 2_000_000,
      remaining: 0,
    });
    const billable = (await env.events(user, "tokens")).map((e) => e.billableQuantity).sort((a, b) => a - b);
    expect(billable).toEqual([0, 2_000]);
    expect((await getQuota(user, NOW)).meters.tokens).toMatchObject({ used: 2_002_000, overage: "bill" });
    // Block meters on the same plan still block.
    expect((await consume(user, "jobs", 501, { now: NOW })).allowed).toBe(false);
  });

  it("rejects quantities that are not positive whole numbers", async () => {
    const user = await env.createUser();
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      await expect(consume(user, "jobs", bad, { now: NOW })).rejects.toSatisfy((e) => isAppError(e, "bad_request"));
    }
    expect(await env.counterRows(user, "jobs")).toHaveLength(0);
  });
});

describe("when the database cannot be reached", () => {
  it("fails closed: 503 database_unavailable, nothing allowed", async () => {
    const { openDatabase, setAppDatabase } = await import("@/db/client");
    // Nothing listens on port 9 (discard) on loopback: connections are refused at once.
    const unreachable = await openDatabase({ url: "postgres://postgres@127.0.0.1:9/none", max: 1 });
    setAppDatabase(unreachable);
    try {
      await expect(consume("00000000-0000-4000-8000-000000000000", "api_calls", 1)).rejects.toSatisfy((e) =>
        isAppError(e, "database_unavailable"),
      );
      await expect(check("00000000-0000-4000-8000-000000000000", "jobs")).rejects.toSatisfy((e) => isAppError(e, "database_unavailable"));
    } finally {
      await unreachable.close();
    }
  });
});
