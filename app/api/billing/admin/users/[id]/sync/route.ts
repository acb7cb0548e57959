import { NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db/client";
import { requireApiAdmin } from "@/lib/auth/session";
import { syncCustomerFromStripe } from "@/lib/billing/admin/customer-actions";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** Re-reads the customer's subscriptions and invoices from Stripe now; audited. */
export const POST = route(async (request: NextRequest, context: { params: Promise<{ id: string }> }) => {
  const admin = await requireApiAdmin(request);
  const id = uuidParam((await context.params).id);
  return NextResponse.json(await syncCustomerFromStripe(await getDb(), id, admin.id));
});
