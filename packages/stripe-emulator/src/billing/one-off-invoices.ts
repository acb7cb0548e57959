import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { emitEvent } from "../events";
import { clone } from "../json";
import { newId } from "../ids";
import { DAY } from "../config";
import { invalidRequest, parameterMissing } from "../http/errors";
import { getCustomer, getSubscription } from "../resources/lookup";
import { attachPaymentMethod, checkAttachable } from "./payment-methods";
import {
  buildLineItem,
  computeInvoiceTotals,
  createDraftInvoice,
  finalizeInvoice,
  lineSpecFromInvoiceItem,
  pendingInvoiceItems,
} from "./invoices";
import { discountsFrom, newRedemptions, redeem } from "./discounts";

/** Stripe finalizes an `auto_advance` draft about an hour after it is created (and charges about an hour after finalization). */
export const AUTO_ADVANCE_DELAY = 3600;

const COLLECTION_METHODS = ["charge_automatically", "send_invoice"] as const;

interface Collection {
  method: Stripe.Invoice.CollectionMethod;
  daysUntilDue: number | null;
  dueDate: number | null;
}

/** `collection_method` with `days_until_due` / `due_date`: send_invoice needs one of them, charge_automatically neither. */
function collectionFrom(params: Params, now: number, current?: Collection): Collection {
  const method = params.oneOf("collection_method", COLLECTION_METHODS) ?? current?.method ?? "charge_automatically";
  const days = params.int("days_until_due");
  const dueDate = params.int("due_date");
  if (days !== undefined && dueDate !== undefined) {
    throw invalidRequest("You may only specify one of these parameters: days_until_due, due_date.", "days_until_due");
  }
  if (method === "charge_automatically") {
    const param = days !== undefined ? "days_until_due" : dueDate !== undefined ? "due_date" : null;
    if (param) throw invalidRequest(`You can only set \`${param}\` when \`collection_method\` is \`send_invoice\`.`, param);
    return { method, daysUntilDue: null, dueDate: null };
  }
  if (days !== undefined && days < 0) throw invalidRequest("This value must be greater than or equal to 0.", "days_until_due");
  if (dueDate !== undefined && dueDate <= now)
    throw invalidRequest("Invalid timestamp: must be an integer Unix timestamp in the future.", "due_date");
  const keep = days === undefined && dueDate === undefined && current?.method === "send_invoice";
  const next: Collection = keep && current ? current : { method, daysUntilDue: days ?? null, dueDate: dueDate ?? null };
  if (next.daysUntilDue === null && next.dueDate === null) throw parameterMissing("days_until_due");
  return next;
}

function applyCollection(emu: Emulator, invoice: Stripe.Invoice, collection: Collection, now: number): void {
  invoice.collection_method = collection.method;
  if (collection.daysUntilDue !== null) {
    emu.store.invoiceDaysUntilDue.set(invoice.id, collection.daysUntilDue);
    invoice.due_date = now + collection.daysUntilDue * DAY;
  } else {
    emu.store.invoiceDaysUntilDue.delete(invoice.id);
    invoice.due_date = collection.dueDate;
  }
}

/**
 * `POST /v1/invoices`: a one-off draft (`billing_reason: manual`). Pending invoice items are taken only with
 * `pending_invoice_items_behavior=include` (the default is `exclude` since 2022-08-01): all the customer's, or with
 * `subscription` only that subscription's. `auto_advance` (default false) finalizes the draft about an hour later.
 */
export function createOneOffInvoice(emu: Emulator, params: Params): Stripe.Invoice {
  const customer = getCustomer(emu, params.requiredStr("customer"), "customer");
  const now = emu.nowFor(customer.id);
  const collection = collectionFrom(params, now);
  const subscription = params.has("subscription") ? getSubscription(emu, params.requiredStr("subscription"), "subscription") : null;
  if (subscription && subscription.customer !== customer.id) {
    throw invalidRequest(`The subscription ${subscription.id} does not belong to customer ${customer.id}.`, "subscription");
  }
  const include = (params.oneOf("pending_invoice_items_behavior", ["include", "exclude"] as const) ?? "exclude") === "include";
  const pmRef = params.str("default_payment_method");
  if (pmRef) checkAttachable(emu, pmRef, customer.id, "default_payment_method");
  const autoAdvance = params.bool("auto_advance") ?? false;
  const pm = pmRef ? attachPaymentMethod(emu, pmRef, customer.id, "default_payment_method").id : null;
  const currency = (params.str("currency") ?? customer.currency ?? subscription?.currency ?? "usd").toLowerCase();
  // `discounts`: coupons or promotion codes checked (against what the invoice takes now) before anything is made.
  const takes = include ? pendingInvoiceItems(emu, customer.id, subscription?.id ?? "any").reduce((sum, ii) => sum + ii.amount, 0) : 0;
  const redemptions = newRedemptions(discountsFrom(emu, params, { customer, amount: takes, currency, at: now }));
  const id = newId("in");
  if (collection.daysUntilDue !== null) emu.store.invoiceDaysUntilDue.set(id, collection.daysUntilDue);
  const discounts = redemptions.map((r) => redeem(emu, r, { customer: customer.id, invoice: id }, now));
  const invoice = createDraftInvoice(emu, {
    id,
    customer,
    subscription,
    billingReason: "manual",
    lines: [],
    includePendingItems: include,
    pendingFrom: subscription?.id ?? "any",
    periodStart: now,
    periodEnd: now,
    autoFinalizeAt: autoAdvance ? now + AUTO_ADVANCE_DELAY : null,
    autoAdvance,
    currency,
    description: params.str("description") ?? null,
    collectionMethod: collection.method,
    dueDate: collection.daysUntilDue !== null ? now + collection.daysUntilDue * DAY : collection.dueDate,
    footer: params.str("footer") ?? customer.invoice_settings.footer ?? null,
    metadata: params.applyMetadata({}),
    defaultPaymentMethod: pm,
    discounts,
  });
  return invoice;
}

/**
 * `POST /v1/invoices/{id}`: a draft is fully editable; once finalized only `auto_advance`, `description`, `footer`,
 * `metadata` and `default_payment_method` (open invoices) can change. Sends invoice.updated.
 */
export function updateInvoice(emu: Emulator, invoice: Stripe.Invoice, params: Params): Stripe.Invoice {
  const draft = invoice.status === "draft";
  const now = emu.nowFor(String(invoice.customer));
  if (!draft) {
    const refused = ["collection_method", "days_until_due", "due_date", "currency"].find((k) => params.has(k));
    if (refused) throw invalidRequest(`Finalized invoices can't be updated in this way`, refused, "invoice_not_editable");
    if (params.has("default_payment_method") && invoice.status !== "open") {
      throw invalidRequest(`Finalized invoices can't be updated in this way`, "default_payment_method", "invoice_not_editable");
    }
  }
  const daysNow = emu.store.invoiceDaysUntilDue.get(invoice.id) ?? null;
  const collection =
    draft && ["collection_method", "days_until_due", "due_date"].some((k) => params.has(k))
      ? collectionFrom(params, now, {
          method: invoice.collection_method,
          daysUntilDue: daysNow,
          dueDate: daysNow === null ? invoice.due_date : null,
        })
      : null;
  const pmRef = params.nullableStr("default_payment_method");
  if (pmRef) checkAttachable(emu, pmRef, String(invoice.customer), "default_payment_method");
  const before = clone(invoice);
  if (collection) applyCollection(emu, invoice, collection, invoice.created);
  if (pmRef !== undefined)
    invoice.default_payment_method =
      pmRef === null ? null : attachPaymentMethod(emu, pmRef, String(invoice.customer), "default_payment_method").id;
  invoice.metadata = params.applyMetadata(invoice.metadata ?? {});
  const description = params.nullableStr("description");
  if (description !== undefined) invoice.description = description;
  const footer = params.nullableStr("footer");
  if (footer !== undefined) invoice.footer = footer;
  const autoAdvance = params.bool("auto_advance");
  if (autoAdvance !== undefined) {
    invoice.auto_advance = autoAdvance;
    if (draft && invoice.billing_reason === "manual")
      invoice.automatically_finalizes_at = autoAdvance ? Math.max(now, invoice.created + AUTO_ADVANCE_DELAY) : null;
  }
  emitEvent(emu, "invoice.updated", invoice, before);
  return invoice;
}

/** `DELETE /v1/invoices/{id}`: only a one-off draft; its invoice items go with it. Sends invoice.deleted. */
export function deleteDraftInvoice(emu: Emulator, invoice: Stripe.Invoice): Stripe.DeletedInvoice {
  if (invoice.status !== "draft") throw invalidRequest("You can only delete draft invoices.", undefined, "invoice_not_editable");
  if (invoice.parent?.subscription_details && invoice.billing_reason !== "manual") {
    throw invalidRequest(
      "You cannot delete a draft invoice created by a subscription; void it after it is finalized instead.",
      undefined,
      "invoice_not_editable",
    );
  }
  for (const item of [...emu.store.invoiceItems.values()]) {
    if (item.invoice === invoice.id) emu.store.invoiceItems.delete(item.id);
  }
  emu.store.invoices.delete(invoice.id);
  emu.store.invoiceDaysUntilDue.delete(invoice.id);
  emitEvent(emu, "invoice.deleted", invoice);
  return { id: invoice.id, object: "invoice", deleted: true };
}

/**
 * `POST /v1/invoices/{id}/send`: for `send_invoice` invoices; a draft is finalized first. The emulator sends no
 * email (neither does Stripe in test mode): it sends the invoice.sent event and the hosted invoice page is the link.
 */
export function sendInvoice(emu: Emulator, invoice: Stripe.Invoice): Stripe.Invoice {
  if (invoice.collection_method !== "send_invoice") {
    throw invalidRequest(
      "You can only manually send an invoice if its collection method is 'send_invoice'.",
      undefined,
      "invoice_not_editable",
    );
  }
  if (invoice.status === "void" || invoice.status === "uncollectible") {
    throw invalidRequest(`You cannot send an invoice with a status of ${invoice.status}.`, undefined, "invoice_not_editable");
  }
  if (invoice.status === "draft") finalizeInvoice(emu, invoice);
  emitEvent(emu, "invoice.sent", invoice);
  return invoice;
}

/** Invoice items created with `invoice=in_…` (or added with add_lines) join that draft as lines (one invoice.updated). */
export function addInvoiceItemToDraft(emu: Emulator, invoice: Stripe.Invoice, ...items: Stripe.InvoiceItem[]): void {
  const before = clone(invoice);
  for (const item of items) {
    item.invoice = invoice.id;
    invoice.lines.data.push(buildLineItem(invoice.id, lineSpecFromInvoiceItem(emu, item)));
  }
  computeInvoiceTotals(emu, invoice);
  emitEvent(emu, "invoice.updated", invoice, before);
}

/** An updated invoice item of a draft: its line is rebuilt from it (invoice.updated). */
export function refreshInvoiceItemLine(emu: Emulator, invoice: Stripe.Invoice, item: Stripe.InvoiceItem): void {
  const before = clone(invoice);
  const index = invoice.lines.data.findIndex((l) => l.parent?.invoice_item_details?.invoice_item === item.id);
  const line = buildLineItem(invoice.id, lineSpecFromInvoiceItem(emu, item));
  if (index >= 0) {
    line.id = invoice.lines.data[index].id;
    invoice.lines.data[index] = line;
  } else {
    invoice.lines.data.push(line);
  }
  computeInvoiceTotals(emu, invoice);
  emitEvent(emu, "invoice.updated", invoice, before);
}

/** Deleting an invoice item of a draft removes its line (invoice.updated). */
export function removeInvoiceItemFromDraft(emu: Emulator, invoice: Stripe.Invoice, item: Stripe.InvoiceItem): void {
  const before = clone(invoice);
  invoice.lines.data = invoice.lines.data.filter(
    (l) => l.parent?.invoice_item_details?.invoice_item !== item.id && l.parent?.subscription_item_details?.invoice_item !== item.id,
  );
  computeInvoiceTotals(emu, invoice);
  emitEvent(emu, "invoice.updated", invoice, before);
}
