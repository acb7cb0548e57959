/**
 * One-time Checkout payments and refunds: a `mode: payment` session makes a real PaymentIntent and charge, which
 * `POST /v1/refunds` refunds in part or in full (charge.refunded), with Stripe's errors past what is left.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { expectStripeError, startTestEmulator, type TestEmulator } from "./helpers";

let env: TestEmulator;

beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(async () => env?.stop());

async function paidPaymentSession(amount: number): Promise<Stripe.Checkout.Session> {
  const customer = await env.stripe.customers.create({ email: "refunds@example.com" });
  const session = await env.stripe.checkout.sessions.create({
    mode: "payment",
    customer: customer.id,
    metadata: { pack: "small" },
    line_items: [{ price_data: { currency: "usd", unit_amount: amount, product_data: { name: "Credits" } }, quantity: 1 }],
    success_url: "http://localhost/s",
  });
  const res = await env.control(`/_emulator/checkout/sessions/${session.id}/complete`, { card: "4242424242424242" });
  expect(res.status).toBe(200);
  return env.stripe.checkout.sessions.retrieve(session.id);
}

describe("payment-mode Checkout and refunds", () => {
  it("a paid payment session has a succeeded PaymentIntent with a charge (the session metadata stays on the session, as in Stripe)", async () => {
    const session = await paidPaymentSession(1500);
    expect(session).toMatchObject({ status: "complete", payment_status: "paid" });
    const intent = await env.stripe.paymentIntents.retrieve(session.payment_intent as string);
    expect(intent).toMatchObject({ status: "succeeded", amount: 1500, amount_received: 1500, customer: session.customer, metadata: {} });
    expect(session.metadata).toEqual({ pack: "small" });
    const charge = await env.stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({ amount: 1500, amount_refunded: 0, refunded: false, payment_intent: intent.id });
  });

  it("refunds part, then the rest, by payment_intent or charge; charge.refunded each time; nothing is left to refund after", async () => {
    const session = await paidPaymentSession(2000);
    const intentId = session.payment_intent as string;
    env.receiver.clear();
    const part = await env.stripe.refunds.create({ payment_intent: intentId, amount: 500 });
    expect(part).toMatchObject({ object: "refund", amount: 500, status: "succeeded", payment_intent: intentId });
    const tooMuch = await expectStripeError(env.stripe.refunds.create({ payment_intent: intentId, amount: 1600 }));
    expect(tooMuch.message).toContain("greater than unrefunded amount");
    const rest = await env.stripe.refunds.create({ charge: part.charge as string });
    expect(rest.amount).toBe(1500);
    const charge = await env.stripe.charges.retrieve(part.charge as string);
    expect(charge).toMatchObject({ amount_refunded: 2000, refunded: true });
    const again = await expectStripeError(env.stripe.refunds.create({ charge: charge.id }));
    expect(again.code).toBe("charge_already_refunded");
    await env.flush();
    const refunded = env.receiver.received
      .filter((r) => r.event.type === "charge.refunded")
      .map((r) => (r.event.data.object as Stripe.Charge).amount_refunded);
    expect(refunded).toEqual([500, 2000]);
    expect((await env.stripe.refunds.list({ payment_intent: intentId })).data).toHaveLength(2);
  });

  it("names a charge or a PaymentIntent, not neither", async () => {
    const error = await expectStripeError(env.stripe.refunds.create({}));
    expect(error.statusCode).toBe(400);
  });
});
