import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { FixtureError, fixturesCli, runFixtures, type FixtureFile } from "../src/fixtures";
import { triggerEvent } from "../src/trigger";
import { startTestEmulator, type TestEmulator } from "./helpers";

let env: TestEmulator;
let dir: string;
beforeAll(async () => {
  env = await startTestEmulator();
  dir = mkdtempSync(join(tmpdir(), "stripe-fixtures-"));
});
afterAll(async () => {
  await env?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await env.control("/_emulator/reset");
  await env.control("/_emulator/config", { webhookUrl: env.receiver.url });
});

/** A fixture file in the Stripe CLI's format, as stripe-samples ship them (seed.json) plus a subscription. */
const SEED: FixtureFile = {
  _meta: { template_version: 0 },
  fixtures: [
    {
      name: "product",
      path: "/v1/products",
      method: "post",
      params: { name: "Starter", metadata: { most_popular: true, tier: "${.env:FIXTURE_TIER|basic}" } },
    },
    {
      name: "price",
      path: "/v1/prices",
      method: "post",
      params: {
        product: "${product:id}",
        unit_amount: "1200",
        currency: "usd",
        "recurring[interval]": "month",
        lookup_key: "starter",
        transfer_lookup_key: true,
      },
    },
    {
      name: "customer",
      path: "/v1/customers",
      method: "post",
      params: {
        description: "(created by Stripe CLI)",
        payment_method: "pm_card_visa",
        invoice_settings: { default_payment_method: "pm_card_visa" },
      },
    },
    {
      name: "subscription",
      path: "/v1/subscriptions",
      method: "post",
      params: { customer: "${customer:id}", items: [{ price: "${price:id}", quantity: 2 }], expand: ["latest_invoice"] },
    },
    { name: "listed", path: "/v1/prices", method: "get", params: { lookup_keys: ["starter"], expand: ["data.product"] } },
    {
      name: "renamed",
      path: "/v1/products/${listed:data.0.product.id}",
      method: "post",
      params: { name: "Starter (${subscription:items.data.0.quantity} seats)" },
    },
  ],
  env: { STARTER_PRICE: "${price:id}", PRICES: "${listed:data.#}" },
};

describe("stripe fixtures (the Stripe CLI format) against the emulator", () => {
  it("runs a file in order, resolving ${name:path} references into params and paths, and reports its env block", async () => {
    const run = await runFixtures(SEED, { url: env.handle.url });
    const product = run.responses.product as Stripe.Product;
    const price = run.responses.price as Stripe.Price;
    const sub = run.responses.subscription as Stripe.Subscription;
    expect(product.metadata).toEqual({ most_popular: "true", tier: "basic" });
    expect(price).toMatchObject({ product: product.id, unit_amount: 1200, recurring: { interval: "month" }, lookup_key: "starter" });
    expect(sub).toMatchObject({ status: "active", customer: (run.responses.customer as Stripe.Customer).id });
    expect(sub.items.data[0]).toMatchObject({ quantity: 2, price: { id: price.id } });
    expect((sub.latest_invoice as Stripe.Invoice).amount_paid).toBe(2400);
    expect(run.env).toEqual({ STARTER_PRICE: price.id, PRICES: "1" });
    // The objects exist in the emulator, as a later SDK call sees them.
    expect((await env.stripe.products.retrieve(product.id)).name).toBe("Starter (2 seats)");
    expect((await env.stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(price.id);
  });

  it("takes ${.env:VAR} from the environment, and applies --skip, --override, --add and --remove as the CLI does", async () => {
    process.env.FIXTURE_TIER = "gold";
    try {
      const run = await runFixtures(SEED, {
        url: env.handle.url,
        override: ["price:unit_amount=900"],
        add: ["customer:email=ada@example.com", "price:currency=eur"],
        remove: ["subscription:expand"],
        skip: ["renamed"],
      });
      expect((run.responses.product as Stripe.Product).metadata.tier).toBe("gold");
      expect(run.responses.price).toMatchObject({ unit_amount: 900, currency: "usd" });
      expect((run.responses.customer as Stripe.Customer).email).toBe("ada@example.com");
      expect(typeof (run.responses.subscription as Stripe.Subscription).latest_invoice).toBe("string");
      expect(run.responses.renamed).toBeUndefined();
    } finally {
      delete process.env.FIXTURE_TIER;
    }
  });

  it("a reference to a fixture that does not exist is a clear error naming it, and nothing after it is sent", async () => {
    const file: FixtureFile = {
      _meta: { template_version: 0 },
      fixtures: [
        { name: "product", path: "/v1/products", method: "post", params: { name: "P" } },
        { name: "price", path: "/v1/prices", method: "post", params: { product: "${prodcut:id}", unit_amount: 100, currency: "usd" } },
        { name: "customer", path: "/v1/customers", method: "post", params: { email: "never@example.com" } },
      ],
    };
    const error = await runFixtures(file, { url: env.handle.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FixtureError);
    expect((error as FixtureError).fixture).toBe("price");
    expect((error as Error).message).toBe(
      'fixture "price": an undeclared fixture name was referenced: prodcut (in ${prodcut:id}; fixtures that ran before it: product). Perhaps you meant one of the following: product',
    );
    expect((await env.stripe.prices.list()).data).toEqual([]);
    expect((await env.stripe.customers.list()).data).toEqual([]);
  });

  it("a reference to a field the response does not have, an unset env var, a failed request, and a newer template are errors", async () => {
    const badPath: FixtureFile = {
      fixtures: [
        { name: "p", path: "/v1/products", method: "post", params: { name: "P" } },
        { name: "q", path: "/v1/prices", method: "post", params: { product: "${p:default_price}" } },
      ],
    };
    await expect(runFixtures(badPath, { url: env.handle.url })).rejects.toThrow(
      'fixture "q": ${p:default_price} — the response of "p" has null at default_price.',
    );
    badPath.fixtures[1].params = { product: "${p:prices.0.id}" };
    await expect(runFixtures(badPath, { url: env.handle.url })).rejects.toThrow(
      'fixture "q": ${p:prices.0.id} — the response of "p" has no value at prices.0.id.',
    );
    const unsetEnv: FixtureFile = {
      fixtures: [{ name: "c", path: "/v1/customers", method: "post", params: { email: "${.env:FIXTURE_UNSET_VAR}" } }],
    };
    await expect(runFixtures(unsetEnv, { url: env.handle.url })).rejects.toThrow('fixture "c": ${.env:FIXTURE_UNSET_VAR} has no value');
    const failing: FixtureFile = { fixtures: [{ name: "bad", path: "/v1/customers/cus_missing", method: "post", params: { name: "x" } }] };
    await expect(runFixtures(failing, { url: env.handle.url })).rejects.toThrow(
      /^fixture "bad" \(POST \/v1\/customers\/cus_missing\) failed: 404 invalid_request_error: No such customer: 'cus_missing'/,
    );
    await expect(runFixtures({ _meta: { template_version: 1 }, fixtures: [] }, { url: env.handle.url })).rejects.toThrow(
      "Fixture version not supported: 1",
    );
    await expect(runFixtures({ fixtures: [{ name: "x", path: "customers", method: "post" }] }, { url: env.handle.url })).rejects.toThrow(
      /is not a valid Stripe API path/,
    );
  });

  it("a request failing with its expected_error_type does not stop the file (the CLI’s declined-card fixtures)", async () => {
    const file: FixtureFile = {
      fixtures: [
        {
          name: "customer",
          path: "/v1/customers",
          method: "post",
          params: {
            description: "(created by Stripe CLI)",
            payment_method: "pm_card_chargeCustomerFail",
            invoice_settings: { default_payment_method: "pm_card_chargeCustomerFail" },
          },
        },
        {
          name: "price",
          path: "/v1/prices",
          method: "post",
          params: { product_data: { name: "P" }, unit_amount: 1500, currency: "usd", "recurring[interval]": "month" },
        },
        {
          name: "subscription",
          path: "/v1/subscriptions",
          method: "post",
          params: { customer: "${customer:id}", items: [{ price: "${price:id}" }], payment_behavior: "error_if_incomplete" },
          expected_error_type: "card_error",
        },
        { name: "after", path: "/v1/customers/${customer:id}", method: "post", params: { metadata: { after: "yes" } } },
      ],
    };
    const run = await runFixtures(file, { url: env.handle.url });
    expect((run.responses.subscription as { error: { type: string } }).error.type).toBe("card_error");
    expect((run.responses.after as Stripe.Customer).metadata).toEqual({ after: "yes" });
  });

  it("npm run stripe:fixtures <file.json> (fixturesCli) runs a file from disk and prints each fixture’s id", async () => {
    const path = join(dir, "seed.json");
    writeFileSync(path, JSON.stringify(SEED));
    const lines: string[] = [];
    const errors: string[] = [];
    expect(
      await fixturesCli(
        [path, "--url", env.handle.url],
        (l) => lines.push(l),
        (l) => errors.push(l),
      ),
    ).toBe(0);
    expect(errors).toEqual([]);
    expect(lines).toContain("Running fixture for: subscription");
    expect(lines.some((l) => /^ {2}subscription: sub_/.test(l))).toBe(true);
    expect(lines.some((l) => /^STARTER_PRICE=price_/.test(l))).toBe(true);
    expect(lines.at(-1)).toBe(`Fixtures succeeded: 6 requests against ${env.handle.url}`);
    expect(
      await fixturesCli(
        [join(dir, "missing.json"), "--url", env.handle.url],
        () => {},
        (l) => errors.push(l),
      ),
    ).toBe(1);
    expect(errors.at(-1)).toMatch(/^Cannot read the fixture file .*missing\.json/);
    expect(
      await fixturesCli(
        [path, "--bogus"],
        () => {},
        (l) => errors.push(l),
      ),
    ).toBe(1);
    expect(errors.at(-1)).toMatch(/^Unknown option --bogus\./);
  });
});

describe("stripe:trigger follows the Stripe CLI’s fixture for each event", () => {
  it("customer.subscription.created: customer with a default card → product → price → subscription, left active (not canceled)", async () => {
    const events = await triggerEvent(env.stripe, env.handle.url, "customer.subscription.created");
    const types = events.map((e) => e.type);
    const order = ["customer.created", "product.created", "price.created", "customer.subscription.created"];
    expect(types.filter((t) => order.includes(t))).toEqual(order);
    expect(types).not.toContain("customer.subscription.deleted");
    const created = events.find((e) => e.type === "customer.subscription.created")?.data.object as Stripe.Subscription;
    const sub = await env.stripe.subscriptions.retrieve(created.id);
    expect(sub.status).toBe("active");
    expect(sub.cancel_at_period_end).toBe(false);
    expect(sub.items.data[0].price).toMatchObject({ unit_amount: 1500, currency: "usd", recurring: { interval: "month" } });
    const customer = (await env.stripe.customers.retrieve(String(sub.customer))) as Stripe.Customer;
    expect(customer.description).toBe("(created by Stripe CLI)");
    expect(customer.invoice_settings.default_payment_method).toMatch(/^pm_/);
  });

  it("customer.subscription.deleted cancels; customer.created, product.created and payment_method.attached stop at that event", async () => {
    const deleted = await triggerEvent(env.stripe, env.handle.url, "customer.subscription.deleted");
    expect(deleted.at(-1)?.type).toBe("customer.subscription.deleted");
    expect((await triggerEvent(env.stripe, env.handle.url, "customer.created")).map((e) => e.type)).toEqual(["customer.created"]);
    expect((await triggerEvent(env.stripe, env.handle.url, "product.created")).map((e) => e.type)).toEqual(["product.created"]);
    expect((await triggerEvent(env.stripe, env.handle.url, "price.created")).map((e) => e.type)).toEqual([
      "product.created",
      "price.created",
    ]);
    expect((await triggerEvent(env.stripe, env.handle.url, "payment_method.attached")).map((e) => e.type)).toEqual([
      "customer.created",
      "payment_method.attached",
    ]);
    expect((await triggerEvent(env.stripe, env.handle.url, "billing_portal.configuration.created")).map((e) => e.type)).toEqual([
      "billing_portal.configuration.created",
    ]);
  });

  it("customer.subscription.paused: a trial ended now (trial_end=now) without a payment method pauses, as the CLI’s fixture relies on", async () => {
    const events = await triggerEvent(env.stripe, env.handle.url, "customer.subscription.paused");
    const paused = events.find((e) => e.type === "customer.subscription.paused")?.data.object as Stripe.Subscription;
    const sub = await env.stripe.subscriptions.retrieve(paused.id);
    expect(sub.status).toBe("paused");
    expect(sub.trial_settings?.end_behavior.missing_payment_method).toBe("pause");
    expect(events.map((e) => e.type)).not.toContain("invoice.payment_failed");
    expect((await env.stripe.invoices.list({ subscription: sub.id })).data.every((i) => i.amount_due === 0)).toBe(true);
  });

  it("checkout.session.completed: a payment-mode session for 2 × a one-time $15.00 price, completed", async () => {
    const events = await triggerEvent(env.stripe, env.handle.url, "checkout.session.completed");
    const session = events.find((e) => e.type === "checkout.session.completed")?.data.object as Stripe.Checkout.Session;
    expect(session).toMatchObject({ mode: "payment", status: "complete", amount_total: 3000 });
  });
});
