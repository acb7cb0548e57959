import { and, eq, like } from "drizzle-orm";
import type { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as adminSpendCapRoute } from "@/app/api/billing/admin/users/[id]/spend-cap/route";
import { GET as spendCapGet, POST as spendCapPost } from "@/app/api/billing/spend-cap/route";
import { POST as usageRoute } from "@/app/api/billing/usage/route";
import { auditLog, customerLimitOverrides, notifications, usageAlerts, users } from "@/db/schema";
import { consume, consumeBatch, finalize, getQuota, release, reserve } from "@/lib/billing/metering";
import { quotaExceeded } from "@/lib/billing/metering/quota-error";
import { activeUsageAlerts, dismissUsageAlerts } from "@/lib/billing/metering/alerts";
import { forgetEntitlement } from "@/lib/billing/metering/context";
import { entitlementsView } from "@/lib/billing/entitlement-read";
import { getEntitlement } from "@/lib/billing/entitlements";
import { DATABASE_KINDS } from "../helpers/db";
import { startMeteringDb } from "../helpers/metering";
import { requestAs } from "../helpers/session";

/** 2027-03-10: a period of a Pro subscription well inside March, so days and hours are the only boundaries crossed. */
const PERIOD = { currentPeriodStart: new Date("2027-03-01T09:15:00Z"), currentPeriodEnd: new Date("2027-04-01T09:15:00Z") };
const at = (iso: string) => new Date(iso);

type Handler = (request: NextRequest, context: { params: Promise<{ id: string }> }) => Promise<Response>;

describe.each(DATABASE_KINDS)("usage windows and spend caps on %s", (kind) => {
  let env: Awaited<ReturnType<typeof startMeteringDb>>;
  beforeAll(async () => {
    env = await startMeteringDb(kind);
    process.env.APP_URL = "http://app.test";
  });
  afterAll(() => env.stop());
  /** Parallel callers per round: 200, or 120 on PGlite (one in-process connection: they queue in JavaScript, not on a row lock). */
  const CALLERS = kind === "pglite" ? 120 : 200;

  /** A Pro account (API calls: 2,000 per UTC hour, 10,000 per UTC day) with its own owner membership, on the period above. */
  async function proAccount(periodLimit?: number): Promise<string> {
    const account = await env.createUser();
    await env.subscribe(account, { planId: "pro", ...PERIOD });
    if (periodLimit !== undefined)
      await env.db.insert(customerLimitOverrides).values({ accountId: account, meter: "api_calls", limit: periodLimit });
    forgetEntitlement(account);
    return account;
  }

  it("hour and day windows with a period limit, across midnight UTC, under 200 parallel callers: no window ever exceeded", async () => {
    const account = await proAccount(12_005);
    // 200 callers at once (120 on PGlite) in the last minute of March 10, then as many in the first of March 11: each hour admits exactly 2,000.
    const late = await Promise.all(
      Array.from({ length: CALLERS }, () => consume(account, "api_calls", 25, { now: at("2027-03-10T23:59:30Z") })),
    );
    const early = await Promise.all(
      Array.from({ length: CALLERS }, () => consume(account, "api_calls", 25, { now: at("2027-03-11T00:00:30Z") })),
    );
    const results = [...late, ...early];
    expect(late.filter((r) => r.allowed)).toHaveLength(80);
    expect(early.filter((r) => r.allowed)).toHaveLength(80);
    for (const r of results) {
      const hour = r.windows?.find((w) => w.window === "hour");
      expect(hour!.used).toBeLessThanOrEqual(2_000);
      if (!r.allowed) expect(r.refusedBy).toBe("hour");
    }
    const refused = late.find((r) => !r.allowed)!;
    expect(refused.windows?.slice(1)).toEqual([
      { window: "day", used: 2_000, limit: 10_000, remaining: 8_000, resetsAt: "2027-03-11T00:00:00.000Z" },
      { window: "hour", used: 2_000, limit: 2_000, remaining: 0, resetsAt: "2027-03-11T00:00:00.000Z" },
    ]);
    // The 402 names the window that refused, with its own resetsAt; the period's fields stay in `windows`.
    const error = quotaExceeded(refused);
    expect(error.code).toBe("quota_exceeded");
    expect(error.details).toMatchObject({ window: "hour", used: 2_000, limit: 2_000, resetsAt: "2027-03-11T00:00:00.000Z" });

    // Four more hours of March 11 (batches, which count in the windows too) fill its day (10,000); the fifth is refused by the day, until midnight.
    for (const hour of ["01", "02", "03", "04"]) {
      const events = Array.from({ length: 25 }, (_, i) => ({
        meter: "api_calls" as const,
        quantity: 100,
        idempotencyKey: `h${hour}-${i}`,
      }));
      const round = await consumeBatch(account, events, { now: at(`2027-03-11T${hour}:30:00Z`) });
      expect(round.filter((r) => r.allowed)).toHaveLength(20);
      // In the last round every window is full: the answer names the period, the one that resets last.
      expect(round[20]).toMatchObject({ allowed: false, error: "quota_exceeded", refusedBy: hour === "04" ? "period" : "hour" });
    }
    const dayFull = await consume(account, "api_calls", 1, { now: at("2027-03-11T05:30:00Z") });
    expect(dayFull).toMatchObject({ allowed: false, refusedBy: "day" });
    expect(quotaExceeded(dayFull).details).toMatchObject({
      window: "day",
      used: 10_000,
      limit: 10_000,
      resetsAt: "2027-03-12T00:00:00.000Z",
    });
    const quota = await getQuota(account, at("2027-03-11T05:30:00Z"));
    expect(quota.meters.api_calls).toMatchObject({ used: 12_000, limit: 12_005, remaining: 5, resetsAt: "2027-04-01T09:15:00.000Z" });
    expect(quota.meters.api_calls.windows.map((w) => [w.window, w.used, w.resetsAt])).toEqual([
      ["period", 12_000, "2027-04-01T09:15:00.000Z"],
      ["day", 10_000, "2027-03-12T00:00:00.000Z"],
      ["hour", 0, "2027-03-11T06:00:00.000Z"],
    ]);
    // A new day: the period limit is what is left (5 units), and it refuses as the period.
    expect(await consume(account, "api_calls", 6, { now: at("2027-03-12T00:10:00Z") })).toMatchObject({
      allowed: false,
      refusedBy: "period",
    });
    expect(await consume(account, "api_calls", 5, { now: at("2027-03-12T00:10:00Z") })).toMatchObject({
      allowed: true,
      used: 12_005,
      remaining: 0,
    });
    const [row] = await env.counterRows(account, "api_calls");
    expect({ used: row.used, day: row.dayUsed, hour: row.hourUsed }).toEqual({ used: 12_005, day: 5, hour: 5 });

    // Usage alerts fire per window, and the entitlements API lists every window.
    const other = await proAccount();
    const batch = await consumeBatch(
      other,
      Array.from({ length: 30 }, (_, i) => ({ meter: "api_calls" as const, quantity: 100, idempotencyKey: `w${i}` })),
      { now: at("2027-03-10T12:00:00Z") },
    );
    expect(batch.filter((r) => r.allowed)).toHaveLength(20);
    const view = entitlementsView(other, await getEntitlement(env.db, other, at("2027-03-10T12:00:00Z")), at("2027-03-10T12:00:00Z"));
    expect(view.limits.api_calls.windows).toEqual([
      { window: "period", limit: 50_000, resetsAt: "2027-04-01T09:15:00.000Z" },
      { window: "day", limit: 10_000, resetsAt: "2027-03-11T00:00:00.000Z" },
      { window: "hour", limit: 2_000, resetsAt: "2027-03-10T13:00:00.000Z" },
    ]);
    // Usage alerts fire per window: the hour's 80 % and 100 % are their own, once each.
    const alerts = await env.db
      .select()
      .from(usageAlerts)
      .where(and(eq(usageAlerts.accountId, other), like(usageAlerts.meter, "api_calls%")));
    expect(alerts.map((a) => [a.meter, a.threshold]).sort()).toEqual([
      ["api_calls:hour", 100],
      ["api_calls:hour", 80],
    ]);
    // The banner shows the hour's highest threshold until the hour ends; a dismissal names the window.
    const noon = at("2027-03-10T12:00:00Z");
    expect(await activeUsageAlerts(env.db, other, noon)).toEqual([
      {
        accountId: other,
        accountName: expect.any(String),
        accountKind: "personal",
        meter: "api_calls",
        window: "hour",
        label: "API calls",
        threshold: 100,
        used: 2_000,
        limit: 2_000,
        resetsAt: "2027-03-10T13:00:00.000Z",
      },
    ]);
    expect(await activeUsageAlerts(env.db, other, at("2027-03-10T13:00:00Z"))).toEqual([]);
    expect(await dismissUsageAlerts(env.db, other, "api_calls", "period", at("2027-03-10T13:00:00Z"), noon)).toBe(0);
    expect(await dismissUsageAlerts(env.db, other, "api_calls", "hour", at("2027-03-10T13:00:00Z"), noon)).toBe(2);
    expect(await activeUsageAlerts(env.db, other, noon)).toEqual([]);
  });

  it("reservations hold the day and hour: parallel reserves never pass a window; finalize, release and expiry give back only the window they were made in", async () => {
    const account = await proAccount();
    const now = at("2027-03-10T15:10:00Z");
    const counter = async () => {
      const [row] = await env.counterRows(account, "api_calls");
      return { used: row.used, reserved: row.reserved, day: row.dayUsed, hour: row.hourUsed, hourStart: row.hourStart?.toISOString() };
    };
    // 200 reservations of 25 at once (120 on PGlite): the hour (2,000) admits exactly 80 of them.
    const held = await Promise.all(Array.from({ length: CALLERS }, () => reserve(account, "api_calls", 25, { now, ttlSeconds: 3_600 })));
    const admitted = held.filter((r) => r.allowed);
    expect(admitted).toHaveLength(80);
    const refused = held.find((r) => !r.allowed)!;
    expect(refused).toMatchObject({ reservationId: null, refusedBy: "hour" });
    expect(quotaExceeded(refused).details).toMatchObject({
      window: "hour",
      used: 2_000,
      limit: 2_000,
      resetsAt: "2027-03-10T16:00:00.000Z",
    });
    // What the reservations hold, consume cannot take.
    expect(await consume(account, "api_calls", 1, { now })).toMatchObject({ allowed: false, refusedBy: "hour" });
    expect(await counter()).toMatchObject({ used: 0, reserved: 2_000, day: 2_000, hour: 2_000 });

    const [a, b, c, d] = admitted.map((r) => r.reservationId!);
    // Settled below the hold: the rest goes back to the windows. Released: all of it.
    expect(await finalize(account, a, 10, { now })).toMatchObject({ allowed: true, charged: 10 });
    expect(await release(account, b, { now })).toEqual({ released: 25 });
    expect(await counter()).toMatchObject({ used: 10, reserved: 1_950, day: 1_960, hour: 1_960 });
    // Past the hold, only what the hour still has room for (40 free + its own 25).
    expect(await finalize(account, c, 100, { now })).toMatchObject({ allowed: true, charged: 65 });
    expect(await counter()).toMatchObject({ used: 75, reserved: 1_925, day: 2_000, hour: 2_000 });
    // Settled in the next hour: the ended hour keeps its hold, the new hour counts the charge, the day trades hold for charge.
    const next = at("2027-03-10T16:05:00Z");
    expect(await finalize(account, d, 30, { now: next })).toMatchObject({ allowed: true, charged: 30 });
    expect(await counter()).toMatchObject({ used: 105, reserved: 1_900, day: 2_005, hour: 30, hourStart: "2027-03-10T16:00:00.000Z" });
    // The other 76 expire at 16:10. A refused call sweeps them: the day (still theirs) gets their 1,900 back; the new hour had none of it.
    expect(await consume(account, "api_calls", 1_980, { now: at("2027-03-10T16:15:00Z") })).toMatchObject({
      allowed: false,
      refusedBy: "hour",
    });
    expect(await counter()).toMatchObject({ used: 105, reserved: 0, day: 105, hour: 30 });

    // Expiry inside the hour gives the hour back: a held hour refuses, a minute later it is free again.
    const other = await proAccount();
    const t0 = at("2027-03-10T18:10:00Z");
    expect(await reserve(other, "api_calls", 2_000, { now: t0, ttlSeconds: 60 })).toMatchObject({ allowed: true });
    expect(await reserve(other, "api_calls", 1, { now: t0 })).toMatchObject({ allowed: false, refusedBy: "hour" });
    // The quota read counts a live hold in the hour, and no longer an expired one (before any sweep).
    const hourOf = async (when: Date) => (await getQuota(other, when)).meters.api_calls.windows.find((w) => w.window === "hour");
    expect(await hourOf(t0)).toMatchObject({ used: 2_000, remaining: 0 });
    expect(await hourOf(at("2027-03-10T18:11:01Z"))).toMatchObject({ used: 0, remaining: 2_000 });
    expect(await consume(other, "api_calls", 1_500, { now: at("2027-03-10T18:11:01Z") })).toMatchObject({ allowed: true, used: 1_500 });
    const [row] = await env.counterRows(other, "api_calls");
    expect({ reserved: row.reserved, day: row.dayUsed, hour: row.hourUsed }).toEqual({ reserved: 0, day: 1_500, hour: 1_500 });
  });

  /** Pro on Stripe bills tokens past 2,000,000 at 0.002 cents each: 500 tokens cost one cent. */
  async function billedAccount(capCents: number): Promise<{ account: string; owner: string }> {
    const account = await proAccount(); // a person's own account: they own it
    const res = await spendCapPost(
      await requestAs(account, "/api/billing/spend-cap", { method: "POST", body: { accountId: account, capCents } }),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await consume(account, "tokens", 2_000_000, { now: at("2027-03-10T12:00:00Z") })).toMatchObject({
      allowed: true,
      used: 2_000_000,
    });
    return { account, owner: account };
  }

  it("a spend cap reached mid-batch refuses the rest with spend_cap_reached; an admin's change applies on the next call", async () => {
    const { account, owner } = await billedAccount(10); // 10 cents: 5,000 tokens past the limit
    const now = at("2027-03-10T12:05:00Z");
    const batch = await consumeBatch(
      account,
      Array.from({ length: 8 }, (_, i) => ({ meter: "tokens" as const, quantity: 1_000, idempotencyKey: `t${i}` })),
      { now },
    );
    expect(batch.map((r) => r.error ?? "ok")).toEqual([
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
      "spend_cap_reached",
      "spend_cap_reached",
      "spend_cap_reached",
    ]);
    const refused = await consume(account, "tokens", 1, { now });
    expect(refused).toMatchObject({ allowed: false, refusedBy: "spend_cap", used: 2_005_000 });
    const error = quotaExceeded(refused);
    expect(error.code).toBe("spend_cap_reached");
    expect(error.details).toEqual({ meter: "tokens", cap: 10, spent: 10, currency: "usd", resetsAt: "2027-04-01T09:15:00.000Z" });
    // Over HTTP: 402 spend_cap_reached with its own body.
    const http = await usageRoute(
      await requestAs(owner, "/api/billing/usage", { method: "POST", body: { meter: "tokens", quantity: 1, idempotencyKey: "over-cap" } }),
    );
    expect(http.status).toBe(402);
    expect(await http.json()).toMatchObject({
      error: "spend_cap_reached",
      cap: 10,
      spent: 10,
      currency: "usd",
      resetsAt: "2027-04-01T09:15:00.000Z",
    });
    expect(
      (await (await spendCapGet(await requestAs(owner, `/api/billing/spend-cap?accountId=${account}`))).json()) as Record<string, unknown>,
    ).toMatchObject({
      capCents: 10,
      spentCents: 10,
    });

    const [admin] = await env.db
      .insert(users)
      .values({ email: `admin-${account}@example.com`, role: "admin", emailVerifiedAt: new Date() })
      .returning();
    const set = async (capCents: unknown) =>
      (adminSpendCapRoute as Handler)(
        await requestAs(admin.id, `/api/billing/admin/users/${account}/spend-cap`, { method: "POST", body: { capCents } }),
        {
          params: Promise.resolve({ id: account }),
        },
      );
    expect((await set(-5)).status).toBe(400);
    expect((await set(12)).status).toBe(200);
    expect(await consume(account, "tokens", 1_000, { now })).toMatchObject({ allowed: true, spendCap: { cap: 12, spent: 12 } });
    expect((await consume(account, "tokens", 1, { now })).refusedBy).toBe("spend_cap");
    expect((await set(null)).status).toBe(200);
    expect(await consume(account, "tokens", 100_000, { now })).toMatchObject({ allowed: true, used: 2_106_000 });
    const audit = await env.db.select().from(auditLog).where(eq(auditLog.targetId, account));
    expect(audit.map((a) => a.action).sort()).toEqual(["spend_cap.removed", "spend_cap.set", "spend_cap.set"]);
  });

  it("parallel billed calls against the cap: never past it, and the 80 % alert is recorded and emailed exactly once", async () => {
    const { account } = await billedAccount(100); // 100 cents: 50,000 tokens past the limit
    const now = at("2027-03-10T12:10:00Z");
    const results = await Promise.all(Array.from({ length: CALLERS }, () => consume(account, "tokens", 600, { now })));
    expect(results.filter((r) => r.allowed)).toHaveLength(83); // 83 × 600 = 49,800 tokens = 99.6 cents
    expect(results.filter((r) => !r.allowed).every((r) => r.refusedBy === "spend_cap")).toBe(true);
    const [row] = await env.counterRows(account, "tokens");
    expect(row.used).toBe(2_000_000 + 49_800);
    const alerts = await env.db
      .select()
      .from(usageAlerts)
      .where(and(eq(usageAlerts.accountId, account), eq(usageAlerts.meter, "tokens:spend_cap")));
    expect(alerts.map((a) => [a.threshold, a.limit])).toEqual(expect.arrayContaining([[80, 100]]));
    expect(alerts.filter((a) => a.threshold === 80)).toHaveLength(1);
    const mail = await env.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.accountId, account), like(notifications.subject, "%spend cap%")));
    expect(mail.filter((m) => m.subject === "AI tokens: 80% of your spend cap is used")).toHaveLength(1);
    // The banner shows the cap's highest threshold, in money, while the cap is the one it was about.
    const highest = Math.max(...alerts.map((a) => a.threshold));
    const capAlerts = async () => (await activeUsageAlerts(env.db, account, now)).filter((a) => a.window === "spend_cap");
    expect(await capAlerts()).toEqual([
      expect.objectContaining({ meter: "tokens", window: "spend_cap", threshold: highest, limit: 100, currency: "usd" }),
    ]);
    const raised = await spendCapPost(
      await requestAs(account, "/api/billing/spend-cap", { method: "POST", body: { accountId: account, capCents: 1_000 } }),
    );
    expect(raised.status).toBe(200);
    expect(await capAlerts()).toEqual([]);
  });
});
