import type { Queryable, Transaction } from "@/db/client";
import { selectPreparedText } from "@/db/client";
import type { MeterContext } from "../metering/context";
import { num, usageResult, type UsageResult } from "../metering/result";

/**
 * Drawing prepaid credits when the plan's included amount cannot cover a consume: one short
 * transaction, no network call. It locks the account's credit balance for the meter first (credit
 * draws, purchases and refunds of one balance queue behind each other), then the period's counter
 * (the same row lock the single-statement limit check takes, so plain consumes queue too), splits
 * the quantity into what the included amount still covers and what credits pay, and records both or
 * nothing. Lock order is always balance, then counter; nothing locks them the other way round.
 */

/** $1 account, $2 meter, $3 guard a cached entitlement, $4.. its stale check (see consume.ts). */
const LOCK_BALANCE = (stale: string) => `
  select balance, (${stale}) as stale from credit_balances
  where account_id = $1::uuid and meter = $2::text
  for update`;

/** $1 account, $2 meter, $3 period start, $4 period end: the counter row, created if missing, locked. */
const LOCK_COUNTER = `
  insert into usage_counters as c (account_id, meter, period_start, period_end, used, reserved)
  values ($1::uuid, $2::text, $3::timestamptz, $4::timestamptz, 0, 0)
  on conflict (account_id, meter, period_start) do update set updated_at = c.updated_at
  returning c.used, c.reserved`;

/**
 * $1 account, $2 meter, $3 period start, $4 period end, $5 quantity, $6 from credits, $7 limit,
 * $8 idempotency key, $9 API key, $10 metadata. Moves the counter and the balance, records the
 * usage event and the ledger line, and opens an auto top-up for this crossing (unique per
 * generation) when the balance falls below the account's threshold.
 */
const DRAW = `
  with counter as (
    update usage_counters c set used = c.used + $5::bigint, credits_used = c.credits_used + $6::bigint, updated_at = now()
    where c.account_id = $1::uuid and c.meter = $2::text and c.period_start = $3::timestamptz
    returning c.used, c.reserved
  ),
  bal as (
    update credit_balances b set balance = b.balance - $6::bigint, version = b.version + 1, updated_at = now()
    where b.account_id = $1::uuid and b.meter = $2::text
    returning b.balance, b.generation, b.auto_top_up_enabled, b.auto_top_up_threshold, b.auto_top_up_pack
  ),
  event as (
    insert into usage_events (account_id, meter, quantity, idempotency_key, period_start, period_end, api_key_id, metadata, used_after, limit_at, billable_quantity)
    select $1::uuid, $2::text, $5::bigint, $8::text, $3::timestamptz, $4::timestamptz, $9::uuid, $10::jsonb, counter.used, $7::bigint, 0
    from counter
    returning id
  ),
  ledger as (
    insert into credit_ledger (account_id, meter, kind, units, balance_after, idempotency_key, source)
    select $1::uuid, $2::text, 'consume', -$6::bigint, bal.balance, 'consume:' || event.id::text, event.id::text
    from event, bal
    where $6::bigint > 0
    returning id
  ),
  top_up as (
    insert into credit_top_ups (account_id, meter, generation, pack_id)
    select $1::uuid, $2::text, bal.generation, bal.auto_top_up_pack
    from bal
    where bal.auto_top_up_enabled and bal.auto_top_up_pack is not null and bal.balance < bal.auto_top_up_threshold
    on conflict (account_id, meter, generation) do nothing
    returning id
  )
  select counter.used, counter.reserved, bal.balance, (select count(*) from ledger) as ledger, (select count(*) from top_up) as top_ups
  from counter, bal`;

export interface DrawOptions {
  idempotencyKey: string | null;
  apiKeyId: string | null;
  metadata: Record<string, string>;
  /** The SQL of the cached-entitlement stale check over $1 and $3.. (consume.ts), or null when the context is fresh. */
  staleCheck: { sql: string; params: unknown[] } | null;
}

export type DrawOutcome =
  | { kind: "recorded"; result: UsageResult }
  | { kind: "refused"; balance: number }
  | { kind: "stale" };

/**
 * Records `quantity` units of a `block` meter past what its included amount covers, paying the rest
 * from credits; refused (nothing written) when the balance cannot pay its share. A concurrent first
 * use of the same idempotency key fails the usage event's unique index and rolls everything back
 * (the caller replays the first result, as for a plain consume).
 */
export async function drawCredits(db: Queryable, ctx: MeterContext, quantity: number, options: DrawOptions): Promise<DrawOutcome> {
  const limit = ctx.limit ?? 0;
  return (db as Transaction).transaction(async (tx) => {
    const stale = options.staleCheck?.sql ?? "false";
    const [balanceRow] = await selectPreparedText<{ balance: unknown; stale: boolean }>(
      tx,
      options.staleCheck ? "credits_lock_balance_guarded" : "credits_lock_balance",
      LOCK_BALANCE(stale),
      [ctx.accountId, ctx.meter, ...(options.staleCheck?.params ?? [])],
    );
    if (!balanceRow) return { kind: "refused", balance: 0 };
    if (balanceRow.stale) return { kind: "stale" };
    const balance = num(balanceRow.balance);
    const start = ctx.period.start.toISOString();
    const end = ctx.period.end.toISOString();
    const [counter] = await selectPreparedText<{ used: unknown; reserved: unknown }>(tx, "credits_lock_counter", LOCK_COUNTER, [ctx.accountId, ctx.meter, start, end]);
    const included = Math.min(quantity, Math.max(0, limit - num(counter?.used) - num(counter?.reserved)));
    const fromCredits = quantity - included;
    if (fromCredits > balance) return { kind: "refused", balance };
    const [row] = await selectPreparedText<{ used: unknown; reserved: unknown; balance: unknown }>(tx, "credits_draw", DRAW, [
      ctx.accountId,
      ctx.meter,
      start,
      end,
      quantity,
      fromCredits,
      ctx.limit,
      options.idempotencyKey,
      options.apiKeyId,
      JSON.stringify(options.metadata),
    ]);
    const after = num(row?.balance);
    return {
      kind: "recorded",
      result: usageResult(ctx, true, num(row?.used), num(row?.reserved), { creditsDrawn: fromCredits, creditBalance: after }),
    };
  });
}

/** The credit balance of one meter, for a refused consume's answer (no lock). */
export async function readCreditBalance(db: Queryable, accountId: string, meter: string): Promise<number> {
  const [row] = await selectPreparedText<{ balance: unknown }>(db, "credits_balance", `select balance from credit_balances where account_id = $1::uuid and meter = $2::text`, [accountId, meter]);
  return num(row?.balance);
}

/** Locks the meter's credit balance row (if any) first, as every transaction that moves credits and a counter does. */
export async function lockCreditBalance(tx: Transaction, accountId: string, meter: string): Promise<void> {
  await selectPreparedText(tx, "credits_lock_only", `select 1 from credit_balances where account_id = $1::uuid and meter = $2::text for update`, [accountId, meter]);
}

/**
 * Gives `units` of refunded usage that credits had paid for back to the balance, inside the usage
 * refund's transaction, which locked the balance (lockCreditBalance) before the counter.
 */
export async function returnCredits(tx: Transaction, accountId: string, meter: string, units: number, eventId: string): Promise<void> {
  await selectPreparedText(
    tx,
    "credits_return",
    `with bal as (
       update credit_balances set balance = balance + $3::bigint, version = version + 1, updated_at = now()
       where account_id = $1::uuid and meter = $2::text
       returning balance)
     insert into credit_ledger (account_id, meter, kind, units, balance_after, idempotency_key, source)
     select $1::uuid, $2::text, 'return', $3::bigint, bal.balance, 'return:' || $4::text, $4::text from bal
     on conflict (idempotency_key) do nothing
     returning id`,
    [accountId, meter, units, eventId],
  );
}
