import { NextResponse } from "next/server";
import { secretMatches } from "@/lib/auth/shared-secret";
import { providerSyncInput, syncProviderSubscription } from "@/lib/billing/provider-sync";
import { unauthorized } from "@/lib/errors";
import { parseJson, route } from "@/lib/http/route";

/** Provider-agnostic subscription sync for other payment providers' webhooks (X-Internal-API-Key). */
export const POST = route(async (request: Request) => {
  if (!secretMatches(request.headers.get("x-internal-api-key"), process.env.INTERNAL_API_KEY)) {
    throw unauthorized("A valid X-Internal-API-Key header is required.");
  }
  const input = await parseJson(request, providerSyncInput);
  return NextResponse.json(await syncProviderSubscription(input));
});
