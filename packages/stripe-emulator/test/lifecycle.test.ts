import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import {
  DAY,
  FIRST_INVOICE_PAID_EVENTS,
  INVOICE_CHARGED_EVENTS,
  T0,
  checkoutSubscription,
  clockCustomer,
  createPlan,
  startTestEmulator,
  type Plan,
  type TestEmulator,
} from "./helpers";

let env: TestEmulator;
let stripe: Stripe;
let basic: Plan;
let pro: Plan;

beforeAll(async () => {
  env = await startTestEmulator();
  stripe = env.stripe;
  basic = await createPlan(stripe, "Basic", 1000);
  pro = await createPlan(stripe, "Pro", 3000);
});
afterAll(async () => {
  await env.stop();
});
beforeEach(async () => {
  await env.flush();
  env.receiver.clear();
});

/** Advance a clock and wait until every webhook it caused has been delivered. */
async function advance(clockId: string, to: number): Promise<void> {
  await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
  await env.flush();
}

function eventsOf(customerId: string, types?: string[]): Stripe.Event[] {
  return env.receiver.forCustomer(customerId).filter((e) => !types || types.includes(e.type));
}

function typesOf(customerId: string, types?: string[]): string[] {
  return eventsOf(customerId, types).map((e) => e.type);
}

function invoiceObject(event: Stripe.Event): Stripe.Invoice {
  if (!event.type.startsWith("invoice.")) throw new Error(`not an invoice event: ${event.type}`);
  return event.data.object as Stripe.Invoice;
}

const MONTH_1 = Date.UTC(2027, 1, 15) / 1000; // T0 + 1 month (31 days)
const MONTH_2 = Date.UTC(2027, 2, 15) / 1000; // T0 + 2 months (28 more days)

describe("checkout", () => {
  it("without a trial: incomplete → active, paid invoice, signed events in order", async () => {
    const { customer } = await clockCustomer(stripe, T0);
    await env.flush();
    env.receiver.clear();
    const sub = await checkoutSubscription(env, customer.id, basic.monthly.id);
    await env.flush();
    expect(sub.status).toBe("active");
    expect(env.receiver.verificationErrors).toEqual([]);
    expect(typesOf(customer.id)).toEqual([
      "payment_method.attached",
      "customer.subscription.created",
      ...FIRST_INVOICE_PAID_EVENTS,
      "customer.subscription.updated",
      "checkout.session.completed",
    ]);
    const [created] = eventsOf(customer.id, ["customer.subscription.created"]);
    expect((created.data.object as Stripe.Subscription).status).toBe("incomplete");
    const [updated] = eventsOf(customer.id, ["customer.subscription.updated"]);
    expect(updated.data.previous_attributes).toMatchObject({ status: "incomplete" });
    for (const event of eventsOf(customer.id)) {
      expect(event.api_version).toBe("2026-10-28.endive");
      expect(event.livemode).toBe(false);
      expect(event.created).toBe(T0); // the test clock's frozen time
    }
    const paid = invoiceObject(eventsOf(customer.id, ["invoice.paid"])[0]);
    expect(paid).toMatchObject({ amount_paid: 1000, billing_reason: "subscription_create", status: "paid" });
    expect((created.data.object as Stripe.Subscription).latest_invoice).toBe(paid.id);
    const completed = eventsOf(customer.id, ["checkout.session.completed"])[0].data.object as Stripe.Checkout.Session;
    expect(completed).toMatchObject({
      status: "complete",
      payment_status: "paid",
      subscription: sub.id,
      invoice: paid.id,
      client_reference_id: "user_1",
    });
    // The raw body the SDK verified is exactly what was signed.
    const raw = env.receiver.received.find((r) => r.event.type === "checkout.session.completed");
    expect(raw?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it("with a trial: trialing with a $0 paid invoice, trial_will_end 3 days before, then active and billed", async () => {
    const { clock, customer } = await clockCustomer(stripe, T0);
    const sub = await checkoutSubscription(env, customer.id, pro.monthly.id, "4242424242424242", 14);
    expect(sub.status).toBe("trialing");
    expect(sub.trial_end).toBe(T0 + 14 * DAY);
    const [first] = (await stripe.invoices.list({ customer: customer.id })).data;
    expect(first).toMatchObject({ status: "paid", total: 0, amount_paid: 0, billing_reason: "subscription_create" });
    await env.flush();
    env.receiver.clear();

    await advance(clock.id, T0 + 11 * DAY + 60);
    const willEnd = eventsOf(customer.id, ["customer.subscription.trial_will_end"]);
    expect(willEnd).toHaveLength(1);
    expect(willEnd[0].created).toBe(T0 + 11 * DAY);

    await advance(clock.id, T0 + 14 * DAY + 2 * 3600);
    expect(typesOf(customer.id)).toEqual([
      "customer.subscription.trial_will_end",
      "invoice.upcoming",
      "invoice.created",
      "customer.subscription.updated",
      ...INVOICE_CHARGED_EVENTS,
    ]);
    const trialEnded = eventsOf(customer.id, ["customer.subscription.updated"])[0];
    expect(trialEnded.data.previous_attributes).toMatchObject({ status: "trialing" });
    expect(trialEnded.created).toBe(T0 + 14 * DAY);
    const now = await stripe.subscriptions.retrieve(sub.id);
    expect(now.status).toBe("active");
    expect(now.items.data[0].current_period_start).toBe(T0 + 14 * DAY);
    const invoice = invoiceObject(eventsOf(customer.id, ["invoice.paid"])[0]);
    expect(invoice).toMatchObject({ amount_paid: 3000, billing_reason: "subscription_cycle" });
    expect(eventsOf(customer.id, ["invoice.finalized"])[0].created).toBe(T0 + 14 * DAY + 3600);
  });
});

describe("renewals", () => {
  it("renews at period end with a draft invoice finalized and charged an hour later", async () => {
    const { clock, customer } = await clockCustomer(stripe, T0);
    const sub = await checkoutSubscription(env, customer.id, basic.monthly.id);
    expect(sub.items.data[0].current_period_end).toBe(MONTH_1);
    await env.flush();
    env.receiver.clear();
    await advance(clock.id, MONTH_1 + 60);
    expect(typesOf(customer.id)).toEqual(["invoice.upcoming", "invoice.created", "customer.subscription.updated"]);
    const [upcoming] = eventsOf(customer.id, ["invoice.upcoming"]);
    expect(upcoming.created).toBe(MONTH_1 - 3 * DAY);
    expect(invoiceObject(upcoming)).toMatchObject({ amount_due: 1000, billing_reason: "upcoming" });
    const draft = (await stripe.invoices.list({ customer: customer.id, subscription: sub.id })).data[0];
    expect(draft).toMatchObject({ status: "draft", billing_reason: "subscription_cycle", automatically_finalizes_at: MONTH_1 + 3600 });
    await advance(clock.id, MONTH_1 + 2 * 3600);
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    expect(renewed.items.data[0]).toMatchObject({ current_period_start: MONTH_1, current_period_end: MONTH_2 });
    const invoice = await stripe.invoices.retrieve(draft.id);
    expect(invoice).toMatchObject({ status: "paid", amount_paid: 1000, period_start: T0, period_end: MONTH_1 });
    expect(invoice.lines.data[0].period).toEqual({ start: MONTH_1, end: MONTH_2 });
    expect(typesOf(customer.id).slice(3)).toEqual([...INVOICE_CHARGED_EVENTS]);
  });

  it("failed renewal: past_due, retries on the account schedule with attempt_count, then canceled", async () => {
    await env.control("/_emulator/config", { failedPayments: { retryDays: [3, 5, 7] } });
    const { clock, customer } = await clockCustomer(stripe, T0);
    // The failing card can be attached (trial: nothing to charge today), every later charge is declined.
    const sub = await checkoutSubscription(env, customer.id, basic.monthly.id, "4000000000000341", 7);
    await env.flush();
    env.receiver.clear();
    await advance(clock.id, T0 + 7 * DAY + 2 * 3600);
    const failures = eventsOf(customer.id, ["invoice.payment_failed"]).map(invoiceObject);
    expect(failures).toHaveLength(1);
    const finalizedAt = T0 + 7 * DAY + 3600;
    expect(failures[0]).toMatchObject({ attempt_count: 1, attempted: true, status: "open", next_payment_attempt: finalizedAt + 3 * DAY });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    const pastDue = eventsOf(customer.id, ["customer.subscription.updated"]).at(-1);
    expect(pastDue?.data.previous_attributes).toMatchObject({ status: "active" });

    await advance(clock.id, T0 + 16 * DAY);
    const all = eventsOf(customer.id, ["invoice.payment_failed"]).map(invoiceObject);
    expect(all.map((i) => i.attempt_count)).toEqual([1, 2, 3, 4]);
    expect(all.map((i) => i.next_payment_attempt)).toEqual([finalizedAt + 3 * DAY, finalizedAt + 5 * DAY, finalizedAt + 7 * DAY, null]);
    const deleted = eventsOf(customer.id, ["customer.subscription.deleted"]);
    expect(deleted).toHaveLength(1);
    expect(deleted[0].created).toBe(finalizedAt + 7 * DAY);
    const canceled = deleted[0].data.object as Stripe.Subscription;
    expect(canceled.status).toBe("canceled");
    expect(canceled.cancellation_details?.reason).toBe("payment_failed");
    await env.control("/_emulator/config", { failedPayments: { retryDays: [1, 3, 5, 7, 9, 11, 14] } });
  });

  it("cancel_at_period_end: updated now, deleted at period end, no renewal invoice", async () => {
    const { clock, customer } = await clockCustomer(stripe, T0);
    const sub = await checkoutSubscription(env, customer.id, basic.monthly.id);
    await advance(clock.id, T0 + 5 * DAY);
    env.receiver.clear();
    const updated = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(updated.cancel_at).toBe(MONTH_1);
    await advance(clock.id, MONTH_1 + 2 * 3600);
    expect(typesOf(customer.id)).toEqual(["customer.subscription.updated", "customer.subscription.deleted"]);
    const deleted = eventsOf(customer.id, ["customer.subscription.deleted"])[0];
    expect(deleted.created).toBe(MONTH_1);
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(1);
  });
});

describe("plan changes", () => {
  // 10 days into a 31-day period: 21/31 of the period remains.
  const changeAt = T0 + 10 * DAY;
  const credit = -Math.round((1000 * 21) / 31); // -677
  const charge = Math.round((3000 * 21) / 31); // 2032

  it("upgrade with create_prorations: pending proration items billed on the next invoice", async () => {
    expect([credit, charge]).toEqual([-677, 2032]);
    const { clock, customer } = await clockCustomer(stripe, T0);
    const sub = await checkoutSubscription(env, customer.id, basic.monthly.id);
    await advance(clock.id, changeAt);
    env.receiver.clear();
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: pro.monthly.id }],
      proration_behavior: "create_prorations",
    });
    expect(updated.items.data[0].price.id).toBe(pro.monthly.id);
    expect(updated.items.data[0].id).toBe(sub.items.data[0].id);
    await env.flush();
    expect(typesOf(customer.id)).toEqual(["customer.subscription.updated", "invoiceitem.created", "invoiceitem.created"]);
    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data.map((i) => i.amount).sort((a, b) => a - b)).toEqual([credit, charge]);
    expect(pending.data.every((i) => i.proration && i.period.start === changeAt && i.period.end === MONTH_1)).toBe(true);

    await advance(clock.id, MONTH_1 + 2 * 3600);
    const invoice = (await stripe.invoices.list({ customer: customer.id, limit: 1 })).data[0];
    expect(invoice.billing_reason).toBe("subscription_cycle");
    expect(invoice.lines.data.map((l) => l.amount).sort((a, b) => a - b)).toEqual([credit, charge, 3000]);
    expect(invoice).toMatchObject({ total: 3000 + charge + credit, amount_paid: 3000 + charge + credit, status: "paid" });
  });

  it("upgrade with always_invoice: an immediate paid proration invoice", async () => {
    const { clock, customer } = await clockCustomer(stripe, T0);
    const sub = await checkoutSubscription(env, customer.id, basic.monthly.id);
    await advance(clock.id, changeAt);
    await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: pro.monthly.id }],
      proration_behavior: "always_invoice",
    });
    const invoice = (await stripe.invoices.list({ customer: customer.id, limit: 1 })).data[0];
    expect(invoice).toMatchObject({
      billing_reason: "subscription_update",
      status: "paid",
      total: charge + credit,
      amount_paid: charge + credit,
    });
    expect((await stripe.subscriptions.retrieve(sub.id)).latest_invoice).toBe(invoice.id);
  });

  it("downgrade with always_invoice credits the customer balance, used by the next invoice", async () => {
    const { clock, customer } = await clockCustomer(stripe, T0);
    const sub = await checkoutSubscription(env, customer.id, pro.monthly.id);
    await advance(clock.id, changeAt);
    await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: basic.monthly.id }],
      proration_behavior: "always_invoice",
    });
    const credited = (await stripe.invoices.list({ customer: customer.id, limit: 1 })).data[0];
    const net = -charge - credit; // -(2032) + 677 = -1355
    expect(credited).toMatchObject({ total: net, amount_due: 0, status: "paid", ending_balance: net });
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ balance: net });
    await advance(clock.id, MONTH_1 + 2 * 3600);
    const renewal = (await stripe.invoices.list({ customer: customer.id, limit: 1 })).data[0];
    expect(renewal).toMatchObject({ total: 1000, starting_balance: net, amount_due: 0, ending_balance: 1000 + net });
  });

  it("proration_behavior none changes the price without any invoice items", async () => {
    const { clock, customer } = await clockCustomer(stripe, T0);
    const sub = await checkoutSubscription(env, customer.id, basic.monthly.id);
    await advance(clock.id, changeAt);
    await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, price: pro.monthly.id }], proration_behavior: "none" });
    expect((await stripe.invoiceItems.list({ customer: customer.id })).data).toHaveLength(0);
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(1);
  });

  it("preview matches the prorations that the update then creates", async () => {
    const { clock, customer } = await clockCustomer(stripe, T0);
    const sub = await checkoutSubscription(env, customer.id, basic.monthly.id);
    await advance(clock.id, changeAt);
    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: {
        items: [{ id: sub.items.data[0].id, price: pro.monthly.id }],
        proration_behavior: "create_prorations",
        proration_date: changeAt,
      },
    });
    expect(preview.lines.data.map((l) => l.amount)).toEqual([credit, charge, 3000]);
    expect(preview.parent?.subscription_details?.subscription_proration_date).toBe(changeAt);
  });

  it.each(["always_invoice", "create_prorations"] as const)(
    "a new interval (%s): the preview is the invoice the update creates at once, new period included",
    async (proration_behavior) => {
      const { clock, customer } = await clockCustomer(stripe, T0);
      const sub = await checkoutSubscription(env, customer.id, pro.monthly.id);
      await advance(clock.id, changeAt);
      const items = [{ id: sub.items.data[0].id, price: basic.yearly.id }];
      const preview = await stripe.invoices.createPreview({
        customer: customer.id,
        subscription: sub.id,
        subscription_details: { items, proration_behavior, proration_date: changeAt },
      });
      const unused = -Math.round((3000 * 21) / 31); // -2032
      expect(preview.lines.data.map((l) => [l.description, l.amount])).toEqual([
        [expect.stringMatching(/^Unused time on Pro after /), unused],
        ["1 × Basic (at $100.00 / year)", 10_000],
      ]);
      expect(preview).toMatchObject({ billing_reason: "subscription_update", total: 10_000 + unused, amount_due: 10_000 + unused });
      expect(preview.lines.data[1].period).toEqual({ start: changeAt, end: Date.UTC(2028, 0, 25) / 1000 });

      await stripe.subscriptions.update(sub.id, { items, proration_behavior, proration_date: changeAt });
      const invoice = (await stripe.invoices.list({ customer: customer.id, limit: 1 })).data[0];
      expect(invoice).toMatchObject({ billing_reason: "subscription_update", status: "paid", amount_paid: preview.amount_due });
      expect(invoice.lines.data.map((l) => [l.description, l.amount, l.period])).toEqual(
        preview.lines.data.map((l) => [l.description, l.amount, l.period]),
      );
    },
  );
});

describe("subscription schedules", () => {
  it("downgrades at period end, then releases after the last phase", async () => {
    const { clock, customer } = await clockCustomer(stripe, T0);
    const sub = await checkoutSubscription(env, customer.id, pro.monthly.id);
    await advance(clock.id, T0 + 3 * DAY);
    env.receiver.clear();
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    expect(schedule.phases[0]).toMatchObject({ start_date: T0, end_date: MONTH_1 });
    await stripe.subscriptionSchedules.update(schedule.id, {
      end_behavior: "release",
      phases: [
        { items: [{ price: pro.monthly.id, quantity: 1 }], start_date: T0, end_date: MONTH_1 },
        { items: [{ price: basic.monthly.id, quantity: 1 }] },
      ],
    });
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(pro.monthly.id);
    const preview = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id });
    expect(preview.lines.data.map((l) => l.amount)).toEqual([1000]);

    await advance(clock.id, MONTH_1 + 2 * 3600);
    const switched = await stripe.subscriptions.retrieve(sub.id);
    expect(switched.items.data[0].price.id).toBe(basic.monthly.id);
    expect(switched.schedule).toBe(schedule.id);
    const renewal = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0];
    expect(renewal).toMatchObject({ billing_reason: "subscription_cycle", total: 1000, status: "paid" });
    const atBoundary = eventsOf(customer.id)
      .filter((e) => e.created === MONTH_1)
      .map((e) => e.type);
    expect(atBoundary.slice(0, 2)).toEqual(["customer.subscription.updated", "subscription_schedule.updated"]);
    const priceChange = eventsOf(customer.id, ["customer.subscription.updated"]).find((e) => e.created === MONTH_1);
    expect(priceChange?.data.previous_attributes).toHaveProperty("items");
    expect((await stripe.subscriptionSchedules.retrieve(schedule.id)).current_phase).toEqual({ start_date: MONTH_1, end_date: MONTH_2 });

    await advance(clock.id, MONTH_2 + 2 * 3600);
    const released = await stripe.subscriptionSchedules.retrieve(schedule.id);
    expect(released).toMatchObject({ status: "released", released_subscription: sub.id, subscription: null });
    expect((await stripe.subscriptions.retrieve(sub.id)).schedule).toBeNull();
    expect(
      typesOf(customer.id, ["subscription_schedule.created", "subscription_schedule.updated", "subscription_schedule.released"]),
    ).toEqual([
      "subscription_schedule.created",
      "subscription_schedule.updated",
      "subscription_schedule.updated",
      "subscription_schedule.released",
    ]);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });
});

describe("3-D Secure", () => {
  it("first invoice needing authentication leaves the subscription incomplete", async () => {
    const { customer } = await clockCustomer(stripe, T0);
    env.receiver.clear();
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: basic.monthly.id }],
      default_payment_method: "pm_card_authenticationRequired",
    });
    await env.flush();
    expect(sub.status).toBe("incomplete");
    expect(typesOf(customer.id, ["invoice.payment_failed", "invoice.payment_action_required"])).toEqual([
      "invoice.payment_failed",
      "invoice.payment_action_required",
    ]);
    const invoice = await stripe.invoices.retrieve(String(sub.latest_invoice));
    expect(invoice).toMatchObject({ status: "open", attempt_count: 1 });
  });

  it("off-session renewal needing authentication makes the subscription past_due", async () => {
    const { clock, customer } = await clockCustomer(stripe, T0);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: basic.monthly.id }],
      default_payment_method: "pm_card_authenticationRequired",
      trial_period_days: 7,
    });
    expect(sub.status).toBe("trialing");
    await advance(clock.id, T0 + 7 * DAY + 2 * 3600);
    expect(typesOf(customer.id, ["invoice.payment_action_required"])).toHaveLength(1);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
  });

  it("error_if_incomplete refuses with a 402 and creates nothing", async () => {
    const { customer } = await clockCustomer(stripe, T0);
    await expect(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: basic.monthly.id }],
        default_payment_method: "pm_card_chargeCustomerFail",
        payment_behavior: "error_if_incomplete",
      }),
    ).rejects.toMatchObject({ type: "StripeCardError", statusCode: 402, code: "card_declined" });
    expect((await stripe.subscriptions.list({ customer: customer.id, status: "all" })).data).toHaveLength(0);
  });
});

describe("webhook delivery", () => {
  async function deliveries(): Promise<
    Array<{ event_id: string; attempt: number; status_code: number | null; next_retry_in_ms: number | null; endpoint_url: string }>
  > {
    const res = await env.control("/_emulator/deliveries");
    return (
      (await res.json()) as {
        data: Array<{
          event_id: string;
          attempt: number;
          status_code: number | null;
          next_retry_in_ms: number | null;
          endpoint_url: string;
        }>;
      }
    ).data;
  }

  it("retries non-2xx responses with increasing backoff", async () => {
    env.receiver.respond = (_event, attempt) => (attempt <= 2 ? 500 : 200);
    const product = await stripe.products.create({ name: "Retry me" });
    await env.flush();
    const event = env.receiver.received.find(
      (r) => r.event.type === "product.created" && (r.event.data.object as Stripe.Product).id === product.id,
    );
    expect(event).toBeDefined();
    const log = (await deliveries()).filter((d) => d.event_id === event?.event.id);
    expect(log.map((d) => [d.attempt, d.status_code])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(log[0].endpoint_url).toBe(env.receiver.url);
    expect(log[1].next_retry_in_ms ?? 0).toBeGreaterThan(log[0].next_retry_in_ms ?? 0);
    const stored = await stripe.events.retrieve(event?.event.id ?? "");
    expect(stored.pending_webhooks).toBe(0);
  });

  it("chaos: duplicate delivers every event twice", async () => {
    await env.control("/_emulator/config", { chaos: { duplicate: true } });
    try {
      const product = await stripe.products.create({ name: "Twice" });
      await env.flush();
      const copies = env.receiver.received.filter((r) => (r.event.data.object as { id?: string }).id === product.id);
      expect(copies).toHaveLength(2);
      expect(copies[0].event.id).toBe(copies[1].event.id);
    } finally {
      await env.control("/_emulator/config", { chaos: { duplicate: false } });
    }
  });

  it("chaos: outOfOrder permutes a batch of events", async () => {
    await env.control("/_emulator/config", { chaos: { outOfOrder: true } });
    try {
      const { customer } = await clockCustomer(stripe, T0);
      await env.flush();
      env.receiver.clear();
      await checkoutSubscription(env, customer.id, basic.monthly.id);
      await env.flush();
      const delivered = eventsOf(customer.id).map((e) => e.id);
      const emitted = (await stripe.events.list({ limit: 100 })).data
        .filter((e) => delivered.includes(e.id))
        .map((e) => e.id)
        .reverse();
      expect([...delivered].sort()).toEqual([...emitted].sort());
      expect(delivered).not.toEqual(emitted);
    } finally {
      await env.control("/_emulator/config", { chaos: { outOfOrder: false } });
    }
  });

  it("chaos: concurrent sends a batch in parallel", async () => {
    await env.control("/_emulator/config", { chaos: { concurrent: true } });
    try {
      env.receiver.respond = () => new Promise((resolve) => setTimeout(() => resolve(200), 25));
      const { customer } = await clockCustomer(stripe, T0);
      await checkoutSubscription(env, customer.id, basic.monthly.id);
      await env.flush();
      expect(env.receiver.maxInFlight).toBeGreaterThan(1);
    } finally {
      await env.control("/_emulator/config", { chaos: { concurrent: false } });
    }
  });

  it("paused delivery holds events until resumed", async () => {
    await env.control("/_emulator/config", { deliveryPaused: true });
    const product = await stripe.products.create({ name: "Held" });
    await env.flush();
    const isHeld = (r: { event: Stripe.Event }) => (r.event.data.object as { id?: string }).id === product.id;
    expect(env.receiver.received.filter(isHeld)).toHaveLength(0);
    await env.control("/_emulator/config", { deliveryPaused: false });
    await env.control("/_emulator/flush");
    expect(env.receiver.received.filter(isHeld)).toHaveLength(1);
  });
});

describe("reset", () => {
  it("clears all state and restores the start configuration", async () => {
    await env.control("/_emulator/config", { chaos: { duplicate: true } });
    const res = await env.control("/_emulator/reset");
    expect(res.status).toBe(200);
    expect((await stripe.customers.list()).data).toHaveLength(0);
    expect((await stripe.events.list()).data).toHaveLength(0);
    expect((await stripe.prices.list()).data).toHaveLength(0);
    const config = (await (await env.control("/_emulator/config", {})).json()) as {
      chaos: { duplicate: boolean };
      webhookUrl: string | null;
    };
    expect(config.chaos.duplicate).toBe(false);
    expect(config.webhookUrl).toBeNull();
    expect((await (await env.control("/_emulator/deliveries")).json()) as { data: unknown[] }).toEqual({ object: "list", data: [] });
  });
});
