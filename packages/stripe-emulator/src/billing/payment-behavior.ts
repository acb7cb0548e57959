import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { emitEvent } from "../events";
import { clone } from "../json";
import { cardError, invalidRequest } from "../http/errors";
import type { Params } from "../http/form";
import { nextPeriodEnd } from "./periods";
import { plannedProrations, type PlannedChange, type ProrationBehavior } from "./changes";
import {
  attemptInvoicePayment,
  createDraftInvoice,
  finalizeInvoice,
  pendingInvoiceItems,
  predictCharge,
  voidInvoice,
  type LineSpec,
  type PaymentOutcome,
} from "./invoices";
import { buildSubscriptionItem, lineForItem, recurringOf } from "./subscriptions";

/**
 * `payment_behavior` on subscription updates, as Stripe applies it when an update invoices now
 * (always_invoice prorations, an interval change, or `trial_end=now`):
 * - `allow_incomplete` (default): the change applies; a failed payment leaves the subscription past_due.
 * - `default_incomplete`: the change applies; the invoice is finalized but not charged, and the
 *   subscription is past_due until it is paid.
 * - `error_if_incomplete`: a payment that would fail is a 402 card error and nothing changes.
 * - `pending_if_incomplete`: a payment that fails leaves the old items in place, records the change in
 *   `pending_update` and applies it once the (open) invoice is paid; it expires after 23 hours.
 */
export const UPDATE_PAYMENT_BEHAVIORS = ["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"] as const;
export type UpdatePaymentBehavior = (typeof UPDATE_PAYMENT_BEHAVIORS)[number];

/** Parameters a pending update may carry (Stripe's pending updates reference). */
const PENDING_UPDATE_PARAMS = new Set([
  "expand",
  "payment_behavior",
  "proration_behavior",
  "proration_date",
  "billing_cycle_anchor",
  "items",
  "trial_end",
  "trial_from_plan",
  "add_invoice_items",
  "metadata",
]);

/** The same for `POST /v1/subscription_items/{id}`. */
export const PENDING_ITEM_UPDATE_PARAMS = new Set([
  "expand",
  "payment_behavior",
  "proration_behavior",
  "proration_date",
  "price",
  "plan",
  "price_data",
  "quantity",
]);

export const PENDING_UPDATE_LIFETIME = 23 * 3600;

export interface UpdateCharge {
  /** Lines the update invoices at once, or null when it invoices nothing now. */
  lines: LineSpec[] | null;
  /** Amount due on that invoice after pending items and the customer's credit balance. */
  amountDue: number;
  outcome: PaymentOutcome;
}

export function subscriptionPaymentMethod(emu: Emulator, sub: Stripe.Subscription): string | null {
  if (sub.default_payment_method)
    return typeof sub.default_payment_method === "string" ? sub.default_payment_method : sub.default_payment_method.id;
  const fromCustomer = emu.store.customers.get(String(sub.customer))?.invoice_settings.default_payment_method;
  if (!fromCustomer) return null;
  return typeof fromCustomer === "string" ? fromCustomer : fromCustomer.id;
}

/** What the update would invoice now and whether charging it would succeed, without changing anything. */
export function predictUpdateCharge(
  emu: Emulator,
  sub: Stripe.Subscription,
  plan: PlannedChange | null,
  behavior: ProrationBehavior,
  at: number,
  endsTrial: boolean,
): UpdateCharge {
  const items = plan ? plan.result : sub.items.data.map((i) => ({ id: i.id, price: i.price, quantity: i.quantity ?? 1 }));
  let lines: LineSpec[] | null = null;
  const fullPeriod = () => {
    const recurring = recurringOf(items[0].price);
    const end = nextPeriodEnd(at, at, recurring.interval, recurring.interval_count);
    return items
      .filter((i) => i.price.recurring?.usage_type !== "metered")
      .map((i) => lineForItem(emu, sub, { id: i.id ?? "", price: i.price, quantity: i.quantity }, at, end));
  };
  if (endsTrial) lines = fullPeriod();
  else if (plan && sub.status !== "trialing" && (behavior === "always_invoice" || plan.intervalChanged)) {
    lines = [...plannedProrations(emu, sub, plan, behavior, at), ...(plan.intervalChanged ? fullPeriod() : [])];
  }
  if (!lines) return { lines: null, amountDue: 0, outcome: { status: "succeeded" } };
  const customer = emu.store.customers.get(String(sub.customer));
  const pending = pendingInvoiceItems(emu, String(sub.customer), sub.id).reduce((sum, ii) => sum + ii.amount, 0);
  const amountDue = Math.max(0, lines.reduce((sum, l) => sum + l.amount, 0) + pending + (customer?.balance ?? 0));
  const outcome = amountDue > 0 ? predictCharge(emu, subscriptionPaymentMethod(emu, sub)) : ({ status: "succeeded" } as const);
  return { lines, amountDue, outcome };
}

/** error_if_incomplete: Stripe answers 402 with the card error and changes nothing. */
export function refuseIfUnpaid(charge: UpdateCharge): void {
  if (charge.outcome.status !== "succeeded") throw cardError(charge.outcome.error);
}

export function assertPendingUpdateParams(params: Params, allowed: ReadonlySet<string> = PENDING_UPDATE_PARAMS): void {
  for (const key of Object.keys(params.raw)) {
    if (!allowed.has(key)) {
      throw invalidRequest(
        `The parameter \`${key}\` cannot be passed when creating a pending subscription update (\`payment_behavior=pending_if_incomplete\`).`,
        key,
      );
    }
  }
}

/**
 * pending_if_incomplete with a payment that fails: invoice the change (the invoice stays open), keep
 * the current items, and describe the change in `pending_update` until the invoice is paid.
 */
export function createPendingUpdate(
  emu: Emulator,
  sub: Stripe.Subscription,
  plan: PlannedChange | null,
  charge: UpdateCharge,
  at: number,
  endsTrial: boolean,
  metadata: Record<string, string> | null,
): void {
  const customer = emu.store.customers.get(String(sub.customer));
  if (!customer || !charge.lines) return;
  const before = clone(sub);
  const invoice = createDraftInvoice(emu, {
    customer,
    subscription: sub,
    billingReason: "subscription_update",
    lines: charge.lines,
    includePendingItems: true,
    periodStart: at,
    periodEnd: at,
    autoFinalizeAt: null,
    currency: sub.currency,
  });
  finalizeInvoice(emu, invoice);
  if (invoice.status === "open") attemptInvoicePayment(emu, invoice, { scheduleRetries: false });
  const items = plan
    ? plan.result
    : sub.items.data.map((i) => ({ id: i.id, price: i.price, quantity: i.quantity ?? 1, metadata: i.metadata }));
  // The pending invoice is latest_invoice while pending_update is set: everything needed to apply or expire it is public.
  const recurring = recurringOf(items[0].price);
  const resets = endsTrial || Boolean(plan?.intervalChanged);
  const end = resets ? nextPeriodEnd(at, at, recurring.interval, recurring.interval_count) : sub.items.data[0].current_period_end;
  const start = resets ? at : sub.items.data[0].current_period_start;
  sub.latest_invoice = invoice.id;
  sub.pending_update = {
    billing_cycle_anchor: resets ? at : null,
    cancel_at_period_end: null,
    discount: null,
    discounts: null,
    expires_at: at + PENDING_UPDATE_LIFETIME,
    metadata,
    subscription_items: items.map((i) => {
      const existing = i.id ? sub.items.data.find((s) => s.id === i.id) : undefined;
      const item = buildSubscriptionItem(
        emu,
        sub.id,
        { price: i.price, quantity: i.quantity, metadata: i.metadata },
        start,
        end,
        existing?.created ?? at,
      );
      return existing ? { ...item, id: existing.id } : item;
    }),
    trial_end: endsTrial ? at : null,
    trial_from_plan: null,
  };
  emitEvent(emu, "customer.subscription.updated", sub, before);
}

/** The open invoice a pending update waits for. */
function pendingInvoiceId(sub: Stripe.Subscription): string | null {
  if (!sub.pending_update) return null;
  return typeof sub.latest_invoice === "string" ? sub.latest_invoice : (sub.latest_invoice?.id ?? null);
}

/**
 * Called for every payment outcome of a subscription invoice. Returns true when the invoice belongs
 * to a pending update, whose subscription status the outcome must not touch: paid applies the update.
 */
export function settlePendingUpdate(emu: Emulator, sub: Stripe.Subscription, invoice: Stripe.Invoice): boolean {
  if (pendingInvoiceId(sub) !== invoice.id) return false;
  if (invoice.status !== "paid") return true;
  const before = clone(sub);
  const update = sub.pending_update as Stripe.Subscription.PendingUpdate;
  sub.pending_update = null;
  if (update.subscription_items) sub.items.data = update.subscription_items;
  if (update.billing_cycle_anchor) sub.billing_cycle_anchor = update.billing_cycle_anchor;
  if (update.metadata) sub.metadata = { ...sub.metadata, ...update.metadata };
  if (update.trial_end !== null && sub.status === "trialing") {
    sub.trial_end = update.trial_end;
    sub.status = "active";
  }
  emitEvent(emu, "customer.subscription.updated", sub, before);
  emitEvent(emu, "customer.subscription.pending_update_applied", sub);
  return true;
}

/** The clock passed `pending_update.expires_at` unpaid: the change is discarded and its invoice voided. */
export function expirePendingUpdate(emu: Emulator, sub: Stripe.Subscription): void {
  const invoiceId = pendingInvoiceId(sub);
  const before = clone(sub);
  sub.pending_update = null;
  const invoice = invoiceId ? emu.store.invoices.get(invoiceId) : undefined;
  if (invoice && invoice.status === "open") voidInvoice(emu, invoice);
  emitEvent(emu, "customer.subscription.updated", sub, before);
  emitEvent(emu, "customer.subscription.pending_update_expired", sub);
}
