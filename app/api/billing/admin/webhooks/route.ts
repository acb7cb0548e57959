import { NextResponse, type NextRequest } from "next/server";
import { requireApiAdmin } from "@/lib/auth/session";
import { adminWebhookEvents } from "@/lib/billing/admin/console";
import { webhookListQuery } from "@/lib/billing/admin/webhooks";
import { parseQuery } from "@/lib/http/query";
import { route } from "@/lib/http/route";

/** The webhook event log, newest first; filter by status and type. */
export const GET = route(async (request: NextRequest) => {
  await requireApiAdmin(request);
  return NextResponse.json(await adminWebhookEvents(parseQuery(request, webhookListQuery)));
});
