import "server-only";
import { and, desc, eq, sql } from "drizzle-orm";
import { selectRows, type Queryable, type Transaction } from "@/db/client";
import { creditBalances, creditLedger, creditTopUps, type CreditLedgerEntry, type CreditTopUp } from "@/db/schema";
import { badRequest } from "@/lib/errors";
import { creditPacks, findCreditPack, PREPAID_METER_IDS, meterDefinition, type CreditPack, type MeterId } from "../plans";
import { pgErrorCode } from "../metering/errors";
import { num } from "../metering/result";

/**
 * The credit balance's writes other than draws (./draw.ts): purchases, refunds in Stripe, and the
 * auto top-up settings. Each is one statement on the balance row (its row lock orders them), and
 * every ledger line carries a unique idempotency key, so a redelivered webhook or a retried job
 * never counts twice.
 */

export interface Purchase {
  accountId: string;
  packId: string;
  paymentIntentId: string;
  amount: number;
  currency: string;
  source: "checkout" | "auto_top_up";
}

/**
 * Credits a paid pack once per PaymentIntent (key `pi:<id>`), whatever delivers it first (the
 * Checkout webhook, payment_intent.succeeded, or the auto top-up job): the ledger line and the
 * balance move together or not at all. A new purchase starts a new generation (the next threshold
 * crossing may top up again). Returns the balance after, or null when it was credited before.
 */
export async function creditPurchase(db: Queryable, purchase: Purchase): Promise<number | null> {
  const found = findCreditPack(purchase.packId);
  if (!found) throw badRequest(`Unknown credit pack "${purchase.packId}".`, { field: "pack" });
  const { meter, pack } = found;
  const key = `pi:${purchase.paymentIntentId}`;
  // One statement: the balance moves and its ledger line is written together. Two concurrent
  // deliveries of one payment both pass the existence check; the second fails the ledger's unique
  // key, which rolls back its whole statement, balance included (in a savepoint, so the caller's
  // transaction goes on), and it answers "credited before".
  try {
    return await (db as Transaction).transaction(async (tx) => {
      const [row] = await selectRows<{ balance: unknown }>(
        tx,
        sql`
          with bal as (
            insert into credit_balances as b (account_id, meter, balance, generation)
            select ${purchase.accountId}::uuid, ${meter}, ${pack.units}::bigint, 1
            where not exists (select 1 from credit_ledger where idempotency_key = ${key})
            on conflict (account_id, meter) do update
              set balance = b.balance + excluded.balance, generation = b.generation + 1, version = b.version + 1, updated_at = now()
            returning b.balance
          ),
          line as (
            insert into credit_ledger (account_id, meter, kind, units, balance_after, idempotency_key, pack_id, payment_intent_id, amount, currency, source)
            select ${purchase.accountId}::uuid, ${meter}, 'purchase', ${pack.units}::bigint, bal.balance, ${key},
              ${pack.id}, ${purchase.paymentIntentId}, ${purchase.amount}::int, ${purchase.currency}, ${purchase.source}
            from bal
            returning id
          )
          select bal.balance from bal, line`,
      );
      return row ? num(row.balance) : null;
    });
  } catch (error) {
    if (pgErrorCode(error) === "23505") return null;
    throw error;
  }
}

/**
 * A refund in Stripe of a pack's payment: the pack's units in proportion to what was refunded so
 * far (`amountRefunded` is the charge's running total), less what earlier refunds took, come off
 * the balance, but never more than is left unspent. Idempotent per running total: a redelivered or
 * out-of-order charge.refunded changes nothing (the purchase's `refunded_units` only grows).
 * Returns the units removed (0 when none, or for a payment that bought no credits).
 */
export async function removeRefundedCredits(
  db: Queryable,
  input: { paymentIntentId: string; chargeId: string; amountRefunded: number },
): Promise<number> {
  return (db as Transaction).transaction(async (tx) => {
    const [purchase] = await selectRows<{
      id: string;
      account_id: string;
      meter: string;
      units: unknown;
      amount: unknown;
      refunded_units: unknown;
    }>(
      tx,
      sql`select id, account_id, meter, units, amount, refunded_units from credit_ledger
          where payment_intent_id = ${input.paymentIntentId} and kind = 'purchase' for update`,
    );
    if (!purchase || !num(purchase.amount)) return 0;
    const units = num(purchase.units);
    const target = Math.min(units, Math.floor((units * Math.min(input.amountRefunded, num(purchase.amount))) / num(purchase.amount)));
    const owed = target - num(purchase.refunded_units);
    if (owed <= 0) return 0;
    const [bal] = await selectRows<{ balance: unknown; removed: unknown }>(
      tx,
      sql`with old as (
            select balance from credit_balances where account_id = ${purchase.account_id}::uuid and meter = ${purchase.meter} for update)
          update credit_balances b set balance = b.balance - least(b.balance, ${owed}::bigint), version = b.version + 1, updated_at = now()
          from old
          where b.account_id = ${purchase.account_id}::uuid and b.meter = ${purchase.meter}
          returning b.balance, old.balance - b.balance as removed`,
    );
    const removed = num(bal?.removed);
    await tx.update(creditLedger).set({ refundedUnits: target }).where(eq(creditLedger.id, purchase.id));
    await tx
      .insert(creditLedger)
      .values({
        accountId: purchase.account_id,
        meter: purchase.meter,
        kind: "refund",
        units: -removed,
        balanceAfter: num(bal?.balance),
        idempotencyKey: `refund:${input.chargeId}:${input.amountRefunded}`,
        paymentIntentId: input.paymentIntentId,
        source: input.chargeId,
      })
      .onConflictDoNothing({ target: creditLedger.idempotencyKey });
    return removed;
  });
}

export interface CreditHistoryLine {
  id: string;
  kind: CreditLedgerEntry["kind"];
  units: number;
  balanceAfter: number;
  packId: string | null;
  amount: number | null;
  currency: string | null;
  createdAt: string;
}

export interface MeterCredits {
  meter: MeterId;
  label: string;
  unit: string;
  balance: number;
  packs: readonly CreditPack[];
  autoTopUp: { enabled: boolean; threshold: number | null; packId: string | null };
  /** The newest auto top-up (its status, attempts and next retry after a decline). */
  lastTopUp: (Pick<CreditTopUp, "status" | "attempts" | "lastError" | "packId"> & { nextAttemptAt: string; createdAt: string }) | null;
  history: CreditHistoryLine[];
}

export const CREDIT_HISTORY_LIMIT = 20;

/** Every prepaid meter's balance, settings and recent history for an account: the billing page's and admin console's one read. */
export async function readAccountCredits(db: Queryable, accountId: string): Promise<MeterCredits[]> {
  const balances = await db.select().from(creditBalances).where(eq(creditBalances.accountId, accountId));
  return Promise.all(
    PREPAID_METER_IDS.map(async (meter) => {
      const balance = balances.find((b) => b.meter === meter);
      const [history, [lastTopUp]] = await Promise.all([
        db
          .select()
          .from(creditLedger)
          .where(and(eq(creditLedger.accountId, accountId), eq(creditLedger.meter, meter)))
          .orderBy(desc(creditLedger.createdAt), desc(creditLedger.id))
          .limit(CREDIT_HISTORY_LIMIT),
        db
          .select()
          .from(creditTopUps)
          .where(and(eq(creditTopUps.accountId, accountId), eq(creditTopUps.meter, meter)))
          .orderBy(desc(creditTopUps.createdAt))
          .limit(1),
      ]);
      const definition = meterDefinition(meter);
      return {
        meter,
        label: definition.label,
        unit: definition.unit,
        balance: num(balance?.balance),
        packs: creditPacks(meter),
        autoTopUp: {
          enabled: balance?.autoTopUpEnabled ?? false,
          threshold: balance?.autoTopUpThreshold ?? null,
          packId: balance?.autoTopUpPack ?? null,
        },
        lastTopUp: lastTopUp
          ? {
              status: lastTopUp.status,
              attempts: lastTopUp.attempts,
              lastError: lastTopUp.lastError,
              packId: lastTopUp.packId,
              nextAttemptAt: lastTopUp.nextAttemptAt.toISOString(),
              createdAt: lastTopUp.createdAt.toISOString(),
            }
          : null,
        history: history.map((h) => ({
          id: h.id,
          kind: h.kind,
          units: h.units,
          balanceAfter: h.balanceAfter,
          packId: h.packId,
          amount: h.amount,
          currency: h.currency,
          createdAt: h.createdAt.toISOString(),
        })),
      };
    }),
  );
}
