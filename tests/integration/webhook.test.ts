import { eq, sql } from "drizzle-orm";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { POST as webhookRoute } from "@/app/api/billing/webhook/route";
import { runDeliveryJob } from "@/lib/jobs";
import postgres from "postgres";
import { openDatabase, setAppDatabase } from "@/db/client";
import { OutcomeNotStoredError } from "@/lib/billing/webhooks/inbox";
import {
  billingCustomers,
  invoices,
  notifications,
  operatorAlerts,
  rateLimits,
  subscriptions,
  webhookEvents,
  type User,
} from "@/db/schema";
import { logger } from "@/lib/logger";
import { fetchStripeInvoice, storeStripeInvoice, pullStripeSubscription } from "@/lib/billing/stripe-pull";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { TEST_WEBHOOK_SECRET, startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

function signedRequest(payload: string, options: { secret?: string; timestamp?: number; signature?: string | null } = {}) {
  const headers = new Headers({ "content-type": "application/json" });
  const signature =
    options.signature !== undefined
      ? options.signature
      : Stripe.webhooks.generateTestHeaderString({
          payload,
          secret: options.secret ?? TEST_WEBHOOK_SECRET,
          timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
        });
  if (signature !== null) headers.set("stripe-signature", signature);
  return new Request("http://app.test/api/billing/webhook", { method: "POST", headers, body: payload });
}

const deliver = (event: Stripe.Event) => webhookRoute(signedRequest(JSON.stringify(event)));

function* permutations<T>(items: T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield items;
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const perm of permutations(rest)) yield [items[i], ...perm];
  }
}

describe.each(POOLED_DATABASE_KINDS)("webhook endpoint on %s", (kind) => {
  let env: BillingEnv;
  let user: User;
  let checkoutEvents: Stripe.Event[];

  beforeAll(async () => {
    // Deliveries are made by the tests themselves, in the order and number they choose.
    env = await startBillingEnv(kind, { deliverWebhooks: false });
    user = await env.createUser();
    const res = await checkoutRoute(
      await requestAs(user.id, "/api/billing/checkout", { method: "POST", body: { plan: "pro", interval: "month" } }),
    );
    const { url } = (await res.json()) as { url: string };
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1];
    const seen = new Set((await env.stripe.events.list({ limit: 100 })).data.map((e) => e.id));
    await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" });
    checkoutEvents = (await env.stripe.events.list({ limit: 100 })).data.filter((e) => !seen.has(e.id)).reverse();
  });
  afterAll(() => env.stop());

  const db = () => env.database.db;
  async function resetBillingRows() {
    await db().delete(webhookEvents);
    await db().delete(invoices);
    await db().delete(subscriptions);
  }
  async function billingState() {
    const subs = await db().select().from(subscriptions).where(eq(subscriptions.accountId, user.id));
    const invs = await db().select().from(invoices).where(eq(invoices.accountId, user.id));
    return {
      subscriptions: subs.map((s) => ({
        id: s.providerSubscriptionId,
        status: s.status,
        plan: s.planId,
        interval: s.interval,
        periodEnd: s.currentPeriodEnd?.toISOString(),
        trialEnd: s.trialEnd?.toISOString(),
        cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      })),
      invoices: invs.map((i) => ({ id: i.providerInvoiceId, status: i.status, total: i.total, paid: i.amountPaid })),
    };
  }
  beforeEach(resetBillingRows);

  it("the checkout produced the lifecycle's events", () => {
    expect(checkoutEvents.map((e) => e.type)).toEqual(
      expect.arrayContaining(["customer.subscription.created", "invoice.paid", "checkout.session.completed"]),
    );
  });

  it("in order, the events leave one trialing Pro subscription and one paid invoice", async () => {
    for (const event of checkoutEvents) expect((await deliver(event)).status).toBe(200);
    const state = await billingState();
    expect(state.subscriptions).toEqual([expect.objectContaining({ status: "trialing", plan: "pro", interval: "month" })]);
    expect(state.invoices).toEqual([expect.objectContaining({ status: "paid", total: 0 })]);
    const stored = await db().select().from(webhookEvents);
    expect(stored).toHaveLength(checkoutEvents.length);
    expect(stored.every((e) => e.attempts === 1 && ["processed", "ignored"].includes(e.status))).toBe(true);
  });

  it("every permutation of the checkout's state-changing events ends in the same rows", async () => {
    const outcomes = new Map<string, string>();
    for (const event of checkoutEvents) outcomes.set(event.id, ((await (await deliver(event)).json()) as { status: string }).status);
    const expected = await billingState();
    // The events the app acts on are permuted; those it records and ignores (payment_method.attached,
    // setup_intent.*) store nothing, so each run delivers them first, once.
    const stateful = checkoutEvents.filter((e) => outcomes.get(e.id) === "processed");
    const ignored = checkoutEvents.filter((e) => outcomes.get(e.id) === "ignored");
    expect(stateful.map((e) => e.type).sort()).toEqual([
      "checkout.session.completed",
      "customer.subscription.created",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
    ]);
    expect(stateful.length + ignored.length).toBe(checkoutEvents.length);
    // Every one of the 720 orders on one database, a sample on the others: the events are delivered one
    // after another, so the order's outcome is the app's logic, the same SQL on every kind. The
    // exhaustive run is on real Postgres when there is one (the production engine, and four times
    // faster than PGlite's WebAssembly), else on PGlite; then one order in 6 (120) on PGlite, and through
    // the pooler one in 12 (60): the samples show the engine (and which pooled connection runs each
    // transaction) changes nothing.
    const exhaustive = POOLED_DATABASE_KINDS.includes("postgres") ? "postgres" : "pglite";
    const every = kind === exhaustive ? 1 : kind === "pgbouncer" ? 12 : 6;
    let runs = 0;
    let seen = 0;
    for (const order of permutations(stateful)) {
      if (seen++ % every !== 0) continue;
      await resetBillingRows();
      for (const event of [...ignored, ...order]) expect((await deliver(event)).status).toBe(200);
      expect(await billingState()).toEqual(expected);
      runs += 1;
    }
    expect(runs).toBe(Math.ceil([...Array(stateful.length).keys()].reduce((f, i) => f * (i + 1), 1) / every));
  }, 600_000);

  it("a duplicate delivery is acknowledged without side effects", async () => {
    for (const event of checkoutEvents) {
      expect((await deliver(event)).status).toBe(200);
      const again = await deliver(event);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ status: "duplicate" });
    }
    const stored = await db().select().from(webhookEvents);
    expect(stored.every((e) => e.attempts === 1)).toBe(true);
    expect((await billingState()).subscriptions).toHaveLength(1);
  });

  it("20 concurrent deliveries of the same event end in one correct row", async () => {
    const event = checkoutEvents.find((e) => e.type === "customer.subscription.created") as Stripe.Event;
    const responses = await Promise.all(Array.from({ length: 20 }, () => deliver(event)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ status: string }>;
    expect(bodies.filter((b) => b.status === "processed")).toHaveLength(1);
    const [stored] = await db().select().from(webhookEvents).where(eq(webhookEvents.id, event.id));
    expect(stored).toMatchObject({ status: "processed", attempts: 1 });
    expect((await billingState()).subscriptions).toEqual([expect.objectContaining({ status: "trialing", plan: "pro" })]);
  });

  it("rejects a bad signature, a missing one and a stale timestamp with 400, storing nothing", async () => {
    const payload = JSON.stringify(checkoutEvents[0]);
    const bad = await webhookRoute(signedRequest(payload, { secret: "whsec_wrong" }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_signature" });
    expect((await webhookRoute(signedRequest(payload, { signature: null }))).status).toBe(400);
    expect((await webhookRoute(signedRequest(payload, { signature: "t=1,v1=deadbeef" }))).status).toBe(400);
    const stale = await webhookRoute(signedRequest(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 }));
    expect(stale.status).toBe(400);
    const tampered = signedRequest(payload);
    const forged = new Request(tampered.url, {
      method: "POST",
      headers: tampered.headers,
      body: payload.replace('"livemode":false', '"livemode":true'),
    });
    expect(payload).toContain('"livemode":false');
    expect((await webhookRoute(forged)).status).toBe(400);
    expect(await db().select().from(webhookEvents)).toEqual([]);
    expect((await billingState()).subscriptions).toEqual([]);
  });

  it("a failed signature is logged with its reason and without the payload; 5 within 5 minutes raise one operator alert, counted across instances", async () => {
    await db().delete(operatorAlerts);
    await db().delete(rateLimits);
    const resetInstance = () => ((globalThis as { __rateLimiters?: unknown }).__rateLimiters = undefined);
    resetInstance();
    const warn = vi.spyOn(logger, "warn");
    try {
      const payload = JSON.stringify({ ...checkoutEvents[0], secretMarker: "payload-must-not-be-logged" });
      const alerts = () => db().select().from(operatorAlerts).where(eq(operatorAlerts.kind, "webhook_signature_failed"));
      for (let i = 1; i <= 8; i += 1) {
        // On Postgres the count lives in the database: a fresh instance (no in-memory limiter) keeps counting.
        if (kind !== "pglite" && i === 3) resetInstance();
        const res = await webhookRoute(signedRequest(payload, { secret: "whsec_rotated_away" }));
        expect(res.status).toBe(400);
        expect((await alerts()).length, `after ${i} failures`).toBe(i < 5 ? 0 : 1);
      }
      const [alert] = await alerts();
      expect(alert.text).toContain("STRIPE_WEBHOOK_SECRET");
      const failures = warn.mock.calls.filter((call) => call[1] === "webhook signature verification failed");
      expect(failures).toHaveLength(8);
      expect(failures[0][0]).toMatchObject({ reason: expect.stringMatching(/signature/i) });
      expect(JSON.stringify(warn.mock.calls)).not.toContain("payload-must-not-be-logged");
      expect(await db().select().from(webhookEvents)).toEqual([]);
    } finally {
      warn.mockRestore();
      resetInstance();
    }
  });

  it("refuses a body over 1 MB with 413", async () => {
    const huge = JSON.stringify({ ...checkoutEvents[0], padding: "x".repeat(1024 * 1024) });
    const res = await webhookRoute(signedRequest(huge));
    expect(res.status).toBe(413);
    expect(await db().select().from(webhookEvents)).toEqual([]);
  });

  it("answers a delivery abandoned mid-body with request_aborted, not a database outage, storing nothing", async () => {
    // What Node raises when the sender hangs up (Stripe gives up after its timeout): ECONNRESET "aborted",
    // the same errno a dropped database socket carries.
    const signed = signedRequest(JSON.stringify(checkoutEvents[0]));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"id":"evt_'));
        controller.error(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
      },
    });
    const abandoned = new Request(signed.url, { method: "POST", headers: signed.headers, body, duplex: "half" } as RequestInit);
    const res = await webhookRoute(abandoned);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "request_aborted" });
    expect(await db().select().from(webhookEvents)).toEqual([]);
  });

  it("stores and acknowledges event types it does not handle", async () => {
    const unknown = {
      ...checkoutEvents[0],
      id: "evt_unknown_type_1",
      type: "radar.early_fraud_warning.created",
    } as unknown as Stripe.Event;
    const res = await deliver(unknown);
    expect(res.status).toBe(200);
    const [stored] = await db().select().from(webhookEvents).where(eq(webhookEvents.id, unknown.id));
    expect(stored).toMatchObject({ status: "ignored", type: "radar.early_fraud_warning.created" });
  });

  it("a signed but malformed event, or one naming an object Stripe no longer has, is recorded as ignored with 200", async () => {
    const base = checkoutEvents[0] as unknown as Record<string, unknown>;
    const malformed = { ...base, id: "evt_malformed_1", type: "customer.subscription.updated", data: { object: { nothing: true } } };
    const gone = {
      ...base,
      id: "evt_gone_1",
      type: "customer.subscription.updated",
      data: { object: { id: "sub_does_not_exist", object: "subscription" } },
    };
    for (const event of [malformed, gone]) {
      const res = await deliver(event as unknown as Stripe.Event);
      expect(res.status, event.id as string).toBe(200);
      const [stored] = await db()
        .select()
        .from(webhookEvents)
        .where(eq(webhookEvents.id, event.id as string));
      expect(stored).toMatchObject({ status: "ignored" });
    }
  });

  it("a signed event with no usable id ([], null, a number, no id, a NUL in the id) is a 400 and stores nothing", async () => {
    const base = checkoutEvents[0] as unknown as Record<string, unknown>;
    const payloads = [
      "[]",
      "null",
      "42",
      '"evt"',
      JSON.stringify({ ...base, id: undefined }),
      JSON.stringify({ ...base, id: "" }),
      JSON.stringify({ ...base, id: "evt_\u0000x" }),
      JSON.stringify({ ...base, id: "evt_\ud800" }),
    ];
    for (const payload of payloads) {
      const res = await webhookRoute(signedRequest(payload));
      expect(res.status, payload.slice(0, 40)).toBe(400);
      expect(await res.json(), payload.slice(0, 40)).toMatchObject({ error: "bad_request", field: "id" });
    }
    expect(await db().select().from(webhookEvents)).toEqual([]);
  });

  it("a signed event with an id but malformed otherwise is recorded as ignored with 200, never 500", async () => {
    const base = checkoutEvents[0] as unknown as Record<string, unknown>;
    const data = base.data as { object: Record<string, unknown> };
    const cases: Record<string, Record<string, unknown>> = {
      evt_bad_no_created: { ...base, created: undefined },
      evt_bad_created_string: { ...base, created: "yesterday" },
      evt_bad_created_far: { ...base, created: 1e15 },
      evt_bad_no_type: { ...base, type: undefined },
      evt_bad_type_object: { ...base, type: { a: 1 } },
      evt_bad_livemode: { ...base, livemode: "yes" },
      evt_bad_nul_type: { ...base, type: "customer.\u0000updated" },
      evt_bad_nul_object: { ...base, data: { object: { ...data.object, description: "a\u0000b" } } },
      evt_bad_nul_key: { ...base, data: { object: { ...data.object, ["k\u0000"]: 1 } } },
      evt_bad_surrogate: { ...base, data: { object: { ...data.object, id: "cs_\udc00" } } },
      evt_bad_data_null: { ...base, data: null },
      evt_bad_api_version: { ...base, api_version: 7 },
    };
    for (const [id, event] of Object.entries(cases)) {
      const res = await webhookRoute(signedRequest(JSON.stringify({ ...event, id })));
      expect(res.status, id).toBe(200);
      expect(await res.json(), id).toMatchObject({ received: true, status: "ignored" });
      const [stored] = await db().select().from(webhookEvents).where(eq(webhookEvents.id, id));
      expect(stored, id).toMatchObject({ status: "ignored" });
      if (id !== "evt_bad_data_null" && id !== "evt_bad_api_version") {
        expect(stored.note, id).toMatch(/^malformed event: /);
        expect(stored.lastError, id).toBeNull();
      }
      expect(JSON.stringify(stored.payload), id).not.toMatch(/\\u0000|\\ud[89a-f]/);
      // A redelivery is a duplicate, still 200.
      expect((await webhookRoute(signedRequest(JSON.stringify({ ...event, id })))).status, id).toBe(200);
    }
    expect((await billingState()).subscriptions).toEqual([]);
  });

  it("customer.updated applies the email Stripe has now, not the payload's; a deleted-subscription notice needs a canceled re-read", async () => {
    const [customer] = await db().select().from(billingCustomers).where(eq(billingCustomers.accountId, user.id));
    const live = (await env.stripe.customers.retrieve(customer.providerCustomerId)) as Stripe.Customer;
    const base = checkoutEvents[0] as unknown as Record<string, unknown>;
    const forged = {
      ...base,
      id: "evt_customer_payload_1",
      type: "customer.updated",
      data: { object: { ...live, email: "attacker@evil.example" } },
    };
    expect((await deliver(forged as unknown as Stripe.Event)).status).toBe(200);
    const [after] = await db().select().from(billingCustomers).where(eq(billingCustomers.accountId, user.id));
    expect(after.email).toBe(live.email);
    expect(after.deletedAt).toBeNull();

    const subscription = checkoutEvents.find((e) => e.type === "customer.subscription.created")!.data.object as Stripe.Subscription;
    const stale = {
      ...base,
      id: "evt_sub_deleted_stale_1",
      type: "customer.subscription.deleted",
      data: { object: { ...subscription, status: "canceled" } },
    };
    expect((await deliver(stale as unknown as Stripe.Event)).status).toBe(200);
    expect(await db().select().from(notifications).where(eq(notifications.sourceEventId, "evt_sub_deleted_stale_1"))).toEqual([]);
  });

  it("a database failure mid-event answers 500, keeps nothing half-written, and the retry succeeds", async () => {
    const event = checkoutEvents.find((e) => e.type === "checkout.session.completed") as Stripe.Event;
    // A real failure inside the transaction: the subscriptions upsert is refused by the database.
    await db().execute(
      sql.raw(`create or replace function refuse_writes() returns trigger language plpgsql as $$
      begin raise exception 'simulated database failure'; end $$`),
    );
    await db().execute(
      sql.raw(
        "create trigger refuse_subscription_writes before insert or update on subscriptions for each row execute function refuse_writes()",
      ),
    );
    try {
      const failed = await deliver(event);
      expect(failed.status).toBe(500);
      const [stored] = await db().select().from(webhookEvents).where(eq(webhookEvents.id, event.id));
      expect(stored).toMatchObject({ status: "failed", attempts: 1, processedAt: null });
      expect(stored.lastError).toContain("simulated database failure");
      expect((await billingState()).subscriptions).toEqual([]);
    } finally {
      await db().execute(sql.raw("drop trigger refuse_subscription_writes on subscriptions"));
    }
    const retried = await deliver(event);
    expect(retried.status).toBe(200);
    const [stored] = await db().select().from(webhookEvents).where(eq(webhookEvents.id, event.id));
    expect(stored).toMatchObject({ status: "processed", attempts: 2, lastError: null });
    expect(stored.processedAt).toBeInstanceOf(Date);
    expect((await billingState()).subscriptions).toEqual([expect.objectContaining({ status: "trialing", plan: "pro" })]);
  });

  // Only through the pooler (registered for that kind alone): the other kinds have no pooler to misuse.
  if (kind === "pgbouncer")
    it("an instance that prepares begin/commit behind the pooler loses the commit; it answers 500, never 200, and the retry applies the event", async () => {
      // The configuration that lost events: the client prepares statements (no DATABASE_POOLER)
      // while PgBouncer runs each transaction on whichever server connection is free.
      const misconfigured = await openDatabase({
        url: env.database.url,
        max: 1,
        prepare: true,
        timeouts: { connectMs: 5_000, statementMs: 5_000, idleInTransactionMs: 10_000, serverSide: false },
      });
      // The app's connection prepares BEGIN and COMMIT on server connection A…
      await misconfigured.db.transaction(async (tx) => tx.execute(sql`select 1`));
      // …then another client holds A in a transaction, so the next transaction runs on server B,
      // where COMMIT was never prepared: it fails, the transaction aborts, and postgres.js's retry of
      // the COMMIT ends it as a ROLLBACK that reports success.
      const holder = postgres(env.database.url as string, { max: 1, prepare: false, onnotice: () => {} });
      const event = checkoutEvents.find((e) => e.type === "customer.subscription.created") as Stripe.Event;
      const failed = vi.spyOn(logger, "error");
      let release: () => void = () => {};
      const held = holder.begin(async (tx) => {
        await tx`select 1`;
        await new Promise<void>((resolve) => (release = resolve));
      });
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        setAppDatabase(misconfigured);
        const res = await deliver(event);
        expect(res.status).toBe(500);
        expect(failed.mock.calls.some(([fields]) => (fields as { err?: unknown }).err instanceof OutcomeNotStoredError)).toBe(true);
      } finally {
        release();
        await held;
        await holder.end();
        setAppDatabase(env.database);
        await misconfigured.close();
        failed.mockRestore();
      }
      expect((await billingState()).subscriptions).toEqual([]);
      // Stripe retries the 500; a correctly configured instance applies it.
      expect((await deliver(event)).status).toBe(200);
      const [stored] = await db().select().from(webhookEvents).where(eq(webhookEvents.id, event.id));
      expect(stored.status).toBe("processed");
      expect((await billingState()).subscriptions).toEqual([expect.objectContaining({ status: "trialing", plan: "pro" })]);
    });

  it("an event left 'received' for over a minute raises one operator alert and the delivery job replays it", async () => {
    const event = checkoutEvents.find((e) => e.type === "customer.subscription.created") as Stripe.Event;
    // Stored and never processed: what an acknowledged-but-lost delivery leaves behind.
    await db()
      .insert(webhookEvents)
      .values({
        id: event.id,
        type: event.type,
        providerCreatedAt: new Date(event.created * 1000),
        payload: event,
        receivedAt: new Date(Date.now() - 30_000),
      });
    expect((await runDeliveryJob()).webhooksReplayed).toEqual([]); // 30 s: perhaps still in flight
    await db()
      .update(webhookEvents)
      .set({ receivedAt: new Date(Date.now() - 61_000) })
      .where(eq(webhookEvents.id, event.id));
    const [first, second] = await Promise.all([runDeliveryJob(), runDeliveryJob()]); // two instances' cron at once
    expect([...first.webhooksReplayed, ...second.webhooksReplayed].map((r) => r.result).sort()).toEqual(
      first.webhooksReplayed.length + second.webhooksReplayed.length === 1 ? ["processed"] : ["duplicate", "processed"],
    );
    const [stored] = await db().select().from(webhookEvents).where(eq(webhookEvents.id, event.id));
    expect(stored).toMatchObject({ status: "processed", attempts: 1 });
    const alerts = await db().select().from(operatorAlerts).where(eq(operatorAlerts.kind, "webhook_stuck"));
    expect(alerts).toEqual([
      expect.objectContaining({ dedupeKey: `webhook_stuck:${event.id}`, text: expect.stringContaining("never processed") }),
    ]);
    expect((await billingState()).subscriptions).toEqual([expect.objectContaining({ status: "trialing", plan: "pro" })]);
    expect((await runDeliveryJob()).webhooksReplayed).toEqual([]);
    await db().delete(operatorAlerts);
  });

  it("Stripe unreachable while processing answers 500 and the retry succeeds", async () => {
    const event = checkoutEvents.find((e) => e.type === "customer.subscription.created") as Stripe.Event;
    const realUrl = process.env.STRIPE_EMULATOR_URL;
    process.env.STRIPE_EMULATOR_URL = "http://127.0.0.1:9"; // discard port: connection refused
    try {
      expect((await deliver(event)).status).toBe(500);
    } finally {
      process.env.STRIPE_EMULATOR_URL = realUrl;
    }
    expect((await billingState()).subscriptions).toEqual([]);
    expect((await deliver(event)).status).toBe(200);
    expect((await billingState()).subscriptions).toHaveLength(1);
  });

  it("an older read never overwrites a newer one (version guard)", async () => {
    const subscriptionId = (await billingStateAfterAll()).subscriptions[0].id;
    const future = Date.now() + 60_000;
    const spy = vi.spyOn(Date, "now").mockReturnValueOnce(future);
    const newer = await pullStripeSubscription(db(), subscriptionId);
    spy.mockRestore();
    expect(newer.status).toBe("synced");
    const older = await pullStripeSubscription(db(), subscriptionId);
    expect(older.status).toBe("stale");
    const [row] = await db().select().from(subscriptions).where(eq(subscriptions.providerSubscriptionId, subscriptionId));
    expect(row.sourceVersion).toBe(future);
  });

  it("an older read of an invoice never overwrites a newer one (version guard)", async () => {
    const invoiceId = (await billingStateAfterAll()).invoices[0].id;
    // A read that began while the invoice was still open, and one that began later and saw it paid;
    // the later one is stored first (two webhooks processed out of order).
    const older = await fetchStripeInvoice(db(), invoiceId);
    const future = Date.now() + 60_000;
    const spy = vi.spyOn(Date, "now").mockReturnValueOnce(future);
    const newer = await fetchStripeInvoice(db(), invoiceId);
    spy.mockRestore();
    expect(newer.snapshot.status).toBe("paid");
    expect((await storeStripeInvoice(db(), newer)).status).toBe("synced");
    expect((await storeStripeInvoice(db(), { ...older, snapshot: { ...older.snapshot, status: "open", amountPaid: 0 } })).status).toBe(
      "stale",
    );
    const [row] = await db().select().from(invoices).where(eq(invoices.providerInvoiceId, invoiceId));
    expect(row).toMatchObject({ status: "paid", sourceVersion: future });
  });

  async function billingStateAfterAll() {
    for (const event of checkoutEvents) await deliver(event);
    return billingState();
  }
});
