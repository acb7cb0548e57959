import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, sql } from "drizzle-orm";
import type { NextRequest } from "next/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { POST as replayRoute } from "@/app/api/billing/admin/webhook-endpoints/deliveries/[id]/replay/route";
import { GET as deliveriesRoute } from "@/app/api/billing/admin/webhook-endpoints/deliveries/route";
import { GET as endpointsRoute, POST as createRoute } from "@/app/api/billing/admin/webhook-endpoints/route";
import { DEFAULT_DATABASE_TIMEOUTS, openDatabase, setAppDatabase, type Database } from "@/db/client";
import {
  auditLog,
  operatorAlerts,
  outboundDeliveries,
  outboundEvents,
  subscriptions,
  users,
  webhookEndpoints,
  type User,
} from "@/db/schema";
import { recordUsageAlerts } from "@/lib/billing/metering/alerts";
import { recordSubscriptionChanges } from "@/lib/billing/subscription-history";
import { createEndpoint } from "@/lib/webhooks-out/admin";
import { deliverOutboundWebhooks, OUTBOUND_RETRY_WINDOW_MS } from "@/lib/webhooks-out/deliver";
import { emitOutboundEvent } from "@/lib/webhooks-out/events";
import { verifyWebhook } from "@/lib/webhooks-out/verify";
import { POOLED_DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";
import { requestAs } from "../helpers/session";

interface Received {
  path: string;
  id: string;
  signature: string;
  body: string;
}

/** A real receiver on 127.0.0.1: answers `status` (after `delayMs`), records every request; can go down and come back on the same port. */
class Receiver {
  received: Received[] = [];
  status = 200;
  delayMs = 0;
  private server: Server | null = null;
  port = 0;

  async up(): Promise<void> {
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        this.received.push({
          path: req.url ?? "",
          id: String(req.headers["webhook-id"]),
          signature: String(req.headers["webhook-signature"]),
          body: Buffer.concat(chunks).toString("utf8"),
        });
        setTimeout(
          () => res.writeHead(this.status, { "content-type": "text/plain" }).end(this.status < 300 ? "ok" : "receiver is failing"),
          this.delayMs,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  url = (path = "/hook") => `http://127.0.0.1:${this.port}${path}`;
}

type Handler = (request: NextRequest, context: { params: Promise<{ id: string }> }) => Promise<Response>;

describe.each(POOLED_DATABASE_KINDS)("outbound webhooks on %s", (kind) => {
  let database: TestDatabase;
  let db: Database;
  let admin: User;
  const receiver = new Receiver();

  beforeAll(async () => {
    process.env.NEXTAUTH_SECRET = "outbound-webhooks-test-secret";
    database = await createTestDatabase(kind);
    db = database.db;
    setAppDatabase(database);
    [admin] = await db
      .insert(users)
      .values({ email: `hooks-admin-${kind}@example.com`, role: "admin", emailVerifiedAt: new Date() })
      .returning();
    await receiver.up();
  });
  afterAll(async () => {
    await receiver.down();
    await database.destroy();
  });
  afterEach(async () => {
    // Each case starts with no endpoints and an empty log.
    await db.delete(webhookEndpoints);
    await db.delete(outboundEvents);
    receiver.received = [];
    receiver.status = 200;
    receiver.delayMs = 0;
  });

  const emit = (type: "invoice.paid" | "seat.added" = "invoice.paid", data: Record<string, unknown> = { n: 1 }) =>
    db.transaction((tx) => emitOutboundEvent(tx, { type, accountId: admin.id, data }));
  const deliveries = () => db.select().from(outboundDeliveries).orderBy(outboundDeliveries.createdAt, outboundDeliveries.id);
  const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);

  it("is written with the state change in its transaction, signed so the documented verify snippet (docs/billing.md) accepts it, and refused when tampered with", async () => {
    const { secret } = await createEndpoint(
      db,
      { url: receiver.url(), eventTypes: ["subscription.updated", "entitlements.updated"], description: "" },
      admin.id,
    );
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const subscriptionRow = {
      accountId: admin.id,
      provider: "stripe",
      providerSubscriptionId: `sub_hooks_${kind}`,
      planId: "pro",
      status: "active",
      currentPeriodStart: new Date(),
      currentPeriodEnd: minutesFromNow(30 * 24 * 60),
    };
    // Rolled back: the subscription, its history and its events all vanish together.
    await expect(
      db.transaction(async (tx) => {
        const [row] = await tx
          .insert(subscriptions)
          .values({ ...subscriptionRow, providerSubscriptionId: `sub_rolled_back_${kind}` })
          .returning();
        await recordSubscriptionChanges(tx, null, row, new Date());
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await db.select().from(outboundEvents)).toEqual([]);

    await db.transaction(async (tx) => {
      const [row] = await tx.insert(subscriptions).values(subscriptionRow).returning();
      await recordSubscriptionChanges(tx, null, row, new Date());
    });
    const events = await db.select().from(outboundEvents).orderBy(outboundEvents.type);
    expect(events.map((e) => e.type)).toEqual(["entitlements.updated", "subscription.updated"]);
    expect((await deliveries()).map((d) => d.status)).toEqual(["pending", "pending"]);

    expect(await deliverOutboundWebhooks(db)).toEqual({ sent: 2, retrying: 0, failed: 0 });
    expect(receiver.received).toHaveLength(2);
    for (const request of receiver.received) {
      expect(verifyWebhook(request.body, request.signature, secret)).toBe(true);
      expect(verifyWebhook(request.body.replace('"pro"', '"scale"'), request.signature, secret)).toBe(false);
      expect(verifyWebhook(request.body, request.signature, "whsec_someone_else")).toBe(false);
      const body = JSON.parse(request.body) as { id: string; type: string; accountId: string; data: { subscription?: { planId: string } } };
      expect(request.id).toBe(body.id);
      expect(body.accountId).toBe(admin.id);
      if (body.type === "subscription.updated") expect(body.data.subscription?.planId).toBe("pro");
    }
    // An old signature (a replayed capture) is refused.
    const stale = receiver.received[0];
    const oldHeader = stale.signature.replace(/t=\d+/, `t=${Math.floor(Date.now() / 1000) - 600}`);
    expect(verifyWebhook(stale.body, oldHeader, secret)).toBe(false);
    expect((await deliveries()).map((d) => [d.status, d.attempts, d.lastStatusCode])).toEqual([
      ["delivered", 1, 200],
      ["delivered", 1, 200],
    ]);
    // Nothing more is sent, even after every lease would have ended.
    expect(await deliverOutboundWebhooks(db, { now: minutesFromNow(24 * 60) })).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(receiver.received).toHaveLength(2);
  });

  it("announces a usage threshold once, in the transaction that records the usage alert", async () => {
    await createEndpoint(db, { url: receiver.url(), eventTypes: ["usage.threshold_reached"], description: "" }, admin.id);
    const resetsAt = new Date(Date.now() + 86_400_000).toISOString();
    const crossing = {
      allowed: true,
      meter: "api_calls" as const,
      used: 800,
      limit: 1_000,
      remaining: 200,
      resetsAt,
      plan: { id: "free", name: "Free" },
    };
    expect(await recordUsageAlerts(admin.id, crossing, 10)).toEqual([80]);
    // Another caller crossing the same mark (a retry, another instance) announces nothing.
    expect(await recordUsageAlerts(admin.id, crossing, 10)).toEqual([]);
    expect(await deliverOutboundWebhooks(db)).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(receiver.received[0].body)).toMatchObject({
      type: "usage.threshold_reached",
      accountId: admin.id,
      data: { meter: "api_calls", threshold: 80, used: 800, limit: 1_000, resetsAt },
    });
  });

  it("retries a receiver that is down with backoff, delivers once it is up, and gives up after 3 days with an operator alert", async () => {
    const { secret } = await createEndpoint(db, { url: receiver.url(), eventTypes: ["invoice.paid"], description: "" }, admin.id);
    await emit();
    await receiver.down();
    try {
      expect(await deliverOutboundWebhooks(db)).toEqual({ sent: 0, retrying: 1, failed: 0 });
      let [delivery] = await deliveries();
      expect(delivery).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: null, claimToken: null });
      expect(delivery.lastError).toMatch(/ECONNREFUSED|connect/);
      // 1 min later, not before.
      expect(delivery.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
      expect(delivery.nextAttemptAt.getTime()).toBeLessThan(Date.now() + 70_000);
      expect(await deliverOutboundWebhooks(db)).toEqual({ sent: 0, retrying: 0, failed: 0 });
      expect(await deliverOutboundWebhooks(db, { now: minutesFromNow(2) })).toEqual({ sent: 0, retrying: 1, failed: 0 });
      [delivery] = await deliveries();
      // Then 5 min.
      expect(delivery.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 4 * 60_000);
    } finally {
      await receiver.up();
    }
    receiver.status = 503;
    expect(await deliverOutboundWebhooks(db, { now: minutesFromNow(10) })).toEqual({ sent: 0, retrying: 1, failed: 0 });
    expect((await deliveries())[0]).toMatchObject({
      status: "pending",
      attempts: 3,
      lastStatusCode: 503,
      lastError: "HTTP 503: receiver is failing",
    });
    receiver.status = 200;
    expect(await deliverOutboundWebhooks(db, { now: minutesFromNow(60) })).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect((await deliveries())[0]).toMatchObject({ status: "delivered", attempts: 4, lastStatusCode: 200, lastError: null });
    expect(receiver.received.map((r) => r.id)).toEqual([receiver.received[0].id, receiver.received[0].id]);
    expect(verifyWebhook(receiver.received[1].body, receiver.received[1].signature, secret)).toBe(true);

    // A delivery whose 3 days are up is failed instead of rescheduled, and operators hear of it.
    await emit("invoice.paid", { n: 2 });
    const [, late] = await deliveries();
    await db
      .update(outboundDeliveries)
      .set({ createdAt: new Date(Date.now() - OUTBOUND_RETRY_WINDOW_MS + 30_000) })
      .where(eq(outboundDeliveries.id, late.id));
    receiver.status = 500;
    expect(await deliverOutboundWebhooks(db)).toEqual({ sent: 0, retrying: 0, failed: 1 });
    expect((await db.select().from(outboundDeliveries).where(eq(outboundDeliveries.id, late.id)))[0]).toMatchObject({
      status: "failed",
      attempts: 1,
      lastStatusCode: 500,
    });
    const alerts = await db
      .select()
      .from(operatorAlerts)
      .where(eq(operatorAlerts.dedupeKey, `outbound_webhook_failed:${late.id}`));
    expect(alerts).toHaveLength(1);
    expect(await deliverOutboundWebhooks(db, { now: minutesFromNow(24 * 60) })).toEqual({ sent: 0, retrying: 0, failed: 0 });
  });

  it("admin API: registers an endpoint (secret once, bad URLs refused), lists the log, and replays a delivery as a new, audited delivery", async () => {
    const call = async (handler: Handler, path: string, init: { method?: string; body?: unknown; id?: string } = {}) => {
      const response = await handler(await requestAs(admin.id, path, { method: init.method, body: init.body }), {
        params: Promise.resolve({ id: init.id ?? "x" }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: string } };
    };
    const base = "/api/billing/admin/webhook-endpoints";
    for (const bad of [
      { url: "ftp://127.0.0.1/x", eventTypes: ["invoice.paid"] },
      { url: "http://example.com/x", eventTypes: ["invoice.paid"] },
      { url: "not a url", eventTypes: ["invoice.paid"] },
      { url: receiver.url(), eventTypes: [] },
      { url: receiver.url(), eventTypes: ["invoice.refunded"] },
    ]) {
      const refused = await call(createRoute as Handler, base, { method: "POST", body: bad });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(refused.body.error).toBe("bad_request");
    }
    expect(await db.select().from(webhookEndpoints)).toEqual([]);
    const created = await call(createRoute as Handler, base, {
      method: "POST",
      body: { url: receiver.url(), eventTypes: ["invoice.paid", "invoice.paid"], description: "ERP" },
    });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(created.body.endpoint).toMatchObject({ url: receiver.url(), eventTypes: ["invoice.paid"], enabled: true, description: "ERP" });
    const listed = await call(endpointsRoute as Handler, base);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const eventId = await emit();
    expect(await deliverOutboundWebhooks(db)).toEqual({ sent: 1, retrying: 0, failed: 0 });
    const [original] = await deliveries();
    const replayed = await call(replayRoute, `${base}/deliveries/${original.id}/replay`, { method: "POST", id: original.id });
    expect(replayed.status).toBe(200);
    expect(replayed.body.delivery).toMatchObject({ eventId, status: "delivered", attempts: 1, replayOf: original.id });
    // The receiver got the same event (same id, same bytes) twice, each validly signed; the original row is untouched.
    expect(receiver.received.map((r) => r.id)).toEqual([eventId, eventId]);
    expect(receiver.received[1].body).toBe(receiver.received[0].body);
    expect(verifyWebhook(receiver.received[1].body, receiver.received[1].signature, secret)).toBe(true);
    expect((await db.select().from(outboundDeliveries).where(eq(outboundDeliveries.id, original.id)))[0]).toEqual(original);
    const audit = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "webhook_delivery.replayed"), eq(auditLog.targetId, original.id)));
    expect(audit.map((row) => row.actorUserId)).toEqual([admin.id]);

    const log = await call(deliveriesRoute as Handler, `${base}/deliveries?status=delivered`);
    expect((log.body.deliveries as unknown[]).length).toBe(2);
    expect((await call(deliveriesRoute as Handler, `${base}/deliveries?status=nope`)).status).toBe(400);
    const missing = "00000000-0000-4000-8000-000000000000";
    expect((await call(replayRoute, `${base}/deliveries/${missing}/replay`, { method: "POST", id: missing })).status).toBe(404);
    expect((await call(replayRoute, `${base}/deliveries/x/replay`, { method: "POST", id: "../x" })).status).toBe(404);
  });

  it("two app instances delivering at once send each event to each endpoint exactly once", async () => {
    // A second instance: its own pool on the same database (PGlite lives in one process: two rounds on its one handle).
    const pooled = kind === "pgbouncer";
    const other = database.url
      ? await openDatabase({ url: database.url, max: 5, prepare: !pooled, timeouts: { ...DEFAULT_DATABASE_TIMEOUTS, serverSide: !pooled } })
      : null;
    try {
      const second = other?.db ?? db;
      receiver.delayMs = 30;
      await createEndpoint(db, { url: receiver.url("/a"), eventTypes: ["seat.added"], description: "" }, admin.id);
      await createEndpoint(db, { url: receiver.url("/b"), eventTypes: ["seat.added", "invoice.paid"], description: "" }, admin.id);
      const ids: string[] = [];
      for (let i = 0; i < 12; i += 1) ids.push((await emit("seat.added", { i }))!);
      expect((await deliveries()).length).toBe(24);
      const rounds = await Promise.all([
        deliverOutboundWebhooks(db, { limit: 10 }),
        deliverOutboundWebhooks(second, { limit: 10 }),
        deliverOutboundWebhooks(db, { limit: 10 }),
        deliverOutboundWebhooks(second, { limit: 10 }),
      ]);
      expect(rounds.reduce((n, r) => n + r.sent, 0)).toBe(24);
      const seen = receiver.received.map((r) => `${r.path} ${r.id}`).sort();
      expect(seen).toEqual(ids.flatMap((id) => [`/a ${id}`, `/b ${id}`]).sort());
      expect(new Set((await deliveries()).map((d) => `${d.status}/${d.attempts}`))).toEqual(new Set(["delivered/1"]));
      // A crashed worker's lease: the row it held is left alone until the lease ends, then retried once.
      const eventId = await emit("seat.added", { crashed: true });
      await db.execute(
        sql`update outbound_deliveries set claim_token = gen_random_uuid(), claimed_until = now() + interval '2 minutes', attempts = 1 where event_id = ${eventId}`,
      );
      expect(await deliverOutboundWebhooks(second)).toEqual({ sent: 0, retrying: 0, failed: 0 });
      expect(await deliverOutboundWebhooks(second, { now: minutesFromNow(3) })).toEqual({ sent: 2, retrying: 0, failed: 0 });
      expect(receiver.received.filter((r) => r.id === eventId)).toHaveLength(2);
    } finally {
      await other?.close();
    }
  });
});
