import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { GET as deliverCronRoute } from "@/app/api/cron/deliver/route";
import { GET as cronRoute } from "@/app/api/cron/reconcile/route";
import { POST as providerSyncRoute } from "@/app/api/internal/subscription/sync/route";
import { accounts, auditLog, billingCustomers, notifications, operatorAlerts, subscriptions, webhookEvents } from "@/db/schema";
import { deliverOperatorAlerts, recordAlert } from "@/lib/alerts";
import { ensureBillingCustomer } from "@/lib/billing/customers";
import { queueNotification, deliverPendingNotifications } from "@/lib/billing/notifications";
import { reconcileBilling } from "@/lib/billing/reconcile";
import { processStoredEvent } from "@/lib/billing/webhooks/inbox";
import { getBillingSummary } from "@/lib/billing/summary";
import { pushCatalog } from "@/lib/stripe/catalog-push";
import { MANAGED_BY } from "@/lib/stripe/managed";
import { createStripeClient } from "@/lib/stripe/client";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startSmtpCapture } from "../helpers/smtp";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

describe.each(POOLED_DATABASE_KINDS)("operations on %s", (kind) => {
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
      expect(await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, user.id))).toEqual([]);
    });

    it("validates input with 400 and 404 for an unknown user", async () => {
      const user = await env.createUser();
      expect((await call({ userId: user.id, plan: "gold", status: "active", provider: "paddle", externalId: "x" })).status).toBe(400);
      expect((await call({ userId: user.id, plan: "pro", status: "active", provider: "stripe", externalId: "x" })).status).toBe(400);
      expect((await call({ userId: "not-a-uuid", plan: "pro", status: "active", provider: "paddle", externalId: "x" })).status).toBe(400);
      const missing = await call({
        userId: "00000000-0000-4000-8000-000000000000",
        plan: "pro",
        status: "active",
        provider: "paddle",
        externalId: "x",
      });
      expect(missing.status).toBe(404);
      // Neither an account nor (as before accounts) a user id: 400 naming accountId.
      const neither = await call({ plan: "pro", status: "active", provider: "paddle", externalId: "x" });
      expect(neither.status).toBe(400);
      expect(await neither.json()).toMatchObject({ field: "accountId" });
    });

    it("takes the account by accountId (an organization's too), and userId as its personal account's alias", async () => {
      const user = await env.createUser();
      const [org] = await env.database.db.insert(accounts).values({ kind: "organization", name: "Paddle Org" }).returning();
      const byAccount = await call({ accountId: org.id, plan: "pro", status: "active", provider: "paddle", externalId: "sub_paddle_org" });
      expect(byAccount.status).toBe(200);
      const byUser = await call({ userId: user.id, plan: "pro", status: "active", provider: "paddle", externalId: "sub_paddle_person" });
      expect(byUser.status).toBe(200);
      const rows = await env.database.db.select().from(subscriptions).where(eq(subscriptions.provider, "paddle"));
      expect(rows.find((r) => r.providerSubscriptionId === "sub_paddle_org")?.accountId).toBe(org.id);
      expect(rows.find((r) => r.providerSubscriptionId === "sub_paddle_person")?.accountId).toBe(user.id);
    });

    it("sets a user's plan with the same entitlement rules, idempotently", async () => {
      const user = await env.createUser();
      const body = {
        userId: user.id,
        plan: "scale",
        status: "active",
        provider: "paddle",
        externalId: "sub_paddle_2",
        currentPeriodEnd: "2030-01-01T00:00:00Z",
      };
      const first = await call(body);
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ plan: { id: "scale" }, status: "active", provider: "paddle" });
      expect((await call(body)).status).toBe(200);
      expect(await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, user.id))).toHaveLength(1);
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
        payload: {
          id: "evt_failed_replay_test",
          type: "customer.updated",
          data: { object: { id: customer.providerCustomerId, object: "customer", email: "stale-payload@example.com" } },
        },
        status: "failed",
        attempts: 1,
        lastError: "earlier outage",
      });

      const report = await reconcileBilling();
      expect(report.drift).toEqual(expect.arrayContaining([expect.objectContaining({ issue: "missing in database", repaired: true })]));
      expect(report.webhooksReplayed).toEqual(expect.arrayContaining([{ eventId: "evt_failed_replay_test", result: "processed" }]));
      expect((await getBillingSummary(user.id)).plan.id).toBe("scale");
      // Operators hear about the drift once (recorded in the alerts outbox, ALERT_WEBHOOK_URL unset here).
      const driftAlerts = await env.database.db.select().from(operatorAlerts).where(eq(operatorAlerts.kind, "reconcile_drift"));
      expect(driftAlerts.filter((a) => a.text.includes("missing in database"))).toEqual(
        expect.arrayContaining([expect.objectContaining({ status: "outbox" })]),
      );
      const [replayed] = await env.database.db.select().from(webhookEvents).where(eq(webhookEvents.id, "evt_failed_replay_test"));
      expect(replayed).toMatchObject({ status: "processed", attempts: 2 });
      const [link] = await env.database.db.select().from(billingCustomers).where(eq(billingCustomers.accountId, user.id));
      expect(link.email).toBe("new@example.com");

      const second = await reconcileBilling();
      expect(second.drift.filter((d) => d.subscriptionId.length > 0 && d.issue === "missing in database")).toEqual([]);
    } finally {
      await env.emulatorControl("/_emulator/config", { deliveryPaused: false });
      await env.flush();
    }
  });

  it("reconcile run on every instance at once repairs, audits and alerts a drifted subscription once", async () => {
    const user = await env.createUser();
    const customer = await ensureBillingCustomer(user);
    const prices = await env.stripe.prices.list({ lookup_keys: ["pro_monthly"] });
    await env.emulatorControl("/_emulator/config", { deliveryPaused: true });
    try {
      const pm = await env.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.providerCustomerId });
      const created = await env.stripe.subscriptions.create({
        customer: customer.providerCustomerId,
        items: [{ price: prices.data[0].id }],
        default_payment_method: pm.id,
      });
      // Three cron calls at the same moment (each instance runs the schedule): each finds the drift.
      const reports = await Promise.all([reconcileBilling(), reconcileBilling(), reconcileBilling()]);
      const repairs = reports.flatMap((r) => r.drift.filter((d) => d.subscriptionId === created.id));
      expect(repairs).toEqual([{ subscriptionId: created.id, issue: "missing in database", repaired: true }]);
      expect((await getBillingSummary(user.id)).plan.id).toBe("pro");
      const audits = await env.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, "reconcile.drift"), eq(auditLog.targetId, created.id)));
      expect(audits).toHaveLength(1);
      const alerts = (await env.database.db.select().from(operatorAlerts).where(eq(operatorAlerts.kind, "reconcile_drift"))).filter((a) =>
        a.text.includes(created.id),
      );
      expect(alerts).toEqual([expect.objectContaining({ text: expect.stringContaining("(repaired)") })]);
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
    const ok = await cronRoute(
      new Request("http://app.test/api/cron/reconcile", { headers: { authorization: "Bearer cron-test-secret-123" } }),
    );
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
    const changes = await pushCatalog(stripe);
    expect(changes.filter((c) => c.action !== "unchanged")).toEqual([
      expect.objectContaining({ object: "price", key: "legacy_monthly", action: "archived", id: legacy.id }),
    ]);
    expect((await stripe.prices.retrieve(legacy.id)).active).toBe(false);
    expect((await pushCatalog(stripe)).every((c) => c.action === "unchanged")).toBe(true);
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
    const changes = await pushCatalog(stripe);
    expect(changes).toEqual(expect.arrayContaining([expect.objectContaining({ key: "pro_monthly", action: "updated" })]));
    const [replacement] = (await stripe.prices.list({ lookup_keys: ["pro_monthly"], active: true })).data;
    expect(replacement).toMatchObject({ unit_amount: 1_900, active: true });
  });

  describe("notifications", () => {
    let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
    beforeAll(async () => {
      smtp = await startSmtpCapture();
    });
    afterAll(async () => {
      delete process.env.SMTP_URL;
      await smtp.close();
    });

    it("without SMTP_URL a notification stays in the outbox, once per event", async () => {
      const user = await env.createUser();
      const input = {
        accountId: user.id,
        kind: "payment_failed" as const,
        sourceEventId: "evt_outbox_1",
        subject: "Your payment failed",
        body: "…",
      };
      await queueNotification(env.database.db, input);
      await queueNotification(env.database.db, input);
      const rows = await env.database.db.select().from(notifications).where(eq(notifications.accountId, user.id));
      expect(rows).toEqual([expect.objectContaining({ status: "outbox", toEmail: user.email })]);
    });

    it("with SMTP_URL it is emailed to the customer exactly once", async () => {
      // Webhooks still in flight from earlier tests would also deliver pending mail; let them finish.
      await env.flush();
      process.env.SMTP_URL = smtp.url;
      const user = await env.createUser();
      const input = {
        accountId: user.id,
        kind: "trial_will_end" as const,
        sourceEventId: "evt_smtp_1",
        subject: "Your trial ends soon",
        body: "Trial ends.",
      };
      await queueNotification(env.database.db, input);
      await queueNotification(env.database.db, input);
      expect((await deliverPendingNotifications(env.database.db)).sent).toBe(1);
      expect((await deliverPendingNotifications(env.database.db)).sent).toBe(0);
      const mine = smtp.received.filter((m) => m.to === user.email);
      expect(mine).toHaveLength(1);
      expect(mine[0].data).toContain("Subject: Your trial ends soon");
      const [row] = await env.database.db.select().from(notifications).where(eq(notifications.accountId, user.id));
      expect(row.status).toBe("sent");
      delete process.env.SMTP_URL;
    });

    it("a failed send is retried with backoff by the delivery job, independent of webhooks, and sent once", async () => {
      // A webhook still in flight from earlier tests would try this mail too (with this SMTP_URL); let them finish.
      await env.flush();
      const user = await env.createUser();
      // SMTP unreachable: nothing listens on the discard port.
      process.env.SMTP_URL = "smtp://127.0.0.1:9";
      await queueNotification(env.database.db, {
        accountId: user.id,
        kind: "payment_failed",
        sourceEventId: "evt_retry_1",
        subject: "Retry me",
        body: "…",
      });
      const first = await deliverPendingNotifications(env.database.db);
      expect(first).toMatchObject({ sent: 0, retrying: 1 });
      let [row] = await env.database.db.select().from(notifications).where(eq(notifications.accountId, user.id));
      expect(row).toMatchObject({ status: "pending", attempts: 1 });
      expect(row.error).toBeTruthy();
      // Backing off: not due again straight away.
      expect(row.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
      expect(await deliverPendingNotifications(env.database.db)).toMatchObject({ sent: 0, retrying: 0 });

      // SMTP is back; once the backoff has passed the cron route delivers it, exactly once.
      process.env.SMTP_URL = smtp.url;
      await env.database.db
        .update(notifications)
        .set({ nextAttemptAt: new Date(Date.now() - 1_000) })
        .where(eq(notifications.id, row.id));
      const unauthorizedRun = await deliverCronRoute(new Request("http://app.test/api/cron/deliver"));
      expect(unauthorizedRun.status).toBe(401);
      const run = await deliverCronRoute(
        new Request("http://app.test/api/cron/deliver", { headers: { authorization: "Bearer cron-test-secret-123" } }),
      );
      expect(run.status).toBe(200);
      expect(await run.json()).toMatchObject({ notifications: { sent: 1 } });
      expect((await deliverPendingNotifications(env.database.db)).sent).toBe(0);
      [row] = await env.database.db.select().from(notifications).where(eq(notifications.accountId, user.id));
      expect(row).toMatchObject({ status: "sent", attempts: 2, error: null });
      expect(smtp.received.filter((m) => m.to === user.email)).toHaveLength(1);
      delete process.env.SMTP_URL;
    });
  });

  describe("operator alerts", () => {
    let hook: Server;
    const posted: unknown[] = [];
    let failNext = 0;
    beforeAll(async () => {
      hook = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          if (failNext > 0) {
            failNext -= 1;
            return res.writeHead(500).end();
          }
          posted.push(JSON.parse(body));
          res.writeHead(200).end("ok");
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
      process.env.ALERT_WEBHOOK_URL = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/slack`;
    });
    afterAll(async () => {
      delete process.env.ALERT_WEBHOOK_URL;
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    });

    it("posts each alert once as Slack JSON, retrying a failed post", async () => {
      const alert = {
        kind: "payment_failed" as const,
        dedupeKey: `payment_failed:evt_alert_${kind}`,
        text: "Payment failed: invoice in_1",
      };
      await recordAlert(env.database.db, alert);
      await recordAlert(env.database.db, alert); // recorded once
      failNext = 1;
      expect(await deliverOperatorAlerts(env.database.db)).toMatchObject({ sent: 0, retrying: 1 });
      await env.database.db
        .update(operatorAlerts)
        .set({ nextAttemptAt: new Date(Date.now() - 1_000) })
        .where(eq(operatorAlerts.dedupeKey, alert.dedupeKey));
      expect(await deliverOperatorAlerts(env.database.db)).toMatchObject({ sent: 1 });
      expect(await deliverOperatorAlerts(env.database.db)).toMatchObject({ sent: 0 });
      expect(posted.filter((p) => JSON.stringify(p).includes("invoice in_1"))).toEqual([{ text: "Payment failed: invoice in_1" }]);
    });

    it("a webhook that fails processing raises one alert however often it is retried", async () => {
      const realUrl = process.env.STRIPE_EMULATOR_URL;
      const event = { id: `evt_alert_fail_${kind}`, type: "customer.subscription.updated", data: { object: { id: "sub_missing" } } };
      await env.database.db.insert(webhookEvents).values({
        id: event.id,
        provider: "stripe",
        type: event.type,
        livemode: false,
        objectId: "sub_missing",
        providerCreatedAt: new Date(),
        payload: event,
      });
      process.env.STRIPE_EMULATOR_URL = "http://127.0.0.1:9";
      try {
        await expect(processStoredEvent(event.id)).rejects.toThrow();
        await expect(processStoredEvent(event.id)).rejects.toThrow();
      } finally {
        process.env.STRIPE_EMULATOR_URL = realUrl;
      }
      const alerts = await env.database.db
        .select()
        .from(operatorAlerts)
        .where(eq(operatorAlerts.dedupeKey, `webhook_failed:${event.id}`));
      expect(alerts).toHaveLength(1);
      expect(alerts[0].text).toContain(event.id);
    });
  });

  it("checkout still answers 401 for anonymous callers here too", async () => {
    const res = await checkoutRoute(
      await requestAs(null, "/api/billing/checkout", { method: "POST", body: { plan: "pro", interval: "month" } }),
    );
    expect(res.status).toBe(401);
  });
});
