import { NextResponse } from "next/server";
import { receiveStripeEvent } from "@/lib/billing/webhooks/inbox";
import { readBodyWithLimit } from "@/lib/http/body";
import { AppError } from "@/lib/errors";
import { jsonError } from "@/lib/http/route";
import { logger } from "@/lib/logger";
import { withRequestContext } from "@/lib/request-context";
import { verifyStripeWebhook, webhookSecret } from "@/lib/stripe/webhook-signature";

export const dynamic = "force-dynamic";
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Stripe → us. 400 only for a bad signature (nothing is stored); 200 once the event is stored and
 * processed (or was already); 500 when processing failed, so Stripe retries.
 */
export const POST = (request: Request) => withRequestContext(request, () => receive(request));

async function receive(request: Request): Promise<Response> {
  const secret = webhookSecret();
  if (!secret) {
    logger.error("STRIPE_WEBHOOK_SECRET is not set; refusing webhooks");
    return jsonError(new AppError("webhook_not_configured", "Webhook secret is not configured."));
  }
  let rawBody: string;
  try {
    rawBody = await readBodyWithLimit(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof AppError) return jsonError(error);
    throw error;
  }
  let event;
  try {
    event = verifyStripeWebhook(rawBody, request.headers.get("stripe-signature"), secret);
  } catch (error) {
    const message = error instanceof Error ? error.message : "invalid signature";
    return jsonError(new AppError("invalid_signature", `Webhook signature verification failed: ${message}`));
  }
  try {
    const result = await receiveStripeEvent(event);
    return NextResponse.json({ received: true, ...result });
  } catch {
    return jsonError(new AppError("processing_failed", "The event could not be processed; it will be retried."));
  }
}
