import { NextResponse, type NextRequest } from "next/server";
import { requireApiAdmin } from "@/lib/auth/session";
import { auditListQuery } from "@/lib/billing/admin/operations";
import { adminAuditLog } from "@/lib/billing/admin/console";
import { parseQuery } from "@/lib/http/query";
import { route } from "@/lib/http/route";

/** The audit log, newest first; filter by action or target. */
export const GET = route(async (request: NextRequest) => {
  await requireApiAdmin(request);
  return NextResponse.json(await adminAuditLog(parseQuery(request, auditListQuery)));
});
