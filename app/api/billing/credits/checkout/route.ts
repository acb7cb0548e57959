import { NextResponse } from "next/server";
import { requestOrigin } from "@/lib/app-url";
import { creditsCheckoutInput, startCreditsCheckout } from "@/lib/billing/credits";
import { accountFor } from "@/lib/http/account";
import { route } from "@/lib/http/route";

/**
 * `{pack, meter?, accountId?}`: a one-time Checkout payment for a credit pack from the catalog (owners and
 * admins); the paid session's webhook credits the balance once. Unknown pack or meter: 400 bad_request.
 */
export const POST = route({ access: "user", body: creditsCheckoutInput, rateLimit: "checkout" }, async (ctx) => {
  const { request, user, body } = ctx;
  const account = await accountFor(ctx, body.accountId, "manage");
  const billing = { id: account.accountId, email: user.email, name: account.kind === "personal" ? user.name : account.name };
  return NextResponse.json(await startCreditsCheckout(billing, body.pack, body.meter, requestOrigin(request)));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
