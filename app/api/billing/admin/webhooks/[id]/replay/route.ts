import { NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db/client";
import { requireApiAdmin } from "@/lib/auth/session";
import { replayWebhookEvent } from "@/lib/billing/admin/webhooks";
import { route } from "@/lib/http/route";

/** Processes a failed event again (forced); audited. 409 for events that did not fail. */
export const POST = route(async (request: NextRequest, context: { params: Promise<{ id: string }> }) => {
  const admin = await requireApiAdmin(request);
  return NextResponse.json(await replayWebhookEvent(await getDb(), (await context.params).id, admin.id));
});
