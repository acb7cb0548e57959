import { HttpError } from "@/lib/http/errors";

/**
 * The SDK's error class names (`error.type`). Checked by name, not with `instanceof`: a production
 * build can bundle more than one copy of the SDK, and an error thrown by one copy is not an
 * instance of the other copy's classes.
 */
type StripeErrorType =
  | "StripeCardError"
  | "StripeInvalidRequestError"
  | "StripeAPIError"
  | "StripeAuthenticationError"
  | "StripePermissionError"
  | "StripeRateLimitError"
  | "StripeConnectionError"
  | "StripeIdempotencyError";

interface StripeErrorLike {
  type: StripeErrorType;
  message: string;
  decline_code?: string;
}

function isStripeError(error: unknown): error is StripeErrorLike {
  const type = typeof error === "object" && error !== null ? (error as { type?: unknown }).type : undefined;
  return typeof type === "string" && type.startsWith("Stripe") && error instanceof Error;
}

/** Turns a Stripe SDK error into the HTTP error our API answers with, or null if it is not one. */
export function stripeHttpError(error: unknown): HttpError | null {
  if (!isStripeError(error)) return null;
  switch (error.type) {
    case "StripeConnectionError":
    case "StripeAPIError":
      return new HttpError(503, "payments_unavailable", "The payment provider is unreachable right now. Please try again.");
    case "StripeCardError":
      return new HttpError(402, "card_error", error.message, { decline_code: error.decline_code ?? null });
    case "StripeRateLimitError":
      return new HttpError(503, "payments_busy", "The payment provider is busy. Please try again shortly.");
    default:
      return new HttpError(502, "payments_error", `The payment provider rejected the request: ${error.message}`);
  }
}

/**
 * Stripe refused a call as invalid for the object's current state: another request may have changed
 * it since it was read (the caller reads again and retries once).
 */
export function isStaleStateError(error: unknown): boolean {
  return isStripeError(error) && error.type === "StripeInvalidRequestError";
}
