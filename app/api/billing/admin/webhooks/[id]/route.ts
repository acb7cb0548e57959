import { NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db/client";
import { requireApiAdmin } from "@/lib/auth/session";
import { getWebhookEvent } from "@/lib/billing/admin/webhooks";
import { route } from "@/lib/http/route";

/** One stored event with its payload. */
export const GET = route(async (request: NextRequest, context: { params: Promise<{ id: string }> }) => {
  await requireApiAdmin(request);
  return NextResponse.json(await getWebhookEvent(await getDb(), (await context.params).id));
});
