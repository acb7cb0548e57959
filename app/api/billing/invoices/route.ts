import { NextResponse, type NextRequest } from "next/server";
import { requireApiUser } from "@/lib/auth/session";
import { invoiceQuery } from "@/lib/billing/inputs";
import { listUserInvoices } from "@/lib/billing/invoices";
import { badRequest } from "@/lib/errors";
import { route } from "@/lib/http/route";

export const GET = route(async (request: NextRequest) => {
  const user = await requireApiUser(request);
  const parsed = invoiceQuery.safeParse(Object.fromEntries(request.nextUrl.searchParams));
  if (!parsed.success) throw badRequest(parsed.error.issues[0]?.message ?? "Invalid query.");
  return NextResponse.json(await listUserInvoices(user.id, parsed.data));
});
