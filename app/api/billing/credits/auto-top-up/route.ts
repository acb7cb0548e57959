import { NextResponse } from "next/server";
import { autoTopUpInput, setAutoTopUp } from "@/lib/billing/credits";
import { accountFor } from "@/lib/http/account";
import { route } from "@/lib/http/route";

/**
 * `{enabled, threshold?, pack?, meter?, accountId?}`: turns auto top-up of a meter's credits on (below `threshold`
 * units, buy `pack` with the saved card, off session) or off (owners and admins). 400 for an unknown pack, a
 * missing threshold or a threshold not below the pack's units.
 */
export const POST = route({ access: "user", body: autoTopUpInput, rateLimit: "billing-action" }, async (ctx) => {
  const account = await accountFor(ctx, ctx.body.accountId, "manage");
  const { enabled, threshold, pack, meter } = ctx.body;
  return NextResponse.json(await setAutoTopUp(account.accountId, { enabled, threshold, pack, meter }));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
