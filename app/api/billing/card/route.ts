import { NextResponse } from "next/server";
import { requestOrigin } from "@/lib/app-url";
import { startAddCard } from "@/lib/billing/trial-start";
import { accountBody, accountFor } from "@/lib/http/account";
import { route } from "@/lib/http/route";

/** `{accountId?}`: a Checkout in setup mode that saves a card for the account's subscription (a card-less trial's). */
export const POST = route({ access: "user", body: accountBody, rateLimit: "portal" }, async (ctx) => {
  const account = await accountFor(ctx, ctx.body.accountId, "manage");
  return NextResponse.json(await startAddCard(account.accountId, requestOrigin(ctx.request)));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
