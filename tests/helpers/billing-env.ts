import type Stripe from "stripe";
import { setAppDatabase } from "@/db/client";
import { users, type User } from "@/db/schema";
import { pushCatalog } from "@/lib/stripe/catalog-push";
import { createStripeClient } from "@/lib/stripe/client";
import { clearPriceCache } from "@/lib/stripe/gateway";
import { emulatorStripeClient, startEmulator, type EmulatorHandle } from "stripe-emulator";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./db";
import { startWebhookServer } from "@/scripts/lib/webhook-server";

export const TEST_WEBHOOK_SECRET = "whsec_billing_integration_tests";

export interface BillingEnv {
  database: TestDatabase;
  emulator: EmulatorHandle;
  /** The official SDK pointed at the emulator, for arranging and inspecting Stripe state. */
  stripe: Stripe;
  /** Status codes the webhook route answered, in order. */
  webhookResponses: number[];
  webhookUrl: string;
  /** Waits until every queued webhook delivery (and retry) has been answered. */
  flush(): Promise<void>;
  createUser(email?: string): Promise<User>;
  emulatorControl(path: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

let userCounter = 0;

/** A database of `kind`, a fresh emulator delivering webhooks to the app's route, and a synced catalog. */
export async function startBillingEnv(kind: DatabaseKind, options: { deliverWebhooks?: boolean } = {}): Promise<BillingEnv> {
  const database = await createTestDatabase(kind);
  setAppDatabase(database);
  const webhook = await startWebhookServer();
  const emulator = await startEmulator({
    port: 0,
    webhookUrl: options.deliverWebhooks === false ? undefined : webhook.url,
    webhookSecret: TEST_WEBHOOK_SECRET,
    testMode: true,
  });
  process.env.STRIPE_EMULATOR_URL = emulator.url;
  process.env.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET;
  process.env.APP_URL = "http://app.test";
  clearPriceCache();
  const stripe = emulatorStripeClient(emulator.url);
  await pushCatalog(createStripeClient());
  return {
    database,
    emulator,
    stripe,
    webhookResponses: webhook.responses,
    webhookUrl: webhook.url,
    flush: () => emulator.flushDeliveries(),
    async createUser(email) {
      userCounter += 1;
      const [user] = await database.db
        .insert(users)
        .values({ email: email ?? `billing-${userCounter}-${Date.now()}@example.com`, name: "Test User" })
        .returning();
      return user;
    },
    emulatorControl: (path, body) =>
      fetch(`${emulator.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body ?? {}),
      }),
    async stop() {
      await emulator.stop();
      webhook.server.closeAllConnections();
      await new Promise<void>((resolve) => webhook.server.close(() => resolve()));
      await database.destroy();
    },
  };
}
