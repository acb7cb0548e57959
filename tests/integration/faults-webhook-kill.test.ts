import { and, eq, like, or } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { setAppDatabase } from "@/db/client";
import { subscriptions, users, webhookEvents } from "@/db/schema";
import { pushCatalog } from "@/lib/stripe/catalog-push";
import { createStripeClient } from "@/lib/stripe/client";
import { clearPriceCache } from "@/lib/stripe/gateway";
import { emulatorStripeClient, startEmulator, type EmulatorHandle } from "stripe-emulator";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { freePort, startTsxProcess, type Child } from "@/scripts/lib/processes";
import { requestAs } from "../helpers/session";

const SECRET = "whsec_kill_test";

/**
 * The app process is killed (SIGKILL) while it processes a webhook; Stripe's retry, answered by
 * the restarted app, completes every event exactly once and the rows match Stripe.
 */
describe.runIf(Boolean(process.env.DATABASE_URL))("kill -9 mid-webhook on Postgres", () => {
  let database: TestDatabase;
  let emulator: EmulatorHandle;
  let app: Child | undefined;
  let appPort: number;
  const saved = { ...process.env };

  const startApp = () =>
    startTsxProcess(
      "scripts/lib/webhook-app.ts",
      {
        DATABASE_URL: database.url as string,
        WEBHOOK_PORT: String(appPort),
        STRIPE_EMULATOR_URL: emulator.url,
        STRIPE_WEBHOOK_SECRET: SECRET,
        LOG_LEVEL: "silent",
        NODE_ENV: "production",
      },
      "webhook app ready",
    );
  const control = (body: unknown) => fetch(`${emulator.url}/_emulator/config`, { method: "POST", body: JSON.stringify(body) });

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    setAppDatabase(database);
    appPort = await freePort();
    emulator = await startEmulator({
      port: 0,
      webhookUrl: `http://127.0.0.1:${appPort}/api/billing/webhook`,
      webhookSecret: SECRET,
      testMode: true,
    });
    Object.assign(process.env, { STRIPE_EMULATOR_URL: emulator.url, STRIPE_WEBHOOK_SECRET: SECRET, APP_URL: "http://app.test" });
    app = await startApp();
    clearPriceCache();
    await pushCatalog(createStripeClient());
  }, 120_000);
  afterAll(async () => {
    await app?.kill("SIGKILL");
    await emulator?.stop();
    await database?.destroy();
    process.env = saved;
  });

  it("Stripe's retry completes the killed event exactly once", async () => {
    const [user] = await database.db
      .insert(users)
      .values({ email: `kill-${Date.now()}@example.com`, name: "Kill" })
      .returning();
    const res = await checkoutRoute(
      await requestAs(user.id, "/api/billing/checkout", { method: "POST", body: { plan: "pro", interval: "month" } }),
    );
    expect(res.status).toBe(200);
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(((await res.json()) as { url: string }).url)?.[1];
    await emulator.flushDeliveries();

    // Every re-read from Stripe now takes 1.5 s, so the app is mid-event when it is killed.
    await control({ latencyMs: 1_500 });
    await fetch(`${emulator.url}/_emulator/checkout/sessions/${sessionId}/complete`, {
      method: "POST",
      body: JSON.stringify({ card: "4242424242424242" }),
    });
    let midEvent: string | undefined;
    for (let i = 0; i < 100 && !midEvent; i += 1) {
      // An event that re-reads from Stripe (so is still mid-event when killed), not one ignored in a millisecond.
      const [row] = await database.db
        .select()
        .from(webhookEvents)
        .where(
          and(
            eq(webhookEvents.status, "received"),
            or(like(webhookEvents.type, "customer.subscription.%"), like(webhookEvents.type, "invoice.%")),
          ),
        )
        .limit(1);
      midEvent = row?.id;
      if (!midEvent) await new Promise((r) => setTimeout(r, 50));
    }
    expect(midEvent).toBeDefined();
    await control({ deliveryPaused: true });
    await app!.kill("SIGKILL");

    app = await startApp();
    await control({ latencyMs: 0, deliveryPaused: false });
    await emulator.flushDeliveries();

    const deliveries = (await (await fetch(`${emulator.url}/_emulator/deliveries`)).json()) as {
      data: Array<{ event_id: string; status_code: number | null }>;
    };
    const attempts = deliveries.data.filter((d) => d.event_id === midEvent);
    expect(attempts.some((d) => d.status_code === null)).toBe(true); // the attempt that died with the app
    expect(attempts.at(-1)?.status_code).toBe(200);

    // Every event Stripe sent is stored once and processed once; the rows match Stripe.
    const stripe = emulatorStripeClient(emulator.url);
    const sent = new Set(deliveries.data.map((d) => d.event_id));
    const stored = await database.db.select().from(webhookEvents);
    expect(new Set(stored.map((e) => e.id))).toEqual(sent);
    for (const event of stored) {
      expect(["processed", "ignored"]).toContain(event.status);
      expect(event.attempts).toBe(1);
    }
    const [row] = await database.db.select().from(subscriptions).where(eq(subscriptions.accountId, user.id));
    const truth = await stripe.subscriptions.retrieve(row.providerSubscriptionId);
    expect(row).toMatchObject({ status: truth.status, planId: "pro", cancelAtPeriodEnd: truth.cancel_at_period_end });
  }, 120_000);
});
