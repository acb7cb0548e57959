import { NextResponse } from "next/server";
import { revokeApiKey } from "@/lib/auth/api-keys";
import { accountBody, accountFor, queryAccountId } from "@/lib/http/account";
import { route } from "@/lib/http/route";

/** Revokes one of the account's keys (`accountId` in the body or query; 404 for another account's). */
export const DELETE = route({ access: "user", body: accountBody }, async (ctx) => {
  const { id } = await ctx.params;
  const account = await accountFor(ctx, ctx.body.accountId ?? queryAccountId(ctx.request), "manage");
  await revokeApiKey(account.accountId, String(id));
  return NextResponse.json({ revoked: true, id });
});

export { methodNotAllowed as POST, methodNotAllowed as PUT, methodNotAllowed as PATCH } from "@/lib/http/method-not-allowed";
