import { NextResponse } from "next/server";
import { enableWebhookEndpoint } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** Disables an endpoint: no new events, its pending deliveries wait; audited. */
export const POST = route({ access: "admin" }, async ({ user, params }) =>
  NextResponse.json(await enableWebhookEndpoint(await uuidParam(params, "webhook endpoint"), false, user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
