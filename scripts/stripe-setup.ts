/** `npm run stripe:setup`: makes Stripe (real or the emulator) match lib/billing/plans.ts. */
import { formatCatalogChanges, pushCatalog } from "@/lib/stripe/catalog-push";
import { createStripeClient } from "@/lib/stripe/client";
import { runScript } from "./lib/run-script";

export async function syncCatalogFromEnv(): Promise<void> {
  const appUrl = process.env.APP_URL ?? process.env.NEXTAUTH_URL ?? "http://localhost:3000";
  const changes = await pushCatalog(createStripeClient(), { returnUrl: `${appUrl}/billing` });
  console.log(formatCatalogChanges(changes));
}

if (require.main === module) runScript(syncCatalogFromEnv);
