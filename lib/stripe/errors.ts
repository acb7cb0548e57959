import Stripe from "stripe";
import { HttpError } from "@/lib/http/errors";

/** Turns a Stripe SDK error into the HTTP error our API answers with, or null if it is not one. */
export function stripeHttpError(error: unknown): HttpError | null {
  if (!(error instanceof Stripe.errors.StripeError)) return null;
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError) {
    return new HttpError(503, "payments_unavailable", "The payment provider is unreachable right now. Please try again.");
  }
  if (error instanceof Stripe.errors.StripeCardError) {
    return new HttpError(402, "card_error", error.message, { decline_code: error.decline_code ?? null });
  }
  if (error instanceof Stripe.errors.StripeRateLimitError) {
    return new HttpError(503, "payments_busy", "The payment provider is busy. Please try again shortly.");
  }
  return new HttpError(502, "payments_error", `The payment provider rejected the request: ${error.message}`);
}
