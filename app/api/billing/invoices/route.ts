import { NextResponse } from "next/server";
import { invoiceQuery } from "@/lib/billing/inputs";
import { listUserInvoices } from "@/lib/billing/invoices";
import { parseInput, route } from "@/lib/http/route";

export const GET = route({ access: "user" }, async ({ request, user }) => {
  const query = parseInput(Object.fromEntries(request.nextUrl.searchParams), invoiceQuery);
  return NextResponse.json(await listUserInvoices(user.id, query));
});

export { methodNotAllowed as POST, methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
