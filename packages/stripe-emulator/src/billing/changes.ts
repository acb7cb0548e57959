import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { clone } from "../json";
import { invalidRequest } from "../http/errors";
import { prorationLines, type ItemChange } from "./proration";
import { createDraftInvoice, createInvoiceItem, type LineSpec } from "./invoices";
import {
  buildSubscriptionItem,
  endTrial,
  finalizeAndCollect,
  hasPaymentMethod,
  intervalMismatch,
  lineForItem,
  mixedIntervals,
  period,
  recurringOf,
  renewSubscription,
} from "./subscriptions";
import { emitEvent } from "../events";
import { nextPeriodEnd } from "./periods";
import { planFromPrice } from "./plans";

export type ProrationBehavior = "create_prorations" | "always_invoice" | "none";

export interface ItemUpdate {
  id?: string;
  price?: Stripe.Price;
  quantity?: number;
  deleted?: boolean;
  metadata?: Record<string, string>;
}

export interface PlannedChange {
  changes: ItemChange[];
  /** The items after the change, in order (existing ids kept, new items get ids when applied). */
  result: Array<{ id: string | null; price: Stripe.Price; quantity: number; metadata: Record<string, string> }>;
  intervalChanged: boolean;
}

/** Work out what `items[...]` would do to a subscription without touching it. */
export function planItemChanges(sub: Stripe.Subscription, updates: ItemUpdate[], paramPrefix = "items"): PlannedChange {
  const result: PlannedChange["result"] = sub.items.data.map((item) => ({
    id: item.id,
    price: item.price,
    quantity: item.quantity ?? 1,
    metadata: item.metadata,
  }));
  const changes: ItemChange[] = [];
  updates.forEach((update, index) => {
    if (update.id) {
      const position = result.findIndex((r) => r.id === update.id);
      if (position < 0)
        throw invalidRequest(`No such subscription item: '${update.id}'`, `${paramPrefix}[${index}][id]`, "resource_missing");
      const current = result[position];
      if (update.deleted) {
        changes.push({ itemId: update.id, oldPrice: current.price, oldQuantity: current.quantity, newPrice: null, newQuantity: 0 });
        result.splice(position, 1);
        return;
      }
      const next = {
        id: current.id,
        price: update.price ?? current.price,
        quantity: update.quantity ?? current.quantity,
        metadata: update.metadata ?? current.metadata,
      };
      changes.push({
        itemId: update.id,
        oldPrice: current.price,
        oldQuantity: current.quantity,
        newPrice: next.price,
        newQuantity: next.quantity,
      });
      result[position] = next;
      return;
    }
    if (!update.price)
      throw invalidRequest(
        "You must supply either a price or a plan for each item.",
        `${paramPrefix}[${index}][price]`,
        "parameter_missing",
      );
    result.push({ id: null, price: update.price, quantity: update.quantity ?? 1, metadata: update.metadata ?? {} });
    changes.push({ itemId: "", oldPrice: null, oldQuantity: 0, newPrice: update.price, newQuantity: update.quantity ?? 1 });
  });
  if (result.length === 0) throw invalidRequest("A subscription must have at least one active plan.", paramPrefix);
  const currency = result[0].price.currency;
  if (result.some((r) => r.price.currency !== currency))
    throw invalidRequest("All prices on a subscription must have the same currency.", paramPrefix);
  if (mixedIntervals(result.map((r) => r.price))) throw intervalMismatch(paramPrefix);
  const oldRecurring = recurringOf(sub.items.data[0].price);
  const newRecurring = recurringOf(result[0].price);
  const intervalChanged = oldRecurring.interval !== newRecurring.interval || oldRecurring.interval_count !== newRecurring.interval_count;
  return { changes, result, intervalChanged };
}

/** Lines (credits + charges) the change would produce at `at`. */
export function plannedProrations(
  emu: Emulator,
  sub: Stripe.Subscription,
  plan: PlannedChange,
  behavior: ProrationBehavior,
  at: number,
): LineSpec[] {
  if (behavior === "none" || sub.status === "trialing") return [];
  const { start, end } = period(sub);
  if (plan.intervalChanged) {
    // The billing cycle restarts now: only the unused time of the old items is prorated.
    return prorationLines(
      emu,
      sub,
      plan.changes.filter((c) => c.oldPrice).map((c) => ({ ...c, newPrice: null, newQuantity: 0 })),
      at,
      start,
      end,
    );
  }
  return prorationLines(emu, sub, plan.changes, at, start, end);
}

/** Whether the change restarts the billing cycle now (a new interval outside a trial): Stripe then invoices at once. */
export const resetsCycle = (sub: Stripe.Subscription, plan: PlannedChange): boolean => plan.intervalChanged && sub.status !== "trialing";

/** The new period a cycle reset at `at` bills at once: one line per item, from `at` to one new interval later. */
export function newCycleLines(
  emu: Emulator,
  sub: Stripe.Subscription,
  items: Array<{ id: string; price: Stripe.Price; quantity?: number }>,
  at: number,
): LineSpec[] {
  const recurring = recurringOf(items[0].price);
  const end = nextPeriodEnd(at, at, recurring.interval, recurring.interval_count);
  return items.map((item) => lineForItem(emu, sub, item, at, end));
}

/**
 * Apply an item change: swap prices/quantities, then prorate per `behavior` — pending invoice items
 * (create_prorations), an immediate invoice (always_invoice) or nothing (none). A change of billing interval
 * restarts the cycle and invoices immediately, as Stripe does.
 */
export function applyItemChanges(
  emu: Emulator,
  sub: Stripe.Subscription,
  plan: PlannedChange,
  behavior: ProrationBehavior,
  at: number,
): { prorations: LineSpec[]; before: Stripe.Subscription } {
  const before = clone(sub);
  const prorations = plannedProrations(emu, sub, plan, behavior, at);
  const { start, end } = period(sub);
  let newStart = start;
  let newEnd = end;
  if (plan.intervalChanged && sub.status !== "trialing") {
    const recurring = recurringOf(plan.result[0].price);
    sub.billing_cycle_anchor = at;
    newStart = at;
    newEnd = nextPeriodEnd(at, at, recurring.interval, recurring.interval_count);
  }
  const created = emu.nowFor(String(sub.customer));
  sub.items.data = plan.result.map((r) => {
    const existing = r.id ? sub.items.data.find((i) => i.id === r.id) : undefined;
    if (!existing)
      return buildSubscriptionItem(emu, sub.id, { price: r.price, quantity: r.quantity, metadata: r.metadata }, newStart, newEnd, created);
    existing.price = clone(r.price);
    existing.plan = planFromPrice(r.price);
    if (r.price.recurring?.usage_type !== "metered") existing.quantity = r.quantity;
    existing.metadata = r.metadata;
    existing.current_period_start = newStart;
    existing.current_period_end = newEnd;
    return existing;
  });
  for (const change of plan.changes) {
    if (change.itemId === "") {
      const added = sub.items.data.find((i) => !before.items.data.some((b) => b.id === i.id) && i.price.id === change.newPrice?.id);
      if (added) change.itemId = added.id;
    }
  }
  for (const line of prorations) {
    if (line.subscriptionItemId === "") {
      line.subscriptionItemId = plan.changes.find((c) => c.newPrice?.id === line.price?.id)?.itemId ?? sub.items.data[0].id;
    }
  }
  return { prorations, before };
}

/** After the subscription.updated event: create the proration items and, when needed, the immediate invoice (charged unless `collect` is false). */
export function invoiceChanges(
  emu: Emulator,
  sub: Stripe.Subscription,
  plan: PlannedChange,
  behavior: ProrationBehavior,
  prorations: LineSpec[],
  collect = true,
): Stripe.Invoice | null {
  const customer = emu.store.customers.get(String(sub.customer));
  if (!customer) return null;
  for (const line of prorations) createInvoiceItem(emu, customer, line);
  const cycleReset = resetsCycle(sub, plan);
  // always_invoice invoices the prorations the update makes; with none (a change during a trial) there is no invoice.
  if (!cycleReset && (behavior !== "always_invoice" || prorations.length === 0)) return null;
  const lines: LineSpec[] = cycleReset ? newCycleLines(emu, sub, sub.items.data, period(sub).start) : [];
  const invoice = createDraftInvoice(emu, {
    customer,
    subscription: sub,
    billingReason: "subscription_update",
    lines,
    includePendingItems: true,
    periodStart: emu.nowFor(customer.id),
    periodEnd: emu.nowFor(customer.id),
    autoFinalizeAt: null,
    currency: sub.currency,
  });
  // Stripe reports the new latest_invoice inside the customer.subscription.updated already sent for the change.
  sub.latest_invoice = invoice.id;
  finalizeAndCollect(emu, invoice, collect);
  return invoice;
}

/** `trial_end=now`: the paid period starts immediately and its invoice is charged right away (or awaits payment). */
export function endTrialNow(emu: Emulator, sub: Stripe.Subscription, now: number, collect = true): void {
  sub.trial_end = now;
  // Ending the trial now without a payment method, when trial_settings say `pause` or `cancel`, pauses or cancels it as
  // the trial's own end would (the Stripe CLI's customer.subscription.paused fixture relies on this).
  const missing = sub.trial_settings?.end_behavior.missing_payment_method;
  if ((missing === "pause" || missing === "cancel") && !hasPaymentMethod(emu, sub)) {
    endTrial(emu, sub, now);
    return;
  }
  sub.billing_cycle_anchor = now;
  renewSubscription(emu, sub, now, true);
  const invoice = emu.store.invoices.get(String(sub.latest_invoice));
  if (invoice && invoice.status === "draft") finalizeAndCollect(emu, invoice, collect);
}

/**
 * Apply a planned item change (and/or the end of a trial) the way a subscription update does: swap the
 * items, send customer.subscription.updated (against `before`, the state before the whole update), then
 * create the prorations and, when the change invoices now, the invoice.
 */
export function applyPlannedChange(
  emu: Emulator,
  sub: Stripe.Subscription,
  change: {
    plan: PlannedChange | null;
    behavior: ProrationBehavior;
    at: number;
    endsTrial: boolean;
    collect: boolean;
    before: Stripe.Subscription;
  },
): void {
  const applied = change.plan ? applyItemChanges(emu, sub, change.plan, change.behavior, change.at) : null;
  emitEvent(emu, "customer.subscription.updated", sub, change.before);
  if (change.plan && applied) invoiceChanges(emu, sub, change.plan, change.behavior, applied.prorations, change.collect);
  if (change.endsTrial && sub.status === "trialing") endTrialNow(emu, sub, emu.nowFor(String(sub.customer)), change.collect);
}
