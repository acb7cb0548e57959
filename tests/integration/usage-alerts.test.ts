import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, like } from "drizzle-orm";
import { GET as alertsRoute, POST as dismissRoute } from "@/app/api/billing/usage-alerts/route";
import { accounts, memberships, notifications, usageAlerts } from "@/db/schema";
import { consume, consumeBatch } from "@/lib/billing/metering";
import { activeUsageAlerts, recordUsageAlerts } from "@/lib/billing/metering/alerts";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startMeteringDb } from "../helpers/metering";
import { requestAs } from "../helpers/session";

type Json = Record<string, unknown>;

describe.each(POOLED_DATABASE_KINDS)("usage alerts on %s", (kind) => {
  let env: Awaited<ReturnType<typeof startMeteringDb>>;
  beforeAll(async () => {
    env = await startMeteringDb(kind);
    process.env.APP_URL = "http://app.test";
  });
  afterAll(() => env.stop());

  const alertRows = (accountId: string) =>
    env.db.select().from(usageAlerts).where(eq(usageAlerts.accountId, accountId)).orderBy(usageAlerts.threshold);
  const emails = (accountId: string) =>
    env.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.accountId, accountId), eq(notifications.kind, "usage_threshold")))
      .orderBy(notifications.subject);

  it("200 parallel consumes crossing 80 % and 100 %: each threshold recorded and emailed exactly once", async () => {
    const user = await env.createUser(); // Free: 1,000 API calls
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => consume(user, "api_calls", 5, { idempotencyKey: `c${i}` })));
    expect(results.every((r) => r.allowed)).toBe(true);
    const rows = await alertRows(user);
    expect(rows.map((r) => [r.meter, r.threshold, r.limit])).toEqual([
      ["api_calls", 80, 1_000],
      ["api_calls", 100, 1_000],
    ]);
    expect(rows[0].used).toBeGreaterThanOrEqual(800);
    expect(rows[0].used).toBeLessThan(805);
    expect(rows[1].used).toBe(1_000);
    expect(rows.every((r) => r.windowEnd.toISOString() === results[0].resetsAt)).toBe(true);
    const mail = await emails(user);
    expect(mail.map((m) => m.subject)).toEqual([
      "API calls: 80% of this period's limit is used",
      "API calls: this period's limit is reached",
    ]);
    expect(mail[1].body).toContain("Further use is refused until the period resets.");
    expect(mail[0].body).toContain("Upgrade: http://app.test/pricing");

    // Another instance recording the same crossing (or a replayed call) records nothing more.
    const crossing = results.find((r) => r.used === 1_000)!;
    expect(await recordUsageAlerts(user, crossing, 5)).toEqual([]);
    expect(await recordUsageAlerts(user, { ...crossing, duplicate: true }, 5)).toEqual([]);
    // Refused calls at the wall and retries of recorded keys add nothing either.
    expect((await consume(user, "api_calls", 1)).allowed).toBe(false);
    expect((await consume(user, "api_calls", 5, { idempotencyKey: "c0" })).duplicate).toBe(true);
    expect(await alertRows(user)).toHaveLength(2);
    expect(await emails(user)).toHaveLength(2);
  });

  it("a batch that crosses a threshold records it once, at the event that crossed it", async () => {
    const user = await env.createUser(); // Free: 5 jobs → marks at 4 (80 %) and 5 (100 %)
    const events = [1, 1, 1, 1].map((quantity, i) => ({ meter: "jobs" as const, quantity, idempotencyKey: `b${i}` }));
    await consumeBatch(user, events);
    expect((await alertRows(user)).map((r) => [r.threshold, r.used])).toEqual([[80, 4]]);
    await consumeBatch(user, events); // replayed: nothing new
    expect(await alertRows(user)).toHaveLength(1);
    await consume(user, "jobs", 1);
    expect((await alertRows(user)).map((r) => r.threshold)).toEqual([80, 100]);
  });

  it("the banner read: owners and admins see each meter's highest threshold, members nothing; dismissing hides it for that window", async () => {
    const owner = await env.createUser();
    const admin = await env.createUser();
    const member = await env.createUser();
    const [org] = await env.db
      .insert(accounts)
      .values({ kind: "organization", name: `Alerts ${Date.now()}` })
      .returning();
    await env.db.insert(memberships).values([
      { accountId: org.id, userId: owner, role: "owner" },
      { accountId: org.id, userId: admin, role: "admin" },
      { accountId: org.id, userId: member, role: "member" },
    ]);
    const result = await consume(org.id, "jobs", 4);
    expect(await activeUsageAlerts(env.db, owner)).toEqual([
      {
        accountId: org.id,
        accountName: org.name,
        accountKind: "organization",
        meter: "jobs",
        window: "period",
        label: "Jobs",
        threshold: 80,
        used: 4,
        limit: 5,
        resetsAt: result.resetsAt,
      },
    ]);
    await consume(org.id, "jobs", 1);
    expect((await activeUsageAlerts(env.db, admin)).map((a) => a.threshold)).toEqual([100]);
    expect(await activeUsageAlerts(env.db, member)).toEqual([]);
    // The window has ended: nothing to show.
    expect(await activeUsageAlerts(env.db, owner, new Date(Date.parse(result.resetsAt) + 1))).toEqual([]);

    const call = async (userId: string, body?: Json) => {
      const res = body
        ? await dismissRoute((await requestAs(userId, "/api/billing/usage-alerts", { method: "POST", body })) as never)
        : await alertsRoute((await requestAs(userId, "/api/billing/usage-alerts")) as never);
      return { status: res.status, body: (await res.json()) as Json };
    };
    expect((await call(owner)).body.alerts).toHaveLength(1);
    expect(await call(member, { accountId: org.id, meter: "jobs", resetsAt: result.resetsAt })).toMatchObject({ status: 403 });
    expect(await call(owner, { accountId: org.id, meter: "nope", resetsAt: result.resetsAt })).toMatchObject({
      status: 400,
      body: { field: "meter" },
    });
    expect((await call(admin)).body.alerts).toHaveLength(1);
    expect(await call(admin, { accountId: org.id, meter: "jobs", resetsAt: result.resetsAt })).toEqual({
      status: 200,
      body: { dismissed: 2 },
    });
    expect((await call(owner)).body.alerts).toEqual([]);
    expect(
      await env.db
        .select()
        .from(usageAlerts)
        .where(like(usageAlerts.meter, "jobs"))
        .then((rows) => rows.filter((r) => r.accountId === org.id).length),
    ).toBe(2);
  });

  it("an upgrade retires the warnings of the state it left: a new period and limit show nothing until crossed anew", async () => {
    const user = await env.createUser();
    await consume(user, "jobs", 5);
    expect((await activeUsageAlerts(env.db, user)).map((a) => a.threshold)).toEqual([100]);
    const start = new Date();
    await env.subscribe(user, { planId: "pro", currentPeriodStart: start, currentPeriodEnd: new Date(start.getTime() + 30 * 86_400_000) });
    expect(await activeUsageAlerts(env.db, user)).toEqual([]);
    await consume(user, "jobs", 400); // Pro: 500 jobs → 80 % at 400
    expect(await activeUsageAlerts(env.db, user)).toMatchObject([{ meter: "jobs", threshold: 80, limit: 500 }]);
  });
});
