import { NextResponse, type NextRequest } from "next/server";
import { requireApiAdmin } from "@/lib/auth/session";
import { replayEvent } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";

/** Processes a failed event again (forced); audited. 409 for events that did not fail. */
export const POST = route(async (request: NextRequest, context: { params: Promise<{ id: string }> }) => {
  const admin = await requireApiAdmin(request);
  return NextResponse.json(await replayEvent((await context.params).id, admin.id));
});
