/**
 * One free trial per account and per Stripe customer. A trial is offered on a checkout only when
 * neither our database nor Stripe knows an earlier subscription of the user or of their customer
 * that had a trial or was paid: Stripe is asked too because webhooks can be missed, and our rows
 * too because a customer can be replaced (deleted in Stripe, a new one created). Plan changes and
 * the customer portal act on an existing subscription and never start a new one, so Checkout is the
 * only place a trial can begin.
 */
import "server-only";
import { eq, or } from "drizzle-orm";
import type Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { billingCustomers, subscriptions, trialUses, type Subscription } from "@/db/schema";
import { inGroup, NEVER_STARTED, SUBSCRIPTION_STATUS } from "./subscription-status";

/** Had a trial, or was paid (a Stripe subscription past its first payment). Staff grants are neither. */
export function usedTrialOrPaid(row: Pick<Subscription, "provider" | "status" | "trialStart">): boolean {
  return (
    row.trialStart !== null ||
    row.status === SUBSCRIPTION_STATUS.trialing ||
    (row.provider === "stripe" && !inGroup(NEVER_STARTED, row.status))
  );
}

/** From Stripe's side: any subscription of the customer, in any status, that had a trial or was paid. */
export function stripeTrialUsed(list: Array<Pick<Stripe.Subscription, "status" | "trial_start">>): boolean {
  return list.some((s) =>
    usedTrialOrPaid({ provider: "stripe", status: s.status, trialStart: s.trial_start === null ? null : new Date(s.trial_start * 1000) }),
  );
}

/**
 * From our rows: an earlier subscription of the account, or of its billing customer, that had a trial
 * or was paid, or a card-less trial claimed (trial_uses) by the account or its Stripe customer.
 */
export async function databaseTrialUsed(db: Queryable, accountId: string, billingCustomerId: string | null): Promise<boolean> {
  const customer = billingCustomerId
    ? await db
        .select({ providerCustomerId: billingCustomers.providerCustomerId })
        .from(billingCustomers)
        .where(eq(billingCustomers.id, billingCustomerId))
        .limit(1)
    : [];
  const claimed = await db
    .select({ accountId: trialUses.accountId })
    .from(trialUses)
    .where(
      customer[0]
        ? or(eq(trialUses.accountId, accountId), eq(trialUses.providerCustomerId, customer[0].providerCustomerId))
        : eq(trialUses.accountId, accountId),
    )
    .limit(1);
  if (claimed.length > 0) return true;
  const rows = await db
    .select({ provider: subscriptions.provider, status: subscriptions.status, trialStart: subscriptions.trialStart })
    .from(subscriptions)
    .where(
      billingCustomerId
        ? or(eq(subscriptions.accountId, accountId), eq(subscriptions.billingCustomerId, billingCustomerId))
        : eq(subscriptions.accountId, accountId),
    );
  return rows.some(usedTrialOrPaid);
}

/** The trial a new checkout gets: the plan's, unless the account or the customer used one (or paid) before. */
export function checkoutTrialDays(planTrialDays: number, used: { database: boolean; stripe: boolean }): number {
  return used.database || used.stripe ? 0 : planTrialDays;
}
