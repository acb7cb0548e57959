import { NextResponse, type NextRequest } from "next/server";
import { requireApiAdmin } from "@/lib/auth/session";
import { customerListQuery } from "@/lib/billing/admin/customers";
import { adminCustomers } from "@/lib/billing/admin/console";
import { parseQuery } from "@/lib/http/query";
import { route } from "@/lib/http/route";

/** Every customer with plan, status, MRR and main-meter usage; search, filter, sort, keyset pages. */
export const GET = route(async (request: NextRequest) => {
  await requireApiAdmin(request);
  const query = parseQuery(request, customerListQuery);
  return NextResponse.json(await adminCustomers(query));
});
