import "server-only";
import { AppError } from "@/lib/errors";

/**
 * The SDK's error classes, named by their `type` field. The mapping reads that field instead of
 * using `instanceof`: a production build can hold more than one copy of the `stripe` module (one
 * per server chunk), and an error thrown by one copy is not an instance of another copy's classes.
 */
const STRIPE_ERROR_TYPE = /^Stripe[A-Za-z]*Error$/;

export function stripeErrorType(error: unknown): string | null {
  if (!error || typeof error !== "object") return null;
  const type = (error as { type?: unknown }).type;
  return typeof type === "string" && STRIPE_ERROR_TYPE.test(type) ? type : null;
}

/** Stripe's error `code` (for example `resource_missing`), or null. */
export function stripeErrorCode(error: unknown): string | null {
  if (!stripeErrorType(error)) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : null;
}

/** Turns a Stripe SDK error into the AppError our API answers with, or null if it is not one. */
export function stripeAppError(error: unknown): AppError | null {
  const type = stripeErrorType(error);
  if (!type) return null;
  const stripeError = error as { message: string; decline_code?: string };
  switch (type) {
    case "StripeConnectionError":
    case "StripeAPIError":
      return new AppError("payments_unavailable", "The payment provider is unreachable right now. Please try again.");
    case "StripeCardError":
      return new AppError("card_error", stripeError.message, { decline_code: stripeError.decline_code ?? null });
    case "StripeRateLimitError":
      return new AppError("payments_busy", "The payment provider is busy. Please try again shortly.");
    default:
      return new AppError("payments_error", `The payment provider rejected the request: ${stripeError.message}`);
  }
}

/**
 * Stripe refused a call as invalid for the object's current state: another request may have changed
 * it since it was read (the caller reads again and retries once). By type name, like the mapping above.
 */
export function isStaleStateError(error: unknown): boolean {
  return stripeErrorType(error) === "StripeInvalidRequestError";
}
