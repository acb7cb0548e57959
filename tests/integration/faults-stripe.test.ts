import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { GET as checkoutStatusRoute } from "@/app/api/billing/checkout/status/route";
import { GET as healthRoute } from "@/app/api/health/route";
import { GET as meRoute } from "@/app/api/me/route";
import { setAppDatabase } from "@/db/client";
import { billingCustomers, users } from "@/db/schema";
import { publicCatalog } from "@/lib/billing/catalog-view";
import { pushCatalog } from "@/lib/stripe/catalog-push";
import { createStripeClient } from "@/lib/stripe/client";
import { clearPriceCache } from "@/lib/stripe/gateway";
import { emulatorStripeClient } from "stripe-emulator";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";
import { freePort, startTsxProcess, type Child } from "@/scripts/lib/processes";
import { requestAs } from "../helpers/session";

const STRIPE_TIMEOUT_MS = 5_000;
/** More clicks than the Postgres pool has connections: none may be held while Stripe hangs. */
const CLICKS = 30;

/**
 * Stripe hung (the emulator process SIGSTOPped) while new users click checkout: other requests
 * stay fast, each click gets 503 payments_unavailable within the Stripe timeout, and once Stripe
 * is back every user ends with exactly one customer.
 */
describe.each(DATABASE_KINDS)("Stripe hung during checkout on %s", (kind) => {
  let database: TestDatabase;
  let emulator: Child;
  let emulatorUrl: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    setAppDatabase(database);
    const port = await freePort();
    emulator = await startTsxProcess(
      "packages/stripe-emulator/src/main.ts",
      { STRIPE_EMULATOR_PORT: String(port), STRIPE_WEBHOOK_URL: "http://127.0.0.1:9/unused", STRIPE_EMULATOR_STATE_FILE: "" },
      "stripe-emulator ready",
    );
    emulatorUrl = `http://127.0.0.1:${port}`;
    await fetch(`${emulatorUrl}/_emulator/config`, { method: "POST", body: JSON.stringify({ webhookUrl: null, testMode: true }) });
    Object.assign(process.env, {
      STRIPE_EMULATOR_URL: emulatorUrl,
      STRIPE_WEBHOOK_SECRET: "whsec_fault_tests",
      STRIPE_TIMEOUT_MS: String(STRIPE_TIMEOUT_MS),
      STRIPE_MAX_NETWORK_RETRIES: "1",
      APP_URL: "http://app.test",
    });
    clearPriceCache();
    await pushCatalog(createStripeClient());
    await publicCatalog(); // prices cached, as on a server that has been serving the pricing page
  }, 90_000);
  afterAll(async () => {
    await emulator?.kill();
    await database?.destroy();
    process.env = saved;
  });

  async function timed(call: () => Promise<Response>) {
    const started = performance.now();
    const response = await call();
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, ms: performance.now() - started };
  }

  it("keeps other requests fast and answers each click 503 within the timeout; one customer per user after", async () => {
    const clickers = await database.db
      .insert(users)
      .values(Array.from({ length: CLICKS }, (_, i) => ({ email: `hung-${kind}-${i}-${Date.now()}@example.com`, name: "Hung" })))
      .returning();
    const click = (userId: string) =>
      timed(async () =>
        checkoutRoute(await requestAs(userId, "/api/billing/checkout", { method: "POST", body: { plan: "pro", interval: "month" } })),
      );

    emulator.freeze();
    let clicks;
    try {
      const inFlight = Promise.all(clickers.map((u) => click(u.id)));
      await new Promise((r) => setTimeout(r, 500));
      // While every click waits on Stripe, requests that do not need Stripe answer without waiting
      // for it (well under half the Stripe timeout, with room for a loaded CI machine).
      const others = await Promise.all([
        timed(() => healthRoute(new Request("http://localhost/api/health"))),
        timed(async () => meRoute(await requestAs(clickers[0].id, "/api/me"))),
      ]);
      for (const other of others) {
        expect(other.status).toBe(200);
        expect(other.ms).toBeLessThan(STRIPE_TIMEOUT_MS / 2);
      }
      // The success page's poll says "Stripe is unavailable" (503), never "not found" (404).
      const status = await timed(async () =>
        checkoutStatusRoute(await requestAs(clickers[0].id, "/api/billing/checkout/status?session_id=cs_test_hung")),
      );
      expect(status.status).toBe(503);
      expect(status.body).toMatchObject({ error: "payments_unavailable" });
      clicks = await inFlight;
    } finally {
      emulator.thaw();
    }
    for (const result of clicks) {
      expect(result.status).toBe(503);
      expect(result.body).toMatchObject({ error: "payments_unavailable" });
      // Within the timeout, plus the SDK's retry backoff and a loaded machine's slack.
      expect(result.ms).toBeLessThan(STRIPE_TIMEOUT_MS + 3_000);
    }

    // Stripe is back: the same users click again and each ends with exactly one Stripe customer,
    // even though Stripe created customers for the requests it received while hung.
    const retried = await Promise.all(clickers.map((u) => click(u.id)));
    for (const result of retried) expect(result.status).toBe(200);
    const stripe = emulatorStripeClient(emulatorUrl);
    const customers = [];
    for await (const customer of stripe.customers.list({ limit: 100 })) customers.push(customer);
    for (const user of clickers) {
      expect(customers.filter((c) => c.metadata.accountId === user.id)).toHaveLength(1);
    }
    expect(await database.db.select().from(billingCustomers)).toHaveLength(CLICKS);
  }, 120_000);
});
