import { UTCDate } from "@date-fns/utc";
import { addMonths } from "date-fns";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { GET as quotaRoute } from "@/app/api/billing/quota/route";
import { POST as changeRoute } from "@/app/api/billing/subscription/change/route";
import { POST as usageRoute } from "@/app/api/billing/usage/route";
import { billingCustomers, subscriptions, type User } from "@/db/schema";
import { getAdminCustomer } from "@/lib/billing/admin/customer-detail";
import { customerListQuery, listCustomers } from "@/lib/billing/admin/customers";
import { consume, consumeBatch, getQuota, reserve } from "@/lib/billing/metering";
import { getUsageOverview } from "@/lib/billing/metering/overview";
import { getBillingSummary } from "@/lib/billing/summary";
import { DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

const DAY = 86_400;
/** 2027-01-31T10:00:00Z: a month-end anchor, so the next period must end in February. */
const T0 = Date.UTC(2027, 0, 31, 10) / 1000;
const at = (seconds: number) => new Date(seconds * 1000);
const iso = (value: string) => new Date(value).toISOString();

describe.each(DATABASE_KINDS)("usage periods follow the subscription on test clocks (%s)", (kind) => {
  let env: BillingEnv;
  beforeAll(async () => {
    env = await startBillingEnv(kind);
  });
  afterAll(() => env.stop());

  /** A customer on `plan` through Checkout, on a test clock frozen at T0 (or on real time with `clock: false`). */
  async function subscribedUser(
    plan: string,
    interval: "month" | "year" = "month",
    options: { clock?: boolean } = {},
  ): Promise<{ user: User; clockId: string }> {
    const user = await env.createUser();
    const clock = options.clock === false ? null : await env.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await env.stripe.customers.create({
      email: user.email,
      ...(clock ? { test_clock: clock.id } : {}),
      metadata: { userId: user.id },
    });
    await env.database.db.insert(billingCustomers).values({ accountId: user.id, providerCustomerId: customer.id, email: user.email });
    const res = await checkoutRoute(await requestAs(user.id, "/api/billing/checkout", { method: "POST", body: { plan, interval } }));
    const { url } = (await res.json()) as { url: string };
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1];
    expect((await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" })).status).toBe(
      200,
    );
    await env.flush();
    return { user, clockId: clock?.id ?? "" };
  }

  it("a Jan 31 anchor: the period ends in February, and the renewal starts usage from zero", async () => {
    const { user, clockId } = await subscribedUser("scale");
    const summary = await getBillingSummary(user.id, at(T0));
    expect(summary.plan.id).toBe("scale");
    const periodEnd = Date.parse(summary.currentPeriodEnd as string) / 1000;
    expect(summary.currentPeriodEnd?.slice(0, 7)).toBe("2027-02");

    const before = await consume(user.id, "jobs", 9_000, { now: at(T0 + DAY) });
    expect(before).toMatchObject({ allowed: true, used: 9_000, limit: 10_000, resetsAt: summary.currentPeriodEnd });
    expect((await consume(user.id, "jobs", 1_001, { now: at(periodEnd - 60) })).allowed).toBe(false);

    await env.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: periodEnd + 3600 });
    await env.flush();
    const renewed = await getBillingSummary(user.id, at(periodEnd + 3600));
    expect(renewed.currentPeriodStart).toBe(summary.currentPeriodEnd);
    const after = await consume(user.id, "jobs", 1_001, { now: at(periodEnd + 3600) });
    expect(after).toMatchObject({ allowed: true, used: 1_001, resetsAt: renewed.currentPeriodEnd });
    expect(renewed.currentPeriodEnd?.slice(0, 7)).toBe("2027-03");
    // The old period's usage is untouched (history), the quota shows the new one.
    expect((await getQuota(user.id, at(periodEnd + 3600))).meters.jobs).toMatchObject({
      used: 1_001,
      periodStart: renewed.currentPeriodStart,
    });
  });

  it("a period end the renewal webhook has not reached yet rolls forward instead of carrying usage over", async () => {
    const { user } = await subscribedUser("scale");
    const summary = await getBillingSummary(user.id, at(T0));
    const periodEnd = Date.parse(summary.currentPeriodEnd as string) / 1000;
    await consume(user.id, "jobs", 10_000, { now: at(T0 + DAY) });
    // No clock advance, so no renewal webhook: the stored period is over at periodEnd + 1 day.
    const next = await consume(user.id, "jobs", 1, { now: at(periodEnd + DAY) });
    expect(next).toMatchObject({ allowed: true, used: 1 });
    expect(Date.parse(next.resetsAt)).toBeGreaterThan(periodEnd + DAY);
  });

  it("a yearly plan's allowance renews every month, in windows anchored on the billing cycle anchor and clamped to month ends", async () => {
    const { user } = await subscribedUser("scale", "year");
    const [row] = await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, user.id));
    expect(row).toMatchObject({ planId: "scale", interval: "year", billingCycleAnchor: at(T0) });
    expect(row.currentPeriodEnd?.toISOString()).toBe("2028-01-31T10:00:00.000Z");

    // January 31 → the first window ends on February 28 (2027 is not a leap year), not a year later.
    const jan = await getQuota(user.id, at(T0 + DAY));
    expect(jan.meters.api_calls).toMatchObject({
      limit: 1_000_000,
      periodStart: at(T0).toISOString(),
      resetsAt: "2027-02-28T10:00:00.000Z",
    });
    expect(await consume(user.id, "api_calls", 1_000_000, { now: at(T0 + DAY) })).toMatchObject({
      allowed: true,
      resetsAt: "2027-02-28T10:00:00.000Z",
    });
    expect(await consume(user.id, "api_calls", 1, { now: at(T0 + 2 * DAY) })).toMatchObject({ allowed: false, used: 1_000_000 });

    // The next window starts from zero: the full monthly allowance again, until March 31.
    const feb = at(Date.UTC(2027, 1, 28, 11) / 1000);
    expect(await consume(user.id, "api_calls", 1_000_000, { now: feb })).toMatchObject({
      allowed: true,
      used: 1_000_000,
      resetsAt: "2027-03-31T10:00:00.000Z",
    });

    // Reservations and batches count in the same window as consume; April has 30 days.
    const apr = at(Date.UTC(2027, 3, 2) / 1000);
    const held = await reserve(user.id, "tokens", 1_000, { now: apr });
    expect(held).toMatchObject({ allowed: true, remaining: 10_000_000 - 1_000, resetsAt: "2027-04-30T10:00:00.000Z" });
    const [batched] = await consumeBatch(user.id, [{ meter: "tokens", quantity: 500, idempotencyKey: "apr-batch" }], { now: apr });
    expect(batched).toMatchObject({ allowed: true, used: 500, resetsAt: "2027-04-30T10:00:00.000Z" });
    expect(await consume(user.id, "tokens", 10_000_000 - 1_500, { now: apr })).toMatchObject({
      allowed: true,
      used: 10_000_000 - 1_000,
      remaining: 0,
    });
    expect((await getQuota(user.id, apr)).meters.tokens).toMatchObject({
      used: 10_000_000 - 1_000,
      periodStart: "2027-03-31T10:00:00.000Z",
    });

    // The billing page's meters read the same window.
    const overview = await getUsageOverview(user.id, apr);
    expect(overview.meters.find((m) => m.id === "api_calls")).toMatchObject({
      used: 0,
      limit: 1_000_000,
      resetsAt: "2027-04-30T10:00:00.000Z",
    });

    // Past the yearly period end with no renewal webhook yet: the period rolls forward and the
    // leap-year February window ends on the 29th.
    const nextFeb = at(Date.UTC(2028, 1, 10) / 1000);
    expect((await getQuota(user.id, nextFeb)).meters.api_calls).toMatchObject({
      used: 0,
      periodStart: "2028-01-31T10:00:00.000Z",
      resetsAt: "2028-02-29T10:00:00.000Z",
    });
  });

  it("GET /api/billing/quota and the 402 body on a yearly plan reset within a month, on the billing cycle anchor", async () => {
    const { user } = await subscribedUser("scale", "year", { clock: false });
    const [row] = await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, user.id));
    const anchor = row.billingCycleAnchor as Date;
    expect(anchor).toBeInstanceOf(Date);
    const monthLater = addMonths(new UTCDate(anchor), 1).toISOString();

    const quota = await quotaRoute((await requestAs(user.id, "/api/billing/quota")) as never);
    const body = (await quota.json()) as { plan: string; meters: Record<string, { resetsAt: string; limit: number }> };
    expect(body.plan).toBe("scale");
    for (const meter of Object.values(body.meters)) {
      expect(iso(meter.resetsAt)).toBe(monthLater);
      expect(Date.parse(meter.resetsAt) - Date.now()).toBeLessThanOrEqual(31 * DAY * 1000);
    }

    const post = async (quantity: number, idempotencyKey: string) => {
      const res = await usageRoute(
        (await requestAs(user.id, "/api/billing/usage", { method: "POST", body: { meter: "jobs", quantity, idempotencyKey } })) as never,
      );
      return { status: res.status, body: (await res.json()) as { resetsAt: string; limit: number } };
    };
    expect(await post(10_000, "all-of-them")).toMatchObject({ status: 200, body: { limit: 10_000 } });
    const refused = await post(1, "one-more");
    expect(refused.status).toBe(402);
    expect(iso(refused.body.resetsAt)).toBe(monthLater);
  });

  it("after a plan change mid-window, the admin console shows the same usage as the customer's quota", async () => {
    const { user, clockId } = await subscribedUser("scale", "month");
    await consume(user.id, "api_calls", 600, { now: at(T0 + DAY) });

    // Monthly → yearly restarts the billing cycle: a new window begins at the change while the
    // old monthly period's counter still covers the moment too.
    const changeAt = T0 + 10 * DAY;
    await env.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: changeAt });
    await env.flush();
    const changed = await changeRoute(
      (await requestAs(user.id, "/api/billing/subscription/change", {
        method: "POST",
        body: { plan: "scale", interval: "year" },
      })) as never,
    );
    expect(changed.status).toBe(200);
    await env.flush();
    const now = at(changeAt + 3600);
    await consume(user.id, "api_calls", 100, { now });

    const quota = await getQuota(user.id, now);
    expect(quota.meters.api_calls).toMatchObject({ used: 100, periodStart: at(changeAt).toISOString() });
    const admin = await getAdminCustomer(env.database.db, user.id, now);
    expect(admin.usage.find((u) => u.meter === "api_calls")?.used).toBe(quota.meters.api_calls.used);
    const list = await listCustomers(env.database.db, customerListQuery.parse({ search: user.email }), now);
    expect(list.customers).toEqual([
      expect.objectContaining({ id: user.id, mainMeter: "api_calls", mainMeterUsed: quota.meters.api_calls.used }),
    ]);
  });
});
