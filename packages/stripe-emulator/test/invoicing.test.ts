/**
 * One-off invoices, invoice items, subscription items (create/delete), credit notes and the customer balance,
 * driven with the official SDK the way stripe-samples and stripe-node's tests call them.
 *
 * Arithmetic: customers live on test clocks frozen at T0 (2027-01-15); a monthly period from T0 is 31 days.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { clockCustomer, DAY, expectStripeError, startTestEmulator, T0, type TestEmulator } from './helpers';

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
  product = await stripe.products.create({ name: 'Pro' });
  monthly = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 3_100, recurring: { interval: 'month' } });
  addon = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 620, recurring: { interval: 'month' } });
  oneTime = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1_500 });
});
afterAll(() => env.stop());
beforeEach(() => env.receiver.clear());

async function customerWithCard(email = `inv-${Math.random()}@example.com`) {
  const { clock, customer } = await clockCustomer(stripe, T0, email);
  await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  const pms = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pms.data[0].id } });
  return { clock, customer: await stripe.customers.retrieve(customer.id) as Stripe.Customer };
}

async function typesFor(customer: string, prefixes = ['invoice', 'invoiceitem', 'payment_intent', 'charge', 'credit_note', 'refund']) {
  await env.flush();
  return env.receiver
    .forCustomer(customer)
    .map((e) => e.type)
    .filter((t) => prefixes.some((p) => t.startsWith(`${p}.`)));
}

const advance = (clock: Stripe.TestHelpers.TestClock, to: number) => stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: to });

describe('one-off invoices', () => {
  it('invoice items, then create (include), finalize and pay with pm_card_visa: totals, lines and events in order', async () => {
    const { customer } = await customerWithCard();
    const a = await stripe.invoiceItems.create({ customer: customer.id, pricing: { price: oneTime.id }, quantity: 2 });
    const b = await stripe.invoiceItems.create({ customer: customer.id, amount: 499, currency: 'usd', description: 'Setup fee' });
    expect(a).toMatchObject({ amount: 3_000, quantity: 2, invoice: null, currency: 'usd' });
    expect(b).toMatchObject({ amount: 499, description: 'Setup fee', invoice: null });

    const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include', metadata: { order: '42' } });
    expect(draft).toMatchObject({
      status: 'draft',
      billing_reason: 'manual',
      collection_method: 'charge_automatically',
      auto_advance: false,
      subtotal: 3_499,
      total: 3_499,
      amount_due: 3_499,
      metadata: { order: '42' },
      parent: null,
    });
    expect(draft.lines.data.map((l) => l.amount).sort()).toEqual([3_000, 499]);
    expect((await stripe.invoiceItems.retrieve(a.id)).invoice).toBe(draft.id);
    const lines = await stripe.invoices.listLineItems(draft.id!);
    expect(lines.data).toHaveLength(2);

    const finalized = await stripe.invoices.finalizeInvoice(draft.id!);
    expect(finalized).toMatchObject({ status: 'open', amount_due: 3_499, amount_remaining: 3_499 });
    expect(finalized.number).toMatch(/-0001$/);
    const paid = await stripe.invoices.pay(draft.id!, { payment_method: 'pm_card_visa' });
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 3_499, amount_remaining: 0 });

    expect(await typesFor(customer.id)).toEqual([
      'invoiceitem.created',
      'invoiceitem.created',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
  });

  it('pending items stay pending by default (pending_invoice_items_behavior defaults to exclude)', async () => {
    const { customer } = await customerWithCard();
    const item = await stripe.invoiceItems.create({ customer: customer.id, amount: 700, currency: 'usd' });
    const draft = await stripe.invoices.create({ customer: customer.id });
    expect(draft).toMatchObject({ total: 0, amount_due: 0 });
    expect(draft.lines.data).toHaveLength(0);
    expect((await stripe.invoiceItems.retrieve(item.id)).invoice).toBeNull();
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data.map((i) => i.id)).toEqual([item.id]);
  });

  it('an invoice item with invoice= joins that draft, and deleting it removes the line', async () => {
    const { customer } = await customerWithCard();
    const draft = await stripe.invoices.create({ customer: customer.id });
    const item = await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 1_250, currency: 'usd' });
    expect(item.invoice).toBe(draft.id);
    expect(await stripe.invoices.retrieve(draft.id!)).toMatchObject({ total: 1_250, amount_due: 1_250 });
    expect((await stripe.invoiceItems.list({ invoice: draft.id })).data.map((i) => i.id)).toEqual([item.id]);
    await stripe.invoiceItems.del(item.id);
    const after = await stripe.invoices.retrieve(draft.id!);
    expect(after).toMatchObject({ total: 0, amount_due: 0 });
    expect(after.lines.data).toHaveLength(0);
  });

  it('adding an item to a finalized invoice is refused and changes nothing', async () => {
    const { customer } = await customerWithCard();
    const draft = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 7 });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 500, currency: 'usd' });
    await stripe.invoices.finalizeInvoice(draft.id!);
    const err = await expectStripeError(stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 100, currency: 'usd' }));
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe('invoice');
    expect((await stripe.invoiceItems.list({ customer: customer.id })).data).toHaveLength(1);
    expect((await stripe.invoices.retrieve(draft.id!)).total).toBe(500);
  });

  it('send_invoice with days_until_due: due date from finalization, /send sends invoice.sent, no charge; paid out of band', async () => {
    const { customer } = await customerWithCard();
    const draft = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 30, description: 'Consulting' });
    expect(draft).toMatchObject({ collection_method: 'send_invoice', due_date: T0 + 30 * DAY, description: 'Consulting' });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 10_000, currency: 'usd' });
    const sent = await stripe.invoices.sendInvoice(draft.id!);
    expect(sent).toMatchObject({ status: 'open', amount_due: 10_000, due_date: T0 + 30 * DAY });
    expect(sent.hosted_invoice_url).toContain(`/invoices/${draft.id}`);
    const types = await typesFor(customer.id);
    expect(types).toEqual(['invoice.created', 'invoiceitem.created', 'invoice.updated', 'invoice.finalized', 'payment_intent.created', 'invoice.sent']);

    const paid = await stripe.invoices.pay(draft.id!, { paid_out_of_band: true });
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 10_000, amount_remaining: 0 });
    const after = await typesFor(customer.id);
    expect(after.slice(types.length)).toEqual(['payment_intent.canceled', 'invoice.paid', 'invoice.updated']);
  });

  it('send_invoice needs days_until_due or due_date; charge_automatically refuses them; /send refuses charge_automatically', async () => {
    const { customer } = await customerWithCard();
    const missing = await expectStripeError(stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice' }));
    expect(missing).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'days_until_due' });
    const wrong = await expectStripeError(stripe.invoices.create({ customer: customer.id, days_until_due: 5 }));
    expect(wrong).toMatchObject({ statusCode: 400, param: 'days_until_due' });
    const auto = await stripe.invoices.create({ customer: customer.id });
    const send = await expectStripeError(stripe.invoices.sendInvoice(auto.id!));
    expect(send.message).toBe("You can only manually send an invoice if its collection method is 'send_invoice'.");
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(1);
  });

  it('a draft is updated (collection, footer, metadata); a finalized invoice refuses collection changes', async () => {
    const { customer } = await customerWithCard();
    const draft = await stripe.invoices.create({ customer: customer.id });
    const updated = await stripe.invoices.update(draft.id!, { collection_method: 'send_invoice', days_until_due: 14, footer: 'Thanks', metadata: { a: '1' } });
    expect(updated).toMatchObject({ collection_method: 'send_invoice', due_date: T0 + 14 * DAY, footer: 'Thanks', metadata: { a: '1' } });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 900, currency: 'usd' });
    await stripe.invoices.finalizeInvoice(draft.id!);
    const err = await expectStripeError(stripe.invoices.update(draft.id!, { collection_method: 'charge_automatically' }));
    expect(err).toMatchObject({ statusCode: 400, code: 'invoice_not_editable' });
    expect((await stripe.invoices.update(draft.id!, { description: 'Later note' })).description).toBe('Later note');
    expect((await stripe.invoices.retrieve(draft.id!)).collection_method).toBe('send_invoice');
  });

  it('deletes a draft (invoice.deleted, its items go with it) and refuses to delete a finalized invoice', async () => {
    const { customer } = await customerWithCard();
    const draft = await stripe.invoices.create({ customer: customer.id });
    const item = await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 300, currency: 'usd' });
    const deleted = await stripe.invoices.del(draft.id!);
    expect(deleted).toEqual({ id: draft.id, object: 'invoice', deleted: true });
    expect((await expectStripeError(stripe.invoices.retrieve(draft.id!))).statusCode).toBe(404);
    expect((await expectStripeError(stripe.invoiceItems.retrieve(item.id))).statusCode).toBe(404);
    expect(await typesFor(customer.id, ['invoice'])).toContain('invoice.deleted');

    const other = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 3 });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: other.id, amount: 300, currency: 'usd' });
    await stripe.invoices.finalizeInvoice(other.id!);
    const err = await expectStripeError(stripe.invoices.del(other.id!));
    expect(err).toMatchObject({ statusCode: 400, message: 'You can only delete draft invoices.' });
    expect((await stripe.invoices.retrieve(other.id!)).status).toBe('open');
  });

  it('auto_advance: the draft finalizes about an hour later and is charged', async () => {
    const { clock, customer } = await customerWithCard();
    await stripe.invoiceItems.create({ customer: customer.id, amount: 2_000, currency: 'usd' });
    const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include', auto_advance: true });
    expect(draft).toMatchObject({ auto_advance: true, automatically_finalizes_at: T0 + 3600, status: 'draft' });
    await advance(clock, T0 + 2 * 3600);
    expect(await stripe.invoices.retrieve(draft.id!)).toMatchObject({ status: 'paid', amount_paid: 2_000 });
  });
});

describe('invoice items and subscriptions', () => {
  it("pending items are picked up by the subscription's next renewal invoice", async () => {
    const { clock, customer } = await customerWithCard();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const item = await stripe.invoiceItems.create({ customer: customer.id, amount: 1_234, currency: 'usd', description: 'Extra usage' });
    await advance(clock, PERIOD_END + 2 * 3600);
    const renewal = (await stripe.invoices.list({ subscription: sub.id })).data.find((i) => i.billing_reason === 'subscription_cycle');
    expect(renewal).toMatchObject({ status: 'paid', total: 3_100 + 1_234 });
    expect((await stripe.invoiceItems.retrieve(item.id)).invoice).toBe(renewal?.id);
  });
});

describe('subscription items', () => {
  it('create with proration: the preview and the invoice it produces agree; delete credits the unused time', async () => {
    const { clock, customer } = await customerWithCard();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const day10 = T0 + 10 * DAY;
    await advance(clock, day10);
    const expected = Math.round((620 * (PERIOD_END - day10)) / (PERIOD_END - T0)); // 21/31 of $6.20 = 420

    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: { items: [{ price: addon.id, quantity: 1 }], proration_behavior: 'always_invoice', proration_date: day10 },
    });
    const created = await stripe.subscriptionItems.create({ subscription: sub.id, price: addon.id, proration_behavior: 'always_invoice', proration_date: day10 });
    expect(created).toMatchObject({ object: 'subscription_item', subscription: sub.id, quantity: 1 });
    expect(created.price.id).toBe(addon.id);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data.map((i) => i.price.id)).toEqual([monthly.id, addon.id]);
    const invoice = await stripe.invoices.retrieve(String(after.latest_invoice));
    expect(invoice).toMatchObject({ billing_reason: 'subscription_update', status: 'paid', total: expected });
    expect(preview.total).toBe(invoice.total);
    expect(preview.lines.data.map((l) => l.amount)).toEqual(invoice.lines.data.map((l) => l.amount));
    expect((await stripe.subscriptionItems.list({ subscription: sub.id })).data).toHaveLength(2);

    const deleted = await stripe.subscriptionItems.del(created.id, { proration_behavior: 'create_prorations', proration_date: day10 });
    expect(deleted).toEqual({ id: created.id, object: 'subscription_item', deleted: true });
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data.map((i) => i.price.id)).toEqual([monthly.id]);
    const credit = (await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data;
    expect(credit.map((i) => i.amount)).toEqual([-expected]);
    const updates = (await typesFor(customer.id, ['customer'])).filter((t) => t === 'customer.subscription.updated');
    expect(updates.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses the same price twice, a missing price, and deleting the last item', async () => {
    const { customer } = await customerWithCard();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const dup = await expectStripeError(stripe.subscriptionItems.create({ subscription: sub.id, price: monthly.id }));
    expect(dup).toMatchObject({ statusCode: 400, param: 'price' });
    const none = await expectStripeError(stripe.subscriptionItems.create({ subscription: sub.id }));
    expect(none).toMatchObject({ statusCode: 400, code: 'parameter_missing' });
    const last = await expectStripeError(stripe.subscriptionItems.del(sub.items.data[0].id));
    expect(last.statusCode).toBe(400);
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data).toHaveLength(1);
  });
});
