import { SMTPServer } from "smtp-server";
import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { GET as cronRoute } from "@/app/api/cron/reconcile/route";
import { POST as providerSyncRoute } from "@/app/api/internal/subscription/sync/route";
import { auditLog, billingCustomers, notifications, subscriptions, webhookEvents } from "@/db/schema";
import { ensureBillingCustomer } from "@/lib/billing/customers";
import { queueNotification, deliverPendingNotifications } from "@/lib/billing/notifications";
import { reconcileBilling } from "@/lib/billing/reconcile";
import { getBillingSummary } from "@/lib/billing/summary";
import { MANAGED_BY, syncCatalog } from "@/lib/stripe/catalog-sync";
import { createStripeClient } from "@/lib/stripe/client";
import { DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

describe.each(DATABASE_KINDS)("operations on %s", (kind) => {
  let env: BillingEnv;
  beforeAll(async () => {
    env = await startBillingEnv(kind);
    process.env.INTERNAL_API_KEY = "internal-test-key-123";
    process.env.CRON_SECRET = "cron-test-secret-123";
  });
  afterAll(async () => {
    delete process.env.INTERNAL_API_KEY;
    delete process.env.CRON_SECRET;
    await env.stop();
  });

  describe("provider-agnostic subscription sync", () => {
    const call = (body: unknown, key: string | null = "internal-test-key-123") =>
      providerSyncRoute(
        new Request("http://app.test/api/internal/subscription/sync", {
          method: "POST",
          headers: { "content-type": "application/json", ...(key === null ? {} : { "x-internal-api-key": key }) },
          body: JSON.stringify(body),
        }),
      );

    it("rejects a missing or wrong key with 401 and changes nothing", async () => {
      const user = await env.createUser();
      const body = { userId: user.id, plan: "pro", status: "active", provider: "paddle", externalId: "sub_paddle_1" };
      expect((await call(body, null)).status).toBe(401);
      expect((await call(body, "internal-test-key-12")).status).toBe(401);
      expect(await env.database.db.select().from(subscriptions).where(eq(subscriptions.userId, user.id))).toEqual([]);
    });

    it("validates input with 400 and 404 for an unknown user", async () => {
      const user = await env.createUser();
      expect((await call({ userId: user.id, plan: "gold", status: "active", provider: "paddle", externalId: "x" })).status).toBe(400);
      expect((await call({ userId: user.id, plan: "pro", status: "active", provider: "stripe", externalId: "x" })).status).toBe(400);
      expect((await call({ userId: "not-a-uuid", plan: "pro", status: "active", provider: "paddle", externalId: "x" })).status).toBe(400);
      const missing = await call({ userId: "00000000-0000-4000-8000-000000000000", plan: "pro", status: "active", provider: "paddle", externalId: "x" });
      expect(missing.status).toBe(404);
    });

    it("sets a user's plan with the same entitlement rules, idempotently", async () => {
      const user = await env.createUser();
      const body = { userId: user.id, plan: "scale", status: "active", provider: "paddle", externalId: "sub_paddle_2", currentPeriodEnd: "2030-01-01T00:00:00Z" };
      const first = await call(body);
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ plan: { id: "scale" }, status: "active", provider: "paddle" });
      expect((await call(body)).status).toBe(200);
      expect(await env.database.db.select().from(subscriptions).where(eq(subscriptions.userId, user.id))).toHaveLength(1);
      await call({ ...body, status: "canceled" });
      expect((await getBillingSummary(user.id)).plan.id).toBe("free");
    });
  });

  it("reconcile repairs a subscription created in the dashboard and replays failed webhooks", async () => {
    const user = await env.createUser();
    const customer = await ensureBillingCustomer(user);
    const prices = await env.stripe.prices.list({ lookup_keys: ["scale_monthly"] });
    await env.emulatorControl("/_emulator/config", { deliveryPaused: true });
    try {
      const pm = await env.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.providerCustomerId });
      await env.stripe.subscriptions.create({
        customer: customer.providerCustomerId,
        items: [{ price: prices.data[0].id }],
        default_payment_method: pm.id,
      });
      expect((await getBillingSummary(user.id)).plan.id).toBe("free");
      // The replayed event is applied from what Stripe says now, not from its payload.
      await env.stripe.customers.update(customer.providerCustomerId, { email: "new@example.com" });
      await env.database.db.insert(webhookEvents).values({
        id: "evt_failed_replay_test",
        type: "customer.updated",
        providerCreatedAt: new Date(),
        payload: { id: "evt_failed_replay_test", type: "customer.updated", data: { object: { id: customer.providerCustomerId, object: "customer", email: "stale-payload@example.com" } } },
        status: "failed",
        attempts: 1,
        lastError: "earlier outage",
      });

      const report = await reconcileBilling();
      expect(report.drift).toEqual(expect.arrayContaining([expect.objectContaining({ issue: "missing in database", repaired: true })]));
      expect(report.webhooksReplayed).toEqual(expect.arrayContaining([{ eventId: "evt_failed_replay_test", result: "processed" }]));
      expect((await getBillingSummary(user.id)).plan.id).toBe("scale");
      const [replayed] = await env.database.db.select().from(webhookEvents).where(eq(webhookEvents.id, "evt_failed_replay_test"));
      expect(replayed).toMatchObject({ status: "processed", attempts: 2 });
      const [link] = await env.database.db.select().from(billingCustomers).where(eq(billingCustomers.userId, user.id));
      expect(link.email).toBe("new@example.com");

      const second = await reconcileBilling();
      expect(second.drift.filter((d) => d.subscriptionId.length > 0 && d.issue === "missing in database")).toEqual([]);
    } finally {
      await env.emulatorControl("/_emulator/config", { deliveryPaused: false });
      await env.flush();
    }
  });

  it("the reconcile cron route demands CRON_SECRET", async () => {
    const unauthenticated = await cronRoute(new Request("http://app.test/api/cron/reconcile"));
    expect(unauthenticated.status).toBe(401);
    const wrong = await cronRoute(new Request("http://app.test/api/cron/reconcile", { headers: { authorization: "Bearer nope" } }));
    expect(wrong.status).toBe(401);
    const ok = await cronRoute(new Request("http://app.test/api/cron/reconcile", { headers: { authorization: "Bearer cron-test-secret-123" } }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ subscriptionsChecked: expect.any(Number) });
  });

  it("catalog sync is idempotent and archives managed prices that left the catalog", async () => {
    const stripe = createStripeClient();
    const product = (await stripe.products.list({ limit: 100 })).data.find((p) => p.metadata.managed_by === MANAGED_BY);
    const legacy = await stripe.prices.create({
      product: product!.id,
      currency: "usd",
      unit_amount: 4_900,
      recurring: { interval: "month" },
      lookup_key: "legacy_monthly",
      metadata: { managed_by: MANAGED_BY, plan_id: "legacy" },
    });
    const changes = await syncCatalog(stripe);
    expect(changes.filter((c) => c.action !== "unchanged")).toEqual([
      expect.objectContaining({ object: "price", key: "legacy_monthly", action: "archived", id: legacy.id }),
    ]);
    expect((await stripe.prices.retrieve(legacy.id)).active).toBe(false);
    expect((await syncCatalog(stripe)).every((c) => c.action === "unchanged")).toBe(true);
  });

  it("a catalog price changed in Stripe is recorded as drift for admins, and setup repairs it", async () => {
    const stripe = createStripeClient();
    const [price] = (await stripe.prices.list({ lookup_keys: ["pro_monthly"] })).data;
    await stripe.prices.update(price.id, { active: false });
    await env.flush();
    const drift = await env.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "catalog.drift"), eq(auditLog.targetId, price.id)));
    expect(drift).toHaveLength(1);
    expect(drift[0].data).toMatchObject({ drift: "catalog price pro_monthly was archived" });
    const changes = await syncCatalog(stripe);
    expect(changes).toEqual(expect.arrayContaining([expect.objectContaining({ key: "pro_monthly", action: "updated" })]));
    const [replacement] = (await stripe.prices.list({ lookup_keys: ["pro_monthly"], active: true })).data;
    expect(replacement).toMatchObject({ unit_amount: 1_900, active: true });
  });

  describe("notifications", () => {
    let smtp: SMTPServer;
    const received: Array<{ to: string; data: string }> = [];
    beforeAll(async () => {
      smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ["STARTTLS"],
        onData(stream, session, callback) {
          let data = "";
          stream.on("data", (c: Buffer) => (data += c.toString()));
          stream.on("end", () => {
            received.push({ to: session.envelope.rcptTo.map((r) => r.address).join(","), data });
            callback();
          });
        },
      });
      await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    });
    afterAll(async () => {
      delete process.env.SMTP_URL;
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    });

    it("without SMTP_URL a notification stays in the outbox, once per event", async () => {
      const user = await env.createUser();
      const input = { userId: user.id, kind: "payment_failed" as const, sourceEventId: "evt_outbox_1", subject: "Your payment failed", body: "…" };
      await queueNotification(env.database.db, input);
      await queueNotification(env.database.db, input);
      const rows = await env.database.db.select().from(notifications).where(eq(notifications.userId, user.id));
      expect(rows).toEqual([expect.objectContaining({ status: "outbox", toEmail: user.email })]);
    });

    it("with SMTP_URL it is emailed to the customer exactly once", async () => {
      // Webhooks still in flight from earlier tests would also deliver pending mail; let them finish.
      await env.flush();
      process.env.SMTP_URL = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
      const user = await env.createUser();
      const input = { userId: user.id, kind: "trial_will_end" as const, sourceEventId: "evt_smtp_1", subject: "Your trial ends soon", body: "Trial ends." };
      await queueNotification(env.database.db, input);
      await queueNotification(env.database.db, input);
      expect(await deliverPendingNotifications(env.database.db)).toBe(1);
      expect(await deliverPendingNotifications(env.database.db)).toBe(0);
      const mine = received.filter((m) => m.to === user.email);
      expect(mine).toHaveLength(1);
      expect(mine[0].data).toContain("Subject: Your trial ends soon");
      const [row] = await env.database.db.select().from(notifications).where(eq(notifications.userId, user.id));
      expect(row.status).toBe("sent");
      delete process.env.SMTP_URL;
    });
  });

  it("checkout still answers 401 for anonymous callers here too", async () => {
    const res = await checkoutRoute(await requestAs(null, "/api/billing/checkout", { method: "POST", body: { plan: "pro", interval: "month" } }));
    expect(res.status).toBe(401);
  });
});
