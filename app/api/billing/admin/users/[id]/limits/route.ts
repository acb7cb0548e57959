import { NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db/client";
import { requireApiAdmin } from "@/lib/auth/session";
import { limitOverrideInput, setLimitOverride } from "@/lib/billing/admin/customer-actions";
import { getEntitlement } from "@/lib/billing/entitlements";
import { parseJson, route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** `{ meter, limit }`: a per-customer limit (a number or "unlimited"), or null for the plan's; audited. */
export const POST = route(async (request: NextRequest, context: { params: Promise<{ id: string }> }) => {
  const admin = await requireApiAdmin(request);
  const id = uuidParam((await context.params).id);
  const input = await parseJson(request, limitOverrideInput);
  const db = await getDb();
  await setLimitOverride(db, id, input, admin.id);
  const entitlement = await getEntitlement(db, id);
  return NextResponse.json({ limits: entitlement.limits, overriddenMeters: entitlement.overriddenMeters });
});
