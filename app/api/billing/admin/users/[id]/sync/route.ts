import { NextResponse } from "next/server";
import { pullCustomer } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** Re-reads the customer's subscriptions and invoices from Stripe now; audited. */
export const POST = route({ access: "admin" }, async ({ user, params }) =>
  NextResponse.json(await pullCustomer(await uuidParam(params), user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
