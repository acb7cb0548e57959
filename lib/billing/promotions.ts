/**
 * Promotion codes for customers: checked against Stripe's restrictions before a Checkout session
 * or a subscription update is made (a bad code is 400 `invalid_promotion_code` with Stripe's
 * reason and nothing is created), applied to a running subscription, and shown on the billing page
 * with Stripe's preview of the next invoice. Discounts live in Stripe only; nothing is stored here
 * but the audit row of an application.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import { z } from "zod";
import { getDb } from "@/db/client";
import { auditLog } from "@/db/schema";
import { accountIdInput } from "@/lib/accounts/access";
import { AppError } from "@/lib/errors";
import { formatMoney } from "@/lib/format";
import { logger } from "@/lib/logger";
import { stripeErrorCode, stripeErrorType } from "@/lib/stripe/errors";
import { idOf } from "@/lib/stripe/mapping";
import {
  addSubscriptionPromotionCode,
  couponOf,
  customerHasPaid,
  DISPLAY_READ,
  customerNow,
  findPromotionCode,
  previewNextInvoice,
  retrieveSubscriptionDiscounts,
} from "@/lib/stripe/promotions";
import { planItemOf } from "@/lib/stripe/subscription-items";
import { findBillingCustomer } from "./customers";
import { promotionCodeInput } from "./inputs";
import { LAUNCH_PROMOTION_CODE } from "./plans";
import { notEndedStripeSubscription } from "./summary";
import { SUBSCRIPTION_STATUS } from "./subscription-status";

export const applyPromotionBody = z.strictObject({ promotionCode: promotionCodeInput, accountId: accountIdInput });

/** The offer a code grants, in words the pricing and billing pages show ("20% off for 3 months"). */
export interface OfferView {
  code: string;
  couponName: string | null;
  percentOff: number | null;
  amountOff: number | null;
  currency: string | null;
  duration: Stripe.Coupon.Duration;
  durationInMonths: number | null;
  /** e.g. "20% off for 3 months", "$5.00 off once", "10% off forever". */
  label: string;
}

const PROMO_REFUSED = "This promotion code cannot be redeemed because";

export const invalidPromotionCode = (code: string, reason: string) =>
  new AppError("invalid_promotion_code", reason, { field: "promotionCode", promotionCode: code });

export function offerLabel(
  coupon: Pick<Stripe.Coupon, "percent_off" | "amount_off" | "currency" | "duration" | "duration_in_months">,
): string {
  const off =
    coupon.percent_off !== null ? `${coupon.percent_off}% off` : `${formatMoney(coupon.amount_off ?? 0, coupon.currency ?? "usd")} off`;
  if (coupon.duration === "forever") return `${off} forever`;
  if (coupon.duration === "repeating") {
    const months = coupon.duration_in_months ?? 1;
    return `${off} for ${months} month${months === 1 ? "" : "s"}`;
  }
  return `${off} once`;
}

function offerOf(code: string, coupon: Stripe.Coupon): OfferView {
  return {
    code,
    couponName: coupon.name,
    percentOff: coupon.percent_off,
    amountOff: coupon.amount_off,
    currency: coupon.currency,
    duration: coupon.duration,
    durationInMonths: coupon.duration_in_months,
    label: offerLabel(coupon),
  };
}

/** The purchase a code is checked against: the customer (null before it exists) and the plan's price. */
export interface RedemptionContext {
  customerId: string | null;
  amount: number;
  currency: string;
}

export interface CheckedPromotion {
  promotionCodeId: string;
  offer: OfferView;
}

/**
 * Looks the code up in Stripe and checks it as Stripe will when it redeems it: active, not expired
 * (at the customer's test clock time), not used up, for this customer, first-time customers only,
 * the minimum amount, and its coupon still valid. Throws `invalid_promotion_code` with the reason.
 */
export async function checkPromotionCode(code: string, ctx: RedemptionContext): Promise<CheckedPromotion> {
  const found = await findPromotionCode(code);
  if (!found) throw invalidPromotionCode(code, "This code is invalid.");
  const coupon = couponOf(found);
  const now = await customerNow(ctx.customerId);
  if (!found.active) throw invalidPromotionCode(code, `${PROMO_REFUSED} it is inactive.`);
  if (found.expires_at !== null && now >= found.expires_at) throw invalidPromotionCode(code, `${PROMO_REFUSED} it has expired.`);
  if (found.max_redemptions !== null && found.times_redeemed >= found.max_redemptions) {
    throw invalidPromotionCode(code, `${PROMO_REFUSED} it has been used the maximum number of times.`);
  }
  const restrictedTo = idOf(found.customer);
  if (restrictedTo && restrictedTo !== ctx.customerId)
    throw invalidPromotionCode(code, `${PROMO_REFUSED} it is restricted to a different customer.`);
  if (found.restrictions.first_time_transaction && ctx.customerId && (await customerHasPaid(ctx.customerId))) {
    throw invalidPromotionCode(code, `${PROMO_REFUSED} the associated customer has prior transactions.`);
  }
  const minimum = found.restrictions.minimum_amount;
  if (minimum !== null && (found.restrictions.minimum_amount_currency !== ctx.currency || ctx.amount < minimum)) {
    throw invalidPromotionCode(code, `${PROMO_REFUSED} the associated purchase does not meet the minimum amount requirement.`);
  }
  const expired = !coupon || !coupon.valid || (coupon.redeem_by !== null && now >= coupon.redeem_by);
  if (!coupon || expired) throw invalidPromotionCode(code, `Coupon expired: ${coupon?.id ?? "unknown"}`);
  if (coupon.amount_off !== null && coupon.currency !== ctx.currency) {
    throw invalidPromotionCode(code, `${PROMO_REFUSED} it is not available in ${ctx.currency.toUpperCase()}.`);
  }
  return { promotionCodeId: found.id, offer: offerOf(found.code, coupon) };
}

/** Stripe refused a discount when redeeming it (a race with our check): the same 400, with Stripe's reason. */
export function asPromotionError(error: unknown, code: string): unknown {
  const stripeCode = stripeErrorCode(error) ?? "";
  if (
    stripeErrorType(error) === "StripeInvalidRequestError" &&
    (stripeCode.startsWith("promotion_code") || stripeCode === "coupon_expired")
  ) {
    return invalidPromotionCode(code, (error as Error).message);
  }
  return error;
}

/**
 * The offer a code grants, for the pricing page: null when the code is unknown or not redeemable
 * by a new customer (the page then shows no offer; Checkout checks again with the customer).
 */
export async function previewOffer(code: string | null | undefined): Promise<OfferView | null> {
  if (!code || !promotionCodeInput.safeParse(code).success) return null;
  try {
    const found = await findPromotionCode(code.trim());
    const coupon = found && couponOf(found);
    const now = Math.floor(Date.now() / 1000);
    if (!found || !coupon || !found.active || !coupon.valid) return null;
    if (found.expires_at !== null && now >= found.expires_at) return null;
    if (found.max_redemptions !== null && found.times_redeemed >= found.max_redemptions) return null;
    if (found.customer) return null;
    return offerOf(found.code, coupon);
  } catch (error) {
    logger.warn({ err: error }, "promotion offer unavailable");
    return null;
  }
}

// The pricing page asks on every render: a short per-code cache keeps Stripe off that path.
const OFFER_CACHE_MS = 60_000;
const OFFER_CACHE_SIZE = 100;
const globalForOffers = globalThis as unknown as { __offerCache?: Map<string, { at: number; offer: Promise<OfferView | null> }> };

async function cachedOffer(code: string): Promise<OfferView | null> {
  const cache = (globalForOffers.__offerCache ??= new Map());
  const key = code.toLowerCase();
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < OFFER_CACHE_MS) return hit.offer;
  if (cache.size >= OFFER_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  const offer = previewOffer(code);
  cache.set(key, { at: Date.now(), offer });
  return offer;
}

export function clearOfferCache(): void {
  globalForOffers.__offerCache = undefined;
}

/**
 * The offer the pricing page shows: the code in its query string (`?promo=`) when Stripe would let
 * a new customer redeem it, else the catalog's launch offer (LAUNCH_PROMOTION_CODE), else none.
 */
export async function pricingOffer(queryCode: string | null | undefined): Promise<OfferView | null> {
  const fromQuery = queryCode ? await cachedOffer(queryCode) : null;
  if (fromQuery) return fromQuery;
  return LAUNCH_PROMOTION_CODE ? cachedOffer(LAUNCH_PROMOTION_CODE) : null;
}

export interface DiscountView extends OfferView {
  id: string;
  /** Unix seconds; null for once/forever. */
  end: number | null;
}

export interface NextInvoiceView {
  subtotal: number;
  totalDiscount: number;
  total: number;
  amountDue: number;
  currency: string;
  /** When Stripe will create it (the renewal), Unix seconds. */
  date: number | null;
}

export interface SubscriptionDiscounts {
  discounts: DiscountView[];
  nextInvoice: NextInvoiceView | null;
}

function discountViews(subscription: Stripe.Subscription): DiscountView[] {
  return (subscription.discounts ?? []).flatMap((discount) => {
    if (typeof discount === "string") return [];
    const coupon = discount.source?.coupon;
    if (!coupon || typeof coupon === "string") return [];
    const promo = discount.promotion_code;
    const code = promo && typeof promo !== "string" ? promo.code : (coupon.name ?? coupon.id);
    return [{ ...offerOf(code, coupon), id: discount.id, end: discount.end }];
  });
}

function nextInvoiceView(invoice: Stripe.Invoice): NextInvoiceView {
  const totalDiscount = (invoice.total_discount_amounts ?? []).reduce((sum, d) => sum + d.amount, 0);
  return {
    subtotal: invoice.subtotal,
    totalDiscount,
    total: invoice.total,
    amountDue: invoice.amount_due,
    currency: invoice.currency,
    date: invoice.next_payment_attempt ?? invoice.period_end ?? null,
  };
}

async function readDiscounts(
  customerId: string,
  subscriptionId: string,
  options: Stripe.RequestOptions = {},
): Promise<SubscriptionDiscounts> {
  const subscription = await retrieveSubscriptionDiscounts(subscriptionId, options);
  const ending = subscription.cancel_at_period_end || subscription.status === SUBSCRIPTION_STATUS.canceled;
  const preview = ending ? null : await previewNextInvoice(customerId, subscriptionId, options);
  return { discounts: discountViews(subscription), nextInvoice: preview ? nextInvoiceView(preview) : null };
}

/**
 * The account's running discounts and Stripe's preview of its next invoice, for the billing page;
 * null without a live Stripe subscription, or when Stripe cannot be read (the page still renders).
 */
export async function getSubscriptionDiscounts(accountId: string): Promise<SubscriptionDiscounts | null> {
  const db = await getDb();
  const [row, customer] = await Promise.all([notEndedStripeSubscription(db, accountId), findBillingCustomer(db, accountId)]);
  if (!row || !customer || customer.deletedAt) return null;
  try {
    // The billing page waits for this: a short timeout and no retry (the rest of the page does not need Stripe).
    return await readDiscounts(customer.providerCustomerId, row.providerSubscriptionId, DISPLAY_READ);
  } catch (error) {
    logger.warn({ err: error, accountId }, "subscription discounts unavailable");
    return null;
  }
}

/**
 * Applies a promotion code to the account's live subscription, from its next invoice. Read from
 * Stripe first (the subscription and the code, checked as Stripe will), then one update, then the
 * audit row in its own short transaction: no transaction is open during a Stripe call. The same
 * code applied again is a no-op (200, nothing redeemed twice).
 */
export async function applyPromotionCode(accountId: string, code: string, actorUserId: string): Promise<SubscriptionDiscounts> {
  const db = await getDb();
  const [row, customer] = await Promise.all([notEndedStripeSubscription(db, accountId), findBillingCustomer(db, accountId)]);
  if (!row || !customer || customer.deletedAt) {
    throw new AppError(
      "no_subscription",
      "You have no active subscription to apply a promotion code to. Choose a plan on the pricing page.",
    );
  }
  const subscription = await retrieveSubscriptionDiscounts(row.providerSubscriptionId);
  const existing = (subscription.discounts ?? []).filter((d): d is Stripe.Discount => typeof d !== "string");
  const already = existing.find((d) => {
    const promo = d.promotion_code;
    return promo && typeof promo !== "string" && promo.code.toLowerCase() === code.toLowerCase();
  });
  if (already) return readDiscounts(customer.providerCustomerId, subscription.id);
  const item = planItemOf(subscription);
  const checked = await checkPromotionCode(code, {
    customerId: customer.providerCustomerId,
    amount: (item?.price.unit_amount ?? 0) * (item?.quantity ?? 1),
    currency: item?.price.currency ?? subscription.currency,
  });
  await addSubscriptionPromotionCode({
    subscriptionId: subscription.id,
    keepDiscountIds: existing.map((d) => d.id),
    promotionCodeId: checked.promotionCodeId,
    idempotencyKey: `discount:${subscription.id}:${checked.promotionCodeId}:${randomUUID()}`,
  }).catch((error: unknown) => {
    throw asPromotionError(error, code);
  });
  await db.transaction(async (tx) => {
    await tx.insert(auditLog).values({
      actorUserId,
      action: "subscription.discount_applied",
      targetType: "account",
      targetId: accountId,
      data: {
        subscriptionId: subscription.id,
        promotionCode: checked.offer.code,
        promotionCodeId: checked.promotionCodeId,
        offer: checked.offer.label,
      },
    });
  });
  logger.info({ accountId, subscriptionId: subscription.id, promotionCodeId: checked.promotionCodeId }, "promotion code applied");
  return readDiscounts(customer.providerCustomerId, subscription.id);
}
