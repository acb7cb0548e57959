import { NextResponse } from "next/server";
import { applyPromotionBody, applyPromotionCode } from "@/lib/billing/promotions";
import { accountFor } from "@/lib/http/account";
import { route } from "@/lib/http/route";

/**
 * `{promotionCode, accountId?}`: applies a promotion code to the account's subscription from its next invoice
 * (owners and admins); answers the active discounts and Stripe's preview of the next invoice. Audited.
 */
export const POST = route({ access: "user", body: applyPromotionBody, rateLimit: "billing-action" }, async (ctx) => {
  const account = await accountFor(ctx, ctx.body.accountId, "manage");
  return NextResponse.json(await applyPromotionCode(account.accountId, ctx.body.promotionCode, ctx.user.id));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
