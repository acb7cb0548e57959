import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import type { LineSpec } from "./invoices";
import { productName } from "./plans";
import { formatDate } from "./periods";

export interface ItemChange {
  itemId: string;
  oldPrice: Stripe.Price | null;
  oldQuantity: number;
  newPrice: Stripe.Price | null;
  newQuantity: number;
}

type Debit = { amount: number; length: number; credited: LineSpec["creditedItems"]; creditedInvoiceItem: string | null };

/**
 * What was debited for a subscription item's period covering `at`: the latest charge — a pending proration invoice
 * item (a change made with create_prorations, not invoiced yet), else the latest invoice line (the period's line, or
 * the proration that started the item's current price and quantity) and the invoice it is on.
 */
function debitedFor(emu: Emulator, itemId: string, at: number): Debit | null {
  const covers = (p: { start: number; end: number }) => p.start <= at && at < p.end && p.end > p.start;
  let found: Debit | null = null;
  for (const ii of emu.store.invoiceItems.values()) {
    if (ii.invoice !== null || ii.amount <= 0 || ii.parent?.subscription_details?.subscription_item !== itemId || !covers(ii.period))
      continue;
    found = { amount: ii.amount, length: ii.period.end - ii.period.start, credited: null, creditedInvoiceItem: ii.id };
  }
  if (found) return found;
  for (const invoice of emu.store.invoices.values()) {
    if (invoice.status === "draft" || invoice.status === "void") continue;
    for (const line of invoice.lines.data) {
      const lineItem = line.parent?.subscription_item_details?.subscription_item ?? null;
      if (lineItem !== itemId || line.amount <= 0 || !covers(line.period)) continue;
      found = {
        amount: line.amount,
        length: line.period.end - line.period.start,
        credited: { invoice: invoice.id, invoice_line_items: [line.id] },
        creditedInvoiceItem: null,
      };
    }
  }
  return found;
}

/**
 * Proration for a mid-period change at `at` within [start, end): a credit for the unused time of the old price and
 * a charge for the remaining time of the new one, each `amount × remaining / period` to the second, rounded to the
 * minor unit (Stripe rounds each line separately).
 */
export function prorationLines(
  emu: Emulator,
  sub: Stripe.Subscription,
  changes: ItemChange[],
  at: number,
  periodStart: number,
  periodEnd: number,
): LineSpec[] {
  const total = periodEnd - periodStart;
  const remaining = periodEnd - at;
  if (total <= 0 || remaining <= 0) return [];
  const fraction = remaining / total;
  const date = formatDate(at);
  const lines: LineSpec[] = [];
  for (const change of changes) {
    const samePrice = change.oldPrice?.id === change.newPrice?.id;
    if (samePrice && change.oldQuantity === change.newQuantity) continue;
    if (change.oldPrice && change.oldPrice.recurring?.usage_type !== "metered") {
      const full = (change.oldPrice.unit_amount ?? 0) * change.oldQuantity;
      // Flexible billing mode credits what was actually debited for the item's current period; classic the price.
      const debited = sub.billing_mode?.type === "flexible" ? debitedFor(emu, change.itemId, at) : null;
      const credit = debited ? Math.round(debited.amount * ((periodEnd - at) / debited.length)) : Math.round(full * fraction);
      lines.push({
        amount: -credit,
        creditedItems: debited?.credited ?? null,
        creditedInvoiceItem: debited?.creditedInvoiceItem ?? null,
        currency: change.oldPrice.currency,
        description: `Unused time on ${change.oldQuantity > 1 ? `${change.oldQuantity} × ` : ""}${productName(emu, change.oldPrice)} after ${date}`,
        price: change.oldPrice,
        quantity: change.oldQuantity,
        period: { start: at, end: periodEnd },
        proration: true,
        subscriptionId: sub.id,
        subscriptionItemId: change.itemId,
        invoiceItemId: null,
      });
    }
    if (change.newPrice && change.newPrice.recurring?.usage_type !== "metered") {
      const full = (change.newPrice.unit_amount ?? 0) * change.newQuantity;
      lines.push({
        amount: Math.round(full * fraction),
        currency: change.newPrice.currency,
        description: `Remaining time on ${change.newQuantity > 1 ? `${change.newQuantity} × ` : ""}${productName(emu, change.newPrice)} after ${date}`,
        price: change.newPrice,
        quantity: change.newQuantity,
        period: { start: at, end: periodEnd },
        proration: true,
        subscriptionId: sub.id,
        subscriptionItemId: change.itemId,
        invoiceItemId: null,
      });
    }
  }
  return lines;
}
