import type { IncomingMessage, ServerResponse } from "node:http";
import type Stripe from "stripe";
import { PDFDocument, StandardFonts, rgb } from "pdf-lib";
import type { Emulator } from "../emulator";
import { formatAmount } from "../billing/plans";
import { formatLongDate as formatDate } from "../billing/periods";
import { html, notFound, page, redirect, sendHtml } from "./layout";
import { StripeApiError, cardError } from "../http/errors";
import { readBody } from "../http/server";
import { parseForm, Params } from "../http/form";
import { attachPaymentMethod, paymentMethodFromCardNumber } from "../billing/payment-methods";
import { attemptInvoicePayment } from "../billing/invoices";
import { applyPaymentOutcome } from "../billing/subscriptions";

function payForm(invoice: Stripe.Invoice, error: string | null) {
  return html`<section aria-label="Pay invoice">
    <h2>Pay this invoice</h2>
    ${error ? html`<div class="error" role="alert">${error}</div>` : null}
    <form method="post" action="/invoices/${invoice.id}/pay">
      <label for="card_number">Card number</label>
      <input id="card_number" name="card_number" inputmode="numeric" placeholder="1234 1234 1234 1234" required>
      <button class="full" type="submit">Pay</button>
    </form>
  </section>`;
}

function renderInvoice(emu: Emulator, invoice: Stripe.Invoice, error: string | null = null): string {
  const customer = emu.store.customers.get(String(invoice.customer));
  const body = html`<div class="card">
    <p class="merchant" data-testid="merchant-name">${invoice.account_name ?? emu.settings.businessName}</p>
    <span class="badge test">TEST MODE</span>
    <h1>Invoice ${invoice.number ?? invoice.id}</h1>
    <p><span class="badge">${invoice.status}</span></p>
    <p class="amount">${formatAmount(invoice.amount_due, invoice.currency)}</p>
    <p class="muted">${invoice.status === "paid" && invoice.status_transitions.paid_at ? `Paid on ${formatDate(invoice.status_transitions.paid_at)}` : `Issued ${formatDate(invoice.created)}`}</p>
    ${invoice.status === "open" && invoice.due_date ? html`<p data-testid="due-date">Due ${formatDate(invoice.due_date)}</p>` : null}
    <p>Billed to ${customer?.name ?? customer?.email ?? String(invoice.customer)}</p>
    <table aria-label="Invoice lines"><thead><tr><th>Description</th><th>Period</th><th class="num">Amount</th></tr></thead><tbody>
      ${invoice.lines.data.map(
        (l) =>
          html`<tr><td>${l.description}</td><td>${formatDate(l.period.start)} – ${formatDate(l.period.end)}</td><td class="num">${formatAmount(l.amount, l.currency)}</td></tr>`,
      )}
      <tr><th colspan="2">Subtotal</th><td class="num">${formatAmount(invoice.subtotal, invoice.currency)}</td></tr>
      ${invoice.starting_balance !== 0 ? html`<tr><th colspan="2">Applied balance</th><td class="num">${formatAmount(invoice.amount_due + invoice.pre_payment_credit_notes_amount - invoice.total, invoice.currency)}</td></tr>` : null}
      <tr><th colspan="2">Total</th><td class="num">${formatAmount(invoice.total, invoice.currency)}</td></tr>
      ${invoice.pre_payment_credit_notes_amount > 0 ? html`<tr><th colspan="2">Credit notes</th><td class="num">${formatAmount(-invoice.pre_payment_credit_notes_amount, invoice.currency)}</td></tr>` : null}
      ${invoice.post_payment_credit_notes_amount > 0 ? html`<tr><th colspan="2">Credited after payment</th><td class="num">${formatAmount(-invoice.post_payment_credit_notes_amount, invoice.currency)}</td></tr>` : null}
      <tr><th colspan="2">Amount paid</th><td class="num">${formatAmount(invoice.amount_paid, invoice.currency)}</td></tr>
      <tr><th colspan="2">Amount remaining</th><td class="num">${formatAmount(invoice.amount_remaining, invoice.currency)}</td></tr>
    </tbody></table>
    <p><a class="button secondary" href="/invoices/${invoice.id}/pdf">Download invoice</a></p>
    ${invoice.status === "open" ? payForm(invoice, error) : null}
  </div>`;
  return page(`Invoice ${invoice.number ?? invoice.id}`, body);
}

export async function invoicePdf(emu: Emulator, invoice: Stripe.Invoice): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Invoice ${invoice.number ?? invoice.id}`);
  doc.setProducer("stripe-emulator");
  const pageRef = doc.addPage([595, 842]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const customer = emu.store.customers.get(String(invoice.customer));
  let y = 790;
  const text = (value: string, x: number, size = 10, useBold = false) =>
    pageRef.drawText(value.replace(/[^\x20-\x7E]/g, "-"), { x, y, size, font: useBold ? bold : font, color: rgb(0.1, 0.12, 0.2) });
  text("Invoice", 50, 24, true);
  y -= 30;
  text(`Invoice number: ${invoice.number ?? invoice.id}`, 50);
  y -= 14;
  text(`Date of issue: ${formatDate(invoice.status_transitions.finalized_at ?? invoice.created)}`, 50);
  y -= 14;
  text(`Status: ${invoice.status ?? ""}`, 50);
  y -= 24;
  text("Bill to", 50, 11, true);
  y -= 14;
  text(customer?.name ?? "", 50);
  y -= 14;
  text(customer?.email ?? String(invoice.customer), 50);
  y -= 30;
  text("Description", 50, 10, true);
  text("Amount", 480, 10, true);
  y -= 16;
  for (const line of invoice.lines.data) {
    text((line.description ?? "").slice(0, 80), 50);
    text(formatAmount(line.amount, line.currency), 480);
    y -= 14;
  }
  y -= 10;
  text("Total", 380, 10, true);
  text(formatAmount(invoice.total, invoice.currency), 480, 10, true);
  y -= 14;
  text("Amount paid", 380);
  text(formatAmount(invoice.amount_paid, invoice.currency), 480);
  y -= 14;
  text("Amount due", 380);
  text(formatAmount(invoice.amount_remaining, invoice.currency), 480);
  return doc.save();
}

/** The customer pays an open invoice on the hosted page (on-session, so 3-D Secure counts as completed). */
function payOnPage(emu: Emulator, invoice: Stripe.Invoice, cardNumber: string): void {
  emu.withRequest({ id: null, idempotencyKey: null }, () => {
    const pm = paymentMethodFromCardNumber(emu, cardNumber);
    attachPaymentMethod(emu, pm.id, String(invoice.customer));
    const outcome = attemptInvoicePayment(emu, invoice, { paymentMethodId: pm.id, authenticated: true });
    applyPaymentOutcome(emu, invoice);
    if (outcome.status !== "succeeded") throw cardError(outcome.error, outcome.context);
  });
}

export async function handleInvoicePage(emu: Emulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const m = /^\/invoices\/([^/]+)(\/pdf|\/pay)?$/.exec(url.pathname);
  if (!m) return false;
  const invoice = emu.store.invoices.get(decodeURIComponent(m[1]));
  if (!invoice || invoice.status === "draft") {
    notFound(res, "This invoice does not exist.");
    return true;
  }
  if (m[2] === "/pay" && req.method === "POST") {
    const form = new Params(parseForm(await readBody(req)));
    try {
      if (invoice.status === "open") payOnPage(emu, invoice, form.str("card_number") ?? "");
      redirect(res, `/invoices/${invoice.id}`);
    } catch (err) {
      if (!(err instanceof StripeApiError)) throw err;
      sendHtml(res, err.statusCode, renderInvoice(emu, invoice, err.body.message));
    }
    return true;
  }
  if (req.method !== "GET" || m[2] === "/pay") return false;
  if (m[2]) {
    const pdf = await invoicePdf(emu, invoice);
    res.writeHead(200, {
      "Content-Type": "application/pdf",
      "Content-Length": pdf.byteLength,
      "Content-Disposition": `inline; filename="Invoice-${invoice.number ?? invoice.id}.pdf"`,
    });
    res.end(Buffer.from(pdf));
    return true;
  }
  sendHtml(res, 200, renderInvoice(emu, invoice));
  return true;
}
