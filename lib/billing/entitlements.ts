import { addDays } from "date-fns";
import type { Subscription } from "@/db/schema";
import { FREE_PLAN_ID, findPlan, getPlan, type FeatureId, type MeterId, type Plan } from "./plans";

export function gracePeriodDays(env: Record<string, string | undefined> = process.env): number {
  const days = Number(env.BILLING_GRACE_PERIOD_DAYS ?? 3);
  return Number.isFinite(days) && days >= 0 ? days : 3;
}

export type EntitlementSource = "subscription" | "grace_period" | "free";

export interface Entitlement {
  plan: Plan;
  source: EntitlementSource;
  /** The subscription that grants the plan; null on the free plan. */
  subscription: Subscription | null;
  /** When a past-due subscription stops granting its plan. */
  gracePeriodEndsAt: Date | null;
  features: Record<FeatureId, boolean>;
  limits: Record<MeterId, number | null>;
}

type Grant = { plan: Plan; subscription: Subscription; source: EntitlementSource; graceEndsAt: Date | null };

/** When a past_due subscription loses its plan: BILLING_GRACE_PERIOD_DAYS after it fell past due. */
export function gracePeriodEnd(subscription: Pick<Subscription, "status" | "pastDueSince">, graceDays = gracePeriodDays()): Date | null {
  if (subscription.status !== "past_due" || !subscription.pastDueSince) return null;
  return addDays(subscription.pastDueSince, graceDays);
}

function grantOf(subscription: Subscription, now: Date, graceDays: number): Grant | null {
  const plan = findPlan(subscription.planId);
  if (!plan) return null;
  switch (subscription.status) {
    case "active":
    case "trialing":
      return { plan, subscription, source: "subscription", graceEndsAt: null };
    case "past_due": {
      const graceEndsAt = gracePeriodEnd(subscription, graceDays);
      return graceEndsAt && now < graceEndsAt ? { plan, subscription, source: "grace_period", graceEndsAt } : null;
    }
    // incomplete, incomplete_expired, unpaid, paused, canceled: nothing is granted.
    default:
      return null;
  }
}

/**
 * The plan in force for a user, from their subscription rows: the highest-ranked plan among
 * active/trialing subscriptions and past-due ones still inside the grace period; free otherwise.
 */
export function resolveEntitlement(subscriptions: Subscription[], now = new Date(), graceDays = gracePeriodDays()): Entitlement {
  const grants = subscriptions
    .map((s) => grantOf(s, now, graceDays))
    .filter((g): g is Grant => g !== null)
    .sort((a, b) => b.plan.rank - a.plan.rank);
  const best = grants[0];
  const plan = best?.plan ?? getPlan(FREE_PLAN_ID);
  return {
    plan,
    source: best?.source ?? "free",
    subscription: best?.subscription ?? null,
    gracePeriodEndsAt: best?.graceEndsAt ?? null,
    features: { ...plan.features },
    limits: { ...plan.limits },
  };
}
