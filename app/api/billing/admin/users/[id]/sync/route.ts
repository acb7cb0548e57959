import { NextResponse, type NextRequest } from "next/server";
import { requireApiAdmin } from "@/lib/auth/session";
import { syncCustomer } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** Re-reads the customer's subscriptions and invoices from Stripe now; audited. */
export const POST = route(async (request: NextRequest, context: { params: Promise<{ id: string }> }) => {
  const admin = await requireApiAdmin(request);
  const id = uuidParam((await context.params).id);
  return NextResponse.json(await syncCustomer(id, admin.id));
});
