import "server-only";
import { env } from "@/env";
import Stripe from "stripe";

/** Stripe's default: a signed timestamp older than five minutes is a replay and is rejected. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export function webhookSecret(): string | undefined {
  return env.STRIPE_WEBHOOK_SECRET || undefined;
}

/** Verifies `Stripe-Signature` over the raw body; throws Stripe's signature error when it does not match. */
export function verifyStripeWebhook(rawBody: string, signature: string | null, secret: string): Stripe.Event {
  if (!signature) {
    throw new Stripe.errors.StripeSignatureVerificationError("", rawBody, { message: "Missing Stripe-Signature header" });
  }
  return Stripe.webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS);
}
