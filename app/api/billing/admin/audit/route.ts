import { NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db/client";
import { requireApiAdmin } from "@/lib/auth/session";
import { auditListQuery, listAuditLog } from "@/lib/billing/admin/operations";
import { parseQuery } from "@/lib/http/query";
import { route } from "@/lib/http/route";

/** The audit log, newest first; filter by action or target. */
export const GET = route(async (request: NextRequest) => {
  await requireApiAdmin(request);
  return NextResponse.json(await listAuditLog(await getDb(), parseQuery(request, auditListQuery)));
});
