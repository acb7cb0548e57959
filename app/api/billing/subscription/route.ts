import { NextResponse } from "next/server";
import { getBillingSummary } from "@/lib/billing/summary";
import { accountFor, queryAccountId } from "@/lib/http/account";
import { route } from "@/lib/http/route";

/** The account's plan, status and limits (`?accountId=`; every member may read it). */
export const GET = route({ access: "user" }, async (ctx) => {
  const account = await accountFor(ctx, queryAccountId(ctx.request), "use");
  return NextResponse.json({ accountId: account.accountId, ...(await getBillingSummary(account.accountId)) });
});

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
