import { NextResponse } from "next/server";
import { planChange } from "@/lib/billing/inputs";
import { changePlan } from "@/lib/billing/plan-change";
import { accountFor } from "@/lib/http/account";
import { route } from "@/lib/http/route";

export const POST = route({ access: "user", body: planChange, rateLimit: "billing-action" }, async (ctx) => {
  const account = await accountFor(ctx, ctx.body.accountId, "manage");
  return NextResponse.json(await changePlan(account.accountId, ctx.body));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
