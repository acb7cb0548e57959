import { NextResponse } from "next/server";
import { adminWebhookDeliveries } from "@/lib/billing/admin/console";
import { parseQuery } from "@/lib/http/query";
import { route } from "@/lib/http/route";
import { deliveryListQuery } from "@/lib/webhooks-out/admin";

/** The outbound delivery log, newest first; filter by status and endpoint. */
export const GET = route({ access: "admin" }, async ({ request }) =>
  NextResponse.json(await adminWebhookDeliveries(parseQuery(request, deliveryListQuery))),
);

export {
  methodNotAllowed as POST,
  methodNotAllowed as PUT,
  methodNotAllowed as PATCH,
  methodNotAllowed as DELETE,
} from "@/lib/http/method-not-allowed";
