import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { newId } from "../ids";
import { emitEvent } from "../events";
import { clone } from "../json";
import { invalidRequest } from "../http/errors";
import { DRAFT_FINALIZE_DELAY, TRIAL_WILL_END_LEAD } from "../config";
import { nextPeriodEnd } from "./periods";
import { describeInterval, formatAmount, planFromPrice, productName } from "./plans";
import {
  attemptInvoicePayment,
  createDraftInvoice,
  finalizeInvoice,
  markUncollectible,
  type LineSpec,
  type PaymentOutcome,
} from "./invoices";
import { meteredUsage } from "./metering";
import { unitAmountIn } from "./currency";
import { settlePendingUpdate } from "./payment-behavior";
import { cancelPaymentIntent } from "./payment-intents";
import { redeem, subscriptionDiscountsAt, type Redemption } from "./discounts";

export interface ItemSpec {
  price: Stripe.Price;
  quantity: number;
  metadata?: Record<string, string>;
  taxRates?: Stripe.TaxRate[];
}

export function period(sub: Stripe.Subscription): { start: number; end: number } {
  const item = sub.items.data[0];
  return { start: item.current_period_start, end: item.current_period_end };
}

export function recurringOf(price: Stripe.Price): Stripe.Price.Recurring {
  return price.recurring ?? { interval: "month", interval_count: 1, meter: null, trial_period_days: null, usage_type: "licensed" };
}

/** Whether recurring prices bill on more than one interval, which one subscription cannot do. */
export function mixedIntervals(prices: Stripe.Price[]): boolean {
  return new Set(prices.filter((p) => p.recurring).map((p) => `${recurringOf(p).interval}/${recurringOf(p).interval_count}`)).size > 1;
}

/** Stripe's answer to items on different intervals. */
export const intervalMismatch = (param: string) =>
  invalidRequest("Currency and interval fields must match across all plans on this subscription. Found mismatch in interval field.", param);

export function buildSubscriptionItem(
  emu: Emulator,
  subId: string,
  spec: ItemSpec,
  start: number,
  end: number,
  created: number,
): Stripe.SubscriptionItem {
  const metered = spec.price.recurring?.usage_type === "metered";
  return {
    id: newId("si", 14),
    object: "subscription_item",
    billing_thresholds: null,
    created,
    current_period_end: end,
    current_period_start: start,
    current_trial: null,
    discounts: [],
    metadata: spec.metadata ?? {},
    plan: planFromPrice(spec.price),
    price: clone(spec.price),
    ...(metered ? {} : { quantity: spec.quantity }),
    subscription: subId,
    tax_rates: spec.taxRates ?? [],
  };
}

function internals(emu: Emulator, subId: string) {
  let value = emu.store.subscriptionInternals.get(subId);
  if (!value) {
    value = { trialWillEndSentFor: null };
    emu.store.subscriptionInternals.set(subId, value);
  }
  return value;
}

export function markTrialWillEndSent(emu: Emulator, sub: Stripe.Subscription): void {
  internals(emu, sub.id).trialWillEndSentFor = sub.trial_end;
}

/** invoice.upcoming for the renewal at `renewsAt`: a preview of the next invoice (Stripe sends it without an id). */
export function sendUpcomingInvoice(emu: Emulator, sub: Stripe.Subscription, renewsAt: number, preview: Stripe.Invoice | null): void {
  internals(emu, sub.id).upcomingSentFor = renewsAt;
  if (!preview) return;
  const object = clone(preview);
  Reflect.deleteProperty(object, "id");
  emitEvent(emu, "invoice.upcoming", object);
}

export function upcomingSentFor(emu: Emulator, sub: Stripe.Subscription): number | null {
  return internals(emu, sub.id).upcomingSentFor ?? null;
}

export function trialWillEndSent(emu: Emulator, sub: Stripe.Subscription): boolean {
  return internals(emu, sub.id).trialWillEndSentFor === sub.trial_end;
}

export function lineForItem(
  emu: Emulator,
  sub: Stripe.Subscription,
  item: { id: string; price: Stripe.Price; quantity?: number },
  start: number,
  end: number,
): LineSpec {
  const quantity = item.quantity ?? 1;
  const price = item.price;
  const name = productName(emu, price);
  // A subscription in another currency bills the price's currency option.
  const currency = sub.currency || price.currency;
  const unit = unitAmountIn(emu, price, currency);
  return {
    amount: unit * quantity,
    currency,
    description: `${quantity} × ${name} (at ${formatAmount(unit, currency)} / ${describeInterval(price)})`,
    price,
    quantity,
    period: { start, end },
    proration: false,
    subscriptionId: sub.id,
    subscriptionItemId: item.id,
    invoiceItemId: null,
  };
}

function trialLine(emu: Emulator, sub: Stripe.Subscription, item: Stripe.SubscriptionItem, start: number, end: number): LineSpec {
  return {
    amount: 0,
    currency: sub.currency || item.price.currency,
    description: `Trial period for ${productName(emu, item.price)}`,
    price: item.price,
    quantity: item.quantity ?? 1,
    period: { start, end },
    proration: false,
    subscriptionId: sub.id,
    subscriptionItemId: item.id,
    invoiceItemId: null,
  };
}

/** Usage-based lines billed in arrears for the period that just ended. */
function meteredLine(emu: Emulator, sub: Stripe.Subscription, item: Stripe.SubscriptionItem, start: number, end: number): LineSpec {
  const customer = String(sub.customer);
  const usage = meteredUsage(emu, item.price, customer, start, end);
  const price = item.price;
  // Metered prices are usually fractions of a cent (`unit_amount_decimal`, with `unit_amount` null).
  const unit =
    price.unit_amount_decimal !== null && price.unit_amount_decimal !== undefined
      ? Number(String(price.unit_amount_decimal))
      : (price.unit_amount ?? 0);
  return {
    amount: Math.round(unit * usage),
    currency: price.currency,
    description: `${usage} × ${productName(emu, price)} (at ${Number.isInteger(unit) ? formatAmount(unit, price.currency) : `${unit}¢`} / unit)`,
    price,
    quantity: usage,
    period: { start, end },
    proration: false,
    subscriptionId: sub.id,
    subscriptionItemId: item.id,
    invoiceItemId: null,
  };
}

export interface CreateSubscriptionInput {
  customer: Stripe.Customer;
  items: ItemSpec[];
  trialEnd: number | null;
  metadata: Record<string, string>;
  description: string | null;
  defaultPaymentMethod: string | null;
  /** Whether the customer completed 3-D Secure for the first payment (hosted checkout). */
  authenticated: boolean;
  /** `flexible` is the default for new subscriptions since 2025-09-30. */
  billingMode?: Stripe.Subscription.BillingMode.Type;
  /** `default_incomplete`: finalize the first invoice but leave it for the client to confirm (Payment Element). */
  deferPayment?: boolean;
  /** `payment_settings.save_default_payment_method`. */
  saveDefaultPaymentMethod?: "off" | "on_subscription";
  /** `trial_settings.end_behavior.missing_payment_method`. */
  missingPaymentMethod?: "create_invoice" | "pause" | "cancel";
  /** Checked coupons / promotion codes (`discounts`), redeemed onto the new subscription. */
  discounts?: Redemption[];
  /** The Checkout Session the discounts were redeemed through. */
  checkoutSession?: string;
  /** `automatic_tax.enabled` (checked by the caller: prices with a tax behaviour, a customer location). */
  automaticTax?: boolean;
  defaultTaxRates?: Stripe.TaxRate[];
  /** The subscription's currency when it bills a price's `currency_options` (default: the first price's currency). */
  currency?: string;
  /** The subscription schedule that creates it (a schedule made with `customer` and `phases`). */
  schedule?: string;
}

export function billingMode(type: Stripe.Subscription.BillingMode.Type, at: number): Stripe.Subscription.BillingMode {
  return { flexible: type === "flexible" ? { proration_discounts: "included" } : null, type, updated_at: at };
}

export interface CreatedSubscription {
  subscription: Stripe.Subscription;
  invoice: Stripe.Invoice;
  outcome: PaymentOutcome;
}

/**
 * Create a subscription and its first invoice (billing_reason subscription_create), then charge it.
 * Without a trial the subscription starts `incomplete` and becomes `active` once paid (created → updated events);
 * with a trial it starts `trialing` with a $0 paid invoice.
 */
/** The licensed (plan) item of a subscription; metered items ride beside it. */
export function planItemOf(sub: Stripe.Subscription): Stripe.SubscriptionItem {
  return sub.items.data.find((item) => item.price.recurring?.usage_type !== "metered") ?? sub.items.data[0];
}

export function createSubscription(emu: Emulator, input: CreateSubscriptionInput): CreatedSubscription {
  const { customer } = input;
  const now = emu.nowFor(customer.id);
  const id = newId("sub");
  const first = recurringOf(input.items[0].price);
  const trialing = input.trialEnd !== null && input.trialEnd > now;
  const anchor = trialing && input.trialEnd !== null ? input.trialEnd : now;
  const end = trialing && input.trialEnd !== null ? input.trialEnd : nextPeriodEnd(anchor, now, first.interval, first.interval_count);
  const items = input.items.map((spec) => buildSubscriptionItem(emu, id, spec, now, end, now));
  const sub: Stripe.Subscription = {
    id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: input.automaticTax
      ? { disabled_reason: null, enabled: true, liability: { type: "self" } }
      : { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: anchor,
    billing_cycle_anchor_config: null,
    billing_mode: billingMode(input.billingMode ?? "flexible", now),
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: "charge_automatically",
    created: now,
    currency: input.currency ?? input.items[0].price.currency,
    customer: customer.id,
    customer_account: null,
    days_until_due: null,
    default_payment_method: input.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: input.defaultTaxRates ?? [],
    description: input.description,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: "self" } },
    items: { object: "list", data: items, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    // Stripe creates the first invoice in the same operation, so even the created event points at it.
    latest_invoice: newId("in"),
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: input.saveDefaultPaymentMethod ?? "off",
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: input.schedule ?? null,
    start_date: now,
    status: trialing ? "trialing" : "incomplete",
    test_clock: typeof customer.test_clock === "string" ? customer.test_clock : null,
    transfer_data: null,
    trial_end: trialing ? input.trialEnd : null,
    trial_settings: {
      end_behavior: { billing_cycle_anchor: null, missing_payment_method: input.missingPaymentMethod ?? "create_invoice" },
    },
    trial_start: trialing ? now : null,
  };
  emu.store.subscriptions.set(sub.id, sub);
  sub.discounts = (input.discounts ?? []).map(
    (r) => redeem(emu, r, { customer: customer.id, subscription: sub.id, checkoutSession: input.checkoutSession ?? null }, now).id,
  );
  emitEvent(emu, "customer.subscription.created", sub);
  if (trialing && sub.trial_end !== null && sub.trial_end - now <= TRIAL_WILL_END_LEAD) {
    // A trial no longer than the notice period is already "ending": Stripe sends trial_will_end right away.
    markTrialWillEndSent(emu, sub);
    emitEvent(emu, "customer.subscription.trial_will_end", sub);
  }

  const lines = items.map((item) =>
    trialing
      ? trialLine(emu, sub, item, now, end)
      : item.price.recurring?.usage_type === "metered"
        ? { ...meteredLine(emu, sub, item, now, now), amount: 0, quantity: 0 }
        : lineForItem(emu, sub, item, now, end),
  );
  const invoice = createDraftInvoice(emu, {
    customer,
    subscription: sub,
    billingReason: "subscription_create",
    lines,
    includePendingItems: true,
    periodStart: now,
    periodEnd: now,
    autoFinalizeAt: null,
    currency: sub.currency,
    id: String(sub.latest_invoice),
  });
  finalizeInvoice(emu, invoice);
  let outcome: PaymentOutcome = { status: "succeeded" };
  if (invoice.status === "open" && !input.deferPayment) {
    outcome = attemptInvoicePayment(emu, invoice, { authenticated: input.authenticated, scheduleRetries: false });
  }
  if (invoice.status === "paid" && sub.status === "incomplete") {
    const before = clone(sub);
    sub.status = "active";
    emitEvent(emu, "customer.subscription.updated", sub, before);
  }
  return { subscription: sub, invoice, outcome };
}

/** Whether anything could be charged: the subscription's or the customer's default payment method. */
export function hasPaymentMethod(emu: Emulator, sub: Stripe.Subscription): boolean {
  if (sub.default_payment_method) return true;
  return !!emu.store.customers.get(String(sub.customer))?.invoice_settings.default_payment_method;
}

/**
 * The trial ends: billed like a renewal, unless there is no payment method and trial_settings say `pause`
 * (status `paused`, customer.subscription.paused, no invoice until resumed) or `cancel` (canceled at the
 * trial's end, customer.subscription.deleted, no invoice).
 */
export function endTrial(emu: Emulator, sub: Stripe.Subscription, at: number): void {
  if (sub.trial_settings?.end_behavior.missing_payment_method === "cancel" && !hasPaymentMethod(emu, sub)) {
    cancelSubscription(emu, sub, { reason: "cancellation_requested" });
    return;
  }
  if (sub.trial_settings?.end_behavior.missing_payment_method === "pause" && !hasPaymentMethod(emu, sub)) {
    const before = clone(sub);
    sub.status = "paused";
    emitEvent(emu, "customer.subscription.updated", sub, before);
    emitEvent(emu, "customer.subscription.paused", sub);
    return;
  }
  renewSubscription(emu, sub, at, true);
}

/** `POST /v1/subscriptions/:id/resume`: a new period starts now, invoiced and charged at once. */
export function resumeSubscription(emu: Emulator, sub: Stripe.Subscription): void {
  const customer = emu.store.customers.get(String(sub.customer));
  if (!customer) return;
  const now = emu.nowFor(customer.id);
  const before = clone(sub);
  const recurring = recurringOf(sub.items.data[0].price);
  const end = nextPeriodEnd(now, now, recurring.interval, recurring.interval_count);
  for (const item of sub.items.data) {
    item.current_period_start = now;
    item.current_period_end = end;
  }
  sub.billing_cycle_anchor = now;
  sub.status = "active";
  const invoice = createDraftInvoice(emu, {
    customer,
    subscription: sub,
    billingReason: "subscription_cycle",
    lines: sub.items.data.map((item) => lineForItem(emu, sub, item, now, end)),
    includePendingItems: true,
    periodStart: now,
    periodEnd: now,
    autoFinalizeAt: null,
    currency: sub.currency,
  });
  sub.latest_invoice = invoice.id;
  emitEvent(emu, "customer.subscription.resumed", sub);
  emitEvent(emu, "customer.subscription.updated", sub, before);
  finalizeAndCharge(emu, invoice);
}

/** Start the next billing period: advance the items' period, draft the cycle invoice (finalized ~1 h later). */
export function renewSubscription(emu: Emulator, sub: Stripe.Subscription, at: number, reasonTrialEnd = false): void {
  const before = clone(sub);
  const customer = emu.store.customers.get(String(sub.customer));
  if (!customer) return;
  const { start: oldStart, end: oldEnd } = period(sub);
  const recurring = recurringOf(sub.items.data[0].price);
  const newStart = reasonTrialEnd && sub.trial_end !== null ? sub.trial_end : oldEnd;
  const newEnd = nextPeriodEnd(sub.billing_cycle_anchor, newStart, recurring.interval, recurring.interval_count);
  const lines: LineSpec[] = [];
  for (const item of sub.items.data) {
    if (item.price.recurring?.usage_type === "metered") lines.push(meteredLine(emu, sub, item, oldStart, oldEnd));
    else lines.push(lineForItem(emu, sub, item, newStart, newEnd));
    item.current_period_start = newStart;
    item.current_period_end = newEnd;
  }
  if (reasonTrialEnd) sub.status = "active";
  const invoice = createDraftInvoice(emu, {
    customer,
    subscription: sub,
    billingReason: "subscription_cycle",
    lines,
    includePendingItems: true,
    periodStart: oldStart,
    periodEnd: oldEnd,
    autoFinalizeAt: at + DRAFT_FINALIZE_DELAY,
    currency: sub.currency,
    // The new period's start decides which discounts still apply, as the preview of this renewal does.
    discounts: subscriptionDiscountsAt(emu, sub, newStart, true),
  });
  sub.latest_invoice = invoice.id;
  emitEvent(emu, "customer.subscription.updated", sub, before);
}

/** Reflect an invoice payment outcome on its subscription (past_due, recovery to active, or cancel after retries). */
export function applyPaymentOutcome(emu: Emulator, invoice: Stripe.Invoice): void {
  const subId = invoice.parent?.subscription_details?.subscription;
  const sub = typeof subId === "string" ? emu.store.subscriptions.get(subId) : undefined;
  if (!sub || sub.status === "canceled" || sub.status === "incomplete_expired") return;
  if (settlePendingUpdate(emu, sub, invoice)) return;
  const before = clone(sub);
  if (invoice.status === "paid") {
    if (sub.status === "past_due" || sub.status === "unpaid" || sub.status === "incomplete") {
      sub.status = "active";
      emitEvent(emu, "customer.subscription.updated", sub, before);
    }
    return;
  }
  if (invoice.billing_reason === "subscription_create") return;
  if (sub.status === "active" || sub.status === "trialing") {
    sub.status = "past_due";
    emitEvent(emu, "customer.subscription.updated", sub, before);
  }
  const settings = emu.settings.failedPayments;
  const exhausted =
    invoice.status === "open" && invoice.next_payment_attempt === null && (invoice.attempt_count > 1 || settings.retryDays.length === 0);
  if (exhausted) retriesExhausted(emu, sub, invoice);
}

/** Every retry failed: the account's settings decide the invoice's and the subscription's end state. */
function retriesExhausted(emu: Emulator, sub: Stripe.Subscription, invoice: Stripe.Invoice): void {
  const settings = emu.settings.failedPayments;
  if (settings.invoiceStatus === "uncollectible") markUncollectible(emu, invoice);
  if (settings.subscriptionStatus === "cancel") {
    cancelSubscription(emu, sub, { reason: "payment_failed" });
  } else if (settings.subscriptionStatus === "unpaid" && sub.status !== "unpaid") {
    const before = clone(sub);
    sub.status = "unpaid";
    emitEvent(emu, "customer.subscription.updated", sub, before);
  }
}

export function finalizeAndCharge(emu: Emulator, invoice: Stripe.Invoice): void {
  finalizeAndCollect(emu, invoice, true);
}

/**
 * Finalize, then charge (`collect`) or leave the invoice open for the customer to pay
 * (`payment_behavior=default_incomplete` on an update: the subscription is past_due meanwhile).
 */
export function finalizeAndCollect(emu: Emulator, invoice: Stripe.Invoice, collect: boolean): void {
  finalizeInvoice(emu, invoice);
  // A send_invoice invoice waits for the customer to pay it (hosted page or /pay); it is never charged automatically.
  if (invoice.status === "open" && collect && invoice.collection_method === "charge_automatically") attemptInvoicePayment(emu, invoice);
  // Automatic advancement emails a send_invoice invoice once finalized (the emulator only sends the event).
  if (invoice.status === "open" && invoice.collection_method === "send_invoice") emitEvent(emu, "invoice.sent", invoice);
  if (collect || invoice.status !== "open") {
    applyPaymentOutcome(emu, invoice);
    return;
  }
  const subId = invoice.parent?.subscription_details?.subscription;
  const sub = typeof subId === "string" ? emu.store.subscriptions.get(subId) : undefined;
  if (sub && (sub.status === "active" || sub.status === "trialing")) {
    const before = clone(sub);
    sub.status = "past_due";
    emitEvent(emu, "customer.subscription.updated", sub, before);
  }
}

export function retryInvoice(emu: Emulator, invoice: Stripe.Invoice): void {
  attemptInvoicePayment(emu, invoice);
  applyPaymentOutcome(emu, invoice);
}

export function cancelSubscription(
  emu: Emulator,
  sub: Stripe.Subscription,
  options: {
    reason: "cancellation_requested" | "payment_failed";
    comment?: string | null;
    feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
  },
): Stripe.Subscription {
  const now = emu.nowFor(String(sub.customer));
  sub.status = "canceled";
  sub.ended_at = now;
  sub.canceled_at = sub.canceled_at ?? now;
  sub.cancellation_details = {
    comment: options.comment ?? sub.cancellation_details?.comment ?? null,
    feedback: options.feedback ?? sub.cancellation_details?.feedback ?? null,
    feedback_option: null,
    reason: sub.cancellation_details?.reason ?? options.reason,
  };
  // Canceling stops automatic collection of the subscription's open invoices (they stay open, no more retries).
  for (const inv of emu.store.invoices.values()) {
    if (
      inv.parent?.subscription_details?.subscription !== sub.id ||
      inv.status !== "open" ||
      (!inv.auto_advance && inv.next_payment_attempt === null)
    )
      continue;
    const invBefore = clone(inv);
    inv.next_payment_attempt = null;
    inv.auto_advance = false;
    emitEvent(emu, "invoice.updated", inv, invBefore);
  }
  const scheduleId = typeof sub.schedule === "string" ? sub.schedule : (sub.schedule?.id ?? null);
  emitEvent(emu, "customer.subscription.deleted", sub);
  const schedule = scheduleId ? emu.store.subscriptionSchedules.get(scheduleId) : undefined;
  if (schedule && (schedule.status === "active" || schedule.status === "not_started")) {
    schedule.status = "canceled";
    schedule.canceled_at = now;
    schedule.current_phase = null;
    emitEvent(emu, "subscription_schedule.canceled", schedule);
  }
  return sub;
}

/** A first invoice left unpaid for 23 hours expires the subscription. */
export function expireIncomplete(emu: Emulator, sub: Stripe.Subscription): void {
  const before = clone(sub);
  sub.status = "incomplete_expired";
  sub.ended_at = emu.nowFor(String(sub.customer));
  const invoiceId = typeof sub.latest_invoice === "string" ? sub.latest_invoice : sub.latest_invoice?.id;
  const invoice = invoiceId ? emu.store.invoices.get(invoiceId) : undefined;
  if (invoice && invoice.status === "open") {
    const invBefore = clone(invoice);
    invoice.status = "void";
    invoice.status_transitions.voided_at = sub.ended_at;
    invoice.next_payment_attempt = null;
    emitEvent(emu, "invoice.voided", invoice);
    emitEvent(emu, "invoice.updated", invoice, invBefore);
    cancelPaymentIntent(emu, invoice.id, "void_invoice");
  }
  emitEvent(emu, "customer.subscription.updated", sub, before);
}
