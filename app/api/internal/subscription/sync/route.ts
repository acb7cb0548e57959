import { NextResponse } from "next/server";
import { providerSyncInput, syncProviderSubscription } from "@/lib/billing/provider-sync";
import { route } from "@/lib/http/route";

/** Provider-agnostic subscription sync for other payment providers' webhooks (X-Internal-API-Key). */
export const POST = route({ access: "internal-key", body: providerSyncInput }, async ({ body }) =>
  NextResponse.json(await syncProviderSubscription(body)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
