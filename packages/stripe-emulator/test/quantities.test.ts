/**
 * Per-seat billing against the emulator with the official SDK: subscription item quantities changed through
 * `subscriptionItems.update` and `subscriptions.update` with every proration_behavior, quantity changes scheduled
 * with a subscription schedule, per-seat and proration invoice lines, and previews that equal the invoices.
 *
 * Arithmetic: a $10.00 seat per month from T0 (2027-01-15), so the period is 31 days; a change on day 10 prorates
 * 21/31 of the period, each line rounded to the cent on its own (Stripe's rule).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { clockCustomer, DAY, expectStripeError, startTestEmulator, T0, type TestEmulator } from "./helpers";

let env: TestEmulator;
let stripe: Stripe;
let seat: Stripe.Price;

const PERIOD_END = T0 + 31 * DAY;
const DAY10 = T0 + 10 * DAY;

beforeAll(async () => {
  env = await startTestEmulator();
  stripe = env.stripe;
  const product = await stripe.products.create({ name: "Team" });
  seat = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1_000, recurring: { interval: "month" } });
});
afterAll(() => env.stop());

/** An active per-seat subscription on a test clock at T0, paid with 4242 (or `card` for later charges). */
async function seats(quantity: number, card = "pm_card_visa") {
  const { clock, customer } = await clockCustomer(stripe, T0, `seats-${Math.random()}@example.com`);
  let sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: seat.id, quantity }],
    default_payment_method: "pm_card_visa",
  });
  if (card !== "pm_card_visa") sub = await stripe.subscriptions.update(sub.id, { default_payment_method: card });
  return { clock, customer, sub, item: sub.items.data[0] };
}

const advance = (clock: Stripe.TestHelpers.TestClock, to: number) => stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: to });

const prorated = (cents: number, from: number) => Math.round((cents * (PERIOD_END - from)) / (PERIOD_END - T0));

/** The lines that matter when comparing a preview with an invoice (ids differ by nature). */
const lineShape = (invoice: Stripe.Invoice) =>
  invoice.lines.data.map((l) => ({
    amount: l.amount,
    quantity: l.quantity,
    period: l.period,
    proration: l.parent?.subscription_item_details?.proration ?? l.parent?.invoice_item_details?.proration ?? false,
    description: l.description,
  }));

async function eventsFor(customer: string, type: string) {
  await env.flush();
  return env.receiver.forCustomer(customer).filter((e) => e.type === type);
}

describe("per-seat lines", () => {
  it("the first invoice bills quantity × unit_amount with quantity on the line", async () => {
    const { sub, item } = await seats(3);
    expect(item.quantity).toBe(3);
    const invoice = await stripe.invoices.retrieve(String(sub.latest_invoice));
    expect(invoice).toMatchObject({ status: "paid", amount_paid: 3_000, billing_reason: "subscription_create" });
    expect(invoice.lines.data).toHaveLength(1);
    expect(invoice.lines.data[0]).toMatchObject({
      amount: 3_000,
      quantity: 3,
      description: "3 × Team (at $10.00 / month)",
      period: { start: T0, end: PERIOD_END },
    });
    expect(invoice.lines.data[0].pricing?.unit_amount_decimal?.toString()).toBe("1000");
  });

  it("Checkout line_items[quantity] becomes the subscription item quantity", async () => {
    const { customer } = await clockCustomer(stripe, T0, "checkout-seats@example.com");
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: seat.id, quantity: 4 }],
      success_url: "http://localhost/success",
      cancel_url: "http://localhost/cancel",
    });
    expect((await stripe.checkout.sessions.listLineItems(session.id)).data[0]).toMatchObject({ quantity: 4, amount_total: 4_000 });
    const res = await env.control(`/_emulator/checkout/sessions/${session.id}/complete`, { card: "4242424242424242" });
    expect(res.status).toBe(200);
    const completed = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription.latest_invoice"] });
    const sub = completed.subscription as Stripe.Subscription;
    expect(sub.items.data[0].quantity).toBe(4);
    expect((sub.latest_invoice as Stripe.Invoice).lines.data[0]).toMatchObject({ amount: 4_000, quantity: 4 });
  });
});

describe("subscription_items", () => {
  it("list, retrieve and update (quantity, metadata merged) answer the item", async () => {
    const { sub, item } = await seats(2);
    const list = await stripe.subscriptionItems.list({ subscription: sub.id });
    expect(list.data.map((i) => [i.id, i.quantity])).toEqual([[item.id, 2]]);
    expect(await stripe.subscriptionItems.retrieve(item.id)).toMatchObject({ id: item.id, quantity: 2, subscription: sub.id });

    await stripe.subscriptionItems.update(item.id, { metadata: { team: "a" }, proration_behavior: "none" });
    const updated = await stripe.subscriptionItems.update(item.id, { quantity: 7, metadata: { seats: "yes" }, proration_behavior: "none" });
    expect(updated).toMatchObject({ object: "subscription_item", id: item.id, quantity: 7, metadata: { team: "a", seats: "yes" } });
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].quantity).toBe(7);
    expect((await stripe.subscriptionItems.retrieve(item.id)).quantity).toBe(7);
  });

  it("bad input is refused with Stripe errors and changes nothing", async () => {
    const { customer, sub, item } = await seats(2);
    const unknown = await expectStripeError(
      stripe.subscriptionItems.update(item.id, { quantityy: 3 } as unknown as Stripe.SubscriptionItemUpdateParams),
    );
    expect(unknown).toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "quantityy" });
    const negative = await expectStripeError(stripe.subscriptionItems.update(item.id, { quantity: -1 }));
    expect(negative).toMatchObject({ statusCode: 400, code: "parameter_invalid_integer", param: "quantity" });
    const behavior = await expectStripeError(
      stripe.subscriptionItems.update(item.id, {
        quantity: 3,
        proration_behavior: "sometimes" as Stripe.SubscriptionItemUpdateParams.ProrationBehavior,
      }),
    );
    expect(behavior).toMatchObject({ statusCode: 400, param: "proration_behavior" });
    const unsupported = await expectStripeError(
      stripe.subscriptionItems.update(item.id, { quantity: 3, billing_thresholds: { usage_gte: 10 } }),
    );
    expect(unsupported).toMatchObject({ statusCode: 400, code: "emulator_unsupported_parameter", param: "billing_thresholds[usage_gte]" });
    const unknownRate = await expectStripeError(stripe.subscriptionItems.update(item.id, { quantity: 3, tax_rates: ["txr_1"] }));
    expect(unknownRate).toMatchObject({ statusCode: 400, code: "resource_missing", param: "tax_rates[0]" });
    const lateDate = await expectStripeError(stripe.subscriptionItems.update(item.id, { quantity: 3, proration_date: PERIOD_END + DAY }));
    expect(lateDate).toMatchObject({ statusCode: 400, param: "proration_date" });
    const missing = await expectStripeError(stripe.subscriptionItems.update("si_missing", { quantity: 3 }));
    expect(missing).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect((await stripe.subscriptionItems.retrieve(item.id)).quantity).toBe(2);
    expect((await stripe.invoiceItems.list({ customer: customer.id })).data).toHaveLength(0);
    expect((await stripe.subscriptions.retrieve(sub.id)).latest_invoice).toBe(sub.latest_invoice);
  });

  it("a quantity on a metered price is refused (usage decides what is billed)", async () => {
    const meter = await stripe.billing.meters.create({
      display_name: "Seat jobs",
      event_name: `seat_jobs_${Math.random().toString(36).slice(2, 8)}`,
      default_aggregation: { formula: "sum" },
      customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
      value_settings: { event_payload_key: "value" },
    });
    const usage = await stripe.prices.create({
      product: String(seat.product),
      currency: "usd",
      unit_amount: 1,
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    });
    const { customer } = await clockCustomer(stripe, T0, "metered-seats@example.com");
    const onCreate = await expectStripeError(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [
          { price: seat.id, quantity: 2 },
          { price: usage.id, quantity: 2 },
        ],
        default_payment_method: "pm_card_visa",
      }),
    );
    expect(onCreate).toMatchObject({
      statusCode: 400,
      param: "items[1][quantity]",
      message: "Quantity should not be specified where usage_type is `metered`. Remove quantity from `items[1]`.",
    });
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);

    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: seat.id, quantity: 2 }, { price: usage.id }],
      default_payment_method: "pm_card_visa",
    });
    const metered = sub.items.data.find((i) => i.price.id === usage.id);
    expect(metered?.quantity).toBeUndefined();
    const onItem = await expectStripeError(stripe.subscriptionItems.update(String(metered?.id), { quantity: 3 }));
    expect(onItem).toMatchObject({ statusCode: 400, param: "quantity" });
    const onUpdate = await expectStripeError(stripe.subscriptions.update(sub.id, { items: [{ id: String(metered?.id), quantity: 3 }] }));
    expect(onUpdate).toMatchObject({ statusCode: 400, param: "items[0][quantity]" });
    // The licensed seat item beside it still changes.
    const seatItem = await stripe.subscriptionItems.update(sub.items.data[0].id, { quantity: 4, proration_behavior: "none" });
    expect(seatItem.quantity).toBe(4);
  });

  it("error_if_incomplete with a card that fails: 402 and the quantity stays", async () => {
    const { customer, sub, item } = await seats(2, "pm_card_chargeCustomerFail");
    const err = await expectStripeError(
      stripe.subscriptionItems.update(item.id, {
        quantity: 4,
        proration_behavior: "always_invoice",
        payment_behavior: "error_if_incomplete",
      }),
    );
    expect(err).toMatchObject({ statusCode: 402, code: "card_declined" });
    expect((await stripe.subscriptionItems.retrieve(item.id)).quantity).toBe(2);
    expect((await stripe.invoices.list({ customer: customer.id })).data.map((i) => i.id)).toEqual([sub.latest_invoice]);
  });
  it("pending_if_incomplete with a card that fails: the quantity waits in pending_update until the invoice is paid", async () => {
    const { customer, item } = await seats(3, "pm_card_chargeCustomerFail");
    const err = await expectStripeError(
      stripe.subscriptionItems.update(item.id, {
        quantity: 5,
        metadata: { a: "b" },
        payment_behavior: "pending_if_incomplete",
        proration_behavior: "always_invoice",
      }),
    );
    expect(err).toMatchObject({ statusCode: 400, param: "metadata" });
    const kept = await stripe.subscriptionItems.update(item.id, {
      quantity: 5,
      payment_behavior: "pending_if_incomplete",
      proration_behavior: "always_invoice",
    });
    expect(kept.quantity).toBe(3);
    const sub = await stripe.subscriptions.retrieve(String(item.subscription));
    expect(sub.pending_update?.subscription_items?.[0]).toMatchObject({ id: item.id, quantity: 5 });
    const invoice = await stripe.invoices.retrieve(String(sub.latest_invoice));
    expect(invoice).toMatchObject({
      status: "open",
      billing_reason: "subscription_update",
      amount_due: prorated(5_000, T0) - prorated(3_000, T0),
    });
    await stripe.invoices.pay(invoice.id, { payment_method: "pm_card_visa" });
    expect((await stripe.subscriptionItems.retrieve(item.id)).quantity).toBe(5);
    expect((await eventsFor(customer.id, "customer.subscription.pending_update_applied")).length).toBe(1);
  });
});

describe("quantity changes and proration_behavior", () => {
  it("increase with always_invoice: a proration invoice now, paid with the default card, equal to its preview", async () => {
    const { clock, customer, sub, item } = await seats(3);
    await advance(clock, DAY10);
    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: { items: [{ id: item.id, quantity: 5 }], proration_behavior: "always_invoice", proration_date: DAY10 },
    });
    await env.flush();
    env.receiver.clear();

    const updated = await stripe.subscriptionItems.update(item.id, {
      quantity: 5,
      proration_behavior: "always_invoice",
      proration_date: DAY10,
    });
    expect(updated.quantity).toBe(5);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.latest_invoice).not.toBe(sub.latest_invoice);
    const invoice = await stripe.invoices.retrieve(String(after.latest_invoice));
    const credit = -prorated(3_000, DAY10);
    const charge = prorated(5_000, DAY10);
    expect([credit, charge]).toEqual([-2_032, 3_387]);
    expect(invoice).toMatchObject({
      billing_reason: "subscription_update",
      status: "paid",
      subtotal: 1_355,
      total: 1_355,
      amount_due: 1_355,
      amount_paid: 1_355,
    });
    expect(lineShape(invoice)).toEqual([
      {
        amount: credit,
        quantity: 3,
        period: { start: DAY10, end: PERIOD_END },
        proration: true,
        description: "Unused time on 3 × Team after 25 Jan 2027",
      },
      {
        amount: charge,
        quantity: 5,
        period: { start: DAY10, end: PERIOD_END },
        proration: true,
        description: "Remaining time on 5 × Team after 25 Jan 2027",
      },
    ]);
    // Flexible billing mode: the credit gives back what the first invoice debited for those seats.
    const first = await stripe.invoices.retrieve(String(sub.latest_invoice));
    expect(invoice.lines.data[0].parent?.subscription_item_details?.proration_details?.credited_items).toEqual({
      invoice: first.id,
      invoice_line_items: [first.lines.data[0].id],
    });

    // The preview is that invoice, to the cent.
    expect(lineShape(preview)).toEqual(lineShape(invoice));
    expect([preview.subtotal, preview.total, preview.amount_due, preview.billing_reason]).toEqual([
      invoice.subtotal,
      invoice.total,
      invoice.amount_due,
      "subscription_update",
    ]);
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toHaveLength(0);

    // Events, as Stripe sends them: the item change with its previous quantity, then the proration invoice.
    const changed = await eventsFor(customer.id, "customer.subscription.updated");
    const previous = changed[0].data.previous_attributes as Partial<Stripe.Subscription>;
    expect(previous.items?.data[0]).toMatchObject({ id: item.id, quantity: 3 });
    expect((changed[0].data.object as Stripe.Subscription).items.data[0].quantity).toBe(5);
    const types = env.receiver.forCustomer(customer.id).map((e) => e.type);
    const invoiceEvents = types.filter((t) => t.startsWith("invoice.") && t !== "invoiceitem.created");
    expect(invoiceEvents).toEqual(["invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded"]);
    expect(types.indexOf("customer.subscription.updated")).toBeLessThan(types.indexOf("invoice.created"));
    const paid = (await eventsFor(customer.id, "invoice.paid"))[0].data.object as Stripe.Invoice;
    expect(paid).toMatchObject({ id: invoice.id, billing_reason: "subscription_update", amount_paid: 1_355 });
  });

  it("increase with create_prorations: pending items, billed with the new quantity on the renewal, equal to the preview", async () => {
    const { clock, customer, sub, item } = await seats(3);
    await advance(clock, DAY10);
    const proposed = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: { items: [{ id: item.id, quantity: 5 }], proration_behavior: "create_prorations", proration_date: DAY10 },
    });
    await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, quantity: 5 }],
      proration_behavior: "create_prorations",
      proration_date: DAY10,
    });
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.latest_invoice).toBe(sub.latest_invoice);
    expect(after.items.data[0].quantity).toBe(5);
    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data.map((ii) => [ii.amount, ii.quantity, ii.proration]).sort()).toEqual([
      [-2_032, 3, true],
      [3_387, 5, true],
    ]);

    const upcoming = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id });
    expect(upcoming.amount_due).toBe(-2_032 + 3_387 + 5_000);

    await advance(clock, PERIOD_END + 2 * 3600);
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    const invoice = await stripe.invoices.retrieve(String(renewed.latest_invoice));
    expect(invoice).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", amount_paid: 6_355 });
    const cycleLine = invoice.lines.data.find((l) => !l.parent?.subscription_item_details?.proration);
    expect(cycleLine).toMatchObject({ amount: 5_000, quantity: 5, description: "5 × Team (at $10.00 / month)" });
    expect(
      lineShape(invoice)
        .filter((l) => l.proration)
        .map((l) => l.amount)
        .sort(),
    ).toEqual([-2_032, 3_387]);
    expect(
      lineShape(upcoming)
        .map((l) => l.amount)
        .sort(),
    ).toEqual(
      lineShape(invoice)
        .map((l) => l.amount)
        .sort(),
    );
    // The preview of the proposed change, taken before it was made, is the renewal invoice too.
    const byAmount = (a: { amount: number }, b: { amount: number }) => a.amount - b.amount;
    expect(lineShape(proposed).sort(byAmount)).toEqual(lineShape(invoice).sort(byAmount));
    expect(proposed.amount_due).toBe(invoice.amount_paid);
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toHaveLength(0);
  });

  it("a second change before the renewal credits the pending debit, not the first invoice (flexible billing mode)", async () => {
    const { clock, customer, item } = await seats(3);
    await advance(clock, DAY10);
    await stripe.subscriptionItems.update(item.id, { quantity: 5, proration_behavior: "create_prorations" });
    const fiveSeats = (await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data.find((ii) => ii.amount > 0);
    const day20 = T0 + 20 * DAY;
    await advance(clock, day20);
    await stripe.subscriptionItems.update(item.id, { quantity: 4, proration_behavior: "create_prorations" });
    const pending = (await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data;
    expect(pending).toHaveLength(4);
    const credit = pending.find((ii) => ii.amount < 0 && ii.quantity === 5);
    // 5 seats for the remaining 11 of the 21 days the pending debit covers: 3,387 × 11/21.
    expect(credit?.amount).toBe(-Math.round((3_387 * (PERIOD_END - day20)) / (PERIOD_END - DAY10)));
    expect(credit?.proration_details?.credited_items).toEqual({ type: "invoice_item", invoice_item: fiveSeats?.id });
    expect(pending.find((ii) => ii.amount > 0 && ii.quantity === 4)?.amount).toBe(prorated(4_000, day20));

    const upcoming = await stripe.invoices.createPreview({ customer: customer.id, subscription: String(item.subscription) });
    await advance(clock, PERIOD_END + 2 * 3600);
    const invoices = await stripe.invoices.list({ customer: customer.id });
    const renewal = invoices.data.find((i) => i.billing_reason === "subscription_cycle");
    expect(renewal).toMatchObject({ status: "paid", amount_paid: upcoming.amount_due });
    expect(renewal?.amount_paid).toBe(-2_032 + 3_387 - 1_774 + 1_419 + 4_000);
  });

  it("decrease with none: nothing now, the lower quantity from the renewal", async () => {
    const { clock, customer, sub, item } = await seats(5);
    await advance(clock, DAY10);
    const updated = await stripe.subscriptionItems.update(item.id, { quantity: 3, proration_behavior: "none" });
    expect(updated.quantity).toBe(3);
    expect((await stripe.subscriptions.retrieve(sub.id)).latest_invoice).toBe(sub.latest_invoice);
    expect((await stripe.invoiceItems.list({ customer: customer.id })).data).toHaveLength(0);
    const changed = await eventsFor(customer.id, "customer.subscription.updated");
    const previous = changed[changed.length - 1].data.previous_attributes as Partial<Stripe.Subscription>;
    expect(previous.items?.data[0].quantity).toBe(5);

    await advance(clock, PERIOD_END + 2 * 3600);
    const renewal = await stripe.invoices.retrieve(String((await stripe.subscriptions.retrieve(sub.id)).latest_invoice));
    expect(renewal).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", amount_paid: 3_000 });
    expect(lineShape(renewal)).toEqual([
      {
        amount: 3_000,
        quantity: 3,
        period: { start: PERIOD_END, end: T0 + 59 * DAY },
        proration: false,
        description: "3 × Team (at $10.00 / month)",
      },
    ]);
  });

  it("decrease with create_prorations: a credit for the unused seats on the next invoice", async () => {
    const { clock, customer, item } = await seats(5);
    await advance(clock, DAY10);
    await stripe.subscriptionItems.update(item.id, { quantity: 3 });
    const pending = (await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data;
    expect(pending.map((ii) => ii.amount).sort((a, b) => a - b)).toEqual([-prorated(5_000, DAY10), prorated(3_000, DAY10)]);
  });
});

describe("quantity changes in subscription schedules", () => {
  it("a decrease scheduled for the period end applies on the renewal, shown by the preview", async () => {
    const { clock, customer, sub, item } = await seats(5);
    await advance(clock, DAY10);
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    const updated = await stripe.subscriptionSchedules.update(schedule.id, {
      end_behavior: "release",
      phases: [
        { items: [{ price: seat.id, quantity: 5 }], start_date: T0, end_date: PERIOD_END },
        { items: [{ price: seat.id, quantity: 3 }] },
      ],
    });
    expect(updated.phases.map((p) => p.items[0].quantity)).toEqual([5, 3]);
    expect((await stripe.subscriptionItems.retrieve(item.id)).quantity).toBe(5);
    expect((await stripe.invoiceItems.list({ customer: customer.id })).data).toHaveLength(0);

    const upcoming = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id });
    expect(lineShape(upcoming)).toEqual([
      {
        amount: 3_000,
        quantity: 3,
        period: { start: PERIOD_END, end: T0 + 59 * DAY },
        proration: false,
        description: "3 × Team (at $10.00 / month)",
      },
    ]);
    await env.flush();
    env.receiver.clear();

    await advance(clock, PERIOD_END + 2 * 3600);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data.map((i) => [i.id, i.quantity])).toEqual([[item.id, 3]]);
    const renewal = await stripe.invoices.retrieve(String(after.latest_invoice));
    expect(renewal).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", amount_paid: 3_000 });
    expect(lineShape(renewal)).toEqual(lineShape(upcoming));
    const changed = await eventsFor(customer.id, "customer.subscription.updated");
    const quantityChange = changed.find((e) => (e.data.previous_attributes as Partial<Stripe.Subscription>).items?.data[0].quantity === 5);
    expect((quantityChange?.data.object as Stripe.Subscription).items.data[0].quantity).toBe(3);
    expect((await eventsFor(customer.id, "subscription_schedule.updated")).length).toBeGreaterThan(0);
  });
});

describe("the hosted portal quantity update", () => {
  async function portalFor(
    customer: string,
    subscriptionUpdate: Stripe.BillingPortal.ConfigurationCreateParams.Features.SubscriptionUpdate,
  ) {
    const config = await stripe.billingPortal.configurations.create({ features: { subscription_update: subscriptionUpdate } });
    return stripe.billingPortal.sessions.create({ customer, configuration: config.id });
  }

  /** What the "Update quantity" form on the portal page posts; answers the page the redirect leads to. */
  async function pressUpdateQuantity(
    session: Stripe.BillingPortal.Session,
    subscription: string,
    quantity: string,
  ): Promise<{ location: string; page: string }> {
    const res = await fetch(`${session.url}/quantity`, {
      method: "POST",
      body: new URLSearchParams({ subscription, quantity }),
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location") ?? "", session.url).toString();
    return { location: decodeURIComponent(location), page: await (await fetch(location)).text() };
  }

  it("is offered only when default_allowed_updates includes quantity", async () => {
    const { sub } = await seats(3);
    const priceOnly = await portalFor(String(sub.customer), { enabled: true, default_allowed_updates: ["price"] });
    expect(await (await fetch(priceOnly.url)).text()).not.toContain("Update quantity");
    const refused = await pressUpdateQuantity(priceOnly, sub.id, "4");
    expect(refused.location).toContain("error=The quantity of this plan cannot be changed.");
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].quantity).toBe(3);

    const withQuantity = await portalFor(String(sub.customer), { enabled: true, default_allowed_updates: ["price", "quantity"] });
    const page = await (await fetch(withQuantity.url)).text();
    expect(page).toContain("Update quantity");
    expect(page).toMatch(/<label for="quantity-sub_[^"]+">Quantity<\/label>/);
    expect(page).toContain('value="3"');
  });

  it("an increase applies now with the configuration proration_behavior (always_invoice: invoiced and paid)", async () => {
    const { clock, sub } = await seats(3);
    await advance(clock, DAY10);
    const session = await portalFor(String(sub.customer), {
      enabled: true,
      default_allowed_updates: ["quantity"],
      proration_behavior: "always_invoice",
    });
    const { page } = await pressUpdateQuantity(session, sub.id, "5");
    expect(page).toContain("Your quantity has been updated to 5.");
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data[0].quantity).toBe(5);
    expect(await stripe.invoices.retrieve(String(after.latest_invoice))).toMatchObject({
      billing_reason: "subscription_update",
      status: "paid",
      amount_paid: 1_355,
    });
  });

  it("a decrease under schedule_at_period_end decreasing_item_amount waits for the period end", async () => {
    const { clock, customer, sub } = await seats(5);
    await advance(clock, DAY10);
    const session = await portalFor(customer.id, {
      enabled: true,
      default_allowed_updates: ["quantity"],
      proration_behavior: "create_prorations",
      schedule_at_period_end: { conditions: [{ type: "decreasing_item_amount" }] },
    });
    const { page } = await pressUpdateQuantity(session, sub.id, "3");
    expect(page).toContain("Your quantity will change to 3 on February 15, 2027.");
    expect(page).toContain("Quantity changes to 3 on February 15, 2027.");
    const now = await stripe.subscriptions.retrieve(sub.id);
    expect(now.items.data[0].quantity).toBe(5);
    expect(now.schedule).toEqual(expect.any(String));
    expect((await stripe.invoiceItems.list({ customer: customer.id })).data).toHaveLength(0);
    await advance(clock, PERIOD_END + 2 * 3600);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data[0].quantity).toBe(3);
    expect(await stripe.invoices.retrieve(String(after.latest_invoice))).toMatchObject({
      billing_reason: "subscription_cycle",
      amount_paid: 3_000,
    });
  });

  it("the product adjustable_quantity bounds the quantity; out of bounds changes nothing", async () => {
    const { sub } = await seats(3);
    const session = await portalFor(String(sub.customer), {
      enabled: true,
      default_allowed_updates: ["quantity"],
      proration_behavior: "none",
      products: [{ product: String(seat.product), prices: [seat.id], adjustable_quantity: { enabled: true, minimum: 2, maximum: 10 } }],
    });
    expect(await (await fetch(session.url)).text()).toMatch(/min="2" max="10"/);
    for (const bad of ["11", "1", "two", ""]) {
      const { location } = await pressUpdateQuantity(session, sub.id, bad);
      expect(location).toContain("error=The quantity must be a whole number between 2 and 10.");
    }
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].quantity).toBe(3);
    const { page } = await pressUpdateQuantity(session, sub.id, "10");
    expect(page).toContain("Your quantity has been updated to 10.");
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].quantity).toBe(10);
    const config = await stripe.billingPortal.configurations.retrieve(String(session.configuration));
    expect(config.features.subscription_update.products?.[0].adjustable_quantity).toEqual({ enabled: true, minimum: 2, maximum: 10 });
    const reversed = await expectStripeError(
      stripe.billingPortal.configurations.create({
        features: {
          subscription_update: {
            enabled: true,
            default_allowed_updates: ["quantity"],
            products: [
              { product: String(seat.product), prices: [seat.id], adjustable_quantity: { enabled: true, minimum: 5, maximum: 2 } },
            ],
          },
        },
      }),
    );
    expect(reversed).toMatchObject({ statusCode: 400, param: "features[subscription_update][products][0][adjustable_quantity][maximum]" });
  });
});
