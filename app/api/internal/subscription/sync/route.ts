import { NextResponse } from "next/server";
import { providerSubscriptionInput, ingestProviderSubscription } from "@/lib/billing/provider-ingest";
import { route } from "@/lib/http/route";

/** Ingests another payment provider's subscription (its webhook calls this with X-Internal-API-Key); the path keeps its old name. */
export const POST = route({ access: "internal-key", body: providerSubscriptionInput }, async ({ body }) =>
  NextResponse.json(await ingestProviderSubscription(body)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
