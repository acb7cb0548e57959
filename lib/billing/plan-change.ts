import { getDb } from "@/db/client";
import type { Subscription } from "@/db/schema";
import { AppError, badRequest } from "@/lib/errors";
import { logger } from "@/lib/logger";
import {
  changePriceNow,
  previewPriceChange,
  releaseSchedule,
  retrieveSubscriptionState,
  schedulePriceChange,
  setCancelAtPeriodEnd,
  stripeNow,
} from "@/lib/stripe/gateway";
import { idOf } from "@/lib/stripe/mapping";
import { catalogPrice, purchasablePlan } from "./checkout";
import { classifyChange, type BillingInterval } from "./plans";
import { getBillingSummary, liveStripeSubscription, type BillingSummary } from "./summary";
import { syncStripeSubscription } from "./sync";

export type ChangeKind = "upgrade" | "downgrade" | "cancel_pending_change";

export interface PlanChangePreview {
  preview: true;
  kind: ChangeKind;
  currency: string;
  /** What will be charged now (upgrades), in minor units. */
  amountDue: number;
  lines: Array<{ description: string; amount: number }>;
  effectiveAt: string;
}

export interface PlanChangeApplied {
  preview: false;
  kind: ChangeKind;
  subscription: BillingSummary;
}

async function requireLiveSubscription(userId: string): Promise<Subscription> {
  const subscription = await liveStripeSubscription(await getDb(), userId);
  if (!subscription) {
    throw new AppError("no_subscription", "You have no active subscription to change. Choose a plan on the pricing page.");
  }
  return subscription;
}

export async function changePlan(
  userId: string,
  input: { plan: string; interval: BillingInterval; preview?: boolean },
): Promise<PlanChangePreview | PlanChangeApplied> {
  const plan = purchasablePlan(input.plan);
  const price = await catalogPrice(plan, input.interval);
  const row = await requireLiveSubscription(userId);
  const { subscription } = await retrieveSubscriptionState(row.providerSubscriptionId);
  const item = subscription.items.data[0];
  const direction = classifyChange({ planId: row.planId, interval: row.interval }, { planId: plan.id, interval: input.interval });
  const hasPendingChange = Boolean(row.pendingPlanId);
  if (direction === "same" && !hasPendingChange) throw badRequest(`You are already on ${plan.name} (${input.interval}ly).`);
  const kind: ChangeKind = direction === "same" ? "cancel_pending_change" : direction;
  const prorationDate = await stripeNow(subscription);
  // A trial belongs to the plan it came with: upgrading to a plan without one ends it and bills
  // the new plan in full now (otherwise a Pro trial would be a free ride on Scale).
  const endsTrial = kind === "upgrade" && subscription.status === "trialing" && plan.trialDays === 0;

  if (input.preview) {
    if (endsTrial) {
      return {
        preview: true,
        kind,
        currency: price.currency,
        amountDue: price.unit_amount ?? 0,
        lines: [{ description: `${plan.name} (${input.interval}ly), trial ends now`, amount: price.unit_amount ?? 0 }],
        effectiveAt: new Date(prorationDate * 1000).toISOString(),
      };
    }
    if (kind === "upgrade") {
      const invoice = await previewPriceChange({
        customerId: idOf(subscription.customer) as string,
        subscriptionId: subscription.id,
        itemId: item.id,
        priceId: price.id,
        prorationDate,
      });
      return {
        preview: true,
        kind,
        currency: invoice.currency,
        amountDue: invoice.amount_due,
        lines: invoice.lines.data.map((line) => ({ description: line.description ?? "", amount: line.amount })),
        effectiveAt: new Date(prorationDate * 1000).toISOString(),
      };
    }
    return {
      preview: true,
      kind,
      currency: price.currency,
      amountDue: 0,
      lines: [],
      effectiveAt: new Date(item.current_period_end * 1000).toISOString(),
    };
  }

  // Stripe first (idempotent calls, no transaction or lock held), then one version-guarded upsert.
  if (kind === "upgrade") {
    if (row.scheduleId) await releaseSchedule(row.scheduleId);
    await changePriceNow({
      subscriptionId: subscription.id,
      itemId: item.id,
      priceId: price.id,
      prorationDate,
      endTrial: endsTrial,
      idempotencyKey: `change:${subscription.id}:${price.id}:${prorationDate}`,
    });
  } else if (kind === "downgrade") {
    if (subscription.cancel_at_period_end) await setCancelAtPeriodEnd(subscription.id, false);
    await schedulePriceChange({ subscription, priceId: price.id, interval: input.interval });
  } else if (row.scheduleId) {
    await releaseSchedule(row.scheduleId);
  }
  await syncStripeSubscription(await getDb(), subscription.id, userId);
  logger.info({ userId, subscriptionId: subscription.id, kind, plan: plan.id, interval: input.interval }, "subscription changed");
  return { preview: false, kind, subscription: await getBillingSummary(userId) };
}

/** Cancel at period end (the customer keeps what they paid for); a pending downgrade is dropped. */
export const cancelSubscription = (userId: string) => setCancellation(userId, true);

export const resumeSubscription = (userId: string) => setCancellation(userId, false);

async function setCancellation(userId: string, cancel: boolean): Promise<BillingSummary> {
  const row = await requireLiveSubscription(userId);
  if (cancel && row.scheduleId) await releaseSchedule(row.scheduleId);
  await setCancelAtPeriodEnd(row.providerSubscriptionId, cancel);
  await syncStripeSubscription(await getDb(), row.providerSubscriptionId, userId);
  logger.info({ userId, subscriptionId: row.providerSubscriptionId }, cancel ? "subscription cancel scheduled" : "subscription resumed");
  return getBillingSummary(userId);
}
