import { NextResponse, type NextRequest } from "next/server";
import { requireApiAdmin } from "@/lib/auth/session";
import { limitOverrideInput } from "@/lib/billing/admin/customer-actions";
import { overrideCustomerLimit } from "@/lib/billing/admin/console";
import { parseJson, route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** `{ meter, limit }`: a per-customer limit (a number or "unlimited"), or null for the plan's; audited. */
export const POST = route(async (request: NextRequest, context: { params: Promise<{ id: string }> }) => {
  const admin = await requireApiAdmin(request);
  const id = uuidParam((await context.params).id);
  const input = await parseJson(request, limitOverrideInput);
  return NextResponse.json(await overrideCustomerLimit(id, input, admin.id));
});
