import "server-only";
import { PRICE_TAX_BEHAVIOR } from "@/lib/billing/plans";
import { checkoutTaxParams } from "./gateway";
import type Stripe from "stripe";
import { getStripe } from "./client";
import { idOf } from "./mapping";

/**
 * The Stripe calls of prepaid credits (lib/billing/credits): one-time Checkout payments for a pack,
 * off-session PaymentIntents for auto top-ups, and the objects webhooks re-read. Metadata
 * `kind: credits` marks them, with the account and pack, so a webhook can tell them apart.
 */
export const CREDITS_METADATA_KIND = "credits";

export function createCreditsCheckout(params: {
  customerId: string;
  accountId: string;
  packId: string;
  productName: string;
  amount: number;
  currency: string;
  successUrl: string;
  cancelUrl: string;
  idempotencyKey: string;
}) {
  const metadata = { kind: CREDITS_METADATA_KIND, accountId: params.accountId, pack: params.packId };
  return getStripe().checkout.sessions.create(
    {
      mode: "payment",
      customer: params.customerId,
      client_reference_id: params.accountId,
      line_items: [
        {
          price_data: {
            currency: params.currency,
            unit_amount: params.amount,
            tax_behavior: PRICE_TAX_BEHAVIOR,
            product_data: { name: params.productName },
          },
          quantity: 1,
        },
      ],
      metadata,
      success_url: params.successUrl,
      cancel_url: params.cancelUrl,
      // With STRIPE_TAX on, a credit pack is taxed like a subscription (address, tax IDs, automatic tax).
      ...checkoutTaxParams(),
    },
    { idempotencyKey: params.idempotencyKey },
  );
}

export const retrievePaymentIntent = (id: string) => getStripe().paymentIntents.retrieve(id);
export const retrieveCharge = (id: string) => getStripe().charges.retrieve(id);

/** The customer's default card for off-session charges (invoice settings), or null. */
export async function defaultPaymentMethodOf(customerId: string): Promise<string | null> {
  const customer = await getStripe().customers.retrieve(customerId);
  if ("deleted" in customer && customer.deleted) return null;
  return idOf((customer as Stripe.Customer).invoice_settings?.default_payment_method ?? null);
}

/**
 * The one PaymentIntent of an auto top-up, made unconfirmed with the top-up's id as idempotency key:
 * however often a worker retries, Stripe returns the same intent, and each attempt confirms it.
 */
export function topUpPaymentIntent(params: {
  topUpId: string;
  customerId: string;
  accountId: string;
  packId: string;
  amount: number;
  currency: string;
}) {
  return getStripe().paymentIntents.create(
    {
      amount: params.amount,
      currency: params.currency,
      customer: params.customerId,
      allowed_payment_method_types: ["card"],
      description: `Credit top-up ${params.packId}`,
      metadata: { kind: CREDITS_METADATA_KIND, accountId: params.accountId, pack: params.packId, topUpId: params.topUpId },
    },
    { idempotencyKey: `credits-top-up:${params.topUpId}` },
  );
}

/** Confirms an auto top-up's PaymentIntent off session with the saved card (a decline throws Stripe's card error). */
export function confirmOffSession(paymentIntentId: string, paymentMethod: string, attempt: number) {
  return getStripe().paymentIntents.confirm(
    paymentIntentId,
    { payment_method: paymentMethod, off_session: true },
    { idempotencyKey: `credits-top-up-confirm:${paymentIntentId}:${attempt}` },
  );
}
