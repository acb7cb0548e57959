/**
 * The closed list of error codes the app answers with. Domain code (lib/billing, lib/auth, …)
 * throws `AppError`s carrying one of these codes and never thinks about HTTP; the route wrapper
 * turns the code into a status with the one table in lib/http/errors.ts. Adding a code here
 * without giving it a status there is a type error.
 */
import "server-only";
export const ERROR_CODES = [
  // 400: the request itself is wrong
  "bad_request",
  "invalid_signature",
  "no_billing_customer",
  "already_on_plan",
  "invalid_promotion_code",
  "invalid_tax_id",
  "billing_address_required",
  "request_aborted",
  // 401 / 403: who you are and what you may do
  "unauthorized",
  "api_access_not_in_plan",
  "forbidden",
  "email_not_verified",
  "feature_not_in_plan",
  "invitation_email_mismatch",
  // 402: payment or quota
  "card_error",
  "quota_exceeded",
  "spend_cap_reached",
  "level_limit_reached",
  // 404 / 405 / 409 / 413 / 415 / 429
  "not_found",
  "method_not_allowed",
  "conflict",
  "subscription_exists",
  "trial_already_used",
  "no_subscription",
  "subscription_changed",
  "preview_expired",
  "subscription_not_changeable",
  "payment_past_due",
  "seat_limit_reached",
  "last_owner",
  "invitation_not_usable",
  "payload_too_large",
  "unsupported_media_type",
  "rate_limited",
  // 5xx: our side or a dependency
  "internal_error",
  "webhook_not_configured",
  "processing_failed",
  "payments_error",
  "checkout_unavailable",
  "payments_unavailable",
  "payments_busy",
  "payments_not_configured",
  "catalog_not_synced",
  "database_unavailable",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An expected failure with a stable code, a message safe to show the user, and optional details. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}

export const badRequest = (message: string, details?: Record<string, unknown>) => new AppError("bad_request", message, details);
export const unauthorized = (message = "Sign in to continue.") => new AppError("unauthorized", message);
export const forbidden = (message = "You do not have access to this resource.") => new AppError("forbidden", message);
export const notFound = (message = "Not found.") => new AppError("not_found", message);
export const conflict = (message: string, details?: Record<string, unknown>) => new AppError("conflict", message, details);
