import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { getPlan } from "@/lib/billing/plans";
import { planSeatStep, seatWriteKey, type SeatFacts } from "@/lib/billing/seats";
import type { NextPhase } from "@/lib/stripe/gateway";

const team = getPlan("team");

function facts(quantity: number, extra: Partial<SeatFacts> = {}): SeatFacts {
  return {
    plan: team,
    priceId: "price_team_monthly",
    interval: "month",
    quantity,
    meteredPriceIds: ["price_tokens"],
    cancelAtPeriodEnd: false,
    schedule: null,
    ...extra,
  };
}

const next = (quantity: number, lookupKey = "team_monthly", priceId = "price_team_monthly"): NextPhase => ({
  priceId,
  lookupKey,
  quantity,
  meteredPriceIds: ["price_tokens_next"],
  startsAt: new Date("2027-02-15T00:00:00Z"),
});

const scheduled = (current: number, n: NextPhase | null, version = 1): Partial<SeatFacts> => ({
  schedule: { scheduleId: "sub_sched_1", version, currentQuantity: current, next: n },
});

describe("the seat decision (planSeatStep)", () => {
  it("raises now when there are more members than seats, up to the plan's maximum", () => {
    expect(planSeatStep(facts(2), 5)).toEqual({ op: "raise", quantity: 5 });
    expect(planSeatStep(facts(40), 80)).toEqual({ op: "raise", quantity: 50 });
    // A pending decrease or a cancellation does not delay a raise.
    expect(planSeatStep(facts(3, scheduled(3, next(2))), 4)).toEqual({ op: "raise", quantity: 4 });
    expect(planSeatStep(facts(3, { cancelAtPeriodEnd: true }), 4)).toEqual({ op: "raise", quantity: 4 });
  });

  it("lowers from the period end, as the schedule's next phase on the same price", () => {
    expect(planSeatStep(facts(5), 3)).toEqual({
      op: "schedule",
      priceId: "price_team_monthly",
      interval: "month",
      quantity: 3,
      meteredPriceIds: ["price_tokens"],
    });
    // Never below the plan's minimum.
    expect(planSeatStep(facts(2), 0)).toMatchObject({ op: "schedule", quantity: 1 });
    expect(planSeatStep(facts(1), 0)).toEqual({ op: "none" });
    // Already pending: nothing to write; another decrease rewrites the next phase.
    expect(planSeatStep(facts(5, scheduled(5, next(3))), 3)).toEqual({ op: "none" });
    expect(planSeatStep(facts(5, scheduled(5, next(3))), 2)).toMatchObject({
      op: "schedule",
      quantity: 2,
      meteredPriceIds: ["price_tokens_next"],
    });
  });

  it("drops the pending decrease when the members are back to the seats; nothing when they agree", () => {
    expect(planSeatStep(facts(5, scheduled(5, next(3))), 5)).toEqual({ op: "release" });
    expect(planSeatStep(facts(5), 5)).toEqual({ op: "none" });
  });

  it("keeps a pending change's plan: a per-seat one gets the seats, a flat one keeps its own quantity", () => {
    const yearly = next(5, "team_yearly", "price_team_yearly");
    expect(planSeatStep(facts(5, scheduled(5, yearly)), 3)).toEqual({
      op: "schedule",
      priceId: "price_team_yearly",
      interval: "year",
      quantity: 3,
      meteredPriceIds: ["price_tokens_next"],
    });
    // Equal seats with a change to another per-seat price pending: the change stays.
    expect(planSeatStep(facts(5, scheduled(5, { ...yearly, quantity: 5 })), 5)).toEqual({ op: "none" });
    const pro = next(1, "pro_monthly", "price_pro_monthly");
    expect(planSeatStep(facts(5, scheduled(5, pro)), 3)).toEqual({ op: "none" });
    // After a raise the schedule's current phase still says the old seats: it is rewritten, the change kept.
    expect(planSeatStep(facts(6, scheduled(5, pro)), 6)).toEqual({
      op: "schedule",
      priceId: "price_pro_monthly",
      interval: "month",
      quantity: 1,
      meteredPriceIds: ["price_tokens_next"],
    });
  });

  it("does not schedule a decrease on a subscription that ends at the period end", () => {
    expect(planSeatStep(facts(5, { cancelAtPeriodEnd: true }), 3)).toEqual({ op: "none" });
  });
});

describe("the seat write's idempotency key", () => {
  const subscription = (latestInvoice: string) => ({ id: "sub_1", latest_invoice: latestInvoice }) as unknown as Stripe.Subscription;

  it("is the state the write was planned from: the same state, the same key; any change, another", () => {
    const key = seatWriteKey(subscription("in_1"), facts(3));
    expect(seatWriteKey(subscription("in_1"), facts(3))).toBe(key);
    expect(seatWriteKey(subscription("in_2"), facts(3))).not.toBe(key);
    expect(seatWriteKey(subscription("in_1"), facts(4))).not.toBe(key);
    const v1 = seatWriteKey(subscription("in_1"), facts(3, scheduled(3, next(2), 1)));
    expect(v1).not.toBe(key);
    expect(seatWriteKey(subscription("in_1"), facts(3, scheduled(3, next(2), 2)))).not.toBe(v1);
  });
});
