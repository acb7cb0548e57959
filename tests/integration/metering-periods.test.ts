import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { billingCustomers, type User } from "@/db/schema";
import { consume, getQuota } from "@/lib/billing/metering";
import { getBillingSummary } from "@/lib/billing/summary";
import { DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

const DAY = 86_400;
/** 2027-01-31T10:00:00Z: a month-end anchor, so the next period must end in February. */
const T0 = Date.UTC(2027, 0, 31, 10) / 1000;
const at = (seconds: number) => new Date(seconds * 1000);

describe.each(DATABASE_KINDS)("usage periods follow the subscription on test clocks (%s)", (kind) => {
  let env: BillingEnv;
  beforeAll(async () => {
    env = await startBillingEnv(kind);
  });
  afterAll(() => env.stop());

  async function subscribedUser(plan: string): Promise<{ user: User; clockId: string }> {
    const user = await env.createUser();
    const clock = await env.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await env.stripe.customers.create({ email: user.email, test_clock: clock.id, metadata: { userId: user.id } });
    await env.database.db.insert(billingCustomers).values({ userId: user.id, providerCustomerId: customer.id, email: user.email });
    const res = await checkoutRoute(await requestAs(user.id, "/api/billing/checkout", { method: "POST", body: { plan, interval: "month" } }));
    const { url } = (await res.json()) as { url: string };
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1];
    expect((await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" })).status).toBe(200);
    await env.flush();
    return { user, clockId: clock.id };
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
    expect((await getQuota(user.id, at(periodEnd + 3600))).meters.jobs).toMatchObject({ used: 1_001, periodStart: renewed.currentPeriodStart });
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
});
