import "server-only";
import type Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { retrieveCheckoutSession } from "@/lib/stripe/gateway";
import { CREDITS_METADATA_KIND, retrieveCharge, retrievePaymentIntent } from "@/lib/stripe/credits";
import { idOf } from "@/lib/stripe/mapping";
import { findBillingCustomerByProviderId } from "../customers";
import { findCreditPack } from "../plans";
import { creditPurchase, removeRefundedCredits } from "./ledger";
import { recordTopUpSuccess } from "./top-ups";

/**
 * The webhook events of prepaid credits, in the inbox's two halves (lib/billing/webhooks): what
 * Stripe says now is re-read first, then one short write. Each write is idempotent by its ledger key
 * (`pi:<PaymentIntent>` credits a payment once, whichever event or the job gets there first).
 * Returns null for events that are not about credits, so the regular handlers take them.
 */
export type CreditsWrite = { write: (tx: Queryable) => Promise<{ status: "processed" | "ignored"; note?: string }> } | { ignored: string };

/** The account a credits payment is for: its metadata, confirmed by the Stripe customer's owner. */
async function owningAccount(
  db: Queryable,
  metadata: Stripe.Metadata | null | undefined,
  customerId: string | null,
): Promise<string | null> {
  const accountId = metadata?.accountId;
  if (!accountId || !customerId) return null;
  const owner = await findBillingCustomerByProviderId(db, customerId);
  return owner?.accountId === accountId ? accountId : null;
}

export async function prepareCreditsEvent(db: Queryable, event: Stripe.Event): Promise<CreditsWrite | null> {
  const type = event.type as string;
  const object = event.data.object as { id: string; metadata?: Stripe.Metadata | null; mode?: string };

  if (
    (type === "checkout.session.completed" || type === "checkout.session.async_payment_succeeded") &&
    object.metadata?.kind === CREDITS_METADATA_KIND
  ) {
    const session = await retrieveCheckoutSession(object.id);
    const paymentIntentId = idOf(session.payment_intent);
    if (session.mode !== "payment" || session.payment_status !== "paid" || !paymentIntentId)
      return { ignored: `credits checkout not paid (${session.payment_status})` };
    const accountId = await owningAccount(db, session.metadata, idOf(session.customer));
    const pack = findCreditPack(session.metadata?.pack);
    if (!accountId || !pack) return { ignored: "credits checkout for an unknown account or pack" };
    return {
      write: async (tx) => {
        const credited = await creditPurchase(tx, {
          accountId,
          packId: pack.pack.id,
          paymentIntentId,
          amount: session.amount_total ?? pack.pack.amount,
          currency: session.currency ?? pack.pack.currency,
          source: "checkout",
        });
        return credited === null ? { status: "processed", note: "credited before" } : { status: "processed" };
      },
    };
  }

  if (type === "payment_intent.succeeded" && object.metadata?.kind === CREDITS_METADATA_KIND && object.metadata?.topUpId) {
    const intent = await retrievePaymentIntent(object.id);
    const accountId = await owningAccount(db, intent.metadata, idOf(intent.customer));
    const pack = findCreditPack(intent.metadata?.pack);
    if (intent.status !== "succeeded" || !accountId || !pack) return { ignored: "top-up payment not succeeded or not ours" };
    const topUpId = intent.metadata.topUpId;
    return {
      write: async (tx) => {
        await recordTopUpSuccess(tx, topUpId, {
          accountId,
          packId: pack.pack.id,
          paymentIntentId: intent.id,
          amount: intent.amount,
          currency: intent.currency,
        });
        return { status: "processed" };
      },
    };
  }

  if (type === "charge.refunded") {
    const charge = await retrieveCharge(object.id);
    const paymentIntentId = idOf(charge.payment_intent);
    if (!paymentIntentId) return { ignored: "refunded charge without a PaymentIntent" };
    return {
      write: async (tx) => {
        const removed = await removeRefundedCredits(tx, { paymentIntentId, chargeId: charge.id, amountRefunded: charge.amount_refunded });
        return { status: "processed", note: removed > 0 ? `removed ${removed} credits` : "no credits to remove" };
      },
    };
  }
  return null;
}
