import { NextResponse } from "next/server";
import { adminWebhookEvents } from "@/lib/billing/admin/console";
import { webhookListQuery } from "@/lib/billing/admin/webhooks";
import { parseQuery } from "@/lib/http/query";
import { route } from "@/lib/http/route";

/** The webhook event log, newest first; filter by status and type. */
export const GET = route({ access: "admin" }, async ({ request }) =>
  NextResponse.json(await adminWebhookEvents(parseQuery(request, webhookListQuery))),
);

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
