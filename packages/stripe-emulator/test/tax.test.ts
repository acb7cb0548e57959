import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { expectStripeError, startTestEmulator, type TestEmulator } from "./helpers";

let env: TestEmulator;
let stripe: Stripe;

beforeAll(async () => {
  env = await startTestEmulator();
  stripe = env.stripe;
});
afterAll(async () => {
  await env.stop();
});
beforeEach(async () => {
  await env.control("/_emulator/reset");
  await env.control("/_emulator/config", { webhookUrl: null });
});

async function monthlyPrice(unitAmount: number, taxBehavior?: "inclusive" | "exclusive", currency = "usd"): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: "Plan" });
  return stripe.prices.create({
    product: product.id,
    currency,
    unit_amount: unitAmount,
    recurring: { interval: "month" },
    ...(taxBehavior ? { tax_behavior: taxBehavior } : {}),
  });
}

async function customerAt(address: Stripe.AddressParam | null, extra: Stripe.CustomerCreateParams = {}): Promise<Stripe.Customer> {
  return stripe.customers.create({ email: "tax@example.com", ...(address ? { address } : {}), ...extra });
}

async function firstInvoice(sub: Stripe.Subscription): Promise<Stripe.Invoice> {
  return stripe.invoices.retrieve(String(sub.latest_invoice));
}

describe("tax rates", () => {
  it("creates, retrieves, updates and lists tax rates; refuses a missing percentage", async () => {
    const vat = await stripe.taxRates.create({
      display_name: "VAT",
      percentage: 20,
      inclusive: false,
      country: "GB",
      jurisdiction: "UK",
      tax_type: "vat",
    });
    expect(vat).toMatchObject({
      object: "tax_rate",
      display_name: "VAT",
      percentage: 20,
      effective_percentage: 20,
      inclusive: false,
      country: "GB",
      tax_type: "vat",
      active: true,
      rate_type: "percentage",
    });
    expect(await stripe.taxRates.retrieve(vat.id)).toEqual(vat);
    const updated = await stripe.taxRates.update(vat.id, { active: false, description: "UK VAT", state: "ENG" });
    expect(updated).toMatchObject({ active: false, description: "UK VAT", state: "ENG", percentage: 20 });
    await stripe.taxRates.create({ display_name: "GST", percentage: 10, inclusive: true });
    expect((await stripe.taxRates.list({ active: false })).data.map((r) => r.id)).toEqual([vat.id]);
    expect((await stripe.taxRates.list({ inclusive: true })).data.map((r) => r.display_name)).toEqual(["GST"]);
    const err = await expectStripeError(stripe.taxRates.create({ display_name: "X", inclusive: false } as Stripe.TaxRateCreateParams));
    expect(err).toMatchObject({ statusCode: 400, code: "parameter_missing", param: "percentage" });
  });

  it("exclusive default_tax_rates add tax on top of a subscription invoice", async () => {
    const price = await monthlyPrice(1999);
    const rate = await stripe.taxRates.create({ display_name: "Sales tax", percentage: 8.875, inclusive: false });
    const customer = await customerAt(null);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: "pm_card_visa",
      default_tax_rates: [rate.id],
    });
    expect(sub.default_tax_rates?.map((r) => r.id)).toEqual([rate.id]);
    const invoice = await firstInvoice(sub);
    // 1999 × 8.875% = 177.41… → 177, rounded per line.
    expect(invoice).toMatchObject({
      subtotal: 1999,
      subtotal_excluding_tax: 1999,
      total_excluding_tax: 1999,
      total: 2176,
      amount_paid: 2176,
      status: "paid",
    });
    expect(invoice.total_taxes).toEqual([
      {
        amount: 177,
        tax_behavior: "exclusive",
        tax_rate_details: { tax_rate: rate.id },
        taxability_reason: "not_available",
        taxable_amount: 1999,
        type: "tax_rate_details",
      },
    ]);
    expect(invoice.lines.data[0].taxes).toEqual(invoice.total_taxes);
    expect(invoice.default_tax_rates.map((r) => r.id)).toEqual([rate.id]);
  });

  it("inclusive item tax_rates are carved out of the price", async () => {
    const price = await monthlyPrice(1000);
    const rate = await stripe.taxRates.create({ display_name: "VAT", percentage: 20, inclusive: true });
    const customer = await customerAt(null);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id, tax_rates: [rate.id] }],
      default_payment_method: "pm_card_visa",
    });
    expect(sub.items.data[0].tax_rates?.map((r) => r.id)).toEqual([rate.id]);
    const invoice = await firstInvoice(sub);
    // 1000 / 1.2 = 833.33 → 833 net, 167 tax.
    expect(invoice).toMatchObject({
      subtotal: 1000,
      total: 1000,
      total_excluding_tax: 833,
      subtotal_excluding_tax: 833,
      amount_paid: 1000,
    });
    expect(invoice.total_taxes).toEqual([
      {
        amount: 167,
        tax_behavior: "inclusive",
        tax_rate_details: { tax_rate: rate.id },
        taxability_reason: "not_available",
        taxable_amount: 833,
        type: "tax_rate_details",
      },
    ]);
  });

  it("updates item tax_rates on an existing item (subscriptions.update and subscriptionItems.update)", async () => {
    const price = await monthlyPrice(1000);
    const gst = await stripe.taxRates.create({ display_name: "GST", percentage: 5, inclusive: false });
    const pst = await stripe.taxRates.create({ display_name: "PST", percentage: 7, inclusive: false });
    const customer = await customerAt(null);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: "pm_card_visa",
    });
    const itemId = sub.items.data[0].id;
    const updated = await stripe.subscriptions.update(sub.id, { items: [{ id: itemId, tax_rates: [gst.id] }] });
    expect(updated.items.data[0].tax_rates?.map((r) => r.id)).toEqual([gst.id]);
    expect((await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id })).total).toBe(1050);
    const item = await stripe.subscriptionItems.update(itemId, { tax_rates: [gst.id, pst.id] });
    expect(item.tax_rates?.map((r) => r.id)).toEqual([gst.id, pst.id]);
    const preview = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id });
    expect(preview.total).toBe(1120);
    expect(preview.total_taxes?.map((t) => t.amount)).toEqual([50, 70]);
    const refused = await expectStripeError(stripe.subscriptions.update(sub.id, { items: [{ price: price.id, tax_rates: [gst.id] }] }));
    expect(refused).toMatchObject({ statusCode: 400, code: "emulator_unsupported_parameter" });
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data).toHaveLength(1);
  });

  it("refuses an unknown tax rate and changes nothing", async () => {
    const price = await monthlyPrice(1000);
    const customer = await customerAt(null);
    const err = await expectStripeError(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        default_payment_method: "pm_card_visa",
        default_tax_rates: ["txr_missing"],
      }),
    );
    expect(err).toMatchObject({ statusCode: 400, code: "resource_missing", param: "default_tax_rates[0]" });
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toEqual([]);
  });
});

describe("automatic tax (emulated rate table)", () => {
  async function automaticInvoice(address: Stripe.AddressParam | null, price: Stripe.Price, extra: Stripe.CustomerCreateParams = {}) {
    const customer = await customerAt(address, extra);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: "pm_card_visa",
      automatic_tax: { enabled: true },
    });
    return { customer, sub, invoice: await firstInvoice(sub) };
  }

  it("charges 20% UK VAT on top of an exclusive price, with a retrievable rate", async () => {
    const price = await monthlyPrice(1000, "exclusive");
    const { sub, invoice } = await automaticInvoice({ country: "GB", postal_code: "SW1A 1AA" }, price);
    expect(sub.automatic_tax).toMatchObject({ enabled: true });
    expect(invoice.automatic_tax).toMatchObject({ enabled: true, status: "complete", provider: "stripe" });
    expect(invoice).toMatchObject({ subtotal: 1000, total: 1200, total_excluding_tax: 1000, amount_paid: 1200 });
    expect(invoice.total_taxes).toHaveLength(1);
    expect(invoice.total_taxes?.[0]).toMatchObject({
      amount: 200,
      taxability_reason: "standard_rated",
      tax_behavior: "exclusive",
      taxable_amount: 1000,
    });
    const rate = await stripe.taxRates.retrieve(String(invoice.total_taxes?.[0].tax_rate_details?.tax_rate));
    expect(rate).toMatchObject({ country: "GB", percentage: 20, tax_type: "vat", inclusive: false });
  });

  it("uses the US state rate (California 7.25%) and the inclusive behaviour of the price", async () => {
    const price = await monthlyPrice(10000, "inclusive");
    const { invoice } = await automaticInvoice({ country: "US", state: "CA", postal_code: "94103" }, price);
    // 10000 / 1.0725 = 9324.01 → 9324 net, 676 tax.
    expect(invoice).toMatchObject({ subtotal: 10000, total: 10000, total_excluding_tax: 9324 });
    expect(invoice.total_taxes?.[0]).toMatchObject({
      amount: 676,
      tax_behavior: "inclusive",
      taxability_reason: "standard_rated",
      taxable_amount: 9324,
    });
  });

  it("collects nothing where the account is not registered (not_collecting)", async () => {
    const price = await monthlyPrice(1000, "exclusive");
    const { invoice } = await automaticInvoice({ country: "BR", city: "São Paulo" }, price);
    expect(invoice).toMatchObject({ total: 1000, automatic_tax: { status: "complete" } });
    expect(invoice.total_taxes).toEqual([
      {
        amount: 0,
        tax_behavior: "exclusive",
        tax_rate_details: null,
        taxability_reason: "not_collecting",
        taxable_amount: 1000,
        type: "tax_rate_details",
      },
    ]);
  });

  it("reverse-charges an EU business customer with a VAT ID", async () => {
    const price = await monthlyPrice(1000, "exclusive");
    const { invoice } = await automaticInvoice({ country: "DE", postal_code: "10115" }, price, {
      tax_id_data: [{ type: "eu_vat", value: "DE123456789" }],
    });
    expect(invoice.total).toBe(1000);
    expect(invoice.total_taxes?.[0]).toMatchObject({ amount: 0, taxability_reason: "reverse_charge" });
    expect(invoice.customer_tax_ids).toEqual([{ type: "eu_vat", value: "DE123456789" }]);
  });

  it("the invoice preview shows the same tax as the invoice that follows", async () => {
    const price = await monthlyPrice(2500, "exclusive");
    const { customer, sub, invoice } = await automaticInvoice({ country: "IE", postal_code: "D02" }, price);
    const preview = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id });
    expect(preview.automatic_tax).toMatchObject({ enabled: true, status: "complete" });
    expect({ total: preview.total, taxes: preview.total_taxes }).toEqual({ total: invoice.total, taxes: invoice.total_taxes });
    expect(preview.total).toBe(2500 + 575);
  });

  it("a preview for a customer without an address requires location inputs; a subscription is refused", async () => {
    const price = await monthlyPrice(1000, "exclusive");
    const customer = await customerAt(null);
    await stripe.invoiceItems.create({ customer: customer.id, amount: 500, currency: "usd" });
    const preview = await stripe.invoices.createPreview({ customer: customer.id, automatic_tax: { enabled: true } });
    expect(preview.automatic_tax).toMatchObject({ enabled: true, status: "requires_location_inputs" });
    expect(preview).toMatchObject({ total: 500, total_taxes: [] });
    const err = await expectStripeError(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        default_payment_method: "pm_card_visa",
        automatic_tax: { enabled: true },
      }),
    );
    expect(err).toMatchObject({ statusCode: 400, code: "customer_tax_location_invalid" });
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toEqual([]);
  });

  it("refuses automatic tax for a price without a tax behaviour", async () => {
    const price = await monthlyPrice(1000);
    const customer = await customerAt({ country: "GB" });
    const err = await expectStripeError(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        default_payment_method: "pm_card_visa",
        automatic_tax: { enabled: true },
      }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.message).toContain(`The price \`${price.id}\` does not have a \`tax_behavior\` set`);
  });

  it("enabling automatic tax on an existing subscription taxes its next invoice", async () => {
    const price = await monthlyPrice(1000, "exclusive");
    const customer = await customerAt({ country: "NZ" });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: "pm_card_visa",
    });
    expect((await firstInvoice(sub)).total).toBe(1000);
    const updated = await stripe.subscriptions.update(sub.id, { automatic_tax: { enabled: true } });
    expect(updated.automatic_tax.enabled).toBe(true);
    const preview = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id });
    expect(preview.total).toBe(1150);
  });
});

describe("customer tax IDs", () => {
  it("creates, lists, retrieves and deletes tax IDs, verified when well formed", async () => {
    const customer = await customerAt(null);
    const vat = await stripe.customers.createTaxId(customer.id, { type: "eu_vat", value: "fr 12 345678901" });
    expect(vat).toMatchObject({
      object: "tax_id",
      type: "eu_vat",
      value: "FR12345678901",
      country: "FR",
      customer: customer.id,
      verification: { status: "verified" },
    });
    const abn = await stripe.customers.createTaxId(customer.id, { type: "au_abn", value: "12345678912" });
    expect(abn.country).toBe("AU");
    expect((await stripe.customers.listTaxIds(customer.id)).data.map((t) => t.id)).toEqual([abn.id, vat.id]);
    expect(await stripe.customers.retrieveTaxId(customer.id, vat.id)).toEqual(vat);
    const expanded = await stripe.customers.retrieve(customer.id, { expand: ["tax_ids"] });
    expect(!expanded.deleted && expanded.tax_ids?.data.map((t) => t.id)).toEqual([abn.id, vat.id]);
    expect(await stripe.customers.deleteTaxId(customer.id, vat.id)).toEqual({ id: vat.id, object: "tax_id", deleted: true });
    expect((await stripe.customers.listTaxIds(customer.id)).data.map((t) => t.id)).toEqual([abn.id]);
    const missing = await expectStripeError(stripe.customers.retrieveTaxId(customer.id, vat.id));
    expect(missing).toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("refuses a malformed value with tax_id_invalid and creates nothing", async () => {
    const customer = await customerAt(null);
    for (const [type, value] of [
      ["eu_vat", "XX123"],
      ["gb_vat", "123456789"],
      ["au_abn", "1234"],
      ["us_ein", "12-34"],
    ] as const) {
      const err = await expectStripeError(stripe.customers.createTaxId(customer.id, { type, value }));
      expect(err).toMatchObject({ statusCode: 400, code: "tax_id_invalid", param: "value", message: `Invalid value for ${type}.` });
    }
    expect((await stripe.customers.listTaxIds(customer.id)).data).toEqual([]);
    const before = (await stripe.customers.list()).data.length;
    const err = await expectStripeError(
      stripe.customers.create({ email: "x@example.com", tax_id_data: [{ type: "gb_vat", value: "nope" }] }),
    );
    expect(err).toMatchObject({ code: "tax_id_invalid", param: "tax_id_data[0][value]" });
    expect((await stripe.customers.list()).data.length).toBe(before);
  });
});

async function complete(sessionId: string, body: Record<string, unknown>): Promise<Response> {
  return env.control(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242", ...body });
}

const URLS = { success_url: "http://localhost/success?session_id={CHECKOUT_SESSION_ID}", cancel_url: "http://localhost/cancel" };

describe("Checkout: customer_update, automatic_tax, tax_id_collection", () => {
  it("customer_update auto writes the typed name and address back, and the tax matches the first invoice", async () => {
    const price = await monthlyPrice(1000, "exclusive");
    const customer = await customerAt(null, { name: "Old name" });
    const session = await stripe.checkout.sessions.create({
      ...URLS,
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 1 }],
      automatic_tax: { enabled: true },
      customer_update: { address: "auto", name: "auto" },
    });
    expect(session.automatic_tax).toMatchObject({ enabled: true, status: "requires_location_inputs" });
    const res = await complete(session.id, {
      name: "Ada Lovelace",
      address: { line1: "10 Downing St", city: "London", postal_code: "SW1A 2AA", country: "GB" },
    });
    expect(res.status).toBe(200);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription", "invoice"] });
    expect(done).toMatchObject({
      status: "complete",
      amount_subtotal: 1000,
      amount_total: 1200,
      total_details: { amount_tax: 200 },
      automatic_tax: { status: "complete" },
    });
    expect(done.customer_details?.address).toMatchObject({ country: "GB", line1: "10 Downing St" });
    const updated = await stripe.customers.retrieve(customer.id);
    expect(updated).toMatchObject({
      name: "Ada Lovelace",
      address: { line1: "10 Downing St", city: "London", postal_code: "SW1A 2AA", country: "GB" },
    });
    const sub = done.subscription as Stripe.Subscription;
    expect(sub.automatic_tax.enabled).toBe(true);
    expect((done.invoice as Stripe.Invoice).total).toBe(done.amount_total);
  });

  it("a discount comes off before tax: the session, the first invoice and its tax agree", async () => {
    const price = await monthlyPrice(1000, "exclusive");
    const customer = await customerAt({ country: "GB", line1: "10 Downing St", city: "London", postal_code: "SW1A 2AA" });
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: "once" });
    const session = await stripe.checkout.sessions.create({
      ...URLS,
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: price.id }],
      automatic_tax: { enabled: true },
      discounts: [{ coupon: coupon.id }],
    });
    // 1000 − 10 % = 900, GB VAT 20 % of 900 = 180.
    expect(session).toMatchObject({ amount_subtotal: 1000, amount_total: 1080, total_details: { amount_discount: 100, amount_tax: 180 } });
    expect((await complete(session.id, {})).status).toBe(200);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["invoice"] });
    const invoice = done.invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ subtotal: 1000, total: 1080, amount_paid: 1080 });
    expect(invoice.total_taxes?.reduce((sum, t) => sum + t.amount, 0)).toBe(180);
    expect(invoice.total).toBe(done.amount_total);
  });

  it("without customer_update the customer keeps its details; refusals for customer_update and automatic tax", async () => {
    const price = await monthlyPrice(1000, "exclusive");
    const customer = await customerAt({ country: "AU", line1: "1 George St" }, { name: "Kept" });
    const session = await stripe.checkout.sessions.create({
      ...URLS,
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: price.id }],
      automatic_tax: { enabled: true },
    });
    // The customer's address is known: the tax is there from the start (AU GST 10%).
    expect(session).toMatchObject({ amount_total: 1100, total_details: { amount_tax: 100 }, automatic_tax: { status: "complete" } });
    expect((await complete(session.id, { name: "Typed name" })).status).toBe(200);
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({ name: "Kept", address: { country: "AU" } });

    const noCustomer = await expectStripeError(
      stripe.checkout.sessions.create({
        ...URLS,
        mode: "subscription",
        customer_email: "a@example.com",
        line_items: [{ price: price.id }],
        customer_update: { name: "auto" },
      }),
    );
    expect(noCustomer).toMatchObject({ statusCode: 400, param: "customer_update" });
    const bare = await customerAt(null);
    const needsAddress = await expectStripeError(
      stripe.checkout.sessions.create({
        ...URLS,
        mode: "subscription",
        customer: bare.id,
        line_items: [{ price: price.id }],
        automatic_tax: { enabled: true },
      }),
    );
    expect(needsAddress.message).toContain("Automatic tax calculation in Checkout requires a valid address on the Customer");
    const unspecified = await monthlyPrice(1000);
    const noBehavior = await expectStripeError(
      stripe.checkout.sessions.create({
        ...URLS,
        mode: "subscription",
        customer_email: "a@example.com",
        line_items: [{ price: unspecified.id }],
        automatic_tax: { enabled: true },
      }),
    );
    expect(noBehavior.message).toContain("does not have a `tax_behavior` set");
  });

  it("tax_id_collection saves the tax ID on the new customer and the session; a malformed one changes nothing", async () => {
    const price = await monthlyPrice(5000, "exclusive");
    const session = await stripe.checkout.sessions.create({
      ...URLS,
      mode: "subscription",
      customer_email: "buyer@example.fr",
      line_items: [{ price: price.id }],
      automatic_tax: { enabled: true },
      tax_id_collection: { enabled: true },
    });
    expect(session.tax_id_collection).toMatchObject({ enabled: true });
    const address = { line1: "1 rue de Rivoli", city: "Paris", postal_code: "75001", country: "FR" };
    const bad = await complete(session.id, { address, taxId: { type: "eu_vat", value: "FR1" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("tax_id_invalid");
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");

    const res = await complete(session.id, { address, taxId: { type: "eu_vat", value: "FR 12345678901" }, businessName: "Acme SARL" });
    expect(res.status).toBe(200);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["invoice"] });
    expect(done.customer_details).toMatchObject({ business_name: "Acme SARL", tax_ids: [{ type: "eu_vat", value: "FR12345678901" }] });
    // A business with an EU VAT ID: reverse charge, no tax.
    expect(done).toMatchObject({ amount_total: 5000, total_details: { amount_tax: 0 } });
    const customerId = String(done.customer);
    expect((await stripe.customers.listTaxIds(customerId)).data.map((t) => t.value)).toEqual(["FR12345678901"]);
    expect(await stripe.customers.retrieve(customerId)).toMatchObject({ name: "Acme SARL", address: { country: "FR" } });
    expect((done.invoice as Stripe.Invoice).customer_tax_ids).toEqual([{ type: "eu_vat", value: "FR12345678901" }]);
  });

  it("billing_address_collection 'required' asks for the address and saves it on the new customer", async () => {
    const price = await monthlyPrice(1000);
    const session = await stripe.checkout.sessions.create({
      ...URLS,
      mode: "subscription",
      customer_email: "bill@example.com",
      line_items: [{ price: price.id }],
      billing_address_collection: "required",
    });
    const page = await (await fetch(String(session.url))).text();
    expect(page).toContain("<legend>Billing address</legend>");
    const missing = await complete(session.id, {});
    expect(missing.status).toBe(400);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
    expect(
      (
        await complete(session.id, {
          name: "Bill",
          address: { line1: "1 Main St", city: "Austin", state: "TX", postal_code: "78701", country: "US" },
        })
      ).status,
    ).toBe(200);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done.customer_details?.address).toMatchObject({ line1: "1 Main St", state: "TX", country: "US" });
    expect(await stripe.customers.retrieve(String(done.customer))).toMatchObject({
      name: "Bill",
      address: { city: "Austin", country: "US" },
    });
    // No automatic tax: the address changes nothing in the amount.
    expect(done.amount_total).toBe(1000);
  });

  it("line_items tax_rates carry to the subscription items and the invoice", async () => {
    const price = await monthlyPrice(1000);
    const rate = await stripe.taxRates.create({ display_name: "GST", percentage: 10, inclusive: false });
    const customer = await customerAt(null);
    const session = await stripe.checkout.sessions.create({
      ...URLS,
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 2, tax_rates: [rate.id] }],
    });
    expect(session).toMatchObject({ amount_subtotal: 2000, amount_total: 2200, total_details: { amount_tax: 200 } });
    expect((await complete(session.id, {})).status).toBe(200);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription", "invoice"] });
    expect((done.subscription as Stripe.Subscription).items.data[0].tax_rates?.map((r) => r.id)).toEqual([rate.id]);
    expect((done.invoice as Stripe.Invoice).total).toBe(2200);
  });
});

describe("Checkout: shipping", () => {
  it("shipping_options add the chosen rate to the total; the shipping address is collected", async () => {
    const product = await stripe.products.create({ name: "Mug" });
    const price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 2000 });
    const express = await stripe.shippingRates.create({
      display_name: "Express",
      type: "fixed_amount",
      fixed_amount: { amount: 1500, currency: "usd" },
    });
    expect(await stripe.shippingRates.retrieve(express.id)).toMatchObject({
      object: "shipping_rate",
      display_name: "Express",
      fixed_amount: { amount: 1500, currency: "usd" },
    });
    const session = await stripe.checkout.sessions.create({
      ...URLS,
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
      shipping_address_collection: { allowed_countries: ["US", "CA"] },
      shipping_options: [
        { shipping_rate_data: { display_name: "Standard", type: "fixed_amount", fixed_amount: { amount: 500, currency: "usd" } } },
        { shipping_rate: express.id },
      ],
    });
    expect(session.shipping_options.map((o) => o.shipping_amount)).toEqual([500, 1500]);
    expect(session).toMatchObject({
      amount_total: 2500,
      total_details: { amount_shipping: 500 },
      shipping_address_collection: { allowed_countries: ["US", "CA"] },
    });
    const shipping = {
      name: "Grace Hopper",
      address: { line1: "1 Main St", city: "Arlington", postal_code: "22201", state: "VA", country: "US" },
    };
    const refused = await complete(session.id, {
      shipping: { ...shipping, address: { ...shipping.address, country: "FR" } },
      shippingRate: express.id,
    });
    expect(refused.status).toBe(400);
    expect((await complete(session.id, { shipping, shippingRate: express.id })).status).toBe(200);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({
      amount_total: 3500,
      total_details: { amount_shipping: 1500 },
      shipping_cost: { amount_total: 1500, shipping_rate: express.id },
    });
    expect(done.collected_information?.shipping_details).toMatchObject({ name: "Grace Hopper", address: { country: "US", state: "VA" } });
    expect(await stripe.customers.retrieve(String(done.customer))).toMatchObject({ shipping: { name: "Grace Hopper" } });
  });

  it("a shipping rate keeps its delivery_estimate (created directly or through shipping_rate_data); a value below 1 is refused", async () => {
    const rate = await stripe.shippingRates.create({
      display_name: "Ground",
      type: "fixed_amount",
      fixed_amount: { amount: 700, currency: "usd" },
      delivery_estimate: { minimum: { unit: "business_day", value: 5 }, maximum: { unit: "business_day", value: 7 } },
    });
    expect((await stripe.shippingRates.retrieve(rate.id)).delivery_estimate).toEqual({
      minimum: { unit: "business_day", value: 5 },
      maximum: { unit: "business_day", value: 7 },
    });
    const product = await stripe.products.create({ name: "Lamp" });
    const price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 3000 });
    const session = await stripe.checkout.sessions.create({
      ...URLS,
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
      shipping_options: [
        {
          shipping_rate_data: {
            display_name: "Standard",
            type: "fixed_amount",
            fixed_amount: { amount: 500, currency: "usd" },
            delivery_estimate: { maximum: { unit: "week", value: 2 } },
          },
        },
      ],
    });
    const created = await stripe.shippingRates.retrieve(String(session.shipping_options[0].shipping_rate));
    expect(created.delivery_estimate).toEqual({ minimum: null, maximum: { unit: "week", value: 2 } });
    const before = (await stripe.shippingRates.list()).data.length;
    const err = await expectStripeError(
      stripe.shippingRates.create({
        display_name: "Now",
        type: "fixed_amount",
        fixed_amount: { amount: 1, currency: "usd" },
        delivery_estimate: { minimum: { unit: "hour", value: 0 } },
      }),
    );
    expect(err).toMatchObject({ statusCode: 400, param: "delivery_estimate[minimum][value]" });
    expect((await stripe.shippingRates.list()).data).toHaveLength(before);
  });

  it("refuses shipping_options in subscription mode as not supported by the emulator", async () => {
    const price = await monthlyPrice(1000);
    const err = await expectStripeError(
      stripe.checkout.sessions.create({
        ...URLS,
        mode: "subscription",
        customer_email: "a@example.com",
        line_items: [{ price: price.id }],
        shipping_options: [
          { shipping_rate_data: { display_name: "S", type: "fixed_amount", fixed_amount: { amount: 1, currency: "usd" } } },
        ],
      }),
    );
    expect(err).toMatchObject({ statusCode: 400, code: "emulator_unsupported_parameter" });
    expect((await stripe.shippingRates.list()).data).toEqual([]);
  });
});

describe("prices: currency_options", () => {
  it("stores per-currency amounts, returns them with expand, and Checkout in EUR bills the EUR option", async () => {
    const product = await stripe.products.create({ name: "Global" });
    const price = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 1000,
      tax_behavior: "exclusive",
      recurring: { interval: "month" },
      currency_options: { eur: { unit_amount: 900, tax_behavior: "inclusive" } },
    });
    expect(price.currency_options).toBeUndefined();
    await stripe.prices.update(price.id, { currency_options: { gbp: { unit_amount: 800, tax_behavior: "exclusive" } } });
    const expanded = await stripe.prices.retrieve(price.id, { expand: ["currency_options"] });
    expect(expanded.currency_options).toMatchObject({
      usd: { unit_amount: 1000, tax_behavior: "exclusive" },
      eur: { unit_amount: 900, unit_amount_decimal: "900", tax_behavior: "inclusive" },
      gbp: { unit_amount: 800, tax_behavior: "exclusive" },
    });
    const customer = await customerAt({ country: "DE", line1: "Unter den Linden 1" });
    const session = await stripe.checkout.sessions.create({
      ...URLS,
      mode: "subscription",
      currency: "eur",
      customer: customer.id,
      line_items: [{ price: price.id }],
      automatic_tax: { enabled: true },
    });
    // EUR option, tax-inclusive: DE 19% is inside the 9.00 (900 / 1.19 = 756.30 → 144 tax).
    expect(session).toMatchObject({ currency: "eur", amount_total: 900, total_details: { amount_tax: 144 } });
    expect((await complete(session.id, {})).status).toBe(200);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription", "invoice"] });
    expect((done.subscription as Stripe.Subscription).currency).toBe("eur");
    expect(done.invoice as Stripe.Invoice).toMatchObject({ currency: "eur", total: 900, total_excluding_tax: 756 });
    const err = await expectStripeError(
      stripe.checkout.sessions.create({
        ...URLS,
        mode: "subscription",
        currency: "jpy",
        customer: customer.id,
        line_items: [{ price: price.id }],
      }),
    );
    expect(err).toMatchObject({ statusCode: 400, param: "line_items[0][price]" });
  });
});

describe("the hosted Checkout page", () => {
  it("asks for the billing address and tax ID with labelled fields, and saves what was typed", async () => {
    const price = await monthlyPrice(1000, "exclusive");
    const customer = await customerAt(null);
    const session = await stripe.checkout.sessions.create({
      ...URLS,
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: price.id }],
      automatic_tax: { enabled: true },
      tax_id_collection: { enabled: true },
      customer_update: { address: "auto", name: "auto" },
    });
    const page = await (await fetch(String(session.url))).text();
    for (const id of ["address_line1", "address_country", "tax_id_type", "tax_id_value", "business_name"])
      expect(page).toContain(`<label for="${id}">`);
    expect(page).toContain("Calculated from your address");
    const form = new URLSearchParams({
      email: "tax@example.com",
      card_number: "4242424242424242",
      name: "Card Holder",
      address_line1: "5 Queen St",
      address_city: "Auckland",
      address_postal_code: "1010",
      address_country: "NZ",
      business_name: "Kiwi Ltd",
      tax_id_type: "nz_gst",
      tax_id_value: "123456789",
    });
    const res = await fetch(`${env.handle.url}/checkout/${session.id}/pay`, {
      method: "POST",
      body: form,
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`http://localhost/success?session_id=${session.id}`);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({ status: "complete", amount_total: 1150, total_details: { amount_tax: 150 } });
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({
      name: "Kiwi Ltd",
      address: { line1: "5 Queen St", country: "NZ" },
    });
    expect((await stripe.customers.listTaxIds(customer.id)).data.map((t) => [t.type, t.value])).toEqual([["nz_gst", "123456789"]]);
  });

  it("keeps the typed address through the 3-D Secure step", async () => {
    const price = await monthlyPrice(1000, "exclusive");
    const session = await stripe.checkout.sessions.create({
      ...URLS,
      mode: "subscription",
      customer_email: "sca@example.com",
      line_items: [{ price: price.id }],
      automatic_tax: { enabled: true },
    });
    const post = (path: string, form: Record<string, string>) =>
      fetch(`${env.handle.url}/checkout/${session.id}/${path}`, {
        method: "POST",
        body: new URLSearchParams(form),
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
    const challenge = await post("pay", {
      email: "sca@example.com",
      card_number: "4000002760003184",
      name: "Sam",
      address_line1: "1 Bay St",
      address_state: "ON",
      address_country: "CA",
    });
    expect(challenge.status).toBe(200);
    const hidden = /name="details" value="([^"]*)"/.exec(await challenge.text())?.[1] ?? "";
    const details = hidden
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, "&");
    const res = await post("authenticate", { email: "sca@example.com", name: "Sam", details, action: "complete" });
    expect(res.status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    // Ontario HST 13%.
    expect(done).toMatchObject({ status: "complete", amount_total: 1130, total_details: { amount_tax: 130 } });
    expect(await stripe.customers.retrieve(String(done.customer))).toMatchObject({ address: { state: "ON", country: "CA" } });
  });
});
