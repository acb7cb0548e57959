import { NextResponse } from "next/server";
import { adminCustomer } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../params";

/** One customer: subscription with history, invoices, usage per meter, events, notifications, audit. */
export const GET = route({ access: "admin" }, async ({ params }) => NextResponse.json(await adminCustomer(await uuidParam(params))));

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
