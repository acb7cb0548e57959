import { describe, expect, it } from "vitest";
import {
  catalogTerms,
  changeDirection,
  classifyChange,
  planAction,
  PORTAL_SUBSCRIPTION_UPDATE,
  type SubscriptionAction,
  type SubscriptionFacts,
} from "@/lib/billing/plan-change-policy";
import type { BillingInterval } from "@/lib/billing/plans";
import { HTTP_STATUS } from "@/lib/http/errors";

describe("classifyChange: a lower amount per period or a shorter interval waits for the period end", () => {
  it.each([
    [{ planId: "pro", interval: "month" }, { planId: "scale", interval: "month" }, "upgrade"],
    [{ planId: "scale", interval: "year" }, { planId: "pro", interval: "year" }, "downgrade"],
    [{ planId: "pro", interval: "month" }, { planId: "pro", interval: "year" }, "upgrade"],
    [{ planId: "pro", interval: "year" }, { planId: "pro", interval: "month" }, "downgrade"],
    // $190/year → $99/month: a lower amount and a shorter interval, like Stripe's portal conditions.
    [{ planId: "pro", interval: "year" }, { planId: "scale", interval: "month" }, "downgrade"],
    // $99/month → $190/year: a higher amount on a longer interval applies now.
    [{ planId: "scale", interval: "month" }, { planId: "pro", interval: "year" }, "upgrade"],
    [{ planId: "pro", interval: "month" }, { planId: "pro", interval: "month" }, "same"],
  ] as const)("%o → %o is %s", (from, to, expected) => {
    expect(classifyChange(from, to)).toBe(expected);
  });
});

describe("per-seat plans: the amount per period is the price times the seats (Stripe's item amount)", () => {
  it.each([
    // Pro $19 → Team 1 seat $12: lower, at period end; 2 seats $24: higher, now.
    [catalogTerms("pro", "month"), { ...catalogTerms("team", "month"), quantity: 1 }, "downgrade"],
    [catalogTerms("pro", "month"), { ...catalogTerms("team", "month"), quantity: 2 }, "upgrade"],
    // Scale $99 → Team 9 seats $108: now; Team 9 seats → Scale: at period end.
    [catalogTerms("scale", "month"), { ...catalogTerms("team", "month"), quantity: 9 }, "upgrade"],
    [{ ...catalogTerms("team", "month"), quantity: 9 }, catalogTerms("scale", "month"), "downgrade"],
    [{ ...catalogTerms("team", "month"), quantity: 3 }, catalogTerms("pro", "month"), "downgrade"],
  ] as const)("%o → %o is %s", (from, to, expected) => {
    expect(changeDirection(from, to)).toBe(expected);
  });

  it("a shorter interval waits for the period end even when the amount per period grows", () => {
    // Pro $190/year → Team $12/month × 20 seats = $240/month: a higher amount, but the year already
    // paid for is kept to its end (Stripe's `shortening_interval`).
    expect(changeDirection(catalogTerms("pro", "year"), { ...catalogTerms("team", "month"), quantity: 20 })).toBe("downgrade");
    expect(classifyChange({ planId: "team", interval: "year", quantity: 1 }, { planId: "team", interval: "month", quantity: 11 })).toBe(
      "downgrade",
    );
    // The same seats on a longer interval is an upgrade: the interval rule only defers shortening.
    expect(classifyChange({ planId: "team", interval: "month", quantity: 11 }, { planId: "team", interval: "year", quantity: 11 })).toBe(
      "upgrade",
    );
    const action = planAction(facts({ current: catalogTerms("pro", "year") }), {
      type: "change",
      target: { ...catalogTerms("team", "month"), quantity: 20 },
    });
    expect(action).toMatchObject({ refused: false, kind: "downgrade", steps: [{ op: "schedule_change" }] });
  });

  it("classifies by plan ids with the seats, as pages do", () => {
    expect(classifyChange({ planId: "pro", interval: "month" }, { planId: "team", interval: "month", quantity: 1 })).toBe("downgrade");
    expect(classifyChange({ planId: "pro", interval: "month" }, { planId: "team", interval: "month", quantity: 4 })).toBe("upgrade");
    expect(classifyChange({ planId: "team", interval: "month", quantity: 4 }, { planId: "pro", interval: "month" })).toBe("downgrade");
  });
});

describe("the portal's configuration is the app's policy", () => {
  it("never updates subscriptions: Stripe's portal cannot change a plan with metered prices beside it, the app does", () => {
    expect(PORTAL_SUBSCRIPTION_UPDATE).toEqual({ enabled: false });
  });
});

const facts = (over: Partial<SubscriptionFacts> = {}): SubscriptionFacts => ({
  status: "active",
  current: catalogTerms("scale", "month"),
  cancelAtPeriodEnd: false,
  hasSchedule: false,
  pending: null,
  ...over,
});
const change = (planId: string, interval: BillingInterval): SubscriptionAction => ({
  type: "change",
  target: catalogTerms(planId, interval),
});
const withPendingDowngrade = { hasSchedule: true, pending: catalogTerms("pro", "month") };

describe("planAction: every action in every state is a sequence of calls Stripe accepts, or a clear refusal", () => {
  it.each([
    ["cancel, nothing pending", facts(), { type: "cancel" }, "cancel", ["set_cancel_at_period_end:true"]],
    [
      "cancel with a pending downgrade releases the schedule first",
      facts(withPendingDowngrade),
      { type: "cancel" },
      "cancel",
      ["release_schedule", "set_cancel_at_period_end:true"],
    ],
    ["cancel while canceling is a no-op", facts({ cancelAtPeriodEnd: true }), { type: "cancel" }, "unchanged", []],
    ["resume while canceling", facts({ cancelAtPeriodEnd: true }), { type: "resume" }, "resume", ["set_cancel_at_period_end:false"]],
    [
      "resume with a pending downgrade (not canceling) is a no-op, never a call Stripe refuses",
      facts(withPendingDowngrade),
      { type: "resume" },
      "unchanged",
      [],
    ],
    ["resume when not canceling is a no-op", facts(), { type: "resume" }, "unchanged", []],
    ["upgrade applies now", facts({ current: catalogTerms("pro", "month") }), change("scale", "month"), "upgrade", ["change_now"]],
    [
      "upgrade during a trial ends it",
      facts({ status: "trialing", current: catalogTerms("pro", "month") }),
      change("pro", "year"),
      "upgrade",
      ["change_now:endTrial"],
    ],
    [
      "upgrade with a pending downgrade releases it first",
      facts(withPendingDowngrade),
      change("scale", "year"),
      "upgrade",
      ["release_schedule", "change_now"],
    ],
    ["downgrade is scheduled", facts(), change("pro", "month"), "downgrade", ["schedule_change"]],
    [
      "downgrade while canceling undoes the cancellation first",
      facts({ cancelAtPeriodEnd: true }),
      change("pro", "month"),
      "downgrade",
      ["set_cancel_at_period_end:false", "schedule_change"],
    ],
    [
      "another downgrade replaces the pending one",
      facts({ current: catalogTerms("scale", "year"), hasSchedule: true, pending: catalogTerms("pro", "year") }),
      change("pro", "month"),
      "downgrade",
      ["schedule_change"],
    ],
    ["the pending downgrade again is a no-op", facts(withPendingDowngrade), change("pro", "month"), "downgrade", []],
    [
      "the current plan again drops the pending change",
      facts(withPendingDowngrade),
      change("scale", "month"),
      "cancel_pending_change",
      ["release_schedule"],
    ],
    ["cancel while past due", facts({ status: "past_due" }), { type: "cancel" }, "cancel", ["set_cancel_at_period_end:true"]],
  ] as const)("%s", (_name, state, action, kind, steps) => {
    const decision = planAction(state, action as SubscriptionAction);
    expect(decision.refused).toBe(false);
    if (decision.refused) return;
    expect(decision.kind).toBe(kind);
    expect(
      decision.steps.map((s) =>
        s.op === "set_cancel_at_period_end" ? `${s.op}:${s.value}` : s.op === "change_now" && s.endTrial ? "change_now:endTrial" : s.op,
      ),
    ).toEqual(steps);
  });

  it.each([
    ["the current plan with nothing pending", facts(), change("scale", "month"), 400, "already_on_plan"],
    ["a plan change while past due", facts({ status: "past_due" }), change("scale", "year"), 409, "payment_past_due"],
    ["anything while incomplete", facts({ status: "incomplete" }), { type: "cancel" }, 409, "subscription_not_changeable"],
    ["anything while unpaid", facts({ status: "unpaid" }), { type: "resume" }, 409, "subscription_not_changeable"],
  ] as const)("refuses %s", (_name, state, action, status, code) => {
    expect(planAction(state, action as SubscriptionAction)).toMatchObject({ refused: true, code });
    expect(HTTP_STATUS[code]).toBe(status);
  });
});
