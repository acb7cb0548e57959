import "server-only";
import type Stripe from "stripe";
import type { CustomerTaxId, InvoiceTaxLine } from "@/db/schema";
import { parseLookupKey, type BillingInterval } from "@/lib/billing/plans";
import type { TaxRateInfo } from "./gateway";
import { planItemOf } from "./subscription-items";

const toDate = (seconds: number | null | undefined): Date | null =>
  seconds === null || seconds === undefined ? null : new Date(seconds * 1000);

export const idOf = (value: string | { id: string } | null | undefined): string | null =>
  value === null || value === undefined ? null : typeof value === "string" ? value : value.id;

/** The fields of our `subscriptions` row that come from a Stripe subscription. */
export interface SubscriptionSnapshot {
  providerSubscriptionId: string;
  providerCustomerId: string;
  status: Stripe.Subscription.Status;
  /** Null when the price is not in the catalog (e.g. created by hand in the dashboard). */
  planId: string | null;
  priceId: string | null;
  priceLookupKey: string | null;
  interval: BillingInterval | null;
  quantity: number;
  unitAmount: number | null;
  currency: string;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  billingCycleAnchor: Date | null;
  trialStart: Date | null;
  trialEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  scheduleId: string | null;
  metadata: Record<string, string>;
}

/** Maps a Stripe subscription (API 2026-10-28: periods live on the items) to our row's fields. */
export function subscriptionSnapshot(subscription: Stripe.Subscription): SubscriptionSnapshot {
  const item = planItemOf(subscription);
  const price = item?.price;
  const parsed = parseLookupKey(price?.lookup_key);
  const interval: string | undefined = price?.recurring?.interval;
  return {
    providerSubscriptionId: subscription.id,
    providerCustomerId: idOf(subscription.customer) as string,
    status: subscription.status,
    planId: parsed?.plan.id ?? price?.metadata?.plan_id ?? null,
    priceId: price?.id ?? null,
    priceLookupKey: price?.lookup_key ?? null,
    interval: interval === "month" ? "month" : interval === "year" ? "year" : null,
    quantity: item?.quantity ?? 1,
    unitAmount: price?.unit_amount ?? null,
    currency: price?.currency ?? subscription.currency,
    currentPeriodStart: toDate(item?.current_period_start),
    currentPeriodEnd: toDate(item?.current_period_end),
    billingCycleAnchor: toDate(subscription.billing_cycle_anchor),
    trialStart: toDate(subscription.trial_start),
    trialEnd: toDate(subscription.trial_end),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    cancelAt: toDate(subscription.cancel_at),
    canceledAt: toDate(subscription.canceled_at),
    endedAt: toDate(subscription.ended_at),
    scheduleId: idOf(subscription.schedule),
    metadata: { ...subscription.metadata },
  };
}

export interface InvoiceSnapshot {
  providerInvoiceId: string;
  providerCustomerId: string | null;
  providerSubscriptionId: string | null;
  number: string | null;
  status: string;
  billingReason: string | null;
  currency: string;
  subtotal: number;
  total: number;
  amountDue: number;
  amountPaid: number;
  amountRemaining: number;
  /** Credit notes issued after payment (refunds and credits): subtracted from revenue. */
  amountRefunded: number;
  attemptCount: number;
  nextPaymentAttempt: Date | null;
  hostedInvoiceUrl: string | null;
  invoicePdf: string | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  paidAt: Date | null;
  taxes: InvoiceTaxLine[];
  customerTaxIds: CustomerTaxId[];
  providerCreatedAt: Date;
}

/** The tax rate ids an invoice's tax lines name (read them with retrieveTaxRates for invoiceSnapshot). */
export const invoiceTaxRateIds = (invoice: Stripe.Invoice): string[] =>
  (invoice.total_taxes ?? []).flatMap((t) => {
    const id = idOf(t.tax_rate_details?.tax_rate as string | { id: string } | null | undefined);
    return id ? [id] : [];
  });

/** Stripe's `total_taxes` as our tax lines; `rates` (by id) name them. */
function invoiceTaxLines(invoice: Stripe.Invoice, rates: Map<string, TaxRateInfo>): InvoiceTaxLine[] {
  return (invoice.total_taxes ?? []).map((t) => {
    const rateId = idOf(t.tax_rate_details?.tax_rate as string | { id: string } | null | undefined);
    const rate = rateId ? rates.get(rateId) : undefined;
    return {
      amount: t.amount,
      rate: rate?.percentage ?? null,
      displayName: rate?.displayName ?? "Tax",
      inclusive: t.tax_behavior === "inclusive",
      reason: t.taxability_reason ?? null,
      jurisdiction: rate?.jurisdiction ?? null,
    };
  });
}

/** The invoice's fields as our row stores them: the one mapping the sync writes (INVOICE_SYNCED_COLUMNS in lib/billing/stripe-pull.ts). */
export function invoiceSnapshot(invoice: Stripe.Invoice, rates: Map<string, TaxRateInfo> = new Map()): InvoiceSnapshot {
  return {
    providerInvoiceId: invoice.id,
    providerCustomerId: idOf(invoice.customer),
    providerSubscriptionId: idOf(invoice.parent?.subscription_details?.subscription),
    number: invoice.number,
    status: invoice.status ?? "draft",
    billingReason: invoice.billing_reason,
    currency: invoice.currency,
    subtotal: invoice.subtotal,
    total: invoice.total,
    amountDue: invoice.amount_due,
    amountPaid: invoice.amount_paid,
    amountRemaining: invoice.amount_remaining,
    amountRefunded: invoice.post_payment_credit_notes_amount ?? 0,
    attemptCount: invoice.attempt_count,
    nextPaymentAttempt: toDate(invoice.next_payment_attempt),
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    invoicePdf: invoice.invoice_pdf ?? null,
    periodStart: toDate(invoice.period_start),
    periodEnd: toDate(invoice.period_end),
    paidAt: toDate(invoice.status_transitions.paid_at),
    taxes: invoiceTaxLines(invoice, rates),
    customerTaxIds: (invoice.customer_tax_ids ?? []).map((t) => ({ type: t.type, value: t.value ?? "" })),
    providerCreatedAt: toDate(invoice.created) as Date,
  };
}
