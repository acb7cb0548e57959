/**
 * The plan-change policy: how each subscription action (change plan, cancel, resume) applies to a
 * subscription in each state. The app's own actions follow `planAction`; the Stripe customer portal
 * only cancels, with the same CANCEL_MODE (`PORTAL_SUBSCRIPTION_UPDATE` says why it never changes
 * plans). Pure and client-safe: no Stripe, no database.
 */
import { findPlan, type BillingInterval } from "./plans";
import type { ErrorCode } from "@/lib/errors";
import { IN_FORCE, inGroup, SUBSCRIPTION_STATUS } from "./subscription-status";

/** A price as the policy sees it: which plan, how often, how much per period (minor units). */
export interface PriceTerms {
  planId: string;
  interval: BillingInterval;
  unitAmount: number;
  /** Seats on a per-seat plan (the item's quantity): the amount per period is unitAmount × quantity. Absent: 1. */
  quantity?: number;
}

/**
 * Changes that wait for the period end, in Stripe's own vocabulary (the portal's
 * `subscription_update.schedule_at_period_end.conditions`): a lower amount per period, or a
 * shorter interval. Nobody loses time they already paid for. Every other change applies now.
 */
export const DEFERRED_CHANGE_CONDITIONS = ["decreasing_item_amount", "shortening_interval"] as const;

/** Immediate changes invoice the prorated difference at once (the preview's amount)… */
export const IMMEDIATE_PRORATION = "always_invoice" as const;
/** …and take effect only once paid: a declined card changes nothing (Stripe answers 402). */
export const IMMEDIATE_PAYMENT_BEHAVIOR = "error_if_incomplete" as const;
/** A change that applies now during a trial ends the trial: the new plan is billed in full now. */
export const TRIAL_UPDATE_BEHAVIOR = "end_trial" as const;
/** Cancelling keeps what was paid for: the subscription ends at the period end, nothing is refunded. */
export const CANCEL_MODE = "at_period_end" as const;

/** "upgrade" applies now; "downgrade" waits for the period end. */
export type ChangeDirection = "upgrade" | "downgrade" | "same";

const INTERVAL_LENGTH: Record<BillingInterval, number> = { month: 1, year: 12 };

export function changeDirection(from: PriceTerms, to: PriceTerms): ChangeDirection {
  if (from.planId === to.planId && from.interval === to.interval) return "same";
  // Stripe's `decreasing_item_amount` compares the item's amount: price × quantity (seats).
  const decreasingAmount = to.unitAmount * (to.quantity ?? 1) < from.unitAmount * (from.quantity ?? 1);
  const shorteningInterval = INTERVAL_LENGTH[to.interval] < INTERVAL_LENGTH[from.interval];
  return decreasingAmount || shorteningInterval ? "downgrade" : "upgrade";
}

/** The catalog's terms for a plan and interval (what the pricing and billing pages show). */
export function catalogTerms(planId: string, interval: BillingInterval): PriceTerms {
  const prices = findPlan(planId)?.prices;
  return { planId, interval, unitAmount: prices ? prices[interval] : 0 };
}

/**
 * `changeDirection` between catalog prices, for pages that only know plan ids and intervals (and,
 * on per-seat plans, the seats: the current quantity, the members a change into one would buy).
 */
export function classifyChange(
  current: { planId: string; interval: BillingInterval | null; quantity?: number },
  target: { planId: string; interval: BillingInterval; quantity?: number },
): ChangeDirection {
  const from = { ...catalogTerms(current.planId, current.interval ?? target.interval), quantity: current.quantity };
  return changeDirection(from, { ...catalogTerms(target.planId, target.interval), quantity: target.quantity });
}

/**
 * What the customer portal may do with a subscription: cancel it (CANCEL_MODE, like the app's own
 * Cancel), never change its plan. Every paid subscription here carries metered prices beside the
 * plan (usage past the included amount, lib/billing/metering), and Stripe's portal cannot update a
 * subscription with usage-based prices or several items: it "can only support cancellation" for
 * it. So subscription updates stay disabled in the portal configuration, and plan changes (with
 * their seats, prorations and deferred downgrades) go through the app's change-plan action
 * (plan-change.ts); cancel and resume have their own buttons on the billing page too.
 */
export const PORTAL_SUBSCRIPTION_UPDATE = { enabled: false } as const;

// ---------------------------------------------------------------------------------------------
// Actions in each state
// ---------------------------------------------------------------------------------------------

/** What the policy needs to know about the subscription, read from Stripe just before acting. */
export interface SubscriptionFacts {
  status: string;
  current: PriceTerms;
  cancelAtPeriodEnd: boolean;
  /** A subscription schedule is attached (Stripe then refuses direct cancellation updates). */
  hasSchedule: boolean;
  /** The change the schedule makes at the period end, if any. */
  pending: PriceTerms | null;
}

export type SubscriptionAction = { type: "change"; target: PriceTerms } | { type: "cancel" } | { type: "resume" };

/** One Stripe call, in the order they must be made. */
export type ActionStep =
  | { op: "release_schedule" }
  | { op: "set_cancel_at_period_end"; value: boolean }
  /** Switch price now (always_invoice, error_if_incomplete); also undoes a pending cancellation. */
  | { op: "change_now"; endTrial: boolean }
  /** Keep the current price to the period end, then switch (creates or updates the schedule). */
  | { op: "schedule_change" };

export type ActionKind = "upgrade" | "downgrade" | "cancel_pending_change" | "cancel" | "resume" | "unchanged";

export type ActionRefusal = {
  refused: true;
  code: Extract<ErrorCode, "already_on_plan" | "subscription_not_changeable" | "payment_past_due">;
  message: string;
};

export type ActionPlan = { refused: false; kind: ActionKind; steps: ActionStep[] };

const refuse = (code: ActionRefusal["code"], message: string): ActionRefusal => ({ refused: true, code, message });
const plan = (kind: ActionKind, steps: ActionStep[]): ActionPlan => ({ refused: false, kind, steps });
const sameTerms = (a: PriceTerms | null, b: PriceTerms) => Boolean(a && a.planId === b.planId && a.interval === b.interval);

/**
 * Decides how an action applies to a subscription in its current state, as a list of Stripe calls
 * Stripe accepts in that state (for example: with a schedule attached, cancellation goes through
 * releasing the schedule first), or a refusal with its error code. Repeating an action that is
 * already in effect (cancel while canceling, resume while not canceling) is a harmless no-op.
 */
export function planAction(facts: SubscriptionFacts, action: SubscriptionAction): ActionPlan | ActionRefusal {
  // The customer may act on a subscription in force only.
  if (!inGroup(IN_FORCE, facts.status)) {
    return refuse(
      "subscription_not_changeable",
      facts.status === SUBSCRIPTION_STATUS.incomplete
        ? "Your subscription is waiting for its first payment. Complete it before changing anything."
        : `Your subscription is ${facts.status}. Update your payment method in Manage billing first.`,
    );
  }
  switch (action.type) {
    case "cancel":
      if (facts.cancelAtPeriodEnd && !facts.hasSchedule) return plan("unchanged", []);
      // A pending change is dropped: the subscription ends at the period end on its current plan.
      return plan("cancel", [
        ...(facts.hasSchedule ? [{ op: "release_schedule" } as const] : []),
        { op: "set_cancel_at_period_end", value: true },
      ]);
    case "resume":
      if (!facts.cancelAtPeriodEnd) return plan("unchanged", []);
      return plan("resume", [{ op: "set_cancel_at_period_end", value: false }]);
    case "change": {
      if (facts.status === SUBSCRIPTION_STATUS.past_due) {
        return refuse("payment_past_due", "Your last payment failed. Update your card in Manage billing, then change your plan.");
      }
      const direction = changeDirection(facts.current, action.target);
      if (direction === "same") {
        if (facts.hasSchedule) return plan("cancel_pending_change", [{ op: "release_schedule" }]);
        return refuse("already_on_plan", "You are already on this plan.");
      }
      if (direction === "upgrade") {
        return plan("upgrade", [
          ...(facts.hasSchedule ? [{ op: "release_schedule" } as const] : []),
          { op: "change_now", endTrial: facts.status === SUBSCRIPTION_STATUS.trialing },
        ]);
      }
      if (sameTerms(facts.pending, action.target)) return plan("downgrade", []);
      return plan("downgrade", [
        // Choosing a plan again means staying: a pending cancellation is undone first.
        ...(facts.cancelAtPeriodEnd ? [{ op: "set_cancel_at_period_end", value: false } as const] : []),
        { op: "schedule_change" },
      ]);
    }
  }
}
