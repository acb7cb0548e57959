import { NextResponse } from "next/server";
import { limitOverrideInput } from "@/lib/billing/admin/customer-actions";
import { overrideCustomerLimit } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** `{ meter, limit }`: a per-customer limit (a number or "unlimited"), or null for the plan's; audited. */
export const POST = route({ access: "admin", body: limitOverrideInput }, async ({ user, params, body }) =>
  NextResponse.json(await overrideCustomerLimit(await uuidParam(params), body, user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
