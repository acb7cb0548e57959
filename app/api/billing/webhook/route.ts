import { NextResponse } from "next/server";
import { receiveStripeEvent } from "@/lib/billing/webhooks/inbox";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * Stripe → us. 400 for a bad signature or a signed event with no id (nothing is stored); 200 once
 * the event is stored and processed, or recorded as ignored (malformed), or was already; 500 when
 * processing failed, so Stripe retries.
 */
export const POST = route({ access: "stripe-signature", accepts: "raw", maxBodyBytes: 1024 * 1024 }, async ({ stripeEvent }) => {
  try {
    return NextResponse.json({ received: true, ...(await receiveStripeEvent(stripeEvent)) });
  } catch (error) {
    if (error instanceof AppError && error.code === "bad_request") throw error; // no usable id: nothing stored
    throw new AppError("processing_failed", "The event could not be processed; it will be retried.");
  }
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
