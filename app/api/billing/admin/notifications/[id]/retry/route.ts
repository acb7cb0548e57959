import { NextResponse, type NextRequest } from "next/server";
import { requireApiAdmin } from "@/lib/auth/session";
import { retryOutboxNotification } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** Sends a failed or outbox notification again (needs SMTP_URL); audited. */
export const POST = route(async (request: NextRequest, context: { params: Promise<{ id: string }> }) => {
  const admin = await requireApiAdmin(request);
  const id = uuidParam((await context.params).id, "notification");
  return NextResponse.json(await retryOutboxNotification(id, admin.id));
});
