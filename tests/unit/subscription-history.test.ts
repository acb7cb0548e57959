import { describe, expect, it } from "vitest";
import { subscriptionChangesBetween, type TrackedState } from "@/lib/billing/subscription-history";

const base: TrackedState = {
  planId: "pro",
  interval: "month",
  status: "active",
  cancelAtPeriodEnd: false,
  cancelAt: null,
  currentPeriodEnd: new Date("2027-02-15T00:00:00Z"),
  pendingPlanId: null,
  pendingInterval: null,
  pendingChangeAt: null,
};
const kinds = (before: TrackedState | null, after: TrackedState) => subscriptionChangesBetween(before, after).map((c) => c.kind);

describe("subscriptionChangesBetween", () => {
  it("a new row is a start; the same state again is no change", () => {
    expect(subscriptionChangesBetween(null, base)).toEqual([
      { kind: "started", data: { planId: "pro", interval: "month", status: "active" } },
    ]);
    expect(kinds(base, { ...base })).toEqual([]);
  });

  it("plan or interval changes, status changes, cancel scheduled and resumed", () => {
    expect(kinds(base, { ...base, interval: "year" })).toEqual(["plan_changed"]);
    expect(kinds({ ...base, status: "trialing" }, { ...base, planId: "scale" })).toEqual(["plan_changed", "status_changed"]);
    const canceling = { ...base, cancelAtPeriodEnd: true };
    expect(subscriptionChangesBetween(base, canceling)).toEqual([
      { kind: "cancel_scheduled", data: { endsAt: "2027-02-15T00:00:00.000Z" } },
    ]);
    expect(kinds(base, { ...base, cancelAt: new Date("2027-03-01T00:00:00Z") })).toEqual(["cancel_scheduled"]);
    expect(kinds(canceling, base)).toEqual(["resumed"]);
    // Ending as scheduled is a status change, not a resume.
    expect(kinds(canceling, { ...canceling, status: "canceled" })).toEqual(["status_changed"]);
  });

  it("a change scheduled for the period end, then applied (a plan change) or dropped", () => {
    const scheduled = {
      ...base,
      planId: "scale",
      pendingPlanId: "pro",
      pendingInterval: "month" as const,
      pendingChangeAt: new Date("2027-02-15T00:00:00Z"),
    };
    expect(kinds({ ...scheduled, pendingPlanId: null, pendingInterval: null, pendingChangeAt: null }, scheduled)).toEqual([
      "change_scheduled",
    ]);
    expect(kinds(scheduled, { ...base })).toEqual(["plan_changed"]);
    expect(kinds(scheduled, { ...scheduled, pendingPlanId: null, pendingInterval: null, pendingChangeAt: null })).toEqual([
      "scheduled_change_dropped",
    ]);
  });
});
