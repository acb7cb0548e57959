import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { GET as checkoutStatusRoute } from "@/app/api/billing/checkout/status/route";
import { POST as portalRoute } from "@/app/api/billing/portal/route";
import { GET as subscriptionRoute } from "@/app/api/billing/subscription/route";
import { POST as changeRoute } from "@/app/api/billing/subscription/change/route";
import { GET as invoicesRoute } from "@/app/api/billing/invoices/route";
import { billingCustomers, invoices, subscriptions, webhookEvents } from "@/db/schema";
import { embeddedCheckoutView } from "@/lib/billing/embedded-checkout";
import { lookupKeyFor } from "@/lib/billing/plans";
import type { BillingSummary } from "@/lib/billing/summary";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

const sessionIdFromUrl = (url: string) => /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1] as string;

describe.each(POOLED_DATABASE_KINDS)("checkout through the emulator on %s", (kind) => {
  let env: BillingEnv;
  beforeAll(async () => {
    env = await startBillingEnv(kind);
  });
  afterAll(() => env.stop());

  async function checkout(userId: string, body: unknown) {
    return checkoutRoute(await requestAs(userId, "/api/billing/checkout", { method: "POST", body }));
  }

  async function summary(userId: string): Promise<BillingSummary> {
    const res = await subscriptionRoute(await requestAs(userId, "/api/billing/subscription"));
    expect(res.status).toBe(200);
    return (await res.json()) as BillingSummary;
  }

  it("subscribes a user to Pro with its trial, and every webhook lands once", async () => {
    const user = await env.createUser();
    expect((await summary(user.id)).plan.id).toBe("free");

    const res = await checkout(user.id, { plan: "pro", interval: "month" });
    expect(res.status).toBe(200);
    const { url } = (await res.json()) as { url: string };
    expect(url).toContain(env.emulator.url);
    const sessionId = sessionIdFromUrl(url);

    const session = await env.stripe.checkout.sessions.retrieve(sessionId);
    expect(session.client_reference_id).toBe(user.id);
    const [customer] = await env.database.db.select().from(billingCustomers).where(eq(billingCustomers.accountId, user.id));
    expect(session.customer).toBe(customer.providerCustomerId);
    const stripeCustomer = await env.stripe.customers.retrieve(customer.providerCustomerId);
    expect("metadata" in stripeCustomer ? stripeCustomer.metadata : null).toMatchObject({ accountId: user.id });

    const done = await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" });
    expect(done.status).toBe(200);
    await env.flush();

    const result = await summary(user.id);
    expect(result).toMatchObject({ plan: { id: "pro" }, status: "trialing", interval: "month", cancelAtPeriodEnd: false });
    expect(result.trialEnd).not.toBeNull();
    expect(result.entitlements.limits.api_calls).toBe(50_000);

    const rows = await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, user.id));
    expect(rows).toHaveLength(1);
    const events = await env.database.db.select().from(webhookEvents);
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.status === "failed")).toEqual([]);
    expect(env.webhookResponses.every((status) => status === 200)).toBe(true);
    const userInvoices = await env.database.db.select().from(invoices).where(eq(invoices.accountId, user.id));
    expect(userInvoices).toHaveLength(1);
    expect(userInvoices[0]).toMatchObject({ status: "paid", total: 0, currency: "usd" });

    const list = await invoicesRoute(await requestAs(user.id, "/api/billing/invoices"));
    const listed = (await list.json()) as { invoices: Array<{ id: string; hostedInvoiceUrl: string | null }> };
    expect(listed.invoices).toHaveLength(1);
    expect(listed.invoices[0].hostedInvoiceUrl).toContain("/invoices/");

    const status = await checkoutStatusRoute(await requestAs(user.id, `/api/billing/checkout/status?session_id=${sessionId}`));
    expect(await status.json()).toMatchObject({ status: "complete", confirmed: true, summary: { plan: { id: "pro" } } });
  });

  it("Embedded Checkout: ui embedded gives the app's /checkout page and a client secret, shown to its account only, and returns to the same success sync", async () => {
    const user = await env.createUser();
    const res = await checkout(user.id, { plan: "pro", interval: "month", ui: "embedded" });
    expect(res.status).toBe(200);
    const started = (await res.json()) as { ui: string; url: string; sessionId: string; clientSecret: string };
    expect(started).toEqual({
      ui: "embedded",
      url: `http://app.test/checkout?session=${started.sessionId}`,
      sessionId: expect.stringMatching(/^cs_test_/),
      clientSecret: expect.stringMatching(/_secret_/),
    });
    const session = await env.stripe.checkout.sessions.retrieve(started.sessionId);
    expect(session).toMatchObject({
      ui_mode: "embedded_page",
      url: null,
      success_url: null,
      cancel_url: null,
      client_secret: started.clientSecret,
      client_reference_id: user.id,
    });
    expect(session.return_url).toBe("http://app.test/billing/success?session_id={CHECKOUT_SESSION_ID}");

    // The /checkout page's read: the client secret and Stripe.js (the emulator's stand-in) for the account, 404 for another.
    expect(await embeddedCheckoutView(user.id, started.sessionId)).toEqual({
      state: "open",
      clientSecret: started.clientSecret,
      client: { publishableKey: "pk_test_emulator", stripeJsUrl: `${env.emulator.url}/v3` },
    });
    const other = await env.createUser();
    await expect(embeddedCheckoutView(other.id, started.sessionId)).rejects.toMatchObject({ code: "not_found" });
    await expect(embeddedCheckoutView(user.id, "cs_test_unknown")).rejects.toMatchObject({ code: "not_found" });
    await expect(embeddedCheckoutView(user.id, "../v1/customers")).rejects.toMatchObject({ code: "not_found" });
    const bad = await checkout(user.id, { plan: "pro", interval: "month", ui: "popup" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "bad_request" });

    // A hosted one (the emulator's default) keeps its Stripe URL, and the page sends its account there.
    const hosted = (await (await checkout(other.id, { plan: "pro", interval: "month" })).json()) as {
      ui: string;
      url: string;
      sessionId: string;
    };
    expect(hosted).toEqual({ ui: "hosted", url: `${env.emulator.url}/checkout/${hosted.sessionId}`, sessionId: hosted.sessionId });
    expect(await embeddedCheckoutView(other.id, hosted.sessionId)).toEqual({ state: "hosted", url: hosted.url });

    expect(
      (await env.emulatorControl(`/_emulator/checkout/sessions/${started.sessionId}/complete`, { card: "4242424242424242" })).status,
    ).toBe(200);
    expect(await embeddedCheckoutView(user.id, started.sessionId)).toEqual({
      state: "complete",
      successPath: `/billing/success?session_id=${started.sessionId}`,
    });
    const status = await checkoutStatusRoute(await requestAs(user.id, `/api/billing/checkout/status?session_id=${started.sessionId}`));
    expect(await status.json()).toMatchObject({ status: "complete", summary: { plan: { id: "pro" } } });
    await env.flush();
  });

  /** Completes a checkout with a good card and answers the Stripe subscription it created, with its first invoice. */
  async function payCheckout(url: string) {
    const sessionId = sessionIdFromUrl(url);
    expect((await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" })).status).toBe(
      200,
    );
    const session = await env.stripe.checkout.sessions.retrieve(sessionId);
    return env.stripe.subscriptions.retrieve(session.subscription as string, { expand: ["latest_invoice"] });
  }

  it("one trial per account: trial, cancel, subscribe again gets no trial and is charged at once", async () => {
    const user = await env.createUser();
    expect((await summary(user.id)).trialUsed).toBe(false);
    const first = await payCheckout(((await (await checkout(user.id, { plan: "pro", interval: "month" })).json()) as { url: string }).url);
    expect(first.status).toBe("trialing");
    expect(first.trial_end).not.toBeNull();
    await env.flush();
    expect(await summary(user.id)).toMatchObject({ status: "trialing", trialUsed: true });

    await env.stripe.subscriptions.cancel(first.id);
    await env.flush();
    expect(await summary(user.id)).toMatchObject({ plan: { id: "free" }, trialUsed: true });
    // The app's plan change acts on a live subscription only: from here it cannot start anything, trial or not.
    const change = await changeRoute(
      await requestAs(user.id, "/api/billing/subscription/change", { method: "POST", body: { plan: "pro", interval: "month" } }),
    );
    expect(await change.json()).toMatchObject({ error: "no_subscription" });

    const again = await payCheckout(((await (await checkout(user.id, { plan: "pro", interval: "month" })).json()) as { url: string }).url);
    expect(again.id).not.toBe(first.id);
    expect(again).toMatchObject({ status: "active", trial_start: null, trial_end: null });
    expect(again.latest_invoice).toMatchObject({ status: "paid", amount_paid: 1_900, currency: "usd" });
    await env.flush();
    expect(await summary(user.id)).toMatchObject({ plan: { id: "pro" }, status: "active", trialEnd: null });
  });

  it("a customer whose trial only Stripe knows (missed webhooks) gets no second trial", async () => {
    const user = await env.createUser();
    // The first checkout creates the customer; the user walks away from it (and it expires, so the
    // next checkout's session is the only open one even when both were created in the same second).
    const walkedAway = (await (await checkout(user.id, { plan: "pro", interval: "month" })).json()) as { url: string };
    await env.stripe.checkout.sessions.expire(sessionIdFromUrl(walkedAway.url));
    const [customer] = await env.database.db.select().from(billingCustomers).where(eq(billingCustomers.accountId, user.id));
    const [price] = (await env.stripe.prices.list({ lookup_keys: [lookupKeyFor("pro", "month")], active: true })).data;
    await env.emulatorControl("/_emulator/config", { deliveryPaused: true });
    try {
      // A trial started and ended in Stripe while every webhook was lost.
      const trial = await env.stripe.subscriptions.create({
        customer: customer.providerCustomerId,
        items: [{ price: price.id }],
        trial_period_days: 14,
      });
      expect(trial.status).toBe("trialing");
      await env.stripe.subscriptions.cancel(trial.id);
      expect(await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, user.id))).toHaveLength(0);
      expect((await summary(user.id)).trialUsed).toBe(false);

      const again = await payCheckout(
        ((await (await checkout(user.id, { plan: "pro", interval: "month" })).json()) as { url: string }).url,
      );
      expect(again).toMatchObject({ status: "active", trial_start: null, trial_end: null });
      expect(again.latest_invoice).toMatchObject({ status: "paid", amount_paid: 1_900 });
    } finally {
      await env.emulatorControl("/_emulator/config", { deliveryPaused: false });
      await env.flush();
    }
    expect(await summary(user.id)).toMatchObject({ plan: { id: "pro" }, status: "active", trialUsed: true });
  });

  it("refuses a second subscription with 409 and a pointer to plan change", async () => {
    const user = await env.createUser();
    const first = (await (await checkout(user.id, { plan: "scale", interval: "year" })).json()) as { url: string };
    await env.emulatorControl(`/_emulator/checkout/sessions/${sessionIdFromUrl(first.url)}/complete`, { card: "4242424242424242" });
    await env.flush();
    const again = await checkout(user.id, { plan: "pro", interval: "month" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: "subscription_exists", changePlanUrl: "/billing#change-plan" });
  });

  it("repairs a missed webhook when a paying user tries to check out again", async () => {
    const user = await env.createUser();
    const first = (await (await checkout(user.id, { plan: "pro", interval: "month" })).json()) as { url: string };
    await env.emulatorControl("/_emulator/config", { deliveryPaused: true });
    try {
      await env.emulatorControl(`/_emulator/checkout/sessions/${sessionIdFromUrl(first.url)}/complete`, { card: "4242424242424242" });
      expect(await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, user.id))).toHaveLength(0);
      const again = await checkout(user.id, { plan: "scale", interval: "month" });
      expect(again.status).toBe(409);
      expect((await summary(user.id)).plan.id).toBe("pro");
    } finally {
      await env.emulatorControl("/_emulator/config", { deliveryPaused: false });
      await env.flush();
    }
  });

  it("two concurrent checkout requests create one Stripe customer and leave one open session", async () => {
    const user = await env.createUser();
    const [a, b] = await Promise.all([
      checkout(user.id, { plan: "pro", interval: "month" }),
      checkout(user.id, { plan: "pro", interval: "month" }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const customers = await env.database.db.select().from(billingCustomers).where(eq(billingCustomers.accountId, user.id));
    expect(customers).toHaveLength(1);
    const inStripe = (await env.stripe.customers.list({ limit: 100 })).data.filter((c) => c.metadata.accountId === user.id);
    expect(inStripe).toHaveLength(1);
    const open = await env.stripe.checkout.sessions.list({ customer: customers[0].providerCustomerId, status: "open" });
    expect(open.data).toHaveLength(1);
  });

  it("a declined card creates no subscription and the user stays on Free", async () => {
    const user = await env.createUser();
    const { url } = (await (await checkout(user.id, { plan: "pro", interval: "month" })).json()) as { url: string };
    const res = await env.emulatorControl(`/_emulator/checkout/sessions/${sessionIdFromUrl(url)}/complete`, { card: "4000000000000002" });
    expect(res.status).toBe(402);
    await env.flush();
    expect(await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, user.id))).toHaveLength(0);
    expect((await summary(user.id)).plan.id).toBe("free");
  });

  it.each([
    [{ plan: "gold", interval: "month" }, /Unknown plan/],
    [{ plan: "enterprise", interval: "month" }, /contact sales/],
    [{ plan: "free", interval: "month" }, /cannot be purchased/],
    [{ plan: "pro", interval: "week" }, /interval/],
    [{ interval: "month" }, /plan/],
  ])("rejects %o with 400 and creates nothing", async (body, message) => {
    const user = await env.createUser();
    const res = await checkout(user.id, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
    expect(await env.database.db.select().from(billingCustomers).where(eq(billingCustomers.accountId, user.id))).toHaveLength(0);
  });

  it("requires a session: 401 JSON", async () => {
    const res = await checkout(null as unknown as string, { plan: "pro", interval: "month" });
    expect(res.status).toBe(401);
  });

  it("portal: 400 before any checkout, a portal URL after", async () => {
    const user = await env.createUser();
    const before = await portalRoute(await requestAs(user.id, "/api/billing/portal", { method: "POST" }));
    expect(before.status).toBe(400);
    expect(await before.json()).toMatchObject({ error: "no_billing_customer" });
    await checkout(user.id, { plan: "pro", interval: "month" });
    const after = await portalRoute(await requestAs(user.id, "/api/billing/portal", { method: "POST" }));
    expect(after.status).toBe(200);
    expect(((await after.json()) as { url: string }).url).toContain(`${env.emulator.url}/portal/`);
  });
});
