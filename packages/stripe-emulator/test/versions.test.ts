import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { API_VERSION } from "../src/config";
import { API_VERSIONS } from "../src/versions/versions";
import { VERSION_TABLE } from "../src/versions/table";
import { SUPPORTED_PARAMS } from "../src/schema/supported";
import { loadSchema } from "../src/schema/load";
import { checkoutSubscription, createPlan, startTestEmulator, WebhookReceiver, type Plan, type TestEmulator } from "./helpers";

/** A JSON answer, read field by field (tests compare shapes, so every field is loosely typed). */
interface J {
  [key: string]: J;
}

let env: TestEmulator;

/** A JSON list's `data`. */
function rows(list: J): J[] {
  return list.data as unknown as J[];
}

beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(async () => {
  await env.stop();
});

/** One raw API call with an optional `Stripe-Version` header (the SDK only types the pinned version's shapes). */
async function api(version: string | null, method: "GET" | "POST", path: string, params: Record<string, string> = {}) {
  const form = new URLSearchParams(params).toString();
  const res = await fetch(method === "GET" && form ? `${env.handle.url}${path}?${form}` : `${env.handle.url}${path}`, {
    method,
    headers: {
      Authorization: "Bearer sk_test_versions",
      "Content-Type": "application/x-www-form-urlencoded",
      ...(version ? { "Stripe-Version": version } : {}),
    },
    ...(method === "POST" ? { body: form } : {}),
  });
  return { status: res.status, version: res.headers.get("stripe-version"), json: (await res.json()) as J };
}

/** A stripe-node client pinned to another API version, as a client written for that version configures it. */
function clientAt(version: string): Stripe {
  const url = new URL(env.handle.url);
  const config = { host: url.hostname, port: Number(url.port), protocol: "http", maxNetworkRetries: 0, apiVersion: version };
  return new Stripe("sk_test_versions", config as ConstructorParameters<typeof Stripe>[1]);
}

const covered = new Set<string>();
function covers(id: string): void {
  expect(VERSION_TABLE.some((c) => c.id === id)).toBe(true);
  covered.add(id);
}

describe("choosing the version", () => {
  it("answers in the account default (the pinned version) without a Stripe-Version header, and in the requested one with it", async () => {
    const plain = await api(null, "GET", "/v1/customers");
    expect(plain.status).toBe(200);
    expect(plain.version).toBe(API_VERSION);
    const basil = await api("2025-04-30.basil", "GET", "/v1/customers");
    expect(basil.status).toBe(200);
    expect(basil.version).toBe("2025-04-30.basil");
  });

  it("refuses a version Stripe does not have with Stripe's error, and creates nothing", async () => {
    const before = await api(null, "GET", "/v1/customers");
    const res = await api("2099-01-01", "POST", "/v1/customers", { email: "nobody@example.com" });
    expect(res.status).toBe(400);
    expect(res.json.error.type).toBe("invalid_request_error");
    expect(res.json.error.message).toBe("Invalid Stripe API version: 2099-01-01");
    const after = await api(null, "GET", "/v1/customers");
    expect(after.json.data.length).toBe(before.json.data.length);
  });

  it("refuses a real Stripe version older than 2020-08-27 as not supported by the emulator, and answers 2020-08-27", async () => {
    for (const version of ["2020-03-02", "2019-12-03"]) {
      const res = await api(version, "GET", "/v1/customers");
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("emulator_unsupported_api_version");
      expect(res.json.error.message).toBe(
        `Stripe API version ${version} is not supported by the emulator: it answers in 2020-08-27 through ${API_VERSION} (see stripe-emulator/README.md, "API versions").`,
      );
    }
    const floor = await api("2020-08-27", "GET", "/v1/customers");
    expect(floor.status).toBe(200);
    expect(floor.version).toBe("2020-08-27");
  });

  it("refuses a webhook endpoint on a version it cannot render, and keeps the pinned one by default", async () => {
    const bad = await api(null, "POST", "/v1/webhook_endpoints", {
      url: "http://127.0.0.1:1/x",
      "enabled_events[0]": "*",
      api_version: "2020-03-02",
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.param).toBe("api_version");
    const endpoint = await env.stripe.webhookEndpoints.create({ url: "http://127.0.0.1:1/x", enabled_events: ["*"] });
    expect(endpoint.api_version).toBe(API_VERSION);
    await env.stripe.webhookEndpoints.del(endpoint.id);
  });
});

describe("the table", () => {
  it("names only versions the emulator knows, each with a change, a source and something it does", () => {
    expect(API_VERSIONS[API_VERSIONS.length - 1]).toBe(API_VERSION);
    expect(API_VERSIONS[0]).toBe("2020-08-27");
    expect(new Set(VERSION_TABLE.map((c) => c.id)).size).toBe(VERSION_TABLE.length);
    for (const change of VERSION_TABLE) {
      expect(API_VERSIONS).toContain(change.version);
      expect(change.change.length).toBeGreaterThan(10);
      expect(change.source).toMatch(/^https:\/\/(docs\.stripe\.com\/changelog|github\.com\/stripe\/stripe-node)/);
      expect(Boolean(change.downgrade)).toBe(Boolean(change.objects?.length));
      expect(Boolean(change.upgradeRequest)).toBe(Boolean(change.endpoints?.length));
      expect(
        change.downgrade || change.upgradeRequest || change.addedEventTypes || change.addedEndpoints || change.removedEndpoints,
      ).toBeTruthy();
      const endpoints = [
        ...(change.endpoints ?? []),
        ...(change.addedEndpoints ?? []),
        ...(change.removedEndpoints ?? []).map((e) => e.servedBy),
      ];
      for (const endpoint of endpoints) expect(SUPPORTED_PARAMS).toHaveProperty([endpoint]);
    }
  });

  it("declares the fields each change removed or added (for expand[]) on response types the schema knows", () => {
    const { objects } = loadSchema();
    for (const change of VERSION_TABLE) {
      for (const [type, fields] of Object.entries(change.removedFields ?? {})) {
        expect(objects, `${change.id}: ${type}`).toHaveProperty([type]);
        for (const [name, field] of Object.entries(fields)) {
          if (field.type) expect(objects, `${change.id}: ${type}.${name} → ${field.type}`).toHaveProperty([field.type]);
        }
      }
      for (const [type, names] of Object.entries(change.addedFields ?? {})) {
        expect(objects, `${change.id}: ${type}`).toHaveProperty([type]);
        expect(names.length).toBeGreaterThan(0);
      }
    }
  });
});

describe("each difference, old shape against new", () => {
  let plan: Plan;
  let customer: Stripe.Customer;
  let subscription: Stripe.Subscription;
  let invoiceId: string;
  let paymentIntentId: string;
  let chargeId: string;

  beforeAll(async () => {
    plan = await createPlan(env.stripe, "Versioned", 1000);
    customer = await env.stripe.customers.create({ email: "versions@example.com" });
    subscription = await checkoutSubscription(env, customer.id, plan.monthly.id);
    invoiceId = String(subscription.latest_invoice);
    const invoice = await env.stripe.invoices.retrieve(invoiceId, { expand: ["payments"] });
    const pi = invoice.payments?.data[0]?.payment.payment_intent;
    paymentIntentId = typeof pi === "string" ? pi : String(pi?.id);
    const intent = await env.stripe.paymentIntents.retrieve(paymentIntentId);
    chargeId = String(intent.latest_charge);
    // A quantity change with prorations leaves pending proration invoice items.
    await env.stripe.subscriptions.update(subscription.id, {
      items: [{ id: subscription.items.data[0].id, quantity: 2 }],
      proration_behavior: "create_prorations",
    });
    await env.flush();
  });

  it("2022-11-15: a PaymentIntent lists its charges before, names only latest_charge after", async () => {
    covers("payment_intent.charges");
    const old = await api("2022-08-01", "GET", `/v1/payment_intents/${paymentIntentId}`);
    expect(old.json.charges.object).toBe("list");
    expect(old.json.charges.data[0].id).toBe(chargeId);
    expect(old.json.charges.data[0].invoice).toBe(invoiceId);
    const next = await api("2022-11-15", "GET", `/v1/payment_intents/${paymentIntentId}`);
    expect(next.json.charges).toBeUndefined();
    expect(next.json.latest_charge).toBe(chargeId);
  });

  it("2022-08-01: a Checkout Session has shipping and shipping_rate before, shipping_details and shipping_cost after", async () => {
    covers("checkout.shipping");
    const product = await env.stripe.products.create({ name: "Parcel" });
    const price = await env.stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 2000 });
    const rate = await env.stripe.shippingRates.create({
      display_name: "Express",
      type: "fixed_amount",
      fixed_amount: { amount: 1500, currency: "usd" },
    });
    const session = await env.stripe.checkout.sessions.create({
      mode: "payment",
      success_url: "http://localhost/s",
      line_items: [{ price: price.id, quantity: 1 }],
      shipping_address_collection: { allowed_countries: ["US"] },
      shipping_options: [{ shipping_rate: rate.id }],
    });
    const shipping = {
      name: "Grace Hopper",
      address: { line1: "1 Main St", city: "Arlington", postal_code: "22201", state: "VA", country: "US" },
    };
    expect(
      (
        await env.control(`/_emulator/checkout/sessions/${session.id}/complete`, {
          card: "4242424242424242",
          shipping,
          shippingRate: rate.id,
        })
      ).status,
    ).toBe(200);
    const old = await api("2020-08-27", "GET", `/v1/checkout/sessions/${session.id}`);
    expect(old.json.shipping).toMatchObject({ name: "Grace Hopper", address: { country: "US", state: "VA" } });
    expect(old.json.shipping_rate).toBe(rate.id);
    expect(old.json).not.toHaveProperty("shipping_details");
    expect(old.json).not.toHaveProperty("shipping_cost");
    const expanded = await api("2020-08-27", "GET", `/v1/checkout/sessions/${session.id}`, { "expand[0]": "shipping_rate" });
    expect(expanded.json.shipping_rate).toMatchObject({ id: rate.id, object: "shipping_rate", display_name: "Express" });
    expect(
      (await api("2020-08-27", "GET", `/v1/checkout/sessions/${session.id}`, { "expand[0]": "shipping_cost.shipping_rate" })).json.error
        .message,
    ).toBe("This property cannot be expanded (shipping_cost.shipping_rate).");
    const next = await api("2022-08-01", "GET", `/v1/checkout/sessions/${session.id}`);
    expect(next.json).not.toHaveProperty("shipping");
    expect(next.json).not.toHaveProperty("shipping_rate");
    expect(next.json.shipping_details).toMatchObject({ name: "Grace Hopper" });
    expect(next.json.shipping_cost).toMatchObject({ amount_total: 1500, shipping_rate: rate.id });
    expect(
      (await api("2022-08-01", "GET", `/v1/checkout/sessions/${session.id}`, { "expand[0]": "shipping_rate" })).json.error.message,
    ).toBe("This property cannot be expanded (shipping_rate).");
  });

  it("2022-08-01: a payment-mode Checkout Session defaults customer_creation to always before, if_required after", async () => {
    covers("checkout.customer_creation");
    const price = await env.stripe.prices.create({ product: plan.product.id, currency: "usd", unit_amount: 700 });
    const params = { mode: "payment", success_url: "http://localhost/s", "line_items[0][price]": price.id, "line_items[0][quantity]": "1" };
    const old = await api("2020-08-27", "POST", "/v1/checkout/sessions", params);
    expect(old.json.customer_creation).toBe("always");
    const next = await api("2022-08-01", "POST", "/v1/checkout/sessions", params);
    expect(next.json.customer_creation).toBe("if_required");
    // Subscription mode always creates a customer, in every version.
    const sub = await api("2020-08-27", "POST", "/v1/checkout/sessions", {
      ...params,
      mode: "subscription",
      "line_items[0][price]": plan.monthly.id,
    });
    expect(sub.json.customer_creation).toBe("always");
  });

  it("2022-08-01: Checkout line_items[][name] / [amount] / [currency] are parameters before (not implemented), unknown after", async () => {
    covers("checkout.legacy_line_items");
    const params = {
      mode: "payment",
      success_url: "http://localhost/s",
      "line_items[0][name]": "T-shirt",
      "line_items[0][amount]": "2000",
      "line_items[0][currency]": "usd",
      "line_items[0][quantity]": "1",
    };
    const old = await api("2020-08-27", "POST", "/v1/checkout/sessions", params);
    expect(old.status).toBe(400);
    expect(old.json.error.code).toBe("emulator_unsupported_parameter");
    expect(old.json.error.param).toBe("line_items[0][amount]");
    const next = await api("2022-08-01", "POST", "/v1/checkout/sessions", params);
    expect(next.status).toBe(400);
    expect(next.json.error.code).toBe("parameter_unknown");
  });

  it("2022-08-01: invoice create takes pending invoice items by default before (include), not after (exclude)", async () => {
    covers("invoice.pending_invoice_items_behavior");
    const buyer = await env.stripe.customers.create({ email: "pending@example.com" });
    const item = await env.stripe.invoiceItems.create({ customer: buyer.id, amount: 700, currency: "usd" });
    const next = await api("2022-08-01", "POST", "/v1/invoices", { customer: buyer.id });
    expect(next.status).toBe(200);
    expect(next.json.lines.data).toEqual([]);
    expect((await env.stripe.invoiceItems.retrieve(item.id)).invoice).toBeNull();
    const refused = await api("2020-08-27", "POST", "/v1/invoices", {
      customer: buyer.id,
      pending_invoice_items_behavior: "include_and_require",
    });
    expect(refused.json.error.code).toBe("emulator_unsupported_parameter");
    expect(
      (await api("2022-08-01", "POST", "/v1/invoices", { customer: buyer.id, pending_invoice_items_behavior: "include_and_require" })).json
        .error.param,
    ).toBe("pending_invoice_items_behavior");
    const old = await api("2020-08-27", "POST", "/v1/invoices", { customer: buyer.id });
    expect(old.status).toBe(200);
    expect(old.json.amount_due).toBe(700);
    expect(old.json.lines.data[0].invoice_item).toBe(item.id);
    expect((await env.stripe.invoiceItems.retrieve(item.id)).invoice).toBe(old.json.id);
  });

  it("2022-11-15: a Charge lists its refunds by default before, not after", async () => {
    covers("charge.refunds");
    const buyer = await env.stripe.customers.create({ email: "refunds@example.com" });
    const sub = await checkoutSubscription(env, buyer.id, plan.monthly.id);
    const invoice = await env.stripe.invoices.retrieve(String(sub.latest_invoice));
    await env.stripe.creditNotes.create({ invoice: invoice.id!, amount: 300, refund_amount: 300 });
    const old = await api("2022-08-01", "GET", `/v1/invoices/${invoice.id!}`);
    const charge = await api("2022-08-01", "GET", `/v1/charges/${String(old.json.charge)}`);
    expect(charge.json.refunds.object).toBe("list");
    expect(rows(charge.json.refunds).map((r) => r.amount)).toEqual([300]);
    expect(charge.json.refunds.data[0].charge).toBe(old.json.charge);
    const next = await api("2022-11-15", "GET", `/v1/charges/${String(old.json.charge)}`);
    expect(next.json).not.toHaveProperty("refunds");
    expect(next.json.amount_refunded).toBe(300);
  });

  it("2022-11-15: Checkout subscription_data[items] is a parameter of earlier versions only", async () => {
    covers("checkout.subscription_data.items");
    const params = {
      mode: "subscription",
      success_url: "http://localhost/s",
      "line_items[0][price]": plan.monthly.id,
      "line_items[0][quantity]": "1",
      "subscription_data[items][0][plan]": plan.monthly.id,
    };
    const old = await api("2022-08-01", "POST", "/v1/checkout/sessions", params);
    expect(old.status).toBe(400);
    expect(old.json.error.code).toBe("emulator_unsupported_parameter");
    expect(old.json.error.param).toBe("subscription_data[items]");
    const next = await api("2022-11-15", "POST", "/v1/checkout/sessions", params);
    expect(next.json.error.code).toBe("parameter_unknown");
  });

  it("2023-08-16: Checkout subscription_data[trial_from_plan] is an earlier parameter", async () => {
    covers("checkout.trial_from_plan");
    const base = {
      mode: "subscription",
      success_url: "http://localhost/s",
      "line_items[0][price]": plan.monthly.id,
      "line_items[0][quantity]": "1",
    };
    const old = await api("2022-11-15", "POST", "/v1/checkout/sessions", { ...base, "subscription_data[trial_from_plan]": "true" });
    expect(old.json.error.code).toBe("emulator_unsupported_parameter");
    const next = await api("2023-08-16", "POST", "/v1/checkout/sessions", { ...base, "subscription_data[trial_from_plan]": "true" });
    expect(next.json.error.code).toBe("parameter_unknown");
  });

  it("2022-08-01: Checkout shipping_rates and subscription_data[coupon] are parameters before (not implemented), unknown after", async () => {
    covers("checkout.shipping_rates");
    covers("checkout.subscription_data.coupon");
    const base = {
      mode: "subscription",
      success_url: "http://localhost/s",
      "line_items[0][price]": plan.monthly.id,
      "line_items[0][quantity]": "1",
    };
    for (const [param, extra] of [
      ["shipping_rates", { "shipping_rates[0]": "shr_1" }],
      ["subscription_data[coupon]", { "subscription_data[coupon]": "SAVE10" }],
    ] as const) {
      const old = await api("2020-08-27", "POST", "/v1/checkout/sessions", { ...base, ...extra });
      expect(old.json.error.code).toBe("emulator_unsupported_parameter");
      expect(old.json.error.param).toBe(param);
      const next = await api("2022-08-01", "POST", "/v1/checkout/sessions", { ...base, ...extra });
      expect(next.json.error.code).toBe("parameter_unknown");
    }
  });

  it("2023-08-16: a Charge has dispute before, not after", async () => {
    covers("charge.dispute");
    expect((await api("2022-11-15", "GET", `/v1/charges/${chargeId}`)).json).toHaveProperty("dispute", null);
    expect((await api("2022-11-15", "GET", `/v1/charges/${chargeId}`)).json).toHaveProperty("destination", null);
    expect((await api("2023-08-16", "GET", `/v1/charges/${chargeId}`)).json).not.toHaveProperty("dispute");
  });

  it("2023-08-16: a Product has attributes, caption and deactivate_on before, not after", async () => {
    covers("product.attributes");
    const old = await api("2022-11-15", "GET", `/v1/products/${plan.product.id}`);
    expect(old.json.attributes).toEqual([]);
    expect(old.json.caption).toBeNull();
    expect(old.json.deactivate_on).toEqual([]);
    const next = await api("2023-08-16", "GET", `/v1/products/${plan.product.id}`);
    expect(next.json).not.toHaveProperty("attributes");
    expect(next.json).not.toHaveProperty("caption");
  });

  it("2023-08-16: a price update takes recurring before (not implemented), not after", async () => {
    covers("price.update_recurring");
    const old = await api("2022-11-15", "POST", `/v1/prices/${plan.monthly.id}`, { "recurring[interval]": "year" });
    expect(old.json.error.code).toBe("emulator_unsupported_parameter");
    expect(old.json.error.param).toBe("recurring");
    const next = await api("2023-08-16", "POST", `/v1/prices/${plan.monthly.id}`, { "recurring[interval]": "year" });
    expect(next.json.error.code).toBe("parameter_unknown");
  });

  it("2024-04-10: a Product has features before, marketing_features after (parameter and field)", async () => {
    covers("product.marketing_features");
    const old = await api("2023-10-16", "POST", "/v1/products", { name: "Old features", "features[0][name]": "Unlimited seats" });
    expect(old.status).toBe(200);
    expect(old.json.features).toEqual([{ name: "Unlimited seats" }]);
    expect(old.json).not.toHaveProperty("marketing_features");
    expect((await env.stripe.products.retrieve(String(old.json.id))).marketing_features).toEqual([{ name: "Unlimited seats" }]);
    const updated = await api("2023-10-16", "POST", `/v1/products/${String(old.json.id)}`, { "features[0][name]": "SSO" });
    expect(updated.json.features).toEqual([{ name: "SSO" }]);
    expect((await api("2023-10-16", "POST", "/v1/products", { name: "x", "marketing_features[0][name]": "y" })).json.error.code).toBe(
      "parameter_unknown",
    );
    expect((await api("2024-04-10", "POST", "/v1/products", { name: "x", "features[0][name]": "y" })).json.error.code).toBe(
      "parameter_unknown",
    );
    const deleted = await fetch(`${env.handle.url}/v1/products/${String(old.json.id)}`, {
      method: "DELETE",
      headers: { Authorization: "Bearer sk_test_versions", "Stripe-Version": "2022-08-01" },
    });
    expect(await deleted.json()).toEqual({ id: old.json.id, object: "product", deleted: true });
  });

  it("2024-04-10: an invoice has rendering_options before, not after", async () => {
    covers("invoice.rendering_options");
    expect((await api("2023-10-16", "GET", `/v1/invoices/${invoiceId}`)).json).toHaveProperty("rendering_options", null);
    expect((await api("2024-04-10", "GET", `/v1/invoices/${invoiceId}`)).json).not.toHaveProperty("rendering_options");
  });

  it("2025-03-31.basil: current_period_start/end are on the subscription before, on its items after", async () => {
    covers("subscription.current_period");
    const current = await env.stripe.subscriptions.retrieve(subscription.id);
    const item = current.items.data[0];
    const old = await api("2025-02-24.acacia", "GET", `/v1/subscriptions/${subscription.id}`);
    expect(old.json.current_period_start).toBe(item.current_period_start);
    expect(old.json.current_period_end).toBe(item.current_period_end);
    expect(old.json.items.data[0]).not.toHaveProperty("current_period_end");
    const oldItem = await api("2025-02-24.acacia", "GET", `/v1/subscription_items/${item.id}`);
    expect(oldItem.json).not.toHaveProperty("current_period_start");
    const next = await api("2025-03-31.basil", "GET", `/v1/subscriptions/${subscription.id}`);
    expect(next.json).not.toHaveProperty("current_period_end");
    expect(next.json.items.data[0].current_period_end).toBe(item.current_period_end);
  });

  it("2025-03-31.basil: an invoice has payment_intent and charge before, payments after", async () => {
    covers("invoice.payment_intent");
    const old = await api("2025-02-24.acacia", "GET", `/v1/invoices/${invoiceId}`);
    expect(old.json.payment_intent).toBe(paymentIntentId);
    expect(old.json.charge).toBe(chargeId);
    expect(old.json).not.toHaveProperty("amount_overpaid");
    const next = await api("2025-03-31.basil", "GET", `/v1/invoices/${invoiceId}`, { "expand[0]": "payments" });
    expect(next.json).not.toHaveProperty("payment_intent");
    expect(next.json).not.toHaveProperty("charge");
    expect(next.json.payments.data[0].payment.payment_intent).toBe(paymentIntentId);
  });

  it("2025-03-31.basil: GET /v1/invoices/upcoming (and /lines) exist before, served by create_preview; not after", async () => {
    covers("invoice.upcoming_endpoints");
    const itemId = subscription.items.data[0].id;
    const params = {
      customer: customer.id,
      subscription: subscription.id,
      "subscription_items[0][id]": itemId,
      "subscription_items[0][quantity]": "3",
      subscription_proration_behavior: "none",
    };
    const old = await api("2024-06-20", "GET", "/v1/invoices/upcoming", params);
    expect(old.status).toBe(200);
    expect(old.json.object).toBe("invoice");
    expect(old.json.subscription).toBe(subscription.id);
    const line = rows(old.json.lines).find((l) => String(l.subscription_item) === itemId && String(l.type) === "subscription") as J;
    expect(line.quantity).toBe(3);
    expect(line.price.id).toBe(plan.monthly.id);
    const preview = await env.stripe.invoices.createPreview({
      customer: customer.id,
      subscription: subscription.id,
      subscription_details: { items: [{ id: itemId, quantity: 3 }], proration_behavior: "none" },
    });
    expect(old.json.amount_due).toBe(preview.amount_due);
    const lines = await api("2024-06-20", "GET", "/v1/invoices/upcoming/lines", { ...params, limit: "10" });
    expect(lines.json.object).toBe("list");
    expect(rows(lines.json).length).toBe(preview.lines.data.length);
    expect((await api("2024-06-20", "GET", "/v1/invoices/upcoming", { ...params, coupon: "X" })).json.error.code).toBe(
      "emulator_unsupported_parameter",
    );
    // From basil on, `upcoming` is no endpoint (the pinned version treats it as an invoice id, as before).
    const next = await api("2025-03-31.basil", "GET", "/v1/invoices/upcoming", { customer: customer.id });
    expect(next.status).toBe(400);
    expect(next.json.error.code).toBe("parameter_unknown");
  });

  it("2025-03-31.basil: the invoice payments endpoints do not exist before", async () => {
    covers("invoice_payment.added");
    const old = await api("2025-02-24.acacia", "GET", "/v1/invoice_payments", { invoice: invoiceId });
    expect(old.status).toBe(404);
    expect(old.json.error.message).toContain("Unrecognized request URL");
    const next = await api("2025-03-31.basil", "GET", "/v1/invoice_payments", { invoice: invoiceId });
    expect(next.status).toBe(200);
    expect(next.json.data[0].invoice).toBe(invoiceId);
  });

  it("2025-03-31.basil: an invoice has paid and paid_out_of_band before, not after", async () => {
    covers("invoice.paid");
    const old = await api("2025-02-24.acacia", "GET", `/v1/invoices/${invoiceId}`);
    expect(old.json.paid).toBe(true);
    expect(old.json.paid_out_of_band).toBe(false);
    const next = await api("2025-03-31.basil", "GET", `/v1/invoices/${invoiceId}`);
    expect(next.json).not.toHaveProperty("paid");
    expect(next.json.status).toBe("paid");
  });

  it("2025-03-31.basil: an invoice has total_tax_amounts and tax before, total_taxes after", async () => {
    covers("invoice.total_tax_amounts");
    const old = await api("2025-02-24.acacia", "GET", `/v1/invoices/${invoiceId}`);
    expect(old.json.total_tax_amounts).toEqual([]);
    expect(old.json.tax).toBeNull();
    expect(old.json).not.toHaveProperty("total_taxes");
    expect((await api("2025-03-31.basil", "GET", `/v1/invoices/${invoiceId}`)).json.total_taxes).toEqual([]);
  });

  it("2025-03-31.basil: an invoice has application_fee_amount, transfer_data and quote before, not after", async () => {
    covers("invoice.application_fee_amount");
    const old = await api("2025-02-24.acacia", "GET", `/v1/invoices/${invoiceId}`);
    expect(old.json).toHaveProperty("application_fee_amount", null);
    expect(old.json).toHaveProperty("transfer_data", null);
    expect(old.json).toHaveProperty("quote", null);
    const next = await api("2025-03-31.basil", "GET", `/v1/invoices/${invoiceId}`);
    expect(next.json).not.toHaveProperty("application_fee_amount");
    expect(next.json).not.toHaveProperty("quote");
  });

  it("2025-03-31.basil: invoices and subscriptions have a single discount before, only discounts after", async () => {
    covers("discount.single");
    expect((await api("2025-02-24.acacia", "GET", `/v1/invoices/${invoiceId}`)).json).toHaveProperty("discount", null);
    expect((await api("2025-02-24.acacia", "GET", `/v1/subscriptions/${subscription.id}`)).json).toHaveProperty("discount", null);
    const next = await api("2025-03-31.basil", "GET", `/v1/subscriptions/${subscription.id}`);
    expect(next.json).not.toHaveProperty("discount");
    expect(next.json.discounts).toEqual([]);
  });

  it("2025-03-31.basil: an invoice names its subscription at the top before, under parent after", async () => {
    covers("invoice.subscription");
    const old = await api("2025-02-24.acacia", "GET", `/v1/invoices/${invoiceId}`);
    expect(old.json.subscription).toBe(subscription.id);
    expect(old.json.subscription_details).toEqual({ metadata: {} });
    expect(old.json).not.toHaveProperty("parent");
    const next = await api("2025-03-31.basil", "GET", `/v1/invoices/${invoiceId}`);
    expect(next.json).not.toHaveProperty("subscription");
    expect(next.json.parent.subscription_details.subscription).toBe(subscription.id);
  });

  it("2025-03-31.basil: an invoice line has price and plan before, pricing after", async () => {
    covers("line_item.price");
    const old = await api("2025-02-24.acacia", "GET", `/v1/invoices/${invoiceId}/lines`);
    const line = old.json.data[0];
    expect(line.price.id).toBe(plan.monthly.id);
    expect(line.price.object).toBe("price");
    expect(line.plan.id).toBe(plan.monthly.id);
    expect(line.plan.object).toBe("plan");
    expect(line.plan.amount).toBe(1000);
    expect(line.plan.interval).toBe("month");
    expect(line).not.toHaveProperty("pricing");
    const next = await api("2025-03-31.basil", "GET", `/v1/invoices/${invoiceId}/lines`);
    expect(next.json.data[0]).not.toHaveProperty("price");
    expect(next.json.data[0].pricing.price_details.price).toBe(plan.monthly.id);
  });

  it("2025-03-31.basil: an invoice line has proration, subscription_item and type before, parent after", async () => {
    covers("line_item.parent");
    const itemId = subscription.items.data[0].id;
    const old = await api("2025-02-24.acacia", "GET", `/v1/invoices/${invoiceId}/lines`);
    const line = old.json.data[0];
    expect(line.type).toBe("subscription");
    expect(line.proration).toBe(false);
    expect(line.subscription_item).toBe(itemId);
    expect(line.proration_details).toEqual({ credited_items: null });
    expect(line).not.toHaveProperty("parent");
    const next = await api("2025-03-31.basil", "GET", `/v1/invoices/${invoiceId}/lines`);
    expect(next.json.data[0]).not.toHaveProperty("proration");
    expect(next.json.data[0].parent.subscription_item_details.subscription_item).toBe(itemId);
  });

  it("2025-03-31.basil: an invoice line has tax_amounts and amount_excluding_tax before, taxes after", async () => {
    covers("line_item.tax_amounts");
    const line = (await api("2025-02-24.acacia", "GET", `/v1/invoices/${invoiceId}/lines`)).json.data[0];
    expect(line.tax_amounts).toEqual([]);
    expect(line.tax_rates).toEqual([]);
    expect(line.amount_excluding_tax).toBe(1000);
    expect(line.unit_amount_excluding_tax).toBe("1000");
    expect(line).not.toHaveProperty("taxes");
    expect((await api("2025-03-31.basil", "GET", `/v1/invoices/${invoiceId}/lines`)).json.data[0].taxes).toEqual([]);
  });

  it("2025-03-31.basil: an invoice item has price, plan, unit_amount, subscription and subscription_item before, pricing and parent after", async () => {
    covers("invoiceitem.pricing");
    const params = { customer: customer.id, pending: "true" };
    const old = await api("2025-02-24.acacia", "GET", "/v1/invoiceitems", params);
    const debit = rows(old.json).find((ii) => Number(ii.amount) > 0) as J;
    expect(debit.price.id).toBe(plan.monthly.id);
    expect(debit.plan.id).toBe(plan.monthly.id);
    expect(debit.unit_amount).toBe(1000);
    expect(debit.unit_amount_decimal).toBe("1000");
    expect(debit.subscription).toBe(subscription.id);
    expect(debit.subscription_item).toBe(subscription.items.data[0].id);
    expect(debit.proration).toBe(true);
    expect(debit).not.toHaveProperty("pricing");
    const next = await api("2025-03-31.basil", "GET", "/v1/invoiceitems", params);
    const current = rows(next.json).find((ii) => ii.id === debit.id) as J;
    expect(current).not.toHaveProperty("price");
    expect(current.parent.subscription_details.subscription).toBe(subscription.id);
  });

  it("2025-03-31.basil: invoice items are created with price before, pricing[price] after", async () => {
    covers("invoiceitem.create_price");
    const old = await api("2025-02-24.acacia", "POST", "/v1/invoiceitems", { customer: customer.id, price: plan.monthly.id });
    expect(old.status).toBe(200);
    expect(old.json.price.id).toBe(plan.monthly.id);
    expect(old.json.amount).toBe(1000);
    const oldNew = await api("2025-02-24.acacia", "POST", "/v1/invoiceitems", { customer: customer.id, "pricing[price]": plan.monthly.id });
    expect(oldNew.json.error.code).toBe("parameter_unknown");
    const next = await api("2025-03-31.basil", "POST", "/v1/invoiceitems", { customer: customer.id, price: plan.monthly.id });
    expect(next.json.error.code).toBe("parameter_unknown");
    await env.stripe.invoiceItems.del(String(old.json.id));
  });

  it("2025-03-31.basil: a Charge and a PaymentIntent name their invoice before, not after", async () => {
    covers("charge.invoice");
    expect((await api("2025-02-24.acacia", "GET", `/v1/charges/${chargeId}`)).json.invoice).toBe(invoiceId);
    expect((await api("2025-02-24.acacia", "GET", `/v1/payment_intents/${paymentIntentId}`)).json.invoice).toBe(invoiceId);
    expect((await api("2025-03-31.basil", "GET", `/v1/charges/${chargeId}`)).json).not.toHaveProperty("invoice");
    expect((await api("2025-03-31.basil", "GET", `/v1/payment_intents/${paymentIntentId}`)).json).not.toHaveProperty("invoice");
  });

  it("2025-03-31.basil: a recurring price has recurring.aggregate_usage before, not after", async () => {
    covers("price.aggregate_usage");
    expect((await api("2025-02-24.acacia", "GET", `/v1/prices/${plan.monthly.id}`)).json.recurring).toHaveProperty("aggregate_usage", null);
    expect((await api("2025-03-31.basil", "GET", `/v1/prices/${plan.monthly.id}`)).json.recurring).not.toHaveProperty("aggregate_usage");
  });

  it("2025-03-31.basil: a Checkout Session has shipping_details before, not after", async () => {
    covers("checkout.shipping_details");
    const [session] = (await env.stripe.checkout.sessions.list({ subscription: subscription.id })).data;
    expect((await api("2025-02-24.acacia", "GET", `/v1/checkout/sessions/${session.id}`)).json).toHaveProperty("shipping_details", null);
    expect((await api("2025-03-31.basil", "GET", `/v1/checkout/sessions/${session.id}`)).json).not.toHaveProperty("shipping_details");
  });

  it("2025-03-31.basil: coupon and promotion_code are customer and subscription parameters before, unknown after", async () => {
    covers("coupon.params");
    const old = await api("2025-02-24.acacia", "POST", "/v1/customers", { email: "c@example.com", coupon: "SAVE10" });
    expect(old.json.error.code).toBe("emulator_unsupported_parameter");
    expect(old.json.error.param).toBe("coupon");
    const next = await api("2025-03-31.basil", "POST", "/v1/customers", { email: "c@example.com", coupon: "SAVE10" });
    expect(next.json.error.code).toBe("parameter_unknown");
  });

  it("2025-06-30.basil: billing_mode is unknown before (parameter and field)", async () => {
    covers("subscription.billing_mode");
    const params = { customer: customer.id, "items[0][price]": plan.monthly.id, "billing_mode[type]": "flexible" };
    const refused = await api("2025-05-28.basil", "POST", "/v1/subscriptions", params);
    expect(refused.json.error.code).toBe("parameter_unknown");
    expect(refused.json.error.param).toBe("billing_mode");
    expect((await api("2025-05-28.basil", "GET", `/v1/subscriptions/${subscription.id}`)).json).not.toHaveProperty("billing_mode");
    expect((await api("2025-06-30.basil", "GET", `/v1/subscriptions/${subscription.id}`)).json.billing_mode.type).toBe("flexible");
    const checkout = {
      mode: "subscription",
      success_url: "http://localhost/s",
      "line_items[0][price]": plan.monthly.id,
      "line_items[0][quantity]": "1",
      "subscription_data[billing_mode][type]": "classic",
    };
    const refusedCheckout = await api("2025-05-28.basil", "POST", "/v1/checkout/sessions", checkout);
    expect(refusedCheckout.json.error.param).toBe("subscription_data[billing_mode]");
    expect((await api("2025-06-30.basil", "POST", "/v1/checkout/sessions", checkout)).status).toBe(200);
  });

  it("2025-09-30.clover: new subscriptions are classic by default before, flexible after", async () => {
    covers("subscription.billing_mode_default");
    const payer = await env.stripe.customers.create({
      email: "modes@example.com",
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    });
    const params = { customer: payer.id, "items[0][price]": plan.monthly.id };
    const old = await api("2025-08-27.basil", "POST", "/v1/subscriptions", params);
    expect(old.status).toBe(200);
    expect(old.json.billing_mode.type).toBe("classic");
    const next = await api("2025-09-30.clover", "POST", "/v1/subscriptions", params);
    expect(next.json.billing_mode.type).toBe("flexible");
    // Through Checkout: the version of the request that created the session decides.
    const checkout = {
      mode: "subscription",
      customer: payer.id,
      success_url: "http://localhost/s",
      "line_items[0][price]": plan.monthly.id,
      "line_items[0][quantity]": "1",
    };
    const modeAfterCheckout = async (version: string, extra: Record<string, string> = {}) => {
      const session = await api(version, "POST", "/v1/checkout/sessions", { ...checkout, ...extra });
      expect(
        (await env.control(`/_emulator/checkout/sessions/${String(session.json.id)}/complete`, { card: "4242424242424242" })).status,
      ).toBe(200);
      const completed = await env.stripe.checkout.sessions.retrieve(String(session.json.id), { expand: ["subscription"] });
      return (completed.subscription as Stripe.Subscription).billing_mode.type;
    };
    expect(await modeAfterCheckout("2025-08-27.basil")).toBe("classic");
    expect(await modeAfterCheckout("2025-09-30.clover")).toBe("flexible");
    expect(await modeAfterCheckout(API_VERSION, { "subscription_data[billing_mode][type]": "classic" })).toBe("classic");
    await env.flush();
  });

  it("2026-03-25.dahlia: Checkout ui_mode is hosted / embedded / custom before, hosted_page / embedded_page / elements after", async () => {
    covers("checkout.ui_mode");
    const base = {
      mode: "subscription",
      "line_items[0][price]": plan.monthly.id,
      "line_items[0][quantity]": "1",
      return_url: "http://localhost/r",
    };
    const old = await api("2026-02-25.clover", "POST", "/v1/checkout/sessions", { ...base, ui_mode: "embedded" });
    expect(old.status).toBe(200);
    expect(old.json.ui_mode).toBe("embedded");
    expect(old.json.client_secret).toMatch(/_secret_/);
    expect((await env.stripe.checkout.sessions.retrieve(String(old.json.id))).ui_mode).toBe("embedded_page");
    const oldNewValue = await api("2026-02-25.clover", "POST", "/v1/checkout/sessions", { ...base, ui_mode: "embedded_page" });
    expect(oldNewValue.status).toBe(400);
    expect(oldNewValue.json.error.param).toBe("ui_mode");
    const next = await api("2026-03-25.dahlia", "POST", "/v1/checkout/sessions", { ...base, ui_mode: "embedded" });
    expect(next.status).toBe(400);
  });

  it("2026-09-30.endive: payment_method_types on Checkout and PaymentIntent confirm is a parameter before, unknown after", async () => {
    covers("checkout.payment_method_types");
    const base = {
      mode: "subscription",
      success_url: "http://localhost/s",
      "line_items[0][price]": plan.monthly.id,
      "line_items[0][quantity]": "1",
    };
    const old = await api("2026-08-26.dahlia", "POST", "/v1/checkout/sessions", { ...base, "payment_method_types[0]": "card" });
    expect(old.status).toBe(200);
    expect(old.json.payment_method_types).toEqual(["card"]);
    const link = await api("2026-08-26.dahlia", "POST", "/v1/checkout/sessions", { ...base, "payment_method_types[0]": "link" });
    expect(link.status).toBe(400);
    expect(link.json.error.code).toBe("emulator_unsupported_parameter");
    expect(link.json.error.param).toBe("payment_method_types[0]");
    const next = await api("2026-09-30.endive", "POST", "/v1/checkout/sessions", { ...base, "payment_method_types[0]": "card" });
    expect(next.json.error.code).toBe("parameter_unknown");
    const confirm = await api("2026-09-30.endive", "POST", `/v1/payment_intents/${paymentIntentId}/confirm`, {
      "payment_method_types[0]": "card",
    });
    expect(confirm.json.error.code).toBe("parameter_unknown");
  });

  it("2026-09-30.endive: payment_method_types on PaymentIntent and SetupIntent create / update is a parameter before (allowed_payment_method_types), unknown after", async () => {
    covers("intents.payment_method_types");
    const old = await api("2026-07-29.dahlia", "POST", "/v1/payment_intents", {
      amount: "2000",
      currency: "usd",
      "payment_method_types[0]": "card",
    });
    expect(old.status).toBe(200);
    expect(old.json.allowed_payment_method_types).toEqual(["card"]);
    expect(old.json.automatic_payment_methods).toBeNull();
    expect(
      (
        await api("2026-07-29.dahlia", "POST", `/v1/payment_intents/${String(old.json.id)}`, {
          "payment_method_types[0]": "card",
          description: "old",
        })
      ).status,
    ).toBe(200);
    const seti = await api("2026-07-29.dahlia", "POST", "/v1/setup_intents", { customer: customer.id, "payment_method_types[0]": "card" });
    expect(seti.status).toBe(200);
    expect(seti.json.allowed_payment_method_types).toEqual(["card"]);
    expect(
      (await api("2026-07-29.dahlia", "POST", `/v1/setup_intents/${String(seti.json.id)}`, { "payment_method_types[0]": "card" })).status,
    ).toBe(200);
    const bank = await api("2026-07-29.dahlia", "POST", "/v1/setup_intents", { "payment_method_types[0]": "us_bank_account" });
    expect(bank.status).toBe(400);
    expect(bank.json.error).toMatchObject({ code: "emulator_unsupported_parameter", param: "payment_method_types[0]" });
    const next = await api("2026-09-30.endive", "POST", "/v1/payment_intents", {
      amount: "2000",
      currency: "usd",
      "payment_method_types[0]": "card",
    });
    expect(next.json.error.code).toBe("parameter_unknown");
    expect((await api("2026-09-30.endive", "POST", "/v1/setup_intents", { "payment_method_types[0]": "card" })).json.error.code).toBe(
      "parameter_unknown",
    );
  });

  it("2026-10-28.endive: a portal configuration has no features.subscription_pause before", async () => {
    covers("portal.subscription_pause");
    const configuration = await env.stripe.billingPortal.configurations.create({ features: { invoice_history: { enabled: true } } });
    expect(configuration.features.subscription_pause).toBeDefined();
    const old = await api("2026-09-30.endive", "GET", `/v1/billing_portal/configurations/${configuration.id}`);
    expect(old.json.features).not.toHaveProperty("subscription_pause");
    expect(old.json.features.invoice_history.enabled).toBe(true);
  });

  it("the pinned version is answered exactly as without a header", async () => {
    const plain = await api(null, "GET", `/v1/invoices/${invoiceId}`);
    const pinned = await api(API_VERSION, "GET", `/v1/invoices/${invoiceId}`);
    expect(pinned.json).toEqual(plain.json);
  });
});

/** A local HTTP endpoint registered at `api_version`, verifying each delivery with the SDK of a client on that version. */
async function versionedEndpoint(
  client: Stripe,
  apiVersion: string,
): Promise<{ receiver: WebhookReceiver; endpoint: Stripe.WebhookEndpoint }> {
  const receiver = new WebhookReceiver(client, "");
  await receiver.start();
  const endpoint = await client.webhookEndpoints.create({
    url: receiver.url,
    enabled_events: ["*"],
    api_version: apiVersion,
  } as Stripe.WebhookEndpointCreateParams);
  expect(endpoint.api_version).toBe(apiVersion);
  receiver.secret = String(endpoint.secret);
  return { receiver, endpoint };
}

function eventOf(receiver: WebhookReceiver, type: string): J {
  const found = receiver.received.find((r) => r.event.type === type);
  if (!found) throw new Error(`no ${type} event among ${receiver.types().join(", ")}`);
  return JSON.parse(found.rawBody) as J;
}

describe("expand[] in the request's version", () => {
  let plan: Plan;
  let customerId: string;

  beforeAll(async () => {
    plan = await createPlan(env.stripe, "Expanded", 900);
    customerId = (await env.stripe.customers.create({ email: "expand@example.com" })).id;
  });

  /** A subscription created as stripe-samples/subscription-use-cases does, on `version`, with `expand`. */
  function incomplete(version: string | null, expand: string) {
    return api(version, "POST", "/v1/subscriptions", {
      customer: customerId,
      "items[0][price]": plan.monthly.id,
      payment_behavior: "default_incomplete",
      "expand[0]": expand,
    });
  }

  it("expands latest_invoice.payment_intent before basil, each object in that version, and refuses it from basil on (creating nothing)", async () => {
    const old = await incomplete("2022-08-01", "latest_invoice.payment_intent");
    expect(old.status).toBe(200);
    const invoice = old.json.latest_invoice;
    expect(invoice.object).toBe("invoice");
    // The expanded invoice and its PaymentIntent are in the 2022-08-01 shape too.
    expect(invoice.subscription).toBe(old.json.id);
    expect(invoice).not.toHaveProperty("parent");
    expect(invoice.payment_intent).toMatchObject({
      object: "payment_intent",
      status: "requires_payment_method",
      amount: 900,
      invoice: invoice.id,
    });
    expect(invoice.payment_intent.charges).toMatchObject({ object: "list", data: [] });
    expect(typeof invoice.payment_intent.client_secret).toBe("string");
    expect(typeof old.json.current_period_end).toBe("number");

    const before = (await env.stripe.subscriptions.list({ customer: customerId, status: "all" })).data.length;
    for (const version of ["2025-03-31.basil", null]) {
      const next = await incomplete(version, "latest_invoice.payment_intent");
      expect(next.status).toBe(400);
      expect(next.json.error).toMatchObject({
        type: "invalid_request_error",
        message: "This property cannot be expanded (latest_invoice.payment_intent).",
        param: "expand",
      });
    }
    expect((await env.stripe.subscriptions.list({ customer: customerId, status: "all" })).data.length).toBe(before);
    // The current shape's way to the payment's client secret.
    const current = await incomplete(null, "latest_invoice.confirmation_secret");
    expect(current.status).toBe(200);
    expect(current.json.latest_invoice.confirmation_secret.client_secret).toMatch(/^pi_\w+_secret_/);
  });

  it("expands the ids only an earlier version has: invoice.charge, invoice.subscription, charge.invoice, payment_intent.invoice", async () => {
    const created = await incomplete("2022-08-01", "latest_invoice.payment_intent");
    const pi = created.json.latest_invoice.payment_intent;
    expect(
      (await api("2022-08-01", "POST", `/v1/payment_intents/${String(pi.id)}/confirm`, { payment_method: "pm_card_visa" })).json.status,
    ).toBe("succeeded");
    const invoiceId = String(created.json.latest_invoice.id);

    const invoice = await api("2022-08-01", "GET", `/v1/invoices/${invoiceId}`, {
      "expand[0]": "charge",
      "expand[1]": "subscription",
      "expand[2]": "lines.data.price.product",
    });
    expect(invoice.status).toBe(200);
    expect(invoice.json.charge).toMatchObject({ object: "charge", payment_intent: pi.id, invoice: invoiceId, paid: true });
    expect(invoice.json.charge.refunds.object).toBe("list");
    expect(invoice.json.subscription).toMatchObject({ object: "subscription", id: created.json.id, status: "active" });
    expect(typeof invoice.json.subscription.current_period_end).toBe("number");
    expect(invoice.json.lines.data[0].price.product).toMatchObject({ object: "product", id: plan.product.id });

    const charge = await api("2022-08-01", "GET", `/v1/charges/${String(invoice.json.charge.id)}`, {
      "expand[0]": "invoice",
      "expand[1]": "payment_intent.invoice",
    });
    expect(charge.json.invoice).toMatchObject({ object: "invoice", id: invoiceId, payment_intent: pi.id, paid: true });
    expect(charge.json.payment_intent.invoice).toMatchObject({ object: "invoice", id: invoiceId });
    // payment_intent.charges is a list, not an id: it cannot be expanded, but a path can go through it.
    const list = await api("2022-08-01", "GET", `/v1/payment_intents/${String(pi.id)}`, { "expand[0]": "charges" });
    expect(list.json.error.message).toBe("This property cannot be expanded (charges).");
    const through = await api("2022-08-01", "GET", `/v1/payment_intents/${String(pi.id)}`, { "expand[0]": "charges.data.invoice" });
    expect(through.json.charges.data[0].invoice).toMatchObject({ object: "invoice", id: invoiceId });
    // From basil on these fields are gone.
    for (const [path, expand] of [
      [`/v1/invoices/${invoiceId}`, "charge"],
      [`/v1/invoices/${invoiceId}`, "subscription"],
      [`/v1/charges/${String(invoice.json.charge.id)}`, "invoice"],
    ]) {
      const next = await api("2025-03-31.basil", "GET", path, { "expand[0]": expand });
      expect(next.json.error.message).toBe(`This property cannot be expanded (${expand}).`);
    }
    expect(
      (await api("2022-11-15", "GET", `/v1/payment_intents/${String(pi.id)}`, { "expand[0]": "charges.data.invoice" })).json.error.message,
    ).toBe("This property cannot be expanded (charges.data.invoice).");
  });

  it("refuses a path through a field the request's version does not have yet", async () => {
    const created = await incomplete("2022-08-01", "latest_invoice");
    const invoiceId = String(created.json.latest_invoice.id);
    for (const expand of ["payments", "confirmation_secret", "parent.subscription_details.subscription"]) {
      const old = await api("2025-02-24.acacia", "GET", `/v1/invoices/${invoiceId}`, { "expand[0]": expand });
      expect(old.status).toBe(400);
      expect(old.json.error.message).toBe(`This property cannot be expanded (${expand}).`);
    }
    const current = await api(null, "GET", `/v1/invoices/${invoiceId}`, { "expand[0]": "parent.subscription_details.subscription" });
    expect(current.json.parent.subscription_details.subscription).toMatchObject({ object: "subscription", id: created.json.id });
    // Expanded objects in a list are rendered in the version too (a line's invoice item subscription, a price's product).
    const lines = await api("2022-08-01", "GET", `/v1/invoices/${invoiceId}/lines`, { "expand[0]": "data.subscription" });
    expect(lines.json.data[0].subscription).toMatchObject({ object: "subscription", id: created.json.id });
    expect(typeof lines.json.data[0].subscription.current_period_start).toBe("number");
  });
});

describe("clients on older versions through Checkout, webhook and portal", () => {
  it("nextjs/saas-starter on 2025-04-30.basil (stripe-node pinned to it): Checkout with payment_method_types, webhook, portal", async () => {
    // The requests lib/payments/stripe.ts and scripts/seed.ts of nextjs/saas-starter send (github.com/nextjs/saas-starter, main).
    const stripe = clientAt("2025-04-30.basil");
    const { receiver, endpoint } = await versionedEndpoint(stripe, "2025-04-30.basil");
    try {
      const product = await stripe.products.create({ name: "Base", description: "Base subscription plan" });
      const price = await stripe.prices.create({
        product: product.id,
        unit_amount: 800,
        currency: "usd",
        recurring: { interval: "month", trial_period_days: 7 },
      });
      const prices = await stripe.prices.list({ expand: ["data.product"], active: true, type: "recurring" });
      expect(prices.data.some((p) => p.id === price.id)).toBe(true);
      await stripe.products.list({ active: true, expand: ["data.default_price"] });

      const params = {
        payment_method_types: ["card"],
        line_items: [{ price: price.id, quantity: 1 }],
        mode: "subscription",
        success_url: "http://localhost:3000/api/stripe/checkout?session_id={CHECKOUT_SESSION_ID}",
        cancel_url: "http://localhost:3000/pricing",
        customer: undefined,
        client_reference_id: "1",
        allow_promotion_codes: true,
        subscription_data: { trial_period_days: 14 },
      };
      const session = await stripe.checkout.sessions.create(params as Stripe.Checkout.SessionCreateParams);
      expect(session.url).toContain(`/checkout/${session.id}`);
      expect(session.payment_method_types).toEqual(["card"]);
      const res = await env.control(`/_emulator/checkout/sessions/${session.id}/complete`, {
        card: "4242424242424242",
        email: "starter@example.com",
      });
      expect(res.status).toBe(200);
      await env.flush();

      expect(receiver.verificationErrors).toEqual([]);
      const completed = eventOf(receiver, "checkout.session.completed");
      expect(completed.api_version).toBe("2025-04-30.basil");
      const created = eventOf(receiver, "customer.subscription.created");
      const sub = created.data.object;
      // 2025-03-31.basil moved the billing period to the items: a basil client finds it there, not at the top level.
      expect(typeof sub.items.data[0].current_period_end).toBe("number");
      expect(sub).not.toHaveProperty("current_period_end");
      expect(sub.status).toBe("trialing");
      expect(sub).not.toHaveProperty("billing_mode");
      // invoice_payment.paid only exists from 2025-05-28.basil on.
      expect(receiver.types()).not.toContain("invoice_payment.paid");
      expect(receiver.types()).toContain("invoice.paid");

      // app/api/stripe/checkout/route.ts
      const retrieved = await stripe.checkout.sessions.retrieve(session.id, { expand: ["customer", "subscription"] });
      const customer = retrieved.customer as Stripe.Customer;
      const subscriptionId = (retrieved.subscription as Stripe.Subscription).id;
      const subscription = await stripe.subscriptions.retrieve(subscriptionId, { expand: ["items.data.price.product"] });
      expect(subscription.items.data[0].current_period_end).toBe(sub.items.data[0].current_period_end);
      expect((subscription.items.data[0].price.product as Stripe.Product).id).toBe(product.id);
      // Created by a client before 2025-09-30.clover: classic billing mode, as Stripe would.
      expect((await env.stripe.subscriptions.retrieve(subscriptionId)).billing_mode.type).toBe("classic");

      // createCustomerPortalSession
      const configurations = await stripe.billingPortal.configurations.list();
      let configuration = configurations.data[0];
      if (!configuration) {
        const active = await stripe.prices.list({ product: product.id, active: true });
        configuration = await stripe.billingPortal.configurations.create({
          business_profile: { headline: "Manage your subscription" },
          features: {
            subscription_update: {
              enabled: true,
              default_allowed_updates: ["price", "quantity"],
              proration_behavior: "create_prorations",
              products: [{ product: product.id, prices: active.data.map((p) => p.id) }],
            },
            subscription_cancel: {
              enabled: true,
              mode: "at_period_end",
              cancellation_reason: { enabled: true, options: ["too_expensive", "missing_features", "switched_service", "unused", "other"] },
            },
            payment_method_update: { enabled: true },
          },
        });
      }
      const portal = await stripe.billingPortal.sessions.create({
        customer: customer.id,
        return_url: "http://localhost:3000/dashboard",
        configuration: configuration.id,
      });
      const page = await fetch(portal.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Base");
    } finally {
      await env.stripe.webhookEndpoints.del(endpoint.id);
      await receiver.stop();
    }
  });

  it("a 2022-08-01 client (stripe-samples/checkout-single-subscription era): Checkout, webhook with invoice.payment_intent and subscription, portal", async () => {
    const stripe = clientAt("2022-08-01");
    const { receiver, endpoint } = await versionedEndpoint(stripe, "2022-08-01");
    try {
      const price = await stripe.prices.create({
        unit_amount: 1200,
        currency: "usd",
        recurring: { interval: "month" },
        product_data: { name: "Starter" },
      });
      const session = await stripe.checkout.sessions.create({
        mode: "subscription",
        payment_method_types: ["card"],
        line_items: [{ price: price.id, quantity: 1 }],
        success_url: "http://localhost:4242/success.html?session_id={CHECKOUT_SESSION_ID}",
        cancel_url: "http://localhost:4242/canceled.html",
      } as Stripe.Checkout.SessionCreateParams);
      const res = await env.control(`/_emulator/checkout/sessions/${session.id}/complete`, {
        card: "4242424242424242",
        email: "sample@example.com",
      });
      expect(res.status).toBe(200);
      await env.flush();

      expect(receiver.verificationErrors).toEqual([]);
      const paid = eventOf(receiver, "invoice.paid");
      expect(paid.api_version).toBe("2022-08-01");
      const invoice = paid.data.object;
      expect(invoice.payment_intent).toMatch(/^pi_/);
      expect(invoice.charge).toMatch(/^ch_/);
      expect(invoice.subscription).toMatch(/^sub_/);
      expect(invoice.paid).toBe(true);
      expect(invoice).not.toHaveProperty("parent");
      expect(invoice.lines.data[0].price.id).toBe(price.id);
      expect(invoice.lines.data[0].plan.id).toBe(price.id);
      expect(invoice.lines.data[0].proration).toBe(false);
      const created = eventOf(receiver, "customer.subscription.created");
      expect(typeof created.data.object.current_period_end).toBe("number");
      const succeeded = eventOf(receiver, "payment_intent.succeeded");
      expect(succeeded.data.object.charges.data[0].id).toBe(invoice.charge);
      expect(succeeded.data.object.invoice).toBe(invoice.id);
      expect(receiver.types()).not.toContain("invoice_payment.paid");
      // The same events reach the default endpoint in the pinned version.
      const pinned = env.receiver.received.find((r) => r.event.id === String(paid.id));
      expect(pinned?.event.api_version).toBe(API_VERSION);
      expect(pinned?.event.data.object).not.toHaveProperty("payment_intent");
      // Retrieved through the API, an event is rendered in the request's version.
      const viaApi = (await stripe.events.retrieve(String(paid.id))) as unknown as J;
      expect(viaApi.api_version).toBe("2022-08-01");
      expect(viaApi.data.object.subscription).toBe(invoice.subscription);

      const portal = await stripe.billingPortal.sessions.create({
        customer: String(invoice.customer),
        return_url: "http://localhost:4242/",
      });
      expect((await fetch(portal.url)).status).toBe(200);
    } finally {
      await env.stripe.webhookEndpoints.del(endpoint.id);
      await receiver.stop();
    }
  });

  it("a subscription update reaches an acacia endpoint with the period in previous_attributes at the top level", async () => {
    const stripe = clientAt("2025-02-24.acacia");
    const { receiver, endpoint } = await versionedEndpoint(stripe, "2025-02-24.acacia");
    try {
      const plan = await createPlan(env.stripe, "Periods", 500);
      const customer = await env.stripe.customers.create({ email: "periods@example.com" });
      const sub = await checkoutSubscription(env, customer.id, plan.monthly.id);
      await env.flush();
      receiver.clear();
      receiver.secret = String(endpoint.secret);
      await env.stripe.subscriptions.update(sub.id, {
        items: [{ id: sub.items.data[0].id, price: plan.yearly.id }],
        proration_behavior: "none",
      });
      await env.flush();
      const updated = eventOf(receiver, "customer.subscription.updated");
      expect(updated.data.previous_attributes.current_period_end).toBe(sub.items.data[0].current_period_end);
      expect(updated.data.previous_attributes.items.data[0]).not.toHaveProperty("current_period_end");
      expect(updated.data.object.items.data[0]).not.toHaveProperty("current_period_end");
      expect(updated.data.object.current_period_end).toBeGreaterThan(Number(sub.items.data[0].current_period_end));
      expect(updated.data.object.current_period_end).not.toBe(sub.items.data[0].current_period_end);
    } finally {
      await env.stripe.webhookEndpoints.del(endpoint.id);
      await receiver.stop();
    }
  });

  it("the default endpoint takes its version from the webhookApiVersion setting", async () => {
    await env.control("/_emulator/config", { webhookApiVersion: "2024-06-20" });
    try {
      env.receiver.clear();
      const customer = await env.stripe.customers.create({ email: "default-version@example.com" });
      await env.flush();
      const event = env.receiver.received.find((r) => r.event.type === "customer.created" && r.event.data.object.id === customer.id);
      expect(event?.event.api_version).toBe("2024-06-20");
      expect((await env.control("/_emulator/config", { webhookApiVersion: "2099-01-01" })).status).toBe(400);
    } finally {
      await env.control("/_emulator/config", { webhookApiVersion: API_VERSION });
    }
  });
});

describe("coverage", () => {
  it("every table entry has an old-against-new test above (or is an event type / endpoint addition covered by the client tests)", () => {
    const rest = VERSION_TABLE.filter((c) => !covered.has(c.id)).map((c) => c.id);
    expect(rest).toEqual(["invoice_payment.paid_event"]);
  });
});
