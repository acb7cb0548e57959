import { NextResponse, type NextRequest } from "next/server";
import { requireApiAdmin } from "@/lib/auth/session";
import { adminWebhookEvent } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";

/** One stored event with its payload. */
export const GET = route(async (request: NextRequest, context: { params: Promise<{ id: string }> }) => {
  await requireApiAdmin(request);
  return NextResponse.json(await adminWebhookEvent((await context.params).id));
});
