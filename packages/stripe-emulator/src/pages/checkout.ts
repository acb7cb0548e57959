import type { IncomingMessage, ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import type { Emulator } from '../emulator';
import { StripeApiError } from '../http/errors';
import { readBody } from '../http/server';
import { parseForm, Params } from '../http/form';
import {
  applyPromotionCode,
  completeCheckoutSession,
  refreshExpiry,
  removePromotionCode,
  successRedirect,
  type CheckoutPayment,
} from '../billing/checkout';
import { describeInterval, formatAmount, productIdOf } from '../billing/plans';
import { html, notFound, page, redirect, sendHtml, type Html } from './layout';

interface FormState {
  email?: string;
  name?: string;
  error?: string;
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
  const currency = session.currency ?? 'usd';
  return html`<div class="card">
    <p class="merchant" data-testid="merchant-name">${emu.settings.businessName}</p>
    <span class="badge test">TEST MODE</span>
    <h1>${items.map((li) => li.description).join(', ') || 'Checkout'}</h1>
    ${trialDays
      ? html`<p class="amount">${trialDays} days free</p><p class="muted">Then ${formatAmount(fullAmount, currency)} per ${recurring?.price ? describeInterval(recurring.price) : 'period'} · ${formatAmount(0, currency)} due today</p>`
      : html`<p class="amount">${formatAmount(session.amount_total ?? 0, currency)}</p>${recurring?.price ? html`<p class="muted">per ${describeInterval(recurring.price)}</p>` : null}`}
    <table aria-label="Order summary"><tbody>
      ${items.map(
        (li) => html`<tr><td>${li.description}${li.quantity === null ? ' (billed by usage)' : ` × ${li.quantity}`}${productDescription(emu, li)}</td><td class="num">${formatAmount(li.amount_subtotal, li.currency)}</td></tr>`,
      )}
      ${discountRows(emu, session)}
    </tbody></table>
    ${promotionCodeField(emu, session)}
  </div>`;
}

/** The label Stripe shows for an applied discount: the promotion code, else the coupon's name or id. */
function discountLabel(emu: Emulator, d: Stripe.Checkout.Session.Discount): string {
  const promoId = typeof d.promotion_code === 'string' ? d.promotion_code : (d.promotion_code?.id ?? null);
  const promo = promoId ? emu.store.promotionCodes.get(promoId) : undefined;
  if (promo) return promo.code;
  const couponId = typeof d.coupon === 'string' ? d.coupon : (d.coupon?.id ?? '');
  const coupon = emu.store.coupons.get(couponId) ?? emu.store.deletedCoupons.get(couponId);
  return coupon?.name ?? couponId;
}

function discountRows(emu: Emulator, session: Stripe.Checkout.Session): Html | null {
  const applied = session.discounts ?? [];
  if (applied.length === 0) return null;
  const items = emu.store.checkoutInternals.get(session.id)?.lineItems ?? [];
  const currency = session.currency ?? 'usd';
  const subtotal = items.reduce((s, li) => s + li.amount_subtotal, 0);
  const off = items.reduce((s, li) => s + li.amount_discount, 0);
  return html`<tr><td>Subtotal</td><td class="num">${formatAmount(subtotal, currency)}</td></tr>
    <tr data-testid="discount-row"><td>${applied.map((d) => discountLabel(emu, d)).join(', ')}</td><td class="num">−${formatAmount(off, currency)}</td></tr>
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
    <input id="promotion_code" name="code" autocomplete="off" value="${refused?.code ?? ''}">
    ${refused ? html`<div class="error" role="alert" data-testid="promotion-code-error">${refused.error}</div>` : null}
    <button type="submit" name="action" value="apply">Apply</button>
  </form>`;
}

/** A subscription that starts with a free trial: nothing is charged today, and Stripe's button says "Start trial". */
function startsTrial(emu: Emulator, session: Stripe.Checkout.Session): boolean {
  const internals = emu.store.checkoutInternals.get(session.id);
  return session.mode === 'subscription' && Boolean(internals?.trialPeriodDays || internals?.trialEnd);
}

function renderForm(emu: Emulator, session: Stripe.Checkout.Session, state: FormState): string {
  const customer = typeof session.customer === 'string' ? emu.store.customers.get(session.customer) : undefined;
  const email = state.email ?? customer?.email ?? session.customer_email ?? '';
  const body = html`<div class="grid">
    ${summary(emu, session)}
    <div class="card">
      <h2>Pay with card</h2>
      ${state.error ? html`<div class="error" role="alert">${state.error}</div>` : null}
      <form method="post" action="/checkout/${session.id}/pay">
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="email" value="${email}" ${customer ? 'readonly' : ''}>
        <label for="card_number">Card number</label>
        <input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" required>
        <div class="row">
          <div><label for="expiry">Expiration</label><input id="expiry" name="expiry" placeholder="MM / YY" autocomplete="cc-exp" value="12 / 34"></div>
          <div><label for="cvc">CVC</label><input id="cvc" name="cvc" placeholder="CVC" autocomplete="cc-csc" value="123"></div>
        </div>
        <label for="name">Name on card</label>
        <input id="name" name="name" autocomplete="cc-name" value="${state.name ?? customer?.name ?? ''}">
        <button class="full" type="submit">${startsTrial(emu, session) ? 'Start trial' : 'Pay'}</button>
      </form>
      ${session.cancel_url ? html`<p><a href="${session.cancel_url}">Cancel and return</a></p>` : null}
    </div>
  </div>`;
  return page('Checkout', body);
}

function renderAuthentication(session: Stripe.Checkout.Session, state: FormState): string {
  const body = html`<div class="card" role="dialog" aria-labelledby="auth-title">
    <span class="badge test">TEST MODE</span>
    <h1 id="auth-title">3D Secure authentication</h1>
    <p>Your bank requires you to confirm this payment. This is a test page: choose the outcome.</p>
    <form method="post" action="/checkout/${session.id}/authenticate" class="row">
      <input type="hidden" name="email" value="${state.email ?? ''}">
      <input type="hidden" name="name" value="${state.name ?? ''}">
      <button type="submit" name="action" value="complete">Complete authentication</button>
      <button type="submit" name="action" value="fail" class="danger">Fail authentication</button>
    </form>
  </div>`;
  return page('Authenticate payment', body);
}

function renderDone(session: Stripe.Checkout.Session): string {
  const message = session.status === 'complete' ? 'This checkout session is complete.' : 'This checkout session has expired.';
  return page('Checkout', html`<div class="card"><h1>${message}</h1>${session.status === 'complete' && session.success_url ? html`<p><a href="${successRedirect(session) ?? ''}">Continue</a></p>` : null}</div>`);
}

function attempt(emu: Emulator, res: ServerResponse, session: Stripe.Checkout.Session, payment: CheckoutPayment): void {
  try {
    const result = emu.withRequest({ id: null, idempotencyKey: null }, () => completeCheckoutSession(emu, session, payment));
    if (result.status === 'requires_authentication') {
      sendHtml(res, 200, renderAuthentication(session, { email: payment.email, name: payment.name }));
      return;
    }
    redirect(res, successRedirect(result.session) ?? `/checkout/${session.id}`);
  } catch (err) {
    if (!(err instanceof StripeApiError)) throw err;
    // Post/redirect/get: the error shows on the checkout's own URL, so a reload shows the checkout again, still payable.
    const internals = emu.store.checkoutInternals.get(session.id);
    if (internals) internals.lastAttempt = { error: err.body.message, email: payment.email, name: payment.name };
    emu.scheduleSave();
    redirect(res, `/checkout/${session.id}`);
  }
}

/** Apply or remove a promotion code, then back to the checkout (post/redirect/get); a refusal shows once there. */
function promotionCodeAction(emu: Emulator, res: ServerResponse, session: Stripe.Checkout.Session, form: Params): void {
  const code = form.str('code') ?? '';
  try {
    emu.withRequest({ id: null, idempotencyKey: null }, () => {
      if (form.str('action') === 'remove') removePromotionCode(emu, session);
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
    notFound(res, 'This checkout session does not exist.');
    return true;
  }
  refreshExpiry(emu, session);
  if (session.status !== 'open') {
    sendHtml(res, 200, renderDone(session));
    return true;
  }
  if (req.method === 'GET' && !m[2]) {
    const internals = emu.store.checkoutInternals.get(session.id);
    const last = internals?.lastAttempt ?? null;
    if (internals && last) internals.lastAttempt = null;
    sendHtml(res, 200, renderForm(emu, session, last ?? {}));
    return true;
  }
  if (req.method === 'GET') {
    // The form targets (/pay, /authenticate) opened directly, from history or a reload: back to the checkout.
    redirect(res, `/checkout/${session.id}`);
    return true;
  }
  if (req.method !== 'POST') return false;
  const form = new Params(parseForm(await readBody(req)));
  const email = form.str('email') || undefined;
  const name = form.str('name') || undefined;
  if (m[2] === 'promotion_code') {
    promotionCodeAction(emu, res, session, form);
    return true;
  }
  if (m[2] === 'pay') {
    attempt(emu, res, session, { card: form.str('card_number') ?? '', email, name });
    return true;
  }
  const pending = emu.store.checkoutInternals.get(session.id)?.pendingAuthenticationCard;
  if (!pending) {
    sendHtml(res, 400, renderForm(emu, session, { email, name, error: 'Start the payment again.' }));
    return true;
  }
  attempt(emu, res, session, { card: pending, email, name, authentication: form.str('action') === 'complete' ? 'complete' : 'fail' });
  return true;
}
