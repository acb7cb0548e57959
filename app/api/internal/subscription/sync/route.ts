import { NextResponse } from "next/server";
import { providerSubscriptionInput, ingestProviderSubscription } from "@/lib/billing/provider-ingest";
import { route } from "@/lib/http/route";

/** Provider-agnostic subscription sync for other payment providers' webhooks (X-Internal-API-Key). */
export const POST = route({ access: "internal-key", body: providerSubscriptionInput }, async ({ body }) =>
  NextResponse.json(await ingestProviderSubscription(body)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
