import type Stripe from 'stripe';
import { taxRatesFrom } from './tax';
import type { Router } from '../http/router';
import type { Emulator } from '../emulator';
import { emitEvent } from '../events';
import { clone } from '../json';
import { cardError, invalidRequest } from '../http/errors';
import { matchesRange, newestFirst, paginate } from '../http/pagination';
import { registerIncludable } from '../http/expand';
import { getCustomer, getInvoice, getPrice } from './lookup';
import { attemptInvoicePayment, createInvoiceItem, finalizeInvoice, markUncollectible, voidInvoice } from '../billing/invoices';
import { applyPaymentOutcome } from '../billing/subscriptions';
import { attachPaymentMethod } from '../billing/payment-methods';
import { previewInvoice } from '../billing/preview';
import { confirmationSecret } from '../billing/payment-intents';
import { productName } from '../billing/plans';

function paymentsOf(emu: Emulator, invoiceId: string): Stripe.InvoicePayment[] {
  return newestFirst(emu.store.invoicePayments.values()).filter((p) => p.invoice === invoiceId);
}

export function registerInvoices(router: Router): void {
  registerIncludable('invoice', 'payments', (emu, owner) => ({
    object: 'list',
    data: paymentsOf(emu, String(owner.id)),
    has_more: false,
    url: '/v1/invoice_payments',
  }));

  registerIncludable('invoice', 'confirmation_secret', (emu, owner) => {
    const invoice = emu.store.invoices.get(String(owner.id));
    return invoice ? confirmationSecret(emu, invoice) : null;
  });

  router.post('/v1/invoices/create_preview', ({ emu, params }) => previewInvoice(emu, params));

  router.get('/v1/invoices', ({ emu, params }) => {
    const customer = params.str('customer');
    const subscription = params.str('subscription');
    const status = params.str('status');
    const items = newestFirst(emu.store.invoices.values()).filter(
      (inv) =>
        (!customer || inv.customer === customer) &&
        (!subscription || inv.parent?.subscription_details?.subscription === subscription) &&
        (!status || inv.status === status) &&
        matchesRange(inv.created, params, 'created'),
    );
    return paginate(items, params, '/v1/invoices', 'invoice');
  });
  router.get('/v1/invoices/:id', ({ emu, path }) => getInvoice(emu, path.id));
  router.post('/v1/invoices/:id', ({ emu, path, params }) => {
    const invoice = getInvoice(emu, path.id);
    const before = clone(invoice);
    invoice.metadata = params.applyMetadata(invoice.metadata ?? {});
    const description = params.nullableStr('description');
    if (description !== undefined) invoice.description = description;
    const autoAdvance = params.bool('auto_advance');
    if (autoAdvance !== undefined) invoice.auto_advance = autoAdvance;
    emitEvent(emu, 'invoice.updated', invoice, before);
    return invoice;
  });
  router.get('/v1/invoices/:id/lines', ({ emu, path, params }) => {
    const invoice = getInvoice(emu, path.id);
    return paginate(invoice.lines.data, params, `/v1/invoices/${invoice.id}/lines`, 'line item');
  });
  router.post('/v1/invoices/:id/finalize', ({ emu, path }) => {
    const invoice = getInvoice(emu, path.id);
    if (invoice.status !== 'draft') throw invalidRequest('This invoice is already finalized, you can\'t re-finalize a non-draft invoice.', undefined, 'invoice_not_editable');
    finalizeInvoice(emu, invoice);
    applyPaymentOutcome(emu, invoice);
    return invoice;
  });
  router.post('/v1/invoices/:id/pay', ({ emu, path, params }) => {
    const invoice = getInvoice(emu, path.id);
    if (invoice.status === 'paid') throw invalidRequest('Invoice is already paid', undefined, 'invoice_already_paid');
    if (invoice.status === 'void' || invoice.status === 'uncollectible') throw invalidRequest(`This invoice is ${invoice.status}`, undefined, 'invoice_not_editable');
    if (invoice.status === 'draft') finalizeInvoice(emu, invoice);
    if (invoice.status === 'paid') return invoice;
    const pmRef = params.str('payment_method');
    const pm = pmRef ? attachPaymentMethod(emu, pmRef, String(invoice.customer), 'payment_method').id : undefined;
    const outcome = attemptInvoicePayment(emu, invoice, { paymentMethodId: pm });
    applyPaymentOutcome(emu, invoice);
    if (outcome.status !== 'succeeded') throw cardError(outcome.error, outcome.context);
    return invoice;
  });
  router.post('/v1/invoices/:id/void', ({ emu, path }) => {
    const invoice = getInvoice(emu, path.id);
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible') throw invalidRequest(`You can only void open invoices.`, undefined, 'invoice_not_editable');
    voidInvoice(emu, invoice);
    return invoice;
  });
  router.post('/v1/invoices/:id/mark_uncollectible', ({ emu, path }) => {
    const invoice = getInvoice(emu, path.id);
    if (invoice.status !== 'open') throw invalidRequest('You can only mark open invoices as uncollectible.', undefined, 'invoice_not_editable');
    markUncollectible(emu, invoice);
    return invoice;
  });

  router.get('/v1/invoice_payments', ({ emu, params }) => {
    const invoice = params.str('invoice');
    const items = newestFirst(emu.store.invoicePayments.values()).filter((p) => !invoice || p.invoice === invoice);
    return paginate(items, params, '/v1/invoice_payments', 'invoice payment');
  });
  router.get('/v1/invoice_payments/:id', ({ emu, path }) => {
    const payment = emu.store.invoicePayments.get(path.id);
    if (!payment) throw invalidRequest(`No such invoice payment: '${path.id}'`, 'id', 'resource_missing', 404);
    return payment;
  });

  router.post('/v1/invoiceitems', ({ emu, params }) => {
    const customer = getCustomer(emu, params.requiredStr('customer'), 'customer');
    const pricing = params.obj('pricing');
    const priceId = pricing?.str('price') ?? params.str('price');
    const price = priceId ? getPrice(emu, priceId, 'pricing[price]') : null;
    const quantity = params.int('quantity') ?? 1;
    const amount = params.int('amount') ?? (price ? (price.unit_amount ?? 0) * quantity : undefined);
    if (amount === undefined) throw invalidRequest('Missing required param: amount.', 'amount', 'parameter_missing');
    const now = emu.nowFor(customer.id);
    const periodParams = params.obj('period');
    return createInvoiceItem(emu, customer, {
      amount,
      currency: params.str('currency') ?? price?.currency ?? 'usd',
      description: params.str('description') ?? (price ? productName(emu, price) : 'Invoice item'),
      price,
      quantity,
      period: { start: periodParams?.int('start') ?? now, end: periodParams?.int('end') ?? now },
      proration: false,
      subscriptionId: params.str('subscription') ?? null,
      subscriptionItemId: null,
      metadata: params.applyMetadata({}),
      taxRates: taxRatesFrom(emu, params.strArray('tax_rates'), 'tax_rates'),
    });
  });
  router.get('/v1/invoiceitems', ({ emu, params }) => {
    const customer = params.str('customer');
    const invoice = params.str('invoice');
    const pending = params.bool('pending');
    const items = newestFirst(emu.store.invoiceItems.values()).filter(
      (ii) =>
        (!customer || ii.customer === customer) &&
        (!invoice || ii.invoice === invoice) &&
        (pending === undefined || (ii.invoice === null) === pending),
    );
    return paginate(items, params, '/v1/invoiceitems', 'invoice item');
  });
  router.get('/v1/invoiceitems/:id', ({ emu, path }) => {
    const item = emu.store.invoiceItems.get(path.id);
    if (!item) throw invalidRequest(`No such invoiceitem: '${path.id}'`, 'id', 'resource_missing', 404);
    return item;
  });
  router.delete('/v1/invoiceitems/:id', ({ emu, path }) => {
    const item = emu.store.invoiceItems.get(path.id);
    if (!item) throw invalidRequest(`No such invoiceitem: '${path.id}'`, 'id', 'resource_missing', 404);
    if (item.invoice) throw invalidRequest('You cannot delete an invoice item that is attached to an invoice.', undefined, 'invoice_not_editable');
    emu.store.invoiceItems.delete(item.id);
    emitEvent(emu, 'invoiceitem.deleted', item);
    const deleted: Stripe.DeletedInvoiceItem = { id: item.id, object: 'invoiceitem', deleted: true };
    return deleted;
  });
}
