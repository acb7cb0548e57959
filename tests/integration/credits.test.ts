/**
 * Prepaid credits on PGlite and real Postgres, against the Stripe emulator with webhooks delivered to
 * the app's route: consume draws the plan's included amount first and then credits, atomically
 * under concurrency; a pack bought through Checkout is credited once and a refund in Stripe takes
 * back the unspent part; an auto top-up run by many workers at once charges once, and a decline is
 * retried days later with an email.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { creditBalances, creditLedger, creditTopUps, notifications, usageCounters, usageEvents } from "@/db/schema";
import { creditPurchase, readAccountCredits, runAutoTopUps, setAutoTopUp, startCreditsCheckout } from "@/lib/billing/credits";
import { ensureBillingCustomer } from "@/lib/billing/customers";
import { check, consume, refund } from "@/lib/billing/metering";
import { isAppError } from "@/lib/errors";
import { startBillingEnv, type BillingEnv } from "../helpers/billing-env";
import { DATABASE_KINDS } from "../helpers/db";

/** Free's included jobs per month (lib/billing/plans.ts). */
const FREE_JOBS = 5;
let payments = 0;

describe.each(DATABASE_KINDS)("prepaid credits on %s", (kind) => {
  let env: BillingEnv;

  beforeAll(async () => {
    env = await startBillingEnv(kind);
  }, 60_000);
  afterAll(async () => env?.stop());

  const db = () => env.database.db;
  const balanceOf = async (accountId: string, meter = "jobs") =>
    (
      await db()
        .select()
        .from(creditBalances)
        .where(and(eq(creditBalances.accountId, accountId), eq(creditBalances.meter, meter)))
    )[0]?.balance ?? 0;
  const ledgerOf = (accountId: string) => db().select().from(creditLedger).where(eq(creditLedger.accountId, accountId));

  /** Credits as a paid payment would (no Stripe involved): the pack `jobs_100` = 100 jobs. */
  const grant = (accountId: string) =>
    creditPurchase(db(), {
      accountId,
      packId: "jobs_100",
      paymentIntentId: `pi_test_${kind}_${(payments += 1)}`,
      amount: 500,
      currency: "usd",
      source: "checkout",
    });

  it(
    "parallel consumes draw the included amount, then credits, and never overshoot; idempotent and refundable",
    { timeout: 60_000 },
    async () => {
      const user = await env.createUser();
      expect(await grant(user.id)).toBe(100);
      // 200 calls of 1 job against 5 included + 100 credits (PGlite serializes them: fewer, same point).
      const calls = kind === "pglite" ? 120 : 200;
      const results = await Promise.all(
        Array.from({ length: calls }, (_, i) => consume(user.id, "jobs", 1, { idempotencyKey: `job-${i}` })),
      );
      const allowed = results.filter((r) => r.allowed);
      expect(allowed).toHaveLength(FREE_JOBS + 100);
      expect(allowed.filter((r) => (r.creditsDrawn ?? 0) > 0)).toHaveLength(100);
      expect(results.filter((r) => !r.allowed).every((r) => r.creditBalance === 0)).toBe(true);
      const [counter] = await db()
        .select()
        .from(usageCounters)
        .where(and(eq(usageCounters.accountId, user.id), eq(usageCounters.meter, "jobs")));
      expect(counter).toMatchObject({ used: FREE_JOBS + 100, creditsUsed: 100 });
      expect(await balanceOf(user.id)).toBe(0);
      const lines = await ledgerOf(user.id);
      expect(lines.filter((l) => l.kind === "consume").reduce((sum, l) => sum + l.units, 0)).toBe(-100);
      expect(await db().select().from(usageEvents).where(eq(usageEvents.accountId, user.id))).toHaveLength(FREE_JOBS + 100);

      // A retry of a call that drew credits answers its first result and draws nothing more.
      const drawnKey = allowed.findIndex((r) => (r.creditsDrawn ?? 0) > 0);
      const replay = await consume(user.id, "jobs", 1, { idempotencyKey: `job-${results.indexOf(allowed[drawnKey])}` });
      expect(replay).toMatchObject({ allowed: true, duplicate: true });
      expect(await balanceOf(user.id)).toBe(0);

      // Both exhausted: still the same 402 quota_exceeded as without credits.
      const refused = await consume(user.id, "jobs", 1);
      expect(refused.allowed).toBe(false);

      // Refunded usage that credits paid for goes back to the balance (once per key).
      await refund(user.id, "jobs", 3, { idempotencyKey: "refund-1" });
      await refund(user.id, "jobs", 3, { idempotencyKey: "refund-1" });
      expect(await balanceOf(user.id)).toBe(3);

      // A consume straddling the two: more credits, then 4 jobs over 3 left → all from credits, none included left.
      await grant(user.id);
      expect(await check(user.id, "jobs", 103)).toMatchObject({ allowed: true, creditBalance: 103 });
      expect(await check(user.id, "jobs", 104)).toMatchObject({ allowed: false, creditBalance: 103 });
      const straddle = await consume(user.id, "jobs", 4);
      expect(straddle).toMatchObject({ allowed: true, creditsDrawn: 4, creditBalance: 99 });
    },
  );

  it(
    "a pack bought through Checkout is credited once; a refund in Stripe removes the refunded share, never more than is unspent",
    { timeout: 60_000 },
    async () => {
      const user = await env.createUser();
      const { url } = await startCreditsCheckout({ id: user.id, email: user.email }, "jobs_100", "jobs", "http://app.test");
      const sessionId = /cs_[A-Za-z0-9_]+/.exec(url)![0];
      const done = await env.emulatorControl(`/_emulator/checkout/sessions/${sessionId}/complete`, { card: "4242424242424242" });
      expect(done.status).toBe(200);
      await env.flush();
      expect(await balanceOf(user.id)).toBe(100);
      const session = await env.stripe.checkout.sessions.retrieve(sessionId);
      // A redelivery credits nothing more.
      const [purchase] = (await ledgerOf(user.id)).filter((l) => l.kind === "purchase");
      expect(purchase).toMatchObject({
        units: 100,
        packId: "jobs_100",
        paymentIntentId: session.payment_intent,
        amount: 500,
        source: "checkout",
      });
      expect(
        await creditPurchase(db(), {
          accountId: user.id,
          packId: "jobs_100",
          paymentIntentId: String(session.payment_intent),
          amount: 500,
          currency: "usd",
          source: "checkout",
        }),
      ).toBeNull();

      // Spend 5 included + 70 credits: 30 left unspent.
      for (let i = 0; i < FREE_JOBS; i += 1) await consume(user.id, "jobs", 1);
      expect(await consume(user.id, "jobs", 70)).toMatchObject({ allowed: true, creditsDrawn: 70, creditBalance: 30 });

      // A 20% refund: 20 credits off. Then the rest: 80 more owed, but only 10 left to take.
      await env.stripe.refunds.create({ payment_intent: String(session.payment_intent), amount: 100 });
      await env.flush();
      expect(await balanceOf(user.id)).toBe(10);
      await env.stripe.refunds.create({ payment_intent: String(session.payment_intent) });
      await env.flush();
      expect(await balanceOf(user.id)).toBe(0);
      const refunds = (await ledgerOf(user.id))
        .filter((l) => l.kind === "refund")
        .map((l) => l.units)
        .sort((a, b) => a - b);
      expect(refunds).toEqual([-20, -10]);
      expect(env.webhookResponses.every((s) => s === 200)).toBe(true);

      const [credits] = (await readAccountCredits(db(), user.id)).filter((c) => c.meter === "jobs");
      expect(credits).toMatchObject({ balance: 0 });
      expect(credits.history.map((h) => h.kind)).toEqual(expect.arrayContaining(["purchase", "consume", "refund"]));
    },
  );

  it(
    "an auto top-up run by many workers at once charges once; a decline is retried a day later with an email",
    { timeout: 60_000 },
    async () => {
      const user = await env.createUser();
      const customer = await ensureBillingCustomer({ id: user.id, email: user.email });
      const card = await env.stripe.paymentMethods.attach("pm_card_visa", { customer: customer.providerCustomerId });
      await env.stripe.customers.update(customer.providerCustomerId, { invoice_settings: { default_payment_method: card.id } });
      await grant(user.id);
      await setAutoTopUp(user.id, { enabled: true, threshold: 20, pack: "jobs_100" });
      await expect(setAutoTopUp(user.id, { enabled: true, threshold: 100, pack: "jobs_100" })).rejects.toSatisfy((e) =>
        isAppError(e, "bad_request"),
      );

      // Down to 10 credits, in parallel: the crossing opens one top-up whatever the interleaving.
      await Promise.all(Array.from({ length: 19 }, () => consume(user.id, "jobs", 5)));
      expect(await balanceOf(user.id)).toBe(10);
      expect(await db().select().from(creditTopUps).where(eq(creditTopUps.accountId, user.id))).toHaveLength(1);

      const reports = await Promise.all(Array.from({ length: 5 }, () => runAutoTopUps()));
      expect(reports.reduce((n, r) => n + r.succeeded, 0)).toBe(1);
      await env.flush(); // payment_intent.succeeded: credited already, nothing more
      expect(await balanceOf(user.id)).toBe(110);
      const intents = await env.stripe.paymentIntents.list({ customer: customer.providerCustomerId });
      expect(intents.data.filter((pi) => pi.status === "succeeded")).toHaveLength(1);
      expect((await ledgerOf(user.id)).filter((l) => l.kind === "purchase" && l.source === "auto_top_up")).toHaveLength(1);
      expect((await runAutoTopUps()).succeeded).toBe(0);

      // The next crossing, with a card that declines: failed, an email, retried a day later with a working card.
      const failing = await env.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.providerCustomerId });
      await env.stripe.customers.update(customer.providerCustomerId, { invoice_settings: { default_payment_method: failing.id } });
      await consume(user.id, "jobs", 95);
      expect(await runAutoTopUps()).toMatchObject({ succeeded: 0, declined: 1 });
      const [failed] = await db()
        .select()
        .from(creditTopUps)
        .where(and(eq(creditTopUps.accountId, user.id), eq(creditTopUps.status, "failed")));
      expect(failed).toMatchObject({ attempts: 1 });
      expect(failed.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(23 * 3_600_000);
      expect(
        await db()
          .select()
          .from(notifications)
          .where(and(eq(notifications.accountId, user.id), eq(notifications.kind, "credit_top_up_failed"))),
      ).toHaveLength(1);
      expect((await runAutoTopUps()).declined).toBe(0); // not due yet
      await env.stripe.customers.update(customer.providerCustomerId, { invoice_settings: { default_payment_method: card.id } });
      expect(await runAutoTopUps({ now: new Date(Date.now() + 25 * 3_600_000) })).toMatchObject({ succeeded: 1 });
      expect(await balanceOf(user.id)).toBe(115);
    },
  );
});
