import type Stripe from "stripe";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import { invalidRequest, resourceMissing } from "../http/errors";
import { matchesRange, newestFirst, paginate } from "../http/pagination";
import { getSubscription } from "./lookup";
import {
  createCoupon,
  createPromotionCode,
  deleteCoupon,
  endDiscount,
  refreshCouponValidity,
  updateCoupon,
  updatePromotionCode,
} from "../billing/discounts";

function getCoupon(emu: Emulator, id: string): Stripe.Coupon {
  const coupon = emu.store.coupons.get(id);
  if (!coupon) throw resourceMissing("coupon", id);
  refreshCouponValidity(emu, coupon);
  return coupon;
}

function getPromotionCode(emu: Emulator, id: string): Stripe.PromotionCode {
  const promo = emu.store.promotionCodes.get(id);
  if (!promo) throw resourceMissing("promotion code", id);
  return promo;
}

/** Coupons, promotion codes, and removing a subscription's discount. */
export function registerCoupons(router: Router): void {
  router.post("/v1/coupons", ({ emu, params }) => createCoupon(emu, params));
  router.get("/v1/coupons", ({ emu, params }) => {
    const items = newestFirst(emu.store.coupons.values()).filter((c) => matchesRange(c.created, params, "created"));
    for (const coupon of items) refreshCouponValidity(emu, coupon);
    return paginate(items, params, "/v1/coupons", "coupon");
  });
  router.get("/v1/coupons/:id", ({ emu, path }) => getCoupon(emu, path.id));
  router.post("/v1/coupons/:id", ({ emu, path, params }) => updateCoupon(emu, getCoupon(emu, path.id), params));
  router.delete("/v1/coupons/:id", ({ emu, path }) => deleteCoupon(emu, getCoupon(emu, path.id)));

  router.post("/v1/promotion_codes", ({ emu, params }) => createPromotionCode(emu, params));
  router.get("/v1/promotion_codes", ({ emu, params }) => {
    const code = params.str("code")?.toLowerCase();
    const coupon = params.str("coupon");
    const active = params.bool("active");
    const customer = params.str("customer");
    const items = newestFirst(emu.store.promotionCodes.values()).filter(
      (p) =>
        (code === undefined || p.code.toLowerCase() === code) &&
        (coupon === undefined || p.promotion.coupon === coupon) &&
        (active === undefined || p.active === active) &&
        (customer === undefined || p.customer === customer) &&
        matchesRange(p.created, params, "created"),
    );
    return paginate(items, params, "/v1/promotion_codes", "promotion_code");
  });
  router.get("/v1/promotion_codes/:id", ({ emu, path }) => getPromotionCode(emu, path.id));
  router.post("/v1/promotion_codes/:id", ({ emu, path, params }) => updatePromotionCode(emu, getPromotionCode(emu, path.id), params));

  // The legacy single-discount removal: takes the subscription's discount off (the first, when it has several).
  router.delete("/v1/subscriptions/:id/discount", ({ emu, path }) => {
    const sub = getSubscription(emu, path.id);
    const first = sub.discounts[0];
    const discount = first ? emu.store.discounts.get(typeof first === "string" ? first : first.id) : undefined;
    if (!discount) throw invalidRequest(`No active discount for subscription: ${sub.id}`, undefined, "resource_missing", 404);
    return endDiscount(emu, discount);
  });
}
