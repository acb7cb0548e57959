import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { GET as detailsGet, POST as detailsPost } from "@/app/api/billing/details/route";
import { POST as trialRoute } from "@/app/api/billing/trial/route";
import { billingCustomers, invoices, subscriptions, trialUses, webhookEvents, type User } from "@/db/schema";
import { getBillingOverview } from "@/lib/billing/overview";
import { lookupKeyFor } from "@/lib/billing/plans";
import { DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

const DAY = 86_400;
/** 2027-05-01T00:00:00Z: a fixed start so the renewal is a known date. */
const T0 = Date.UTC(2027, 4, 1) / 1000;
const sessionIdFromUrl = (url: string) => /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1] as string;

/**
 * Stripe Tax (STRIPE_TAX=on) end to end against the emulator's documented rate table
 * (packages/stripe-emulator/src/billing/tax.ts): billing details set through the API, Checkout with
 * automatic tax, the webhook's invoice sync storing the tax lines, and the billing page's domain read.
 */
describe.each(DATABASE_KINDS)("Stripe Tax on %s", (kind) => {
  let env: BillingEnv;
  const previous = process.env.STRIPE_TAX;
  beforeAll(async () => {
    process.env.STRIPE_TAX = "on";
    env = await startBillingEnv(kind);
  });
  afterAll(async () => {
    await env.stop();
    if (previous === undefined) delete process.env.STRIPE_TAX;
    else process.env.STRIPE_TAX = previous;
  });

  /** A user whose Stripe customer lives on a test clock frozen at T0. */
  async function clockedUser(): Promise<{ user: User; clockId: string; customerId: string }> {
    const user = await env.createUser();
    const clock = await env.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await env.stripe.customers.create({ email: user.email, test_clock: clock.id, metadata: { accountId: user.id } });
    await env.database.db.insert(billingCustomers).values({ accountId: user.id, providerCustomerId: customer.id, email: user.email });
    return { user, clockId: clock.id, customerId: customer.id };
  }

  async function call(handler: (r: never) => Promise<Response>, userId: string, url: string, body?: unknown) {
    const res = await handler((await requestAs(userId, url, body === undefined ? {} : { method: "POST", body })) as never);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const setDetails = (userId: string, body: unknown) => call(detailsPost, userId, "/api/billing/details", body);

  /** Checkout for Scale monthly ($99), paid with a card through the emulator's control endpoint. */
  async function subscribe(userId: string) {
    const res = await call(checkoutRoute, userId, "/api/billing/checkout", { plan: "scale", interval: "month" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const sessionId = sessionIdFromUrl(String(res.body.url));
    const session = await env.stripe.checkout.sessions.retrieve(sessionId);
    expect(session.automatic_tax.enabled).toBe(true);
    expect(session.tax_id_collection?.enabled).toBe(true);
    const done = await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" });
    expect(done.status, await done.clone().text()).toBe(200);
    await env.flush();
  }

  const invoicesOf = (accountId: string) =>
    env.database.db.select().from(invoices).where(eq(invoices.accountId, accountId)).orderBy(asc(invoices.providerCreatedAt));

  it(
    "an address in a taxed country: VAT on the first invoice and on the renewal, shown by the billing page's read",
    { timeout: 30_000 },
    async () => {
      const { user, clockId } = await clockedUser();
      const saved = await setDetails(user.id, {
        name: "Muster GmbH",
        address: { line1: "Unter den Linden 1", city: "Berlin", postalCode: "10117", country: "de" },
      });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      expect(saved.body).toMatchObject({ name: "Muster GmbH", address: { country: "DE", city: "Berlin" }, taxIds: [], taxEnabled: true });

      // Prices carry the catalog's tax behaviour (Stripe Tax refuses prices without one).
      const price = (await env.stripe.prices.list({ lookup_keys: [lookupKeyFor("scale", "month")] })).data[0];
      expect(price.tax_behavior).toBe("exclusive");

      await subscribe(user.id);
      const vat = { amount: 1_881, rate: 19, displayName: "VAT", inclusive: false, reason: "standard_rated", jurisdiction: "DE" };
      const [first] = await invoicesOf(user.id);
      expect(first).toMatchObject({ status: "paid", subtotal: 9_900, total: 11_781, amountPaid: 11_781 });
      expect(first.taxes.filter((t) => t.amount > 0)).toEqual([vat]);

      // The renewal a month later: the same VAT line.
      await env.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: T0 + 32 * DAY });
      await env.flush();
      const rows = await invoicesOf(user.id);
      expect(rows).toHaveLength(2);
      expect(rows[1]).toMatchObject({ billingReason: "subscription_cycle", status: "paid", total: 11_781 });
      expect(rows[1].taxes.filter((t) => t.amount > 0)).toEqual([vat]);

      const overview = await getBillingOverview(user.id, "owner", { invoicePageSize: 10 });
      expect(overview.invoices?.invoices.map((i) => i.taxes.filter((t) => t.amount > 0))).toEqual([[vat], [vat]]);
    },
  );

  it("a business with a valid EU VAT ID is reverse charged: no tax, and its VAT ID on the invoice", { timeout: 30_000 }, async () => {
    const { user } = await clockedUser();
    const saved = await setDetails(user.id, {
      name: "Exemple SARL",
      address: { line1: "1 rue de Rivoli", city: "Paris", postalCode: "75001", country: "FR" },
      taxId: { type: "eu_vat", value: "FR 12 345678901" },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.taxIds).toEqual([{ type: "eu_vat", value: "FR12345678901", verification: "verified" }]);

    await subscribe(user.id);
    const [invoice] = await invoicesOf(user.id);
    expect(invoice).toMatchObject({
      status: "paid",
      subtotal: 9_900,
      total: 9_900,
      customerTaxIds: [{ type: "eu_vat", value: "FR12345678901" }],
    });
    expect(invoice.taxes.length).toBeGreaterThan(0);
    expect(invoice.taxes.every((t) => t.amount === 0 && t.reason === "reverse_charge")).toBe(true);

    const overview = await getBillingOverview(user.id, "owner", { invoicePageSize: 10 });
    expect(overview.taxIds).toEqual([{ type: "eu_vat", value: "FR12345678901" }]);
    // Stripe's customer.tax_id.created is applied too (re-reading the customer's tax IDs).
    const taxIdEvents = await env.database.db.select().from(webhookEvents).where(eq(webhookEvents.type, "customer.tax_id.created"));
    expect(taxIdEvents.map((e) => e.status)).toContain("processed");
    expect(overview.invoices?.invoices[0].taxes.every((t) => t.reason === "reverse_charge")).toBe(true);
  });

  it("a tax ID Stripe refuses is a 400 invalid_tax_id with Stripe's reason, and changes nothing", async () => {
    const { user, customerId } = await clockedUser();
    const good = {
      name: "Acme Ltd",
      address: { line1: "1 High St", city: "London", postalCode: "SW1A 1AA", country: "GB" },
      taxId: { type: "gb_vat", value: "GB123456789" },
    };
    const first = await setDetails(user.id, good);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const bad = await setDetails(user.id, {
      ...good,
      name: "Renamed Ltd",
      address: { ...good.address, city: "Leeds" },
      taxId: { type: "eu_vat", value: "DE12" },
    });
    expect(bad).toMatchObject({ status: 400, body: { error: "invalid_tax_id", message: "Invalid value for eu_vat." } });
    const read = await call(detailsGet, user.id, "/api/billing/details");
    expect(read.body).toMatchObject({ name: "Acme Ltd", address: { city: "London" }, taxIds: [{ type: "gb_vat", value: "GB123456789" }] });
    expect((await env.stripe.customers.listTaxIds(customerId)).data.map((t) => t.value)).toEqual(["GB123456789"]);
    const [row] = await env.database.db.select().from(billingCustomers).where(eq(billingCustomers.accountId, user.id));
    expect(row.taxIds).toEqual([{ type: "gb_vat", value: "GB123456789" }]);

    // Bad input never reaches Stripe: 400 with the field.
    const noState = await setDetails(user.id, {
      name: "X",
      address: { line1: "1 Main St", city: "Austin", postalCode: "78701", country: "US" },
    });
    expect(noState).toMatchObject({ status: 400, body: { error: "bad_request" } });
    expect(JSON.stringify(noState.body)).toContain("address.state");
  });

  it("a card-less trial needs a billing address first (400 billing_address_required, nothing claimed), then computes tax", async () => {
    const { user } = await clockedUser();
    const refused = await call(trialRoute, user.id, "/api/billing/trial", { plan: "pro" });
    expect(refused).toMatchObject({ status: 400, body: { error: "billing_address_required" } });
    expect(await env.database.db.select().from(trialUses).where(eq(trialUses.accountId, user.id))).toEqual([]);

    expect(
      (
        await setDetails(user.id, {
          name: "Kiwi Ltd",
          address: { line1: "1 Queen St", city: "Auckland", postalCode: "1010", country: "NZ" },
        })
      ).status,
    ).toBe(200);
    const started = await call(trialRoute, user.id, "/api/billing/trial", { plan: "pro" });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const [sub] = await env.database.db
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.accountId, user.id), eq(subscriptions.status, "trialing")));
    expect((await env.stripe.subscriptions.retrieve(sub.providerSubscriptionId)).automatic_tax.enabled).toBe(true);
  });
});
