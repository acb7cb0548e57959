import "server-only";
import { addDays } from "date-fns";
import { and, eq, sql } from "drizzle-orm";
import { getDb, selectRows, type Database, type Queryable } from "@/db/client";
import { creditTopUps, type CreditTopUp } from "@/db/schema";
import { logger } from "@/lib/logger";
import { confirmOffSession, defaultPaymentMethodOf, retrievePaymentIntent, topUpPaymentIntent } from "@/lib/stripe/credits";
import { stripeErrorType } from "@/lib/stripe/errors";
import { findBillingCustomer } from "../customers";
import { queueNotification } from "../notifications";
import { findCreditPack, isMeterId, meterDefinition } from "../plans";
import { creditPurchase } from "./ledger";

/**
 * The auto top-up job: recharges a balance that fell below its threshold with the saved default
 * card, off session. A crossing is one `credit_top_ups` row, unique per (account, meter,
 * generation): the draw that crosses opens it (lib/billing/credits/draw.ts), and this job opens any
 * the draws missed (settings turned on below the threshold, a refund). Each row has exactly one
 * PaymentIntent (idempotency key = the row id), so whichever instances run the job at once, and
 * however often a worker crashes and another takes over, one crossing charges at most once. Rows
 * are claimed with FOR UPDATE SKIP LOCKED under a lease; Stripe is called with no transaction open.
 * A decline is retried 1, 3 and 5 days later (as dunning is), with an email each time, then abandoned.
 */

export const TOP_UP_RETRY_DAYS = [1, 3, 5] as const;
const LEASE_MS = 5 * 60_000;
const BATCH = 20;

export interface TopUpReport {
  opened: number;
  succeeded: number;
  declined: number;
  abandoned: number;
}

/** Opens a crossing for every balance below its threshold that has none for its generation yet. */
async function openMissedCrossings(db: Queryable): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    db,
    sql`with opened as (
          insert into credit_top_ups (account_id, meter, generation, pack_id)
          select account_id, meter, generation, auto_top_up_pack from credit_balances
          where auto_top_up_enabled and auto_top_up_pack is not null and balance < auto_top_up_threshold
          limit 500
          on conflict (account_id, meter, generation) do nothing
          returning 1)
        select count(*)::int as n from opened`,
  );
  return Number(row?.n ?? 0);
}

/** Claims due crossings for this worker: one attempt more each, held for the lease. */
async function claimDue(db: Queryable, now: Date): Promise<CreditTopUp[]> {
  const due = db
    .select({ id: creditTopUps.id })
    .from(creditTopUps)
    .where(
      and(
        sql`${creditTopUps.status} in ('pending', 'failed')`,
        sql`${creditTopUps.nextAttemptAt} <= ${now.toISOString()}::timestamptz`,
        sql`(${creditTopUps.claimedUntil} is null or ${creditTopUps.claimedUntil} <= ${now.toISOString()}::timestamptz)`,
      ),
    )
    .orderBy(creditTopUps.nextAttemptAt)
    .limit(BATCH)
    .for("update", { skipLocked: true });
  return db
    .update(creditTopUps)
    .set({ attempts: sql`${creditTopUps.attempts} + 1`, claimedUntil: new Date(now.getTime() + LEASE_MS) })
    .where(sql`${creditTopUps.id} in (${due})`)
    .returning();
}

type Attempt =
  | { kind: "succeeded"; paymentIntentId: string; amount: number; currency: string }
  | { kind: "declined"; reason: string; paymentIntentId: string | null }
  | { kind: "abandon"; reason: string };

/** The network half of one attempt: the crossing's PaymentIntent, confirmed with the saved card unless it already succeeded. */
async function attempt(db: Queryable, row: CreditTopUp): Promise<Attempt> {
  const found = findCreditPack(row.packId);
  if (!found) return { kind: "abandon", reason: `pack ${row.packId} is no longer sold` };
  const customer = await findBillingCustomer(db, row.accountId);
  if (!customer || customer.deletedAt) return { kind: "abandon", reason: "no billing customer" };
  const { pack } = found;
  // The crossing's one PaymentIntent: made once (Stripe's idempotency keys last a day, retries come
  // days later, so its id is kept on the row), then always re-read for its current status.
  let intentId = row.paymentIntentId;
  if (!intentId) {
    const created = await topUpPaymentIntent({
      topUpId: row.id,
      customerId: customer.providerCustomerId,
      accountId: row.accountId,
      packId: pack.id,
      amount: pack.amount,
      currency: pack.currency,
    });
    await db
      .update(creditTopUps)
      .set({ paymentIntentId: created.id })
      .where(and(eq(creditTopUps.id, row.id), sql`${creditTopUps.paymentIntentId} is null`));
    const [stored] = await db.select({ id: creditTopUps.paymentIntentId }).from(creditTopUps).where(eq(creditTopUps.id, row.id));
    intentId = stored?.id ?? created.id;
  }
  let intent = await retrievePaymentIntent(intentId);
  if (intent.status !== "succeeded") {
    if (intent.status !== "requires_payment_method" && intent.status !== "requires_confirmation") {
      return { kind: "declined", reason: `payment is ${intent.status}`, paymentIntentId: intent.id };
    }
    const card = await defaultPaymentMethodOf(customer.providerCustomerId);
    if (!card) return { kind: "declined", reason: "no saved card", paymentIntentId: intent.id };
    try {
      intent = await confirmOffSession(intent.id, card, row.attempts);
    } catch (error) {
      if (stripeErrorType(error) !== "StripeCardError") throw error;
      return { kind: "declined", reason: (error as Error).message, paymentIntentId: intent.id };
    }
    if (intent.status !== "succeeded") return { kind: "declined", reason: `payment is ${intent.status}`, paymentIntentId: intent.id };
  }
  return { kind: "succeeded", paymentIntentId: intent.id, amount: intent.amount, currency: intent.currency };
}

/** Credits a succeeded top-up payment and closes its crossing, in one short transaction (also from payment_intent.succeeded). */
export async function recordTopUpSuccess(
  tx: Queryable,
  topUpId: string,
  payment: { accountId: string; packId: string; paymentIntentId: string; amount: number; currency: string },
) {
  await creditPurchase(tx, { ...payment, source: "auto_top_up" });
  await tx
    .update(creditTopUps)
    .set({ status: "succeeded", paymentIntentId: payment.paymentIntentId, claimedUntil: null, lastError: null })
    .where(and(eq(creditTopUps.id, topUpId), sql`${creditTopUps.status} <> 'succeeded'`));
}

async function recordDecline(
  db: Database,
  row: CreditTopUp,
  reason: string,
  paymentIntentId: string | null,
  now: Date,
  abandon: boolean,
): Promise<"declined" | "abandoned"> {
  const retryDays = TOP_UP_RETRY_DAYS[row.attempts - 1];
  const giveUp = abandon || retryDays === undefined;
  const label = isMeterId(row.meter) ? meterDefinition(row.meter).label : row.meter;
  await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(creditTopUps)
      .set({
        status: giveUp ? "abandoned" : "failed",
        lastError: reason.slice(0, 500),
        paymentIntentId,
        claimedUntil: null,
        nextAttemptAt: giveUp ? now : addDays(now, retryDays),
      })
      .where(and(eq(creditTopUps.id, row.id), sql`${creditTopUps.status} in ('pending', 'failed')`))
      .returning({ id: creditTopUps.id });
    if (!updated || abandon) return;
    await queueNotification(tx, {
      accountId: row.accountId,
      kind: "credit_top_up_failed",
      sourceEventId: `credit-top-up:${row.id}:${row.attempts}`,
      subject: "Your credit top-up failed",
      body: `We could not charge your saved card to top up your ${label} credits (${reason}). ${
        giveUp ? "We will not try again for this top-up." : `We will try again on ${addDays(now, retryDays).toISOString().slice(0, 10)}.`
      } Please update your payment method in the billing page.`,
    });
  });
  return giveUp ? "abandoned" : "declined";
}

/** One round of auto top-ups; safe on every instance at once. */
export async function runAutoTopUps(options: { now?: Date } = {}): Promise<TopUpReport> {
  const now = options.now ?? new Date();
  const db = await getDb();
  const report: TopUpReport = { opened: await openMissedCrossings(db), succeeded: 0, declined: 0, abandoned: 0 };
  for (const row of await claimDue(db, now)) {
    try {
      const outcome = await attempt(db, row);
      if (outcome.kind === "succeeded") {
        await db.transaction((tx) => recordTopUpSuccess(tx, row.id, { accountId: row.accountId, packId: row.packId, ...outcome }));
        report.succeeded += 1;
      } else {
        const result = await recordDecline(
          db,
          row,
          outcome.reason,
          outcome.kind === "declined" ? outcome.paymentIntentId : null,
          now,
          outcome.kind === "abandon",
        );
        report[result] += 1;
      }
    } catch (error) {
      // Stripe or the database unreachable: the lease runs out and a later round tries again.
      logger.warn({ err: error, topUpId: row.id }, "auto top-up attempt failed; retried after its lease");
    }
  }
  return report;
}
