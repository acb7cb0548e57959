import type { IncomingMessage, ServerResponse } from "node:http";
import type { Emulator } from "../emulator";
import { advanceTime } from "../billing/engine";
import { handleCheckoutPage } from "./checkout";
import { handlePortalPage } from "./portal";
import { handleInvoicePage } from "./invoice";
import { handleAuthenticationPage } from "./authenticate";
import { handleStripeJs } from "./stripe-js";
import { html, notFound, page, sendHtml } from "./layout";

/** Hosted pages: /checkout/:id, /portal/:id, /invoices/:id(/pdf), the Stripe.js stand-in at /v3, plus a small index at /. */
export async function handlePage(emu: Emulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  advanceTime(emu, null, emu.realNow());
  if (url.pathname === "/" && req.method === "GET") {
    sendHtml(
      res,
      200,
      page(
        "Stripe emulator",
        html`<div class="card"><h1>Stripe emulator</h1><p class="muted">API at /v1, control endpoints at /_emulator. Test mode only.</p></div>`,
      ),
    );
    return;
  }
  if (handleStripeJs(req, res, url)) return;
  for (const handler of [handleCheckoutPage, handlePortalPage, handleInvoicePage, handleAuthenticationPage]) {
    if (await handler(emu, req, res, url)) return;
  }
  notFound(res, url.pathname);
}
