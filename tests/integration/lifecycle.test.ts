import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { GET as invoicesRoute } from "@/app/api/billing/invoices/route";
import { POST as cancelRoute } from "@/app/api/billing/subscription/cancel/route";
import { POST as changeRoute } from "@/app/api/billing/subscription/change/route";
import { POST as resumeRoute } from "@/app/api/billing/subscription/resume/route";
import type Stripe from "stripe";
import { billingCustomers, invoices, notifications, subscriptions, webhookEvents, type User } from "@/db/schema";
import { consume } from "@/lib/billing/metering";
import { reportBillableUsage } from "@/lib/billing/usage-report";
import { getBillingSummary, type BillingSummary } from "@/lib/billing/summary";
import { POOLED_DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

const DAY = 86_400;
/** 2027-01-15T00:00:00Z: a fixed start so period arithmetic is deterministic. */
const T0 = Date.UTC(2027, 0, 15) / 1000;
const at = (seconds: number) => new Date(seconds * 1000);

describe.each(POOLED_DATABASE_KINDS)("subscription lifecycles on test clocks (%s)", (kind) => {
  let env: BillingEnv;
  beforeAll(async () => {
    env = await startBillingEnv(kind);
  });
  afterAll(() => env.stop());

  /** A user whose Stripe customer lives on a test clock frozen at T0. */
  async function clockedUser(): Promise<{ user: User; clockId: string; customerId: string }> {
    const user = await env.createUser();
    const clock = await env.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await env.stripe.customers.create({ email: user.email, test_clock: clock.id, metadata: { userId: user.id } });
    await env.database.db.insert(billingCustomers).values({ accountId: user.id, providerCustomerId: customer.id, email: user.email });
    return { user, clockId: clock.id, customerId: customer.id };
  }

  async function subscribe(
    user: User,
    plan: string,
    interval: "month" | "year",
    card = "4242424242424242",
    authentication?: "complete" | "fail",
  ) {
    const res = await checkoutRoute(await requestAs(user.id, "/api/billing/checkout", { method: "POST", body: { plan, interval } }));
    expect(res.status).toBe(200);
    const { url } = (await res.json()) as { url: string };
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1];
    const done = await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card, authentication });
    await env.flush();
    return done;
  }

  async function advance(clockId: string, to: number) {
    await env.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
    await env.flush();
  }

  async function post(route: (r: never) => Promise<Response>, userId: string, path: string, body?: unknown) {
    const res = await route((await requestAs(userId, path, { method: "POST", body })) as never);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  const userInvoices = (userId: string) =>
    env.database.db.select().from(invoices).where(eq(invoices.accountId, userId)).orderBy(invoices.providerCreatedAt);
  const outbox = (userId: string, kind: string) =>
    env.database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.accountId, userId), eq(notifications.kind, kind)));

  it("new subscription without a trial: active and charged in full", async () => {
    const { user } = await clockedUser();
    await subscribe(user, "scale", "month");
    expect(await getBillingSummary(user.id, at(T0))).toMatchObject({ plan: { id: "scale" }, status: "active", interval: "month" });
    const [invoice] = await userInvoices(user.id);
    expect(invoice).toMatchObject({ status: "paid", amountPaid: 9_900, billingReason: "subscription_create" });
  });

  it("trial: trialing, trial_will_end notifies once, then active and billed at trial end", async () => {
    const { user, clockId } = await clockedUser();
    await subscribe(user, "pro", "month");
    const trialing = await getBillingSummary(user.id, at(T0));
    expect(trialing).toMatchObject({ plan: { id: "pro" }, status: "trialing", trialEnd: at(T0 + 14 * DAY).toISOString() });
    await advance(clockId, T0 + 11 * DAY + 60);
    expect(await outbox(user.id, "trial_will_end")).toHaveLength(1);
    await advance(clockId, T0 + 14 * DAY + 2 * 3600);
    expect(await getBillingSummary(user.id, at(T0 + 14 * DAY + 2 * 3600))).toMatchObject({ plan: { id: "pro" }, status: "active" });
    expect((await userInvoices(user.id)).map((i) => [i.status, i.amountPaid])).toEqual([
      ["paid", 0],
      ["paid", 1_900],
    ]);
    expect(await outbox(user.id, "trial_will_end")).toHaveLength(1);
  });

  it("renewal: a new period and a second paid invoice", async () => {
    const { user, clockId } = await clockedUser();
    await subscribe(user, "scale", "month");
    const first = await getBillingSummary(user.id, at(T0));
    const periodEnd = Date.parse(first.currentPeriodEnd as string) / 1000;
    await advance(clockId, periodEnd + 2 * 3600);
    const renewed = await getBillingSummary(user.id, at(periodEnd + 2 * 3600));
    expect(renewed).toMatchObject({ plan: { id: "scale" }, status: "active", currentPeriodStart: first.currentPeriodEnd });
    expect((await userInvoices(user.id)).map((i) => [i.billingReason, i.status, i.amountPaid])).toEqual([
      ["subscription_create", "paid", 9_900],
      ["subscription_cycle", "paid", 9_900],
    ]);
  });

  it("failed renewal: past_due keeps the plan through the grace period, then free; canceled after retries", async () => {
    // 4000 0000 0000 0341 attaches but every charge fails: the $0 trial checkout works, the first renewal does not.
    const { user, clockId } = await clockedUser();
    await subscribe(user, "pro", "month", "4000000000000341");
    const trialEnd = T0 + 14 * DAY;
    expect(await getBillingSummary(user.id, at(T0))).toMatchObject({ plan: { id: "pro" }, status: "trialing" });
    await advance(clockId, trialEnd + 2 * 3600);

    const pastDue = await getBillingSummary(user.id, at(trialEnd + 2 * 3600));
    expect(pastDue).toMatchObject({ plan: { id: "pro" }, status: "past_due" });
    expect(pastDue.entitlements.source).toBe("grace_period");
    expect(pastDue.gracePeriodEndsAt).toBe(at(trialEnd + 3 * DAY).toISOString());
    const afterGrace: BillingSummary = await getBillingSummary(user.id, at(trialEnd + 3 * DAY + 1));
    expect(afterGrace).toMatchObject({ plan: { id: "free" }, status: "past_due", gracePeriodEndsAt: null });
    expect(await outbox(user.id, "payment_failed")).toHaveLength(1);
    const failedInvoice = (await userInvoices(user.id)).at(-1);
    expect(failedInvoice).toMatchObject({ status: "open", attemptCount: 1, amountPaid: 0 });
    expect(failedInvoice?.nextPaymentAttempt).not.toBeNull();

    await advance(clockId, trialEnd + 30 * DAY);
    const ended = await getBillingSummary(user.id, at(trialEnd + 30 * DAY));
    expect(ended).toMatchObject({ plan: { id: "free" }, status: "free" });
    expect(await outbox(user.id, "subscription_canceled")).toHaveLength(1);
    expect((await outbox(user.id, "payment_failed")).length).toBeGreaterThanOrEqual(2);
    const failures = await env.database.db.select().from(webhookEvents).where(eq(webhookEvents.status, "failed"));
    expect(failures).toEqual([]);
  });

  it("cancel at period end, resume, cancel again, then it ends and the user is on Free", async () => {
    const { user, clockId } = await clockedUser();
    await subscribe(user, "scale", "month");
    const canceled = await post(cancelRoute, user.id, "/api/billing/subscription/cancel");
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ plan: { id: "scale" }, cancelAtPeriodEnd: true });
    // Each step's webhook lands before the next step: a cancellation event processed only after the
    // resume re-reads a subscription that is no longer canceling and rightly tells the customer nothing.
    await env.flush();
    const resumed = await post(resumeRoute, user.id, "/api/billing/subscription/resume");
    expect(resumed.body).toMatchObject({ plan: { id: "scale" }, cancelAtPeriodEnd: false });
    await env.flush();
    await post(cancelRoute, user.id, "/api/billing/subscription/cancel");
    await env.flush();
    const summary = await getBillingSummary(user.id, at(T0));
    expect(summary.cancelAtPeriodEnd).toBe(true);
    const periodEnd = Date.parse(summary.currentPeriodEnd as string) / 1000;
    await advance(clockId, periodEnd + 3600);
    expect(await getBillingSummary(user.id, at(periodEnd + 3600))).toMatchObject({ plan: { id: "free" }, status: "free" });
    expect((await userInvoices(user.id)).filter((i) => i.billingReason === "subscription_cycle")).toEqual([]);
    expect(await outbox(user.id, "subscription_canceled")).toHaveLength(1);
    // Canceled twice (with a resume between): the customer was told both times it would end.
    expect(await outbox(user.id, "subscription_cancel_scheduled")).toHaveLength(2);
  });

  it("upgrade: the preview's amount is what is charged at once, and the plan changes now", async () => {
    const { user, clockId } = await clockedUser();
    await subscribe(user, "pro", "month");
    await advance(clockId, T0 + 15 * DAY); // past the trial: a paying Pro customer
    await advance(clockId, T0 + 25 * DAY);
    const preview = await post(changeRoute, user.id, "/api/billing/subscription/change", {
      plan: "scale",
      interval: "month",
      preview: true,
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ preview: true, kind: "upgrade", currency: "usd" });
    const amount = preview.body.amountDue as number;
    expect(amount).toBeGreaterThan(0);
    expect(amount).toBeLessThan(9_900);
    const applied = await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "scale", interval: "month" });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ preview: false, kind: "upgrade", subscription: { plan: { id: "scale" } } });
    await env.flush();
    const upgradeInvoice = (await userInvoices(user.id)).find((i) => i.billingReason === "subscription_update");
    expect(upgradeInvoice).toMatchObject({ status: "paid", amountPaid: amount });
  });

  it("upgrading out of a trial to a plan without one ends the trial and bills the new plan now", async () => {
    const { user } = await clockedUser();
    await subscribe(user, "pro", "month");
    const preview = await post(changeRoute, user.id, "/api/billing/subscription/change", {
      plan: "scale",
      interval: "month",
      preview: true,
    });
    expect(preview.body).toMatchObject({ kind: "upgrade", amountDue: 9_900 });
    const applied = await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "scale", interval: "month" });
    expect(applied.status).toBe(200);
    // The invoice the change charged is listed as soon as the change answers, newest first, before any webhook.
    const listed = async (query = "") => {
      const res = await invoicesRoute((await requestAs(user.id, `/api/billing/invoices${query}`)) as never);
      return (await res.json()) as { invoices: Array<{ number: string; total: number; billingReason: string }>; nextCursor: string | null };
    };
    expect((await listed()).invoices[0]).toMatchObject({ total: 9_900, billingReason: "subscription_cycle" });
    await env.flush();
    expect(await getBillingSummary(user.id, at(T0))).toMatchObject({ plan: { id: "scale" }, status: "active", trialEnd: null });
    // One invoice besides the trial's $0 one (both at the frozen T0, so not told apart by time): the new plan in full.
    const afterTrial = (await userInvoices(user.id)).filter((i) => i.billingReason !== "subscription_create");
    expect(afterTrial).toHaveLength(1);
    expect(afterTrial[0]).toMatchObject({ status: "paid", amountPaid: 9_900 });
    // On a test clock every invoice has the same created second: Stripe's sequence orders them, on every page.
    const all = (await listed()).invoices;
    expect(all.map((i) => [i.billingReason, i.total])).toEqual([
      ["subscription_cycle", 9_900],
      ["subscription_create", 0],
    ]);
    expect(all.map((i) => i.number)).toEqual([...all.map((i) => i.number)].sort().reverse());
    const paged: string[] = [];
    for (let cursor: string | null = null, pages = 0; pages === 0 || cursor; pages += 1) {
      const page = await listed(`?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      paged.push(...page.invoices.map((i) => i.number));
      cursor = page.nextCursor;
    }
    expect(paged).toEqual(all.map((i) => i.number));
  });

  /** The lookup keys of the Stripe subscription's items, plan first: what Stripe will invoice. */
  async function stripeItems(userId: string) {
    const [row] = await env.database.db.select().from(subscriptions).where(eq(subscriptions.accountId, userId));
    const sub = await env.stripe.subscriptions.retrieve(row.providerSubscriptionId, { expand: ["schedule"] });
    return { sub, keys: sub.items.data.map((i) => `${i.price.lookup_key}:${i.price.recurring?.usage_type}`) };
  }

  it("overage: usage past the included amount is reported, invoiced at renewal by the metered price, and follows interval changes", async () => {
    const { user, clockId } = await clockedUser();
    await subscribe(user, "scale", "month");
    expect((await stripeItems(user.id)).keys).toEqual(["scale_monthly:licensed", "tokens_overage:metered"]);

    // Scale includes 10,000,000 tokens a month; 5,000 past that are billed at $0.00002 each: 10 cents.
    const during = { now: at(T0 + DAY) };
    expect(await consume(user.id, "tokens", 10_000_000, during)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await consume(user.id, "tokens", 5_000, { ...during, idempotencyKey: "overage-1" })).toMatchObject({
      allowed: true,
      used: 10_005_000,
    });
    expect(await reportBillableUsage()).toMatchObject({ sent: 1, units: 5_000 });
    const first = await getBillingSummary(user.id, at(T0));
    const periodEnd = Date.parse(first.currentPeriodEnd as string) / 1000;
    await advance(clockId, periodEnd + 2 * 3600);
    expect((await userInvoices(user.id)).map((i) => [i.billingReason, i.status, i.amountPaid])).toEqual([
      ["subscription_create", "paid", 9_900],
      ["subscription_cycle", "paid", 9_900 + 10],
    ]);

    // Monthly → yearly is billed now; the metered price moves to the yearly one with it.
    const toYearly = await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "scale", interval: "year" });
    expect(toYearly.status).toBe(200);
    expect((await stripeItems(user.id)).keys).toEqual(["scale_yearly:licensed", "tokens_overage_yearly:metered"]);

    // Yearly → Pro monthly waits for the period end; the schedule's next phase carries the monthly metered price.
    const down = await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "pro", interval: "month" });
    expect(down.status).toBe(200);
    const { sub } = await stripeItems(user.id);
    const schedule = sub.schedule as Stripe.SubscriptionSchedule;
    const prices = await env.stripe.prices.list({
      lookup_keys: ["pro_monthly", "tokens_overage", "scale_yearly", "tokens_overage_yearly"],
    });
    const keyOf = (id: unknown) => prices.data.find((p) => p.id === id)?.lookup_key;
    expect(schedule.phases.map((phase) => phase.items.map((i) => keyOf(i.price)))).toEqual([
      ["scale_yearly", "tokens_overage_yearly"],
      ["pro_monthly", "tokens_overage"],
    ]);
    const yearEnd = sub.items.data[0].current_period_end;
    await advance(clockId, yearEnd + 2 * 3600);
    expect((await stripeItems(user.id)).keys).toEqual(["pro_monthly:licensed", "tokens_overage:metered"]);
    expect(await getBillingSummary(user.id, at(yearEnd + 2 * 3600))).toMatchObject({
      plan: { id: "pro" },
      interval: "month",
      status: "active",
    });
  });

  it("downgrade: scheduled for the period end, plan kept until then", async () => {
    const { user, clockId } = await clockedUser();
    await subscribe(user, "scale", "month");
    const preview = await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "pro", interval: "month", preview: true });
    expect(preview.body).toMatchObject({ kind: "downgrade", amountDue: 0 });
    const applied = await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "pro", interval: "month" });
    expect(applied.status).toBe(200);
    await env.flush();
    const pending = await getBillingSummary(user.id, at(T0));
    expect(pending).toMatchObject({ plan: { id: "scale" }, pendingChange: { plan: { id: "pro" }, interval: "month" } });
    expect(pending.pendingChange?.effectiveAt).toBe(pending.currentPeriodEnd);
    const periodEnd = Date.parse(pending.currentPeriodEnd as string) / 1000;
    await advance(clockId, periodEnd + 2 * 3600);
    const after = await getBillingSummary(user.id, at(periodEnd + 2 * 3600));
    expect(after).toMatchObject({ plan: { id: "pro" }, status: "active", pendingChange: null });
    expect((await userInvoices(user.id)).at(-1)).toMatchObject({ billingReason: "subscription_cycle", amountPaid: 1_900 });
  });

  it("a declined upgrade changes nothing: Pro trial → Scale yearly on a failing card is a 402 and stays Pro", async () => {
    // 4000 0000 0000 0341 attaches (the trial needs no payment) but every charge fails.
    const { user, customerId } = await clockedUser();
    await subscribe(user, "pro", "month", "4000000000000341");
    const declined = await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "scale", interval: "year" });
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({ error: "card_error", decline_code: "generic_decline" });
    expect(declined.body.message).toMatch(/declined/);
    await env.flush();
    expect(await getBillingSummary(user.id, at(T0))).toMatchObject({
      plan: { id: "pro" },
      status: "trialing",
      interval: "month",
      gracePeriodEndsAt: null,
    });
    const [sub] = (await env.stripe.subscriptions.list({ customer: customerId })).data;
    expect(sub).toMatchObject({ status: "trialing", pending_update: null });
    expect(sub.items.data[0].price.lookup_key).toBe("pro_monthly");
    expect((await userInvoices(user.id)).filter((i) => i.billingReason !== "subscription_create")).toEqual([]);
  });

  it("a declined upgrade keeps the downgrade that was pending", async () => {
    const { user } = await clockedUser();
    await subscribe(user, "pro", "year", "4000000000000341");
    const scheduled = await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "pro", interval: "month" });
    expect(scheduled.body).toMatchObject({
      kind: "downgrade",
      subscription: { pendingChange: { plan: { id: "pro" }, interval: "month" } },
    });
    const declined = await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "scale", interval: "year" });
    expect(declined.status).toBe(402);
    await env.flush();
    expect(await getBillingSummary(user.id, at(T0))).toMatchObject({
      plan: { id: "pro" },
      interval: "year",
      status: "trialing",
      pendingChange: { plan: { id: "pro" }, interval: "month" },
    });
  });

  it("resume with a downgrade pending (Scale monthly → Pro monthly → resume) is a harmless 200", async () => {
    const { user } = await clockedUser();
    await subscribe(user, "scale", "month");
    await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "pro", interval: "month" });
    const resumed = await post(resumeRoute, user.id, "/api/billing/subscription/resume");
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ plan: { id: "scale" }, cancelAtPeriodEnd: false, pendingChange: { plan: { id: "pro" } } });
    const canceled = await post(cancelRoute, user.id, "/api/billing/subscription/cancel");
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ plan: { id: "scale" }, cancelAtPeriodEnd: true, pendingChange: null });
  });

  it("changing to the current plan is refused with 400; a user without a subscription gets 409", async () => {
    const { user } = await clockedUser();
    const none = await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "pro", interval: "month" });
    expect(none.status).toBe(409);
    await subscribe(user, "scale", "month");
    const same = await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "scale", interval: "month" });
    expect(same.status).toBe(400);
    const invalid = await post(changeRoute, user.id, "/api/billing/subscription/change", { plan: "enterprise", interval: "month" });
    expect(invalid.status).toBe(400);
  });

  it("3-D Secure: completed authentication subscribes; failed authentication leaves the user on Free", async () => {
    const ok = await clockedUser();
    await subscribe(ok.user, "scale", "month", "4000002760003184", "complete");
    expect(await getBillingSummary(ok.user.id, at(T0))).toMatchObject({ plan: { id: "scale" }, status: "active" });

    const failing = await clockedUser();
    const res = await subscribe(failing.user, "scale", "month", "4000002760003184", "fail");
    expect(res.status).toBeGreaterThanOrEqual(400);
    const summary = await getBillingSummary(failing.user.id, at(T0));
    expect(summary.plan.id).toBe("free");
  });
});
