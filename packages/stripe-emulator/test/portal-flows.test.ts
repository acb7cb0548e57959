/**
 * Portal deep links (`flow_data` on `billingPortal.sessions.create`) and the portal's documented limits: what the
 * session answers, Stripe's refusals, and what the hosted page does for each flow and after completion.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { createPlan, expectStripeError, startTestEmulator, type Plan, type TestEmulator } from "./helpers";

let env: TestEmulator;
let basic: Plan;
let premium: Plan;
let config: Stripe.BillingPortal.Configuration;

beforeAll(async () => {
  env = await startTestEmulator();
  basic = await createPlan(env.stripe, "Basic", 1000);
  premium = await createPlan(env.stripe, "Premium", 5000);
  config = await portalConfig({ enabled: true, default_allowed_updates: ["price"], proration_behavior: "always_invoice" });
});
afterAll(async () => env?.stop());
beforeEach(async () => {
  await env.flush();
  env.receiver.clear();
});

async function portalConfig(update: Stripe.BillingPortal.ConfigurationCreateParams.Features.SubscriptionUpdate, cancel = true) {
  return env.stripe.billingPortal.configurations.create({
    features: {
      payment_method_update: { enabled: true },
      subscription_cancel: { enabled: cancel, mode: "at_period_end" },
      subscription_update: {
        ...update,
        products: [
          { product: basic.product.id, prices: [basic.monthly.id, basic.yearly.id] },
          { product: premium.product.id, prices: [premium.monthly.id, premium.yearly.id] },
        ],
      },
    },
  });
}

async function subscribed(price = basic.monthly.id, extra: Stripe.SubscriptionCreateParams.Item[] = []) {
  const customer = await env.stripe.customers.create({
    email: "flows@example.com",
    payment_method: "pm_card_visa",
    invoice_settings: { default_payment_method: undefined },
  });
  const pm = await env.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
  await env.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const sub = await env.stripe.subscriptions.create({ customer: customer.id, items: [{ price }, ...extra] });
  return { customer, sub };
}

/** A plan price plus a metered price beside it, like every paid subscription of the starter app. */
async function meteredSubscription() {
  const meter = await env.stripe.billing.meters.create({
    display_name: "API calls",
    event_name: `api_calls_${Math.random().toString(36).slice(2, 8)}`,
    default_aggregation: { formula: "sum" },
  });
  const metered = await env.stripe.prices.create({
    product: basic.product.id,
    currency: "usd",
    recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    unit_amount: 1,
  });
  return subscribed(basic.monthly.id, [{ price: metered.id }]);
}

async function page(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
}

/** Posts a portal form; answers the redirect target. */
async function post(url: string, body: Record<string, string>): Promise<string> {
  const res = await fetch(url, { method: "POST", body: new URLSearchParams(body), redirect: "manual" });
  expect(res.status).toBe(303);
  return res.headers.get("location") ?? "";
}

describe("flow_data: the session", () => {
  it("each of the four deep-link types comes back as `flow`, with after_completion defaulting to portal_homepage", async () => {
    const { customer, sub } = await subscribed();
    const pmUpdate = await env.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: config.id,
      flow_data: { type: "payment_method_update" },
    });
    expect(pmUpdate.flow).toEqual({
      type: "payment_method_update",
      after_completion: { type: "portal_homepage", hosted_confirmation: null, redirect: null },
      customer_update: null,
      subscription_cancel: null,
      subscription_pause: null,
      subscription_update: null,
      subscription_update_confirm: null,
    });
    const cancel = await env.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: config.id,
      flow_data: {
        type: "subscription_cancel",
        subscription_cancel: { subscription: sub.id },
        after_completion: { type: "redirect", redirect: { return_url: "https://app.example/billing" } },
      },
    });
    expect(cancel.flow).toMatchObject({
      type: "subscription_cancel",
      subscription_cancel: { subscription: sub.id, retention: null },
      after_completion: { type: "redirect", redirect: { return_url: "https://app.example/billing" } },
    });
    const update = await env.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: config.id,
      flow_data: {
        type: "subscription_update",
        subscription_update: { subscription: sub.id },
        after_completion: { type: "hosted_confirmation", hosted_confirmation: { custom_message: "Thanks!" } },
      },
    });
    expect(update.flow).toMatchObject({
      type: "subscription_update",
      subscription_update: { subscription: sub.id },
      after_completion: { hosted_confirmation: { custom_message: "Thanks!" } },
    });
    const confirm = await env.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: config.id,
      flow_data: {
        type: "subscription_update_confirm",
        subscription_update_confirm: { subscription: sub.id, items: [{ id: sub.items.data[0].id, price: premium.monthly.id }] },
      },
    });
    expect(confirm.flow?.subscription_update_confirm).toEqual({
      subscription: sub.id,
      discounts: null,
      items: [{ id: sub.items.data[0].id, price: premium.monthly.id }],
    });
  });

  it("Stripe's refusals: missing pieces, another customer's or a canceled subscription, a disabled feature, a price or quantity the configuration does not allow", async () => {
    const { customer, sub } = await subscribed();
    const other = await subscribed();
    const create = (flow_data: Stripe.BillingPortal.SessionCreateParams.FlowData, configuration = config.id) =>
      expectStripeError(env.stripe.billingPortal.sessions.create({ customer: customer.id, configuration, flow_data }));
    expect(await create({ type: "subscription_cancel" })).toMatchObject({
      statusCode: 400,
      code: "parameter_missing",
      param: "flow_data[subscription_cancel]",
    });
    expect(await create({ type: "subscription_cancel", subscription_cancel: { subscription: "sub_missing" } })).toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "flow_data[subscription_cancel][subscription]",
    });
    const foreign = await create({ type: "subscription_update", subscription_update: { subscription: other.sub.id } });
    expect(foreign).toMatchObject({ statusCode: 400, param: "flow_data[subscription_update][subscription]" });
    expect(foreign.message).toContain("does not belong to the customer");
    const noCancel = await portalConfig({ enabled: true, default_allowed_updates: ["price"] }, false);
    expect(await create({ type: "subscription_cancel", subscription_cancel: { subscription: sub.id } }, noCancel.id)).toMatchObject({
      statusCode: 400,
      param: "flow_data[type]",
    });
    const item = sub.items.data[0].id;
    expect(
      await create({
        type: "subscription_update_confirm",
        subscription_update_confirm: { subscription: sub.id, items: [{ id: item, price: "price_elsewhere" }] },
      }),
    ).toMatchObject({ statusCode: 400, param: "flow_data[subscription_update_confirm][items][0][price]" });
    expect(
      await create({
        type: "subscription_update_confirm",
        subscription_update_confirm: { subscription: sub.id, items: [{ id: item, quantity: 3 }] },
      }),
    ).toMatchObject({
      statusCode: 400,
      param: "flow_data[subscription_update_confirm][items][0][quantity]",
    });
    expect(
      await create({
        type: "subscription_update_confirm",
        subscription_update_confirm: { subscription: sub.id, items: [{ id: "si_other", price: premium.monthly.id }] },
      }),
    ).toMatchObject({ statusCode: 400, code: "resource_missing" });
    expect(await create({ type: "payment_method_update", after_completion: { type: "redirect" } })).toMatchObject({
      code: "parameter_missing",
      param: "flow_data[after_completion][redirect]",
    });
    // customer_update and subscription_pause deep links are Stripe's, but not implemented here.
    expect(await create({ type: "customer_update" })).toMatchObject({ statusCode: 400, code: "emulator_unsupported_parameter" });
    await env.stripe.subscriptions.cancel(sub.id);
    expect(await create({ type: "subscription_cancel", subscription_cancel: { subscription: sub.id } })).toMatchObject({ statusCode: 400 });
    // None of these created a session.
    await env.flush();
    expect(env.receiver.types().filter((t) => t === "billing_portal.session.created")).toEqual([]);
  });
});

describe("the hosted page on a deep link", () => {
  it("subscription_cancel opens on the cancellation (not the homepage) and redirects to after_completion.redirect.return_url", async () => {
    const { customer, sub } = await subscribed();
    const session = await env.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: config.id,
      return_url: "https://app.example/billing",
      flow_data: {
        type: "subscription_cancel",
        subscription_cancel: { subscription: sub.id },
        after_completion: { type: "redirect", redirect: { return_url: "https://app.example/canceled" } },
      },
    });
    const html = await page(session.url);
    expect(html).toContain("Cancel your plan");
    expect(html).not.toContain("Invoice history");
    expect(html).not.toContain("Update card");
    expect(await post(`${session.url}/cancel`, { subscription: sub.id })).toBe("https://app.example/canceled");
    expect(await env.stripe.subscriptions.retrieve(sub.id)).toMatchObject({ cancel_at_period_end: true });
  });

  it("a deep link does only its own action: another action or subscription is refused", async () => {
    const { customer, sub } = await subscribed();
    const session = await env.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: config.id,
      flow_data: { type: "subscription_cancel", subscription_cancel: { subscription: sub.id } },
    });
    expect(await post(`${session.url}/switch`, { subscription: sub.id, price: premium.monthly.id })).toContain("error=");
    expect((await env.stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(basic.monthly.id);
  });

  it("subscription_update shows the plans and, after a switch, the hosted confirmation with the custom message", async () => {
    const { customer, sub } = await subscribed();
    const session = await env.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: config.id,
      return_url: "https://app.example/billing",
      flow_data: {
        type: "subscription_update",
        subscription_update: { subscription: sub.id },
        after_completion: { type: "hosted_confirmation", hosted_confirmation: { custom_message: "Welcome to Premium" } },
      },
    });
    const html = await page(session.url);
    expect(html).toContain("Update your plan");
    expect(html).toContain("Upgrade to Premium");
    expect(html).not.toContain("Cancel plan");
    const target = await post(`${session.url}/switch`, { subscription: sub.id, price: premium.monthly.id });
    expect(target).toContain("view=done");
    expect(await page(new URL(target, session.url).toString())).toContain("Welcome to Premium");
    expect((await env.stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(premium.monthly.id);
  });

  it("subscription_update_confirm shows the change and applies it on Confirm; portal_homepage then shows the homepage", async () => {
    const { customer, sub } = await subscribed();
    const session = await env.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: config.id,
      flow_data: {
        type: "subscription_update_confirm",
        subscription_update_confirm: { subscription: sub.id, items: [{ id: sub.items.data[0].id, price: premium.monthly.id }] },
      },
    });
    const html = await page(session.url);
    expect(html).toContain("Confirm your update");
    expect(html).toContain("Premium");
    const target = await post(`${session.url}/confirm-update`, { subscription: sub.id });
    expect(target).toContain("view=home");
    const home = await page(new URL(target, session.url).toString());
    expect(home).toContain("Invoice history");
    expect(home).toContain("Current plan");
    const after = await env.stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data[0].price.id).toBe(premium.monthly.id);
    expect(await env.stripe.invoices.retrieve(String(after.latest_invoice))).toMatchObject({
      billing_reason: "subscription_update",
      status: "paid",
    });
  });

  it("payment_method_update saves the card as the default and ends on the homepage", async () => {
    const { customer } = await subscribed();
    const session = await env.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: config.id,
      flow_data: { type: "payment_method_update" },
    });
    const html = await page(session.url);
    expect(html).toContain("Update your payment method");
    expect(html).not.toContain("Invoice history");
    expect(await post(`${session.url}/payment-method`, { card_number: "5555 5555 5555 4444" })).toContain("view=home");
    const after = await env.stripe.customers.retrieve(customer.id, { expand: ["invoice_settings.default_payment_method"] });
    expect(((after as Stripe.Customer).invoice_settings.default_payment_method as Stripe.PaymentMethod).card?.last4).toBe("4444");
  });
});

describe("the portal's documented limits", () => {
  it("a subscription with a metered price beside the plan: no Switch plan on the homepage, a note saying why, cancel still works", async () => {
    const { customer, sub } = await meteredSubscription();
    const session = await env.stripe.billingPortal.sessions.create({ customer: customer.id, configuration: config.id });
    const html = await page(session.url);
    expect(html).toContain('data-testid="update-unavailable"');
    expect(html).toContain("cannot be updated in the customer portal because it has usage-based prices and it has more than one product");
    expect(html).not.toContain("Switch plan");
    expect(html).toContain("Cancel plan");
    // The switch form posted anyway is refused and changes nothing.
    expect(decodeURIComponent(await post(`${session.url}/switch`, { subscription: sub.id, price: premium.monthly.id }))).toContain(
      "usage-based prices",
    );
    expect((await env.stripe.subscriptions.retrieve(sub.id)).items.data.map((i) => i.price.id)).toEqual(
      sub.items.data.map((i) => i.price.id),
    );
    await post(`${session.url}/cancel`, { subscription: sub.id });
    expect((await env.stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(true);
  });

  it("subscription_update and subscription_update_confirm deep links to such a subscription get Stripe's error; subscription_cancel works", async () => {
    const { customer, sub } = await meteredSubscription();
    const update = await expectStripeError(
      env.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: config.id,
        flow_data: { type: "subscription_update", subscription_update: { subscription: sub.id } },
      }),
    );
    expect(update).toMatchObject({ statusCode: 400, param: "flow_data[subscription_update][subscription]" });
    expect(update.message).toContain("cannot be updated in the customer portal");
    const confirm = await expectStripeError(
      env.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: config.id,
        flow_data: {
          type: "subscription_update_confirm",
          subscription_update_confirm: { subscription: sub.id, items: [{ id: sub.items.data[0].id, price: premium.monthly.id }] },
        },
      }),
    );
    expect(confirm).toMatchObject({ statusCode: 400, param: "flow_data[subscription_update_confirm][subscription]" });
    const cancel = await env.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: config.id,
      flow_data: { type: "subscription_cancel", subscription_cancel: { subscription: sub.id } },
    });
    expect(cancel.flow?.type).toBe("subscription_cancel");
  });

  it("a subscription with two licensed products cannot be updated either", async () => {
    const { customer, sub } = await subscribed(basic.monthly.id, [{ price: premium.monthly.id }]);
    const session = await env.stripe.billingPortal.sessions.create({ customer: customer.id, configuration: config.id });
    const html = await page(session.url);
    expect(html).toContain("because it has more than one product");
    expect(html).not.toContain("Switch plan");
    const confirm = await expectStripeError(
      env.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: config.id,
        flow_data: {
          type: "subscription_update_confirm",
          subscription_update_confirm: { subscription: sub.id, items: [{ id: sub.items.data[0].id, price: basic.yearly.id }] },
        },
      }),
    );
    expect(confirm).toMatchObject({ statusCode: 400, param: "flow_data[subscription_update_confirm][subscription]" });
    expect(confirm.message).toContain("because it has more than one product");
  });
});

describe("the account's default configuration", () => {
  it("is listed with is_default=true before any session, and enabling subscription_update on it (the Dashboard setup) opens update deep links without `configuration`", async () => {
    const listed = await env.stripe.billingPortal.configurations.list({ is_default: true });
    expect(listed.data).toHaveLength(1);
    const [defaults] = listed.data;
    expect(defaults).toMatchObject({ is_default: true, active: true });
    expect(defaults.features.subscription_update.enabled).toBe(false);
    expect((await env.stripe.billingPortal.configurations.list({ is_default: true })).data.map((c) => c.id)).toEqual([defaults.id]);
    expect((await env.stripe.billingPortal.configurations.list({ limit: 100 })).data.map((c) => c.id)).toContain(defaults.id);
    expect((await env.stripe.billingPortal.configurations.list({ is_default: false, limit: 100 })).data.map((c) => c.id)).not.toContain(
      defaults.id,
    );

    const { customer, sub } = await subscribed();
    const flow_data: Stripe.BillingPortal.SessionCreateParams.FlowData = {
      type: "subscription_update_confirm",
      subscription_update_confirm: { subscription: sub.id, items: [{ id: sub.items.data[0].id, price: premium.monthly.id }] },
    };
    const disabled = await expectStripeError(env.stripe.billingPortal.sessions.create({ customer: customer.id, flow_data }));
    expect(disabled.message).toContain("the `subscription_update` feature is disabled");

    await env.stripe.billingPortal.configurations.update(defaults.id, {
      features: {
        subscription_update: {
          enabled: true,
          default_allowed_updates: ["price"],
          products: [{ product: premium.product.id, prices: [premium.monthly.id] }],
        },
      },
    });
    const session = await env.stripe.billingPortal.sessions.create({ customer: customer.id, flow_data });
    expect(session.configuration).toBe(defaults.id);
    expect(session.flow?.subscription_update_confirm?.items[0].price).toBe(premium.monthly.id);
  });
});
