import { NextResponse } from "next/server";
import { billingDetailsBody, getBillingDetails, updateBillingDetails } from "@/lib/billing/billing-details";
import { accountFor, queryAccountId } from "@/lib/http/account";
import { route } from "@/lib/http/route";

/** The account's company name, billing address and tax IDs (`?accountId=`; owners and admins of an organization). */
export const GET = route({ access: "user" }, async (ctx) => {
  const account = await accountFor(ctx, queryAccountId(ctx.request), "manage");
  return NextResponse.json(await getBillingDetails(account.accountId));
});

/**
 * `{name, address: {line1, line2?, city, postalCode?, state?, country}, taxId?: {type, value} | null, accountId?}`:
 * sets them on the account's Stripe customer (made first when it has none). A tax ID Stripe refuses is a 400
 * `invalid_tax_id` with Stripe's reason, and nothing changes.
 */
export const POST = route({ access: "user", body: billingDetailsBody, rateLimit: "billing-action" }, async (ctx) => {
  const { user, body } = ctx;
  const account = await accountFor(ctx, body.accountId, "manage");
  const billing = { id: account.accountId, email: user.email, name: account.kind === "personal" ? user.name : account.name };
  return NextResponse.json(await updateBillingDetails(billing, body));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
