import { NextResponse } from "next/server";
import { getSpendCap, setSpendCap, spendCapInput, spendCapQuery } from "@/lib/billing/metering/spend-caps";
import { accountFor } from "@/lib/http/account";
import { parseInput, route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** `?accountId=`: the account's monthly cap on billed overage and the overage billed so far this period (owners and admins). */
export const GET = route({ access: "user" }, async (ctx) => {
  const query = parseInput(Object.fromEntries(ctx.request.nextUrl.searchParams), spendCapQuery);
  const account = await accountFor(ctx, query.accountId, "manage");
  return NextResponse.json(await getSpendCap(account.accountId));
});

/** `{ capCents, accountId? }`: sets the cap in minor units of the plan's currency, or clears it with null (owners and admins; audited). */
export const POST = route({ access: "user", body: spendCapInput, rateLimit: "billing-action" }, async (ctx) => {
  const account = await accountFor(ctx, ctx.body.accountId, "manage");
  return NextResponse.json(await setSpendCap(account.accountId, ctx.body.capCents, ctx.user.id));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
