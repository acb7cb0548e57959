import { NextResponse } from "next/server";
import { adminInvoiceQuery } from "@/lib/billing/admin/invoices";
import { adminInvoices } from "@/lib/billing/admin/console";
import { parseQuery } from "@/lib/http/query";
import { route } from "@/lib/http/route";

/** All invoices, newest first; filter by status, from/to (UTC days) and userId; totals per currency. */
export const GET = route({ access: "admin" }, async ({ request }) =>
  NextResponse.json(await adminInvoices(parseQuery(request, adminInvoiceQuery))),
);

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
