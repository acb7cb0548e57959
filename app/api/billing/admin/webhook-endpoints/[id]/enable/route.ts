import { NextResponse } from "next/server";
import { enableWebhookEndpoint } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** Enables an endpoint again: new events reach it and its waiting deliveries resume; audited. */
export const POST = route({ access: "admin" }, async ({ user, params }) =>
  NextResponse.json(await enableWebhookEndpoint(await uuidParam(params, "webhook endpoint"), true, user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
