/**
 * The admin customer page's data: the subscription change history (one per account, in order,
 * written with the subscription upsert), ignored webhook events (a note, not an error), and the
 * admin actions whose audit row commits with their state change (sync, replay, retry).
 */
import { and, eq, sql } from "drizzle-orm";
import type { NextRequest } from "next/server";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as retryRoute } from "@/app/api/billing/admin/notifications/[id]/retry/route";
import { GET as customerRoute } from "@/app/api/billing/admin/users/[id]/route";
import { POST as staffRoute } from "@/app/api/billing/admin/users/[id]/staff/route";
import { POST as syncRoute } from "@/app/api/billing/admin/users/[id]/sync/route";
import { POST as replayRoute } from "@/app/api/billing/admin/webhooks/[id]/replay/route";
import { GET as webhookRoute } from "@/app/api/billing/admin/webhooks/[id]/route";
import { GET as webhooksRoute } from "@/app/api/billing/admin/webhooks/route";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { POST as cancelRoute } from "@/app/api/billing/subscription/cancel/route";
import { POST as changeRoute } from "@/app/api/billing/subscription/change/route";
import { POST as resumeRoute } from "@/app/api/billing/subscription/resume/route";
import { POST as stripeWebhookRoute } from "@/app/api/billing/webhook/route";
import { auditLog, notifications, subscriptionChanges, subscriptions, users, webhookEvents, type User } from "@/db/schema";
import { ensureBillingCustomer } from "@/lib/billing/customers";
import { queueNotification } from "@/lib/billing/notifications";
import { DATABASE_KINDS } from "../helpers/db";
import { TEST_WEBHOOK_SECRET, startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

type Handler = (request: NextRequest, context: { params: Promise<{ id: string }> }) => Promise<Response>;
const ctx = (id: string) => ({ params: Promise.resolve({ id }) });

function signedWebhook(event: Record<string, unknown>): Request {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: TEST_WEBHOOK_SECRET });
  return new Request("http://app.test/api/billing/webhook", {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": signature },
    body: payload,
  });
}

describe.each(DATABASE_KINDS)("admin customer history, ignored events and audited actions on %s", (kind) => {
  let env: BillingEnv;
  let admin: User;

  beforeAll(async () => {
    process.env.NEXTAUTH_SECRET = "admin-history-test-secret";
    env = await startBillingEnv(kind);
    [admin] = await env.database.db
      .insert(users)
      .values({ email: `admin-history-${kind}@example.com`, role: "admin", emailVerifiedAt: new Date() })
      .returning();
  });
  afterAll(async () => env.stop());

  const call = async (handler: Handler, path: string, init: { method?: string; body?: unknown; id: string }) => {
    const response = await handler(await requestAs(admin.id, path, { method: init.method, body: init.body }), ctx(init.id));
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: string } };
  };

  async function post(route: (r: never) => Promise<Response>, userId: string, path: string, body?: unknown) {
    const res = await route((await requestAs(userId, path, { method: "POST", body })) as never);
    expect(res.status, `${path} ${JSON.stringify(await res.clone().json())}`).toBe(200);
    await env.flush();
  }

  async function subscribe(user: User, plan: string, interval: "month" | "year") {
    const res = await checkoutRoute(await requestAs(user.id, "/api/billing/checkout", { method: "POST", body: { plan, interval } }));
    expect(res.status).toBe(200);
    const { url } = (await res.json()) as { url: string };
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1];
    expect((await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" })).ok).toBe(true);
    await env.flush();
  }

  /** A real failure after the state write: the database refuses the audit row for `action`. */
  async function refuseAudit<T>(action: string, run: () => Promise<T>): Promise<T> {
    await env.database.db.execute(
      sql.raw(`create or replace function refuse_audit() returns trigger language plpgsql as $$
        begin if new.action = '${action}' then raise exception 'simulated audit failure'; end if; return new; end $$`),
    );
    await env.database.db.execute(
      sql.raw("create trigger refuse_audit before insert on audit_log for each row execute function refuse_audit()"),
    );
    try {
      return await run();
    } finally {
      await env.database.db.execute(sql.raw("drop trigger refuse_audit on audit_log"));
    }
  }

  it("keeps one ordered history per account: started, plan changes, cancel scheduled, resumed, status changes", async () => {
    const user = await env.createUser();
    const bystander = await env.createUser();
    await subscribe(user, "scale", "month");
    await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "scale", interval: "year" });
    await post(cancelRoute, user.id, "/api/billing/subscription/cancel");
    await post(resumeRoute, user.id, "/api/billing/subscription/resume");
    await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "pro", interval: "year" });
    await call(staffRoute, `/api/billing/admin/users/${user.id}/staff`, { method: "POST", body: { grant: true }, id: user.id });
    await call(staffRoute, `/api/billing/admin/users/${user.id}/staff`, { method: "POST", body: { grant: false }, id: user.id });

    const detail = await call(customerRoute, `/api/billing/admin/users/${user.id}`, { id: user.id });
    expect(detail.status).toBe(200);
    const history = (
      detail.body.history as Array<{ kind: string; provider: string; data: Record<string, unknown>; occurredAt: string }>
    ).toReversed();
    const stripe = history.filter((h) => h.provider === "stripe");
    expect(stripe.map((h) => h.kind)).toEqual(["started", "plan_changed", "cancel_scheduled", "resumed", "change_scheduled"]);
    expect(stripe[0].data).toMatchObject({ planId: "scale", interval: "month", status: "active" });
    expect(stripe[1].data).toMatchObject({ fromPlanId: "scale", fromInterval: "month", toPlanId: "scale", toInterval: "year" });
    expect(stripe[2].data.endsAt).toEqual(expect.any(String));
    expect(stripe[4].data).toMatchObject({ toPlanId: "pro", toInterval: "year" });
    expect(history.filter((h) => h.provider !== "stripe").map((h) => [h.kind, h.data.to ?? h.data.status])).toEqual([
      ["started", "active"],
      ["status_changed", "canceled"],
    ]);
    const times = history.map((h) => Date.parse(h.occurredAt));
    expect(times).toEqual(times.toSorted((a, b) => a - b));

    // One history per account: nobody else's rows, and nothing for a customer who never subscribed.
    const other = await call(customerRoute, `/api/billing/admin/users/${bystander.id}`, { id: bystander.id });
    expect(other.body.history).toEqual([]);
    // Re-syncing the same Stripe state (webhook redelivery, reconcile) adds nothing.
    const before = (await env.database.db.select().from(subscriptionChanges).where(eq(subscriptionChanges.accountId, user.id))).length;
    expect((await call(syncRoute, `/api/billing/admin/users/${user.id}/sync`, { method: "POST", id: user.id })).status).toBe(200);
    expect(await env.database.db.select().from(subscriptionChanges).where(eq(subscriptionChanges.accountId, user.id))).toHaveLength(before);
  });

  it("writes a history row in the subscription upsert's transaction: when it cannot, neither is written", async () => {
    const user = await env.createUser();
    await env.database.db.execute(
      sql.raw(`create or replace function refuse_history() returns trigger language plpgsql as $$
        begin raise exception 'simulated history failure'; end $$`),
    );
    await env.database.db.execute(
      sql.raw("create trigger refuse_history before insert on subscription_changes for each row execute function refuse_history()"),
    );
    try {
      const res = await call(staffRoute, `/api/billing/admin/users/${user.id}/staff`, {
        method: "POST",
        body: { grant: true },
        id: user.id,
      });
      expect(res.status).toBe(500);
    } finally {
      await env.database.db.execute(sql.raw("drop trigger refuse_history on subscription_changes"));
    }
    expect(await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, user.id))).toEqual([]);
    expect(await env.database.db.select().from(auditLog).where(eq(auditLog.targetId, user.id))).toEqual([]);
  });

  it("an ignored event keeps its reason as a note, not an error, in the row, the list and the detail", async () => {
    const id = `evt_ignored_note_${kind}`;
    const res = await stripeWebhookRoute(
      signedWebhook({
        id,
        object: "event",
        type: "radar.early_fraud_warning.created",
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        data: { object: { id: "issfr_1" } },
      }),
    );
    expect(res.status).toBe(200);
    const [stored] = await env.database.db.select().from(webhookEvents).where(eq(webhookEvents.id, id));
    expect(stored).toMatchObject({ status: "ignored", lastError: null, note: "no handler for radar.early_fraud_warning.created" });

    const listed = await call(webhooksRoute as Handler, "/api/billing/admin/webhooks?status=ignored", { id: "x" });
    expect(listed.body.events).toEqual(
      expect.arrayContaining([expect.objectContaining({ id, lastError: null, note: "no handler for radar.early_fraud_warning.created" })]),
    );
    const shown = await call(webhookRoute, `/api/billing/admin/webhooks/${id}`, { id });
    expect(shown.body).toMatchObject({ status: "ignored", lastError: null, note: "no handler for radar.early_fraud_warning.created" });
  });

  it("Sync from Stripe: the synced rows and the audit row commit together", async () => {
    const user = await env.createUser();
    const customer = await ensureBillingCustomer(user);
    const prices = await env.stripe.prices.list({ lookup_keys: ["pro_monthly"] });
    await env.emulatorControl("/_emulator/config", { deliveryPaused: true });
    try {
      const pm = await env.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.providerCustomerId });
      await env.stripe.subscriptions.create({
        customer: customer.providerCustomerId,
        items: [{ price: prices.data[0].id }],
        default_payment_method: pm.id,
        trial_period_days: 0,
      });
      const sync = () => call(syncRoute, `/api/billing/admin/users/${user.id}/sync`, { method: "POST", id: user.id });
      const audited = () =>
        env.database.db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.targetId, user.id), eq(auditLog.action, "customer.synced")));
      const refused = await refuseAudit("customer.synced", sync);
      expect(refused.status).toBe(500);
      expect(await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, user.id))).toEqual([]);
      expect(await audited()).toEqual([]);

      expect((await sync()).status).toBe(200);
      expect(await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, user.id))).toHaveLength(1);
      expect(await audited()).toEqual([expect.objectContaining({ actorUserId: admin.id })]);
    } finally {
      await env.emulatorControl("/_emulator/config", { deliveryPaused: false });
      await env.flush();
    }
  });

  it("Replay: the event's new outcome and the audit row commit together", async () => {
    const id = `evt_replay_tx_${kind}`;
    await env.database.db.insert(webhookEvents).values({
      id,
      type: "admin.test_unknown",
      providerCreatedAt: new Date(),
      payload: { id, type: "admin.test_unknown", data: { object: { id: "obj_1" } } },
      status: "failed",
      attempts: 3,
      lastError: "earlier outage",
    });
    const replay = () => call(replayRoute, `/api/billing/admin/webhooks/${id}/replay`, { method: "POST", id });
    const refused = await refuseAudit("webhook.replayed", replay);
    const [unchanged] = await env.database.db.select().from(webhookEvents).where(eq(webhookEvents.id, id));
    expect(unchanged).toMatchObject({ status: "failed", attempts: 3, lastError: "earlier outage" });
    expect(await env.database.db.select().from(auditLog).where(eq(auditLog.targetId, id))).toEqual([]);
    expect(refused.body).toMatchObject({ result: { status: "failed", error: "simulated audit failure" } });

    expect((await replay()).body).toMatchObject({ result: { status: "ignored" } });
    const [replayed] = await env.database.db.select().from(webhookEvents).where(eq(webhookEvents.id, id));
    expect(replayed).toMatchObject({ status: "ignored", attempts: 4, lastError: null, note: "no handler for admin.test_unknown" });
    expect(await env.database.db.select().from(auditLog).where(eq(auditLog.targetId, id))).toEqual([
      expect.objectContaining({ action: "webhook.replayed", actorUserId: admin.id, data: { result: "ignored" } }),
    ]);
  });

  it("Retry notification: the re-queue and the audit row commit together", async () => {
    const user = await env.createUser();
    await queueNotification(env.database.db, {
      accountId: user.id,
      kind: "payment_failed",
      sourceEventId: `evt_retry_tx_${kind}`,
      subject: "Retry me",
      body: "…",
    });
    const [queued] = await env.database.db.select().from(notifications).where(eq(notifications.accountId, user.id));
    await env.database.db
      .update(notifications)
      .set({ status: "failed", error: "earlier SMTP outage" })
      .where(eq(notifications.id, queued.id));
    // Configured but unreachable (nothing listens on the discard port): the send after the commit fails fast.
    process.env.SMTP_URL = "smtp://127.0.0.1:9";
    try {
      const retry = () => call(retryRoute, `/api/billing/admin/notifications/${queued.id}/retry`, { method: "POST", id: queued.id });
      expect((await refuseAudit("notification.retried", retry)).status).toBe(500);
      const [unchanged] = await env.database.db.select().from(notifications).where(eq(notifications.id, queued.id));
      expect(unchanged).toMatchObject({ status: "failed", error: "earlier SMTP outage" });
      expect(await env.database.db.select().from(auditLog).where(eq(auditLog.targetId, queued.id))).toEqual([]);

      expect((await retry()).status).toBe(200);
      const [requeued] = await env.database.db.select().from(notifications).where(eq(notifications.id, queued.id));
      expect(requeued.error).not.toBe("earlier SMTP outage");
      expect(await env.database.db.select().from(auditLog).where(eq(auditLog.targetId, queued.id))).toEqual([
        expect.objectContaining({ action: "notification.retried", actorUserId: admin.id }),
      ]);
    } finally {
      delete process.env.SMTP_URL;
    }
  });
});
