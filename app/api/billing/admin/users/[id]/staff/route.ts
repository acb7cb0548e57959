import { NextResponse } from "next/server";
import { staffInput } from "@/lib/billing/admin/customer-actions";
import { grantStaffPlan } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** `{ grant: true }` grants the internal Staff plan, `{ grant: false }` revokes it; audited. */
export const POST = route({ access: "admin", body: staffInput }, async ({ user, params, body }) =>
  NextResponse.json(await grantStaffPlan(await uuidParam(params), body.grant, user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
