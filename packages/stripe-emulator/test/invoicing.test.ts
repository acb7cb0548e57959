/**
 * One-off invoices, invoice items, subscription items (create/delete), credit notes and the customer balance,
 * driven with the official SDK the way stripe-samples and stripe-node's tests call them.
 *
 * Arithmetic: customers live on test clocks frozen at T0 (2027-01-15); a monthly period from T0 is 31 days.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { emulatorStripeClient, startEmulator } from "../src/index";
import { clockCustomer, DAY, expectStripeError, startTestEmulator, T0, type TestEmulator } from "./helpers";

let env: TestEmulator;
let stripe: Stripe;
let product: Stripe.Product;
let monthly: Stripe.Price;
let addon: Stripe.Price;
let oneTime: Stripe.Price;

const PERIOD_END = T0 + 31 * DAY;

beforeAll(async () => {
  env = await startTestEmulator();
  stripe = env.stripe;
  product = await stripe.products.create({ name: "Pro" });
  monthly = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 3_100, recurring: { interval: "month" } });
  addon = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 620, recurring: { interval: "month" } });
  oneTime = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1_500 });
});
afterAll(() => env.stop());
beforeEach(() => env.receiver.clear());

async function customerWithCard(email = `inv-${Math.random()}@example.com`) {
  const { clock, customer } = await clockCustomer(stripe, T0, email);
  await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
  const pms = await stripe.paymentMethods.list({ customer: customer.id, type: "card" });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pms.data[0].id } });
  return { clock, customer: (await stripe.customers.retrieve(customer.id)) as Stripe.Customer };
}

async function typesFor(customer: string, prefixes = ["invoice", "invoiceitem", "payment_intent", "charge", "credit_note", "refund"]) {
  await env.flush();
  return env.receiver
    .forCustomer(customer)
    .map((e) => e.type)
    .filter((t) => prefixes.some((p) => t.startsWith(`${p}.`)));
}

const advance = (clock: Stripe.TestHelpers.TestClock, to: number) => stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: to });

describe("one-off invoices", () => {
  it("invoice items, then create (include), finalize and pay with pm_card_visa: totals, lines and events in order", async () => {
    const { customer } = await customerWithCard();
    const a = await stripe.invoiceItems.create({ customer: customer.id, pricing: { price: oneTime.id }, quantity: 2 });
    const b = await stripe.invoiceItems.create({ customer: customer.id, amount: 499, currency: "usd", description: "Setup fee" });
    expect(a).toMatchObject({ amount: 3_000, quantity: 2, invoice: null, currency: "usd" });
    expect(b).toMatchObject({ amount: 499, description: "Setup fee", invoice: null });

    const draft = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: "include",
      metadata: { order: "42" },
    });
    expect(draft).toMatchObject({
      status: "draft",
      billing_reason: "manual",
      collection_method: "charge_automatically",
      auto_advance: false,
      subtotal: 3_499,
      total: 3_499,
      amount_due: 3_499,
      metadata: { order: "42" },
      parent: null,
    });
    expect(draft.lines.data.map((l) => l.amount).sort()).toEqual([3_000, 499]);
    expect((await stripe.invoiceItems.retrieve(a.id)).invoice).toBe(draft.id);
    const lines = await stripe.invoices.listLineItems(draft.id!);
    expect(lines.data).toHaveLength(2);

    const finalized = await stripe.invoices.finalizeInvoice(draft.id!);
    expect(finalized).toMatchObject({ status: "open", amount_due: 3_499, amount_remaining: 3_499 });
    expect(finalized.number).toMatch(/-0001$/);
    const paid = await stripe.invoices.pay(draft.id!, { payment_method: "pm_card_visa" });
    expect(paid).toMatchObject({ status: "paid", amount_paid: 3_499, amount_remaining: 0 });

    expect(await typesFor(customer.id)).toEqual([
      "invoiceitem.created",
      "invoiceitem.created",
      "invoice.created",
      "invoice.finalized",
      "payment_intent.created",
      "charge.succeeded",
      "payment_intent.succeeded",
      "invoice.paid",
      "invoice.payment_succeeded",
    ]);
  });

  it("pending items stay pending by default (pending_invoice_items_behavior defaults to exclude)", async () => {
    const { customer } = await customerWithCard();
    const item = await stripe.invoiceItems.create({ customer: customer.id, amount: 700, currency: "usd" });
    const draft = await stripe.invoices.create({ customer: customer.id });
    expect(draft).toMatchObject({ total: 0, amount_due: 0 });
    expect(draft.lines.data).toHaveLength(0);
    expect((await stripe.invoiceItems.retrieve(item.id)).invoice).toBeNull();
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data.map((i) => i.id)).toEqual([item.id]);
  });

  it("an invoice item with invoice= joins that draft, and deleting it removes the line", async () => {
    const { customer } = await customerWithCard();
    const draft = await stripe.invoices.create({ customer: customer.id });
    const item = await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 1_250, currency: "usd" });
    expect(item.invoice).toBe(draft.id);
    expect(await stripe.invoices.retrieve(draft.id!)).toMatchObject({ total: 1_250, amount_due: 1_250 });
    expect((await stripe.invoiceItems.list({ invoice: draft.id })).data.map((i) => i.id)).toEqual([item.id]);
    await stripe.invoiceItems.del(item.id);
    const after = await stripe.invoices.retrieve(draft.id!);
    expect(after).toMatchObject({ total: 0, amount_due: 0 });
    expect(after.lines.data).toHaveLength(0);
  });

  it("add_lines adds a pending item and new lines in one go; updating an item of a draft updates its line", async () => {
    const { customer } = await customerWithCard();
    const pending = await stripe.invoiceItems.create({ customer: customer.id, amount: 400, currency: "usd" });
    const draft = await stripe.invoices.create({ customer: customer.id });
    const added = await stripe.invoices.addLines(draft.id!, {
      lines: [{ invoice_item: pending.id }, { pricing: { price: oneTime.id }, quantity: 2 }, { amount: 250, description: "Rush fee" }],
    });
    expect(added.lines.data.map((l) => l.amount)).toEqual([400, 3_000, 250]);
    expect(added).toMatchObject({ subtotal: 3_650, total: 3_650, amount_due: 3_650 });
    expect((await stripe.invoiceItems.retrieve(pending.id)).invoice).toBe(draft.id);

    const updated = await stripe.invoiceItems.update(pending.id, { amount: 900, description: "Adjusted" });
    expect(updated).toMatchObject({ amount: 900, description: "Adjusted" });
    const after = await stripe.invoices.retrieve(draft.id!);
    expect(after.total).toBe(4_150);
    expect(after.lines.data.find((l) => l.parent?.invoice_item_details?.invoice_item === pending.id)?.amount).toBe(900);

    const bad = await expectStripeError(stripe.invoices.addLines(draft.id!, { lines: [{ amount: 100 }, { invoice_item: "ii_missing" }] }));
    expect(bad).toMatchObject({ statusCode: 400, param: "lines[1][invoice_item]" });
    expect((await stripe.invoices.retrieve(draft.id!)).lines.data).toHaveLength(3);
    await stripe.invoices.finalizeInvoice(draft.id!);
    const locked = await expectStripeError(stripe.invoiceItems.update(pending.id, { amount: 1 }));
    expect(locked).toMatchObject({ statusCode: 400, code: "invoice_not_editable" });
  });

  it("adding an item to a finalized invoice is refused and changes nothing", async () => {
    const { customer } = await customerWithCard();
    const draft = await stripe.invoices.create({ customer: customer.id, collection_method: "send_invoice", days_until_due: 7 });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 500, currency: "usd" });
    await stripe.invoices.finalizeInvoice(draft.id!);
    const err = await expectStripeError(
      stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 100, currency: "usd" }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe("invoice");
    expect((await stripe.invoiceItems.list({ customer: customer.id })).data).toHaveLength(1);
    expect((await stripe.invoices.retrieve(draft.id!)).total).toBe(500);
  });

  it("send_invoice with days_until_due: due date from finalization, /send sends invoice.sent, no charge; paid out of band", async () => {
    const { customer } = await customerWithCard();
    const draft = await stripe.invoices.create({
      customer: customer.id,
      collection_method: "send_invoice",
      days_until_due: 30,
      description: "Consulting",
    });
    expect(draft).toMatchObject({ collection_method: "send_invoice", due_date: T0 + 30 * DAY, description: "Consulting" });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 10_000, currency: "usd" });
    const sent = await stripe.invoices.sendInvoice(draft.id!);
    expect(sent).toMatchObject({ status: "open", amount_due: 10_000, due_date: T0 + 30 * DAY });
    expect(sent.hosted_invoice_url).toContain(`/invoices/${draft.id}`);
    const types = await typesFor(customer.id);
    expect(types).toEqual([
      "invoice.created",
      "invoiceitem.created",
      "invoice.updated",
      "invoice.finalized",
      "payment_intent.created",
      "invoice.sent",
    ]);

    const paid = await stripe.invoices.pay(draft.id!, { paid_out_of_band: true });
    expect(paid).toMatchObject({ status: "paid", amount_paid: 10_000, amount_remaining: 0 });
    const after = await typesFor(customer.id);
    expect(after.slice(types.length)).toEqual(["payment_intent.canceled", "invoice.paid", "invoice.updated"]);
  });

  it("a send_invoice invoice with a credit note is paid on its hosted page (the page shows the due date and the credit)", async () => {
    const { customer } = await customerWithCard();
    const draft = await stripe.invoices.create({ customer: customer.id, collection_method: "send_invoice", days_until_due: 10 });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 4_000, currency: "usd", description: "Audit" });
    const sent = await stripe.invoices.sendInvoice(draft.id!);
    await stripe.creditNotes.create({ invoice: sent.id!, amount: 1_000 });
    const pageUrl = String(sent.hosted_invoice_url);
    const html = await (await fetch(pageUrl)).text();
    expect(html).toContain('data-testid="due-date"');
    expect(html).toContain("Credit notes");
    expect(html).toContain("$30.00");
    const res = await fetch(`${pageUrl}/pay`, {
      method: "POST",
      body: "card_number=4242424242424242",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    expect(await stripe.invoices.retrieve(sent.id!)).toMatchObject({
      status: "paid",
      amount_paid: 3_000,
      amount_remaining: 0,
      pre_payment_credit_notes_amount: 1_000,
    });
  });

  it("lists invoices by collection_method and due_date, invoice items by created", async () => {
    const { customer } = await customerWithCard();
    const sent = await stripe.invoices.create({ customer: customer.id, collection_method: "send_invoice", due_date: T0 + 20 * DAY });
    const auto = await stripe.invoices.create({ customer: customer.id });
    const bySend = await stripe.invoices.list({ customer: customer.id, collection_method: "send_invoice" });
    expect(bySend.data.map((i) => i.id)).toEqual([sent.id]);
    expect(
      (await stripe.invoices.list({ customer: customer.id, collection_method: "charge_automatically" })).data.map((i) => i.id),
    ).toEqual([auto.id]);
    expect((await stripe.invoices.list({ customer: customer.id, due_date: { gte: T0 + 10 * DAY } })).data.map((i) => i.id)).toEqual([
      sent.id,
    ]);
    expect((await stripe.invoices.list({ customer: customer.id, due_date: { lt: T0 + 10 * DAY } })).data).toHaveLength(0);
    const item = await stripe.invoiceItems.create({ customer: customer.id, amount: 100, currency: "usd" });
    expect((await stripe.invoiceItems.list({ customer: customer.id, created: { gte: T0 } })).data.map((i) => i.id)).toEqual([item.id]);
    expect((await stripe.invoiceItems.list({ customer: customer.id, created: { gt: T0 } })).data).toHaveLength(0);
  });

  it("send_invoice needs days_until_due or due_date; charge_automatically refuses them; /send refuses charge_automatically", async () => {
    const { customer } = await customerWithCard();
    const missing = await expectStripeError(stripe.invoices.create({ customer: customer.id, collection_method: "send_invoice" }));
    expect(missing).toMatchObject({ statusCode: 400, code: "parameter_missing", param: "days_until_due" });
    const wrong = await expectStripeError(stripe.invoices.create({ customer: customer.id, days_until_due: 5 }));
    expect(wrong).toMatchObject({ statusCode: 400, param: "days_until_due" });
    const auto = await stripe.invoices.create({ customer: customer.id });
    const send = await expectStripeError(stripe.invoices.sendInvoice(auto.id!));
    expect(send.message).toBe("You can only manually send an invoice if its collection method is 'send_invoice'.");
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(1);
  });

  it("a draft is updated (collection, footer, metadata); a finalized invoice refuses collection changes", async () => {
    const { customer } = await customerWithCard();
    const draft = await stripe.invoices.create({ customer: customer.id });
    const updated = await stripe.invoices.update(draft.id!, {
      collection_method: "send_invoice",
      days_until_due: 14,
      footer: "Thanks",
      metadata: { a: "1" },
    });
    expect(updated).toMatchObject({ collection_method: "send_invoice", due_date: T0 + 14 * DAY, footer: "Thanks", metadata: { a: "1" } });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 900, currency: "usd" });
    await stripe.invoices.finalizeInvoice(draft.id!);
    const err = await expectStripeError(stripe.invoices.update(draft.id!, { collection_method: "charge_automatically" }));
    expect(err).toMatchObject({ statusCode: 400, code: "invoice_not_editable" });
    expect((await stripe.invoices.update(draft.id!, { description: "Later note" })).description).toBe("Later note");
    expect((await stripe.invoices.retrieve(draft.id!)).collection_method).toBe("send_invoice");
  });

  it("deletes a draft (invoice.deleted, its items go with it) and refuses to delete a finalized invoice", async () => {
    const { customer } = await customerWithCard();
    const draft = await stripe.invoices.create({ customer: customer.id });
    const item = await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 300, currency: "usd" });
    const deleted = await stripe.invoices.del(draft.id!);
    expect(deleted).toEqual({ id: draft.id, object: "invoice", deleted: true });
    expect((await expectStripeError(stripe.invoices.retrieve(draft.id!))).statusCode).toBe(404);
    expect((await expectStripeError(stripe.invoiceItems.retrieve(item.id))).statusCode).toBe(404);
    expect(await typesFor(customer.id, ["invoice"])).toContain("invoice.deleted");

    const other = await stripe.invoices.create({ customer: customer.id, collection_method: "send_invoice", days_until_due: 3 });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: other.id, amount: 300, currency: "usd" });
    await stripe.invoices.finalizeInvoice(other.id!);
    const err = await expectStripeError(stripe.invoices.del(other.id!));
    expect(err).toMatchObject({ statusCode: 400, message: "You can only delete draft invoices." });
    expect((await stripe.invoices.retrieve(other.id!)).status).toBe("open");
  });

  it("auto_advance: the draft finalizes about an hour later and is charged", async () => {
    const { clock, customer } = await customerWithCard();
    await stripe.invoiceItems.create({ customer: customer.id, amount: 2_000, currency: "usd" });
    const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: "include", auto_advance: true });
    expect(draft).toMatchObject({ auto_advance: true, automatically_finalizes_at: T0 + 3600, status: "draft" });
    await advance(clock, T0 + 2 * 3600);
    expect(await stripe.invoices.retrieve(draft.id!)).toMatchObject({ status: "paid", amount_paid: 2_000 });
  });

  it("auto_advance on send_invoice: finalized about an hour later and sent (invoice.sent), not charged", async () => {
    const { clock, customer } = await customerWithCard();
    const draft = await stripe.invoices.create({
      customer: customer.id,
      collection_method: "send_invoice",
      days_until_due: 15,
      auto_advance: true,
    });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 800, currency: "usd" });
    await advance(clock, T0 + 2 * 3600);
    expect(await stripe.invoices.retrieve(draft.id!)).toMatchObject({ status: "open", amount_paid: 0, due_date: T0 + 3600 + 15 * DAY });
    const types = await typesFor(customer.id);
    expect(types.slice(-3)).toEqual(["invoice.finalized", "payment_intent.created", "invoice.sent"]);
    expect(types).not.toContain("charge.succeeded");
  });
});

describe("one-off invoices with discounts", () => {
  it("a coupon on create comes off the invoice before it is paid, and is redeemed once; an existing discount id is not supported", async () => {
    const { customer } = await customerWithCard();
    await stripe.invoiceItems.create({ customer: customer.id, amount: 2_000, currency: "usd", description: "Consulting" });
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: "once" });
    const draft = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: "include",
      discounts: [{ coupon: coupon.id }],
    });
    expect(draft).toMatchObject({ subtotal: 2_000, total: 1_500, amount_due: 1_500 });
    expect(draft.total_discount_amounts).toEqual([{ amount: 500, discount: expect.stringMatching(/^di_/) }]);
    const paid = await stripe.invoices.pay((await stripe.invoices.finalizeInvoice(draft.id)).id);
    expect(paid).toMatchObject({ status: "paid", amount_paid: 1_500 });
    expect(await stripe.coupons.retrieve(coupon.id)).toMatchObject({ times_redeemed: 1 });

    const unsupported = await expectStripeError(
      stripe.invoices.create({ customer: customer.id, discounts: [{ discount: String(draft.total_discount_amounts?.[0]?.discount) }] }),
    );
    expect(unsupported.statusCode).toBe(400);
    const unknown = await expectStripeError(stripe.invoices.create({ customer: customer.id, discounts: [{ coupon: "nope" }] }));
    expect(unknown).toMatchObject({ statusCode: 400, code: "resource_missing" });
  });
});

describe("invoice items and subscriptions", () => {
  it("pending items are picked up by the subscription's next renewal invoice", async () => {
    const { clock, customer } = await customerWithCard();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const item = await stripe.invoiceItems.create({ customer: customer.id, amount: 1_234, currency: "usd", description: "Extra usage" });
    await advance(clock, PERIOD_END + 2 * 3600);
    const renewal = (await stripe.invoices.list({ subscription: sub.id })).data.find((i) => i.billing_reason === "subscription_cycle");
    expect(renewal).toMatchObject({ status: "paid", total: 3_100 + 1_234 });
    expect((await stripe.invoiceItems.retrieve(item.id)).invoice).toBe(renewal?.id);
  });
});

describe("subscription items", () => {
  it("create with proration: the preview and the invoice it produces agree; delete credits the unused time", async () => {
    const { clock, customer } = await customerWithCard();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const day10 = T0 + 10 * DAY;
    await advance(clock, day10);
    const expected = Math.round((620 * (PERIOD_END - day10)) / (PERIOD_END - T0)); // 21/31 of $6.20 = 420

    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: { items: [{ price: addon.id, quantity: 1 }], proration_behavior: "always_invoice", proration_date: day10 },
    });
    const created = await stripe.subscriptionItems.create({
      subscription: sub.id,
      price: addon.id,
      proration_behavior: "always_invoice",
      proration_date: day10,
    });
    expect(created).toMatchObject({ object: "subscription_item", subscription: sub.id, quantity: 1 });
    expect(created.price.id).toBe(addon.id);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data.map((i) => i.price.id)).toEqual([monthly.id, addon.id]);
    const invoice = await stripe.invoices.retrieve(String(after.latest_invoice));
    expect(invoice).toMatchObject({ billing_reason: "subscription_update", status: "paid", total: expected });
    expect(preview.total).toBe(invoice.total);
    expect(preview.lines.data.map((l) => l.amount)).toEqual(invoice.lines.data.map((l) => l.amount));
    expect((await stripe.subscriptionItems.list({ subscription: sub.id })).data).toHaveLength(2);

    // The next invoice as previewed before the deletion, and the renewal invoice the deletion leads to.
    const upcoming = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: { items: [{ id: created.id, deleted: true }], proration_behavior: "create_prorations", proration_date: day10 },
    });
    const deleted = await stripe.subscriptionItems.del(created.id, { proration_behavior: "create_prorations", proration_date: day10 });
    expect(deleted).toEqual({ id: created.id, object: "subscription_item", deleted: true });
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data.map((i) => i.price.id)).toEqual([monthly.id]);
    const credit = (await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data;
    expect(credit.map((i) => i.amount)).toEqual([-expected]);
    expect(upcoming.total).toBe(3_100 - expected);
    await advance(clock, PERIOD_END + 2 * 3600);
    const renewal = (await stripe.invoices.list({ subscription: sub.id })).data.find((i) => i.billing_reason === "subscription_cycle");
    expect(renewal).toMatchObject({ status: "paid", total: upcoming.total });
    expect(renewal?.lines.data.map((l) => l.amount).sort()).toEqual(upcoming.lines.data.map((l) => l.amount).sort());
    const updates = (await typesFor(customer.id, ["customer"])).filter((t) => t === "customer.subscription.updated");
    expect(updates.length).toBeGreaterThanOrEqual(2);
  });

  it("refuses the same price twice, a missing price, and deleting the last item", async () => {
    const { customer } = await customerWithCard();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const dup = await expectStripeError(stripe.subscriptionItems.create({ subscription: sub.id, price: monthly.id }));
    expect(dup).toMatchObject({ statusCode: 400, param: "price" });
    const none = await expectStripeError(stripe.subscriptionItems.create({ subscription: sub.id }));
    expect(none).toMatchObject({ statusCode: 400, code: "parameter_missing" });
    const last = await expectStripeError(stripe.subscriptionItems.del(sub.items.data[0].id));
    expect(last.statusCode).toBe(400);
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data).toHaveLength(1);
  });
});

/** A one-off invoice for `amount`, finalized (and paid with the customer's card unless `send`). */
async function oneOff(customer: Stripe.Customer, amount: number, send = false) {
  const draft = await stripe.invoices.create(
    send ? { customer: customer.id, collection_method: "send_invoice", days_until_due: 30 } : { customer: customer.id },
  );
  await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount, currency: "usd", description: "Service" });
  const open = await stripe.invoices.finalizeInvoice(draft.id!);
  return send ? open : stripe.invoices.pay(draft.id!);
}

describe("credit notes", () => {
  it("on a paid invoice with a refund: the preview matches, a Refund on the charge, post_payment_credit_notes_amount grows", async () => {
    const { customer } = await customerWithCard();
    const invoice = await oneOff(customer, 3_000);
    expect(invoice.status).toBe("paid");
    const line = invoice.lines.data[0];
    const request = {
      invoice: invoice.id!,
      lines: [{ type: "invoice_line_item" as const, invoice_line_item: line.id!, amount: 1_000 }],
      refund_amount: 1_000,
      reason: "order_change" as const,
    };
    const preview = await stripe.creditNotes.preview(request);
    await env.flush();
    env.receiver.clear();
    const note = await stripe.creditNotes.create({ ...request, memo: "Partial refund" });
    expect(note).toMatchObject({
      status: "issued",
      type: "post_payment",
      amount: 1_000,
      total: 1_000,
      pre_payment_amount: 0,
      post_payment_amount: 1_000,
      reason: "order_change",
      memo: "Partial refund",
      invoice: invoice.id,
    });
    expect({
      amount: preview.amount,
      type: preview.type,
      post: preview.post_payment_amount,
      lines: preview.lines.data.map((l) => l.amount),
    }).toEqual({ amount: note.amount, type: note.type, post: note.post_payment_amount, lines: note.lines.data.map((l) => l.amount) });
    expect(note.number).toBe(`${invoice.number}-CN-01`);
    expect(note.lines.data[0]).toMatchObject({ type: "invoice_line_item", invoice_line_item: line.id, amount: 1_000 });

    const refundId = String(note.refunds[0].refund);
    const refund = await stripe.refunds.retrieve(refundId);
    expect(refund).toMatchObject({ amount: 1_000, status: "succeeded", currency: "usd" });
    const charge = await stripe.charges.retrieve(String(refund.charge));
    expect(charge).toMatchObject({ amount: 3_000, amount_refunded: 1_000, refunded: false });
    expect(await stripe.invoices.retrieve(invoice.id!)).toMatchObject({
      status: "paid",
      amount_paid: 3_000,
      post_payment_credit_notes_amount: 1_000,
      pre_payment_credit_notes_amount: 0,
    });
    expect(await typesFor(customer.id)).toEqual(["charge.refunded", "refund.created", "credit_note.created", "invoice.updated"]);
    expect((await stripe.creditNotes.list({ invoice: invoice.id })).data.map((c) => c.id)).toEqual([note.id]);
    expect((await stripe.refunds.list({ charge: charge.id })).data.map((r) => r.id)).toEqual([refundId]);
  });

  it("refuses a refund above what is left on the charge, and amounts that don't add up; nothing is created", async () => {
    const { customer } = await customerWithCard();
    const invoice = await oneOff(customer, 2_000);
    await stripe.creditNotes.create({ invoice: invoice.id!, amount: 1_500, refund_amount: 1_500 });
    const over = await expectStripeError(stripe.creditNotes.create({ invoice: invoice.id!, amount: 600, refund_amount: 600 }));
    expect(over).toMatchObject({ statusCode: 400, param: "amount" });
    const tooMuchRefund = await expectStripeError(
      stripe.creditNotes.create({ invoice: invoice.id!, amount: 500, refund_amount: 400, out_of_band_amount: 200 }),
    );
    expect(tooMuchRefund.statusCode).toBe(400);
    const unbalanced = await expectStripeError(stripe.creditNotes.create({ invoice: invoice.id!, amount: 500 }));
    expect(unbalanced).toMatchObject({ statusCode: 400, param: "out_of_band_amount" });
    const none = await expectStripeError(stripe.creditNotes.create({ invoice: invoice.id! }));
    expect(none.statusCode).toBe(400);
    expect((await stripe.creditNotes.list({ invoice: invoice.id })).data).toHaveLength(1);
    expect((await stripe.invoices.retrieve(invoice.id!)).post_payment_credit_notes_amount).toBe(1_500);
    const oob = await stripe.creditNotes.create({ invoice: invoice.id!, amount: 500, out_of_band_amount: 500 });
    expect(oob).toMatchObject({ out_of_band_amount: 500, type: "post_payment" });
  });

  it("on an open invoice: pre_payment_credit_notes_amount reduces amount_due; voiding restores it; crediting the rest settles it", async () => {
    const { customer } = await customerWithCard();
    const invoice = await oneOff(customer, 5_000, true);
    expect(invoice).toMatchObject({ status: "open", amount_due: 5_000 });
    const note = await stripe.creditNotes.create({
      invoice: invoice.id!,
      lines: [{ type: "custom_line_item", description: "Goodwill", unit_amount: 1_000, quantity: 2 }],
    });
    expect(note).toMatchObject({ type: "pre_payment", pre_payment_amount: 2_000, post_payment_amount: 0, amount: 2_000 });
    let current = await stripe.invoices.retrieve(invoice.id!);
    expect(current).toMatchObject({
      status: "open",
      amount_due: 3_000,
      amount_remaining: 3_000,
      pre_payment_credit_notes_amount: 2_000,
      total: 5_000,
    });

    const voided = await stripe.creditNotes.voidCreditNote(note.id);
    expect(voided).toMatchObject({ status: "void" });
    expect(voided.voided_at).not.toBeNull();
    current = await stripe.invoices.retrieve(invoice.id!);
    expect(current).toMatchObject({ amount_due: 5_000, pre_payment_credit_notes_amount: 0 });

    const rest = await stripe.creditNotes.create({ invoice: invoice.id!, amount: 5_000 });
    expect(rest.type).toBe("pre_payment");
    expect(await stripe.invoices.retrieve(invoice.id!)).toMatchObject({
      status: "paid",
      amount_due: 0,
      amount_remaining: 0,
      pre_payment_credit_notes_amount: 5_000,
    });
    const types = await typesFor(customer.id, ["credit_note", "invoice"]);
    expect(types.slice(-7)).toEqual([
      "credit_note.created",
      "invoice.updated",
      "credit_note.voided",
      "invoice.updated",
      "credit_note.created",
      "invoice.updated",
      "invoice.paid",
    ]);
  });
});

describe("customer balance", () => {
  it("a credit note with credit_amount credits the balance, and the next finalized invoice uses it", async () => {
    const { customer } = await customerWithCard();
    const paid = await oneOff(customer, 2_000);
    const note = await stripe.creditNotes.create({ invoice: paid.id!, amount: 800, credit_amount: 800 });
    expect(note.customer_balance_transaction).toMatch(/^cbtxn_/);
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(-800);
    const credit = await stripe.customers.retrieveBalanceTransaction(customer.id, String(note.customer_balance_transaction));
    expect(credit).toMatchObject({ amount: -800, type: "credit_note", credit_note: note.id, ending_balance: -800 });

    const next = await oneOff(customer, 2_500);
    expect(next).toMatchObject({
      status: "paid",
      total: 2_500,
      starting_balance: -800,
      ending_balance: 0,
      amount_due: 1_700,
      amount_paid: 1_700,
    });
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(0);
    const ledger = await stripe.customers.listBalanceTransactions(customer.id);
    expect(ledger.data.map((t) => [t.type, t.amount, t.ending_balance])).toEqual([
      ["applied_to_invoice", 800, 0],
      ["credit_note", -800, -800],
    ]);
    expect(ledger.data[0].invoice).toBe(next.id);
  });

  it("balance transactions: a credit larger than the invoice carries over; a debit is added to the next invoice", async () => {
    const { customer } = await customerWithCard();
    const txn = await stripe.customers.createBalanceTransaction(customer.id, {
      amount: -5_000,
      currency: "usd",
      description: "Promo credit",
      metadata: { why: "promo" },
    });
    expect(txn).toMatchObject({
      object: "customer_balance_transaction",
      amount: -5_000,
      type: "adjustment",
      ending_balance: -5_000,
      description: "Promo credit",
    });
    const draft = await stripe.invoices.create({ customer: customer.id });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 2_000, currency: "usd" });
    expect(await stripe.invoices.retrieve(draft.id!)).toMatchObject({ starting_balance: -5_000, amount_due: 0 });
    const finalized = await stripe.invoices.finalizeInvoice(draft.id!);
    expect(finalized).toMatchObject({ status: "paid", starting_balance: -5_000, ending_balance: -3_000, amount_due: 0, amount_paid: 0 });
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(-3_000);

    await stripe.customers.update(customer.id, { balance: 300 });
    const adjustment = (await stripe.customers.listBalanceTransactions(customer.id, { limit: 1 })).data[0];
    expect(adjustment).toMatchObject({ type: "adjustment", amount: 3_300, ending_balance: 300 });
    const debit = await oneOff(customer, 1_000);
    expect(debit).toMatchObject({ status: "paid", starting_balance: 300, ending_balance: 0, amount_due: 1_300, amount_paid: 1_300 });
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(0);

    const updated = await stripe.customers.updateBalanceTransaction(customer.id, txn.id, { description: "Spring promo" });
    expect(updated.description).toBe("Spring promo");
    const wrongCurrency = await expectStripeError(stripe.customers.createBalanceTransaction(customer.id, { amount: 100, currency: "eur" }));
    expect(wrongCurrency).toMatchObject({ statusCode: 400, param: "currency" });
  });
});

describe("persistence", () => {
  it("credit notes, refunds, balance transactions and a draft's days_until_due survive a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stripe-emulator-invoicing-"));
    const stateFile = join(dir, "state.json");
    try {
      const first = await startEmulator({ port: 0, stateFile, clock: () => T0 });
      const s1 = emulatorStripeClient(first.url);
      const customer = await s1.customers.create({ email: "persist-invoicing@example.com", payment_method: "pm_card_visa" });
      const pm = (await s1.paymentMethods.list({ customer: customer.id, type: "card" })).data[0].id;
      const paid = await s1.invoices.create({ customer: customer.id, default_payment_method: pm });
      await s1.invoiceItems.create({ customer: customer.id, invoice: paid.id, amount: 1_000, currency: "usd" });
      await s1.invoices.finalizeInvoice(paid.id!);
      await s1.invoices.pay(paid.id!);
      const note = await s1.creditNotes.create({ invoice: paid.id!, amount: 600, refund_amount: 400, credit_amount: 200 });
      const draft = await s1.invoices.create({ customer: customer.id, collection_method: "send_invoice", days_until_due: 5 });
      await first.stop();

      const second = await startEmulator({ port: 0, stateFile, clock: () => T0 + DAY });
      try {
        const s2 = emulatorStripeClient(second.url);
        expect(await s2.creditNotes.retrieve(note.id)).toMatchObject({ amount: 600, post_payment_amount: 600 });
        expect(await s2.refunds.retrieve(String(note.refunds[0].refund))).toMatchObject({ amount: 400 });
        expect((await s2.customers.listBalanceTransactions(customer.id)).data.map((t) => t.amount)).toEqual([-200]);
        await s2.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 500, currency: "usd" });
        const finalized = await s2.invoices.finalizeInvoice(draft.id!);
        expect(finalized).toMatchObject({ due_date: T0 + DAY + 5 * DAY, starting_balance: -200, amount_due: 300 });
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
