/**
 * Subscription schedules created without `from_subscription` (`customer` + `phases` + `start_date`): the schedule
 * creates the subscription when its start date arrives (a test clock), then its phases advance.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { DAY, T0, clockCustomer, createPlan, expectStripeError, startTestEmulator, type Plan, type TestEmulator } from "./helpers";

let env: TestEmulator;
let basic: Plan;
let premium: Plan;

const MONTH_1 = Date.UTC(2027, 1, 15) / 1000; // T0 + 1 month
const MONTH_2 = Date.UTC(2027, 2, 15) / 1000;

beforeAll(async () => {
  env = await startTestEmulator();
  basic = await createPlan(env.stripe, "Basic", 1000);
  premium = await createPlan(env.stripe, "Premium", 5000);
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.flush();
  env.receiver.clear();
});

/** A customer on a clock at T0 with a default card. */
async function payingCustomer() {
  const { clock, customer } = await clockCustomer(env.stripe, T0, "schedules@example.com");
  const pm = await env.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
  await env.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return { clock, customer };
}

async function advance(clock: string, to: number) {
  await env.stripe.testHelpers.testClocks.advance(clock, { frozen_time: to });
  await env.flush();
}

async function typesFor(customer: string): Promise<string[]> {
  await env.flush();
  return env.receiver.forCustomer(customer).map((e) => e.type);
}

describe("subscription schedules created with customer and phases", () => {
  it("start_date now: the subscription is created at once from the first phase, then the second phase applies at its start", async () => {
    const { clock, customer } = await payingCustomer();
    const schedule = await env.stripe.subscriptionSchedules.create({
      customer: customer.id,
      start_date: "now",
      end_behavior: "release",
      phases: [{ items: [{ price: basic.monthly.id, quantity: 2 }] }, { items: [{ price: premium.monthly.id }] }],
      metadata: { plan: "intro" },
    });
    expect(schedule).toMatchObject({
      status: "active",
      customer: customer.id,
      end_behavior: "release",
      metadata: { plan: "intro" },
      current_phase: { start_date: T0, end_date: MONTH_1 },
    });
    expect(schedule.phases.map((p) => [p.items[0].price, p.start_date, p.end_date])).toEqual([
      [basic.monthly.id, T0, MONTH_1],
      [premium.monthly.id, MONTH_1, MONTH_2],
    ]);
    const sub = await env.stripe.subscriptions.retrieve(String(schedule.subscription), { expand: ["latest_invoice"] });
    expect(sub).toMatchObject({ status: "active", schedule: schedule.id, customer: customer.id });
    expect(sub.items.data.map((i) => [i.price.id, i.quantity])).toEqual([[basic.monthly.id, 2]]);
    expect(sub.latest_invoice).toMatchObject({ billing_reason: "subscription_create", status: "paid", amount_paid: 2000 });
    const events = await typesFor(customer.id);
    expect(events.indexOf("subscription_schedule.created")).toBeLessThan(events.indexOf("customer.subscription.created"));
    const created = env.receiver.forCustomer(customer.id).find((e) => e.type === "customer.subscription.created");
    expect((created?.data.object as Stripe.Subscription).schedule).toBe(schedule.id);

    await advance(clock.id, MONTH_1 + DAY);
    const switched = await env.stripe.subscriptions.retrieve(sub.id);
    expect(switched.items.data.map((i) => i.price.id)).toEqual([premium.monthly.id]);
    expect((await env.stripe.subscriptionSchedules.retrieve(schedule.id)).current_phase).toEqual({
      start_date: MONTH_1,
      end_date: MONTH_2,
    });
    // After the last phase, end_behavior: release leaves the subscription running on its own.
    await advance(clock.id, MONTH_2 + DAY);
    const released = await env.stripe.subscriptionSchedules.retrieve(schedule.id);
    expect(released).toMatchObject({ status: "released", released_subscription: sub.id, subscription: null });
    expect(await env.stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: "active", schedule: null });
  });

  it("a future start_date: not_started with no subscription until the clock reaches it, then it creates and bills the subscription", async () => {
    const { clock, customer } = await payingCustomer();
    const start = T0 + 10 * DAY;
    const schedule = await env.stripe.subscriptionSchedules.create({
      customer: customer.id,
      start_date: start,
      end_behavior: "cancel",
      phases: [{ items: [{ price: premium.monthly.id }], duration: { interval: "month", interval_count: 2 } }],
    });
    expect(schedule).toMatchObject({ status: "not_started", subscription: null, current_phase: null });
    expect(schedule.phases[0]).toMatchObject({ start_date: start });
    expect((await env.stripe.subscriptions.list({ customer: customer.id })).data).toEqual([]);
    const billing = (types: string[]) => types.filter((t) => /^(subscription_schedule|customer\.subscription|invoice)\./.test(t));
    expect(billing(await typesFor(customer.id))).toEqual(["subscription_schedule.created"]);

    await advance(clock.id, start - DAY);
    expect((await env.stripe.subscriptionSchedules.retrieve(schedule.id)).status).toBe("not_started");

    await advance(clock.id, start + DAY);
    const started = await env.stripe.subscriptionSchedules.retrieve(schedule.id);
    expect(started.status).toBe("active");
    const sub = await env.stripe.subscriptions.retrieve(String(started.subscription));
    expect(sub).toMatchObject({ status: "active", schedule: schedule.id, start_date: start });
    expect(sub.items.data[0]).toMatchObject({ current_period_start: start });
    const types = await typesFor(customer.id);
    expect(types).toContain("customer.subscription.created");
    expect(types).toContain("subscription_schedule.updated");
    expect(types).toContain("invoice.paid");

    // end_behavior: cancel — the subscription ends with the last phase (two months after the start).
    const end = started.phases[0].end_date;
    await advance(clock.id, end + DAY);
    expect(await env.stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({ status: "completed" });
    expect((await env.stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
  });

  it("a trial in the first phase starts the subscription trialing", async () => {
    const { customer } = await payingCustomer();
    const schedule = await env.stripe.subscriptionSchedules.create({
      customer: customer.id,
      phases: [
        { items: [{ price: basic.monthly.id }], trial_end: T0 + 7 * DAY, end_date: MONTH_1 },
        { items: [{ price: basic.yearly.id }] },
      ],
    });
    const sub = await env.stripe.subscriptions.retrieve(String(schedule.subscription));
    expect(sub).toMatchObject({ status: "trialing", trial_end: T0 + 7 * DAY });
    expect(schedule.phases[1]).toMatchObject({ start_date: MONTH_1 });
  });

  it("a not_started schedule can be canceled: no subscription is ever created", async () => {
    const { clock, customer } = await payingCustomer();
    const schedule = await env.stripe.subscriptionSchedules.create({
      customer: customer.id,
      start_date: T0 + 5 * DAY,
      phases: [{ items: [{ price: basic.monthly.id }] }],
    });
    expect((await env.stripe.subscriptionSchedules.cancel(schedule.id)).status).toBe("canceled");
    await advance(clock.id, T0 + 6 * DAY);
    expect((await env.stripe.subscriptions.list({ customer: customer.id })).data).toEqual([]);
  });

  it("bad input: no phases, an unknown customer or price, a past start_date, no payment method for a charge now; nothing created", async () => {
    const { customer } = await payingCustomer();
    const bare = await env.stripe.customers.create({ email: "nocard@example.com" });
    expect(await expectStripeError(env.stripe.subscriptionSchedules.create({ customer: customer.id }))).toMatchObject({
      statusCode: 400,
      code: "parameter_missing",
      param: "phases",
    });
    expect(
      await expectStripeError(
        env.stripe.subscriptionSchedules.create({ customer: "cus_missing", phases: [{ items: [{ price: basic.monthly.id }] }] }),
      ),
    ).toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "customer",
    });
    expect(
      await expectStripeError(
        env.stripe.subscriptionSchedules.create({
          customer: customer.id,
          start_date: T0 - DAY,
          phases: [{ items: [{ price: basic.monthly.id }] }],
        }),
      ),
    ).toMatchObject({ statusCode: 400, param: "start_date" });
    const noCard = await expectStripeError(
      env.stripe.subscriptionSchedules.create({ customer: bare.id, phases: [{ items: [{ price: basic.monthly.id }] }] }),
    );
    expect(noCard.message).toContain("no attached payment source or default payment method");
    expect(
      await expectStripeError(
        env.stripe.subscriptionSchedules.create({ customer: customer.id, phases: [{ items: [{ price: "price_missing" }] }] }),
      ),
    ).toMatchObject({
      code: "resource_missing",
      param: "phases[0][items][0][price]",
    });
    expect((await env.stripe.subscriptionSchedules.list({ customer: customer.id })).data).toEqual([]);
    expect((await env.stripe.subscriptionSchedules.list({ customer: bare.id })).data).toEqual([]);
  });
});
