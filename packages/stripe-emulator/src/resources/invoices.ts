import type Stripe from "stripe";
import { taxRatesFrom } from "./tax";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import { emitEvent } from "../events";
import { cardError, invalidRequest } from "../http/errors";
import { matchesRange, newestFirst, paginate } from "../http/pagination";
import { registerIncludable } from "../http/expand";
import { getCustomer, getInvoice, getPrice } from "./lookup";
import {
  attemptInvoicePayment,
  createInvoiceItem,
  finalizeInvoice,
  markPaidOutOfBand,
  markUncollectible,
  voidInvoice,
} from "../billing/invoices";
import {
  AUTO_ADVANCE_DELAY,
  addInvoiceItemToDraft,
  createOneOffInvoice,
  deleteDraftInvoice,
  refreshInvoiceItemLine,
  removeInvoiceItemFromDraft,
  sendInvoice,
  updateInvoice,
} from "../billing/one-off-invoices";
import { applyPaymentOutcome } from "../billing/subscriptions";
import { attachPaymentMethod } from "../billing/payment-methods";
import { previewInvoice } from "../billing/preview";
import { confirmationSecret } from "../billing/payment-intents";
import { productIdOf, productName } from "../billing/plans";
import { decimal } from "../json";

function paymentsOf(emu: Emulator, invoiceId: string): Stripe.InvoicePayment[] {
  return newestFirst(emu.store.invoicePayments.values()).filter((p) => p.invoice === invoiceId);
}

export function registerInvoices(router: Router): void {
  registerIncludable("invoice", "payments", (emu, owner) => ({
    object: "list",
    data: paymentsOf(emu, String(owner.id)),
    has_more: false,
    url: "/v1/invoice_payments",
  }));

  registerIncludable("invoice", "confirmation_secret", (emu, owner) => {
    const invoice = emu.store.invoices.get(String(owner.id));
    return invoice ? confirmationSecret(emu, invoice) : null;
  });

  router.post("/v1/invoices/create_preview", ({ emu, params }) => previewInvoice(emu, params));
  router.post("/v1/invoices", ({ emu, params }) => createOneOffInvoice(emu, params));
  router.delete("/v1/invoices/:id", ({ emu, path }) => deleteDraftInvoice(emu, getInvoice(emu, path.id)));
  router.post("/v1/invoices/:id/send", ({ emu, path }) => sendInvoice(emu, getInvoice(emu, path.id)));

  router.get("/v1/invoices", ({ emu, params }) => {
    const customer = params.str("customer");
    const subscription = params.str("subscription");
    const status = params.str("status");
    const collection = params.oneOf("collection_method", ["charge_automatically", "send_invoice"] as const);
    const items = newestFirst(emu.store.invoices.values()).filter(
      (inv) =>
        (!customer || inv.customer === customer) &&
        (!collection || inv.collection_method === collection) &&
        (!params.has("due_date") || (inv.due_date !== null && matchesRange(inv.due_date, params, "due_date"))) &&
        (!subscription || inv.parent?.subscription_details?.subscription === subscription) &&
        (!status || inv.status === status) &&
        matchesRange(inv.created, params, "created"),
    );
    return paginate(items, params, "/v1/invoices", "invoice");
  });
  router.get("/v1/invoices/:id", ({ emu, path }) => getInvoice(emu, path.id));
  router.post("/v1/invoices/:id", ({ emu, path, params }) => updateInvoice(emu, getInvoice(emu, path.id), params));
  router.get("/v1/invoices/:id/lines", ({ emu, path, params }) => {
    const invoice = getInvoice(emu, path.id);
    return paginate(invoice.lines.data, params, `/v1/invoices/${invoice.id}/lines`, "line item");
  });
  router.post("/v1/invoices/:id/finalize", ({ emu, path, params }) => {
    const invoice = getInvoice(emu, path.id);
    if (invoice.status !== "draft")
      throw invalidRequest(
        "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
        undefined,
        "invoice_not_editable",
      );
    const autoAdvance = params.bool("auto_advance");
    if (autoAdvance !== undefined) invoice.auto_advance = autoAdvance;
    finalizeInvoice(emu, invoice);
    // Automatic collection of a one-off invoice: Stripe attempts the charge about an hour after finalization.
    if (
      invoice.status === "open" &&
      invoice.auto_advance &&
      invoice.collection_method === "charge_automatically" &&
      invoice.billing_reason === "manual"
    ) {
      invoice.next_payment_attempt = emu.nowFor(String(invoice.customer)) + AUTO_ADVANCE_DELAY;
    }
    applyPaymentOutcome(emu, invoice);
    return invoice;
  });
  router.post("/v1/invoices/:id/pay", ({ emu, path, params }) => {
    const invoice = getInvoice(emu, path.id);
    if (invoice.status === "paid") throw invalidRequest("Invoice is already paid", undefined, "invoice_already_paid");
    if (invoice.status === "void" || invoice.status === "uncollectible")
      throw invalidRequest(`This invoice is ${invoice.status}`, undefined, "invoice_not_editable");
    const outOfBand = params.bool("paid_out_of_band") ?? false;
    const pmRef = params.str("payment_method");
    if (outOfBand && pmRef) throw invalidRequest("You cannot pass `payment_method` when `paid_out_of_band` is true.", "payment_method");
    if (invoice.status === "draft") finalizeInvoice(emu, invoice);
    if (invoice.status === "paid") return invoice;
    if (outOfBand) {
      markPaidOutOfBand(emu, invoice);
      applyPaymentOutcome(emu, invoice);
      return invoice;
    }
    const pm = pmRef ? attachPaymentMethod(emu, pmRef, String(invoice.customer), "payment_method").id : undefined;
    const outcome = attemptInvoicePayment(emu, invoice, { paymentMethodId: pm });
    applyPaymentOutcome(emu, invoice);
    if (outcome.status !== "succeeded") throw cardError(outcome.error, outcome.context);
    return invoice;
  });
  router.post("/v1/invoices/:id/void", ({ emu, path }) => {
    const invoice = getInvoice(emu, path.id);
    if (invoice.status !== "open" && invoice.status !== "uncollectible")
      throw invalidRequest(`You can only void open invoices.`, undefined, "invoice_not_editable");
    voidInvoice(emu, invoice);
    return invoice;
  });
  router.post("/v1/invoices/:id/mark_uncollectible", ({ emu, path }) => {
    const invoice = getInvoice(emu, path.id);
    if (invoice.status !== "open")
      throw invalidRequest("You can only mark open invoices as uncollectible.", undefined, "invoice_not_editable");
    markUncollectible(emu, invoice);
    return invoice;
  });

  router.get("/v1/invoice_payments", ({ emu, params }) => {
    const invoice = params.str("invoice");
    const items = newestFirst(emu.store.invoicePayments.values()).filter((p) => !invoice || p.invoice === invoice);
    return paginate(items, params, "/v1/invoice_payments", "invoice payment");
  });
  router.get("/v1/invoice_payments/:id", ({ emu, path }) => {
    const payment = emu.store.invoicePayments.get(path.id);
    if (!payment) throw invalidRequest(`No such invoice payment: '${path.id}'`, "id", "resource_missing", 404);
    return payment;
  });

  router.post("/v1/invoiceitems", ({ emu, params }) => {
    const customer = getCustomer(emu, params.requiredStr("customer"), "customer");
    const pricing = params.obj("pricing");
    const priceId = pricing?.str("price") ?? params.str("price");
    const price = priceId ? getPrice(emu, priceId, "pricing[price]") : null;
    const quantity = params.int("quantity") ?? 1;
    const amount = params.int("amount") ?? (price ? (price.unit_amount ?? 0) * quantity : undefined);
    if (amount === undefined) throw invalidRequest("Missing required param: amount.", "amount", "parameter_missing");
    const now = emu.nowFor(customer.id);
    const periodParams = params.obj("period");
    const targetId = params.str("invoice");
    const target = targetId ? getInvoice(emu, targetId, "invoice") : null;
    if (target && target.status !== "draft")
      throw invalidRequest(
        `Invoice ${target.id} is no longer editable: only draft invoices can have items added.`,
        "invoice",
        "invoice_not_editable",
      );
    if (target && target.customer !== customer.id)
      throw invalidRequest(`The invoice ${target.id} does not belong to customer ${customer.id}.`, "invoice");
    const subscriptionId = params.str("subscription");
    if (subscriptionId) {
      const sub = emu.store.subscriptions.get(subscriptionId);
      if (!sub) throw invalidRequest(`No such subscription: '${subscriptionId}'`, "subscription", "resource_missing");
      if (sub.customer !== customer.id)
        throw invalidRequest(`The subscription ${sub.id} does not belong to customer ${customer.id}.`, "subscription");
    }
    const currency = params.str("currency") ?? price?.currency ?? target?.currency ?? customer.currency ?? "usd";
    if (!price && !params.has("currency") && !target && !customer.currency)
      throw invalidRequest("Missing required param: currency.", "currency", "parameter_missing");
    if (target && currency !== target.currency)
      throw invalidRequest(
        `The currency of the invoice item (${currency}) must match the invoice's currency (${target.currency}).`,
        "currency",
      );
    const item = createInvoiceItem(emu, customer, {
      amount,
      currency,
      description: params.str("description") ?? (price ? productName(emu, price) : "Invoice item"),
      price,
      quantity,
      period: { start: periodParams?.int("start") ?? now, end: periodParams?.int("end") ?? now },
      proration: false,
      subscriptionId: subscriptionId ?? null,
      subscriptionItemId: null,
      metadata: params.applyMetadata({}),
      taxRates: taxRatesFrom(emu, params.strArray("tax_rates"), "tax_rates"),
    });
    if (target) addInvoiceItemToDraft(emu, target, item);
    return item;
  });
  router.post("/v1/invoiceitems/:id", ({ emu, path, params }) => {
    const item = emu.store.invoiceItems.get(path.id);
    if (!item) throw invalidRequest(`No such invoiceitem: '${path.id}'`, "id", "resource_missing", 404);
    const invoice = item.invoice ? emu.store.invoices.get(String(item.invoice)) : undefined;
    const money = ["amount", "quantity", "pricing", "period", "description"].some((k) => params.has(k));
    if (item.invoice && invoice?.status !== "draft" && money) {
      throw invalidRequest(
        "You cannot update an invoice item that is attached to an invoice that is no longer a draft.",
        undefined,
        "invoice_not_editable",
      );
    }
    const priceId = params.obj("pricing")?.str("price");
    const price = priceId ? getPrice(emu, priceId, "pricing[price]") : undefined;
    if (price && price.currency !== item.currency)
      throw invalidRequest(
        `The price's currency (${price.currency}) must match the invoice item's currency (${item.currency}).`,
        "pricing[price]",
      );
    const quantity = params.int("quantity");
    const amount = params.int("amount");
    const periodParams = params.obj("period");
    const currentPrice = item.pricing?.price_details?.price;
    const unitPrice = price ?? (typeof currentPrice === "string" ? emu.store.prices.get(currentPrice) : undefined);
    if (quantity !== undefined) {
      item.quantity = quantity;
      item.quantity_decimal = decimal(quantity);
    }
    if (price)
      item.pricing = {
        type: "price_details",
        price_details: { price: price.id, product: productIdOf(price) },
        unit_amount_decimal: decimal(price.unit_amount ?? 0),
      };
    if (amount !== undefined) item.amount = amount;
    else if (unitPrice && (price || quantity !== undefined)) item.amount = (unitPrice.unit_amount ?? 0) * item.quantity;
    item.net_amount = item.amount;
    const description = params.str("description");
    if (description !== undefined) item.description = description;
    if (periodParams) item.period = { start: periodParams.requiredInt("start"), end: periodParams.requiredInt("end") };
    item.metadata = params.applyMetadata(item.metadata ?? {});
    if (invoice?.status === "draft" && money) refreshInvoiceItemLine(emu, invoice, item);
    return item;
  });
  router.post("/v1/invoices/:id/add_lines", ({ emu, path, params }) => {
    const invoice = getInvoice(emu, path.id);
    if (invoice.status !== "draft")
      throw invalidRequest(
        `Invoice ${invoice.id} is no longer editable: only draft invoices can have lines added.`,
        undefined,
        "invoice_not_editable",
      );
    const customer = getCustomer(emu, String(invoice.customer));
    const now = emu.nowFor(customer.id);
    const lines = params.objArray("lines");
    if (!lines || lines.length === 0) throw invalidRequest("Missing required param: lines.", "lines", "parameter_missing");
    // Everything is checked before anything is created.
    const planned = lines.map((line, index) => {
      const name = `lines[${index}]`;
      const existingId = line.str("invoice_item");
      if (existingId) {
        const existing = emu.store.invoiceItems.get(existingId);
        if (!existing) throw invalidRequest(`No such invoiceitem: '${existingId}'`, `${name}[invoice_item]`, "resource_missing");
        if (existing.customer !== customer.id || existing.invoice !== null) {
          throw invalidRequest(
            `The invoice item ${existingId} is not a pending invoice item of customer ${customer.id}.`,
            `${name}[invoice_item]`,
          );
        }
        return { existing, spec: null };
      }
      const priceId = line.obj("pricing")?.str("price");
      const price = priceId ? getPrice(emu, priceId, `${name}[pricing][price]`) : null;
      if (price && price.currency !== invoice.currency)
        throw invalidRequest(
          `The price's currency (${price.currency}) must match the invoice's currency (${invoice.currency}).`,
          `${name}[pricing][price]`,
        );
      const quantity = line.int("quantity") ?? 1;
      const amount = line.int("amount") ?? (price ? (price.unit_amount ?? 0) * quantity : undefined);
      if (amount === undefined) throw invalidRequest(`Missing required param: ${name}[amount].`, `${name}[amount]`, "parameter_missing");
      const period = line.obj("period");
      return {
        existing: null,
        spec: {
          amount,
          currency: invoice.currency,
          description: line.str("description") ?? (price ? productName(emu, price) : "Invoice item"),
          price,
          quantity,
          period: { start: period?.int("start") ?? now, end: period?.int("end") ?? now },
          proration: false,
          subscriptionId: null,
          subscriptionItemId: null,
          metadata: line.applyMetadata({}),
        },
      };
    });
    const items = planned.map((p) => p.existing ?? createInvoiceItem(emu, customer, p.spec));
    addInvoiceItemToDraft(emu, invoice, ...items);
    return invoice;
  });
  router.get("/v1/invoiceitems", ({ emu, params }) => {
    const customer = params.str("customer");
    const invoice = params.str("invoice");
    const pending = params.bool("pending");
    const items = newestFirst(emu.store.invoiceItems.values()).filter(
      (ii) =>
        (!customer || ii.customer === customer) &&
        (!invoice || ii.invoice === invoice) &&
        (pending === undefined || (ii.invoice === null) === pending) &&
        matchesRange(ii.date, params, "created"),
    );
    return paginate(items, params, "/v1/invoiceitems", "invoice item");
  });
  router.get("/v1/invoiceitems/:id", ({ emu, path }) => {
    const item = emu.store.invoiceItems.get(path.id);
    if (!item) throw invalidRequest(`No such invoiceitem: '${path.id}'`, "id", "resource_missing", 404);
    return item;
  });
  router.delete("/v1/invoiceitems/:id", ({ emu, path }) => {
    const item = emu.store.invoiceItems.get(path.id);
    if (!item) throw invalidRequest(`No such invoiceitem: '${path.id}'`, "id", "resource_missing", 404);
    const invoice = item.invoice ? emu.store.invoices.get(String(item.invoice)) : undefined;
    if (item.invoice && invoice?.status !== "draft")
      throw invalidRequest("You cannot delete an invoice item that is attached to an invoice.", undefined, "invoice_not_editable");
    if (invoice) removeInvoiceItemFromDraft(emu, invoice, item);
    emu.store.invoiceItems.delete(item.id);
    emitEvent(emu, "invoiceitem.deleted", item);
    const deleted: Stripe.DeletedInvoiceItem = { id: item.id, object: "invoiceitem", deleted: true };
    return deleted;
  });
}
