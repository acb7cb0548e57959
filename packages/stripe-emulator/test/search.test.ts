/**
 * Search (`GET /v1/{resource}/search`) on the seven searchable resources, through the official SDK's `search`
 * methods: Stripe's query language (https://docs.stripe.com/search#search-query-language), its per-resource query
 * fields, its errors, and `page` / `next_page` pagination.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { DAY, T0, createPlan, expectStripeError, startTestEmulator, type Plan, type TestEmulator } from "./helpers";

let env: TestEmulator;
let stripe: Stripe;

beforeAll(async () => {
  env = await startTestEmulator();
  stripe = env.stripe;
});
afterAll(async () => env?.stop());

const PARSE_ERROR =
  'We were unable to parse your search query. Try using the format `metadata["key"]:"value"` to query for metadata or key:"value" to query for other fields.';
const unsupportedField = (field: string, resource: string) =>
  `Field \`${field}\` is an unsupported search field for resource \`${resource}\`. See http://stripe.com/docs/search#query-fields-for-${resource.replace(/_/g, "-")} for a list of supported fields.`;

async function reset(): Promise<void> {
  const res = await env.control("/_emulator/reset");
  expect(res.status).toBe(200);
}

/** A customer created at `at` (on a test clock frozen there), so `created` is known to the second. */
async function customerAt(at: number, params: Stripe.CustomerCreateParams): Promise<Stripe.Customer> {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: at });
  return stripe.customers.create({ ...params, test_clock: clock.id });
}

const ids = (result: { data: Array<{ id: string }> }) => result.data.map((o) => o.id);

describe("customers", () => {
  let amy: Stripe.Customer;
  let xamy: Stripe.Customer;
  let bob: Stripe.Customer;
  const search = async (query: string) => ids(await stripe.customers.search({ query }));

  beforeAll(async () => {
    await reset();
    amy = await customerAt(T0, {
      email: "amy@rocketrides.io",
      name: "Amy Rocket Rides",
      phone: "+15550001111",
      metadata: { tier: "gold", "donation-id": "asdf-jkl" },
    });
    xamy = await customerAt(T0 + DAY, { email: "xamy@example.com", name: "Xamy Two", metadata: { tier: "silver" } });
    bob = await customerAt(T0 + 2 * DAY, { email: "bob@example.com", name: "Bob Builder" });
  });

  it("answers a search_result, newest first, without total_count unless it is expanded", async () => {
    const result = await stripe.customers.search({ query: "created>0" });
    expect(result).toMatchObject({ object: "search_result", has_more: false, next_page: null, url: "/v1/customers/search" });
    expect(ids(result)).toEqual([bob.id, xamy.id, amy.id]);
    expect("total_count" in result).toBe(false);
    const counted = await stripe.customers.search({ query: "created>0", limit: 1, expand: ["total_count"] });
    expect(counted.total_count).toBe(3);
    expect(counted.data).toHaveLength(1);
  });

  it('field:"value" is an exact, case-insensitive match; ~ is a substring match', async () => {
    expect(await search('email:"amy@rocketrides.io"')).toEqual([amy.id]);
    expect(await search("email:'AMY@RocketRides.io'")).toEqual([amy.id]);
    expect(await search('email:"amy"')).toEqual([]);
    // The documented example: email~"amy" finds amy@rocketrides.io and xamy.
    expect(await search('email~"amy"')).toEqual([xamy.id, amy.id]);
    expect(await search('name~"ocke"')).toEqual([amy.id]);
    expect(await search('name:"ocke"')).toEqual([]);
  });

  it("an exact string match finds the words of a quoted value with spaces, in order", async () => {
    expect(await search('name:"rocket rides"')).toEqual([amy.id]);
    expect(await search('name:"Amy Rocket Rides"')).toEqual([amy.id]);
    expect(await search('name:"rides rocket"')).toEqual([]);
    expect(await search('name:"rocket"')).toEqual([amy.id]);
  });

  it("- negates a clause", async () => {
    expect(await search('-name:"bob builder"')).toEqual([xamy.id, amy.id]);
    expect(await search('-email~"amy"')).toEqual([bob.id]);
  });

  it("compares numeric fields with >, <, >=, <= and :", async () => {
    expect(await search(`created>${T0}`)).toEqual([bob.id, xamy.id]);
    expect(await search(`created<${T0 + DAY}`)).toEqual([amy.id]);
    expect(await search(`created>=${T0 + DAY}`)).toEqual([bob.id, xamy.id]);
    expect(await search(`created<="${T0 + DAY}"`)).toEqual([xamy.id, amy.id]);
    expect(await search(`created:${T0}`)).toEqual([amy.id]);
  });

  it("field:null finds an empty field, -field:null a present one", async () => {
    expect(await search("phone:null")).toEqual([bob.id, xamy.id]);
    expect(await search("-phone:NULL")).toEqual([amy.id]);
  });

  it('metadata["key"]:"value", with either quotes, and metadata presence with null', async () => {
    expect(await search('metadata["tier"]:"gold"')).toEqual([amy.id]);
    expect(await search("metadata['tier']:'SILVER'")).toEqual([xamy.id]);
    expect(await search('metadata["donation-id"]:"asdf-jkl"')).toEqual([amy.id]);
    expect(await search('-metadata["donation-id"]:null')).toEqual([amy.id]);
    expect(await search('metadata["tier"]:null')).toEqual([bob.id]);
  });

  it("AND, OR (case-insensitive) and a space (AND) join clauses", async () => {
    expect(await search('metadata["tier"]:"gold" OR email:"bob@example.com"')).toEqual([bob.id, amy.id]);
    expect(await search('metadata["tier"]:"gold" or email:"bob@example.com"')).toEqual([bob.id, amy.id]);
    expect(await search('email~"amy" AND metadata["tier"]:"silver"')).toEqual([xamy.id]);
    expect(await search('email~"amy" and -metadata["tier"]:"silver"')).toEqual([amy.id]);
    expect(await search('email~"amy" metadata["tier"]:"silver"')).toEqual([xamy.id]);
    const ten = Array.from({ length: 10 }, () => 'email~"amy"').join(" AND ");
    expect(await search(ten)).toEqual([xamy.id, amy.id]);
  });

  it("a query it cannot parse is a 400 invalid_request_error with Stripe's message, never an empty list", async () => {
    const unparseable = [
      "asdf",
      "email:amy@rocketrides.io", // string values must be quoted
      'email:"amy@rocketrides.io" AND name:"Amy" OR phone:null', // AND and OR are mutually exclusive
      'email:"a" name:"b" OR phone:null', // a space is an AND
      Array.from({ length: 11 }, () => 'email~"amy"').join(" AND "), // more than 10 clauses
      'email~"am"', // substrings have at least 3 characters
      'name>"a"', // comparisons are for numeric fields
      'created~"123"', // substrings are for string fields
      'created>"yesterday"',
      'email:"unterminated',
      'email:"amy@rocketrides.io" AND',
      'OR email:"amy@rocketrides.io"',
      'email:"a"name:"b"',
      'metadata[tier]:"gold"',
      'metadata:"gold"',
      "email>null",
      "   ",
    ];
    for (const query of unparseable) {
      const err = await expectStripeError(stripe.customers.search({ query }));
      expect({ query, status: err.statusCode, type: err.type, message: err.message }).toEqual({
        query,
        status: 400,
        type: "StripeInvalidRequestError",
        message: PARSE_ERROR,
      });
    }
  });

  it("a field the resource does not search is a 400 naming it", async () => {
    for (const query of ['foo:"bar"', 'status:"active"', "-description:null", 'constructor:"x"']) {
      const err = await expectStripeError(stripe.customers.search({ query }));
      const field = /(\w+)[:~]/.exec(query)?.[1] ?? "";
      expect({ status: err.statusCode, type: err.type, message: err.message }).toEqual({
        status: 400,
        type: "StripeInvalidRequestError",
        message: unsupportedField(field, "customers"),
      });
    }
  });

  it("query is required and limit is 1..100", async () => {
    const missing = await expectStripeError(stripe.customers.search({} as Stripe.CustomerSearchParams));
    expect({ status: missing.statusCode, code: missing.code, param: missing.param }).toEqual({
      status: 400,
      code: "parameter_missing",
      param: "query",
    });
    for (const limit of [0, 101]) {
      const err = await expectStripeError(stripe.customers.search({ query: "created>0", limit }));
      expect({ status: err.statusCode, param: err.param }).toEqual({ status: 400, param: "limit" });
    }
  });

  it("expands objects in data", async () => {
    const result = await stripe.customers.search({ query: `email:"${String(amy.email)}"`, expand: ["data.test_clock"] });
    expect(result.data[0].test_clock).toMatchObject({ object: "test_helpers.test_clock", frozen_time: T0 });
  });
});

describe("pagination with page / next_page", () => {
  const created: string[] = [];

  beforeAll(async () => {
    await reset();
    for (let i = 0; i < 25; i++) created.push((await stripe.customers.create({ name: `Paged ${i}`, metadata: { batch: "p" } })).id);
    await stripe.customers.create({ name: "Other", metadata: { batch: "q" } });
  });

  it("pages through more results than limit, newest first, with next_page tokens", async () => {
    const query = 'metadata["batch"]:"p"';
    const first = await stripe.customers.search({ query, limit: 10 });
    expect(first).toMatchObject({ has_more: true, object: "search_result" });
    expect(typeof first.next_page).toBe("string");
    const second = await stripe.customers.search({ query, limit: 10, page: String(first.next_page) });
    expect(second.has_more).toBe(true);
    const third = await stripe.customers.search({ query, limit: 10, page: String(second.next_page) });
    expect(third).toMatchObject({ has_more: false, next_page: null });
    expect(third.data).toHaveLength(5);
    expect([...ids(first), ...ids(second), ...ids(third)]).toEqual([...created].reverse());
  });

  it("autoPagingToArray walks every page", async () => {
    const all = await stripe.customers.search({ query: 'metadata["batch"]:"p"', limit: 10 }).autoPagingToArray({ limit: 100 });
    expect(all.map((c) => c.id)).toEqual([...created].reverse());
    const counted = await stripe.customers.search({ query: 'metadata["batch"]:"p"', limit: 10, expand: ["total_count"] });
    expect(counted.total_count).toBe(25);
  });

  it("a page token that no search with this query returned is a 400 on page", async () => {
    const first = await stripe.customers.search({ query: 'metadata["batch"]:"p"', limit: 10 });
    const other = await expectStripeError(stripe.customers.search({ query: 'metadata["batch"]:"q"', page: String(first.next_page) }));
    expect({ status: other.statusCode, type: other.type, param: other.param }).toEqual({
      status: 400,
      type: "StripeInvalidRequestError",
      param: "page",
    });
    const garbage = await expectStripeError(stripe.customers.search({ query: 'metadata["batch"]:"p"', page: "not-a-page" }));
    expect({ status: garbage.statusCode, param: garbage.param }).toEqual({ status: 400, param: "page" });
  });
});

describe("products and prices", () => {
  let swag: Stripe.Product;
  let shirts: Stripe.Product;
  let monthly: Stripe.Price;
  let once: Stripe.Price;

  beforeAll(async () => {
    await reset();
    swag = await stripe.products.create({
      name: "Dinosaur Swag",
      description: 'the story called "The Sky and the Sea."',
      url: "https://example.com/dinosaur_swag",
      metadata: { line: "toys" },
    });
    shirts = await stripe.products.create({ name: "Plain T-Shirts", description: "Cotton t-shirts", active: false });
    monthly = await stripe.prices.create({
      product: swag.id,
      currency: "usd",
      unit_amount: 1000,
      recurring: { interval: "month" },
      lookup_key: "standard_monthly",
      metadata: { plan: "standard" },
    });
    once = await stripe.prices.create({ product: shirts.id, currency: "eur", unit_amount: 500, active: false });
  });

  it('GET /v1/products/search is the search, not a retrieve of the product "search"', async () => {
    const result = await stripe.products.search({ query: 'active:"true"' });
    expect(result).toMatchObject({ object: "search_result", url: "/v1/products/search" });
    expect(ids(result)).toEqual([swag.id]);
    const res = await fetch(`${env.handle.url}/v1/products/search`, { headers: { Authorization: "Bearer sk_test_123" } });
    const body = (await res.json()) as { error: { message: string; param?: string } };
    expect({ status: res.status, message: body.error.message, param: body.error.param }).toEqual({
      status: 400,
      message: "Missing required param: query.",
      param: "query",
    });
  });

  it("products: token, string, substring, escaped quotes, negation, null and metadata", async () => {
    const search = async (query: string) => ids(await stripe.products.search({ query }));
    expect(await search('active:"false"')).toEqual([shirts.id]);
    expect(await search('-active:"false"')).toEqual([swag.id]);
    expect(await search('name~"swag"')).toEqual([swag.id]);
    expect(await search('description~"t-shirts"')).toEqual([shirts.id]);
    expect(await search('description:"the story called \\"The Sky and the Sea.\\""')).toEqual([swag.id]);
    expect(await search('url~"/dinosaur_swag"')).toEqual([swag.id]);
    expect(await search("url:null")).toEqual([shirts.id]);
    expect(await search('metadata["line"]:"toys" OR name:"plain t-shirts"')).toEqual([shirts.id, swag.id]);
    expect((await expectStripeError(stripe.products.search({ query: 'price:"x"' }))).message).toBe(unsupportedField("price", "products"));
  });

  it("prices: active, currency, lookup_key, product, type and metadata", async () => {
    const search = async (query: string) => ids(await stripe.prices.search({ query }));
    expect(await search('active:"true" AND type:"recurring"')).toEqual([monthly.id]);
    expect(await search('currency:"EUR"')).toEqual([once.id]);
    expect(await search('lookup_key:"standard_monthly"')).toEqual([monthly.id]);
    expect(await search('lookup_key~"standard"')).toEqual([monthly.id]);
    expect(await search("lookup_key:null")).toEqual([once.id]);
    expect(await search(`product:"${swag.id}"`)).toEqual([monthly.id]);
    expect(await search('-type:"one_time"')).toEqual([monthly.id]);
    expect(await search('metadata["plan"]:"standard" OR currency:"eur"')).toEqual([once.id, monthly.id]);
    const err = await expectStripeError(stripe.prices.search({ query: "unit_amount>100" }));
    expect({ status: err.statusCode, message: err.message }).toEqual({ status: 400, message: unsupportedField("unit_amount", "prices") });
    expect((await expectStripeError(stripe.prices.search({ query: 'currency>"usd"' }))).message).toBe(PARSE_ERROR);
  });
});

describe("subscriptions, invoices, charges and payment intents", () => {
  let plan: Plan;
  let pro: Plan;
  const subs: Record<"active" | "trialing" | "canceled" | "incomplete", Stripe.Subscription> = {} as never;
  const customers: Record<keyof typeof subs, Stripe.Customer> = {} as never;

  beforeAll(async () => {
    await reset();
    plan = await createPlan(stripe, "Basic", 1000);
    pro = await createPlan(stripe, "Pro", 2500);
    customers.active = await customerAt(T0, { email: "active@example.com" });
    subs.active = await stripe.subscriptions.create({
      customer: customers.active.id,
      items: [{ price: pro.monthly.id }],
      default_payment_method: "pm_card_mastercard",
      metadata: { plan: "pro" },
    });
    customers.trialing = await customerAt(T0 + DAY, { email: "trialing@example.com" });
    subs.trialing = await stripe.subscriptions.create({
      customer: customers.trialing.id,
      items: [{ price: plan.monthly.id }],
      default_payment_method: "pm_card_visa",
      trial_period_days: 7,
      metadata: { plan: "basic" },
    });
    customers.canceled = await customerAt(T0 + 2 * DAY, { email: "canceled@example.com" });
    subs.canceled = await stripe.subscriptions.create({
      customer: customers.canceled.id,
      items: [{ price: plan.monthly.id }],
      default_payment_method: "pm_card_visa",
    });
    subs.canceled = await stripe.subscriptions.cancel(subs.canceled.id);
    customers.incomplete = await customerAt(T0 + 3 * DAY, { email: "incomplete@example.com" });
    // The Payment Element flow with a declined card: a failed charge, the intent back to requires_payment_method.
    const incomplete = await stripe.subscriptions.create({
      customer: customers.incomplete.id,
      items: [{ price: plan.monthly.id }],
      payment_behavior: "default_incomplete",
      expand: ["latest_invoice.confirmation_secret"],
    });
    const secret = String((incomplete.latest_invoice as Stripe.Invoice).confirmation_secret?.client_secret);
    await expectStripeError(stripe.paymentIntents.confirm(secret.split("_secret_")[0], { payment_method: "pm_card_chargeCustomerFail" }));
    subs.incomplete = await stripe.subscriptions.retrieve(incomplete.id);
  });

  it("subscriptions: status, created, canceled_at and metadata", async () => {
    const search = async (query: string) => ids(await stripe.subscriptions.search({ query }));
    expect(subs.incomplete.status).toBe("incomplete");
    expect(subs.canceled.status).toBe("canceled");
    expect(await search('status:"active"')).toEqual([subs.active.id]);
    expect(await search('status:"trialing" OR status:"canceled"')).toEqual([subs.canceled.id, subs.trialing.id]);
    expect(await search('-status:"canceled" AND metadata["plan"]:"pro"')).toEqual([subs.active.id]);
    expect(await search("canceled_at:null")).toEqual([subs.incomplete.id, subs.trialing.id, subs.active.id]);
    expect(await search("canceled_at>0")).toEqual([subs.canceled.id]);
    expect(await search(`created>=${T0 + DAY} AND created<${T0 + 3 * DAY}`)).toEqual([subs.canceled.id, subs.trialing.id]);
    expect((await expectStripeError(stripe.subscriptions.search({ query: 'customer:"cus_1"' }))).message).toBe(
      unsupportedField("customer", "subscriptions"),
    );
    const expanded = await stripe.subscriptions.search({ query: 'status:"active"', expand: ["data.customer"] });
    expect(expanded.data[0].customer).toMatchObject({ id: customers.active.id, object: "customer" });
  });

  it("invoices: status, total, customer, subscription, number, currency and metadata", async () => {
    const search = async (query: string) => ids(await stripe.invoices.search({ query }));
    const invoiceOf = async (key: keyof typeof subs) => stripe.invoices.retrieve(String(subs[key].latest_invoice));
    const active = await invoiceOf("active");
    const trialing = await invoiceOf("trialing");
    const incomplete = await invoiceOf("incomplete");
    expect(await search('status:"open"')).toEqual([incomplete.id]);
    expect(await search(`total>1000 AND status:"paid"`)).toEqual([active.id]);
    expect(await search("total:0")).toEqual([trialing.id]);
    expect(await search(`customer:"${customers.active.id}"`)).toEqual([active.id]);
    expect(await search(`subscription:"${subs.trialing.id}"`)).toEqual([trialing.id]);
    expect(await search(`number:"${String(active.number)}"`)).toEqual([active.id]);
    expect(await search('-currency:"usd"')).toEqual([]);
    await stripe.invoices.update(active.id, { metadata: { order: "42" } });
    expect(await search('metadata["order"]:"42"')).toEqual([active.id]);
    // The same pagination as every search: one invoice a page.
    const first = await stripe.invoices.search({ query: 'currency:"usd"', limit: 1 });
    expect(first).toMatchObject({ has_more: true, url: "/v1/invoices/search" });
    const all = await stripe.invoices.search({ query: 'currency:"usd"', limit: 1 }).autoPagingToArray({ limit: 10 });
    expect(all).toHaveLength((await stripe.invoices.list({ limit: 100 })).data.length);
  });

  it("charges: status, amount, customer, card details, refunded and disputed", async () => {
    const search = async (query: string) => ids(await stripe.charges.search({ query }));
    const all = await stripe.charges.search({ query: "created>0", limit: 100 });
    const byCustomer = (key: keyof typeof subs) => all.data.filter((c) => c.customer === customers[key].id).map((c) => c.id);
    expect(byCustomer("active")).toHaveLength(1);
    expect(byCustomer("incomplete")).toHaveLength(1);
    expect(await search('status:"failed"')).toEqual(byCustomer("incomplete"));
    expect(await search('amount>=2500 AND status:"succeeded"')).toEqual(byCustomer("active"));
    expect(await search(`customer:"${customers.canceled.id}"`)).toEqual(byCustomer("canceled"));
    expect(await search("payment_method_details.card.last4:4444")).toEqual(byCustomer("active"));
    expect(await search('payment_method_details.card.brand:"mastercard"')).toEqual(byCustomer("active"));
    expect(await search('refunded:null AND disputed:"false" AND currency:"usd"')).toEqual(ids(all));
    expect(await search('metadata["order"]:null')).toEqual(ids(all));
    expect((await expectStripeError(stripe.charges.search({ query: 'payment_method_details.card.cvc:"123"' }))).message).toBe(
      unsupportedField("payment_method_details.card.cvc", "charges"),
    );
  });

  it("payment intents: status, amount, customer, currency and metadata", async () => {
    const search = async (query: string) => ids(await stripe.paymentIntents.search({ query }));
    const all = await stripe.paymentIntents.search({ query: "created>0", limit: 100 });
    const of = (key: keyof typeof subs) => all.data.filter((p) => p.customer === customers[key].id).map((p) => p.id);
    expect(of("incomplete")).toHaveLength(1);
    expect(await search('status:"requires_payment_method"')).toEqual(of("incomplete"));
    expect(await search('status:"succeeded" AND amount<2500')).toEqual(of("canceled"));
    expect(await search(`customer:"${customers.active.id}" OR customer:"${customers.incomplete.id}"`)).toEqual([
      ...of("incomplete"),
      ...of("active"),
    ]);
    expect(await search('-currency:"usd"')).toEqual([]);
    expect(await search('-metadata["order"]:null')).toEqual([]);
    const err = await expectStripeError(stripe.paymentIntents.search({ query: 'email:"a@b.co"' }));
    expect({ status: err.statusCode, message: err.message }).toEqual({
      status: 400,
      message: unsupportedField("email", "payment_intents"),
    });
  });
});
