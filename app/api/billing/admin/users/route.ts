import { NextResponse } from "next/server";
import { customerListQuery } from "@/lib/billing/admin/customers";
import { adminCustomers } from "@/lib/billing/admin/console";
import { parseQuery } from "@/lib/http/query";
import { route } from "@/lib/http/route";

/** Every customer with plan, status, MRR and main-meter usage; search, filter, sort, keyset pages. */
export const GET = route({ access: "admin" }, async ({ request }) =>
  NextResponse.json(await adminCustomers(parseQuery(request, customerListQuery))),
);

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
