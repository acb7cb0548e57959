import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { invalidRequest, parameterMissing } from "../http/errors";
import { randomToken } from "../ids";
import { buildInvoice, buildLineItem, lineSpecFromInvoiceItem, pendingInvoiceItems, type LineSpec } from "./invoices";
import { lineForItem, period, recurringOf } from "./subscriptions";
import { newCycleLines, planItemChanges, plannedProrations, resetsCycle, type PlannedChange, type ProrationBehavior } from "./changes";
import { nextPeriodEnd } from "./periods";
import { getCustomer, getPrice, getSubscription } from "../resources/lookup";
import { itemUpdatesFrom } from "../resources/subscriptions";
import { scheduleIdOf } from "./schedules";
import { discountIds, discountsFrom, proposedDiscounts, subscriptionDiscountsAt } from "./discounts";
import { requireTaxBehavior } from "./tax";

/** Items the subscription will bill at its next renewal: the scheduled next phase's, if a schedule switches then. */
function nextCycleItems(
  emu: Emulator,
  sub: Stripe.Subscription,
  plan: PlannedChange | null,
): Array<{ id: string; price: Stripe.Price; quantity: number }> {
  const current = plan
    ? plan.result.map((r, i) => ({ id: r.id ?? `si_preview_${i}`, price: r.price, quantity: r.quantity }))
    : sub.items.data.map((i) => ({ id: i.id, price: i.price, quantity: i.quantity ?? 1 }));
  const scheduleId = scheduleIdOf(sub);
  const schedule = scheduleId ? emu.store.subscriptionSchedules.get(scheduleId) : undefined;
  const { end } = period(sub);
  const nextPhase = schedule?.phases.find((p) => p.start_date === end);
  if (!plan && nextPhase) {
    return nextPhase.items.map((item, i) => ({
      id: sub.items.data[i]?.id ?? `si_preview_${i}`,
      price: getPrice(emu, typeof item.price === "string" ? item.price : item.price.id),
      quantity: item.quantity ?? 1,
    }));
  }
  return current;
}

/**
 * `POST /v1/invoices/create_preview`: what the customer would be invoiced. With `subscription_details` it shows the
 * prorations of the proposed change (at `proration_date`, default now): for an update that invoices at once
 * (always_invoice, or a new interval, which restarts the cycle and bills the new period now) the invoice it creates,
 * otherwise the next renewal's invoice with the pending items and prorations.
 */
export function previewInvoice(emu: Emulator, params: Params): Stripe.Invoice {
  const subscriptionId = params.str("subscription");
  const sub = subscriptionId ? getSubscription(emu, subscriptionId, "subscription") : null;
  const customerId = params.str("customer") ?? (sub ? String(sub.customer) : undefined);
  if (!customerId) throw parameterMissing("customer");
  const customer = getCustomer(emu, customerId, "customer");
  if (sub && sub.customer !== customer.id) throw invalidRequest("The subscription does not belong to this customer.", "subscription");
  const id = `upcoming_in_${randomToken(24)}`;
  const now = emu.nowFor(customer.id);
  // `discounts` replaces the inherited ones ('' previews without any): checked like a redemption, nothing redeemed.
  const amount = sub ? sub.items.data.reduce((sum, i) => sum + (i.price.unit_amount ?? 0) * (i.quantity ?? 1), 0) : 0;
  const proposed = discountsFrom(
    emu,
    params,
    { customer, amount, currency: sub?.currency ?? "usd", at: now },
    "discounts",
    sub ? discountIds(sub) : [],
  );
  const override = proposed ? proposedDiscounts(emu, proposed, { customer: customer.id, subscription: sub?.id ?? null }, now) : undefined;
  // `automatic_tax[enabled]` previews with Stripe Tax; by default a subscription's own setting applies.
  const automaticTax = params.obj("automatic_tax")?.bool("enabled") ?? sub?.automatic_tax.enabled ?? false;
  if (automaticTax) requireTaxBehavior(sub ? sub.items.data.map((i) => i.price) : []);

  if (!sub) {
    const lines = pendingInvoiceItems(emu, customer.id, null).map((ii) => lineSpecFromInvoiceItem(emu, ii));
    if (lines.length === 0)
      throw invalidRequest("No upcoming invoices for customer: " + customer.id, undefined, "invoice_upcoming_none", 404);
    return build(emu, id, customer, null, "upcoming", lines, now, now, undefined, undefined, override, automaticTax);
  }

  const details = params.obj("subscription_details");
  const behavior: ProrationBehavior =
    details?.oneOf("proration_behavior", ["create_prorations", "always_invoice", "none"] as const) ?? "create_prorations";
  const prorationDate = details?.int("proration_date") ?? now;
  const updates = details ? itemUpdatesFrom(emu, details) : [];
  const plan = updates.length ? planItemChanges(sub, updates, "subscription_details[items]") : null;
  const prorations = plan ? plannedProrations(emu, sub, plan, behavior, prorationDate) : [];
  const { start, end } = period(sub);
  const pending = pendingInvoiceItems(emu, customer.id, sub.id).map((ii) => lineSpecFromInvoiceItem(emu, ii));

  if (plan && (behavior === "always_invoice" || resetsCycle(sub, plan))) {
    // The invoice the update creates at once: the prorations, and when the interval changes (the cycle restarts at
    // the proration date) the new period in full, as the update itself bills it.
    const newPeriod = resetsCycle(sub, plan)
      ? newCycleLines(
          emu,
          sub,
          plan.result.map((r, i) => ({ id: r.id ?? `si_preview_${i}`, price: r.price, quantity: r.quantity })),
          prorationDate,
        )
      : [];
    return build(
      emu,
      id,
      customer,
      sub,
      "subscription_update",
      [...pending, ...prorations, ...newPeriod],
      prorationDate,
      prorationDate,
      undefined,
      prorationDate,
      override,
      automaticTax,
    );
  }
  const willCancel = details?.bool("cancel_at_period_end") ?? sub.cancel_at_period_end;
  if (willCancel || sub.status === "canceled") {
    throw invalidRequest(`No upcoming invoices for customer: ${customer.id}`, undefined, "invoice_upcoming_none", 404);
  }
  const items = nextCycleItems(emu, sub, plan);
  const recurring = recurringOf(items[0].price);
  const nextStart = sub.status === "trialing" && sub.trial_end !== null ? sub.trial_end : end;
  const nextEnd = nextPeriodEnd(sub.billing_cycle_anchor, nextStart, recurring.interval, recurring.interval_count);
  const cycle = items.map((item) => lineForItem(emu, sub, item, nextStart, nextEnd));
  return build(
    emu,
    id,
    customer,
    sub,
    "upcoming",
    [...pending, ...prorations, ...cycle],
    start,
    end,
    nextStart,
    nextStart,
    override,
    automaticTax,
  );
}

function build(
  emu: Emulator,
  id: string,
  customer: Stripe.Customer,
  sub: Stripe.Subscription | null,
  reason: Stripe.Invoice.BillingReason,
  lines: LineSpec[],
  periodStart: number,
  periodEnd: number,
  nextAttempt?: number,
  /** When the previewed invoice would be created: decides which of the subscription's discounts still apply. */
  discountsAt?: number,
  /** The request's `discounts`, replacing the subscription's. */
  override?: Stripe.Discount[],
  automaticTax?: boolean,
): Stripe.Invoice {
  const invoice = buildInvoice(
    emu,
    id,
    {
      customer,
      subscription: sub,
      billingReason: reason,
      lines,
      includePendingItems: false,
      periodStart,
      periodEnd,
      autoFinalizeAt: null,
      currency: lines[0]?.currency ?? sub?.currency ?? "usd",
      discounts: override ?? (sub && discountsAt !== undefined ? subscriptionDiscountsAt(emu, sub, discountsAt, false) : []),
      automaticTax,
    },
    lines.map((l) => buildLineItem(null, l)),
  );
  invoice.next_payment_attempt = nextAttempt ?? null;
  invoice.automatically_finalizes_at = nextAttempt ?? null;
  if (sub && invoice.parent?.subscription_details) {
    const prorationDate = lines.find((l) => l.proration)?.period.start;
    if (prorationDate !== undefined) invoice.parent.subscription_details.subscription_proration_date = prorationDate;
  }
  return invoice;
}
