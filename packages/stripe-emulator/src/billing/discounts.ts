/**
 * Coupons, promotion codes and the discounts they redeem into.
 *
 * A coupon says how much comes off (percent_off, or amount_off in one currency) and for how long on a subscription
 * (once, repeating for duration_in_months, forever). A promotion code is a customer-facing code for a coupon with
 * its own restrictions. Redeeming either onto a subscription (or a Checkout Session) creates a `discount` object
 * (`di_…`); invoices list the discounts applied (`invoice.discounts`) and how much each took off
 * (`total_discount_amounts`, and per line `discount_amounts`).
 */
import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { invalidRequest, parameterInvalid, parameterMissing, resourceMissing } from "../http/errors";
import { newId, randomToken } from "../ids";
import { emitEvent } from "../events";
import { clone } from "../json";
import { addInterval } from "./periods";

/** What a `discounts[]` entry names, checked but not yet redeemed. */
export interface Redemption {
  coupon: Stripe.Coupon;
  promotionCode: Stripe.PromotionCode | null;
}

/** Who redeems: the customer (null for a Checkout that will create one) and what the purchase amounts to. */
export interface RedemptionContext {
  customer: Stripe.Customer | null;
  /** The amount the discount would apply to (minor units), for `restrictions.minimum_amount`. */
  amount: number;
  currency: string;
  /** Unix time of the redemption (the customer's test clock). */
  at: number;
}

/** A live coupon, or one deleted after it was redeemed (existing discounts keep working, as on Stripe). */
export function couponFor(emu: Emulator, id: string): Stripe.Coupon | undefined {
  return emu.store.coupons.get(id) ?? emu.store.deletedCoupons.get(id);
}

export function couponIdOf(discount: Stripe.Discount): string {
  const coupon = discount.source.coupon;
  return typeof coupon === "string" ? coupon : (coupon?.id ?? "");
}

function promoCouponId(code: Stripe.PromotionCode): string {
  const coupon = code.promotion.coupon;
  return typeof coupon === "string" ? coupon : (coupon?.id ?? "");
}

/** `valid`: not past redeem_by and not redeemed max_redemptions times. */
export function refreshCouponValidity(emu: Emulator, coupon: Stripe.Coupon, at = emu.realNow()): boolean {
  const exhausted = coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions;
  const expired = coupon.redeem_by !== null && at >= coupon.redeem_by;
  coupon.valid = !exhausted && !expired;
  return coupon.valid;
}

/** Any successful payment or paid invoice: what `restrictions.first_time_transaction` refuses. */
function hasPriorTransactions(emu: Emulator, customerId: string): boolean {
  for (const invoice of emu.store.invoices.values()) {
    if (invoice.customer === customerId && invoice.status === "paid" && invoice.amount_paid > 0) return true;
  }
  for (const charge of emu.store.charges.values()) {
    if (charge.customer === customerId && charge.status === "succeeded") return true;
  }
  return false;
}

const PROMO_REFUSED = "This promotion code cannot be redeemed because";

/** Checks one promotion code for redemption in `ctx`; throws Stripe's refusal with `param`. */
export function checkPromotionCode(emu: Emulator, code: Stripe.PromotionCode, ctx: RedemptionContext, param: string): Stripe.Coupon {
  const coupon = couponFor(emu, promoCouponId(code));
  if (!code.active) throw invalidRequest(`${PROMO_REFUSED} it is inactive.`, param, "promotion_code_inactive");
  if (code.expires_at !== null && ctx.at >= code.expires_at)
    throw invalidRequest(`${PROMO_REFUSED} it has expired.`, param, "promotion_code_expired");
  if (code.max_redemptions !== null && code.times_redeemed >= code.max_redemptions) {
    throw invalidRequest(`${PROMO_REFUSED} it has been used the maximum number of times.`, param, "promotion_code_max_redemptions");
  }
  const customerId = typeof code.customer === "string" ? code.customer : (code.customer?.id ?? null);
  if (customerId !== null && ctx.customer?.id !== customerId) {
    throw invalidRequest(`${PROMO_REFUSED} it is restricted to a different customer.`, param, "promotion_code_customer_mismatch");
  }
  if (code.restrictions.first_time_transaction && ctx.customer && hasPriorTransactions(emu, ctx.customer.id)) {
    throw invalidRequest(
      `${PROMO_REFUSED} the associated customer has prior transactions.`,
      param,
      "promotion_code_customer_not_first_time",
    );
  }
  const minimum = code.restrictions.minimum_amount;
  if (minimum !== null && (code.restrictions.minimum_amount_currency !== ctx.currency || ctx.amount < minimum)) {
    throw invalidRequest(
      `${PROMO_REFUSED} the associated purchase does not meet the minimum amount requirement.`,
      param,
      "promotion_code_minimum_amount",
    );
  }
  if (!coupon || !emu.store.coupons.has(coupon.id) || !refreshCouponValidity(emu, coupon, ctx.at)) {
    throw invalidRequest(`Coupon expired: ${promoCouponId(code)}`, param, "coupon_expired");
  }
  return coupon;
}

export function checkCoupon(emu: Emulator, id: string, ctx: RedemptionContext, param: string): Stripe.Coupon {
  const coupon = emu.store.coupons.get(id);
  if (!coupon) throw resourceMissing("coupon", id, param);
  if (!refreshCouponValidity(emu, coupon, ctx.at)) throw invalidRequest(`Coupon expired: ${id}`, param, "coupon_expired");
  return coupon;
}

/** The active promotion code a customer typed (codes are case-insensitive), or undefined. */
export function findActiveCode(emu: Emulator, code: string): Stripe.PromotionCode | undefined {
  const wanted = code.trim().toLowerCase();
  return [...emu.store.promotionCodes.values()].find((p) => p.active && p.code.toLowerCase() === wanted);
}

/**
 * `discounts[]` of a request ({coupon} or {promotion_code} each), checked without redeeming anything.
 * `keep` lists ids of discounts already on the object that `{discount: id}` entries may name.
 */
export function discountsFrom(
  emu: Emulator,
  params: Params,
  ctx: RedemptionContext,
  key = "discounts",
  keep: string[] = [],
): Array<Redemption | { existing: string }> | null {
  if (!params.has(key)) return null;
  if (params.isEmpty(key)) return [];
  const entries = params.objArray(key) ?? [];
  const out: Array<Redemption | { existing: string }> = [];
  entries.forEach((entry, i) => {
    const param = `${params.name(key)}[${i}]`;
    const given = ["coupon", "promotion_code", "discount"].filter((k) => entry.has(k));
    if (given.length === 0)
      throw invalidRequest("You must specify either `coupon` or `promotion_code` for each discount.", param, "parameter_missing");
    if (given.length > 1) throw invalidRequest(`You may only specify one of these parameters: ${given.join(", ")}.`, param);
    const existing = entry.str("discount");
    if (existing !== undefined) {
      if (!keep.includes(existing)) throw resourceMissing("discount", existing, `${param}[discount]`);
      out.push({ existing });
      return;
    }
    const couponId = entry.str("coupon");
    if (couponId !== undefined) {
      out.push({ coupon: checkCoupon(emu, couponId, ctx, `${param}[coupon]`), promotionCode: null });
      return;
    }
    const promoId = entry.requiredStr("promotion_code");
    const code = emu.store.promotionCodes.get(promoId);
    if (!code) throw resourceMissing("promotion code", promoId, `${param}[promotion_code]`);
    out.push({ coupon: checkPromotionCode(emu, code, ctx, `${param}[promotion_code]`), promotionCode: code });
  });
  return out;
}

export interface DiscountTarget {
  customer: string | null;
  subscription?: string | null;
  checkoutSession?: string | null;
  invoice?: string | null;
}

/** Redeem a checked coupon or code: a new discount object, times_redeemed counted once, customer.discount.created. */
export function redeem(emu: Emulator, redemption: Redemption, target: DiscountTarget, at: number): Stripe.Discount {
  const { coupon, promotionCode } = redemption;
  const discount = discountObject(newId("di"), redemption, target, at);
  emu.store.discounts.set(discount.id, discount);
  coupon.times_redeemed += 1;
  refreshCouponValidity(emu, coupon, at);
  if (promotionCode) promotionCode.times_redeemed += 1;
  if (target.customer) emitEvent(emu, "customer.discount.created", discount);
  return discount;
}

/**
 * The discounts an invoice preview's `discounts` proposes: kept ones as they are, new coupons / codes as the
 * discounts they would become (not stored, nothing redeemed).
 */
export function proposedDiscounts(
  emu: Emulator,
  list: Array<Redemption | { existing: string }>,
  target: DiscountTarget,
  at: number,
): Stripe.Discount[] {
  return list.flatMap((d) => {
    if ("existing" in d) {
      const existing = emu.store.discounts.get(d.existing);
      return existing ? [existing] : [];
    }
    return [discountObject(`di_preview_${randomToken(14)}`, d, target, at)];
  });
}

function discountObject(id: string, redemption: Redemption, target: DiscountTarget, at: number): Stripe.Discount {
  const { coupon, promotionCode } = redemption;
  return {
    id,
    object: "discount",
    checkout_session: target.checkoutSession ?? null,
    customer: target.customer,
    customer_account: null,
    end: coupon.duration === "repeating" && coupon.duration_in_months ? addInterval(at, "month", coupon.duration_in_months) : null,
    invoice: target.invoice ?? null,
    invoice_item: null,
    promotion_code: promotionCode?.id ?? null,
    source: { coupon: coupon.id, type: "coupon" },
    start: at,
    subscription: target.subscription ?? null,
    subscription_item: null,
  };
}

function deletedDiscount(discount: Stripe.Discount): Stripe.DeletedDiscount {
  const copy: Record<string, unknown> = { ...clone(discount), deleted: true };
  delete copy.end;
  // A Discount's fields minus `end`, plus `deleted: true`: the DeletedDiscount shape.
  return copy as unknown as Stripe.DeletedDiscount;
}

/** Take a discount off its subscription (it keeps existing for the invoices that list it). */
export function endDiscount(emu: Emulator, discount: Stripe.Discount): Stripe.DeletedDiscount {
  const sub = discount.subscription ? emu.store.subscriptions.get(discount.subscription) : undefined;
  if (sub) sub.discounts = sub.discounts.filter((d) => (typeof d === "string" ? d : d.id) !== discount.id);
  emu.store.discountsEnded.add(discount.id);
  const deleted = deletedDiscount(discount);
  if (discount.customer) emitEvent(emu, "customer.discount.deleted", discount);
  return deleted;
}

/**
 * The discounts that apply to a subscription invoice at `at`. With `consume`, repeating discounts whose time is
 * over are ended first (customer.discount.deleted), as Stripe does when they lapse.
 */
export function subscriptionDiscountsAt(emu: Emulator, sub: Stripe.Subscription, at: number, consume: boolean): Stripe.Discount[] {
  const out: Stripe.Discount[] = [];
  for (const ref of [...sub.discounts]) {
    const discount = emu.store.discounts.get(typeof ref === "string" ? ref : ref.id);
    if (!discount || emu.store.discountsEnded.has(discount.id)) continue;
    if (discount.end !== null && at >= discount.end) {
      if (consume) endDiscount(emu, discount);
      continue;
    }
    out.push(discount);
  }
  return out;
}

/** A once-duration discount is spent by the first invoice it actually reduces. */
export function recordDiscountUse(emu: Emulator, invoice: Stripe.Invoice, discounts: Stripe.Discount[]): void {
  for (const discount of discounts) {
    const coupon = couponFor(emu, couponIdOf(discount));
    const used = (invoice.total_discount_amounts ?? []).some(
      (d) => d.amount > 0 && (typeof d.discount === "string" ? d.discount : d.discount.id) === discount.id,
    );
    if (coupon?.duration === "once" && used && discount.subscription) endDiscount(emu, discount);
  }
}

/** One line to discount: its amount, its product, and whether discounts apply to it at all. */
export interface DiscountableLine {
  amount: number;
  product: string | null;
  discountable: boolean;
}

/**
 * How much each coupon takes off each line, applied in order (each to what the previous ones left). percent_off is
 * rounded per line; amount_off (only in its own currency) is capped at what is left and spread over the eligible lines
 * in proportion, the rounding remainder on the last. `applies_to.products` limits which lines are eligible.
 */
export function computeDiscounts(
  lines: DiscountableLine[],
  coupons: Stripe.Coupon[],
  currency: string,
): { perLine: number[][]; perCoupon: number[] } {
  const remaining = lines.map((l) => (l.discountable ? Math.max(0, l.amount) : 0));
  const perLine = lines.map(() => coupons.map(() => 0));
  const perCoupon = coupons.map(() => 0);
  coupons.forEach((coupon, c) => {
    const eligible = lines
      .map((l, i) => i)
      .filter((i) => remaining[i] > 0 && (!coupon.applies_to || coupon.applies_to.products.includes(lines[i].product ?? "")));
    if (coupon.percent_off !== null) {
      for (const i of eligible) perLine[i][c] = Math.min(remaining[i], Math.round((remaining[i] * coupon.percent_off) / 100));
    } else if (coupon.amount_off !== null && coupon.currency === currency) {
      const base = eligible.reduce((s, i) => s + remaining[i], 0);
      const off = Math.min(coupon.amount_off, base);
      let given = 0;
      eligible.forEach((i, k) => {
        const share = k === eligible.length - 1 ? off - given : Math.floor((off * remaining[i]) / base);
        perLine[i][c] = share;
        given += share;
      });
    }
    for (const i of eligible) {
      remaining[i] -= perLine[i][c];
      perCoupon[c] += perLine[i][c];
    }
  });
  return { perLine, perCoupon };
}

function productOfLine(line: Stripe.InvoiceLineItem): string | null {
  return line.pricing?.price_details?.product ?? null;
}

/**
 * Apply `discounts` to a built invoice: each line's `discount_amounts`, the invoice's `discounts` and
 * `total_discount_amounts`. Returns the total taken off; the caller derives the totals (tax comes after this).
 */
export function applyInvoiceDiscounts(emu: Emulator, invoice: Stripe.Invoice, discounts: Stripe.Discount[]): number {
  const lines = invoice.lines.data;
  const coupons = discounts.map((d) => couponFor(emu, couponIdOf(d)));
  const usable = discounts.filter((_d, i) => coupons[i] !== undefined);
  const usableCoupons = coupons.filter((c): c is Stripe.Coupon => c !== undefined);
  const { perLine, perCoupon } = computeDiscounts(
    lines.map((l) => ({ amount: l.amount, product: productOfLine(l), discountable: l.discountable })),
    usableCoupons,
    invoice.currency,
  );
  lines.forEach((line, i) => {
    line.discount_amounts = usable.map((d, c) => ({ amount: perLine[i][c], discount: d.id })).filter((a) => a.amount > 0);
  });
  invoice.discounts = usable.map((d) => d.id);
  invoice.total_discount_amounts = usable.map((d, c) => ({ amount: perCoupon[c], discount: d.id }));
  return perCoupon.reduce((s, a) => s + a, 0);
}

// ----- coupons -----

const DURATIONS = ["forever", "once", "repeating"] as const;

/** percent_off is a decimal (up to two places) in (0, 100]. */
function percentOff(params: Params): number | undefined {
  const raw = params.str("percent_off");
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw === "" || !Number.isFinite(value)) throw parameterInvalid("percent_off", `Invalid decimal: ${raw}`, "parameter_invalid_decimal");
  if (value <= 0 || value > 100) throw invalidRequest("Invalid percent_off: must be greater than 0 and at most 100.", "percent_off");
  return value;
}

function positiveInt(params: Params, key: string): number | undefined {
  const value = params.int(key);
  if (value !== undefined && value <= 0) throw parameterInvalid(params.name(key), `Invalid positive integer`, "parameter_invalid_integer");
  return value;
}

export function createCoupon(emu: Emulator, params: Params): Stripe.Coupon {
  const now = emu.realNow();
  const id = params.str("id") ?? randomToken(8);
  if (id === "") throw invalidRequest("Invalid id: must not be empty.", "id");
  if (emu.store.coupons.has(id)) throw invalidRequest("Coupon already exists.", "id", "resource_already_exists");
  const percent = percentOff(params);
  const amountOff = positiveInt(params, "amount_off");
  if (percent !== undefined && amountOff !== undefined)
    throw invalidRequest("You may only specify one of these parameters: amount_off, percent_off.", "amount_off");
  if (percent === undefined && amountOff === undefined)
    throw invalidRequest("You must pass either `amount_off` or `percent_off`.", undefined, "parameter_missing");
  const currency = params.str("currency")?.toLowerCase();
  if (amountOff !== undefined && !currency) throw parameterMissing("currency");
  if (amountOff === undefined && currency) throw invalidRequest("You may only pass `currency` with `amount_off`.", "currency");
  const duration = params.oneOf("duration", DURATIONS) ?? "once";
  const months = positiveInt(params, "duration_in_months");
  if (duration === "repeating" && months === undefined) throw parameterMissing("duration_in_months");
  if (duration !== "repeating" && months !== undefined) {
    throw invalidRequest("You may only specify `duration_in_months` when `duration` is `repeating`.", "duration_in_months");
  }
  const redeemBy = params.int("redeem_by");
  if (redeemBy !== undefined && redeemBy <= now)
    throw invalidRequest("Invalid timestamp: must be an integer Unix timestamp in the future.", "redeem_by");
  const products = params.obj("applies_to")?.strArray("products");
  products?.forEach((p, i) => {
    if (!emu.store.products.has(p)) throw resourceMissing("product", p, `applies_to[products][${i}]`);
  });
  const coupon: Stripe.Coupon = {
    id,
    object: "coupon",
    amount_off: amountOff ?? null,
    ...(products ? { applies_to: { products } } : {}),
    created: now,
    currency: currency ?? null,
    duration,
    duration_in_months: months ?? null,
    livemode: false,
    max_redemptions: positiveInt(params, "max_redemptions") ?? null,
    metadata: params.applyMetadata({}),
    name: params.str("name") ?? null,
    percent_off: percent ?? null,
    redeem_by: redeemBy ?? null,
    times_redeemed: 0,
    valid: true,
  };
  emu.store.coupons.set(id, coupon);
  emitEvent(emu, "coupon.created", coupon);
  return coupon;
}

export function updateCoupon(emu: Emulator, coupon: Stripe.Coupon, params: Params): Stripe.Coupon {
  const before = clone(coupon);
  const name = params.nullableStr("name");
  if (name !== undefined) coupon.name = name;
  coupon.metadata = params.applyMetadata(coupon.metadata ?? {});
  emitEvent(emu, "coupon.updated", coupon, before);
  return coupon;
}

export function deleteCoupon(emu: Emulator, coupon: Stripe.Coupon): Stripe.DeletedCoupon {
  emu.store.coupons.delete(coupon.id);
  emu.store.deletedCoupons.set(coupon.id, coupon);
  emitEvent(emu, "coupon.deleted", coupon);
  return { id: coupon.id, object: "coupon", deleted: true };
}

// ----- promotion codes -----

const CODE_PATTERN = /^[a-zA-Z0-9-]{1,500}$/;

export function createPromotionCode(emu: Emulator, params: Params): Stripe.PromotionCode {
  const now = emu.realNow();
  const promotion = params.requiredObj("promotion");
  promotion.oneOf("type", ["coupon"] as const);
  if (!promotion.has("type")) throw parameterMissing("promotion[type]");
  const couponId = promotion.str("coupon");
  if (couponId === undefined) throw parameterMissing("promotion[coupon]");
  const coupon = emu.store.coupons.get(couponId);
  if (!coupon) throw resourceMissing("coupon", couponId, "promotion[coupon]");
  const code = params.str("code") ?? randomToken(8).toUpperCase();
  if (!CODE_PATTERN.test(code)) {
    throw invalidRequest("Invalid code: may only contain letters (a-z, A-Z), digits (0-9) and dashes (-), at most 500 characters.", "code");
  }
  if (findActiveCode(emu, code))
    throw invalidRequest(`An active promotion code with \`code: ${code}\` already exists.`, "code", "resource_already_exists");
  const customerId = params.str("customer") ?? null;
  if (customerId !== null && !emu.store.customers.has(customerId)) throw resourceMissing("customer", customerId, "customer");
  const expiresAt = params.int("expires_at") ?? null;
  if (expiresAt !== null && expiresAt <= now)
    throw invalidRequest("Invalid timestamp: must be an integer Unix timestamp in the future.", "expires_at");
  if (expiresAt !== null && coupon.redeem_by !== null && expiresAt > coupon.redeem_by) {
    throw invalidRequest("The promotion code's `expires_at` may not be later than the coupon's `redeem_by`.", "expires_at");
  }
  const restrictions = params.obj("restrictions");
  const minimum = restrictions ? positiveInt(restrictions, "minimum_amount") : undefined;
  const minimumCurrency = restrictions?.str("minimum_amount_currency")?.toLowerCase();
  if (minimum !== undefined && !minimumCurrency) throw parameterMissing("restrictions[minimum_amount_currency]");
  if (minimum === undefined && minimumCurrency) throw parameterMissing("restrictions[minimum_amount]");
  const promo: Stripe.PromotionCode = {
    id: newId("promo"),
    object: "promotion_code",
    active: params.bool("active") ?? true,
    code,
    created: now,
    customer: customerId,
    customer_account: null,
    expires_at: expiresAt,
    livemode: false,
    max_redemptions: positiveInt(params, "max_redemptions") ?? null,
    metadata: params.applyMetadata({}),
    promotion: { coupon: coupon.id, type: "coupon" },
    restrictions: {
      first_time_transaction: restrictions?.bool("first_time_transaction") ?? false,
      minimum_amount: minimum ?? null,
      minimum_amount_currency: minimumCurrency ?? null,
    },
    times_redeemed: 0,
  };
  emu.store.promotionCodes.set(promo.id, promo);
  emitEvent(emu, "promotion_code.created", promo);
  return promo;
}

export function updatePromotionCode(emu: Emulator, promo: Stripe.PromotionCode, params: Params): Stripe.PromotionCode {
  const before = clone(promo);
  const active = params.bool("active");
  if (active === true && !promo.active && findActiveCode(emu, promo.code)) {
    throw invalidRequest(`An active promotion code with \`code: ${promo.code}\` already exists.`, "active", "resource_already_exists");
  }
  if (active !== undefined) promo.active = active;
  promo.metadata = params.applyMetadata(promo.metadata ?? {});
  emitEvent(emu, "promotion_code.updated", promo, before);
  return promo;
}

/** Only the new coupons / codes of a checked `discounts[]` (creation has nothing to keep). */
export function newRedemptions(list: Array<Redemption | { existing: string }> | null): Redemption[] {
  return (list ?? []).filter((d): d is Redemption => "coupon" in d);
}

/** `discounts` on a subscription update: kept entries stay, the rest end, new coupons / codes are redeemed. */
export function replaceSubscriptionDiscounts(
  emu: Emulator,
  sub: Stripe.Subscription,
  list: Array<Redemption | { existing: string }>,
  at: number,
): void {
  const kept = new Set(list.flatMap((d) => ("existing" in d ? [d.existing] : [])));
  for (const ref of [...sub.discounts]) {
    const id = typeof ref === "string" ? ref : ref.id;
    const discount = emu.store.discounts.get(id);
    if (discount && !kept.has(id)) endDiscount(emu, discount);
  }
  sub.discounts = list.map((d) =>
    "existing" in d ? d.existing : redeem(emu, d, { customer: String(sub.customer), subscription: sub.id }, at).id,
  );
}

/** A subscription's discounts' ids, for `{discount: id}` entries. */
export function discountIds(sub: Stripe.Subscription): string[] {
  return sub.discounts.map((d) => (typeof d === "string" ? d : d.id));
}
