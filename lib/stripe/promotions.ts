/**
 * Coupons, promotion codes and discounts: every Stripe call about them. The app checks a code
 * against Stripe's own restrictions before it makes a Checkout session or updates a subscription,
 * so a bad code is a clear 400 and nothing is created; Stripe checks again when it redeems.
 */
import "server-only";
import type Stripe from "stripe";
import { getStripe } from "./client";
import { idOf } from "./mapping";

const PROMOTION_EXPAND = ["data.promotion.coupon"];

/** The coupon a promotion code grants (expanded by the reads below). */
export function couponOf(code: Stripe.PromotionCode): Stripe.Coupon | null {
  const coupon = code.promotion?.coupon;
  return coupon && typeof coupon !== "string" ? coupon : null;
}

/**
 * The promotion code customers type, as Stripe has it (codes are case-insensitive): the active one
 * when there is one, otherwise the newest inactive one (so "inactive" can be told from "unknown").
 */
export async function findPromotionCode(code: string): Promise<Stripe.PromotionCode | null> {
  const { data } = await getStripe().promotionCodes.list({ code, limit: 100, expand: PROMOTION_EXPAND });
  const matching = data.filter((p) => p.code.toLowerCase() === code.toLowerCase());
  return matching.find((p) => p.active) ?? [...matching].sort((a, b) => b.created - a.created)[0] ?? null;
}

/** "Now" for a customer as Stripe redeems at it: its test clock's frozen time (test mode), else the wall clock. */
export async function customerNow(customerId: string | null): Promise<number> {
  const wall = Math.floor(Date.now() / 1000);
  if (!customerId) return wall;
  const customer = await getStripe().customers.retrieve(customerId);
  const clock = "deleted" in customer && customer.deleted ? null : idOf((customer as Stripe.Customer).test_clock);
  if (!clock) return wall;
  return (await getStripe().testHelpers.testClocks.retrieve(clock)).frozen_time;
}

/** A paid invoice with money in it or a succeeded charge: what `restrictions.first_time_transaction` refuses. */
export async function customerHasPaid(customerId: string): Promise<boolean> {
  const stripe = getStripe();
  const [paidInvoices, charges] = await Promise.all([
    stripe.invoices.list({ customer: customerId, status: "paid", limit: 100 }),
    stripe.charges.list({ customer: customerId, limit: 100 }),
  ]);
  return paidInvoices.data.some((invoice) => invoice.amount_paid > 0) || charges.data.some((charge) => charge.status === "succeeded");
}

/** Request options for a read that only decorates a page: a short timeout, no retry, so a slow Stripe never holds the page up. */
export const DISPLAY_READ: Stripe.RequestOptions = { timeout: 3_000, maxNetworkRetries: 0 };

/** The subscription with its discounts' coupons and promotion codes expanded. */
export function retrieveSubscriptionDiscounts(subscriptionId: string, options: Stripe.RequestOptions = {}) {
  return getStripe().subscriptions.retrieve(subscriptionId, { expand: ["discounts.source.coupon", "discounts.promotion_code"] }, options);
}

/**
 * Sets the subscription's discounts: those it has (kept by id) plus the promotion code. No
 * proration: a discount applies from the next invoice.
 */
export function addSubscriptionPromotionCode(params: {
  subscriptionId: string;
  keepDiscountIds: string[];
  promotionCodeId: string;
  idempotencyKey: string;
}) {
  return getStripe().subscriptions.update(
    params.subscriptionId,
    { discounts: [...params.keepDiscountIds.map((discount) => ({ discount })), { promotion_code: params.promotionCodeId }] },
    { idempotencyKey: params.idempotencyKey },
  );
}

/** Stripe's preview of the subscription's next invoice (its renewal), discounts and tax included. */
export function previewNextInvoice(customerId: string, subscriptionId: string, options: Stripe.RequestOptions = {}) {
  return getStripe().invoices.createPreview({ customer: customerId, subscription: subscriptionId }, options);
}

export interface CouponParams {
  name: string;
  percentOff?: number;
  amountOff?: number;
  currency?: string;
  duration: "once" | "repeating" | "forever";
  durationInMonths?: number;
  maxRedemptions?: number;
  redeemBy?: number;
}

export function createCoupon(params: CouponParams, idempotencyKey: string) {
  return getStripe().coupons.create(
    {
      name: params.name,
      ...(params.percentOff !== undefined
        ? { percent_off: params.percentOff }
        : { amount_off: params.amountOff, currency: params.currency }),
      duration: params.duration,
      ...(params.duration === "repeating" ? { duration_in_months: params.durationInMonths } : {}),
      ...(params.maxRedemptions !== undefined ? { max_redemptions: params.maxRedemptions } : {}),
      ...(params.redeemBy !== undefined ? { redeem_by: params.redeemBy } : {}),
    },
    { idempotencyKey },
  );
}

export function createPromotionCode(
  params: { couponId: string; code: string; maxRedemptions?: number; expiresAt?: number; firstTimeTransaction: boolean },
  idempotencyKey: string,
) {
  return getStripe().promotionCodes.create(
    {
      promotion: { type: "coupon", coupon: params.couponId },
      code: params.code,
      ...(params.maxRedemptions !== undefined ? { max_redemptions: params.maxRedemptions } : {}),
      ...(params.expiresAt !== undefined ? { expires_at: params.expiresAt } : {}),
      restrictions: { first_time_transaction: params.firstTimeTransaction },
    },
    { idempotencyKey },
  );
}

/** Every promotion code, newest first, with its coupon. */
export async function listPromotionCodes(limit = 100): Promise<Stripe.PromotionCode[]> {
  return getStripe().promotionCodes.list({ limit: 100, expand: PROMOTION_EXPAND }).autoPagingToArray({ limit });
}

export function retrievePromotionCode(id: string) {
  return getStripe().promotionCodes.retrieve(id, { expand: ["promotion.coupon"] });
}

export function deactivatePromotionCode(id: string) {
  return getStripe().promotionCodes.update(id, { active: false });
}

/** Best-effort cleanup of a coupon whose promotion code could not be made. */
export async function deleteCoupon(id: string): Promise<void> {
  await getStripe().coupons.del(id);
}
