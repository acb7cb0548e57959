/**
 * Money shown = money charged: for every (from, to) pair of purchasable plans and intervals, in a
 * trial and not, the amount the plan-change preview says is due now is, to the cent, what the
 * change then invoices (read back from Stripe), and the preview's lines add up to it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/billing/checkout/route";
import { POST as changeRoute } from "@/app/api/billing/subscription/change/route";
import { billingCustomers, type User } from "@/db/schema";
import { INTERVALS, purchasablePlans, type BillingInterval } from "@/lib/billing/plans";
import { DATABASE_KINDS } from "../helpers/db";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { requestAs } from "../helpers/session";

const DAY = 86_400;
/** 2027-01-15T00:00:00Z: a fixed start so period arithmetic is deterministic. */
const T0 = Date.UTC(2027, 0, 15) / 1000;

interface Terms {
  plan: string;
  interval: BillingInterval;
}
const TERMS: Terms[] = purchasablePlans().flatMap((plan) => INTERVALS.map((interval) => ({ plan: plan.id, interval })));
const label = (t: Terms) => `${t.plan} ${t.interval}ly`;

/** Every ordered pair of different terms, once in the trial (plans that have one) and once paying mid-period. */
const CASES = TERMS.flatMap((from) =>
  TERMS.filter((to) => to.plan !== from.plan || to.interval !== from.interval).flatMap((to) => {
    const trial = (purchasablePlans().find((p) => p.id === from.plan)?.trialDays ?? 0) > 0;
    return [
      ...(trial ? [{ from, to, inTrial: true, name: `${label(from)} (trialing) → ${label(to)}` }] : []),
      { from, to, inTrial: false, name: `${label(from)} (paying) → ${label(to)}` },
    ];
  }),
);

describe.each(DATABASE_KINDS)("plan-change preview = invoice charged (%s)", (kind) => {
  let env: BillingEnv;
  beforeAll(async () => {
    env = await startBillingEnv(kind);
  });
  afterAll(() => env.stop());

  it("walks every purchasable plan and interval pair", () => {
    expect(TERMS.length).toBeGreaterThanOrEqual(4);
    expect(CASES.some((c) => c.inTrial)).toBe(true);
  });

  async function clockedUser(): Promise<{ user: User; clockId: string; customerId: string }> {
    const user = await env.createUser();
    const clock = await env.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await env.stripe.customers.create({ email: user.email, test_clock: clock.id, metadata: { userId: user.id } });
    await env.database.db.insert(billingCustomers).values({ accountId: user.id, providerCustomerId: customer.id, email: user.email });
    return { user, clockId: clock.id, customerId: customer.id };
  }

  async function post(userId: string, body: unknown) {
    const res = await changeRoute((await requestAs(userId, "/api/billing/subscription/change", { method: "POST", body })) as never);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  // The amounts are Stripe's (the emulator's) arithmetic against the app's preview, not the database
  // engine's: every pair on one engine (real Postgres when there is one, else PGlite), one pair in
  // four on the other, which shows the engine changes nothing. The order's rows, statuses and
  // concurrency are tested on every engine elsewhere (subscription-state-machine, webhook, lifecycle).
  const exhaustive = DATABASE_KINDS.includes("postgres") ? "postgres" : "pglite";
  const cases = kind === exhaustive ? CASES : CASES.filter((_, i) => i % 4 === 0);

  it("runs every pair on one engine and a quarter of them on the other", () => {
    expect(cases.length).toBe(kind === exhaustive ? CASES.length : Math.ceil(CASES.length / 4));
  });

  it.each(cases)("$name", async ({ from, to, inTrial }) => {
    const { user, clockId, customerId } = await clockedUser();
    const checkout = await checkoutRoute(await requestAs(user.id, "/api/billing/checkout", { method: "POST", body: from }));
    expect(checkout.status).toBe(200);
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(((await checkout.json()) as { url: string }).url)?.[1];
    expect((await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" })).status).toBe(
      200,
    );
    await env.flush();
    const [sub] = (await env.stripe.subscriptions.list({ customer: customerId })).data;
    expect(sub.status).toBe(inTrial ? "trialing" : sub.status);
    if (!inTrial) {
      // Paying, 10 days into a paid period (after the trial, if the plan has one): prorations are not round.
      const paidFrom = sub.trial_end ?? T0;
      await env.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: paidFrom + 10 * DAY + 3_600 });
      await env.flush();
      expect((await env.stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
    }
    const before = new Set((await env.stripe.invoices.list({ customer: customerId, limit: 100 })).data.map((i) => i.id));

    const preview = await post(user.id, { ...to, preview: true });
    expect(preview.status).toBe(200);
    const {
      amountDue,
      lines,
      kind: direction,
      prorationDate,
    } = preview.body as {
      amountDue: number;
      lines: Array<{ amount: number }>;
      kind: string;
      prorationDate: number;
    };
    // The customer reads the preview for ten minutes, then confirms it (the page sends its prorationDate back).
    const { frozen_time: previewedAt } = await env.stripe.testHelpers.testClocks.retrieve(clockId);
    expect(prorationDate).toBe(previewedAt);
    await env.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: previewedAt + 10 * 60 });
    await env.flush();
    const applied = await post(user.id, { ...to, prorationDate });
    expect(applied.status).toBe(200);
    expect(applied.body.kind).toBe(direction);
    await env.flush();

    const created = (await env.stripe.invoices.list({ customer: customerId, limit: 100 })).data.filter((i) => !before.has(i.id));
    if (direction === "downgrade") {
      // Deferred to the period end: nothing is invoiced now, and the preview said so.
      expect(created).toEqual([]);
      expect(amountDue).toBe(0);
      return;
    }
    expect(created).toHaveLength(1);
    const [invoice] = created;
    expect({ amountDue, paid: invoice.amount_paid, status: invoice.status }).toEqual({
      amountDue: invoice.amount_due,
      paid: invoice.amount_due,
      status: "paid",
    });
    // The lines shown add up to what is due (these customers have no balance to draw on).
    expect(lines.reduce((sum, line) => sum + line.amount, 0)).toBe(invoice.total);
    expect(amountDue).toBeGreaterThan(0);
  });

  it("a preview older than 15 minutes is refused (409 preview_expired) and changes nothing", async () => {
    const { user, clockId, customerId } = await clockedUser();
    const checkout = await checkoutRoute(
      await requestAs(user.id, "/api/billing/checkout", { method: "POST", body: { plan: "scale", interval: "month" } }),
    );
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(((await checkout.json()) as { url: string }).url)?.[1];
    expect((await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" })).status).toBe(
      200,
    );
    await env.flush();
    await env.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: T0 + 5 * DAY });
    const preview = await post(user.id, { plan: "scale", interval: "year", preview: true });
    const prorationDate = preview.body.prorationDate as number;
    await env.stripe.testHelpers.testClocks.advance(clockId, { frozen_time: prorationDate + 16 * 60 });
    await env.flush();
    const invoicesBefore = (await env.stripe.invoices.list({ customer: customerId })).data.length;

    const stale = await post(user.id, { plan: "scale", interval: "year", prorationDate });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: "preview_expired" });
    for (const bad of [prorationDate + 17 * 60, T0 - DAY]) {
      // In the future, or before the period started: refused the same way.
      expect((await post(user.id, { plan: "scale", interval: "year", prorationDate: bad })).body).toMatchObject({
        error: "preview_expired",
      });
    }
    expect((await post(user.id, { plan: "scale", interval: "year", prorationDate: "soon" })).status).toBe(400);
    const [sub] = (await env.stripe.subscriptions.list({ customer: customerId })).data;
    expect(sub.items.data[0].price.lookup_key).toBe("scale_monthly");
    expect((await env.stripe.invoices.list({ customer: customerId })).data.length).toBe(invoicesBefore);

    // A fresh preview, confirmed at once, goes through.
    const again = await post(user.id, { plan: "scale", interval: "year", preview: true });
    const applied = await post(user.id, { plan: "scale", interval: "year", prorationDate: again.body.prorationDate });
    expect(applied.status).toBe(200);
  });
});
