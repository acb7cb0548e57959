import { NextResponse } from "next/server";
import { retryOutboxNotification } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** Sends a failed or outbox notification again (needs SMTP_URL); audited. */
export const POST = route({ access: "admin" }, async ({ user, params }) =>
  NextResponse.json(await retryOutboxNotification(await uuidParam(params, "notification"), user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
