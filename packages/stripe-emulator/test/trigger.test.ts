import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { TRIGGERS, parseTriggerArgs, triggerEvent } from "../src/trigger";
import { FIRST_INVOICE_PAID_EVENTS, startTestEmulator, type TestEmulator } from "./helpers";

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(async () => env?.stop());

describe("npm run stripe:trigger <event>", () => {
  it.each(Object.keys(TRIGGERS).sort())("%s: the real sequence is produced and delivered", async (type) => {
    const events = await triggerEvent(env.stripe, env.handle.url, type);
    expect(events.map((e) => e.type)).toContain(type);
    await env.flush();
    const delivered = new Set(env.receiver.received.map((r) => r.event.id));
    expect(events.filter((e) => !delivered.has(e.id))).toEqual([]);
  });

  it("a subscription trigger sends Stripe’s sequence in order", async () => {
    const events = await triggerEvent(env.stripe, env.handle.url, "customer.subscription.created");
    const types = events.map((e) => e.type);
    const from = types.indexOf("customer.subscription.created");
    expect(types.slice(from, from + 10)).toEqual([
      "customer.subscription.created",
      ...FIRST_INVOICE_PAID_EVENTS,
      "invoice_payment.paid",
      "customer.subscription.updated",
    ]);
  });

  it("refuses an event it cannot produce, listing the supported ones", async () => {
    await expect(triggerEvent(env.stripe, env.handle.url, "issuing_card.created")).rejects.toThrow(
      /No trigger for issuing_card.created\. Supported events:/,
    );
  });

  /** The customer an event is about: the customer itself, or the object's `customer`; undefined when none. */
  function customerOf(event: Stripe.Event): string | undefined {
    const object = event.data.object as { object: string; id: string; customer?: string | { id: string } | null };
    if (object.object === "customer") return object.id;
    if (!object.customer) return undefined;
    return typeof object.customer === "string" ? object.customer : object.customer.id;
  }

  /** Not about a customer, or creating one: these refuse --customer instead of ignoring it. */
  const NOT_FOR_A_CUSTOMER = [
    "customer.created",
    "product.created",
    "product.updated",
    "price.created",
    "price.updated",
    "billing_portal.configuration.created",
  ];

  it.each(
    Object.keys(TRIGGERS)
      .filter((t) => !NOT_FOR_A_CUSTOMER.includes(t))
      .sort(),
  )("%s --customer cus_…: every event is about that existing customer, and no customer is created", async (type) => {
    // A customer of the app: on a test clock (so scenarios that need time can run), with its own default card.
    const clock = await env.stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
    const mine = await env.stripe.customers.create({
      email: "app-user@example.com",
      test_clock: clock.id,
      metadata: { userId: "user_42" },
    });
    // Pausing needs a trial that ends without a payment method, so those customers have no card yet.
    const withCard = !type.startsWith("customer.subscription.paused") && !type.startsWith("customer.subscription.resumed");
    const card = withCard ? await env.stripe.paymentMethods.attach("pm_card_visa", { customer: mine.id }) : null;
    if (card) await env.stripe.customers.update(mine.id, { invoice_settings: { default_payment_method: card.id } });
    const customersBefore = (await env.stripe.customers.list({ limit: 100 })).data.length;

    const events = await triggerEvent(env.stripe, env.handle.url, type, { customer: mine.id });
    expect(events.map((e) => e.type)).toContain(type);
    expect(events.map((e) => e.type)).not.toContain("customer.created");
    const about = events.map(customerOf).filter((id) => id !== undefined);
    expect(about.length).toBeGreaterThan(0);
    expect(new Set(about)).toEqual(new Set([mine.id]));
    const triggered = events.find((e) => e.type === type) as Stripe.Event;
    expect([undefined, mine.id]).toContain(customerOf(triggered));
    expect((await env.stripe.customers.list({ limit: 100 })).data.length).toBe(customersBefore - (type === "customer.deleted" ? 1 : 0));
    if (card && type !== "customer.deleted") {
      // The customer's own default card is left as it was.
      const after = (await env.stripe.customers.retrieve(mine.id)) as Stripe.Customer;
      expect(after.invoice_settings.default_payment_method).toBe(card.id);
    }
    await env.flush();
    const delivered = new Set(env.receiver.received.map((r) => r.event.id));
    expect(events.filter((e) => !delivered.has(e.id))).toEqual([]);
  });

  it("--customer refuses events that are not about a customer, unknown customers and, for time, customers off a test clock", async () => {
    const plain = await env.stripe.customers.create({ email: "no-clock@example.com" });
    await expect(triggerEvent(env.stripe, env.handle.url, "customer.created", { customer: plain.id })).rejects.toThrow(
      "customer.created creates a new customer: run it without --customer.",
    );
    await expect(triggerEvent(env.stripe, env.handle.url, "price.created", { customer: plain.id })).rejects.toThrow(
      /is not about a customer/,
    );
    await expect(triggerEvent(env.stripe, env.handle.url, "billing_portal.configuration.created", { customer: plain.id })).rejects.toThrow(
      /is not about a customer/,
    );
    await expect(triggerEvent(env.stripe, env.handle.url, "invoice.paid", { customer: "cus_doesnotexist" })).rejects.toThrow(
      "No such customer: cus_doesnotexist.",
    );
    await expect(triggerEvent(env.stripe, env.handle.url, "invoice.paid", { customer: "sub_123" })).rejects.toThrow(
      /must be a customer id/,
    );
    await expect(triggerEvent(env.stripe, env.handle.url, "invoice.upcoming", { customer: plain.id })).rejects.toThrow(
      /needs time to pass/,
    );
    const clock = await env.stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
    const carded = await env.stripe.customers.create({
      email: "carded@example.com",
      test_clock: clock.id,
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    });
    await expect(triggerEvent(env.stripe, env.handle.url, "customer.subscription.paused", { customer: carded.id })).rejects.toThrow(
      /needs a customer without a payment method/,
    );
    // Without a test clock, the rest works on real time.
    const events = await triggerEvent(env.stripe, env.handle.url, "invoice.payment_failed", { customer: plain.id });
    expect(new Set(events.map(customerOf).filter(Boolean))).toEqual(new Set([plain.id]));
  });

  it("parses `<event> --customer cus_…` in either order and refuses what it does not understand", () => {
    expect(parseTriggerArgs(["invoice.paid", "--customer", "cus_A1"])).toEqual({
      list: false,
      eventType: "invoice.paid",
      customer: "cus_A1",
    });
    expect(parseTriggerArgs(["--customer=cus_A1", "invoice.paid"])).toEqual({ list: false, eventType: "invoice.paid", customer: "cus_A1" });
    expect(parseTriggerArgs(["--list"]).list).toBe(true);
    expect(parseTriggerArgs(["invoice.paid", "--customer"]).error).toMatch(/--customer needs a customer id/);
    expect(parseTriggerArgs(["invoice.paid", "--override", "x"]).error).toBe("Unknown option --override.");
    expect(parseTriggerArgs(["invoice.paid", "invoice.created"]).error).toMatch(/One event at a time/);
  });
});
