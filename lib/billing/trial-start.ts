/**
 * Card-less trials: a plan that declares `trialWithoutCard` can be started from the pricing page
 * without Checkout. The account gets the plan at once (the subscription is stored the usual way);
 * at the trial's end Stripe bills the card added meanwhile, or cancels or pauses the subscription
 * as the catalog says. One trial per account and per Stripe customer, whichever way it starts:
 * refused when our rows or Stripe's list show an earlier trial or payment (./trial.ts), and claimed
 * with a conditional insert before Stripe is called, so of two concurrent starts only one proceeds.
 */
import "server-only";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { trialUses } from "@/db/schema";
import { appUrl } from "@/lib/app-url";
import { AppError, badRequest } from "@/lib/errors";
import { logger } from "@/lib/logger";
import {
  createSetupCheckout,
  createTrialSubscription,
  expireOpenSubscriptionCheckouts,
  hasDefaultPaymentMethod,
  retrieveCustomerBillingDetails,
} from "@/lib/stripe/gateway";
import { billingAddressRequired, hasTaxLocation } from "./billing-details";
import { prepareNewSubscription, purchasablePlan, type BillingAccount } from "./checkout";
import { findBillingCustomer } from "./customers";
import type { BillingInterval } from "./plans";
import { getBillingSummary, notEndedStripeSubscription, type BillingSummary } from "./summary";
import { pullStripeSubscription } from "./stripe-pull";
import { stripeTaxEnabled } from "./tax-settings";
import { databaseTrialUsed, stripeTrialUsed } from "./trial";
import { CARD_AWAITED, inGroup } from "./subscription-status";

const trialAlreadyUsed = () =>
  new AppError("trial_already_used", "This account has already had a free trial. Choose a plan to subscribe.", { pricingUrl: "/pricing" });

/** Starts the plan's card-less trial for the account: 409 `trial_already_used` when it had one (or paid) before. */
export async function startTrialWithoutCard(
  account: BillingAccount,
  planId: string,
  interval: BillingInterval = "month",
): Promise<BillingSummary> {
  const plan = purchasablePlan(planId);
  if (!plan.trialWithoutCard || plan.trialDays <= 0) throw badRequest(`${plan.name} has no trial without a card.`, { field: "plan" });
  const { db, quantity, price, metered, customer, known } = await prepareNewSubscription(account, plan, interval);
  if (stripeTrialUsed(known) || (await databaseTrialUsed(db, account.id, customer.id))) throw trialAlreadyUsed();
  // Stripe Tax places the customer by its address: without one there is no trial to start (nothing is claimed).
  if (stripeTaxEnabled() && !hasTaxLocation((await retrieveCustomerBillingDetails(customer.providerCustomerId)).address))
    throw billingAddressRequired();
  // The claim: one row per account and per Stripe customer; a concurrent start finds it taken.
  const claimed = await db
    .insert(trialUses)
    .values({ accountId: account.id, providerCustomerId: customer.providerCustomerId, planId: plan.id })
    .onConflictDoNothing()
    .returning({ accountId: trialUses.accountId });
  if (claimed.length === 0) throw trialAlreadyUsed();
  let subscriptionId: string;
  try {
    // A Checkout opened earlier (with the trial on offer) must not become a second subscription.
    await expireOpenSubscriptionCheckouts(customer.providerCustomerId);
    const subscription = await createTrialSubscription({
      customerId: customer.providerCustomerId,
      accountId: account.id,
      priceId: price.id,
      quantity,
      meteredPriceIds: metered.map((p) => p.id),
      planId: plan.id,
      interval,
      trialDays: plan.trialDays,
      endBehavior: plan.trialWithoutCard.endBehavior,
      idempotencyKey: `trial:${account.id}:${customer.providerCustomerId}`,
    });
    subscriptionId = subscription.id;
  } catch (error) {
    // Stripe made nothing: give the claim back so the trial can be started again.
    await db
      .delete(trialUses)
      .where(and(eq(trialUses.accountId, account.id), eq(trialUses.providerCustomerId, customer.providerCustomerId)));
    throw error;
  }
  await pullStripeSubscription(db, subscriptionId, account.id);
  logger.info(
    { accountId: account.id, plan: plan.id, interval, subscriptionId, endBehavior: plan.trialWithoutCard.endBehavior },
    "card-less trial started",
  );
  return getBillingSummary(account.id);
}

/** A Checkout in setup mode that saves a card for the account's trialing (or paused) subscription. */
export async function startAddCard(accountId: string, origin?: string): Promise<{ url: string }> {
  const db = await getDb();
  const customer = await findBillingCustomer(db, accountId);
  const subscription = await notEndedStripeSubscription(db, accountId);
  if (!customer || customer.deletedAt || !subscription) throw new AppError("no_subscription", "You have no subscription to add a card to.");
  const base = appUrl(origin);
  const session = await createSetupCheckout({
    customerId: customer.providerCustomerId,
    accountId,
    subscriptionId: subscription.providerSubscriptionId,
    successUrl: `${base}/billing?card=added`,
    cancelUrl: `${base}/billing`,
  });
  if (!session.url) throw new AppError("checkout_unavailable", "Stripe did not return a checkout URL.");
  return { url: session.url };
}

/** Whether the billing page should ask for a card: a trial (or a paused subscription) with none on file. */
export async function needsCard(subscription: { providerSubscriptionId: string; status: string; provider: string }): Promise<boolean> {
  if (subscription.provider !== "stripe" || !inGroup(CARD_AWAITED, subscription.status)) return false;
  return !(await hasDefaultPaymentMethod(subscription.providerSubscriptionId));
}
