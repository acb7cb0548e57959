import { NextResponse, type NextRequest } from "next/server";
import { requireApiAdmin } from "@/lib/auth/session";
import { staffInput } from "@/lib/billing/admin/customer-actions";
import { grantStaffPlan } from "@/lib/billing/admin/console";
import { parseJson, route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** `{ grant: true }` grants the internal Staff plan, `{ grant: false }` revokes it; audited. */
export const POST = route(async (request: NextRequest, context: { params: Promise<{ id: string }> }) => {
  const admin = await requireApiAdmin(request);
  const id = uuidParam((await context.params).id);
  const { grant } = await parseJson(request, staffInput);
  return NextResponse.json(await grantStaffPlan(id, grant, admin.id));
});
