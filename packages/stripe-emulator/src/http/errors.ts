/** A Stripe-shaped API error: `{ error: { type, code, message, param, ... } }` with its HTTP status. */
export type StripeErrorType = "api_error" | "card_error" | "idempotency_error" | "invalid_request_error" | "authentication_error";

export interface StripeErrorBody {
  type: StripeErrorType;
  code?: string;
  message: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  request_log_url?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
  setup_intent?: unknown;
  charge?: string;
}

export class StripeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }

  toJSON(): { error: StripeErrorBody } {
    return { error: this.body };
  }
}

function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replace(/_/g, "-")}`;
}

export function invalidRequest(message: string, param?: string, code?: string, status = 400): StripeApiError {
  return new StripeApiError(status, {
    type: "invalid_request_error",
    message,
    ...(param !== undefined ? { param } : {}),
    ...(code !== undefined ? { code, doc_url: docUrl(code) } : {}),
  });
}

export function parameterMissing(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, param, "parameter_missing");
}

export function parameterInvalidEmpty(param: string): StripeApiError {
  return invalidRequest(
    `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
    param,
    "parameter_invalid_empty",
  );
}

export function parameterInvalid(param: string, message: string, code = "parameter_invalid_string"): StripeApiError {
  return invalidRequest(message, param, code);
}

/** 404 for the object named in the URL; 400 for one a body parameter references (Stripe's behaviour). */
export function resourceMissing(kind: string, id: string, param = "id"): StripeApiError {
  return invalidRequest(`No such ${kind}: '${id}'`, param, "resource_missing", param === "id" ? 404 : 400);
}

export function unknownRoute(method: string, path: string): StripeApiError {
  return invalidRequest(
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    undefined,
    undefined,
    404,
  );
}

export function authenticationError(message: string): StripeApiError {
  return new StripeApiError(401, { type: "authentication_error", message });
}

/**
 * Reusing a key with different parameters: Stripe answers 400 (the SDK only maps idempotency_error to
 * StripeIdempotencyError for 400/404; 409 is reserved for a concurrent request still holding the key).
 */
export function idempotencyConflict(key: string): StripeApiError {
  return new StripeApiError(400, {
    type: "idempotency_error",
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

export interface CardErrorDetails {
  code: string;
  declineCode?: string;
  message: string;
  param?: string;
}

/** What a declined payment attaches to its card_error: the PaymentIntent, the failed charge and the payment method. */
export interface PaymentErrorContext {
  paymentIntent?: object;
  charge?: string | null;
  paymentMethod?: object;
  setupIntent?: object;
}

export function cardError(details: CardErrorDetails, context: PaymentErrorContext = {}): StripeApiError {
  return new StripeApiError(402, {
    type: "card_error",
    code: details.code,
    message: details.message,
    doc_url: docUrl(details.code),
    ...(details.declineCode ? { decline_code: details.declineCode } : {}),
    ...(details.param ? { param: details.param } : {}),
    ...(context.charge ? { charge: context.charge } : {}),
    ...(context.paymentIntent ? { payment_intent: context.paymentIntent } : {}),
    ...(context.paymentMethod ? { payment_method: context.paymentMethod } : {}),
    ...(context.setupIntent ? { setup_intent: context.setupIntent } : {}),
  });
}
