import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { newId } from "../ids";
import { emitEvent } from "../events";
import { clone, decimal } from "../json";
import { DAY } from "../config";
import { productIdOf } from "./plans";
import { cardOfPaymentMethod } from "./payment-methods";
import type { CardErrorDetails, PaymentErrorContext } from "../http/errors";
import { applyInvoiceTax } from "./tax";
import { cancelPaymentIntent, ensurePaymentIntent, paymentIntentFailed, paymentIntentSucceeded } from "./payment-intents";
import { applyInvoiceDiscounts, recordDiscountUse, subscriptionDiscountsAt } from "./discounts";

/** One line of an invoice before it has an id. */
export interface LineSpec {
  amount: number;
  currency: string;
  description: string;
  price: Stripe.Price | null;
  quantity: number;
  period: { start: number; end: number };
  proration: boolean;
  subscriptionId: string | null;
  subscriptionItemId: string | null;
  invoiceItemId: string | null;
  metadata?: Record<string, string>;
  /** Flexible billing mode: the invoice lines a credit proration gives back (what was actually debited). */
  creditedItems?: { invoice: string; invoice_line_items: string[] } | null;
  /** Flexible billing mode: the pending invoice item a credit proration gives back (a debit not invoiced yet). */
  creditedInvoiceItem?: string | null;
  /** An invoice item's `tax_rates`. */
  taxRates?: Stripe.TaxRate[];
}

/** The `pricing` block that invoice lines and invoice items share (API basil+). */
function priceDetails(price: Stripe.Price | null | undefined, unit: number) {
  return price
    ? {
        type: "price_details" as const,
        price_details: { price: price.id, product: productIdOf(price) },
        unit_amount_decimal: decimal(unit),
      }
    : null;
}

export function buildLineItem(invoiceId: string | null, spec: LineSpec): Stripe.InvoiceLineItem {
  const unit = spec.price?.unit_amount ?? (spec.quantity ? spec.amount / spec.quantity : spec.amount);
  const fromSubscriptionItem = spec.subscriptionItemId !== null;
  return {
    id: newId("il"),
    object: "line_item",
    amount: spec.amount,
    currency: spec.currency,
    description: spec.description,
    discount_amounts: [],
    discountable: !spec.proration,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: spec.metadata ?? {},
    parent: fromSubscriptionItem
      ? {
          type: "subscription_item_details",
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: spec.invoiceItemId,
            proration: spec.proration,
            proration_details: { credited_items: spec.creditedItems ?? null },
            subscription: spec.subscriptionId,
            subscription_item: spec.subscriptionItemId ?? "",
          },
        }
      : {
          type: "invoice_item_details",
          invoice_item_details: {
            invoice_item: spec.invoiceItemId ?? "",
            proration: spec.proration,
            proration_details: { credited_items: spec.creditedItems ?? null },
            subscription: spec.subscriptionId,
          },
          subscription_item_details: null,
        },
    period: { start: spec.period.start, end: spec.period.end },
    pretax_credit_amounts: [],
    pricing: priceDetails(spec.price, unit),
    quantity: spec.quantity,
    quantity_decimal: decimal(spec.quantity),
    subscription: spec.subscriptionId,
    subtotal: spec.amount,
    taxes: [],
  };
}

/** A pending invoice item turned into a line spec. */
export function lineSpecFromInvoiceItem(emu: Emulator, item: Stripe.InvoiceItem): LineSpec {
  const priceId = item.pricing?.price_details?.price;
  const price = typeof priceId === "string" ? (emu.store.prices.get(priceId) ?? null) : (priceId ?? null);
  const sub = item.parent?.subscription_details;
  return {
    amount: item.amount,
    currency: item.currency,
    description: item.description ?? "",
    price,
    quantity: item.quantity,
    period: item.period,
    proration: item.proration,
    subscriptionId: sub?.subscription ?? null,
    subscriptionItemId: sub?.subscription_item ?? null,
    invoiceItemId: item.id,
    metadata: item.metadata ?? {},
    creditedItems: item.proration_details?.credited_items?.invoice_line_item_details ?? null,
  };
}

/**
 * Pending (not yet invoiced) items of a customer; for a subscription invoice, those of that subscription or none;
 * with `'any'` (a one-off invoice with `pending_invoice_items_behavior=include`), all of them.
 */
export function pendingInvoiceItems(emu: Emulator, customerId: string, subscriptionId: string | null | "any"): Stripe.InvoiceItem[] {
  return [...emu.store.invoiceItems.values()].filter((ii) => {
    if (ii.invoice !== null || ii.customer !== customerId) return false;
    if (subscriptionId === "any") return true;
    const owner = ii.parent?.subscription_details?.subscription ?? null;
    return owner === null || owner === subscriptionId;
  });
}

export interface DraftInvoiceOptions {
  customer: Stripe.Customer;
  subscription: Stripe.Subscription | null;
  billingReason: Stripe.Invoice.BillingReason;
  lines: LineSpec[];
  includePendingItems: boolean;
  periodStart: number;
  periodEnd: number;
  /** Renewal drafts are finalized about an hour later; others are finalized by the caller right away. */
  autoFinalizeAt: number | null;
  currency: string;
  description?: string | null;
  /** Pre-allocated id, so a subscription can reference its first invoice in its created event. */
  id?: string;
  /** Automatic tax for this invoice; default: the subscription's `automatic_tax.enabled`. */
  automaticTax?: boolean;
  /** Discounts to apply; for a stored subscription invoice, default: the subscription's active discounts now. */
  discounts?: Stripe.Discount[];
  /** One-off invoices (`POST /v1/invoices`); subscription invoices keep the defaults. */
  collectionMethod?: Stripe.Invoice.CollectionMethod;
  dueDate?: number | null;
  autoAdvance?: boolean;
  footer?: string | null;
  metadata?: Record<string, string>;
  defaultPaymentMethod?: string | null;
  /** Which pending items a one-off invoice takes: the subscription's only, or all the customer's (`'any'`). */
  pendingFrom?: string | "any";
}

/** The invoice object itself, not stored; previews use this directly. */
export function buildInvoice(emu: Emulator, id: string, opts: DraftInvoiceOptions, lineItems: Stripe.InvoiceLineItem[]): Stripe.Invoice {
  const { customer, subscription } = opts;
  const subtotal = lineItems.reduce((sum, l) => sum + l.amount, 0);
  const now = emu.nowFor(customer.id);
  const paymentMethod =
    opts.defaultPaymentMethod !== undefined ? opts.defaultPaymentMethod : (subscription?.default_payment_method ?? null);
  const invoice: Stripe.Invoice = {
    id,
    object: "invoice",
    account_country: "US",
    account_name: emu.settings.businessName,
    account_tax_ids: null,
    amount_due: Math.max(0, subtotal + customer.balance),
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: Math.max(0, subtotal + customer.balance),
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: opts.autoAdvance ?? opts.autoFinalizeAt !== null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: opts.autoFinalizeAt,
    billing_reason: opts.billingReason,
    collection_method: opts.collectionMethod ?? "charge_automatically",
    created: now,
    currency: opts.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: customer.address ?? null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: customer.tax_exempt ?? "none",
    customer_tax_ids: [],
    default_payment_method: typeof paymentMethod === "string" || paymentMethod === null ? paymentMethod : paymentMethod.id,
    default_source: null,
    default_tax_rates: [],
    description: opts.description ?? null,
    discounts: [],
    due_date: opts.dueDate ?? null,
    effective_at: null,
    ending_balance: null,
    footer: opts.footer ?? null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: "list", data: lineItems, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: opts.metadata ?? {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: subscription
      ? {
          type: "subscription_details",
          quote_details: null,
          subscription_details: { metadata: clone(subscription.metadata), subscription: subscription.id },
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: opts.periodEnd,
    period_start: opts.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: customer.balance,
    statement_descriptor: null,
    status: "draft",
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal,
    subtotal_excluding_tax: subtotal,
    test_clock: customer.test_clock ?? null,
    total: subtotal,
    total_discount_amounts: [],
    total_excluding_tax: subtotal,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
  if (invoice.test_clock !== null && typeof invoice.test_clock !== "string") invoice.test_clock = invoice.test_clock.id;
  computeInvoiceTotals(emu, invoice, {
    discounts: opts.discounts ?? [],
    automaticTax: opts.automaticTax ?? subscription?.automatic_tax?.enabled ?? false,
    subscription,
  });
  return invoice;
}

export interface InvoiceTotalsContext {
  /** The discounts to apply (default: the ones the invoice already names). */
  discounts?: Stripe.Discount[];
  /** Automatic tax (default: the invoice's own `automatic_tax.enabled`). */
  automaticTax?: boolean;
  /** The invoice's subscription when it is not stored yet (its first invoice); default: looked up. */
  subscription?: Stripe.Subscription | null;
}

/**
 * The one place an invoice's money is worked out from its lines, in Stripe's order: the subtotal, the discounts
 * (applyInvoiceDiscounts), the tax on what is left (applyInvoiceTax), then what is due after the customer balance
 * and pre-payment credit notes. Call it after any change to the lines or to those amounts. Discounts and tax are
 * worked out while the invoice is a draft; from finalization on they are fixed, as are `starting_balance` and the
 * totals, and only what is due moves (credit notes, payments).
 */
export function computeInvoiceTotals(emu: Emulator, invoice: Stripe.Invoice, ctx: InvoiceTotalsContext = {}): void {
  const customer = emu.store.customers.get(String(invoice.customer));
  if (invoice.status === "draft" && customer) {
    const subtotal = invoice.lines.data.reduce((sum, l) => sum + l.amount, 0);
    const named = (invoice.discounts ?? [])
      .map((d) => emu.store.discounts.get(typeof d === "string" ? d : d.id))
      .filter((d): d is Stripe.Discount => d !== undefined);
    const discounted = subtotal - applyInvoiceDiscounts(emu, invoice, ctx.discounts ?? named);
    invoice.subtotal = subtotal;
    invoice.subtotal_excluding_tax = subtotal;
    invoice.total_excluding_tax = discounted;
    invoice.total = discounted;
    const subscriptionId = invoice.parent?.subscription_details?.subscription;
    const subscription =
      ctx.subscription !== undefined
        ? ctx.subscription
        : subscriptionId
          ? (emu.store.subscriptions.get(typeof subscriptionId === "string" ? subscriptionId : subscriptionId.id) ?? null)
          : null;
    applyInvoiceTax(emu, invoice, { customer, subscription, automaticTax: ctx.automaticTax ?? invoice.automatic_tax?.enabled ?? false });
    invoice.starting_balance = customer.balance;
  }
  if (invoice.status === "void") return;
  invoice.amount_due = Math.max(0, invoice.total + invoice.starting_balance - invoice.pre_payment_credit_notes_amount);
  invoice.amount_remaining = Math.max(0, invoice.amount_due - invoice.amount_paid);
}

/** A customer balance transaction (`balance` moves by `amount`; negative is a credit to the customer). */
export function recordBalanceTransaction(
  emu: Emulator,
  customer: Stripe.Customer,
  spec: {
    amount: number;
    type: Stripe.CustomerBalanceTransaction.Type;
    currency?: string;
    description?: string | null;
    invoice?: string | null;
    creditNote?: string | null;
    metadata?: Record<string, string>;
  },
): Stripe.CustomerBalanceTransaction {
  const txn: Stripe.CustomerBalanceTransaction = {
    id: newId("cbtxn"),
    object: "customer_balance_transaction",
    amount: spec.amount,
    checkout_session: null,
    created: emu.nowFor(customer.id),
    credit_note: spec.creditNote ?? null,
    currency: spec.currency ?? customer.currency ?? "usd",
    customer: customer.id,
    customer_account: null,
    description: spec.description ?? null,
    ending_balance: customer.balance + spec.amount,
    invoice: spec.invoice ?? null,
    livemode: false,
    metadata: spec.metadata ?? {},
    type: spec.type,
  };
  customer.balance = txn.ending_balance;
  emu.store.customerBalanceTransactions.set(txn.id, txn);
  return txn;
}

export function createDraftInvoice(emu: Emulator, opts: DraftInvoiceOptions): Stripe.Invoice {
  const id = opts.id ?? newId("in");
  const pending = opts.includePendingItems
    ? pendingInvoiceItems(emu, opts.customer.id, opts.pendingFrom ?? opts.subscription?.id ?? null)
    : [];
  const specs = [...pending.map((ii) => lineSpecFromInvoiceItem(emu, ii)), ...opts.lines];
  const discounts =
    opts.discounts ?? (opts.subscription ? subscriptionDiscountsAt(emu, opts.subscription, emu.nowFor(opts.customer.id), true) : []);
  const invoice = buildInvoice(
    emu,
    id,
    { ...opts, discounts },
    specs.map((spec) => buildLineItem(id, spec)),
  );
  for (const ii of pending) ii.invoice = id;
  emu.store.invoices.set(id, invoice);
  emitEvent(emu, "invoice.created", invoice);
  recordDiscountUse(emu, invoice, discounts);
  return invoice;
}

function nextInvoiceNumber(emu: Emulator, customer: Stripe.Customer): string {
  const sequence = customer.next_invoice_sequence ?? 1;
  customer.next_invoice_sequence = sequence + 1;
  return `${customer.invoice_prefix ?? "EMU"}-${String(sequence).padStart(4, "0")}`;
}

/** Draft → open: number, customer balance applied, hosted URLs; a zero amount due is paid on the spot. */
export function finalizeInvoice(emu: Emulator, invoice: Stripe.Invoice): void {
  if (invoice.status !== "draft") return;
  const customer = emu.store.customers.get(String(invoice.customer));
  const now = emu.nowFor(customer?.id);
  computeInvoiceTotals(emu, invoice);
  const afterBalance = invoice.total + invoice.starting_balance;
  invoice.ending_balance = Math.min(0, afterBalance);
  if (customer) {
    // The balance is used up by this invoice: a debit is added to it, a credit pays (part of) it.
    const applied = invoice.ending_balance - invoice.starting_balance;
    if (applied !== 0)
      recordBalanceTransaction(emu, customer, {
        amount: applied,
        type: "applied_to_invoice",
        currency: invoice.currency,
        invoice: invoice.id,
      });
    invoice.number = nextInvoiceNumber(emu, customer);
  }
  const daysUntilDue = emu.store.invoiceDaysUntilDue.get(invoice.id);
  if (daysUntilDue !== undefined) {
    invoice.due_date = now + daysUntilDue * DAY;
    emu.store.invoiceDaysUntilDue.delete(invoice.id);
  }
  invoice.status = "open";
  invoice.status_transitions.finalized_at = now;
  invoice.effective_at = now;
  invoice.automatically_finalizes_at = null;
  invoice.hosted_invoice_url = emu.resourceUrl(`/invoices/${invoice.id}`);
  invoice.invoice_pdf = emu.resourceUrl(`/invoices/${invoice.id}/pdf`);
  invoice.webhooks_delivered_at = now;
  emitEvent(emu, "invoice.finalized", invoice);
  if (invoice.amount_due === 0) markInvoicePaid(emu, invoice, null);
  else ensurePaymentIntent(emu, invoice);
}

function recordPayment(emu: Emulator, invoice: Stripe.Invoice, now: number, paymentIntentId: string): Stripe.InvoicePayment {
  const payment: Stripe.InvoicePayment = {
    id: newId("inpay"),
    object: "invoice_payment",
    amount_paid: invoice.amount_due,
    amount_requested: invoice.amount_due,
    created: now,
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { type: "payment_intent", payment_intent: paymentIntentId },
    status: "paid",
    status_transitions: { canceled_at: null, paid_at: now },
  };
  emu.store.invoicePayments.set(payment.id, payment);
  return payment;
}

export function markInvoicePaid(emu: Emulator, invoice: Stripe.Invoice, paymentMethodId: string | null): void {
  const now = emu.nowFor(String(invoice.customer));
  let payment: Stripe.InvoicePayment | null = null;
  if (invoice.amount_due > 0) {
    const intent = ensurePaymentIntent(emu, invoice);
    if (intent.status !== "succeeded") paymentIntentSucceeded(emu, intent, paymentMethodId);
    payment = recordPayment(emu, invoice, now, intent.id);
  }
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status = "paid";
  invoice.status_transitions.paid_at = now;
  invoice.next_payment_attempt = null;
  if (payment) {
    invoice.attempted = true;
    invoice.attempt_count += 1;
  }
  if (paymentMethodId) invoice.default_payment_method = invoice.default_payment_method ?? paymentMethodId;
  emitEvent(emu, "invoice.paid", invoice);
  emitEvent(emu, "invoice.payment_succeeded", invoice);
  if (payment) emitEvent(emu, "invoice_payment.paid", payment);
  if (payment) setDelinquent(emu, String(invoice.customer), false);
}

export type PaymentOutcome =
  | { status: "succeeded" }
  | { status: "failed"; error: CardErrorDetails; context?: PaymentErrorContext }
  | { status: "requires_action"; error: CardErrorDetails; context?: PaymentErrorContext };

const NO_PAYMENT_METHOD: CardErrorDetails = {
  code: "invoice_no_customer_payment_method",
  message: "The customer has no attached payment source or default payment method.",
};

export const AUTHENTICATION_REQUIRED: CardErrorDetails = {
  code: "authentication_required",
  declineCode: "authentication_required",
  message: "This payment required an authentication action to complete, but `error_on_requires_action` was set.",
};

/** The payment method an invoice would be charged with: its own, the subscription's, else the customer's default. */
export function paymentMethodFor(emu: Emulator, invoice: Stripe.Invoice): string | null {
  const own = invoice.default_payment_method;
  if (own) return typeof own === "string" ? own : own.id;
  const subId = invoice.parent?.subscription_details?.subscription;
  const sub = typeof subId === "string" ? emu.store.subscriptions.get(subId) : undefined;
  const fromSub = sub?.default_payment_method;
  if (fromSub) return typeof fromSub === "string" ? fromSub : fromSub.id;
  const customer = emu.store.customers.get(String(invoice.customer));
  const fromCustomer = customer?.invoice_settings.default_payment_method;
  if (fromCustomer) return typeof fromCustomer === "string" ? fromCustomer : fromCustomer.id;
  return null;
}

/** What charging `paymentMethodId` would do, without doing it. `authenticated` = the customer completed 3-D Secure. */
export function predictCharge(emu: Emulator, paymentMethodId: string | null, authenticated = false): PaymentOutcome {
  if (!paymentMethodId) return { status: "failed", error: NO_PAYMENT_METHOD };
  const card = cardOfPaymentMethod(emu, paymentMethodId);
  if (!card) return { status: "failed", error: NO_PAYMENT_METHOD };
  switch (card.behaviour) {
    case "succeed":
    case "authentication_required_on_setup":
      return { status: "succeeded" };
    case "authentication_required":
      return authenticated ? { status: "succeeded" } : { status: "requires_action", error: AUTHENTICATION_REQUIRED };
    default:
      return {
        status: "failed",
        error: card.decline ?? { code: "card_declined", declineCode: "generic_decline", message: "Your card was declined." },
      };
  }
}

/** Next retry after a failed attempt (the account's retry schedule), or null once retries are exhausted. */
function nextRetry(emu: Emulator, invoice: Stripe.Invoice): number | null {
  const firstAttempt = invoice.status_transitions.finalized_at ?? invoice.created;
  const days = emu.settings.failedPayments.retryDays[invoice.attempt_count - 1];
  return days === undefined ? null : firstAttempt + Math.round(days * DAY);
}

/** `delinquent` follows the latest automatic charge: true after a failure, false once paid (customer.updated). */
function setDelinquent(emu: Emulator, customerId: string, delinquent: boolean): void {
  const customer = emu.store.customers.get(customerId);
  if (!customer || customer.delinquent === delinquent) return;
  const before = clone(customer);
  customer.delinquent = delinquent;
  emitEvent(emu, "customer.updated", customer, before);
}

/**
 * Charge an open invoice. Emits invoice.paid / invoice.payment_succeeded / invoice_payment.paid, or
 * invoice.payment_failed (+ invoice.payment_action_required for 3-D Secure) with attempt_count and
 * next_payment_attempt. Subscription state follows in `billing/subscriptions`.
 */
export function attemptInvoicePayment(
  emu: Emulator,
  invoice: Stripe.Invoice,
  options: { paymentMethodId?: string | null; authenticated?: boolean; scheduleRetries?: boolean } = {},
): PaymentOutcome {
  if (invoice.status !== "open") return { status: "succeeded" };
  const pm = options.paymentMethodId ?? paymentMethodFor(emu, invoice);
  const outcome = predictCharge(emu, pm, options.authenticated ?? false);
  if (outcome.status === "succeeded") {
    markInvoicePaid(emu, invoice, pm);
    return outcome;
  }
  const intent = ensurePaymentIntent(emu, invoice);
  const charge = paymentIntentFailed(emu, intent, pm, outcome.error, outcome.status === "requires_action");
  const before = clone(invoice);
  invoice.attempted = true;
  invoice.attempt_count += 1;
  invoice.next_payment_attempt = options.scheduleRetries === false ? null : nextRetry(emu, invoice);
  emitEvent(emu, "invoice.payment_failed", invoice);
  if (outcome.status === "requires_action") emitEvent(emu, "invoice.payment_action_required", invoice);
  emitEvent(emu, "invoice.updated", invoice, before);
  setDelinquent(emu, String(invoice.customer), true);
  const paymentMethod = pm ? emu.store.paymentMethods.get(pm) : undefined;
  return {
    ...outcome,
    context: { paymentIntent: clone(intent), charge, ...(paymentMethod ? { paymentMethod: clone(paymentMethod) } : {}) },
  };
}

export function markUncollectible(emu: Emulator, invoice: Stripe.Invoice): void {
  const before = clone(invoice);
  invoice.status = "uncollectible";
  invoice.status_transitions.marked_uncollectible_at = emu.nowFor(String(invoice.customer));
  invoice.next_payment_attempt = null;
  emitEvent(emu, "invoice.marked_uncollectible", invoice);
  emitEvent(emu, "invoice.updated", invoice, before);
}

export function voidInvoice(emu: Emulator, invoice: Stripe.Invoice): void {
  const before = clone(invoice);
  invoice.status = "void";
  invoice.status_transitions.voided_at = emu.nowFor(String(invoice.customer));
  invoice.next_payment_attempt = null;
  invoice.amount_remaining = 0;
  invoice.auto_advance = false;
  emitEvent(emu, "invoice.voided", invoice);
  emitEvent(emu, "invoice.updated", invoice, before);
  cancelPaymentIntent(emu, invoice.id, "void_invoice");
}

export function createInvoiceItem(emu: Emulator, customer: Stripe.Customer, spec: Omit<LineSpec, "invoiceItemId">): Stripe.InvoiceItem {
  const unit = spec.price?.unit_amount ?? (spec.quantity ? spec.amount / spec.quantity : spec.amount);
  const item: Stripe.InvoiceItem = {
    id: newId("ii"),
    object: "invoiceitem",
    amount: spec.amount,
    currency: spec.currency,
    customer: customer.id,
    customer_account: null,
    date: emu.nowFor(customer.id),
    description: spec.description,
    discountable: !spec.proration,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: spec.metadata ?? {},
    net_amount: spec.amount,
    parent: spec.subscriptionId
      ? {
          type: "subscription_details",
          subscription_details: {
            subscription: spec.subscriptionId,
            ...(spec.subscriptionItemId ? { subscription_item: spec.subscriptionItemId } : {}),
          },
        }
      : null,
    period: spec.period,
    pricing: priceDetails(spec.price, unit),
    proration: spec.proration,
    proration_details: {
      credited_items: spec.creditedItems
        ? { type: "invoice_line_items", invoice_line_item_details: spec.creditedItems }
        : spec.creditedInvoiceItem
          ? { type: "invoice_item", invoice_item: spec.creditedInvoiceItem }
          : null,
      discount_amounts: [],
    },
    quantity: spec.quantity,
    quantity_decimal: decimal(spec.quantity),
    tax_rates: spec.taxRates ?? [],
    test_clock: customer.test_clock ?? null,
  };
  emu.store.invoiceItems.set(item.id, item);
  emitEvent(emu, "invoiceitem.created", item);
  return item;
}

/**
 * `paid_out_of_band`: the customer paid outside Stripe. The invoice is paid without a charge: its PaymentIntent is
 * canceled, and Stripe sends invoice.paid but not invoice.payment_succeeded (no payment attempt succeeded).
 */
export function markPaidOutOfBand(emu: Emulator, invoice: Stripe.Invoice): void {
  const before = clone(invoice);
  const now = emu.nowFor(String(invoice.customer));
  cancelPaymentIntent(emu, invoice.id, "automatic");
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status = "paid";
  invoice.status_transitions.paid_at = now;
  invoice.next_payment_attempt = null;
  invoice.auto_advance = false;
  emitEvent(emu, "invoice.paid", invoice);
  emitEvent(emu, "invoice.updated", invoice, before);
}
