import { NextResponse } from "next/server";
import { requestOrigin } from "@/lib/app-url";
import { startCheckout } from "@/lib/billing/checkout";
import { checkoutSelection } from "@/lib/billing/inputs";
import { accountFor } from "@/lib/http/account";
import { route } from "@/lib/http/route";

/**
 * `{plan, interval, accountId?, promotionCode?, ui?}`: a Checkout for that account, paid by the caller (an owner or
 * admin); a promotion code is checked with Stripe first (400 invalid_promotion_code) and then applied to the session.
 * Answers `{ui: "hosted", url, sessionId}` (Stripe's page) or `{ui: "embedded", url, sessionId, clientSecret}` (the
 * app's /checkout page, Embedded Checkout); `ui` defaults to CHECKOUT_UI (lib/billing/checkout-ui.ts).
 */
export const POST = route({ access: "user", body: checkoutSelection, rateLimit: "checkout" }, async (ctx) => {
  const { request, user, body } = ctx;
  const account = await accountFor(ctx, body.accountId, "manage");
  const billing = { id: account.accountId, email: user.email, name: account.kind === "personal" ? user.name : account.name };
  return NextResponse.json(await startCheckout(billing, body.plan, body.interval, requestOrigin(request), body.promotionCode, body.ui));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
