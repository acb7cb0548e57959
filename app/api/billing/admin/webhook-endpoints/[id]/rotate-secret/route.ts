import { NextResponse } from "next/server";
import { rotateWebhookEndpointSecret } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { uuidParam } from "../../../params";

/** A new signing secret, shown once; the old one keeps signing beside it for 24 h; audited. */
export const POST = route({ access: "admin" }, async ({ user, params }) =>
  NextResponse.json(await rotateWebhookEndpointSecret(await uuidParam(params, "webhook endpoint"), user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
