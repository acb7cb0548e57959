import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { newId } from "../ids";
import { emitEvent } from "../events";
import { clone, decimal } from "../json";
import { invalidRequest } from "../http/errors";
import { getInvoice } from "../resources/lookup";
import { computeInvoiceTotals, recordBalanceTransaction } from "./invoices";
import { cancelPaymentIntent, paymentIntentOfInvoice } from "./payment-intents";

const REASONS = ["duplicate", "fraudulent", "order_change", "product_unsatisfactory"] as const;

/** What a credit note request would do, worked out without changing anything (create and preview share it). */
export interface CreditNotePlan {
  invoice: Stripe.Invoice;
  lines: Stripe.CreditNoteLineItem[];
  total: number;
  pre: number;
  post: number;
  refundAmount: number;
  creditAmount: number;
  outOfBandAmount: number;
  charge: Stripe.Charge | null;
  reason: Stripe.CreditNote.Reason | null;
  memo: string | null;
  metadata: Record<string, string>;
  effectiveAt: number | null;
}

const money = (cents: number) => (cents / 100).toFixed(2);

/** The charge that paid the invoice (its PaymentIntent's latest successful charge), if any. */
function chargeOf(emu: Emulator, invoice: Stripe.Invoice): Stripe.Charge | null {
  const intent = paymentIntentOfInvoice(emu, invoice.id);
  const chargeId = intent?.status === "succeeded" ? intent.latest_charge : null;
  const charge = typeof chargeId === "string" ? emu.store.charges.get(chargeId) : undefined;
  return charge ?? null;
}

/** The amount still creditable on an invoice: its total less the credit notes already issued (not voided). */
export function creditableAmount(invoice: Stripe.Invoice): number {
  return invoice.total - invoice.pre_payment_credit_notes_amount - invoice.post_payment_credit_notes_amount;
}

function linesFrom(invoice: Stripe.Invoice, params: Params): Stripe.CreditNoteLineItem[] {
  return (params.objArray("lines") ?? []).map((line, index) => {
    const name = `lines[${index}]`;
    const type = line.oneOf("type", ["invoice_line_item", "custom_line_item"] as const);
    if (!type) throw invalidRequest(`Missing required param: ${name}[type].`, `${name}[type]`, "parameter_missing");
    const base = {
      id: newId("cnli"),
      object: "credit_note_line_item" as const,
      discount_amount: 0,
      discount_amounts: [],
      livemode: false,
      metadata: line.applyMetadata({}),
      pretax_credit_amounts: [],
      tax_rates: [],
      taxes: [],
      type,
    };
    if (type === "custom_line_item") {
      const unit = line.int("unit_amount");
      if (unit === undefined)
        throw invalidRequest(`Missing required param: ${name}[unit_amount].`, `${name}[unit_amount]`, "parameter_missing");
      const description = line.str("description");
      if (!description) throw invalidRequest(`Missing required param: ${name}[description].`, `${name}[description]`, "parameter_missing");
      const quantity = line.int("quantity") ?? 1;
      if (unit < 0 || quantity < 1) throw invalidRequest("This value must be greater than or equal to 0.", `${name}[unit_amount]`);
      return { ...base, amount: unit * quantity, description, quantity, unit_amount: unit, unit_amount_decimal: decimal(unit) };
    }
    const lineId = line.str("invoice_line_item");
    if (!lineId)
      throw invalidRequest(`Missing required param: ${name}[invoice_line_item].`, `${name}[invoice_line_item]`, "parameter_missing");
    const invoiceLine = invoice.lines.data.find((l) => l.id === lineId);
    if (!invoiceLine) throw invalidRequest(`No such invoice line item: '${lineId}'`, `${name}[invoice_line_item]`, "resource_missing");
    const lineQuantity = invoiceLine.quantity ?? 1;
    const unit = lineQuantity ? Math.round(invoiceLine.amount / lineQuantity) : invoiceLine.amount;
    const amountParam = line.int("amount");
    const quantity = line.int("quantity");
    if (amountParam !== undefined && quantity !== undefined) {
      throw invalidRequest("You may only specify one of these parameters: amount, quantity.", `${name}[amount]`);
    }
    if (quantity !== undefined && quantity > lineQuantity) {
      throw invalidRequest(
        `The quantity (${quantity}) cannot exceed the invoice line item's quantity (${lineQuantity}).`,
        `${name}[quantity]`,
      );
    }
    const amount = amountParam ?? (quantity !== undefined ? unit * quantity : invoiceLine.amount);
    if (amount < 0 || amount > invoiceLine.amount) {
      throw invalidRequest(
        `The amount (${amount}) must be between 0 and the invoice line item's amount (${invoiceLine.amount}).`,
        `${name}[amount]`,
      );
    }
    return {
      ...base,
      amount,
      description: line.str("description") ?? invoiceLine.description,
      invoice_line_item: invoiceLine.id,
      quantity: quantity ?? (amountParam === undefined ? lineQuantity : null),
      unit_amount: amountParam === undefined ? unit : null,
      unit_amount_decimal: amountParam === undefined ? decimal(unit) : null,
    };
  });
}

/**
 * Checks a credit note request the way Stripe does: the invoice must be finalized (open or paid), the amount
 * (`amount`, or the sum of `lines`) at most what is still creditable; it first reduces what is still due on the
 * invoice (`pre_payment_amount`), and the rest (`post_payment_amount`) must be exactly covered by
 * `refund_amount` + `credit_amount` + `out_of_band_amount`.
 */
export function planCreditNote(emu: Emulator, params: Params): CreditNotePlan {
  const invoice = getInvoice(emu, params.requiredStr("invoice"), "invoice");
  if (invoice.status !== "open" && invoice.status !== "paid") {
    throw invalidRequest(
      `Credit notes can only be created for finalized invoices that are open or paid; invoice ${invoice.id} is ${invoice.status}.`,
      "invoice",
      "invoice_not_editable",
    );
  }
  const lines = linesFrom(invoice, params);
  const amountParam = params.int("amount");
  if (amountParam === undefined && lines.length === 0) {
    throw invalidRequest("One of `amount`, `lines`, or `shipping_cost` must be provided.", "amount", "parameter_missing");
  }
  const linesTotal = lines.reduce((sum, l) => sum + l.amount, 0);
  if (amountParam !== undefined && lines.length > 0 && amountParam !== linesTotal) {
    throw invalidRequest(`The amount (${amountParam}) must equal the sum of the line amounts (${linesTotal}).`, "amount");
  }
  const total = amountParam ?? linesTotal;
  if (total <= 0) throw invalidRequest("The credit note amount must be greater than 0.", "amount");
  const max = creditableAmount(invoice);
  if (total > max) {
    throw invalidRequest(
      `The credit note amount ($${money(total)}) exceeds the amount that can still be credited on invoice ${invoice.id} ($${money(max)}).`,
      "amount",
    );
  }
  const pre = invoice.status === "open" ? Math.min(total, invoice.amount_remaining) : 0;
  const post = total - pre;
  const refundAmount = params.int("refund_amount") ?? 0;
  const creditAmount = params.int("credit_amount") ?? 0;
  const outOfBandAmount = params.int("out_of_band_amount") ?? 0;
  for (const [key, value] of [
    ["refund_amount", refundAmount],
    ["credit_amount", creditAmount],
    ["out_of_band_amount", outOfBandAmount],
  ] as const) {
    if (value < 0) throw invalidRequest("This value must be greater than or equal to 0.", key);
  }
  if (refundAmount + creditAmount + outOfBandAmount !== post) {
    throw invalidRequest(
      `The sum of refund_amount, credit_amount and out_of_band_amount ($${money(refundAmount + creditAmount + outOfBandAmount)}) must equal the credit note's post-payment amount ($${money(post)}): the part of the credit note beyond what is still due on the invoice.`,
      refundAmount ? "refund_amount" : creditAmount ? "credit_amount" : "out_of_band_amount",
    );
  }
  const charge = refundAmount > 0 ? chargeOf(emu, invoice) : null;
  if (refundAmount > 0) {
    if (!charge) throw invalidRequest(`Invoice ${invoice.id} was not paid with a charge, so nothing can be refunded.`, "refund_amount");
    const refundable = charge.amount - charge.amount_refunded;
    if (refundAmount > refundable) {
      throw invalidRequest(
        `Refund amount ($${money(refundAmount)}) is greater than unrefunded amount on charge ($${money(refundable)})`,
        "refund_amount",
      );
    }
  }
  return {
    invoice,
    lines,
    total,
    pre,
    post,
    refundAmount,
    creditAmount,
    outOfBandAmount,
    charge,
    reason: params.oneOf("reason", REASONS) ?? null,
    memo: params.str("memo") ?? null,
    metadata: params.applyMetadata({}),
    effectiveAt: params.int("effective_at") ?? null,
  };
}

export function buildCreditNote(emu: Emulator, plan: CreditNotePlan, id: string, sequence: number): Stripe.CreditNote {
  const { invoice } = plan;
  const created = emu.nowFor(String(invoice.customer));
  return {
    id,
    object: "credit_note",
    amount: plan.total,
    amount_shipping: 0,
    created,
    currency: invoice.currency,
    customer: String(invoice.customer),
    customer_account: null,
    customer_balance_transaction: null,
    discount_amount: 0,
    discount_amounts: [],
    effective_at: plan.effectiveAt ?? created,
    invoice: invoice.id,
    lines: { object: "list", data: plan.lines.map((l) => clone(l)), has_more: false, url: `/v1/credit_notes/${id}/lines` },
    livemode: false,
    memo: plan.memo,
    metadata: plan.metadata,
    number: `${invoice.number ?? invoice.id}-CN-${String(sequence).padStart(2, "0")}`,
    out_of_band_amount: plan.outOfBandAmount || null,
    pdf: emu.resourceUrl(`/invoices/${invoice.id}/pdf`),
    post_payment_amount: plan.post,
    pre_payment_amount: plan.pre,
    pretax_credit_amounts: [],
    reason: plan.reason,
    refunds: [],
    shipping_cost: null,
    status: "issued",
    subtotal: plan.total,
    subtotal_excluding_tax: plan.total,
    total: plan.total,
    total_excluding_tax: plan.total,
    total_taxes: [],
    type: plan.pre && plan.post ? "mixed" : plan.pre ? "pre_payment" : "post_payment",
    voided_at: null,
  };
}

/** A refund of (part of) a charge: charge.refunded and refund.created, the charge's `amount_refunded` grows. */
export function refundCharge(emu: Emulator, charge: Stripe.Charge, amount: number, reason: Stripe.Refund.Reason | null): Stripe.Refund {
  const refund: Stripe.Refund = {
    id: newId("re"),
    object: "refund",
    amount,
    balance_transaction: newId("txn"),
    charge: charge.id,
    created: emu.nowFor(typeof charge.customer === "string" ? charge.customer : null),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    destination_details: {
      type: "card",
      card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" },
    },
    metadata: {},
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
  };
  emu.store.refunds.set(refund.id, refund);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
  emitEvent(emu, "charge.refunded", charge);
  emitEvent(emu, "refund.created", refund);
  return refund;
}

/** The invoice's PaymentIntent asks for what is still due after pre-payment credit notes. */
function syncPaymentIntent(emu: Emulator, invoice: Stripe.Invoice): void {
  const intent = paymentIntentOfInvoice(emu, invoice.id);
  if (intent && intent.status !== "succeeded" && intent.status !== "canceled" && invoice.amount_remaining > 0)
    intent.amount = invoice.amount_remaining;
}

/**
 * Issues the credit note: the refund (on the invoice's charge), the customer balance credit, the invoice's
 * pre/post payment credit note amounts. An open invoice whose amount due the credit note covers entirely is
 * marked paid (its PaymentIntent canceled), as Stripe does. Events: [charge.refunded, refund.created,]
 * credit_note.created, invoice.updated[, invoice.paid], [customer.updated].
 */
export function issueCreditNote(emu: Emulator, plan: CreditNotePlan): Stripe.CreditNote {
  const { invoice } = plan;
  const sequence = [...emu.store.creditNotes.values()].filter((c) => c.invoice === invoice.id).length + 1;
  const note = buildCreditNote(emu, plan, newId("cn"), sequence);
  if (plan.refundAmount > 0 && plan.charge) {
    const refund = refundCharge(
      emu,
      plan.charge,
      plan.refundAmount,
      plan.reason === "duplicate" || plan.reason === "fraudulent" ? plan.reason : "requested_by_customer",
    );
    note.refunds = [{ amount_refunded: refund.amount, payment_record_refund: null, refund: refund.id, type: "refund" }];
  }
  const customer = emu.store.customers.get(String(invoice.customer));
  let customerBefore: Stripe.Customer | null = null;
  if (plan.creditAmount > 0 && customer) {
    customerBefore = clone(customer);
    note.customer_balance_transaction = recordBalanceTransaction(emu, customer, {
      amount: -plan.creditAmount,
      type: "credit_note",
      currency: invoice.currency,
      creditNote: note.id,
      invoice: invoice.id,
    }).id;
  }
  emu.store.creditNotes.set(note.id, note);
  emitEvent(emu, "credit_note.created", note);

  const before = clone(invoice);
  invoice.pre_payment_credit_notes_amount += plan.pre;
  invoice.post_payment_credit_notes_amount += plan.post;
  computeInvoiceTotals(emu, invoice);
  const settled = invoice.status === "open" && invoice.amount_remaining === 0;
  if (settled) {
    invoice.status = "paid";
    invoice.status_transitions.paid_at = emu.nowFor(String(invoice.customer));
    invoice.next_payment_attempt = null;
    cancelPaymentIntent(emu, invoice.id, "automatic");
  } else {
    syncPaymentIntent(emu, invoice);
  }
  emitEvent(emu, "invoice.updated", invoice, before);
  if (settled) emitEvent(emu, "invoice.paid", invoice);
  if (customer && customerBefore) emitEvent(emu, "customer.updated", customer, customerBefore);
  return note;
}

/**
 * Voids an issued credit note whose invoice is still open: its pre-payment amount is due again and a customer
 * balance credit is taken back (a `credit_note` balance transaction). A credit note with a refund, or on an invoice
 * that is no longer open, is refused.
 */
export function voidCreditNote(emu: Emulator, note: Stripe.CreditNote): Stripe.CreditNote {
  if (note.status === "void") throw invalidRequest(`Credit note ${note.id} is already void.`, undefined, "credit_note_already_voided");
  const invoice = getInvoice(emu, String(note.invoice));
  if (invoice.status !== "open")
    throw invalidRequest(`You can only void a credit note while its invoice is open; invoice ${invoice.id} is ${invoice.status}.`);
  if (note.refunds.length > 0) throw invalidRequest("A credit note with a refund cannot be voided.");
  note.status = "void";
  note.voided_at = emu.nowFor(String(invoice.customer));
  const customer = emu.store.customers.get(String(invoice.customer));
  let customerBefore: Stripe.Customer | null = null;
  if (note.customer_balance_transaction && customer) {
    const txn = emu.store.customerBalanceTransactions.get(String(note.customer_balance_transaction));
    if (txn) {
      customerBefore = clone(customer);
      recordBalanceTransaction(emu, customer, {
        amount: -txn.amount,
        type: "credit_note",
        currency: txn.currency,
        creditNote: note.id,
        invoice: invoice.id,
      });
    }
  }
  emitEvent(emu, "credit_note.voided", note);
  const before = clone(invoice);
  invoice.pre_payment_credit_notes_amount -= note.pre_payment_amount;
  invoice.post_payment_credit_notes_amount -= note.post_payment_amount;
  computeInvoiceTotals(emu, invoice);
  syncPaymentIntent(emu, invoice);
  emitEvent(emu, "invoice.updated", invoice, before);
  if (customer && customerBefore) emitEvent(emu, "customer.updated", customer, customerBefore);
  return note;
}
