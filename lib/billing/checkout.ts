import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { getDb } from "@/db/client";
import { webhookEvents } from "@/db/schema";
import { appUrl } from "@/lib/app-url";
import { AppError, badRequest, notFound } from "@/lib/errors";
import { logger } from "@/lib/logger";
import {
  activePricesByLookupKey,
  createPortalSession,
  createSubscriptionCheckout,
  expireAllButNewestCheckoutSession,
  listCustomerSubscriptions,
  retrieveCheckoutSession,
} from "@/lib/stripe/gateway";
import { stripeErrorCode } from "@/lib/stripe/errors";
import { idOf } from "@/lib/stripe/mapping";
import { checkoutUi, type CheckoutUi } from "./checkout-ui";
import { ensureBillingCustomer, findBillingCustomer } from "./customers";
import { embeddedCheckoutPath } from "./embedded-checkout";
import { findPlan, lookupKeyFor, meteredLookupKeys, type BillingInterval, type Plan } from "./plans";
import { asPromotionError, checkPromotionCode } from "./promotions";
import { planQuantity } from "./seats";
import { getBillingSummary, notEndedStripeSubscription, type BillingSummary } from "./summary";
import { pullStripeSubscription } from "./stripe-pull";
import { checkoutTrialDays, databaseTrialUsed, stripeTrialUsed } from "./trial";
import { inGroup, NOT_ENDED } from "./subscription-status";

/** The account a checkout is for: its id, the billing email (the paying member's) and its name. */
export type BillingAccount = { id: string; email: string; name?: string | null };

export const CHANGE_PLAN_PATH = "/billing#change-plan";

export const subscriptionExists = () =>
  new AppError("subscription_exists", "You already have a subscription. Change your plan instead of starting a new one.", {
    changePlanUrl: CHANGE_PLAN_PATH,
  });

/**
 * What starting a new subscription needs, however it starts (Checkout or a card-less trial): refused while the
 * account has a live subscription in our rows or in Stripe (one we missed, after a lost webhook, is repaired
 * first), the quantity (members, for a per-seat plan; refused above its maximum), the prices, the Stripe
 * customer and its subscriptions so far (for the one-trial rule).
 */
export async function prepareNewSubscription(account: BillingAccount, plan: Plan, interval: BillingInterval) {
  const db = await getDb();
  if (await notEndedStripeSubscription(db, account.id)) throw subscriptionExists();
  const quantity = await planQuantity(db, plan, account.id);
  const { price, metered } = await subscriptionPrices(plan, interval);
  const customer = await ensureBillingCustomer(account);
  const known = await listCustomerSubscriptions(customer.providerCustomerId);
  const live = known.filter((s) => inGroup(NOT_ENDED, s.status));
  if (live.length > 0) {
    for (const subscription of live) await pullStripeSubscription(db, subscription.id, account.id);
    throw subscriptionExists();
  }
  return { db, quantity, price, metered, customer, known };
}

export function purchasablePlan(planId: string): Plan {
  const plan = findPlan(planId);
  if (!plan) throw badRequest(`Unknown plan "${planId}".`, { field: "plan" });
  if (!plan.purchasable) {
    throw badRequest(plan.contactSales ? `${plan.name} is not sold online: contact sales.` : `${plan.name} cannot be purchased.`, {
      field: "plan",
    });
  }
  return plan;
}

/**
 * The Stripe prices a subscription to `plan` on `interval` is made of: the plan's price and the
 * interval's metered prices (usage past the included amount), all found by lookup key in one read.
 */
export async function subscriptionPrices(plan: Plan, interval: BillingInterval): Promise<{ price: Stripe.Price; metered: Stripe.Price[] }> {
  const lookupKey = lookupKeyFor(plan.id, interval);
  const meteredKeys = meteredLookupKeys(interval);
  const found = await activePricesByLookupKey([lookupKey, ...meteredKeys]);
  const missing = [lookupKey, ...meteredKeys].find((key) => !found.get(key));
  if (missing) {
    throw new AppError("catalog_not_synced", `No active Stripe price "${missing}". Run npm run stripe:setup.`);
  }
  return { price: found.get(lookupKey) as Stripe.Price, metered: meteredKeys.map((key) => found.get(key) as Stripe.Price) };
}

/** A started Checkout: hosted, a Stripe URL to send the customer to; embedded, the app's /checkout page and the client secret. */
export type StartedCheckout =
  { ui: "hosted"; url: string; sessionId: string } | { ui: "embedded"; url: string; sessionId: string; clientSecret: string };

/**
 * Starts a Stripe Checkout for a plan. One customer per account, no second subscription for an account that
 * already pays (checked here and in Stripe), at most one open session per account at a time, and the
 * plan's trial only for an account and customer that never had one nor paid before (./trial.ts,
 * decided from our rows and Stripe's list, both read before anything is written). Hosted or embedded
 * (./checkout-ui.ts): both come back to the same success page.
 */
export async function startCheckout(
  account: BillingAccount,
  planId: string,
  interval: BillingInterval,
  origin?: string,
  promotionCode?: string,
  requestedUi?: CheckoutUi,
): Promise<StartedCheckout> {
  const ui = checkoutUi(requestedUi);
  const plan = purchasablePlan(planId);
  const { db, quantity, price, metered, customer, known } = await prepareNewSubscription(account, plan, interval);
  const trialDays = checkoutTrialDays(plan.trialDays, {
    database: await databaseTrialUsed(db, account.id, customer.id),
    stripe: stripeTrialUsed(known),
  });
  // A code is checked as Stripe will redeem it, before any session exists: a bad one is a 400 and nothing is made.
  const promotion = promotionCode
    ? await checkPromotionCode(promotionCode, {
        customerId: customer.providerCustomerId,
        amount: (price.unit_amount ?? 0) * quantity,
        currency: price.currency,
      })
    : null;
  const base = appUrl(origin);
  const session = await createSubscriptionCheckout({
    customerId: customer.providerCustomerId,
    accountId: account.id,
    priceId: price.id,
    quantity,
    meteredPriceIds: metered.map((p) => p.id),
    planId: plan.id,
    interval,
    trialDays,
    promotionCodeId: promotion?.promotionCodeId ?? null,
    successUrl: `${base}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
    cancelUrl: `${base}/billing/cancel`,
    embedded: ui === "embedded",
    idempotencyKey: `checkout:${account.id}:${price.id}:${randomUUID()}`,
  }).catch((error: unknown) => {
    throw promotionCode ? asPromotionError(error, promotionCode) : error;
  });
  const embedded = ui === "embedded" ? session.client_secret : null;
  if (ui === "embedded" ? !embedded : !session.url) {
    throw new AppError(
      "checkout_unavailable",
      ui === "embedded" ? "Stripe did not return a client secret for Embedded Checkout." : "Stripe did not return a checkout URL.",
    );
  }
  // No lock: each click creates its session, then expires every open one but the newest it sees.
  // Whatever the interleaving, the last click to look sees them all, so one session stays open.
  await expireAllButNewestCheckoutSession(customer.providerCustomerId);
  logger.info(
    {
      accountId: account.id,
      plan: plan.id,
      interval,
      quantity,
      trialDays,
      promotionCodeId: promotion?.promotionCodeId,
      checkoutSessionId: session.id,
      ui,
    },
    "checkout started",
  );
  return embedded
    ? { ui: "embedded", url: `${base}${embeddedCheckoutPath(session.id)}`, sessionId: session.id, clientSecret: embedded }
    : { ui: "hosted", url: session.url as string, sessionId: session.id };
}

export interface CheckoutReturn {
  /** Stripe's session status: open, complete or expired. */
  status: string;
  /** True once the checkout.session.completed webhook has been processed. */
  confirmed: boolean;
  summary: BillingSummary;
}

/**
 * The success page's direct sync: reads the session from Stripe and stores its subscription at
 * once, so the user sees the new plan before the webhook lands. Never trusts the URL for status.
 */
export async function pullCheckoutReturn(account: BillingAccount, sessionId: string): Promise<CheckoutReturn> {
  if (!/^cs_[A-Za-z0-9_]+$/.test(sessionId)) throw badRequest("Invalid checkout session id.", { field: "session_id" });
  const db = await getDb();
  // Only "no such session" is a 404; a Stripe outage propagates (503) so the success page keeps polling.
  const session = await retrieveCheckoutSession(sessionId).catch((error: unknown) => {
    if (stripeErrorCode(error) === "resource_missing") return null;
    throw error;
  });
  const customer = await findBillingCustomer(db, account.id);
  const belongsToAccount =
    session && (session.client_reference_id === account.id || (customer && idOf(session.customer) === customer.providerCustomerId));
  if (!session || !belongsToAccount) throw notFound("Checkout session not found.");
  const subscriptionId = idOf(session.subscription);
  if (session.status === "complete" && subscriptionId) await pullStripeSubscription(db, subscriptionId, account.id);
  const [event] = await db
    .select({ status: webhookEvents.status })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.type, "checkout.session.completed"), eq(webhookEvents.objectId, sessionId)))
    .limit(1);
  return { status: session.status ?? "open", confirmed: event?.status === "processed", summary: await getBillingSummary(account.id) };
}

export async function openCustomerPortal(accountId: string, origin?: string): Promise<{ url: string }> {
  const customer = await findBillingCustomer(await getDb(), accountId);
  if (!customer || customer.deletedAt) {
    throw new AppError("no_billing_customer", "You have no billing account yet. Choose a plan first.");
  }
  const session = await createPortalSession(customer.providerCustomerId, `${appUrl(origin)}/billing`);
  return { url: session.url };
}
