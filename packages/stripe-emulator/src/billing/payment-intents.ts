import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { newId, randomToken } from "../ids";
import { emitEvent } from "../events";
import { clone } from "../json";
import type { CardErrorDetails } from "../http/errors";

/**
 * The PaymentIntent that collects an invoice: created when a charge_automatically invoice with an amount due is
 * finalized (payment_intent.created), then moved by each payment attempt (succeeded, requires_payment_method with
 * last_payment_error, or requires_action for 3-D Secure). Its client secret is the invoice's `confirmation_secret`.
 */
export function buildPaymentIntent(emu: Emulator, invoice: Stripe.Invoice): Stripe.PaymentIntent {
  return newPaymentIntent(emu, {
    amount: invoice.amount_due,
    currency: invoice.currency,
    customer: String(invoice.customer),
    description: invoice.billing_reason === "subscription_create" ? "Subscription creation" : "Subscription update",
  });
}

/** A PaymentIntent with Stripe's defaults; `fields` overrides them (invoices' intents and `POST /v1/payment_intents`). */
export function newPaymentIntent(
  emu: Emulator,
  fields: Partial<Stripe.PaymentIntent> & Pick<Stripe.PaymentIntent, "amount" | "currency">,
): Stripe.PaymentIntent {
  const id = newId("pi");
  const customer = typeof fields.customer === "string" ? fields.customer : null;
  return {
    id,
    object: "payment_intent",
    allowed_payment_method_types: null,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic",
    client_secret: `${id}_secret_${randomToken(25)}`,
    confirmation_method: "automatic",
    created: emu.nowFor(customer),
    customer,
    customer_account: null,
    description: null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: ["card"],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "requires_payment_method",
    transfer_group: null,
    ...fields,
  };
}

export function paymentIntentOfInvoice(emu: Emulator, invoiceId: string): Stripe.PaymentIntent | undefined {
  const id = emu.store.invoicePaymentIntents.get(invoiceId);
  return id ? emu.store.paymentIntents.get(id) : undefined;
}

/** The invoice's PaymentIntent, created on first use (finalization of an invoice with an amount due). */
export function ensurePaymentIntent(emu: Emulator, invoice: Stripe.Invoice): Stripe.PaymentIntent {
  const existing = paymentIntentOfInvoice(emu, invoice.id);
  if (existing) return existing;
  const intent = buildPaymentIntent(emu, invoice);
  emu.store.paymentIntents.set(intent.id, intent);
  emu.store.invoicePaymentIntents.set(invoice.id, intent.id);
  emitEvent(emu, "payment_intent.created", intent);
  return intent;
}

export function invoiceOfPaymentIntent(emu: Emulator, intentId: string): Stripe.Invoice | undefined {
  for (const [invoiceId, id] of emu.store.invoicePaymentIntents) {
    if (id === intentId) return emu.store.invoices.get(invoiceId);
  }
  return undefined;
}

export function confirmationSecret(emu: Emulator, invoice: Stripe.Invoice): Stripe.Invoice.ConfirmationSecret | null {
  const intent = paymentIntentOfInvoice(emu, invoice.id);
  if (!intent?.client_secret || invoice.status !== "open") return null;
  return { client_secret: intent.client_secret, type: "payment_intent" };
}

/**
 * The Charge behind one payment attempt (charge.succeeded / charge.failed). `capture: false` is an authorization
 * only (`capture_method: manual`): succeeded and paid, but not captured until the PaymentIntent is.
 */
export function recordCharge(
  emu: Emulator,
  intent: Stripe.PaymentIntent,
  paymentMethod: string | null,
  error: CardErrorDetails | null,
  capture = true,
): Stripe.Charge {
  const pm = paymentMethod ? emu.store.paymentMethods.get(paymentMethod) : undefined;
  const captured = !error && capture;
  const charge: Stripe.Charge = {
    id: newId("ch"),
    object: "charge",
    amount: intent.amount,
    amount_captured: captured ? intent.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: captured ? newId("txn") : null,
    billing_details: pm ? clone(pm.billing_details) : { address: null, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: "STRIPE EMULATOR",
    captured,
    created: emu.nowFor(typeof intent.customer === "string" ? intent.customer : null),
    currency: intent.currency,
    customer: intent.customer,
    description: intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: error?.code ?? null,
    failure_message: error?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: clone(intent.metadata ?? {}),
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: error ? "declined_by_network" : "approved_by_network",
      reason: error?.declineCode ?? null,
      risk_level: "normal",
      seller_message: error ? "The bank did not return any further details with this decline." : "Payment complete.",
      type: error ? "issuer_declined" : "authorized",
    },
    paid: !error,
    payment_intent: intent.id,
    payment_method: paymentMethod,
    payment_method_details: null,
    receipt_email: intent.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: error ? "failed" : "succeeded",
    transfer_data: null,
    transfer_group: null,
  };
  emu.store.charges.set(charge.id, charge);
  emitEvent(emu, error ? "charge.failed" : "charge.succeeded", charge);
  return charge;
}

/** A successful charge: the intent is succeeded and points at the charge. Returns the charge id. */
export function paymentIntentSucceeded(emu: Emulator, intent: Stripe.PaymentIntent, paymentMethod: string | null): string {
  const chargeId = recordCharge(emu, intent, paymentMethod, null).id;
  intent.status = "succeeded";
  intent.amount_received = intent.amount;
  intent.latest_charge = chargeId;
  intent.payment_method = paymentMethod;
  intent.last_payment_error = null;
  intent.next_action = null;
  emitEvent(emu, "payment_intent.succeeded", intent);
  return chargeId;
}

/**
 * A failed attempt: `requires_payment_method` with `last_payment_error` (a decline), or `requires_action` with a
 * `use_stripe_sdk` next action (3-D Secure). Returns the declined charge's id (none for authentication).
 */
export function paymentIntentFailed(
  emu: Emulator,
  intent: Stripe.PaymentIntent,
  paymentMethod: string | null,
  error: CardErrorDetails,
  requiresAction: boolean,
): string | null {
  const chargeId = requiresAction || !paymentMethod ? null : recordCharge(emu, intent, paymentMethod, error).id;
  const pm = paymentMethod ? emu.store.paymentMethods.get(paymentMethod) : undefined;
  intent.payment_method = paymentMethod;
  intent.latest_charge = chargeId ?? intent.latest_charge;
  if (requiresAction) {
    intent.status = "requires_action";
    intent.next_action = authenticationAction(emu, intent.id, null);
    emitEvent(emu, "payment_intent.requires_action", intent);
    return null;
  }
  intent.status = "requires_payment_method";
  intent.next_action = null;
  intent.last_payment_error = {
    type: "card_error",
    code: error.code,
    message: error.message,
    ...(error.declineCode ? { decline_code: error.declineCode } : {}),
    ...(chargeId ? { charge: chargeId } : {}),
    ...(pm ? { payment_method: clone(pm), payment_method_type: "card" } : {}),
    doc_url: `https://stripe.com/docs/error-codes/${error.code.replace(/_/g, "-")}`,
  };
  emitEvent(emu, "payment_intent.payment_failed", intent);
  return chargeId;
}

/** Voiding (or expiring) an invoice cancels its PaymentIntent. */
export function cancelPaymentIntent(emu: Emulator, invoiceId: string, reason: Stripe.PaymentIntent.CancellationReason): void {
  const intent = paymentIntentOfInvoice(emu, invoiceId);
  if (!intent || intent.status === "succeeded" || intent.status === "canceled") return;
  intent.status = "canceled";
  intent.canceled_at = emu.nowFor(String(intent.customer));
  intent.cancellation_reason = reason;
  intent.next_action = null;
  emitEvent(emu, "payment_intent.canceled", intent);
}

/**
 * What a payment or setup waiting for 3-D Secure asks the client to do: `redirect_to_url` when a `return_url` was
 * given, else `use_stripe_sdk`. Both lead to the emulator's hosted authentication page (`/3d_secure/<id>`), where
 * **Complete authentication** or **Fail authentication** finishes it (Stripe.js opens Stripe's own page there).
 */
export function authenticationAction(emu: Emulator, intentId: string, returnUrl: string | null): Stripe.PaymentIntent.NextAction {
  const url = emu.resourceUrl(`/3d_secure/${intentId}`);
  return returnUrl
    ? { type: "redirect_to_url", redirect_to_url: { return_url: returnUrl, url } }
    : { type: "use_stripe_sdk", use_stripe_sdk: { type: "three_d_secure_redirect", stripe_js: url } };
}
