import type { IncomingMessage, ServerResponse } from "node:http";
import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { StripeApiError } from "../http/errors";
import { readBody } from "../http/server";
import { parseForm, Params } from "../http/form";
import {
  applyPromotionCode,
  completeCheckoutSession,
  refreshExpiry,
  removePromotionCode,
  successRedirect,
  type CheckoutPayment,
} from "../billing/checkout";
import { describeInterval, formatAmount, productIdOf } from "../billing/plans";
import { Html, html, notFound, page, redirect, sendHtml } from "./layout";
import { EMBEDDED_MESSAGE } from "./stripe-js";
import { needsBillingAddress, type CheckoutAddress, type CheckoutDetails } from "../billing/checkout-tax";

interface FormState {
  email?: string;
  name?: string;
  error?: string;
  details?: CheckoutDetails;
}

/** Tax ID types the page offers (Checkout shows the ones of the customer's country; the emulator lists the common ones). */
const TAX_ID_TYPES: Array<[string, string]> = [
  ["eu_vat", "EU VAT number"],
  ["gb_vat", "UK VAT number"],
  ["au_abn", "Australian ABN"],
  ["nz_gst", "New Zealand GST number"],
  ["ca_bn", "Canadian BN"],
  ["ch_vat", "Swiss VAT number"],
  ["no_vat", "Norwegian VAT number"],
  ["us_ein", "US EIN"],
];

function addressFields(prefix: string, legend: string, value: CheckoutAddress | undefined, allowedCountries: string[] | null): Html {
  const field = (key: keyof CheckoutAddress, label: string, autocomplete: string, required: boolean) =>
    html`<label for="${prefix}_${key}">${label}</label><input id="${prefix}_${key}" name="${prefix}_${key}" autocomplete="${prefix === "shipping" ? "shipping " : "billing "}${autocomplete}" value="${value?.[key] ?? ""}" ${required ? "required" : ""}>`;
  const country = allowedCountries?.length
    ? html`<label for="${prefix}_country">Country</label><select id="${prefix}_country" name="${prefix}_country" required>${allowedCountries.map((c) => html`<option value="${c}" ${value?.country === c ? "selected" : ""}>${c}</option>`)}</select>`
    : field("country", "Country (two-letter code, e.g. GB)", "country", true);
  return html`<fieldset><legend>${legend}</legend>
    ${field("line1", "Address", "address-line1", true)}
    ${field("city", "City", "address-level2", false)}
    <div class="row"><div>${field("postal_code", "Postal code", "postal-code", false)}</div><div>${field("state", "State or province", "address-level1", false)}</div></div>
    ${country}
  </fieldset>`;
}

/** The page's fields for addresses, shipping options and the tax ID, as the session asks for them. */
function detailFields(emu: Emulator, session: Stripe.Checkout.Session, details: CheckoutDetails | undefined): Html {
  const shippingCollection = session.shipping_address_collection;
  const rateId = (o: Stripe.Checkout.Session.ShippingOption) =>
    typeof o.shipping_rate === "string" ? o.shipping_rate : o.shipping_rate.id;
  const chosen = details?.shippingRate ?? (session.shipping_options[0] ? rateId(session.shipping_options[0]) : undefined);
  return html`
    ${needsBillingAddress(emu, session) ? addressFields("address", "Billing address", details?.address, null) : null}
    ${
      shippingCollection
        ? html`<fieldset><legend>Shipping</legend>
          <label for="shipping_name">Full name</label><input id="shipping_name" name="shipping_name" autocomplete="shipping name" value="${details?.shipping?.name ?? ""}" required>
        </fieldset>${addressFields("shipping", "Shipping address", details?.shipping?.address, shippingCollection.allowed_countries as string[])}`
        : null
    }
    ${
      session.shipping_options.length
        ? html`<fieldset><legend>Shipping method</legend>${session.shipping_options.map((o) => {
            const id = rateId(o);
            const rate = emu.store.shippingRates.get(id);
            return html`<label><input type="radio" name="shipping_rate" value="${id}" ${id === chosen ? "checked" : ""}> ${rate?.display_name ?? id} — ${formatAmount(o.shipping_amount, session.currency ?? "usd")}</label>`;
          })}</fieldset>`
        : null
    }
    ${
      session.tax_id_collection?.enabled
        ? html`<fieldset><legend>Purchasing as a business (optional)</legend>
          <label for="business_name">Business name</label><input id="business_name" name="business_name" autocomplete="organization" value="${details?.businessName ?? ""}">
          <label for="tax_id_type">Tax ID type</label><select id="tax_id_type" name="tax_id_type">${TAX_ID_TYPES.map(([v, label]) => html`<option value="${v}" ${details?.taxId?.type === v ? "selected" : ""}>${label}</option>`)}</select>
          <label for="tax_id_value">Tax ID</label><input id="tax_id_value" name="tax_id_value" value="${details?.taxId?.value ?? ""}">
        </fieldset>`
        : null
    }`;
}

/** What the form posted for the details above. */
function detailsFromForm(form: Params): CheckoutDetails {
  const text = (key: string) => form.str(key)?.trim() || undefined;
  const address = (prefix: string): CheckoutAddress | undefined => {
    const a = {
      line1: text(`${prefix}_line1`),
      city: text(`${prefix}_city`),
      postal_code: text(`${prefix}_postal_code`),
      state: text(`${prefix}_state`),
      country: text(`${prefix}_country`),
    };
    return Object.values(a).some(Boolean) ? a : undefined;
  };
  const taxValue = text("tax_id_value");
  const shippingAddress = address("shipping");
  const shippingName = text("shipping_name");
  return {
    address: address("address"),
    shipping: shippingAddress || shippingName ? { name: shippingName, address: shippingAddress } : undefined,
    taxId: taxValue ? { type: text("tax_id_type") ?? "eu_vat", value: taxValue } : undefined,
    businessName: text("business_name"),
    shippingRate: text("shipping_rate"),
  };
}

/** Stripe Checkout shows each line's product description under its name (a metered line's price per unit, say). */
function productDescription(emu: Emulator, li: Stripe.LineItem): Html | null {
  const description = li.price ? emu.store.products.get(productIdOf(li.price))?.description : null;
  return description ? html`<br><span class="muted">${description}</span>` : null;
}

function summary(emu: Emulator, session: Stripe.Checkout.Session): Html {
  const internals = emu.store.checkoutInternals.get(session.id);
  const items = internals?.lineItems ?? [];
  const trialDays = internals?.trialPeriodDays ?? null;
  const recurring = items.find((li) => li.price?.recurring);
  const fullAmount = items.reduce((sum, li) => sum + li.amount_total, 0);
  const currency = session.currency ?? "usd";
  return html`<div class="card">
    <p class="merchant" data-testid="merchant-name">${emu.settings.businessName}</p>
    <span class="badge test">TEST MODE</span>
    <h1>${items.map((li) => li.description).join(", ") || "Checkout"}</h1>
    ${
      trialDays
        ? html`<p class="amount">${trialDays} days free</p><p class="muted">Then ${formatAmount(fullAmount, currency)} per ${recurring?.price ? describeInterval(recurring.price) : "period"} · ${formatAmount(0, currency)} due today</p>`
        : html`<p class="amount">${formatAmount(session.amount_total ?? 0, currency)}</p>${recurring?.price ? html`<p class="muted">per ${describeInterval(recurring.price)}</p>` : null}`
    }
    <table aria-label="Order summary"><tbody>
      ${items.map(
        (li) =>
          html`<tr><td>${li.description}${li.quantity === null ? " (billed by usage)" : ` × ${li.quantity}`}${productDescription(emu, li)}</td><td class="num">${formatAmount(li.amount_subtotal, li.currency)}</td></tr>`,
      )}
      ${discountRows(emu, session)}
      ${session.shipping_cost ? html`<tr><td>Shipping</td><td class="num">${formatAmount(session.shipping_cost.amount_total, currency)}</td></tr>` : null}
      ${
        session.automatic_tax.enabled && session.automatic_tax.status === "requires_location_inputs"
          ? html`<tr><td>Tax</td><td class="num muted">Calculated from your address</td></tr>`
          : session.total_details?.amount_tax
            ? html`<tr><td>Tax</td><td class="num">${formatAmount(session.total_details.amount_tax, currency)}</td></tr>`
            : null
      }
    </tbody></table>
    ${promotionCodeField(emu, session)}
  </div>`;
}

/** The label Stripe shows for an applied discount: the promotion code, else the coupon's name or id. */
function discountLabel(emu: Emulator, d: Stripe.Checkout.Session.Discount): string {
  const promoId = typeof d.promotion_code === "string" ? d.promotion_code : (d.promotion_code?.id ?? null);
  const promo = promoId ? emu.store.promotionCodes.get(promoId) : undefined;
  if (promo) return promo.code;
  const couponId = typeof d.coupon === "string" ? d.coupon : (d.coupon?.id ?? "");
  const coupon = emu.store.coupons.get(couponId) ?? emu.store.deletedCoupons.get(couponId);
  return coupon?.name ?? couponId;
}

function discountRows(emu: Emulator, session: Stripe.Checkout.Session): Html | null {
  const applied = session.discounts ?? [];
  if (applied.length === 0) return null;
  const items = emu.store.checkoutInternals.get(session.id)?.lineItems ?? [];
  const currency = session.currency ?? "usd";
  const subtotal = items.reduce((s, li) => s + li.amount_subtotal, 0);
  const off = items.reduce((s, li) => s + li.amount_discount, 0);
  return html`<tr><td>Subtotal</td><td class="num">${formatAmount(subtotal, currency)}</td></tr>
    <tr data-testid="discount-row"><td>${applied.map((d) => discountLabel(emu, d)).join(", ")}</td><td class="num">−${formatAmount(off, currency)}</td></tr>
    <tr><td><strong>Total</strong></td><td class="num" data-testid="discounted-total"><strong>${formatAmount(subtotal - off, currency)}</strong></td></tr>`;
}

/** `allow_promotion_codes`: a field to type a code into, or the applied code with a way to remove it. */
function promotionCodeField(emu: Emulator, session: Stripe.Checkout.Session): Html | null {
  if (!session.allow_promotion_codes) return null;
  const internals = emu.store.checkoutInternals.get(session.id);
  const refused = internals?.lastPromotionCode ?? null;
  if (internals && refused) internals.lastPromotionCode = null;
  const applied = (session.discounts ?? [])[0];
  if (applied) {
    return html`<form method="post" action="/checkout/${session.id}/promotion_code" class="row">
      <span data-testid="applied-promotion-code">${discountLabel(emu, applied)}</span>
      <button type="submit" name="action" value="remove" class="secondary">Remove promotion code</button>
    </form>`;
  }
  return html`<form method="post" action="/checkout/${session.id}/promotion_code">
    <label for="promotion_code">Add promotion code</label>
    <input id="promotion_code" name="code" autocomplete="off" value="${refused?.code ?? ""}">
    ${refused ? html`<div class="error" role="alert" data-testid="promotion-code-error">${refused.error}</div>` : null}
    <button type="submit" name="action" value="apply">Apply</button>
  </form>`;
}

/** A subscription that starts with a free trial: nothing is charged today, and Stripe's button says "Start trial". */
function startsTrial(emu: Emulator, session: Stripe.Checkout.Session): boolean {
  const internals = emu.store.checkoutInternals.get(session.id);
  return session.mode === "subscription" && Boolean(internals?.trialPeriodDays || internals?.trialEnd);
}

function renderForm(emu: Emulator, session: Stripe.Checkout.Session, state: FormState): string {
  const customer = typeof session.customer === "string" ? emu.store.customers.get(session.customer) : undefined;
  const email = state.email ?? customer?.email ?? session.customer_email ?? "";
  const body = html`<div class="grid">
    ${summary(emu, session)}
    <div class="card">
      <h2>Pay with card</h2>
      ${state.error ? html`<div class="error" role="alert">${state.error}</div>` : null}
      <form method="post" action="/checkout/${session.id}/pay">
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="email" value="${email}" ${customer ? "readonly" : ""}>
        <label for="card_number">Card number</label>
        <input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" required>
        <div class="row">
          <div><label for="expiry">Expiration</label><input id="expiry" name="expiry" placeholder="MM / YY" autocomplete="cc-exp" value="12 / 34"></div>
          <div><label for="cvc">CVC</label><input id="cvc" name="cvc" placeholder="CVC" autocomplete="cc-csc" value="123"></div>
        </div>
        <label for="name">Name on card</label>
        <input id="name" name="name" autocomplete="cc-name" value="${state.name ?? customer?.name ?? ""}">
        ${detailFields(emu, session, state.details)}
        <button class="full" type="submit">${startsTrial(emu, session) ? "Start trial" : "Pay"}</button>
      </form>
      ${session.cancel_url ? html`<p><a href="${session.cancel_url}">Cancel and return</a></p>` : null}
    </div>
  </div>`;
  return page("Checkout", framed(session, body));
}

/** An Embedded Checkout session's page runs in the stand-in's iframe (./stripe-js.ts): it reports its height, and its completion. */
function isEmbedded(session: Stripe.Checkout.Session): boolean {
  return session.ui_mode === "embedded_page";
}

/** Where an Embedded Checkout sends the customer once complete: its `return_url`, `{CHECKOUT_SESSION_ID}` replaced. */
export function embeddedReturnUrl(session: Stripe.Checkout.Session): string | null {
  return isEmbedded(session) && session.return_url ? session.return_url.replace("{CHECKOUT_SESSION_ID}", session.id) : null;
}

/** A script that posts `message` to the embedding page (only to the return URL's origin when there is one). */
function postToParent(message: Record<string, unknown>, targetOrigin: string): Html {
  const json = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");
  return new Html(
    `<script>(function(){if(window.parent===window)return;var m=${json(message)};` +
      `function size(){window.parent.postMessage({type:${json(EMBEDDED_MESSAGE.resize)},height:document.documentElement.scrollHeight},${json(targetOrigin)});}` +
      `size();window.addEventListener('load',size);window.addEventListener('resize',size);` +
      `if(m.type)window.parent.postMessage(m,${json(targetOrigin)});})();</script>`,
  );
}

function framed(session: Stripe.Checkout.Session, body: Html): Html {
  if (!isEmbedded(session)) return body;
  const returnUrl = embeddedReturnUrl(session);
  let targetOrigin = "*";
  try {
    if (returnUrl) targetOrigin = new URL(returnUrl).origin;
  } catch {
    targetOrigin = "*";
  }
  const message = session.status === "complete" ? { type: EMBEDDED_MESSAGE.complete, session: session.id, returnUrl } : {};
  return html`${body}${postToParent(message, targetOrigin)}`;
}

function renderAuthentication(session: Stripe.Checkout.Session, state: FormState): string {
  const body = html`<div class="card" role="dialog" aria-labelledby="auth-title">
    <span class="badge test">TEST MODE</span>
    <h1 id="auth-title">3D Secure authentication</h1>
    <p>Your bank requires you to confirm this payment. This is a test page: choose the outcome.</p>
    <form method="post" action="/checkout/${session.id}/authenticate" class="row">
      <input type="hidden" name="email" value="${state.email ?? ""}">
      <input type="hidden" name="name" value="${state.name ?? ""}">
      <input type="hidden" name="details" value="${JSON.stringify(state.details ?? {})}">
      <button type="submit" name="action" value="complete">Complete authentication</button>
      <button type="submit" name="action" value="fail" class="danger">Fail authentication</button>
    </form>
  </div>`;
  return page("Authenticate payment", framed(session, body));
}

function renderDone(session: Stripe.Checkout.Session): string {
  const message = session.status === "complete" ? "This checkout session is complete." : "This checkout session has expired.";
  const continueUrl = session.status === "complete" ? (successRedirect(session) ?? embeddedReturnUrl(session)) : null;
  // Framed (Embedded Checkout), the link leaves the frame, like Stripe's redirect to return_url.
  const link = continueUrl ? html`<p><a href="${continueUrl}" target="${isEmbedded(session) ? "_top" : "_self"}">Continue</a></p>` : null;
  return page("Checkout", framed(session, html`<div class="card"><h1>${message}</h1>${link}</div>`));
}

function attempt(emu: Emulator, res: ServerResponse, session: Stripe.Checkout.Session, payment: CheckoutPayment): void {
  try {
    const result = emu.withRequest({ id: null, idempotencyKey: null }, () => completeCheckoutSession(emu, session, payment));
    if (result.status === "requires_authentication") {
      sendHtml(res, 200, renderAuthentication(session, { email: payment.email, name: payment.name, details: payment.details }));
      return;
    }
    redirect(res, successRedirect(result.session) ?? `/checkout/${session.id}`);
  } catch (err) {
    if (!(err instanceof StripeApiError)) throw err;
    // Post/redirect/get: the error shows on the checkout's own URL, so a reload shows the checkout again, still payable.
    const internals = emu.store.checkoutInternals.get(session.id);
    if (internals) internals.lastAttempt = { error: err.body.message, email: payment.email, name: payment.name, details: payment.details };
    emu.scheduleSave();
    redirect(res, `/checkout/${session.id}`);
  }
}

/** Apply or remove a promotion code, then back to the checkout (post/redirect/get); a refusal shows once there. */
function promotionCodeAction(emu: Emulator, res: ServerResponse, session: Stripe.Checkout.Session, form: Params): void {
  const code = form.str("code") ?? "";
  try {
    emu.withRequest({ id: null, idempotencyKey: null }, () => {
      if (form.str("action") === "remove") removePromotionCode(emu, session);
      else applyPromotionCode(emu, session, code);
    });
  } catch (err) {
    if (!(err instanceof StripeApiError)) throw err;
    const internals = emu.store.checkoutInternals.get(session.id);
    if (internals) internals.lastPromotionCode = { code, error: err.body.message };
  }
  emu.scheduleSave();
  redirect(res, `/checkout/${session.id}`);
}

export async function handleCheckoutPage(emu: Emulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const m = /^\/checkout\/([^/]+)(?:\/(pay|authenticate|promotion_code))?$/.exec(url.pathname);
  if (!m) return false;
  const session = emu.store.checkoutSessions.get(decodeURIComponent(m[1]));
  if (!session) {
    notFound(res, "This checkout session does not exist.");
    return true;
  }
  refreshExpiry(emu, session);
  if (session.status !== "open") {
    sendHtml(res, 200, renderDone(session));
    return true;
  }
  if (req.method === "GET" && !m[2]) {
    const internals = emu.store.checkoutInternals.get(session.id);
    const last = internals?.lastAttempt ?? null;
    if (internals && last) internals.lastAttempt = null;
    sendHtml(res, 200, renderForm(emu, session, last ?? {}));
    return true;
  }
  if (req.method === "GET") {
    // The form targets (/pay, /authenticate) opened directly, from history or a reload: back to the checkout.
    redirect(res, `/checkout/${session.id}`);
    return true;
  }
  if (req.method !== "POST") return false;
  const form = new Params(parseForm(await readBody(req)));
  const email = form.str("email") || undefined;
  const name = form.str("name") || undefined;
  if (m[2] === "promotion_code") {
    promotionCodeAction(emu, res, session, form);
    return true;
  }
  if (m[2] === "pay") {
    attempt(emu, res, session, { card: form.str("card_number") ?? "", email, name, details: detailsFromForm(form) });
    return true;
  }
  const pending = emu.store.checkoutInternals.get(session.id)?.pendingAuthenticationCard;
  if (!pending) {
    sendHtml(res, 400, renderForm(emu, session, { email, name, error: "Start the payment again." }));
    return true;
  }
  attempt(emu, res, session, {
    card: pending,
    email,
    name,
    details: detailsFromHidden(form.str("details")),
    authentication: form.str("action") === "complete" ? "complete" : "fail",
  });
  return true;
}

/** The details carried through the 3-D Secure step (the page's own JSON; anything else is ignored). */
function detailsFromHidden(raw: string | undefined): CheckoutDetails {
  try {
    const parsed: unknown = JSON.parse(raw ?? "{}");
    return parsed && typeof parsed === "object" ? (parsed as CheckoutDetails) : {};
  } catch {
    return {};
  }
}
