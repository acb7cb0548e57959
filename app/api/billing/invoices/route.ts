import { NextResponse } from "next/server";
import { invoiceQuery } from "@/lib/billing/inputs";
import { listUserInvoices } from "@/lib/billing/invoices";
import { accountFor } from "@/lib/http/account";
import { parseInput, route } from "@/lib/http/route";

/** The account's invoices (`?accountId=`; owners and admins only for an organization). */
export const GET = route({ access: "user" }, async (ctx) => {
  const query = parseInput(Object.fromEntries(ctx.request.nextUrl.searchParams), invoiceQuery);
  const account = await accountFor(ctx, query.accountId, "manage");
  return NextResponse.json(await listUserInvoices(account.accountId, query));
});

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
