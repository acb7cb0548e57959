import "server-only";
import { env } from "@/env";
import type { NextRequest } from "next/server";
import type Stripe from "stripe";
import { requireApiAdmin, requireApiUser, requireApiUserOrKey, type SessionUser } from "@/lib/auth/session";
import { secretMatches } from "@/lib/auth/shared-secret";
import { noteWebhookSignatureFailure } from "@/lib/billing/webhooks/signature-failures";
import { AppError, unauthorized } from "@/lib/errors";
import { verifyStripeWebhook, webhookSecret } from "@/lib/stripe/webhook-signature";

/**
 * Who may call a route. Every route declares exactly one:
 * - `public`: anyone (pages' data, sign-up, next-auth's own endpoints);
 * - `user` / `admin`: a session cookie of a signed-in user / of an admin (401 / 403 otherwise); a
 *   request presenting an API key is a 401 even with a cookie, so a leaked key can never manage keys
 *   (mint new ones, revoke others) or act as the user on the session-only surface;
 * - `user-or-key`: `Authorization: Bearer <api key>` when present (a bad key is a 401, never a
 *   fallback to the cookie), otherwise a signed-in user's session (the usage API, other services);
 * - `internal-key`: `X-Internal-API-Key: $INTERNAL_API_KEY` (other payment providers' bridges);
 * - `cron-secret`: `Authorization: Bearer $CRON_SECRET` (Vercel Cron);
 * - `stripe-signature`: a valid `Stripe-Signature` over the raw body (the webhook).
 */
export const ACCESS_KINDS = ["public", "user", "user-or-key", "admin", "internal-key", "cron-secret", "stripe-signature"] as const;
export type Access = (typeof ACCESS_KINDS)[number];

export interface Principal {
  user: SessionUser | null;
  /** Set when a `user-or-key` route was called with an API key. */
  apiKeyId: string | null;
  /** The account of that API key: the only account the call may act for. */
  apiKeyAccountId: string | null;
  stripeEvent: Stripe.Event | null;
}

const anonymous: Principal = { user: null, apiKeyId: null, apiKeyAccountId: null, stripeEvent: null };

/** Authenticates a request for the route's declared access, or throws the AppError to answer with. */
export async function authenticateAccess(access: Access, request: NextRequest, rawBody: string): Promise<Principal> {
  switch (access) {
    case "public":
      return anonymous;
    case "user":
      refuseApiKey(request);
      return { ...anonymous, user: await requireApiUser(request) };
    case "user-or-key":
      return { ...anonymous, ...(await requireApiUserOrKey(request)) };
    case "admin":
      refuseApiKey(request);
      return { ...anonymous, user: await requireApiAdmin(request) };
    case "internal-key":
      if (!secretMatches(request.headers.get("x-internal-api-key"), env.INTERNAL_API_KEY)) {
        throw unauthorized("A valid X-Internal-API-Key header is required.");
      }
      return anonymous;
    case "cron-secret": {
      const token = request.headers.get("authorization")?.replace(/^Bearer\s+/i, "");
      if (!secretMatches(token, env.CRON_SECRET)) throw unauthorized("A valid CRON_SECRET bearer token is required.");
      return anonymous;
    }
    case "stripe-signature":
      return { ...anonymous, stripeEvent: await verifiedStripeEvent(request, rawBody) };
  }
}

/** Session-only routes answer an API key with a 401 that says why (never a fallback to the cookie). */
function refuseApiKey(request: NextRequest): void {
  if (/^Bearer\s/i.test(request.headers.get("authorization") ?? "")) {
    throw unauthorized("API keys cannot be used here: this needs a signed-in session.");
  }
}

async function verifiedStripeEvent(request: NextRequest, rawBody: string): Promise<Stripe.Event> {
  const secret = webhookSecret();
  if (!secret) throw new AppError("webhook_not_configured", "Webhook secret is not configured.");
  try {
    return verifyStripeWebhook(rawBody, request.headers.get("stripe-signature"), secret);
  } catch (error) {
    const message = error instanceof Error ? error.message : "invalid signature";
    // Logged (without the payload) and counted: a burst of them raises an operator alert.
    await noteWebhookSignatureFailure(message);
    throw new AppError("invalid_signature", `Webhook signature verification failed: ${message}`);
  }
}
