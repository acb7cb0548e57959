import "server-only";
import { getDb } from "@/db/client";
import { AppError, notFound } from "@/lib/errors";
import { stripeErrorCode } from "@/lib/stripe/errors";
import { retrieveCheckoutSession } from "@/lib/stripe/gateway";
import { idOf } from "@/lib/stripe/mapping";
import { embeddedCheckoutClient, type EmbeddedCheckoutClient } from "./checkout-ui";
import { findBillingCustomer } from "./customers";

/** The app's own Checkout page for an Embedded Checkout session (app/checkout/page.tsx). */
export const embeddedCheckoutPath = (sessionId: string) => `/checkout?session=${encodeURIComponent(sessionId)}`;

/** Where a completed Checkout lands: the success page that syncs the session (its `return_url` / `success_url`). */
export const checkoutSuccessPath = (sessionId: string) => `/billing/success?session_id=${encodeURIComponent(sessionId)}`;

export type EmbeddedCheckoutView =
  /** Pay here: Embedded Checkout with this client secret. */
  | { state: "open"; clientSecret: string; client: EmbeddedCheckoutClient }
  /** An open hosted Checkout: pay on Stripe's page. */
  | { state: "hosted"; url: string }
  /** Paid already: the success page confirms it. */
  | { state: "complete"; successPath: string }
  | { state: "expired" };

/**
 * The /checkout page's read: the account's Checkout Session, as Stripe has it now (never the URL's word). Another
 * account's session, or one Stripe does not know, is a 404; a Stripe outage propagates (503).
 */
export async function embeddedCheckoutView(accountId: string, sessionId: string): Promise<EmbeddedCheckoutView> {
  // A page address: what is not a session id is not found either.
  if (!/^cs_[A-Za-z0-9_]+$/.test(sessionId)) throw notFound("Checkout session not found.");
  const session = await retrieveCheckoutSession(sessionId).catch((error: unknown) => {
    if (stripeErrorCode(error) === "resource_missing") return null;
    throw error;
  });
  const customer = session ? await findBillingCustomer(await getDb(), accountId) : null;
  const belongs =
    session && (session.client_reference_id === accountId || (customer && idOf(session.customer) === customer.providerCustomerId));
  if (!session || !belongs) throw notFound("Checkout session not found.");
  if (session.status === "complete") return { state: "complete", successPath: checkoutSuccessPath(session.id) };
  if (session.status !== "open") return { state: "expired" };
  if (session.ui_mode !== "embedded_page") return session.url ? { state: "hosted", url: session.url } : { state: "expired" };
  const client = embeddedCheckoutClient();
  if (!client) throw new AppError("payments_not_configured", "Embedded Checkout needs NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY.");
  if (!session.client_secret) throw new AppError("checkout_unavailable", "Stripe did not return a client secret for Embedded Checkout.");
  return { state: "open", clientSecret: session.client_secret, client };
}
