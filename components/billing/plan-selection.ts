import type { BillingInterval } from "@/lib/billing/plans";

/** One price the account can switch to: a plan at an interval, with its amount. */
export interface PlanOption {
  planId: string;
  planName: string;
  interval: BillingInterval;
  amount: number;
  currency: string;
}

/** A plan at an interval: the current one, a scheduled one, or the one being previewed. */
export type Selection = { planId: string; interval: BillingInterval };

export const sameSelection = (a: Selection | null, b: Selection | null) =>
  Boolean(a && b && a.planId === b.planId && a.interval === b.interval);
