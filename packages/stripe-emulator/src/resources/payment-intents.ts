import type Stripe from "stripe";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { invalidRequest, cardError, resourceMissing, parameterMissing } from "../http/errors";
import { matchesRange, newestFirst, paginate } from "../http/pagination";
import { attachPaymentMethod, resolvePaymentMethod } from "../billing/payment-methods";
import { attemptInvoicePayment, paymentMethodFor } from "../billing/invoices";
import { invoiceOfPaymentIntent, newPaymentIntent } from "../billing/payment-intents";
import { applyPaymentOutcome } from "../billing/subscriptions";
import { createSetupIntent } from "../billing/setup-intents";
import { emitEvent } from "../events";
import {
  PI_UPDATABLE,
  cancelSetupIntent,
  cancelStandalonePaymentIntent,
  capturePaymentIntent,
  confirmPaymentIntent,
  confirmSetupIntent,
} from "../billing/intents";
import { getCustomer } from "./lookup";

/** Stripe's minimum charge per currency (in minor units) for the currencies the emulator checks. */
const MINIMUM_AMOUNT: Record<string, { amount: number; label: string }> = {
  usd: { amount: 50, label: "$0.50 usd" },
  eur: { amount: 50, label: "€0.50 eur" },
  gbp: { amount: 30, label: "£0.30 gbp" },
  cad: { amount: 50, label: "$0.50 cad" },
  aud: { amount: 50, label: "$0.50 aud" },
};
const MAXIMUM_AMOUNT = 99_999_999;
const CAPTURE_METHODS = ["automatic", "automatic_async", "manual"] as const;

function checkAmount(amount: number, currency: string): void {
  const min = MINIMUM_AMOUNT[currency];
  if (amount < 1 || (min && amount < min.amount)) {
    throw invalidRequest(`Amount must be at least ${min?.label ?? `1 ${currency}`}`, "amount", "amount_too_small");
  }
  if (amount > MAXIMUM_AMOUNT) throw invalidRequest("Amount must be no more than 99999999", "amount", "amount_too_large");
}

/**
 * `automatic_payment_methods` or `allowed_payment_method_types` (only one; the latter replaced `payment_method_types`
 * in endive); neither means automatic payment methods (the default since 2023-08-16).
 */
function paymentMethodSettings(params: Params): {
  automatic: Stripe.PaymentIntent.AutomaticPaymentMethods | null;
  types: string[];
} {
  const apm = params.obj("automatic_payment_methods");
  const types = params.strArray("allowed_payment_method_types");
  if (apm && types) {
    throw invalidRequest(
      "You may only specify one of these parameters: allowed_payment_method_types, automatic_payment_methods.",
      "automatic_payment_methods",
    );
  }
  if (types) return { automatic: null, types };
  if (apm) {
    const enabled = apm.bool("enabled");
    if (enabled === undefined) throw parameterMissing("automatic_payment_methods[enabled]");
    if (!enabled) return { automatic: null, types: ["card"] };
    return {
      automatic: { allow_redirects: apm.oneOf("allow_redirects", ["always", "never"] as const) ?? "always", enabled: true },
      types: ["card"],
    };
  }
  return { automatic: { allow_redirects: "always", enabled: true }, types: ["card"] };
}

function customerParam(emu: Emulator, params: Params): string | null {
  const id = params.str("customer");
  return id ? getCustomer(emu, id, "customer").id : null;
}

function getPaymentIntent(emu: Emulator, id: string): Stripe.PaymentIntent {
  const intent = emu.store.paymentIntents.get(id);
  if (!intent) throw resourceMissing("payment_intent", id);
  return intent;
}

function getSetupIntent(emu: Emulator, id: string): Stripe.SetupIntent {
  const intent = emu.store.setupIntents.get(id);
  if (!intent) throw resourceMissing("setup_intent", id);
  return intent;
}

/** `payment_method` on create/update: a `pm_…` or a `pm_card_*` test token (which makes a new PaymentMethod). */
function paymentMethodParam(emu: Emulator, params: Params): string | null {
  const ref = params.str("payment_method");
  return ref ? resolvePaymentMethod(emu, ref, "payment_method").id : null;
}

/** Confirm an invoice's PaymentIntent: pays its invoice (what Stripe.js does with the Payment Element). */
function confirmInvoiceIntent(emu: Emulator, intent: Stripe.PaymentIntent, invoice: Stripe.Invoice, params: Params): Stripe.PaymentIntent {
  const pmRef = params.str("payment_method");
  const pm = pmRef ? attachPaymentMethod(emu, pmRef, String(invoice.customer), "payment_method").id : paymentMethodFor(emu, invoice);
  if (!pm) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with cus_ default payment method, pass payment_method.".replace(
        "cus_",
        String(invoice.customer),
      ),
      "payment_method",
      "payment_intent_unexpected_state",
    );
  }
  // The customer is present (Stripe.js): 3-D Secure is shown to them, so the intent waits in requires_action.
  const outcome = attemptInvoicePayment(emu, invoice, { paymentMethodId: pm, scheduleRetries: false });
  if (outcome.status === "succeeded") {
    const subId = invoice.parent?.subscription_details?.subscription;
    const sub = typeof subId === "string" ? emu.store.subscriptions.get(subId) : undefined;
    if (sub && sub.payment_settings?.save_default_payment_method === "on_subscription" && !sub.default_payment_method)
      sub.default_payment_method = pm;
  }
  applyPaymentOutcome(emu, invoice);
  if (outcome.status === "failed") throw cardError(outcome.error, outcome.context);
  return intent;
}

/**
 * PaymentIntents (invoices' own, and `POST /v1/payment_intents`), SetupIntents and Charges. See `billing/intents.ts`
 * for what confirming does with each test card.
 */
export function registerPaymentIntents(router: Router): void {
  router.post("/v1/payment_intents", ({ emu, params }) => {
    const amount = params.requiredInt("amount");
    const currency = params.requiredStr("currency").toLowerCase();
    checkAmount(amount, currency);
    const customer = customerParam(emu, params);
    const { automatic, types } = paymentMethodSettings(params);
    const confirm = params.bool("confirm") ?? false;
    const offSession = params.bool("off_session");
    if (offSession !== undefined && !confirm) {
      throw invalidRequest(
        "The parameter `off_session` cannot be passed when creating a PaymentIntent unless `confirm` is set to true.",
        "off_session",
      );
    }
    const returnUrl = params.str("return_url") ?? null;
    if (returnUrl && !confirm) {
      throw invalidRequest(
        "The parameter `return_url` cannot be passed when creating a PaymentIntent unless `confirm` is set to true.",
        "return_url",
      );
    }
    const setupFutureUsage = params.oneOf("setup_future_usage", ["off_session", "on_session"] as const) ?? null;
    const paymentMethod = paymentMethodParam(emu, params);
    const intent = newPaymentIntent(emu, {
      amount,
      currency,
      customer,
      automatic_payment_methods: automatic,
      allowed_payment_method_types: automatic ? null : types,
      payment_method_types: types,
      capture_method: params.oneOf("capture_method", CAPTURE_METHODS) ?? "automatic_async",
      description: params.str("description") ?? null,
      metadata: params.applyMetadata({}),
      payment_method: paymentMethod,
      payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: "automatic" } },
      receipt_email: params.str("receipt_email") ?? null,
      setup_future_usage: setupFutureUsage,
      statement_descriptor: params.str("statement_descriptor") ?? null,
      statement_descriptor_suffix: params.str("statement_descriptor_suffix") ?? null,
      status: paymentMethod ? "requires_confirmation" : "requires_payment_method",
    });
    emu.store.paymentIntents.set(intent.id, intent);
    emitEvent(emu, "payment_intent.created", intent);
    if (confirm) {
      confirmPaymentIntent(emu, intent, {
        offSession: offSession ?? false,
        returnUrl,
        errorOnRequiresAction: params.bool("error_on_requires_action") ?? false,
      });
    }
    return intent;
  });

  router.get("/v1/payment_intents", ({ emu, params }) => {
    const customer = params.str("customer");
    const items = newestFirst(emu.store.paymentIntents.values()).filter(
      (pi) => (!customer || pi.customer === customer) && matchesRange(pi.created, params, "created"),
    );
    return paginate(items, params, "/v1/payment_intents", "payment_intent");
  });

  router.get("/v1/payment_intents/:id", ({ emu, path }) => getPaymentIntent(emu, path.id));

  router.post("/v1/payment_intents/:id", ({ emu, path, params }) => {
    const intent = getPaymentIntent(emu, path.id);
    const restricted = [
      "amount",
      "currency",
      "customer",
      "payment_method",
      "allowed_payment_method_types",
      "setup_future_usage",
      "capture_method",
    ].filter((k) => params.has(k));
    if (restricted.length > 0 && !PI_UPDATABLE.includes(intent.status)) {
      const field = restricted[0];
      throw invalidRequest(
        `This PaymentIntent's ${field} could not be updated because it has a status of ${intent.status}. You may only update the ${field} of a PaymentIntent with one of the following statuses: ${PI_UPDATABLE.join(", ")}.`,
        field,
        "payment_intent_unexpected_state",
      );
    }
    if (restricted.length > 0 && invoiceOfPaymentIntent(emu, intent.id)) {
      throw invalidRequest(
        `You cannot update the ${restricted[0]} of a PaymentIntent created by an invoice; update the invoice instead.`,
        restricted[0],
      );
    }
    const currency = params.str("currency")?.toLowerCase() ?? intent.currency;
    const amount = params.int("amount") ?? intent.amount;
    checkAmount(amount, currency);
    intent.amount = amount;
    intent.currency = currency;
    if (params.has("customer")) intent.customer = customerParam(emu, params);
    if (params.has("description")) intent.description = params.nullableStr("description") ?? null;
    if (params.has("receipt_email")) intent.receipt_email = params.nullableStr("receipt_email") ?? null;
    if (params.has("setup_future_usage"))
      intent.setup_future_usage = params.isEmpty("setup_future_usage")
        ? null
        : (params.oneOf("setup_future_usage", ["off_session", "on_session"] as const) ?? null);
    if (params.has("capture_method")) intent.capture_method = params.oneOf("capture_method", CAPTURE_METHODS) ?? intent.capture_method;
    const types = params.strArray("allowed_payment_method_types");
    if (types) {
      intent.allowed_payment_method_types = types;
      intent.payment_method_types = types;
      intent.automatic_payment_methods = null;
    }
    intent.metadata = params.applyMetadata(intent.metadata ?? {});
    if (params.has("payment_method")) {
      intent.payment_method = paymentMethodParam(emu, params);
      // A new payment method needs a new confirmation.
      intent.status = intent.payment_method ? "requires_confirmation" : "requires_payment_method";
      intent.next_action = null;
    }
    if (restricted.includes("amount") && intent.status === "requires_action") intent.status = "requires_confirmation";
    return intent;
  });

  router.post("/v1/payment_intents/:id/confirm", ({ emu, path, params }) => {
    const intent = getPaymentIntent(emu, path.id);
    const invoice = invoiceOfPaymentIntent(emu, intent.id);
    if (invoice) {
      if (intent.status === "succeeded" || intent.status === "canceled") {
        throw invalidRequest(
          `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.`,
          undefined,
          "payment_intent_unexpected_state",
        );
      }
      return confirmInvoiceIntent(emu, intent, invoice, params);
    }
    const setupFutureUsage = params.oneOf("setup_future_usage", ["off_session", "on_session"] as const);
    if (setupFutureUsage) intent.setup_future_usage = setupFutureUsage;
    confirmPaymentIntent(emu, intent, {
      paymentMethod: params.str("payment_method"),
      offSession: params.bool("off_session") ?? false,
      returnUrl: params.str("return_url") ?? null,
      errorOnRequiresAction: params.bool("error_on_requires_action") ?? false,
    });
    return intent;
  });

  router.post("/v1/payment_intents/:id/capture", ({ emu, path, params }) => {
    const intent = getPaymentIntent(emu, path.id);
    capturePaymentIntent(emu, intent, params.int("amount_to_capture"));
    return intent;
  });

  router.post("/v1/payment_intents/:id/cancel", ({ emu, path, params }) => {
    const intent = getPaymentIntent(emu, path.id);
    const reason = params.oneOf("cancellation_reason", ["abandoned", "duplicate", "fraudulent", "requested_by_customer"] as const) ?? null;
    cancelStandalonePaymentIntent(emu, intent, reason);
    return intent;
  });

  router.post("/v1/setup_intents", ({ emu, params }) => {
    const customer = customerParam(emu, params);
    const { automatic, types } = paymentMethodSettings(params);
    const confirm = params.bool("confirm") ?? false;
    const returnUrl = params.str("return_url") ?? null;
    if (returnUrl && !confirm) {
      throw invalidRequest(
        "The parameter `return_url` cannot be passed when creating a SetupIntent unless `confirm` is set to true.",
        "return_url",
      );
    }
    const paymentMethod = paymentMethodParam(emu, params);
    const intent = createSetupIntent(emu, {
      customer,
      automatic_payment_methods: automatic,
      allowed_payment_method_types: automatic ? null : types,
      payment_method_types: types,
      description: params.str("description") ?? null,
      metadata: params.applyMetadata({}),
      payment_method: paymentMethod,
      status: paymentMethod ? "requires_confirmation" : "requires_payment_method",
      usage: params.oneOf("usage", ["off_session", "on_session"] as const) ?? "off_session",
    });
    if (confirm) confirmSetupIntent(emu, intent, { returnUrl });
    return intent;
  });

  router.get("/v1/setup_intents", ({ emu, params }) => {
    const customer = params.str("customer");
    const paymentMethod = params.str("payment_method");
    const items = newestFirst(emu.store.setupIntents.values()).filter(
      (si) =>
        (!customer || si.customer === customer) &&
        (!paymentMethod || si.payment_method === paymentMethod) &&
        matchesRange(si.created, params, "created"),
    );
    return paginate(items, params, "/v1/setup_intents", "setup_intent");
  });

  router.get("/v1/setup_intents/:id", ({ emu, path }) => getSetupIntent(emu, path.id));

  router.post("/v1/setup_intents/:id", ({ emu, path, params }) => {
    const intent = getSetupIntent(emu, path.id);
    const restricted = ["customer", "payment_method", "allowed_payment_method_types"].filter((k) => params.has(k));
    if (restricted.length > 0 && !["requires_payment_method", "requires_confirmation", "requires_action"].includes(intent.status)) {
      throw invalidRequest(
        `You cannot update this SetupIntent because it has a status of ${intent.status}.`,
        restricted[0],
        "setup_intent_unexpected_state",
      );
    }
    if (params.has("customer")) intent.customer = customerParam(emu, params);
    if (params.has("description")) intent.description = params.nullableStr("description") ?? null;
    const types = params.strArray("allowed_payment_method_types");
    if (types) {
      intent.allowed_payment_method_types = types;
      intent.payment_method_types = types;
      intent.automatic_payment_methods = null;
    }
    intent.metadata = params.applyMetadata(intent.metadata ?? {});
    if (params.has("payment_method")) {
      intent.payment_method = paymentMethodParam(emu, params);
      intent.status = intent.payment_method ? "requires_confirmation" : "requires_payment_method";
      intent.next_action = null;
    }
    return intent;
  });

  router.post("/v1/setup_intents/:id/confirm", ({ emu, path, params }) => {
    const intent = getSetupIntent(emu, path.id);
    confirmSetupIntent(emu, intent, { paymentMethod: params.str("payment_method"), returnUrl: params.str("return_url") ?? null });
    return intent;
  });

  router.post("/v1/setup_intents/:id/cancel", ({ emu, path, params }) => {
    const intent = getSetupIntent(emu, path.id);
    const reason = params.oneOf("cancellation_reason", ["abandoned", "duplicate", "requested_by_customer"] as const) ?? null;
    cancelSetupIntent(emu, intent, reason);
    return intent;
  });

  router.get("/v1/charges", ({ emu, params }) => {
    const customer = params.str("customer");
    const paymentIntent = params.str("payment_intent");
    const items = newestFirst(emu.store.charges.values()).filter(
      (ch) =>
        (!customer || ch.customer === customer) &&
        (!paymentIntent || ch.payment_intent === paymentIntent) &&
        matchesRange(ch.created, params, "created"),
    );
    return paginate(items, params, "/v1/charges", "charge");
  });

  router.get("/v1/charges/:id", ({ emu, path }) => {
    const charge = emu.store.charges.get(path.id);
    if (!charge) throw resourceMissing("charge", path.id);
    return charge;
  });
}
