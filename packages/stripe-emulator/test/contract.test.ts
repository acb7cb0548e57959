import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { emulatorStripeClient } from "../src/index";
import { createPlan, expectStripeError, startTestEmulator, checkoutSubscription, WebhookReceiver, type TestEmulator } from "./helpers";

let env: TestEmulator;
let stripe: Stripe;

beforeAll(async () => {
  env = await startTestEmulator();
  stripe = env.stripe;
});
afterAll(async () => {
  await env.stop();
});

describe("transport: auth, request ids, errors", () => {
  it("rejects requests without an API key with a 401 authentication_error", async () => {
    const res = await fetch(`${env.handle.url}/v1/customers`);
    expect(res.status).toBe(401);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("authentication_error");
  });

  it("rejects keys that are not test secret keys", async () => {
    const bad = emulatorStripeClient(env.handle.url, "sk_live_nope");
    const err = await expectStripeError(bad.customers.list());
    expect(err.type).toBe("StripeAuthenticationError");
    expect(err.statusCode).toBe(401);
  });

  it("answers unknown ids with 404 resource_missing", async () => {
    const err = await expectStripeError(stripe.customers.retrieve("cus_doesnotexist"));
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe("resource_missing");
    expect(err.param).toBe("id");
    expect(err.requestId).toMatch(/^req_/);
  });

  it("reports missing and empty required params", async () => {
    const product = await stripe.products.create({ name: "Validation" });
    const missing = await expectStripeError(stripe.prices.create({ product: product.id, unit_amount: 100 } as Stripe.PriceCreateParams));
    expect(missing.statusCode).toBe(400);
    expect(missing.code).toBe("parameter_missing");
    expect(missing.param).toBe("currency");
    const empty = await expectStripeError(stripe.products.create({ name: "" }));
    expect(empty.code).toBe("parameter_invalid_empty");
  });

  it("adds a request-id header and Stripe-Version to every response", async () => {
    const res = await fetch(`${env.handle.url}/v1/customers?limit=1`, { headers: { Authorization: "Bearer sk_test_123" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    expect(res.headers.get("stripe-version")).toBe("2026-10-28.endive");
  });
});

describe("idempotency", () => {
  it("replays the stored response for the same key and body", async () => {
    const params = { email: "idem@example.com", metadata: { userId: "u_idem" } };
    const first = await stripe.customers.create(params, { idempotencyKey: "cust-u_idem" });
    const second = await stripe.customers.create(params, { idempotencyKey: "cust-u_idem" });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
    const all = await stripe.customers.list({ email: "idem@example.com" });
    expect(all.data).toHaveLength(1);
  });

  it("refuses the same key with different parameters (idempotency_error)", async () => {
    await stripe.customers.create({ email: "a@example.com" }, { idempotencyKey: "conflict-key" });
    const err = await expectStripeError(stripe.customers.create({ email: "b@example.com" }, { idempotencyKey: "conflict-key" }));
    expect(err.type).toBe("StripeIdempotencyError");
    expect(err.statusCode).toBe(400);
    expect(err.rawType).toBe("idempotency_error");
  });
});

describe("customers", () => {
  it("creates, updates metadata (merge + unset) and deletes", async () => {
    const customer: Stripe.Customer = await stripe.customers.create({
      email: "m@example.com",
      name: "M",
      metadata: { userId: "u1", keep: "yes" },
    });
    expect(customer.id).toMatch(/^cus_/);
    expect(customer.object).toBe("customer");
    expect(customer.livemode).toBe(false);
    const updated = await stripe.customers.update(customer.id, { metadata: { userId: "", plan: "pro" } });
    expect(updated.metadata).toEqual({ keep: "yes", plan: "pro" });
    const deleted = await stripe.customers.del(customer.id);
    expect(deleted.deleted).toBe(true);
    const again = await stripe.customers.retrieve(customer.id);
    expect(again.deleted).toBe(true);
  });

  it("paginates newest first with has_more, starting_after and ending_before", async () => {
    const email = `page-${Date.now()}@example.com`;
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await stripe.customers.create({ email })).id);
    const newestFirst = [...created].reverse();
    const page1 = await stripe.customers.list({ email, limit: 2 });
    expect(page1.object).toBe("list");
    expect(page1.url).toBe("/v1/customers");
    expect(page1.data.map((c) => c.id)).toEqual(newestFirst.slice(0, 2));
    expect(page1.has_more).toBe(true);
    const page2 = await stripe.customers.list({ email, limit: 2, starting_after: page1.data[1].id });
    expect(page2.data.map((c) => c.id)).toEqual(newestFirst.slice(2, 4));
    const page3 = await stripe.customers.list({ email, limit: 2, starting_after: page2.data[1].id });
    expect(page3.data.map((c) => c.id)).toEqual(newestFirst.slice(4));
    expect(page3.has_more).toBe(false);
    const back = await stripe.customers.list({ email, limit: 2, ending_before: page3.data[0].id });
    expect(back.data.map((c) => c.id)).toEqual(newestFirst.slice(2, 4));
    const auto: string[] = [];
    for await (const c of stripe.customers.list({ email, limit: 2 })) auto.push(c.id);
    expect(auto).toEqual(newestFirst);
    const tooMany = await expectStripeError(stripe.customers.list({ limit: 101 }));
    expect(tooMany.param).toBe("limit");
  });
});

describe("products and prices", () => {
  it("filters prices by lookup_keys and expands data.product", async () => {
    const product = await stripe.products.create({ name: "Team", marketing_features: [{ name: "SSO" }] });
    const price = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 4900,
      recurring: { interval: "month" },
      lookup_key: "team_monthly",
    });
    await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 49000,
      recurring: { interval: "year" },
      lookup_key: "team_yearly",
    });
    const list = await stripe.prices.list({ lookup_keys: ["team_monthly"], expand: ["data.product"] });
    expect(list.data.map((p) => p.id)).toEqual([price.id]);
    const expanded = list.data[0].product as Stripe.Product;
    expect(expanded.object).toBe("product");
    expect(expanded.name).toBe("Team");
    expect(list.data[0].recurring).toMatchObject({ interval: "month", interval_count: 1, usage_type: "licensed" });
    expect(String(list.data[0].unit_amount_decimal)).toBe("4900");
  });

  it("keeps lookup keys unique unless transfer_lookup_key is set, and archives with active=false", async () => {
    const product = await stripe.products.create({ name: "Sync" });
    const v1 = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 1000,
      recurring: { interval: "month" },
      lookup_key: "sync_monthly",
    });
    const dup = await expectStripeError(
      stripe.prices.create({
        product: product.id,
        currency: "usd",
        unit_amount: 1200,
        recurring: { interval: "month" },
        lookup_key: "sync_monthly",
      }),
    );
    expect(dup.statusCode).toBe(400);
    const v2 = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 1200,
      recurring: { interval: "month" },
      lookup_key: "sync_monthly",
      transfer_lookup_key: true,
    });
    expect((await stripe.prices.retrieve(v1.id)).lookup_key).toBeNull();
    const archived = await stripe.prices.update(v1.id, { active: false });
    expect(archived.active).toBe(false);
    const active = await stripe.prices.list({ product: product.id, active: true });
    expect(active.data.map((p) => p.id)).toEqual([v2.id]);
    const renamed = await stripe.products.update(product.id, { name: "Sync 2", default_price: v2.id, metadata: { tier: "b" } });
    expect(renamed).toMatchObject({ name: "Sync 2", default_price: v2.id, metadata: { tier: "b" } });
    const byKey = await stripe.prices.list({ lookup_keys: ["sync_monthly"] });
    expect(byKey.data.map((p) => p.id)).toEqual([v2.id]);
  });
});

describe("checkout and subscriptions", () => {
  it("creates a hosted session and completes it into an active subscription", async () => {
    const plan = await createPlan(stripe, "Starter", 1500);
    const customer = await stripe.customers.create({ email: "co@example.com", metadata: { userId: "u_co" } });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      client_reference_id: "u_co",
      line_items: [{ price: plan.monthly.id, quantity: 1 }],
      allow_promotion_codes: true,
      subscription_data: { metadata: { userId: "u_co" } },
      success_url: "http://localhost:3000/billing/success?session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "http://localhost:3000/billing",
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`${env.handle.url}/checkout/${session.id}`);
    expect(session).toMatchObject({ status: "open", payment_status: "unpaid", amount_total: 1500, currency: "usd", mode: "subscription" });

    const res = await env.control(`/_emulator/checkout/sessions/${session.id}/complete`, { card: "pm_card_visa" });
    expect(res.status).toBe(200);
    const completed = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription", "line_items"] });
    expect(completed.status).toBe("complete");
    expect(completed.payment_status).toBe("paid");
    expect(completed.line_items?.data[0].price?.id).toBe(plan.monthly.id);
    const sub = completed.subscription as Stripe.Subscription;
    expect(sub.status).toBe("active");
    expect(sub.metadata).toEqual({ userId: "u_co" });
    expect(sub.items.data[0].price.id).toBe(plan.monthly.id);
    expect(sub.items.data[0].current_period_end).toBeGreaterThan(sub.items.data[0].current_period_start);
    expect(typeof sub.default_payment_method).toBe("string");

    const full = await stripe.subscriptions.retrieve(sub.id, {
      expand: ["latest_invoice", "customer", "items.data.price.product", "default_payment_method"],
    });
    const invoice = full.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ status: "paid", amount_paid: 1500, billing_reason: "subscription_create" });
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    expect(invoice.lines.data[0].pricing?.price_details?.price).toBe(plan.monthly.id);
    expect((full.customer as Stripe.Customer).email).toBe("co@example.com");
    expect((full.items.data[0].price.product as Stripe.Product).name).toBe("Starter");
    expect((full.default_payment_method as Stripe.PaymentMethod).card?.last4).toBe("4242");

    const withPayments = await stripe.invoices.retrieve(invoice.id, { expand: ["payments"] });
    expect(withPayments.payments?.data[0]).toMatchObject({ status: "paid", amount_paid: 1500 });
    const pdf = await fetch(invoice.invoice_pdf ?? "");
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 4)
        .toString(),
    ).toBe("%PDF");
    const html = await fetch(invoice.hosted_invoice_url ?? "");
    expect(await html.text()).toContain(invoice.number ?? "missing");
  });

  it("refuses a declined card with a 402 card_error and creates no subscription", async () => {
    const plan = await createPlan(stripe, "Declined", 1000);
    const customer = await stripe.customers.create({ email: "decline@example.com" });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: plan.monthly.id, quantity: 1 }],
      success_url: "http://localhost/success",
    });
    const res = await env.control(`/_emulator/checkout/sessions/${session.id}/complete`, { card: "4000000000000002" });
    expect(res.status).toBe(402);
    const body = (await res.json()) as { error: { type: string; code: string; decline_code: string } };
    expect(body.error).toMatchObject({ type: "card_error", code: "card_declined", decline_code: "generic_decline" });
    expect((await stripe.subscriptions.list({ customer: customer.id, status: "all" })).data).toHaveLength(0);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
  });

  it("validates checkout session params", async () => {
    const plan = await createPlan(stripe, "OneTimeCheck", 500);
    const oneTime = await stripe.prices.create({ product: plan.product.id, currency: "usd", unit_amount: 500 });
    const err = await expectStripeError(
      stripe.checkout.sessions.create({ mode: "subscription", line_items: [{ price: oneTime.id, quantity: 1 }], success_url: "http://x" }),
    );
    expect(err.statusCode).toBe(400);
    const missing = await expectStripeError(
      stripe.checkout.sessions.create({ line_items: [{ price: plan.monthly.id, quantity: 1 }] } as Stripe.Checkout.SessionCreateParams),
    );
    expect(missing.param).toBe("mode");
    const badPrice = await expectStripeError(
      stripe.checkout.sessions.create({
        mode: "subscription",
        line_items: [{ price: "price_nope", quantity: 1 }],
        success_url: "http://x",
      }),
    );
    expect(badPrice.code).toBe("resource_missing");
  });

  it("updates, lists and cancels subscriptions", async () => {
    const plan = await createPlan(stripe, "Ops", 3000);
    const customer = await stripe.customers.create({ email: "ops@example.com" });
    const sub = await checkoutSubscription(env, customer.id, plan.monthly.id);
    const cancelling = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(cancelling.cancel_at_period_end).toBe(true);
    expect(cancelling.cancel_at).toBe(cancelling.items.data[0].current_period_end);
    expect(cancelling.cancellation_details?.reason).toBe("cancellation_requested");
    const resumed = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    expect(resumed).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null });
    const listed = await stripe.subscriptions.list({ customer: customer.id });
    expect(listed.data.map((s) => s.id)).toEqual([sub.id]);
    const invoices = await stripe.invoices.list({ customer: customer.id, subscription: sub.id });
    expect(invoices.data).toHaveLength(1);
    const canceled = await stripe.subscriptions.cancel(sub.id);
    expect(canceled.status).toBe("canceled");
    expect(canceled.ended_at).not.toBeNull();
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: "canceled" })).data).toHaveLength(1);
    const missing = await expectStripeError(stripe.subscriptions.retrieve("sub_missing"));
    expect(missing.statusCode).toBe(404);
  });

  it("previews an upgrade with prorations (subscription_details)", async () => {
    const basic = await createPlan(stripe, "Basic", 1000);
    const pro = await createPlan(stripe, "ProPreview", 3000);
    const customer = await stripe.customers.create({ email: "preview@example.com" });
    const sub = await checkoutSubscription(env, customer.id, basic.monthly.id);
    const item = sub.items.data[0];
    const prorationDate = item.current_period_start + Math.floor((item.current_period_end - item.current_period_start) / 2);
    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: {
        items: [{ id: item.id, price: pro.monthly.id }],
        proration_behavior: "always_invoice",
        proration_date: prorationDate,
      },
    });
    const fraction = (item.current_period_end - prorationDate) / (item.current_period_end - item.current_period_start);
    const amounts = preview.lines.data.map((l) => l.amount);
    expect(amounts).toEqual([-Math.round(1000 * fraction), Math.round(3000 * fraction)]);
    expect(preview.total).toBe(amounts[0] + amounts[1]);
    expect(preview.lines.data.every((l) => l.parent?.subscription_item_details?.proration)).toBe(true);
    const next = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id });
    expect(next.lines.data.map((l) => l.amount)).toEqual([1000]);
    // Nothing changed on the real subscription.
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(basic.monthly.id);
  });
});

describe("events and webhook endpoints", () => {
  beforeEach(() => env.receiver.clear());

  it("lists and retrieves events with the pinned api_version and request info", async () => {
    const customer = await stripe.customers.create({ email: "ev@example.com" }, { idempotencyKey: "ev-key-1" });
    const events = await stripe.events.list({ type: "customer.created", limit: 5 });
    const event = events.data.find((e) => e.type === "customer.created" && e.data.object.id === customer.id);
    expect(event).toBeDefined();
    const fetched = await stripe.events.retrieve(event?.id ?? "");
    expect(fetched).toMatchObject({ object: "event", api_version: "2026-10-28.endive", livemode: false });
    expect(fetched.request?.idempotency_key).toBe("ev-key-1");
    expect(fetched.request?.id).toMatch(/^req_/);
    await stripe.customers.update(customer.id, { name: "Renamed" });
    const updated = await stripe.events.list({ type: "customer.updated", limit: 1 });
    expect(updated.data[0].data.previous_attributes).toEqual({ name: null });
  });

  it("registers endpoints with a whsec_ secret that signs their deliveries", async () => {
    const receiver = new WebhookReceiver(stripe, "unknown-yet");
    await receiver.start();
    try {
      const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ["product.created"] });
      expect(endpoint.secret).toMatch(/^whsec_/);
      receiver.secret = endpoint.secret ?? "";
      expect((await stripe.webhookEndpoints.retrieve(endpoint.id)).secret).toBeUndefined();
      const product = await stripe.products.create({ name: "Hooked" });
      await stripe.customers.create({ email: "not-subscribed@example.com" });
      await env.flush();
      expect(receiver.verificationErrors).toEqual([]);
      expect(receiver.types()).toEqual(["product.created"]);
      expect(receiver.received[0].event.data.object).toMatchObject({ id: product.id });
      const res = await env.control("/_emulator/deliveries");
      const log = (await res.json()) as {
        data: Array<{ endpoint_id: string | null; event_type: string; status_code: number; attempt: number }>;
      };
      expect(log.data.filter((d) => d.endpoint_id === endpoint.id)).toMatchObject([
        { event_type: "product.created", status_code: 200, attempt: 1 },
      ]);
      await stripe.webhookEndpoints.del(endpoint.id);
    } finally {
      await receiver.stop();
    }
  });
});

describe("test clocks, portal, meters and schedules", () => {
  it("creates, advances, retrieves and deletes a test clock", async () => {
    const start = Math.floor(Date.now() / 1000);
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name: "c" });
    expect(clock).toMatchObject({ object: "test_helpers.test_clock", status: "ready", frozen_time: start });
    const advancing = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 3600 });
    expect(advancing.status).toBe("advancing");
    const ready = await stripe.testHelpers.testClocks.retrieve(clock.id);
    expect(ready).toMatchObject({ status: "ready", frozen_time: start + 3600 });
    const backwards = await expectStripeError(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start }));
    expect(backwards.statusCode).toBe(400);
    const deleted = await stripe.testHelpers.testClocks.del(clock.id);
    expect(deleted.deleted).toBe(true);
  });

  it("manages portal configurations and sessions", async () => {
    const plan = await createPlan(stripe, "PortalPlan", 2000);
    const config = await stripe.billingPortal.configurations.create({
      business_profile: { headline: "Acme billing" },
      features: {
        invoice_history: { enabled: true },
        payment_method_update: { enabled: true },
        subscription_cancel: { enabled: true, mode: "at_period_end" },
        subscription_update: {
          enabled: true,
          default_allowed_updates: ["price"],
          proration_behavior: "create_prorations",
          products: [{ product: plan.product.id, prices: [plan.monthly.id, plan.yearly.id] }],
        },
      },
      metadata: { managedBy: "sync" },
    });
    expect(config.id).toMatch(/^bpc_/);
    expect(config.features.subscription_update.products?.[0].prices).toEqual([plan.monthly.id, plan.yearly.id]);
    const updated = await stripe.billingPortal.configurations.update(config.id, {
      features: { subscription_cancel: { mode: "immediately" } },
    });
    expect(updated.features.subscription_cancel.mode).toBe("immediately");
    expect(updated.features.subscription_update.enabled).toBe(true);
    const listed = await stripe.billingPortal.configurations.list({ limit: 100 });
    expect(listed.data.some((c) => c.id === config.id)).toBe(true);
    const customer = await stripe.customers.create({ email: "portal@example.com" });
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: "http://localhost/account",
      configuration: config.id,
    });
    expect(session.url).toBe(`${env.handle.url}/portal/${session.id}`);
    expect(session.id).toMatch(/^bps_/);
    const page = await fetch(session.url);
    expect(page.status).toBe(200);
  });

  it("records meter events and dedupes identifiers", async () => {
    const meter = await stripe.billing.meters.create({
      display_name: "API calls",
      event_name: `api_call_${Date.now()}`,
      default_aggregation: { formula: "sum" },
      customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
      value_settings: { event_payload_key: "value" },
    });
    const customer = await stripe.customers.create({ email: "meter@example.com" });
    const now = Math.floor(Date.now() / 1000);
    const event = await stripe.billing.meterEvents.create({
      event_name: meter.event_name,
      payload: { stripe_customer_id: customer.id, value: "3" },
      identifier: "evt-1",
      timestamp: now,
    });
    expect(event).toMatchObject({ object: "billing.meter_event", identifier: "evt-1" });
    await stripe.billing.meterEvents.create({
      event_name: meter.event_name,
      payload: { stripe_customer_id: customer.id, value: "4" },
      timestamp: now,
    });
    const dup = await expectStripeError(
      stripe.billing.meterEvents.create({
        event_name: meter.event_name,
        payload: { stripe_customer_id: customer.id, value: "3" },
        identifier: "evt-1",
      }),
    );
    expect(dup.statusCode).toBe(400);
    const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: now - 60,
      end_time: now + 60,
    });
    expect(summaries.data[0].aggregated_value).toBe(7);
  });

  it("creates, updates, releases and cancels subscription schedules", async () => {
    const high = await createPlan(stripe, "High", 5000);
    const low = await createPlan(stripe, "Low", 2000);
    const customer = await stripe.customers.create({ email: "sched@example.com" });
    const sub = await checkoutSubscription(env, customer.id, high.monthly.id);
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    expect(schedule).toMatchObject({ object: "subscription_schedule", status: "active", subscription: sub.id, end_behavior: "release" });
    expect((await stripe.subscriptions.retrieve(sub.id)).schedule).toBe(schedule.id);
    const phase = schedule.phases[0];
    const updated = await stripe.subscriptionSchedules.update(schedule.id, {
      end_behavior: "release",
      phases: [
        { items: [{ price: high.monthly.id }], start_date: phase.start_date, end_date: phase.end_date },
        { items: [{ price: low.monthly.id }] },
      ],
    });
    expect(updated.phases).toHaveLength(2);
    expect(updated.phases[1].start_date).toBe(phase.end_date);
    expect(updated.phases[1].items[0].price).toBe(low.monthly.id);
    const listed = await stripe.subscriptionSchedules.list({ customer: customer.id });
    expect(listed.data.map((s) => s.id)).toEqual([schedule.id]);
    const cancelAttempt = await expectStripeError(stripe.subscriptions.update(sub.id, { cancel_at_period_end: true }));
    expect(cancelAttempt.statusCode).toBe(400);
    const released = await stripe.subscriptionSchedules.release(schedule.id);
    expect(released).toMatchObject({ status: "released", released_subscription: sub.id, subscription: null });
    expect((await stripe.subscriptions.retrieve(sub.id)).schedule).toBeNull();

    const second = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    const canceled = await stripe.subscriptionSchedules.cancel(second.id);
    expect(canceled.status).toBe("canceled");
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
  });
});
