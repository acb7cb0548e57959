import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { emitEvent } from "../events";
import { clone } from "../json";
import { newId } from "../ids";
import { cardError, invalidRequest, type CardErrorDetails } from "../http/errors";
import { cardOfPaymentMethod, attachPaymentMethod, resolvePaymentMethod } from "./payment-methods";
import { AUTHENTICATION_REQUIRED, attemptInvoicePayment } from "./invoices";
import { applyPaymentOutcome } from "./subscriptions";
import { authenticationAction, invoiceOfPaymentIntent, paymentIntentFailed, paymentIntentSucceeded, recordCharge } from "./payment-intents";
import { succeedSetupIntent } from "./setup-intents";

/**
 * PaymentIntents and SetupIntents created through the API (`POST /v1/payment_intents`, `POST /v1/setup_intents`):
 * confirmation with the test cards, 3-D Secure through the hosted `/3d_secure/<id>` page, manual capture and
 * cancellation. Invoices' own PaymentIntents keep their flow in `invoices.ts`; only their authentication ends here.
 */

const GENERIC_DECLINE: CardErrorDetails = { code: "card_declined", declineCode: "generic_decline", message: "Your card was declined." };

/** An off-session payment with a card that always needs 3-D Secure (4000 0027 6000 3184). */
const OFF_SESSION_AUTHENTICATION: CardErrorDetails = {
  code: "authentication_required",
  declineCode: "authentication_required",
  message: "Your card was declined. This transaction requires authentication.",
};

type Attempt = { kind: "succeeded" } | { kind: "requires_action" } | { kind: "declined"; error: CardErrorDetails };

/**
 * What the card does for a payment: 3184 needs 3-D Secure on every payment (declined with `authentication_required`
 * off session), 3155 only on session (off-session payments of a saved 3155 succeed), declining cards decline.
 */
function paymentAttempt(emu: Emulator, paymentMethod: string, offSession: boolean, authenticated: boolean): Attempt {
  const card = cardOfPaymentMethod(emu, paymentMethod);
  if (!card) return { kind: "succeeded" };
  switch (card.behaviour) {
    case "succeed":
      return { kind: "succeeded" };
    case "authentication_required":
      if (authenticated) return { kind: "succeeded" };
      return offSession ? { kind: "declined", error: OFF_SESSION_AUTHENTICATION } : { kind: "requires_action" };
    case "authentication_required_on_setup":
      return authenticated || offSession ? { kind: "succeeded" } : { kind: "requires_action" };
    default:
      return { kind: "declined", error: card.decline ?? GENERIC_DECLINE };
  }
}

/** Saving a card: both 3-D Secure test cards ask for authentication; declining cards decline; the rest succeed. */
function setupAttempt(emu: Emulator, paymentMethod: string, authenticated: boolean): Attempt {
  const card = cardOfPaymentMethod(emu, paymentMethod);
  switch (card?.behaviour) {
    case "authentication_required":
    case "authentication_required_on_setup":
      return authenticated ? { kind: "succeeded" } : { kind: "requires_action" };
    case "decline":
      return { kind: "declined", error: card.decline ?? GENERIC_DECLINE };
    default:
      return { kind: "succeeded" };
  }
}

const PI_CONFIRMABLE = ["requires_payment_method", "requires_confirmation", "requires_action"];
export const PI_UPDATABLE = PI_CONFIRMABLE;
const PI_CANCELABLE = ["requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing"];
const SI_CONFIRMABLE = ["requires_payment_method", "requires_confirmation", "requires_action"];

function statusList(statuses: string[]): string {
  return statuses.join(", ");
}

/** Automatic payment methods may redirect (allow_redirects: always), so a server-side confirmation needs `return_url`. */
function checkReturnUrl(apm: { enabled: boolean | null; allow_redirects?: string } | null, returnUrl: string | null | undefined): void {
  if (apm?.enabled && apm.allow_redirects !== "never" && !returnUrl) {
    throw invalidRequest(
      "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
    );
  }
}

/** The payment method a confirmation uses: a `pm_…` or a `pm_card_*` token, not another customer's. */
function paymentMethodForIntent(emu: Emulator, ref: string, customer: string | null): Stripe.PaymentMethod {
  const pm = resolvePaymentMethod(emu, ref, "payment_method");
  if (pm.customer && customer && pm.customer !== customer) {
    throw invalidRequest(
      `The provided PaymentMethod ${pm.id} is attached to another Customer, so it cannot be used with ${customer}.`,
      "payment_method",
      "payment_method_unexpected_state",
    );
  }
  return pm;
}

export interface ConfirmOptions {
  paymentMethod?: string;
  offSession?: boolean;
  returnUrl?: string | null;
  errorOnRequiresAction?: boolean;
}

/**
 * Confirm a PaymentIntent: `succeeded` (charge.succeeded, payment_intent.succeeded), `requires_capture` for manual
 * capture (charge.succeeded uncaptured, payment_intent.amount_capturable_updated), `requires_action` for 3-D Secure
 * (payment_intent.requires_action), or a decline: `requires_payment_method` with `last_payment_error`
 * (charge.failed, payment_intent.payment_failed) and Stripe's 402 card_error.
 */
export function confirmPaymentIntent(emu: Emulator, intent: Stripe.PaymentIntent, opts: ConfirmOptions): void {
  if (!PI_CONFIRMABLE.includes(intent.status)) {
    throw invalidRequest(
      `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${statusList(PI_CONFIRMABLE)}.`,
      undefined,
      "payment_intent_unexpected_state",
    );
  }
  const customer = typeof intent.customer === "string" ? intent.customer : (intent.customer?.id ?? null);
  const ref = opts.paymentMethod ?? (typeof intent.payment_method === "string" ? intent.payment_method : intent.payment_method?.id);
  if (!ref) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
      undefined,
      "payment_intent_unexpected_state",
    );
  }
  checkReturnUrl(intent.automatic_payment_methods, opts.returnUrl);
  const pm = paymentMethodForIntent(emu, ref, customer);
  intent.payment_method = pm.id;
  const attempt = paymentAttempt(emu, pm.id, opts.offSession ?? false, false);
  if (attempt.kind === "requires_action" && !opts.errorOnRequiresAction) {
    intent.status = "requires_action";
    intent.last_payment_error = null;
    intent.next_action = authenticationAction(emu, intent.id, opts.returnUrl ?? null);
    emitEvent(emu, "payment_intent.requires_action", intent);
    return;
  }
  if (attempt.kind === "succeeded") {
    completePayment(emu, intent, pm.id);
    return;
  }
  declinePayment(emu, intent, pm, attempt.kind === "declined" ? attempt.error : AUTHENTICATION_REQUIRED);
}

/** A successful authorization: captured at once, or held for `capture` with `capture_method: manual`. */
function completePayment(emu: Emulator, intent: Stripe.PaymentIntent, paymentMethod: string): void {
  const customer = typeof intent.customer === "string" ? intent.customer : null;
  // setup_future_usage saves the card on the customer (payment_method.attached) once the payment goes through.
  if (intent.setup_future_usage && customer) attachPaymentMethod(emu, paymentMethod, customer);
  if (intent.capture_method === "manual") {
    const charge = recordCharge(emu, intent, paymentMethod, null, false);
    intent.status = "requires_capture";
    intent.amount_capturable = intent.amount;
    intent.latest_charge = charge.id;
    intent.last_payment_error = null;
    intent.next_action = null;
    emitEvent(emu, "payment_intent.amount_capturable_updated", intent);
    return;
  }
  paymentIntentSucceeded(emu, intent, paymentMethod);
}

function declinePayment(emu: Emulator, intent: Stripe.PaymentIntent, pm: Stripe.PaymentMethod, error: CardErrorDetails): never {
  const charge = paymentIntentFailed(emu, intent, pm.id, error, false);
  throw cardError(error, { paymentIntent: clone(intent), charge, paymentMethod: clone(pm) });
}

/** `POST /v1/payment_intents/:id/capture`: the held amount (or `amount_to_capture` of it) is captured. */
export function capturePaymentIntent(emu: Emulator, intent: Stripe.PaymentIntent, amountToCapture: number | undefined): void {
  if (intent.status !== "requires_capture") {
    throw invalidRequest(
      `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
      undefined,
      "payment_intent_unexpected_state",
    );
  }
  const amount = amountToCapture ?? intent.amount_capturable;
  if (amount < 1 || amount > intent.amount_capturable) {
    throw invalidRequest(
      `The amount to capture must be a positive integer less than or equal to the amount capturable (${intent.amount_capturable}).`,
      "amount_to_capture",
      "amount_too_large",
    );
  }
  const charge = typeof intent.latest_charge === "string" ? emu.store.charges.get(intent.latest_charge) : undefined;
  if (charge) {
    charge.captured = true;
    charge.amount_captured = amount;
    charge.amount_refunded = charge.amount - amount;
    charge.balance_transaction = newId("txn");
    emitEvent(emu, "charge.captured", charge);
  }
  intent.amount_received = amount;
  intent.amount_capturable = 0;
  intent.status = "succeeded";
  emitEvent(emu, "payment_intent.succeeded", intent);
}

/** `POST /v1/payment_intents/:id/cancel`. A held authorization is released (its charge becomes refunded). */
export function cancelStandalonePaymentIntent(
  emu: Emulator,
  intent: Stripe.PaymentIntent,
  reason: Stripe.PaymentIntent.CancellationReason | null,
): void {
  if (!PI_CANCELABLE.includes(intent.status)) {
    throw invalidRequest(
      `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${statusList(PI_CANCELABLE)}.`,
      undefined,
      "payment_intent_unexpected_state",
    );
  }
  if (invoiceOfPaymentIntent(emu, intent.id)) {
    throw invalidRequest(
      "You cannot cancel this PaymentIntent because it was created by an invoice. Void the invoice instead, which cancels its PaymentIntent.",
      undefined,
      "payment_intent_unexpected_state",
    );
  }
  if (intent.status === "requires_capture" && typeof intent.latest_charge === "string") {
    const charge = emu.store.charges.get(intent.latest_charge);
    if (charge) {
      charge.refunded = true;
      charge.amount_refunded = charge.amount;
    }
  }
  intent.status = "canceled";
  intent.amount_capturable = 0;
  intent.canceled_at = emu.nowFor(typeof intent.customer === "string" ? intent.customer : null);
  intent.cancellation_reason = reason;
  intent.next_action = null;
  emitEvent(emu, "payment_intent.canceled", intent);
}

export interface SetupConfirmOptions {
  paymentMethod?: string;
  returnUrl?: string | null;
}

/**
 * Confirm a SetupIntent: `succeeded` (the card is attached to the customer: payment_method.attached, then
 * setup_intent.succeeded), `requires_action` for the 3-D Secure cards (setup_intent.requires_action), or a decline:
 * `requires_payment_method` with `last_setup_error` (setup_intent.setup_failed) and a 402 card_error.
 */
export function confirmSetupIntent(emu: Emulator, intent: Stripe.SetupIntent, opts: SetupConfirmOptions): void {
  if (!SI_CONFIRMABLE.includes(intent.status)) {
    throw invalidRequest(
      `You cannot confirm this SetupIntent because it has a status of ${intent.status}. Only a SetupIntent with one of the following statuses may be confirmed: ${statusList(SI_CONFIRMABLE)}.`,
      undefined,
      "setup_intent_unexpected_state",
    );
  }
  const customer = typeof intent.customer === "string" ? intent.customer : (intent.customer?.id ?? null);
  const ref = opts.paymentMethod ?? (typeof intent.payment_method === "string" ? intent.payment_method : intent.payment_method?.id);
  if (!ref) {
    throw invalidRequest(
      "You cannot confirm this SetupIntent because it's missing a payment method. You can either update the SetupIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
      undefined,
      "setup_intent_unexpected_state",
    );
  }
  checkReturnUrl(intent.automatic_payment_methods, opts.returnUrl);
  const pm = paymentMethodForIntent(emu, ref, customer);
  intent.payment_method = pm.id;
  const attempt = setupAttempt(emu, pm.id, false);
  if (attempt.kind === "requires_action") {
    intent.status = "requires_action";
    intent.last_setup_error = null;
    intent.next_action = authenticationAction(emu, intent.id, opts.returnUrl ?? null) as Stripe.SetupIntent.NextAction;
    emitEvent(emu, "setup_intent.requires_action", intent);
    return;
  }
  if (attempt.kind === "succeeded") {
    completeSetup(emu, intent, pm.id, customer);
    return;
  }
  failSetup(emu, intent, pm, attempt.error);
  throw cardError(attempt.error, { setupIntent: clone(intent), paymentMethod: clone(pm) });
}

function completeSetup(emu: Emulator, intent: Stripe.SetupIntent, paymentMethod: string, customer: string | null): void {
  if (customer) attachPaymentMethod(emu, paymentMethod, customer);
  intent.last_setup_error = null;
  intent.next_action = null;
  succeedSetupIntent(emu, intent, paymentMethod);
}

function failSetup(
  emu: Emulator,
  intent: Stripe.SetupIntent,
  pm: Stripe.PaymentMethod,
  error: CardErrorDetails & { type?: "card_error" | "invalid_request_error" },
): void {
  intent.status = "requires_payment_method";
  intent.next_action = null;
  intent.last_setup_error = {
    type: error.type ?? "card_error",
    code: error.code,
    message: error.message,
    ...(error.declineCode ? { decline_code: error.declineCode } : {}),
    payment_method: clone(pm),
    payment_method_type: "card",
    doc_url: `https://stripe.com/docs/error-codes/${error.code.replace(/_/g, "-")}`,
  };
  emitEvent(emu, "setup_intent.setup_failed", intent);
}

const SI_CANCELABLE = ["requires_payment_method", "requires_confirmation", "requires_action"];

export function cancelSetupIntent(emu: Emulator, intent: Stripe.SetupIntent, reason: Stripe.SetupIntent.CancellationReason | null): void {
  if (!SI_CANCELABLE.includes(intent.status)) {
    throw invalidRequest(
      `You cannot cancel this SetupIntent because it has a status of ${intent.status}. Only a SetupIntent with one of the following statuses may be canceled: ${statusList(SI_CANCELABLE)}.`,
      undefined,
      "setup_intent_unexpected_state",
    );
  }
  intent.status = "canceled";
  intent.cancellation_reason = reason;
  intent.next_action = null;
  emitEvent(emu, "setup_intent.canceled", intent);
}

const AUTHENTICATION_FAILED_PI =
  "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.";
const AUTHENTICATION_FAILED_SI =
  "The latest attempt to set up the payment method has failed because authentication failed. You can provide payment_method_data or a new PaymentMethod to attempt to set it up again.";

/**
 * The hosted 3-D Secure page's answer for a PaymentIntent or SetupIntent in `requires_action`. Completing it
 * finishes the payment (an invoice's PaymentIntent pays its invoice) or the setup; failing it leaves the intent in
 * `requires_payment_method` with `payment_intent_authentication_failure` / `setup_intent_authentication_failure`.
 * Returns where the page sends the customer: the `return_url` with Stripe's query parameters, or null.
 */
export function finishAuthentication(emu: Emulator, id: string, complete: boolean): string | null {
  const payment = emu.store.paymentIntents.get(id);
  if (payment) return finishPaymentAuthentication(emu, payment, complete);
  const setup = emu.store.setupIntents.get(id);
  if (!setup || setup.status !== "requires_action") return null;
  const returnUrl = setup.next_action?.redirect_to_url?.return_url ?? null;
  const pmId = typeof setup.payment_method === "string" ? setup.payment_method : (setup.payment_method?.id ?? null);
  const pm = pmId ? emu.store.paymentMethods.get(pmId) : undefined;
  if (!pm) return null;
  let succeeded = false;
  if (complete) {
    const customer = typeof setup.customer === "string" ? setup.customer : null;
    completeSetup(emu, setup, pm.id, customer);
    succeeded = true;
  } else {
    failSetup(emu, setup, pm, {
      type: "invalid_request_error",
      code: "setup_intent_authentication_failure",
      message: AUTHENTICATION_FAILED_SI,
    });
  }
  return returnTo(returnUrl, {
    setup_intent: setup.id,
    setup_intent_client_secret: setup.client_secret ?? "",
    redirect_status: succeeded ? "succeeded" : "failed",
  });
}

function finishPaymentAuthentication(emu: Emulator, intent: Stripe.PaymentIntent, complete: boolean): string | null {
  if (intent.status !== "requires_action") return null;
  const returnUrl = intent.next_action?.redirect_to_url?.return_url ?? null;
  const pmId = typeof intent.payment_method === "string" ? intent.payment_method : (intent.payment_method?.id ?? null);
  if (!pmId) return null;
  const invoice = invoiceOfPaymentIntent(emu, intent.id);
  if (complete) {
    if (invoice) {
      attemptInvoicePayment(emu, invoice, { paymentMethodId: pmId, authenticated: true, scheduleRetries: false });
      applyPaymentOutcome(emu, invoice);
    } else {
      completePayment(emu, intent, pmId);
    }
  } else {
    const pm = emu.store.paymentMethods.get(pmId);
    intent.status = "requires_payment_method";
    intent.next_action = null;
    intent.last_payment_error = {
      type: "invalid_request_error",
      code: "payment_intent_authentication_failure",
      message: AUTHENTICATION_FAILED_PI,
      ...(pm ? { payment_method: clone(pm), payment_method_type: "card" } : {}),
      doc_url: "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
    };
    emitEvent(emu, "payment_intent.payment_failed", intent);
  }
  const status = intent.status === "succeeded" || intent.status === "requires_capture" ? "succeeded" : "failed";
  return returnTo(returnUrl, {
    payment_intent: intent.id,
    payment_intent_client_secret: intent.client_secret ?? "",
    redirect_status: status,
  });
}

function returnTo(url: string | null, query: Record<string, string>): string | null {
  if (!url) return null;
  const target = new URL(url);
  for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
  return target.toString();
}
