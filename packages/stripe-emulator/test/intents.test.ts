/**
 * PaymentIntents and SetupIntents created through the API (what stripe-node's tests and Stripe's samples do), with
 * the test cards: statuses, events in Stripe's order, errors, 3-D Secure through the hosted page, capture and cancel,
 * and the Charges they make.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { expectStripeError, startTestEmulator, type TestEmulator } from "./helpers";

let env: TestEmulator;

beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(async () => env?.stop());
beforeEach(() => env.receiver.clear());

/** Event types about one object (by id), in delivery order. */
async function eventsAbout(...ids: string[]): Promise<string[]> {
  await env.flush();
  return env.receiver.received
    .map((r) => r.event)
    .filter((e) => {
      const o = e.data.object as { id?: string; payment_intent?: unknown };
      return ids.includes(o.id ?? "") || (typeof o.payment_intent === "string" && ids.includes(o.payment_intent));
    })
    .map((e) => e.type);
}

/** A card-only PaymentIntent (no redirects, so no return_url needed). */
const CARD = { allowed_payment_method_types: ["card" as const] };

async function newCustomer(): Promise<Stripe.Customer> {
  return env.stripe.customers.create({ email: "intents@example.com" });
}

/** Submits the hosted 3-D Secure page's form; returns the redirect target (or null when it shows the outcome). */
async function authenticate(
  nextAction: Stripe.PaymentIntent.NextAction | Stripe.SetupIntent.NextAction | null,
  action: "complete" | "fail",
): Promise<string | null> {
  const url = nextAction?.redirect_to_url?.url ?? (nextAction?.use_stripe_sdk as { stripe_js?: string } | undefined)?.stripe_js;
  expect(url).toMatch(/\/3d_secure\/(pi|seti)_/);
  const page = await fetch(String(url));
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("Complete authentication");
  const res = await fetch(String(url), {
    method: "POST",
    body: `action=${action}`,
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    redirect: "manual",
  });
  expect(res.status).toBe(303);
  const location = res.headers.get("location");
  return location && !location.startsWith("/3d_secure/") ? location : null;
}

describe("PaymentIntents: create, retrieve, update, list", () => {
  it("create without a payment method is requires_payment_method, with automatic_payment_methods on by default; payment_intent.created", async () => {
    const customer = await newCustomer();
    const pi = await env.stripe.paymentIntents.create({ amount: 2000, currency: "usd", customer: customer.id, metadata: { order: "42" } });
    expect(pi).toMatchObject({
      object: "payment_intent",
      amount: 2000,
      currency: "usd",
      customer: customer.id,
      status: "requires_payment_method",
      automatic_payment_methods: { enabled: true, allow_redirects: "always" },
      payment_method_types: ["card"],
      capture_method: "automatic_async",
      metadata: { order: "42" },
      latest_charge: null,
      amount_received: 0,
    });
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_`));
    expect(await env.stripe.paymentIntents.retrieve(pi.id)).toEqual(pi);
    expect(await eventsAbout(pi.id)).toEqual(["payment_intent.created"]);
  });

  it("with a payment method and no confirm it is requires_confirmation; update changes amount and metadata; list filters by customer", async () => {
    const customer = await newCustomer();
    const pi = await env.stripe.paymentIntents.create({
      amount: 1500,
      currency: "usd",
      customer: customer.id,
      payment_method: "pm_card_visa",
      ...CARD,
    });
    expect(pi.status).toBe("requires_confirmation");
    expect(pi.payment_method).toMatch(/^pm_/);
    expect(pi.automatic_payment_methods).toBeNull();
    const updated = await env.stripe.paymentIntents.update(pi.id, { amount: 2500, metadata: { a: "1" }, description: "Order 7" });
    expect(updated).toMatchObject({ amount: 2500, metadata: { a: "1" }, description: "Order 7", status: "requires_confirmation" });
    const other = await env.stripe.paymentIntents.create({ amount: 900, currency: "usd", ...CARD });
    const list = await env.stripe.paymentIntents.list({ customer: customer.id });
    expect(list.data.map((p) => p.id)).toEqual([pi.id]);
    const all = await env.stripe.paymentIntents.list({ limit: 2 });
    expect(all.data.map((p) => p.id)).toEqual([other.id, pi.id]);
  });

  it("bad input: amount below the minimum, both automatic_payment_methods and payment_method_types, off_session without confirm, unknown customer; nothing created", async () => {
    const before = (await env.stripe.paymentIntents.list({ limit: 100 })).data.length;
    expect(await expectStripeError(env.stripe.paymentIntents.create({ amount: 10, currency: "usd" }))).toMatchObject({
      statusCode: 400,
      code: "amount_too_small",
      param: "amount",
      message: "Amount must be at least $0.50 usd",
    });
    expect(
      await expectStripeError(
        env.stripe.paymentIntents.create({
          amount: 1000,
          currency: "usd",
          automatic_payment_methods: { enabled: true },
          allowed_payment_method_types: ["card"],
        }),
      ),
    ).toMatchObject({
      statusCode: 400,
      message: "You may only specify one of these parameters: allowed_payment_method_types, automatic_payment_methods.",
    });
    expect(await expectStripeError(env.stripe.paymentIntents.create({ amount: 1000, currency: "usd", off_session: true }))).toMatchObject({
      statusCode: 400,
      param: "off_session",
    });
    expect(
      await expectStripeError(env.stripe.paymentIntents.create({ amount: 1000, currency: "usd", customer: "cus_missing" })),
    ).toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "customer",
    });
    expect(await expectStripeError(env.stripe.paymentIntents.retrieve("pi_missing"))).toMatchObject({
      statusCode: 404,
      code: "resource_missing",
    });
    expect((await env.stripe.paymentIntents.list({ limit: 100 })).data.length).toBe(before);
  });

  it("allowed_payment_method_types other than card are refused as not supported by the emulator", async () => {
    const err = await expectStripeError(
      env.stripe.paymentIntents.create({ amount: 1000, currency: "eur", allowed_payment_method_types: ["sepa_debit"] }),
    );
    expect(err).toMatchObject({ statusCode: 400, code: "emulator_unsupported_parameter" });
  });
});

describe("PaymentIntents: confirm with the test cards", () => {
  it("confirm: true with pm_card_visa succeeds: charge.succeeded then payment_intent.succeeded, latest_charge retrievable and listed", async () => {
    const customer = await newCustomer();
    const pi = await env.stripe.paymentIntents.create({
      amount: 2000,
      currency: "usd",
      customer: customer.id,
      payment_method: "pm_card_visa",
      confirm: true,
      ...CARD,
    });
    expect(pi).toMatchObject({ status: "succeeded", amount_received: 2000, last_payment_error: null, next_action: null });
    const charge = await env.stripe.charges.retrieve(String(pi.latest_charge));
    expect(charge).toMatchObject({
      object: "charge",
      amount: 2000,
      captured: true,
      paid: true,
      status: "succeeded",
      payment_intent: pi.id,
      customer: customer.id,
    });
    expect((await env.stripe.charges.list({ payment_intent: pi.id })).data.map((c) => c.id)).toEqual([charge.id]);
    expect((await env.stripe.charges.list({ customer: customer.id })).data.map((c) => c.id)).toEqual([charge.id]);
    const expanded = await env.stripe.paymentIntents.retrieve(pi.id, { expand: ["latest_charge", "payment_method"] });
    expect(expanded.latest_charge).toMatchObject({ id: charge.id, object: "charge" });
    expect(expanded.payment_method).toMatchObject({ object: "payment_method", card: { last4: "4242" } });
    expect(await eventsAbout(pi.id)).toEqual(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"]);
    // The card was used once, not saved: no setup_future_usage, so it is not attached.
    const pm = await env.stripe.paymentMethods.retrieve(String(pi.payment_method));
    expect(pm.customer).toBeNull();
  });

  it("automatic payment methods need a return_url to confirm server-side (Stripe's error); allow_redirects: never does not", async () => {
    const err = await expectStripeError(
      env.stripe.paymentIntents.create({ amount: 2000, currency: "usd", payment_method: "pm_card_visa", confirm: true }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.message).toContain("you must provide a `return_url`");
    const never = await env.stripe.paymentIntents.create({
      amount: 2000,
      currency: "usd",
      payment_method: "pm_card_visa",
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: "never" },
    });
    expect(never.status).toBe("succeeded");
    const withReturn = await env.stripe.paymentIntents.create({
      amount: 2000,
      currency: "usd",
      payment_method: "pm_card_visa",
      confirm: true,
      return_url: "https://example.com/done",
    });
    expect(withReturn.status).toBe("succeeded");
  });

  it.each([
    ["pm_card_visa_chargeDeclined", "card_declined", "generic_decline", "Your card was declined."],
    ["pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds", "Your card has insufficient funds."],
    ["pm_card_chargeCustomerFail", "card_declined", "generic_decline", "Your card was declined."],
  ])(
    "%s declines: 402 card_error with the intent, requires_payment_method with last_payment_error, charge.failed + payment_intent.payment_failed",
    async (card, code, declineCode, message) => {
      const customer = await newCustomer();
      const pi = await env.stripe.paymentIntents.create({ amount: 3000, currency: "usd", customer: customer.id, ...CARD });
      const err = await expectStripeError(env.stripe.paymentIntents.confirm(pi.id, { payment_method: card }));
      expect(err).toMatchObject({ statusCode: 402, type: "StripeCardError", code, decline_code: declineCode, message });
      expect(err.payment_intent?.id).toBe(pi.id);
      const after = await env.stripe.paymentIntents.retrieve(pi.id);
      expect(after.status).toBe("requires_payment_method");
      expect(after.last_payment_error).toMatchObject({
        type: "card_error",
        code,
        decline_code: declineCode,
        message,
        payment_method_type: "card",
      });
      expect(after.last_payment_error?.charge).toBe(after.latest_charge);
      expect(after.last_payment_error?.payment_method?.id).toBe(after.payment_method);
      const charge = await env.stripe.charges.retrieve(String(after.latest_charge));
      expect(charge).toMatchObject({ status: "failed", paid: false, failure_code: code });
      expect(await eventsAbout(pi.id)).toEqual(["payment_intent.created", "charge.failed", "payment_intent.payment_failed"]);
      // A declined intent can be confirmed again with another card.
      const retried = await env.stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" });
      expect(retried).toMatchObject({ status: "succeeded", last_payment_error: null });
    },
  );

  it("pm_card_authenticationRequired on session → requires_action with redirect_to_url; completing on the hosted page succeeds and redirects to return_url", async () => {
    const customer = await newCustomer();
    const pi = await env.stripe.paymentIntents.create({
      amount: 4200,
      currency: "usd",
      customer: customer.id,
      payment_method: "pm_card_authenticationRequired",
      confirm: true,
      return_url: "https://shop.example/return",
    });
    expect(pi.status).toBe("requires_action");
    expect(pi.next_action).toMatchObject({ type: "redirect_to_url", redirect_to_url: { return_url: "https://shop.example/return" } });
    const target = await authenticate(pi.next_action, "complete");
    expect(target).not.toBeNull();
    const returned = new URL(String(target));
    expect(returned.origin + returned.pathname).toBe("https://shop.example/return");
    expect(Object.fromEntries(returned.searchParams)).toEqual({
      payment_intent: pi.id,
      payment_intent_client_secret: pi.client_secret,
      redirect_status: "succeeded",
    });
    expect(await env.stripe.paymentIntents.retrieve(pi.id)).toMatchObject({
      status: "succeeded",
      next_action: null,
      amount_received: 4200,
    });
    expect(await eventsAbout(pi.id)).toEqual([
      "payment_intent.created",
      "payment_intent.requires_action",
      "charge.succeeded",
      "payment_intent.succeeded",
    ]);
  });

  it("failing the 3-D Secure step leaves requires_payment_method with payment_intent_authentication_failure; without return_url next_action is use_stripe_sdk", async () => {
    const pi = await env.stripe.paymentIntents.create({
      amount: 4200,
      currency: "usd",
      payment_method: "pm_card_authenticationRequired",
      ...CARD,
    });
    const confirmed = await env.stripe.paymentIntents.confirm(pi.id);
    expect(confirmed.status).toBe("requires_action");
    expect(confirmed.next_action?.type).toBe("use_stripe_sdk");
    expect(await authenticate(confirmed.next_action, "fail")).toBeNull();
    const after = await env.stripe.paymentIntents.retrieve(pi.id);
    expect(after.status).toBe("requires_payment_method");
    expect(after.last_payment_error).toMatchObject({ type: "invalid_request_error", code: "payment_intent_authentication_failure" });
    expect(await eventsAbout(pi.id)).toEqual(["payment_intent.created", "payment_intent.requires_action", "payment_intent.payment_failed"]);
  });

  it("off_session with a card that needs authentication is declined with authentication_required (402), with error_on_requires_action too", async () => {
    const customer = await newCustomer();
    const pm = await env.stripe.paymentMethods.attach("pm_card_authenticationRequired", { customer: customer.id });
    const err = await expectStripeError(
      env.stripe.paymentIntents.create({
        amount: 1000,
        currency: "usd",
        customer: customer.id,
        payment_method: pm.id,
        off_session: true,
        confirm: true,
        ...CARD,
      }),
    );
    expect(err).toMatchObject({ statusCode: 402, code: "authentication_required", decline_code: "authentication_required" });
    const pi = await env.stripe.paymentIntents.retrieve(String(err.payment_intent?.id));
    expect(pi.status).toBe("requires_payment_method");
    expect(pi.last_payment_error?.code).toBe("authentication_required");
    const onSession = await expectStripeError(
      env.stripe.paymentIntents.create({
        amount: 1000,
        currency: "usd",
        customer: customer.id,
        payment_method: pm.id,
        confirm: true,
        error_on_requires_action: true,
        ...CARD,
      }),
    );
    expect(onSession).toMatchObject({ statusCode: 402, code: "authentication_required" });
  });

  it("off_session with a saved card succeeds; setup_future_usage saves the card on the customer (payment_method.attached)", async () => {
    const customer = await newCustomer();
    const first = await env.stripe.paymentIntents.create({
      amount: 1000,
      currency: "usd",
      customer: customer.id,
      payment_method: "pm_card_authenticationRequiredOnSetup",
      setup_future_usage: "off_session",
      ...CARD,
    });
    const confirmed = await env.stripe.paymentIntents.confirm(first.id);
    expect(confirmed.status).toBe("requires_action");
    await authenticate(confirmed.next_action, "complete");
    const pmId = String(confirmed.payment_method);
    expect((await env.stripe.paymentMethods.retrieve(pmId)).customer).toBe(customer.id);
    expect(await eventsAbout(first.id, pmId)).toEqual([
      "payment_intent.created",
      "payment_intent.requires_action",
      "payment_method.attached",
      "charge.succeeded",
      "payment_intent.succeeded",
    ]);
    const later = await env.stripe.paymentIntents.create({
      amount: 700,
      currency: "usd",
      customer: customer.id,
      payment_method: pmId,
      off_session: true,
      confirm: true,
      ...CARD,
    });
    expect(later.status).toBe("succeeded");
  });

  it("a payment method attached to another customer is refused", async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    const pm = await env.stripe.paymentMethods.attach("pm_card_visa", { customer: a.id });
    const pi = await env.stripe.paymentIntents.create({ amount: 1000, currency: "usd", customer: b.id, ...CARD });
    const err = await expectStripeError(env.stripe.paymentIntents.confirm(pi.id, { payment_method: pm.id }));
    expect(err).toMatchObject({ statusCode: 400, param: "payment_method" });
    expect((await env.stripe.paymentIntents.retrieve(pi.id)).status).toBe("requires_payment_method");
  });

  it("confirming without a payment method, or a succeeded intent, is payment_intent_unexpected_state; update after success refuses the amount", async () => {
    const pi = await env.stripe.paymentIntents.create({ amount: 1000, currency: "usd", ...CARD });
    expect(await expectStripeError(env.stripe.paymentIntents.confirm(pi.id))).toMatchObject({
      statusCode: 400,
      code: "payment_intent_unexpected_state",
    });
    await env.stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" });
    const again = await expectStripeError(env.stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" }));
    expect(again).toMatchObject({ code: "payment_intent_unexpected_state" });
    expect(again.message).toContain("status of succeeded");
    const update = await expectStripeError(env.stripe.paymentIntents.update(pi.id, { amount: 5000 }));
    expect(update).toMatchObject({ code: "payment_intent_unexpected_state", param: "amount" });
    expect((await env.stripe.paymentIntents.update(pi.id, { metadata: { note: "ok" } })).metadata).toEqual({ note: "ok" });
  });
});

describe("PaymentIntents: capture and cancel", () => {
  it("capture_method: manual holds the amount (requires_capture, payment_intent.amount_capturable_updated); capture takes part of it", async () => {
    const pi = await env.stripe.paymentIntents.create({
      amount: 5000,
      currency: "usd",
      payment_method: "pm_card_visa",
      confirm: true,
      capture_method: "manual",
      ...CARD,
    });
    expect(pi).toMatchObject({ status: "requires_capture", amount_capturable: 5000, amount_received: 0 });
    expect(await env.stripe.charges.retrieve(String(pi.latest_charge))).toMatchObject({ captured: false, paid: true, amount_captured: 0 });
    expect(await expectStripeError(env.stripe.paymentIntents.capture(pi.id, { amount_to_capture: 6000 }))).toMatchObject({
      statusCode: 400,
      param: "amount_to_capture",
    });
    const captured = await env.stripe.paymentIntents.capture(pi.id, { amount_to_capture: 4000 });
    expect(captured).toMatchObject({ status: "succeeded", amount_received: 4000, amount_capturable: 0 });
    expect(await env.stripe.charges.retrieve(String(pi.latest_charge))).toMatchObject({
      captured: true,
      amount_captured: 4000,
      amount_refunded: 1000,
    });
    expect(await eventsAbout(pi.id)).toEqual([
      "payment_intent.created",
      "charge.succeeded",
      "payment_intent.amount_capturable_updated",
      "charge.captured",
      "payment_intent.succeeded",
    ]);
    expect(await expectStripeError(env.stripe.paymentIntents.capture(pi.id))).toMatchObject({ code: "payment_intent_unexpected_state" });
  });

  it("cancel: requires_payment_method → canceled with the reason (payment_intent.canceled); a succeeded one cannot be canceled", async () => {
    const pi = await env.stripe.paymentIntents.create({ amount: 1000, currency: "usd", ...CARD });
    const canceled = await env.stripe.paymentIntents.cancel(pi.id, { cancellation_reason: "requested_by_customer" });
    expect(canceled).toMatchObject({ status: "canceled", cancellation_reason: "requested_by_customer" });
    expect(canceled.canceled_at).toEqual(expect.any(Number));
    expect(await eventsAbout(pi.id)).toEqual(["payment_intent.created", "payment_intent.canceled"]);
    const paid = await env.stripe.paymentIntents.create({
      amount: 1000,
      currency: "usd",
      payment_method: "pm_card_visa",
      confirm: true,
      ...CARD,
    });
    const err = await expectStripeError(env.stripe.paymentIntents.cancel(paid.id));
    expect(err).toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state" });
    expect(err.message).toContain("because it has a status of succeeded");
  });

  it("canceling a held authorization releases it: the uncaptured charge is refunded", async () => {
    const pi = await env.stripe.paymentIntents.create({
      amount: 5000,
      currency: "usd",
      payment_method: "pm_card_visa",
      confirm: true,
      capture_method: "manual",
      ...CARD,
    });
    const canceled = await env.stripe.paymentIntents.cancel(pi.id);
    expect(canceled).toMatchObject({ status: "canceled", amount_capturable: 0 });
    expect(await env.stripe.charges.retrieve(String(pi.latest_charge))).toMatchObject({
      refunded: true,
      amount_refunded: 5000,
      captured: false,
    });
  });
});

describe("SetupIntents", () => {
  it("create + confirm with pm_card_visa: attached to the customer; setup_intent.created, payment_method.attached, setup_intent.succeeded", async () => {
    const customer = await newCustomer();
    const si = await env.stripe.setupIntents.create({ customer: customer.id, ...CARD, usage: "on_session", metadata: { k: "v" } });
    expect(si).toMatchObject({
      object: "setup_intent",
      status: "requires_payment_method",
      usage: "on_session",
      customer: customer.id,
      metadata: { k: "v" },
    });
    const confirmed = await env.stripe.setupIntents.confirm(si.id, { payment_method: "pm_card_visa" });
    expect(confirmed.status).toBe("succeeded");
    const pmId = String(confirmed.payment_method);
    expect((await env.stripe.paymentMethods.retrieve(pmId)).customer).toBe(customer.id);
    expect(await eventsAbout(si.id, pmId)).toEqual(["setup_intent.created", "payment_method.attached", "setup_intent.succeeded"]);
    expect((await env.stripe.setupIntents.list({ customer: customer.id })).data.map((s) => s.id)).toEqual([si.id]);
    expect(await env.stripe.setupIntents.retrieve(si.id)).toEqual(confirmed);
  });

  it("usage defaults to off_session; confirm: true at create; automatic payment methods need a return_url", async () => {
    const customer = await newCustomer();
    const si = await env.stripe.setupIntents.create({
      customer: customer.id,
      payment_method: "pm_card_mastercard",
      confirm: true,
      ...CARD,
    });
    expect(si).toMatchObject({ status: "succeeded", usage: "off_session" });
    const err = await expectStripeError(
      env.stripe.setupIntents.create({ customer: customer.id, payment_method: "pm_card_visa", confirm: true }),
    );
    expect(err.message).toContain("you must provide a `return_url`");
  });

  it("a declining card: 402 with the setup_intent, requires_payment_method with last_setup_error, setup_intent.setup_failed", async () => {
    const customer = await newCustomer();
    const si = await env.stripe.setupIntents.create({ customer: customer.id, ...CARD });
    const err = await expectStripeError(env.stripe.setupIntents.confirm(si.id, { payment_method: "pm_card_visa_chargeDeclined" }));
    expect(err).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: "generic_decline" });
    expect(err.setup_intent?.id).toBe(si.id);
    const after = await env.stripe.setupIntents.retrieve(si.id);
    expect(after.status).toBe("requires_payment_method");
    expect(after.last_setup_error).toMatchObject({ type: "card_error", code: "card_declined", decline_code: "generic_decline" });
    expect(await eventsAbout(si.id)).toEqual(["setup_intent.created", "setup_intent.setup_failed"]);
  });

  it("pm_card_authenticationRequiredOnSetup needs 3-D Secure: requires_action, completed on the hosted page → succeeded and attached", async () => {
    const customer = await newCustomer();
    const si = await env.stripe.setupIntents.create({
      customer: customer.id,
      payment_method: "pm_card_authenticationRequiredOnSetup",
      confirm: true,
      return_url: "https://shop.example/saved",
    });
    expect(si.status).toBe("requires_action");
    expect(si.next_action?.type).toBe("redirect_to_url");
    const target = new URL(String(await authenticate(si.next_action, "complete")));
    expect(target.searchParams.get("setup_intent")).toBe(si.id);
    expect(target.searchParams.get("redirect_status")).toBe("succeeded");
    const after = await env.stripe.setupIntents.retrieve(si.id);
    expect(after.status).toBe("succeeded");
    expect((await env.stripe.paymentMethods.retrieve(String(after.payment_method))).customer).toBe(customer.id);
    expect(await eventsAbout(si.id)).toEqual(["setup_intent.created", "setup_intent.requires_action", "setup_intent.succeeded"]);
  });

  it("failing authentication: setup_intent_authentication_failure and setup_intent.setup_failed; cancel → setup_intent.canceled; a succeeded one cannot be canceled", async () => {
    const si = await env.stripe.setupIntents.create({ payment_method: "pm_card_authenticationRequired", confirm: true, ...CARD });
    expect(si.status).toBe("requires_action");
    await authenticate(si.next_action, "fail");
    const failed = await env.stripe.setupIntents.retrieve(si.id);
    expect(failed.status).toBe("requires_payment_method");
    expect(failed.last_setup_error?.code).toBe("setup_intent_authentication_failure");
    const canceled = await env.stripe.setupIntents.cancel(si.id, { cancellation_reason: "abandoned" });
    expect(canceled).toMatchObject({ status: "canceled", cancellation_reason: "abandoned" });
    expect(await eventsAbout(si.id)).toEqual([
      "setup_intent.created",
      "setup_intent.requires_action",
      "setup_intent.setup_failed",
      "setup_intent.canceled",
    ]);
    const done = await env.stripe.setupIntents.create({ payment_method: "pm_card_visa", confirm: true, ...CARD });
    const err = await expectStripeError(env.stripe.setupIntents.cancel(done.id));
    expect(err).toMatchObject({ statusCode: 400, code: "setup_intent_unexpected_state" });
    expect(await expectStripeError(env.stripe.setupIntents.confirm(done.id))).toMatchObject({ code: "setup_intent_unexpected_state" });
  });

  it("update sets the payment method (requires_confirmation) and metadata", async () => {
    const si = await env.stripe.setupIntents.create({ ...CARD });
    const updated = await env.stripe.setupIntents.update(si.id, { payment_method: "pm_card_visa", metadata: { step: "2" } });
    expect(updated).toMatchObject({ status: "requires_confirmation", metadata: { step: "2" } });
    expect((await env.stripe.setupIntents.confirm(si.id)).status).toBe("succeeded");
  });
});

describe("an invoice's PaymentIntent through 3-D Secure", () => {
  it("Payment Element confirm with pm_card_authenticationRequired → requires_action; completing on the hosted page pays the invoice and activates the subscription", async () => {
    const customer = await newCustomer();
    const product = await env.stripe.products.create({ name: "Secure" });
    const price = await env.stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 1200,
      recurring: { interval: "month" },
    });
    const sub = await env.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      payment_behavior: "default_incomplete",
      expand: ["latest_invoice.confirmation_secret"],
    });
    const invoice = sub.latest_invoice as Stripe.Invoice;
    const intentId = String(invoice.confirmation_secret?.client_secret).split("_secret_")[0];
    const pi = await env.stripe.paymentIntents.confirm(intentId, { payment_method: "pm_card_authenticationRequired" });
    expect(pi.status).toBe("requires_action");
    await authenticate(pi.next_action, "complete");
    expect((await env.stripe.paymentIntents.retrieve(intentId)).status).toBe("succeeded");
    expect((await env.stripe.invoices.retrieve(invoice.id)).status).toBe("paid");
    expect((await env.stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
    // An invoice's PaymentIntent is canceled by voiding the invoice, not directly.
    const other = await env.stripe.paymentIntents.create({ amount: 1000, currency: "usd", ...CARD });
    expect((await env.stripe.paymentIntents.cancel(other.id)).status).toBe("canceled");
  });
});
