/**
 * Playwright's web server: a production build of the app on a throwaway database (PGlite in a temp
 * dir, or the Postgres at DATABASE_URL), with a fresh Stripe emulator delivering webhooks to it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalStripe } from "./lib/local-stripe";
import { runScript } from "./lib/run-script";
import { createScratchDatabase } from "./lib/scratch-database";
import { keepAliveTimeoutMs, runNext, waitForExit } from "./lib/spawn-next";
import { Supervisor } from "./lib/supervisor";
import { syncCatalogFromEnv } from "./stripe-setup";
import { E2E_CRON_SECRET, E2E_INTERNAL_API_KEY } from "../tests/e2e/route-matrix";

/** With DATABASE_URL, the run gets its own fresh database on that server, dropped when it ends. */
async function e2eDatabase(): Promise<{ url?: string; drop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  return serverUrl ? createScratchDatabase(serverUrl, "e2e") : { drop: async () => {} };
}

runScript(async () => {
  const port = Number(process.env.E2E_APP_PORT ?? 3100);
  const appUrl = `http://127.0.0.1:${port}`;
  const stripe = await startLocalStripe({
    appUrl,
    port: Number(process.env.E2E_EMULATOR_PORT ?? 12199),
    testMode: true,
  });
  const database = await e2eDatabase();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...stripe?.env,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    // Machine credentials the authorization matrix presents (tests/e2e/route-matrix.ts).
    CRON_SECRET: E2E_CRON_SECRET,
    INTERNAL_API_KEY: E2E_INTERNAL_API_KEY,
    NODE_ENV: "production",
    NEXTAUTH_URL: appUrl,
    APP_URL: appUrl,
    NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? "e2e-only-secret-not-for-production",
    PGLITE_DIR: process.env.PGLITE_DIR ?? path.join(mkdtempSync(path.join(tmpdir(), "billing-e2e-")), "pglite"),
    ADMIN_EMAILS: process.env.ADMIN_EMAILS ?? "e2e-admin@example.com",
    // The admin e2e test registers an outbound webhook receiver on 127.0.0.1 (docs/billing.md: Outbound webhooks).
    OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: process.env.OUTBOUND_WEBHOOKS_ALLOW_PRIVATE ?? "true",
    SEED_DEMO_ACCOUNTS: "true",
    BCRYPT_ROUNDS: "10",
    NEXT_SKIP_TYPECHECK: process.env.NEXT_SKIP_TYPECHECK ?? "1",
    // Loopback Stripe answers in milliseconds; a short timeout keeps the slow-Stripe tests quick.
    STRIPE_TIMEOUT_MS: process.env.STRIPE_TIMEOUT_MS ?? "5000",
  };
  Object.assign(process.env, stripe?.env, { APP_URL: appUrl });
  if (stripe) await syncCatalogFromEnv();
  if (!process.env.E2E_SKIP_BUILD) {
    const code = await waitForExit(runNext(["build"], env));
    if (code !== 0) throw new Error(`next build failed with exit code ${code}`);
  }
  const supervisor = new Supervisor("e2e server");
  if (stripe) supervisor.onStop(stripe.stop);
  supervisor.onStop(database.drop);
  supervisor.watch(
    "next start",
    runNext(["start", "--port", String(port), "--hostname", "127.0.0.1", "--keepAliveTimeout", keepAliveTimeoutMs(env)], env),
    "Its output above says why.",
  );
  await new Promise<never>(() => {});
});
