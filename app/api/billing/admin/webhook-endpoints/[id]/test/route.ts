import { NextResponse } from "next/server";
import { testWebhookEndpoint } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** Sends a `webhook_endpoint.test` event to this endpoint now and answers the delivery; audited. */
export const POST = route({ access: "admin" }, async ({ user, params }) =>
  NextResponse.json(await testWebhookEndpoint(await uuidParam(params, "webhook endpoint"), user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
