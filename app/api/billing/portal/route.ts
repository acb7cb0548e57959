import { NextResponse } from "next/server";
import { requestOrigin } from "@/lib/app-url";
import { openCustomerPortal } from "@/lib/billing/checkout";
import { accountBody, accountFor } from "@/lib/http/account";
import { route } from "@/lib/http/route";

export const POST = route({ access: "user", body: accountBody, rateLimit: "portal" }, async (ctx) => {
  const account = await accountFor(ctx, ctx.body.accountId, "manage");
  return NextResponse.json(await openCustomerPortal(account.accountId, requestOrigin(ctx.request)));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
