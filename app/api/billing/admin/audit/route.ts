import { NextResponse } from "next/server";
import { auditListQuery } from "@/lib/billing/admin/operations";
import { adminAuditLog } from "@/lib/billing/admin/console";
import { parseQuery } from "@/lib/http/query";
import { route } from "@/lib/http/route";

/** The audit log, newest first; filter by action or target. */
export const GET = route({ access: "admin" }, async ({ request }) =>
  NextResponse.json(await adminAuditLog(parseQuery(request, auditListQuery))),
);

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
