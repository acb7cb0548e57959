import { describe, expect, it } from "vitest";
import type { Subscription } from "@/db/schema";
import { applyLimitOverrides, gracePeriodDays, resolveEntitlement } from "@/lib/billing/entitlements";

const NOW = new Date("2027-03-10T12:00:00Z");
let n = 0;
function sub(overrides: Partial<Subscription>): Subscription {
  n += 1;
  return {
    id: `row-${n}`,
    accountId: "u1",
    billingCustomerId: null,
    provider: "stripe",
    providerSubscriptionId: `sub_${n}`,
    status: "active",
    planId: "pro",
    priceId: null,
    priceLookupKey: null,
    interval: "month",
    quantity: 1,
    unitAmount: 1900,
    currency: "usd",
    currentPeriodStart: null,
    currentPeriodEnd: null,
    billingCycleAnchor: null,
    trialStart: null,
    trialEnd: null,
    cancelAtPeriodEnd: false,
    cancelAt: null,
    canceledAt: null,
    endedAt: null,
    pastDueSince: null,
    scheduleId: null,
    pendingPlanId: null,
    pendingInterval: null,
    pendingChangeAt: null,
    pendingQuantity: null,
    sourceVersion: 1,
    metadata: {},
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

describe("resolveEntitlement", () => {
  it("is the free plan without subscriptions", () => {
    const e = resolveEntitlement([], NOW, 3);
    expect(e).toMatchObject({ plan: { id: "free" }, source: "free", subscription: null });
    expect(e.limits.api_calls).toBe(1_000);
  });

  it.each(["active", "trialing"])("grants the plan of a %s subscription", (status) => {
    expect(resolveEntitlement([sub({ status })], NOW, 3).plan.id).toBe("pro");
  });

  it.each(["incomplete", "incomplete_expired", "canceled", "unpaid", "paused"])("grants nothing for %s", (status) => {
    expect(resolveEntitlement([sub({ status })], NOW, 3).plan.id).toBe("free");
  });

  it("keeps a past_due plan through the grace period and drops it after", () => {
    const pastDueSince = new Date("2027-03-08T12:00:00Z");
    const inGrace = resolveEntitlement([sub({ status: "past_due", pastDueSince })], NOW, 3);
    expect(inGrace).toMatchObject({ plan: { id: "pro" }, source: "grace_period" });
    expect(inGrace.gracePeriodEndsAt?.toISOString()).toBe("2027-03-11T12:00:00.000Z");
    const later = new Date("2027-03-11T12:00:00Z");
    expect(resolveEntitlement([sub({ status: "past_due", pastDueSince })], later, 3).plan.id).toBe("free");
    expect(resolveEntitlement([sub({ status: "past_due", pastDueSince })], NOW, 0).plan.id).toBe("free");
  });

  it("picks the highest-ranked plan when several subscriptions grant one", () => {
    const e = resolveEntitlement(
      [sub({ planId: "pro" }), sub({ planId: "staff", provider: "internal" }), sub({ planId: "scale" })],
      NOW,
      3,
    );
    expect(e.plan.id).toBe("staff");
    expect(e.limits.tokens).toBeNull();
  });

  it("ignores subscriptions to plans that are not in the catalog", () => {
    expect(resolveEntitlement([sub({ planId: "unknown" })], NOW, 3).plan.id).toBe("free");
  });

  it("reads the grace period from BILLING_GRACE_PERIOD_DAYS, defaulting to 3", () => {
    expect(gracePeriodDays({})).toBe(3);
    expect(gracePeriodDays({ BILLING_GRACE_PERIOD_DAYS: "7" })).toBe(7);
    expect(gracePeriodDays({ BILLING_GRACE_PERIOD_DAYS: "nope" })).toBe(3);
  });
});

describe("per-seat limits", () => {
  it("multiply the team plan's per-seat limits by the subscription's quantity", () => {
    const three = resolveEntitlement([sub({ planId: "team", unitAmount: 1_200, quantity: 3 })], NOW, 3);
    expect(three.plan.id).toBe("team");
    expect(three.limits).toEqual({ api_calls: 75_000, tokens: 3_000_000, jobs: 3_000 });
    expect(resolveEntitlement([sub({ planId: "team", quantity: 1 })], NOW, 3).limits.jobs).toBe(1_000);
    expect(resolveEntitlement([sub({ planId: "team", quantity: 50 })], NOW, 3).limits.jobs).toBe(50_000);
  });

  it("leave flat plans alone whatever their quantity, and yield to a per-customer override", () => {
    expect(resolveEntitlement([sub({ planId: "pro", quantity: 4 })], NOW, 3).limits.jobs).toBe(500);
    const overridden = resolveEntitlement([sub({ planId: "team", quantity: 3 })], NOW, 3, [{ meter: "jobs", limit: 7 }]);
    expect(overridden.limits).toEqual({ api_calls: 75_000, tokens: 3_000_000, jobs: 7 });
  });

  it("grant nothing from a lapsed per-seat subscription: free limits", () => {
    expect(resolveEntitlement([sub({ planId: "team", quantity: 9, status: "canceled" })], NOW, 3).limits.jobs).toBe(5);
  });
});

describe("per-customer limit overrides", () => {
  it("replace the plan's limit per meter, null meaning unlimited, and ignore meters outside the catalog", () => {
    const result = applyLimitOverrides({ api_calls: 1_000, tokens: 50_000, jobs: 5 }, [
      { meter: "api_calls", limit: 250_000 },
      { meter: "tokens", limit: null },
      { meter: "bananas", limit: 1 },
    ]);
    expect(result).toEqual({ limits: { api_calls: 250_000, tokens: null, jobs: 5 }, overriddenMeters: ["api_calls", "tokens"] });
  });

  it("apply on top of whatever plan the subscriptions grant, and leave the plan's own limits untouched", () => {
    const entitlement = resolveEntitlement([sub({ planId: "pro" })], NOW, 3, [{ meter: "tokens", limit: 9 }]);
    expect(entitlement.plan.id).toBe("pro");
    expect(entitlement.limits).toEqual({ api_calls: 50_000, tokens: 9, jobs: 500 });
    expect(entitlement.plan.limits.tokens).toBe(2_000_000);
    expect(resolveEntitlement([sub({ planId: "pro" })], NOW).overriddenMeters).toEqual([]);
  });
});
