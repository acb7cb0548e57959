import "server-only";
import type { Queryable, Transaction } from "@/db/client";
import { selectPreparedText } from "@/db/client";
import type { MeterContext } from "../metering/context";
import { num, usageResult, windowCountsOf, type UsageResult } from "../metering/result";
import { windowFitsText, windowInsertFitsText, windowInsertText, windowSetText } from "../metering/windows";

/**
 * Drawing prepaid credits when the plan's included amount cannot cover a consume: ONE statement, no
 * transaction around it, no network call (so it works the same on PGlite and through PgBouncer). It
 * locks the account's credit balance for the meter first (`bal`, FOR UPDATE: credit draws,
 * purchases and refunds of one balance queue behind each other), then upserts the period's counter
 * under its row lock (the lock the single-statement limit check takes, so plain consumes queue too),
 * splitting the quantity there, on the latest counter, into what the included amount still covers
 * and what credits pay; the counter moves only if the balance covers its share, and then the
 * balance, the usage event, the ledger line and (below the auto top-up threshold) one top-up per
 * crossing are written with it, or nothing is. Lock order is always balance, then counter.
 *
 * $1 account, $2 meter, $3 period start, $4 period end, $5 quantity, $6 limit, $7 idempotency key,
 * $8 API key, $9 metadata, $10 the current UTC day's start and $11 its cap, $12 the current UTC
 * hour's start and $13 its cap (lib/billing/metering/windows.ts: credits extend the period's
 * allowance, never a shorter window's); then the cached-entitlement stale check's parameters
 * ($14..), if any.
 */
const DRAW = (stale: string) => `
  with bal as materialized (
    select balance from credit_balances
    where account_id = $1::uuid and meter = $2::text and not (${stale})
    for update
  ),
  counter as (
    insert into usage_counters as c (account_id, meter, period_start, period_end, used, reserved, credits_used, day_start, day_used, hour_start, hour_used)
    select $1::uuid, $2::text, $3::timestamptz, $4::timestamptz, $5::bigint, 0, $5::bigint - least($5::bigint, greatest(0, $6::bigint)),
      $10::timestamptz, ${windowInsertText("day", "$10", "$5::bigint")}, $12::timestamptz, ${windowInsertText("hour", "$12", "$5::bigint")}
    from bal
    where $5::bigint - least($5::bigint, greatest(0, $6::bigint)) <= bal.balance
      and ${windowInsertFitsText("day", "$10", "$11", "$5::bigint")} and ${windowInsertFitsText("hour", "$12", "$13", "$5::bigint")}
      and ($7::text is null or not exists (
        select 1 from usage_event_keys e where e.account_id = $1::uuid and e.idempotency_key = $7::text))
    on conflict (account_id, meter, period_start) do update
      set used = c.used + excluded.used,
        credits_used = c.credits_used + (excluded.used - least(excluded.used, greatest(0, $6::bigint - c.used - c.reserved))),
        ${windowSetText("day", "$10", "$5::bigint")}, ${windowSetText("hour", "$12", "$5::bigint")},
        updated_at = now()
      where excluded.used - least(excluded.used, greatest(0, $6::bigint - c.used - c.reserved)) <= (select balance from bal)
        and ${windowFitsText("day", "$10", "$11", "$5::bigint")} and ${windowFitsText("hour", "$12", "$13", "$5::bigint")}
    returning c.used, c.reserved, c.day_start, c.day_used, c.hour_start, c.hour_used, $5::bigint - least($5::bigint, greatest(0, $6::bigint - (c.used - $5::bigint) - c.reserved)) as from_credits
  ),
  moved as (
    update credit_balances b set balance = b.balance - counter.from_credits, version = b.version + 1, updated_at = now()
    from counter
    where b.account_id = $1::uuid and b.meter = $2::text
    returning b.balance, b.generation, b.auto_top_up_enabled, b.auto_top_up_threshold, b.auto_top_up_pack
  ),
  event as (
    insert into usage_events (account_id, meter, quantity, idempotency_key, period_start, period_end, api_key_id, metadata, used_after, limit_at, billable_quantity)
    select $1::uuid, $2::text, $5::bigint, $7::text, $3::timestamptz, $4::timestamptz, $8::uuid, $9::jsonb, counter.used, $6::bigint, 0
    from counter
    returning id
  ),
  ledger as (
    insert into credit_ledger (account_id, meter, kind, units, balance_after, idempotency_key, source)
    select $1::uuid, $2::text, 'consume', -counter.from_credits, moved.balance, 'consume:' || event.id::text, event.id::text
    from counter, moved, event
    where counter.from_credits > 0
    returning id
  ),
  top_up as (
    insert into credit_top_ups (account_id, meter, generation, pack_id)
    select $1::uuid, $2::text, moved.generation, moved.auto_top_up_pack
    from moved
    where moved.auto_top_up_enabled and moved.auto_top_up_pack is not null and moved.balance < moved.auto_top_up_threshold
    on conflict (account_id, meter, generation) do nothing
    returning id
  )
  select counter.used, counter.reserved, counter.day_start, counter.day_used, counter.hour_start, counter.hour_used, counter.from_credits, moved.balance, (select count(*) from ledger) as ledger, (select count(*) from top_up) as top_ups
  from counter, moved`;

export interface DrawOptions {
  idempotencyKey: string | null;
  apiKeyId: string | null;
  metadata: Record<string, string>;
  /** The SQL of the cached-entitlement stale check over $1 and $10.. (consume.ts), or null when the context is fresh. */
  staleCheck: { sql: string; params: unknown[] } | null;
}

/**
 * Records `quantity` units of a `block` meter past what its included amount covers, paying the rest
 * from credits; undefined (nothing written) when the balance cannot pay its share, there is none,
 * the idempotency key was used, or the cached entitlement went stale (the caller tells which). A
 * concurrent first use of the same key fails the usage event's unique index and rolls the statement
 * back (the caller replays the first result, as for a plain consume).
 */
export async function drawCredits(
  db: Queryable,
  ctx: MeterContext,
  quantity: number,
  options: DrawOptions,
): Promise<UsageResult | undefined> {
  const [row] = await selectPreparedText<{
    used: unknown;
    reserved: unknown;
    from_credits: unknown;
    balance: unknown;
    day_start: unknown;
    day_used: unknown;
    hour_start: unknown;
    hour_used: unknown;
  }>(db, options.staleCheck ? "credits_draw_guarded" : "credits_draw", DRAW(options.staleCheck?.sql ?? "false"), [
    ctx.accountId,
    ctx.meter,
    ctx.period.start.toISOString(),
    ctx.period.end.toISOString(),
    quantity,
    ctx.limit ?? 0,
    options.idempotencyKey,
    options.apiKeyId,
    JSON.stringify(options.metadata),
    ctx.clock.dayStart,
    ctx.clock.dayLimit,
    ctx.clock.hourStart,
    ctx.clock.hourLimit,
    ...(options.staleCheck?.params ?? []),
  ]);
  if (!row) return undefined;
  return usageResult(
    ctx,
    true,
    num(row.used),
    num(row.reserved),
    { creditsDrawn: num(row.from_credits), creditBalance: num(row.balance) },
    windowCountsOf(ctx, row),
  );
}

/** The credit balance of one meter, for a refused consume's answer (no lock). */
export async function readCreditBalance(db: Queryable, accountId: string, meter: string): Promise<number> {
  const [row] = await selectPreparedText<{ balance: unknown }>(
    db,
    "credits_balance",
    `select balance from credit_balances where account_id = $1::uuid and meter = $2::text`,
    [accountId, meter],
  );
  return num(row?.balance);
}

/** Locks the meter's credit balance row (if any) first, as every transaction that moves credits and a counter does. */
export async function lockCreditBalance(tx: Transaction, accountId: string, meter: string): Promise<void> {
  await selectPreparedText(
    tx,
    "credits_lock_only",
    `select 1 from credit_balances where account_id = $1::uuid and meter = $2::text for update`,
    [accountId, meter],
  );
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
