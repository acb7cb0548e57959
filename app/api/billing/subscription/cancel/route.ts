import { NextResponse } from "next/server";
import { cancelSubscription } from "@/lib/billing/plan-change";
import { accountBody, accountFor } from "@/lib/http/account";
import { route } from "@/lib/http/route";

export const POST = route({ access: "user", body: accountBody, rateLimit: "billing-action" }, async (ctx) => {
  const account = await accountFor(ctx, ctx.body.accountId, "manage");
  return NextResponse.json(await cancelSubscription(account.accountId));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
