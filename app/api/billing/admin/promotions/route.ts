import { NextResponse } from "next/server";
import { adminPromotions, createAdminPromotion } from "@/lib/billing/admin/console";
import { promotionInput } from "@/lib/billing/admin/promotions";
import { route } from "@/lib/http/route";

/** The promotion codes with their coupon and redemptions, read from Stripe. */
export const GET = route({ access: "admin" }, async () => NextResponse.json(await adminPromotions()));

/** Makes a coupon and its promotion code (percent or amount, once/repeating/forever, limits, expiry, first-time only); audited. */
export const POST = route({ access: "admin", body: promotionInput }, async ({ user, body }) =>
  NextResponse.json(await createAdminPromotion(body, user.id), { status: 201 }),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
