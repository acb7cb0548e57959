import "server-only";
import type { ErrorCode } from "@/lib/errors";

/** The one code → HTTP status table. Every `ErrorCode` must appear (the type enforces it). */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_signature: 400,
  no_billing_customer: 400,
  already_on_plan: 400,
  // Unknown, inactive, expired, used up or not for this customer or purchase: Stripe's reason in the message.
  invalid_promotion_code: 400,
  invalid_tax_id: 400,
  billing_address_required: 400,
  // The client hung up mid-body; nobody reads this answer, but it must not look like an outage.
  request_aborted: 400,
  unauthorized: 401,
  api_access_not_in_plan: 401,
  forbidden: 403,
  email_not_verified: 403,
  feature_not_in_plan: 403,
  invitation_email_mismatch: 403,
  card_error: 402,
  quota_exceeded: 402,
  spend_cap_reached: 402,
  level_limit_reached: 402,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  subscription_exists: 409,
  trial_already_used: 409,
  no_subscription: 409,
  subscription_changed: 409,
  preview_expired: 409,
  subscription_not_changeable: 409,
  payment_past_due: 409,
  seat_limit_reached: 409,
  last_owner: 409,
  // Expired, used or revoked: it existed, and it will never work again.
  invitation_not_usable: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  webhook_not_configured: 500,
  processing_failed: 500,
  payments_error: 502,
  checkout_unavailable: 502,
  payments_unavailable: 503,
  payments_busy: 503,
  payments_not_configured: 503,
  catalog_not_synced: 503,
  database_unavailable: 503,
};

export const httpStatus = (code: ErrorCode): number => HTTP_STATUS[code];
