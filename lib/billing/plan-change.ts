/**
 * The customer's subscription actions: change plan (with a preview), cancel, resume. Each one reads
 * the subscription from Stripe, asks the policy (plan-change-policy.ts) which Stripe calls apply in
 * that state, makes them, then syncs our row. No transaction or lock is held across the Stripe
 * calls; if another request changed the subscription in between and Stripe refuses a call, the
 * action is planned again from a fresh read (once), and a second refusal is a 409.
 */
import "server-only";
import type Stripe from "stripe";
import { getDb } from "@/db/client";
import type { Subscription } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { isStaleStateError } from "@/lib/stripe/errors";
import { logger } from "@/lib/logger";
import {
  changePriceNow,
  previewPriceChange,
  releaseSchedule,
  retrieveSubscriptionState,
  schedulePriceChange,
  setCancelAtPeriodEnd,
  stripeNow,
  type SubscriptionState,
} from "@/lib/stripe/gateway";
import { idOf, subscriptionSnapshot } from "@/lib/stripe/mapping";
import { itemsForPriceChange, planItemOf } from "@/lib/stripe/subscription-items";
import { purchasablePlan, subscriptionPrices } from "./checkout";
import {
  catalogTerms,
  planAction,
  type ActionKind,
  type ActionPlan,
  type ActionStep,
  type PriceTerms,
  type SubscriptionAction,
  type SubscriptionFacts,
} from "./plan-change-policy";
import { findPlan, parseLookupKey, type BillingInterval } from "./plans";
import { planQuantity, pushSeats } from "./seats";
import { getBillingSummary, notEndedStripeSubscription, type BillingSummary } from "./summary";
import { pullStripeInvoice, pullStripeSubscription } from "./stripe-pull";

export type ChangeKind = Extract<ActionKind, "upgrade" | "downgrade" | "cancel_pending_change">;

export interface PlanChangePreview {
  preview: true;
  kind: ChangeKind;
  currency: string;
  /** What will be charged now (upgrades), in minor units. */
  amountDue: number;
  lines: Array<{ description: string; amount: number }>;
  effectiveAt: string;
  /**
   * The moment (Unix seconds, Stripe's clock) the preview prorates at. Sent back with the change, the change is
   * prorated at that moment, so what is charged is what was shown, to the cent (within PRORATION_DATE_MAX_AGE).
   */
  prorationDate: number;
}

/** How old a preview's proration date may be when the change is confirmed; an older preview must be made again. */
export const PRORATION_DATE_MAX_AGE = 15 * 60;

export interface PlanChangeApplied {
  preview: false;
  kind: ChangeKind;
  subscription: BillingSummary;
}

async function requireLiveSubscription(accountId: string): Promise<Subscription> {
  const subscription = await notEndedStripeSubscription(await getDb(), accountId);
  if (!subscription) {
    throw new AppError("no_subscription", "You have no active subscription to change. Choose a plan on the pricing page.");
  }
  return subscription;
}

/** The facts the policy decides on, from Stripe's current state (never from a possibly stale row). */
export function subscriptionFacts({ subscription, pendingChange }: SubscriptionState): SubscriptionFacts {
  const snapshot = subscriptionSnapshot(subscription);
  const pending = parseLookupKey(pendingChange?.lookupKey);
  return {
    status: subscription.status,
    current: {
      planId: snapshot.planId ?? "unknown",
      interval: snapshot.interval ?? "month",
      unitAmount: snapshot.unitAmount ?? 0,
      quantity: snapshot.quantity,
    },
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    hasSchedule: Boolean(idOf(subscription.schedule)),
    pending: pending ? catalogTerms(pending.plan.id, pending.interval) : null,
  };
}

function decide(state: SubscriptionState, action: SubscriptionAction): ActionPlan {
  const decision = planAction(subscriptionFacts(state), action);
  if (decision.refused) throw new AppError(decision.code, decision.message);
  return decision;
}

interface ChangeTarget {
  planName: string;
  price: Stripe.Price;
  /** The target interval's metered prices, which the subscription carries beside the plan price. */
  metered: Stripe.Price[];
  interval: BillingInterval;
  /** The plan item's quantity on the target plan: the members on a per-seat plan, 1 otherwise. */
  quantity: number;
  /** The previewed proration date the customer confirmed, if any. */
  prorationDate?: number;
}

/**
 * The proration date of a change made now: the confirmed preview's (so the charge is what was shown), if it is
 * recent and within the current period; otherwise now. A preview too old is refused rather than charged differently.
 */
function prorationDateFor(subscription: Stripe.Subscription, now: number, previewed: number | undefined): number {
  if (previewed === undefined) return now;
  const periodStart = (planItemOf(subscription) as Stripe.SubscriptionItem).current_period_start;
  if (previewed > now || previewed < now - PRORATION_DATE_MAX_AGE || previewed < periodStart) {
    throw new AppError(
      "preview_expired",
      "The price of this change has moved since you previewed it. Review the new amount and confirm again.",
    );
  }
  return previewed;
}

/** Runs one step; a change made now answers the invoice it produced (null otherwise). */
async function runStep(state: SubscriptionState, step: ActionStep, target: ChangeTarget | null): Promise<string | null> {
  const { subscription } = state;
  switch (step.op) {
    case "release_schedule":
      await releaseSchedule(idOf(subscription.schedule) as string);
      return null;
    case "set_cancel_at_period_end":
      await setCancelAtPeriodEnd(subscription.id, step.value);
      return null;
    case "change_now": {
      const { price, metered } = target as ChangeTarget;
      const now = await stripeNow(subscription);
      // Ending a trial bills the new price in full: nothing is prorated, so no preview can be out of date.
      const prorationDate = step.endTrial ? now : prorationDateFor(subscription, now, (target as ChangeTarget).prorationDate);
      const changed = await changePriceNow({
        subscriptionId: subscription.id,
        items: itemsForPriceChange(subscription, price.id, metered, (target as ChangeTarget).quantity),
        prorationDate,
        endTrial: step.endTrial,
        // A double click is one change; a retry after a new card (or at another time) is a new attempt.
        idempotencyKey: `change:${subscription.id}:${price.id}:${now}:${prorationDate}:${idOf(subscription.default_payment_method) ?? "default"}`,
      });
      return idOf(changed.latest_invoice);
    }
    case "schedule_change": {
      const { price, metered, interval, quantity } = target as ChangeTarget;
      // Re-read: an earlier step may have changed the subscription (cancellation undone).
      const fresh = (await retrieveSubscriptionState(subscription.id)).subscription;
      await schedulePriceChange({ subscription: fresh, priceId: price.id, interval, meteredPriceIds: metered.map((p) => p.id), quantity });
      return null;
    }
  }
}

/**
 * A declined upgrade changes nothing, including a pending downgrade it had to release first: that
 * downgrade is scheduled again before the card error goes back to the user.
 */
async function restorePendingChange(state: SubscriptionState): Promise<void> {
  const pending = state.pendingChange && parseLookupKey(state.pendingChange.lookupKey);
  if (!pending) return;
  const fresh = (await retrieveSubscriptionState(state.subscription.id)).subscription;
  const { metered } = await subscriptionPrices(pending.plan, pending.interval);
  await schedulePriceChange({
    subscription: fresh,
    priceId: state.pendingChange!.priceId,
    interval: pending.interval,
    meteredPriceIds: metered.map((p) => p.id),
    quantity: state.schedule?.next?.quantity,
  });
}

/** Runs the decision's steps; answers the invoices a change made now produced. */
async function execute(state: SubscriptionState, decision: ActionPlan, target: ChangeTarget | null): Promise<string[]> {
  let released = false;
  const invoices: string[] = [];
  for (const step of decision.steps) {
    try {
      const invoice = await runStep(state, step, target);
      if (invoice) invoices.push(invoice);
    } catch (error) {
      if (released && step.op === "change_now" && !isStaleStateError(error)) await restorePendingChange(state);
      throw error;
    }
    if (step.op === "release_schedule") released = true;
  }
  return invoices;
}

/**
 * Reads the subscription, decides, acts. When Stripe refuses a call because the subscription
 * changed under us (a concurrent request, a portal action), decides again from a fresh read.
 */
async function act(row: Subscription, action: SubscriptionAction, target: ChangeTarget | null): Promise<ActionPlan> {
  for (let attempt = 1; ; attempt += 1) {
    const state = await retrieveSubscriptionState(row.providerSubscriptionId);
    const decision = decide(state, action);
    let invoices: string[];
    try {
      invoices = await execute(state, decision, target);
    } catch (error) {
      if (!isStaleStateError(error)) throw error;
      if (attempt >= 2) {
        throw new AppError("subscription_changed", "Your subscription changed while we were updating it. Reload and try again.");
      }
      continue;
    }
    const db = await getDb();
    if (decision.steps.length > 0) await pullStripeSubscription(db, row.providerSubscriptionId, row.accountId);
    // The invoice an upgrade charged is on the billing page the user returns to, not only once its webhook lands.
    for (const invoice of invoices) await pullStripeInvoice(db, invoice);
    return decision;
  }
}

async function previewChange(
  state: SubscriptionState,
  decision: ActionPlan,
  target: ChangeTarget,
  kind: ChangeKind,
): Promise<PlanChangePreview> {
  const { subscription } = state;
  const item = planItemOf(subscription) as Stripe.SubscriptionItem;
  const { price } = target;
  const changeNow = decision.steps.find((s) => s.op === "change_now");
  const prorationDate = await stripeNow(subscription);
  const effectiveNow = new Date(prorationDate * 1000).toISOString();
  if (changeNow?.op === "change_now" && changeNow.endTrial) {
    const amount = (price.unit_amount ?? 0) * target.quantity;
    const seats = target.quantity > 1 ? `${target.quantity} × ` : "";
    return {
      preview: true,
      kind,
      currency: price.currency,
      amountDue: amount,
      lines: [{ description: `${seats}${target.planName} (${target.interval}ly), trial ends now`, amount }],
      effectiveAt: effectiveNow,
      prorationDate,
    };
  }
  if (changeNow) {
    const invoice = await previewPriceChange({
      customerId: idOf(subscription.customer) as string,
      subscriptionId: subscription.id,
      items: itemsForPriceChange(subscription, price.id, target.metered, target.quantity),
      prorationDate,
    });
    return {
      preview: true,
      kind,
      currency: invoice.currency,
      amountDue: invoice.amount_due,
      lines: invoice.lines.data.map((line) => ({ description: line.description ?? "", amount: line.amount })),
      effectiveAt: effectiveNow,
      prorationDate,
    };
  }
  const effectiveAt = kind === "cancel_pending_change" ? effectiveNow : new Date(item.current_period_end * 1000).toISOString();
  return { preview: true, kind, currency: price.currency, amountDue: 0, lines: [], effectiveAt, prorationDate };
}

export async function changePlan(
  accountId: string,
  input: { plan: string; interval: BillingInterval; preview?: boolean; prorationDate?: number },
): Promise<PlanChangePreview | PlanChangeApplied> {
  const plan = purchasablePlan(input.plan);
  const { price, metered } = await subscriptionPrices(plan, input.interval);
  const row = await requireLiveSubscription(accountId);
  // Into a per-seat plan: the members are the seats; out of one: a single flat price.
  const quantity = await planQuantity(await getDb(), plan, accountId);
  const target: ChangeTarget = {
    planName: plan.name,
    price,
    metered,
    interval: input.interval,
    quantity,
    prorationDate: input.prorationDate,
  };
  const terms: PriceTerms = { planId: plan.id, interval: input.interval, unitAmount: price.unit_amount ?? 0, quantity };
  const action: SubscriptionAction = { type: "change", target: terms };

  if (input.preview) {
    const state = await retrieveSubscriptionState(row.providerSubscriptionId);
    const decision = decide(state, action);
    return previewChange(state, decision, target, decision.kind as ChangeKind);
  }
  const decision = await act(row, action, target);
  // A change may release or rewrite the schedule that carried a seat decrease: the seats follow the members again.
  if (plan.seats || findPlan(row.planId)?.seats) await pushSeats(accountId);
  logger.info(
    { accountId, subscriptionId: row.providerSubscriptionId, kind: decision.kind, plan: plan.id, interval: input.interval, quantity },
    "subscription changed",
  );
  return { preview: false, kind: decision.kind as ChangeKind, subscription: await getBillingSummary(accountId) };
}

/** Cancel at period end (the customer keeps what they paid for); a pending downgrade is dropped. */
export async function cancelSubscription(accountId: string): Promise<BillingSummary> {
  const row = await requireLiveSubscription(accountId);
  await act(row, { type: "cancel" }, null);
  logger.info({ accountId, subscriptionId: row.providerSubscriptionId }, "subscription cancel scheduled");
  return getBillingSummary(accountId);
}

/** Undo a pending cancellation; a subscription that is not canceling is left as it is (200). */
export async function resumeSubscription(accountId: string): Promise<BillingSummary> {
  const row = await requireLiveSubscription(accountId);
  await act(row, { type: "resume" }, null);
  // Resuming keeps the subscription past the period end: a seat decrease dropped with the cancellation is scheduled again.
  if (findPlan(row.planId)?.seats) await pushSeats(accountId);
  logger.info({ accountId, subscriptionId: row.providerSubscriptionId }, "subscription resumed");
  return getBillingSummary(accountId);
}
