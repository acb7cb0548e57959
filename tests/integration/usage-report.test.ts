import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, isNotNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingCustomers, subscriptions, usageEvents } from "@/db/schema";
import { consume } from "@/lib/billing/metering";
import type Stripe from "stripe";
import { reportBillableUsage } from "@/lib/billing/usage-report";
import { catalogDrift } from "@/lib/billing/webhooks/catalog-drift";
import { overageProductDescription } from "@/lib/billing/plans";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { formatCatalogChanges, pushCatalog } from "@/lib/stripe/catalog-push";
import { MANAGED_BY } from "@/lib/stripe/managed";
import { requestAs } from "../helpers/session";
import { createStripeClient } from "@/lib/stripe/client";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";

/**
 * A proxy in front of the emulator that forwards the first `okMeterEvents` meter events, forwards
 * the next one too but drops the connection before its answer arrives (Stripe has it, we never
 * learn), and from then on refuses everything: a reporter crashing in the middle of a batch.
 */
async function crashingProxy(target: string, okMeterEvents: number): Promise<{ url: string; server: Server; forwarded: () => number }> {
  const upstream = new URL(target);
  let meterEvents = 0;
  let down = false;
  const server = createServer((req, res) => {
    if (down) return req.socket.destroy();
    const isMeterEvent = req.method === "POST" && req.url === "/v1/billing/meter_events";
    if (isMeterEvent) meterEvents += 1;
    const crashHere = isMeterEvent && meterEvents > okMeterEvents;
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        if (crashHere) {
          down = true;
          answer.resume();
          answer.on("end", () => res.socket?.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, forwarded: () => meterEvents };
}

describe.each(POOLED_DATABASE_KINDS)("reporting billable usage to Stripe Billing Meters (%s)", (kind) => {
  let env: BillingEnv;
  beforeAll(async () => {
    env = await startBillingEnv(kind, { deliverWebhooks: false });
  });
  afterAll(() => env.stop());

  it("stripe:setup creates the meter and its metered price once", async () => {
    const meters = await env.stripe.billing.meters.list({ status: "active" });
    const meter = meters.data.find((m) => m.event_name === "ai_tokens");
    expect(meter).toMatchObject({ default_aggregation: { formula: "sum" }, customer_mapping: { event_payload_key: "stripe_customer_id" } });
    const [price] = (await env.stripe.prices.list({ lookup_keys: ["tokens_overage"] })).data;
    expect(price).toMatchObject({ active: true, recurring: { usage_type: "metered", meter: meter?.id, interval: "month" } });
    // Its price.created / product.created events are not catalog drift.
    expect(catalogDrift({ type: "price.created", data: { object: price } } as unknown as Stripe.Event)).toBeNull();
    const again = await pushCatalog(createStripeClient());
    expect(again.filter((c) => c.action !== "unchanged")).toEqual([]);
  });

  it("stripe:setup describes the overage price on the metered product, which Checkout shows under the metered line, idempotently", async () => {
    const description = overageProductDescription("tokens") as string;
    expect(description).toContain("$0.02 per 1,000 tokens");
    const meteredProduct = async () =>
      (await env.stripe.products.list({ limit: 100 })).data.find(
        (p) => p.metadata.managed_by === MANAGED_BY && p.metadata.meter_id === "tokens",
      );
    expect(await meteredProduct()).toMatchObject({ name: "AI tokens (usage)", description });

    // A product whose description is out of date (an older price, or edited in the dashboard) is brought back, and reported.
    await env.stripe.products.update((await meteredProduct())!.id, { description: "Usage past your plan." });
    const repaired = await pushCatalog(createStripeClient());
    expect(repaired.filter((c) => c.action !== "unchanged")).toEqual([
      expect.objectContaining({ object: "product", key: "meter:tokens", action: "updated", detail: description }),
    ]);
    expect(formatCatalogChanges(repaired)).toContain(description);
    expect((await meteredProduct())?.description).toBe(description);
    expect((await pushCatalog(createStripeClient())).filter((c) => c.action !== "unchanged")).toEqual([]);

    // The hosted Checkout page shows it under the metered line.
    const user = await env.createUser();
    const res = await checkoutRoute(
      await requestAs(user.id, "/api/billing/checkout", { method: "POST", body: { plan: "scale", interval: "year" } }),
    );
    expect(res.status).toBe(200);
    const { url } = (await res.json()) as { url: string };
    const page = await (await fetch(url)).text();
    expect(page).toContain("AI tokens (usage) (billed by usage)");
    expect(page).toContain(description);
  });

  it("a crash in the middle of a batch, then reruns (two at once): every billable unit reported exactly once", async () => {
    const user = await env.createUser();
    const customer = await env.stripe.customers.create({ email: user.email });
    await env.database.db.insert(billingCustomers).values({ accountId: user.id, providerCustomerId: customer.id, email: user.email });
    const now = new Date();
    await env.database.db.insert(subscriptions).values({
      accountId: user.id,
      providerSubscriptionId: `sub_report_${Date.now()}`,
      status: "active",
      planId: "pro",
      interval: "month",
      currentPeriodStart: new Date(now.getTime() - 86_400_000),
      currentPeriodEnd: new Date(now.getTime() + 20 * 86_400_000),
    });
    // Pro includes 2,000,000 tokens: 10 are left after the first call, so of the next 30 calls (7…36 tokens) the
    // first is included, the second partly billed and the other 28 billed in full.
    await consume(user.id, "tokens", 1_999_990);
    for (let i = 0; i < 30; i += 1) expect((await consume(user.id, "tokens", 7 + i, { idempotencyKey: `t${i}` })).allowed).toBe(true);
    const billable = await env.database.db
      .select()
      .from(usageEvents)
      .where(and(eq(usageEvents.accountId, user.id), sql`${usageEvents.billableQuantity} > 0`));
    expect(billable).toHaveLength(29);
    const totalUnits = billable.reduce((s, e) => s + e.billableQuantity, 0);
    expect(totalUnits).toBe((7 + 36) * 15 - 10);

    const realUrl = process.env.STRIPE_EMULATOR_URL as string;
    const proxy = await crashingProxy(realUrl, 11);
    process.env.STRIPE_EMULATOR_URL = proxy.url;
    try {
      await expect(reportBillableUsage({ batchSize: 20 })).rejects.toThrow();
    } finally {
      process.env.STRIPE_EMULATOR_URL = realUrl;
      proxy.server.closeAllConnections();
      proxy.server.close();
    }
    const markedAfterCrash = await env.database.db
      .select()
      .from(usageEvents)
      .where(and(eq(usageEvents.accountId, user.id), isNotNull(usageEvents.reportedAt)));
    expect(markedAfterCrash).toHaveLength(11);

    // Right away, the crashed run's claims (its batch of 20) still hold: only the 9 events it never took are sent.
    expect(await reportBillableUsage()).toMatchObject({ sent: 9, duplicates: 0 });
    // After the claim expires, two runs at once share the rest; the event Stripe got before the crash is a duplicate.
    const later = new Date(Date.now() + 10 * 60_000);
    const [a, b] = await Promise.all([
      reportBillableUsage({ now: later, batchSize: 5 }),
      reportBillableUsage({ now: later, batchSize: 5 }),
    ]);
    expect(a.sent + b.sent).toBe(20 - 12);
    expect(a.duplicates + b.duplicates).toBe(1);
    expect(await reportBillableUsage({ now: later })).toMatchObject({ sent: 0, duplicates: 0, units: 0 });

    const reported = await env.database.db
      .select()
      .from(usageEvents)
      .where(and(eq(usageEvents.accountId, user.id), isNotNull(usageEvents.reportedAt)));
    expect(reported).toHaveLength(29);
    const meter = (await env.stripe.billing.meters.list({ status: "active" })).data.find((m) => m.event_name === "ai_tokens")!;
    const start = Math.floor(now.getTime() / 1000) - 3600;
    const summaries = await env.stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: start,
      end_time: start + 7200,
    });
    expect(summaries.data.reduce((s, x) => s + x.aggregated_value, 0)).toBe(totalUnits);
  });
});
