import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { POST as cardRoute } from "@/app/api/billing/card/route";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { POST as trialRoute } from "@/app/api/billing/trial/route";
import { billingCustomers, notifications, trialUses, type User } from "@/db/schema";
import { findPlan, type Plan } from "@/lib/billing/plans";
import { getBillingOverview } from "@/lib/billing/overview";
import { getBillingSummary } from "@/lib/billing/summary";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

const DAY = 86_400;
/** 2027-03-01T00:00:00Z: a fixed start so trial arithmetic is deterministic. */
const T0 = Date.UTC(2027, 2, 1) / 1000;
const TRIAL_END = T0 + 14 * DAY;
const at = (seconds: number) => new Date(seconds * 1000);

describe.each(POOLED_DATABASE_KINDS)("card-less trials on test clocks (%s)", (kind) => {
  let env: BillingEnv;
  beforeAll(async () => {
    env = await startBillingEnv(kind);
  });
  afterAll(() => env.stop());

  // Pro declares { endBehavior: "cancel" } in the catalog; the "pause" case declares pause on it for one test.
  const pro = findPlan("pro") as Plan;
  const declared = pro.trialWithoutCard;
  afterEach(() => {
    (pro as { trialWithoutCard?: Plan["trialWithoutCard"] }).trialWithoutCard = declared;
  });

  async function clockedUser(): Promise<{ user: User; clockId: string; customerId: string }> {
    const user = await env.createUser();
    const clock = await env.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await env.stripe.customers.create({ email: user.email, test_clock: clock.id, metadata: { userId: user.id } });
    await env.database.db.insert(billingCustomers).values({ accountId: user.id, providerCustomerId: customer.id, email: user.email });
    return { user, clockId: clock.id, customerId: customer.id };
  }

  async function post(route: (r: never) => Promise<Response>, userId: string, path: string, body?: unknown) {
    const res = await route((await requestAs(userId, path, { method: "POST", body })) as never);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const startTrial = (userId: string, plan = "pro") => post(trialRoute, userId, "/api/billing/trial", { plan });

  async function advance(clockId: string, to: number) {
    await env.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
    await env.flush();
  }

  /** The billing page's "Add a card": a setup Checkout, completed through the emulator's control endpoint. */
  async function addCard(userId: string) {
    const res = await post(cardRoute, userId, "/api/billing/card");
    expect(res.status).toBe(200);
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(String(res.body.url))?.[1];
    const session = await env.stripe.checkout.sessions.retrieve(String(sessionId));
    expect(session.mode).toBe("setup");
    const done = await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" });
    expect(done.status).toBe(200);
    await env.flush();
  }

  const subscriptionsOf = async (customerId: string) => (await env.stripe.subscriptions.list({ customer: customerId, status: "all" })).data;

  it("starts without Checkout: Pro at once, trialing with Stripe's trial_settings; a card added by setup Checkout → active and paid at the trial end", async () => {
    const { user, clockId, customerId } = await clockedUser();
    const started = await startTrial(user.id);
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ plan: { id: "pro" }, status: "trialing", trialEnd: at(TRIAL_END).toISOString() });
    const [sub] = await subscriptionsOf(customerId);
    expect(sub).toMatchObject({
      status: "trialing",
      default_payment_method: null,
      trial_settings: { end_behavior: { missing_payment_method: "cancel" } },
    });
    expect(sub.payment_settings?.save_default_payment_method).toBe("on_subscription");

    // The billing page asks for a card (the owner sees it; no card is on file yet).
    const overview = () => getBillingOverview(user.id, "owner", { invoicePageSize: 5 });
    expect((await overview()).cardNeeded).toEqual({ status: "trialing", trialEnd: at(TRIAL_END).toISOString() });

    await addCard(user.id);
    const withCard = await env.stripe.subscriptions.retrieve(sub.id, { expand: ["customer"] });
    expect(withCard.default_payment_method).toEqual(expect.any(String));
    expect((await overview()).cardNeeded).toBeNull();
    await advance(clockId, TRIAL_END + 2 * 3600);
    expect(await getBillingSummary(user.id, at(TRIAL_END + 2 * 3600))).toMatchObject({ plan: { id: "pro" }, status: "active" });
    const invoices = (await env.stripe.invoices.list({ subscription: sub.id })).data;
    expect(invoices.find((i) => i.billing_reason === "subscription_cycle")).toMatchObject({ status: "paid", amount_paid: 1_900 });
  });

  it("no card and endBehavior cancel: the reminder asks for a card, then canceled at the trial end → Free; a second trial is refused, and a Checkout after it gets no trial", async () => {
    const { user, clockId, customerId } = await clockedUser();
    expect((await startTrial(user.id)).status).toBe(200);
    await advance(clockId, T0 + 11 * DAY + 60);
    const [reminder] = await env.database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.accountId, user.id), eq(notifications.kind, "trial_will_end")));
    expect(reminder.body).toContain(`Add a card to keep Pro after ${at(TRIAL_END).toISOString().slice(0, 10)}`);

    await advance(clockId, TRIAL_END + 2 * 3600);
    expect((await subscriptionsOf(customerId))[0].status).toBe("canceled");
    const summary = await getBillingSummary(user.id, at(TRIAL_END + 2 * 3600));
    expect(summary).toMatchObject({ plan: { id: "free" }, status: "free", entitlements: { planId: "free" } });

    const again = await startTrial(user.id);
    expect(again).toMatchObject({ status: 409, body: { error: "trial_already_used" } });
    expect(await subscriptionsOf(customerId)).toHaveLength(1);
    const checkout = await post(checkoutRoute, user.id, "/api/billing/checkout", { plan: "pro", interval: "month" });
    expect(checkout.status).toBe(200);
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(String(checkout.body.url))?.[1];
    expect((await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" })).status).toBe(
      200,
    );
    await env.flush();
    const paid = (await subscriptionsOf(customerId)).find((s) => s.status !== "canceled");
    expect(paid).toMatchObject({ status: "active", trial_start: null, trial_end: null });
  });

  it("no card and endBehavior pause: paused at the trial end with Free's entitlements; adding a card resumes it, billed at once", async () => {
    (pro as { trialWithoutCard?: Plan["trialWithoutCard"] }).trialWithoutCard = { endBehavior: "pause" };
    const { user, clockId, customerId } = await clockedUser();
    expect((await startTrial(user.id)).status).toBe(200);
    await advance(clockId, TRIAL_END + 2 * 3600);
    const [sub] = await subscriptionsOf(customerId);
    expect(sub.status).toBe("paused");
    expect(await getBillingSummary(user.id, at(TRIAL_END + 2 * 3600))).toMatchObject({
      status: "paused",
      entitlements: { planId: "free" },
    });

    await addCard(user.id);
    const resumed = await env.stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(resumed.status).toBe("active");
    expect(resumed.latest_invoice).toMatchObject({ status: "paid", amount_paid: 1_900 });
    expect(await getBillingSummary(user.id, at(TRIAL_END + 3 * 3600))).toMatchObject({ plan: { id: "pro" }, status: "active" });
  });

  it("a card-less trial after a Checkout trial is refused (409 trial_already_used), nothing created", async () => {
    const { user, clockId, customerId } = await clockedUser();
    const checkout = await post(checkoutRoute, user.id, "/api/billing/checkout", { plan: "pro", interval: "month" });
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(String(checkout.body.url))?.[1];
    await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" });
    await env.flush();
    const [sub] = await subscriptionsOf(customerId);
    expect(sub.status).toBe("trialing");
    await env.stripe.subscriptions.cancel(sub.id);
    await advance(clockId, T0 + DAY);
    expect(await startTrial(user.id)).toMatchObject({ status: 409, body: { error: "trial_already_used" } });
    expect(await subscriptionsOf(customerId)).toHaveLength(1);
    expect(await env.database.db.select().from(trialUses).where(eq(trialUses.accountId, user.id))).toHaveLength(0);
  });

  it("two concurrent starts: one trial, the other refused with 409", async () => {
    const { user, customerId } = await clockedUser();
    const results = await Promise.all([startTrial(user.id), startTrial(user.id), startTrial(user.id)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    for (const refused of results.filter((r) => r.status === 409)) {
      expect(["trial_already_used", "subscription_exists"]).toContain(refused.body.error);
    }
    expect(await subscriptionsOf(customerId)).toHaveLength(1);
  });

  it("a Checkout left open (with the trial on offer) is expired when a card-less trial starts: it cannot become a second trial", async () => {
    const { user, customerId } = await clockedUser();
    const checkout = await post(checkoutRoute, user.id, "/api/billing/checkout", { plan: "pro", interval: "month" });
    const sessionId = String(/\/(cs_[A-Za-z0-9_]+)/.exec(String(checkout.body.url))?.[1]);
    expect((await startTrial(user.id)).status).toBe(200);
    expect((await env.stripe.checkout.sessions.retrieve(sessionId)).status).toBe("expired");
    expect((await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" })).status).not.toBe(
      200,
    );
    expect(await subscriptionsOf(customerId)).toHaveLength(1);
  });

  it("a trial another instance has claimed (its trial_uses row, its Stripe call still in flight) is refused, nothing created", async () => {
    const { user, customerId } = await clockedUser();
    await env.database.db.insert(trialUses).values({ accountId: user.id, providerCustomerId: customerId, planId: "pro" });
    expect(await startTrial(user.id)).toMatchObject({ status: 409, body: { error: "trial_already_used" } });
    expect(await subscriptionsOf(customerId)).toHaveLength(0);
  });

  it("a plan without a card-less trial, or an unknown plan: 400, nothing created", async () => {
    const { user, customerId } = await clockedUser();
    expect((await startTrial(user.id, "scale")).status).toBe(400);
    expect((await startTrial(user.id, "nope")).status).toBe(400);
    expect(await subscriptionsOf(customerId)).toHaveLength(0);
  });
});
