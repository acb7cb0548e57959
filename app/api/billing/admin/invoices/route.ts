import { NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db/client";
import { requireApiAdmin } from "@/lib/auth/session";
import { adminInvoiceQuery, listAdminInvoices } from "@/lib/billing/admin/invoices";
import { parseQuery } from "@/lib/http/query";
import { route } from "@/lib/http/route";

/** All invoices, newest first; filter by status, from/to (UTC days) and userId; totals per currency. */
export const GET = route(async (request: NextRequest) => {
  await requireApiAdmin(request);
  return NextResponse.json(await listAdminInvoices(await getDb(), parseQuery(request, adminInvoiceQuery)));
});
