/**
 * Contract: how a subscription update is paid for (`payment_behavior`), and the hosted portal's plan
 * switch (`subscription_update.trial_update_behavior`, `schedule_at_period_end`). Each test is the SDK
 * call (or the portal form the hosted page posts) and what Stripe answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { createPlan, clockCustomer, DAY, expectStripeError, startTestEmulator, T0, type Plan, type TestEmulator } from "./helpers";

let env: TestEmulator;
let stripe: Stripe;
let basic: Plan;
let premium: Plan;

beforeAll(async () => {
  env = await startTestEmulator();
  stripe = env.stripe;
  basic = await createPlan(stripe, "Basic", 1_000);
  premium = await createPlan(stripe, "Premium", 5_000);
});
afterAll(() => env.stop());

/** An active Basic monthly subscription on a test clock, paid with 4242, then switched to `card` for later charges. */
async function activeSubscription(card = "pm_card_visa", trialDays?: number) {
  const { clock, customer } = await clockCustomer(stripe, T0, `update-${Math.random()}@example.com`);
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: basic.monthly.id }],
    default_payment_method: "pm_card_visa",
    ...(trialDays ? { trial_period_days: trialDays } : {}),
  });
  const withCard = card === "pm_card_visa" ? sub : await stripe.subscriptions.update(sub.id, { default_payment_method: card });
  return { clock, customer, sub: withCard };
}

const upgrade = (sub: Stripe.Subscription, paymentBehavior?: Stripe.SubscriptionUpdateParams.PaymentBehavior) =>
  stripe.subscriptions.update(sub.id, {
    items: [{ id: sub.items.data[0].id, price: premium.monthly.id }],
    proration_behavior: "always_invoice",
    ...(paymentBehavior ? { payment_behavior: paymentBehavior } : {}),
  });

describe("payment_behavior on subscriptions.update", () => {
  it("error_if_incomplete, card declines: 402 card_error and nothing changes", async () => {
    const { customer, sub } = await activeSubscription("pm_card_chargeCustomerFail");
    const invoicesBefore = (await stripe.invoices.list({ customer: customer.id })).data.length;
    const err = await expectStripeError(upgrade(sub, "error_if_incomplete"));
    expect(err).toMatchObject({ type: "StripeCardError", statusCode: 402, code: "card_declined", decline_code: "generic_decline" });
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({ status: "active", latest_invoice: sub.latest_invoice, pending_update: null });
    expect(after.items.data[0].price.id).toBe(basic.monthly.id);
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(invoicesBefore);
  });

  it("error_if_incomplete, card pays: the change applies with a paid subscription_update invoice", async () => {
    const { sub } = await activeSubscription();
    const updated = await upgrade(sub, "error_if_incomplete");
    expect(updated.items.data[0].price.id).toBe(premium.monthly.id);
    expect(await stripe.invoices.retrieve(String(updated.latest_invoice))).toMatchObject({
      billing_reason: "subscription_update",
      status: "paid",
    });
  });

  it("error_if_incomplete with trial_end=now on a failing card: 402, still trialing", async () => {
    const { sub } = await activeSubscription("pm_card_chargeCustomerFail", 14);
    const err = await expectStripeError(
      stripe.subscriptions.update(sub.id, {
        items: [{ id: sub.items.data[0].id, price: premium.yearly.id }],
        trial_end: "now",
        payment_behavior: "error_if_incomplete",
      }),
    );
    expect(err.statusCode).toBe(402);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({ status: "trialing", trial_end: T0 + 14 * DAY });
    expect(after.items.data[0].price.id).toBe(basic.monthly.id);
  });

  it("allow_incomplete (the default), card declines: the change applies and the subscription is past_due", async () => {
    const { sub } = await activeSubscription("pm_card_chargeCustomerFail");
    const updated = await upgrade(sub);
    expect(updated.items.data[0].price.id).toBe(premium.monthly.id);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
  });

  it("default_incomplete: the change applies, its invoice is open and not attempted, past_due until paid", async () => {
    const { sub } = await activeSubscription();
    const updated = await upgrade(sub, "default_incomplete");
    expect(updated).toMatchObject({ status: "past_due" });
    expect(updated.items.data[0].price.id).toBe(premium.monthly.id);
    const invoice = await stripe.invoices.retrieve(String(updated.latest_invoice));
    expect(invoice).toMatchObject({ status: "open", attempt_count: 0, billing_reason: "subscription_update" });
    await stripe.invoices.pay(invoice.id);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });

  it("pending_if_incomplete, card declines: old price kept, pending_update filled, applied once the invoice is paid", async () => {
    const { customer, sub } = await activeSubscription("pm_card_chargeCustomerFail");
    const updated = await upgrade(sub, "pending_if_incomplete");
    expect(updated.status).toBe("active");
    expect(updated.items.data[0].price.id).toBe(basic.monthly.id);
    expect(updated.pending_update).toMatchObject({ expires_at: T0 + 23 * 3600, trial_end: null });
    expect(updated.pending_update?.subscription_items?.[0]).toMatchObject({ id: sub.items.data[0].id, price: { id: premium.monthly.id } });
    const invoice = await stripe.invoices.retrieve(String(updated.latest_invoice));
    expect(invoice).toMatchObject({ status: "open", billing_reason: "subscription_update", attempt_count: 1, next_payment_attempt: null });

    const paid = await stripe.invoices.pay(invoice.id, { payment_method: "pm_card_visa" });
    expect(paid.status).toBe("paid");
    const applied = await stripe.subscriptions.retrieve(sub.id);
    expect(applied).toMatchObject({ status: "active", pending_update: null });
    expect(applied.items.data[0].price.id).toBe(premium.monthly.id);
    await env.flush();
    expect(env.receiver.forCustomer(customer.id).map((e) => e.type)).toContain("customer.subscription.pending_update_applied");
  });

  it("pending_if_incomplete: an unpaid pending update expires after 23 hours and its invoice is voided", async () => {
    const { clock, customer, sub } = await activeSubscription("pm_card_chargeCustomerFail");
    const updated = await upgrade(sub, "pending_if_incomplete");
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + DAY });
    const expired = await stripe.subscriptions.retrieve(sub.id);
    expect(expired).toMatchObject({ status: "active", pending_update: null });
    expect(expired.items.data[0].price.id).toBe(basic.monthly.id);
    expect((await stripe.invoices.retrieve(String(updated.latest_invoice))).status).toBe("void");
    await env.flush();
    expect(env.receiver.forCustomer(customer.id).map((e) => e.type)).toContain("customer.subscription.pending_update_expired");
  });

  it("pending_if_incomplete, card pays: the change applies at once and nothing is pending", async () => {
    const { sub } = await activeSubscription();
    const updated = await upgrade(sub, "pending_if_incomplete");
    expect(updated).toMatchObject({ status: "active", pending_update: null });
    expect(updated.items.data[0].price.id).toBe(premium.monthly.id);
  });

  it("pending_if_incomplete refuses parameters a pending update cannot carry (400, naming the parameter)", async () => {
    const { sub } = await activeSubscription();
    const err = await expectStripeError(
      stripe.subscriptions.update(sub.id, {
        items: [{ id: sub.items.data[0].id, price: premium.monthly.id }],
        description: "x",
        payment_behavior: "pending_if_incomplete",
      }),
    );
    expect(err).toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError", param: "description" });
  });
});

describe("the hosted portal plan switch", () => {
  async function portalFor(
    customer: string,
    subscriptionUpdate: Stripe.BillingPortal.ConfigurationCreateParams.Features.SubscriptionUpdate,
  ) {
    const config = await stripe.billingPortal.configurations.create({
      features: {
        subscription_update: {
          ...subscriptionUpdate,
          products: [
            { product: basic.product.id, prices: [basic.monthly.id, basic.yearly.id] },
            { product: premium.product.id, prices: [premium.monthly.id, premium.yearly.id] },
          ],
        },
      },
    });
    return stripe.billingPortal.sessions.create({ customer, configuration: config.id });
  }

  /** What the "Switch" button on the portal page posts. */
  async function pressSwitch(session: Stripe.BillingPortal.Session, subscription: string, price: string): Promise<string> {
    const res = await fetch(`${session.url}/switch`, {
      method: "POST",
      body: new URLSearchParams({ subscription, price }),
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    return decodeURIComponent(res.headers.get("location") ?? "");
  }

  it("during a trial, trial_update_behavior end_trial (the default) ends the trial and bills the new plan now", async () => {
    const { sub } = await activeSubscription("pm_card_visa", 14);
    const session = await portalFor(String(sub.customer), {
      enabled: true,
      default_allowed_updates: ["price"],
      proration_behavior: "always_invoice",
    });
    const config = await stripe.billingPortal.configurations.retrieve(String(session.configuration));
    expect(config.features.subscription_update.trial_update_behavior).toBe("end_trial");
    expect(await pressSwitch(session, sub.id, premium.monthly.id)).toContain("notice=");
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({ status: "active", trial_end: T0 });
    expect(after.items.data[0].price.id).toBe(premium.monthly.id);
    expect(await stripe.invoices.retrieve(String(after.latest_invoice))).toMatchObject({ status: "paid", amount_paid: 5_000 });
  });

  it("during a trial, trial_update_behavior continue_trial keeps the trial and charges nothing", async () => {
    const { sub } = await activeSubscription("pm_card_visa", 14);
    const session = await portalFor(String(sub.customer), {
      enabled: true,
      default_allowed_updates: ["price"],
      proration_behavior: "always_invoice",
      trial_update_behavior: "continue_trial",
    });
    await pressSwitch(session, sub.id, premium.monthly.id);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({ status: "trialing", trial_end: T0 + 14 * DAY });
    expect(after.items.data[0].price.id).toBe(premium.monthly.id);
    expect(await stripe.invoices.retrieve(String(after.latest_invoice))).toMatchObject({ amount_paid: 0 });
  });

  it("schedule_at_period_end shortening_interval: yearly → monthly is scheduled for the period end", async () => {
    const { customer, sub: monthly } = await activeSubscription();
    const sub = await stripe.subscriptions.update(monthly.id, {
      items: [{ id: monthly.items.data[0].id, price: premium.yearly.id }],
      proration_behavior: "none",
    });
    const session = await portalFor(customer.id, {
      enabled: true,
      default_allowed_updates: ["price"],
      proration_behavior: "always_invoice",
      schedule_at_period_end: { conditions: [{ type: "shortening_interval" }] },
    });
    expect(await pressSwitch(session, sub.id, premium.monthly.id)).toContain("will switch");
    const after = await stripe.subscriptions.retrieve(sub.id, { expand: ["schedule"] });
    expect(after.items.data[0].price.id).toBe(premium.yearly.id);
    const schedule = after.schedule as Stripe.SubscriptionSchedule;
    expect(schedule.phases.map((p) => [p.items[0].price, p.start_date])).toEqual([
      [premium.yearly.id, sub.items.data[0].current_period_start],
      [premium.monthly.id, sub.items.data[0].current_period_end],
    ]);
  });

  it("an immediate switch whose payment fails changes nothing and shows the card error", async () => {
    const { sub } = await activeSubscription("pm_card_chargeCustomerFail");
    const session = await portalFor(String(sub.customer), {
      enabled: true,
      default_allowed_updates: ["price"],
      proration_behavior: "always_invoice",
    });
    expect(await pressSwitch(session, sub.id, premium.monthly.id)).toContain("error=Your card was declined.");
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({ status: "active", latest_invoice: sub.latest_invoice });
    expect(after.items.data[0].price.id).toBe(basic.monthly.id);
  });
});
