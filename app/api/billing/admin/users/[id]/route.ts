import { NextResponse, type NextRequest } from "next/server";
import { requireApiAdmin } from "@/lib/auth/session";
import { adminCustomer } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../params";

/** One customer: subscription with history, invoices, usage per meter, events, notifications, audit. */
export const GET = route(async (request: NextRequest, context: { params: Promise<{ id: string }> }) => {
  await requireApiAdmin(request);
  const id = uuidParam((await context.params).id);
  return NextResponse.json(await adminCustomer(id));
});
