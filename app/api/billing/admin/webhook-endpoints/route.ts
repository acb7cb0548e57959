import { NextResponse } from "next/server";
import { adminWebhookEndpoints, createWebhookEndpoint } from "@/lib/billing/admin/console";
import { route } from "@/lib/http/route";
import { endpointInput } from "@/lib/webhooks-out/admin";

/** The outbound webhook endpoints (never their secrets). */
export const GET = route({ access: "admin" }, async () => NextResponse.json(await adminWebhookEndpoints()));

/** Registers an endpoint (url, event types, description); the answer shows its `whsec_…` secret once; audited. */
export const POST = route({ access: "admin", body: endpointInput }, async ({ user, body }) =>
  NextResponse.json(await createWebhookEndpoint(body, user.id), { status: 201 }),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
