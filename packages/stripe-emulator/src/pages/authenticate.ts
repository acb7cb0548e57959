import type { IncomingMessage, ServerResponse } from "node:http";
import type { Emulator } from "../emulator";
import { readBody } from "../http/server";
import { parseForm, Params } from "../http/form";
import { formatAmount } from "../billing/plans";
import { finishAuthentication } from "../billing/intents";
import { html, notFound, page, redirect, sendHtml } from "./layout";

/**
 * `/3d_secure/<pi_…|seti_…>`: the hosted 3-D Secure step of a PaymentIntent or SetupIntent in `requires_action` (its
 * `next_action` points here). **Complete authentication** finishes the payment or setup, **Fail authentication**
 * fails it; then the page redirects to the `return_url` (with `redirect_status`) or shows the outcome.
 */
export async function handleAuthenticationPage(emu: Emulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const m = /^\/3d_secure\/((?:pi|seti)_[^/]+)$/.exec(url.pathname);
  if (!m) return false;
  const id = m[1];
  const payment = emu.store.paymentIntents.get(id);
  const setup = emu.store.setupIntents.get(id);
  const intent = payment ?? setup;
  if (!intent) {
    notFound(res, "This payment does not exist.");
    return true;
  }
  if (req.method === "POST") {
    const form = new Params(parseForm(await readBody(req)));
    if (intent.status === "requires_action") {
      const complete = form.str("action") === "complete";
      const target = emu.withRequest({ id: null, idempotencyKey: null }, () => finishAuthentication(emu, id, complete));
      if (target) {
        redirect(res, target);
        return true;
      }
    }
    redirect(res, `/3d_secure/${id}`);
    return true;
  }
  if (req.method !== "GET") return false;
  if (intent.status !== "requires_action") {
    const outcome =
      intent.status === "succeeded" || intent.status === "requires_capture"
        ? "Authentication complete."
        : intent.status === "canceled"
          ? "This payment was canceled."
          : "Authentication failed.";
    sendHtml(
      res,
      200,
      page(
        "3D Secure authentication",
        html`<div class="card"><h1 id="auth-title">${outcome}</h1><p class="muted">Status: ${intent.status}</p></div>`,
      ),
    );
    return true;
  }
  const what = payment
    ? html`<p>Confirm a payment of <strong>${formatAmount(payment.amount, payment.currency)}</strong> to ${emu.settings.businessName}.</p>`
    : html`<p>Confirm that ${emu.settings.businessName} may save your card for later payments.</p>`;
  const body = html`<div class="card" role="dialog" aria-labelledby="auth-title">
    <span class="badge test">TEST MODE</span>
    <h1 id="auth-title">3D Secure authentication</h1>
    ${what}
    <p class="muted">Your bank requires you to confirm this. This is a test page: choose the outcome.</p>
    <form method="post" action="/3d_secure/${id}" class="row">
      <button type="submit" name="action" value="complete">Complete authentication</button>
      <button type="submit" name="action" value="fail" class="danger">Fail authentication</button>
    </form>
  </div>`;
  sendHtml(res, 200, page("3D Secure authentication", body));
  return true;
}
