import { startSetupIntent, succeedSetupIntent } from "./setup-intents";
import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { emitEvent } from "../events";
import { cardError, invalidRequest } from "../http/errors";
import { INCORRECT_NUMBER, resolveTestCard } from "./cards";
import { attachPaymentMethod, buildCardPaymentMethod } from "./payment-methods";
import { createSubscription } from "./subscriptions";
import { createCustomer } from "../resources/customers";
import { Params } from "../http/form";
import { getPrice } from "../resources/lookup";
import { DAY } from "../config";
import { newPaymentIntent, paymentIntentSucceeded } from "./payment-intents";
import { productIdOf } from "./plans";
import {
  checkCoupon,
  checkPromotionCode,
  computeDiscounts,
  couponFor,
  findActiveCode,
  redeem,
  type Redemption,
  type RedemptionContext,
} from "./discounts";
import { clone } from "../json";
import {
  applyCheckoutDetails,
  checkCheckoutDetails,
  checkoutTaxSettings,
  refreshCheckoutTotals,
  type CheckoutDetails,
} from "./checkout-tax";
import { addTaxId, buildTaxId, checkTaxIdValue } from "../resources/tax";

export interface CheckoutPayment {
  /** Card number or test token (`pm_card_visa`). */
  card: string;
  email?: string;
  name?: string;
  /** Outcome of the 3-D Secure step for cards that require it; undefined = not performed yet. */
  authentication?: "complete" | "fail";
  /** Billing/shipping address, tax ID and shipping rate the customer entered. */
  details?: CheckoutDetails;
}

export type CheckoutResult = { status: "complete"; session: Stripe.Checkout.Session } | { status: "requires_authentication" };

const AUTHENTICATION_FAILED = {
  code: "payment_intent_authentication_failure",
  message: "We are unable to authenticate your payment method. Please choose a different payment method and try again.",
};

/** Lazily expire sessions past expires_at, as Stripe's background job would. */
export function refreshExpiry(emu: Emulator, session: Stripe.Checkout.Session): void {
  if (session.status !== "open") return;
  const customerId = typeof session.customer === "string" ? session.customer : null;
  if (emu.nowFor(customerId) < session.expires_at) return;
  expireSession(emu, session);
}

export function expireSession(emu: Emulator, session: Stripe.Checkout.Session): void {
  if (session.status !== "open") {
    throw invalidRequest(
      `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
      undefined,
      "checkout_session_invalid_status",
    );
  }
  session.status = "expired";
  session.url = null;
  emitEvent(emu, "checkout.session.expired", session);
}

/**
 * Pay for an open session exactly as the hosted page does: declines throw a 402 card_error and change nothing;
 * 3-D Secure cards need `authentication` ('complete' or 'fail') first; success creates the customer (if needed),
 * the payment method, the subscription and its first invoice, then checkout.session.completed.
 */
export function completeCheckoutSession(emu: Emulator, session: Stripe.Checkout.Session, payment: CheckoutPayment): CheckoutResult {
  refreshExpiry(emu, session);
  if (session.status !== "open") {
    throw invalidRequest("This Checkout Session is no longer active.", undefined, "checkout_session_inactive");
  }
  const internals = emu.store.checkoutInternals.get(session.id);
  if (!internals) throw invalidRequest("This Checkout Session is missing its line items.");
  const details = payment.details ?? {};
  checkCheckoutDetails(emu, session, details);
  if (details.taxId) checkTaxIdValue(details.taxId.type, details.taxId.value, "taxId");
  const card = resolveTestCard(payment.card);
  if (!card) throw cardError(INCORRECT_NUMBER);
  if (card.behaviour === "decline" && card.decline) throw cardError(card.decline);
  // The totals for what was entered (tax by the address, the chosen shipping), worked out without changing the session.
  const trial = session.mode === "subscription" && Boolean(internals.trialPeriodDays || internals.trialEnd);
  const priced = clone(session);
  refreshCheckoutTotals(emu, priced, clone(internals.lineItems), details, !trial);
  const dueToday = trial ? 0 : (priced.amount_total ?? 0);
  if (card.behaviour === "charge_fail" && dueToday > 0 && card.decline) throw cardError(card.decline);
  if (card.behaviour === "authentication_required" || card.behaviour === "authentication_required_on_setup") {
    if (payment.authentication === undefined) {
      internals.pendingAuthenticationCard = card.number;
      return { status: "requires_authentication" };
    }
    internals.pendingAuthenticationCard = null;
    if (payment.authentication === "fail") throw cardError(AUTHENTICATION_FAILED);
  }

  const discounts = recheckDiscounts(emu, session);

  refreshCheckoutTotals(emu, session, internals.lineItems, details, !trial);
  let customerId = typeof session.customer === "string" ? session.customer : (session.customer?.id ?? null);
  const createdHere = !customerId;
  const email = payment.email ?? session.customer_email ?? null;
  if (!customerId) {
    const raw: Record<string, string> = {};
    if (email) raw.email = email;
    if (payment.name) raw.name = payment.name;
    customerId = createCustomer(emu, new Params(raw)).id;
  }
  const customer = emu.store.customers.get(customerId);
  if (!customer) throw invalidRequest(`No such customer: '${customerId}'`, "customer", "resource_missing");
  // Nothing to charge now (a trial, a setup session): the page saves the card with a SetupIntent instead.
  const setupIntent =
    session.mode === "setup" || (session.mode === "subscription" && dueToday === 0) ? startSetupIntent(emu, customer.id) : null;
  const pm = buildCardPaymentMethod(emu, card, { email: email ?? customer.email, name: payment.name ?? customer.name ?? null });
  attachPaymentMethod(emu, pm.id, customer.id);
  if (setupIntent) succeedSetupIntent(emu, setupIntent, pm.id);

  session.customer = customer.id;
  session.customer_details = {
    address: null,
    business_name: null,
    email: email ?? customer.email,
    individual_name: null,
    name: payment.name ?? customer.name ?? null,
    phone: null,
    tax_exempt: "none",
    tax_ids: [],
  };
  if (details.taxId)
    details.taxId = {
      type: details.taxId.type,
      value: addTaxId(emu, customer, buildTaxId(emu, customer, details.taxId.type, details.taxId.value, "taxId")).value,
    };
  applyCheckoutDetails(emu, session, customer, details, payment.name ?? null, createdHere);
  if (session.mode === "subscription") {
    const now = emu.nowFor(customer.id);
    const trialEnd = internals.trialEnd ?? (internals.trialPeriodDays ? now + internals.trialPeriodDays * DAY : null);
    const { subscription, invoice } = createSubscription(emu, {
      customer,
      items: internals.lineItems.map((li, index) => ({
        price: getPrice(emu, li.price?.id ?? ""),
        quantity: li.quantity ?? 1,
        taxRates: checkoutTaxSettings(emu, session.id).lineTaxRates[index],
      })),
      automaticTax: session.automatic_tax.enabled,
      currency: session.currency ?? undefined,
      trialEnd,
      metadata: internals.subscriptionMetadata,
      description: internals.subscriptionDescription,
      defaultPaymentMethod: pm.id,
      authenticated: true,
      discounts,
      checkoutSession: session.id,
      ...(internals.billingMode ? { billingMode: internals.billingMode } : {}),
    });
    session.subscription = subscription.id;
    session.invoice = invoice.id;
    session.payment_status = invoice.amount_paid > 0 ? "paid" : "no_payment_required";
  } else if (session.mode === "payment") {
    const now = emu.nowFor(customer.id);
    for (const r of discounts) redeem(emu, r, { customer: customer.id, checkoutSession: session.id }, now);
    // A real PaymentIntent and charge (payment_intent.succeeded, charge.succeeded), so the payment can be refunded.
    const intent = newPaymentIntent(emu, { amount: session.amount_total ?? 0, currency: session.currency ?? "usd", customer: customer.id });
    emu.store.paymentIntents.set(intent.id, intent);
    paymentIntentSucceeded(emu, intent, pm.id);
    session.payment_intent = intent.id;
    session.payment_status = "paid";
  } else {
    session.setup_intent = setupIntent?.id ?? null;
    session.payment_status = "no_payment_required";
  }
  session.status = "complete";
  session.url = null;
  emitEvent(emu, "checkout.session.completed", session);
  return { status: "complete", session };
}

/** The success_url with Stripe's `{CHECKOUT_SESSION_ID}` template filled in. */
export function successRedirect(session: Stripe.Checkout.Session): string | null {
  return session.success_url ? session.success_url.replace("{CHECKOUT_SESSION_ID}", session.id) : null;
}

/** The coupons behind a session's `discounts` (a coupon, or a promotion code's coupon). */
function sessionRedemptions(emu: Emulator, session: Stripe.Checkout.Session): Redemption[] {
  return (session.discounts ?? []).flatMap((d) => {
    const promoId = typeof d.promotion_code === "string" ? d.promotion_code : (d.promotion_code?.id ?? null);
    const promotionCode = promoId ? (emu.store.promotionCodes.get(promoId) ?? null) : null;
    const couponRef = promotionCode ? promotionCode.promotion.coupon : d.coupon;
    const coupon = couponRef ? couponFor(emu, typeof couponRef === "string" ? couponRef : couponRef.id) : undefined;
    return coupon ? [{ coupon, promotionCode }] : [];
  });
}

/**
 * A session's amounts: each line's amount_discount from the session's discounts, then tax on what is left and
 * the totals (refreshCheckoutTotals). Nothing is due today during a free trial.
 */
export function priceSession(emu: Emulator, session: Stripe.Checkout.Session): void {
  const internals = emu.store.checkoutInternals.get(session.id);
  if (!internals) return;
  const items = internals.lineItems;
  const coupons = sessionRedemptions(emu, session).map((r) => r.coupon);
  const { perLine } = computeDiscounts(
    items.map((li) => ({ amount: li.amount_subtotal, product: li.price ? productIdOf(li.price) : null, discountable: true })),
    coupons,
    session.currency ?? "usd",
  );
  items.forEach((li, i) => {
    li.amount_discount = perLine[i].reduce((s, a) => s + a, 0);
  });
  const trial = session.mode === "subscription" && Boolean(internals.trialPeriodDays || internals.trialEnd);
  refreshCheckoutTotals(emu, session, items, null, !trial);
}

function redemptionContext(emu: Emulator, session: Stripe.Checkout.Session): RedemptionContext {
  const customerId = typeof session.customer === "string" ? session.customer : (session.customer?.id ?? null);
  const customer = customerId ? (emu.store.customers.get(customerId) ?? null) : null;
  const items = emu.store.checkoutInternals.get(session.id)?.lineItems ?? [];
  return {
    customer,
    amount: items.reduce((s, li) => s + li.amount_subtotal, 0),
    currency: session.currency ?? "usd",
    at: emu.nowFor(customerId),
  };
}

/** Checks the session's discounts again when the customer pays (a code may have run out meanwhile). */
function recheckDiscounts(emu: Emulator, session: Stripe.Checkout.Session): Redemption[] {
  const ctx = redemptionContext(emu, session);
  return sessionRedemptions(emu, session).map((r) => ({
    coupon: r.promotionCode
      ? checkPromotionCode(emu, r.promotionCode, ctx, "promotion_code")
      : checkCoupon(emu, r.coupon.id, ctx, "discounts"),
    promotionCode: r.promotionCode,
  }));
}

/** The hosted page's promotion-code field: a code the customer typed, checked with Stripe's refusals. */
export function applyPromotionCode(emu: Emulator, session: Stripe.Checkout.Session, typed: string): void {
  if (!session.allow_promotion_codes) throw invalidRequest("This Checkout Session does not accept promotion codes.", "promotion_code");
  const promo = findActiveCode(emu, typed);
  if (!promo) throw invalidRequest("This code is invalid.", "promotion_code", "promotion_code_invalid");
  checkPromotionCode(emu, promo, redemptionContext(emu, session), "promotion_code");
  session.discounts = [{ coupon: null, promotion_code: promo.id }];
  priceSession(emu, session);
}

export function removePromotionCode(emu: Emulator, session: Stripe.Checkout.Session): void {
  session.discounts = [];
  priceSession(emu, session);
}
