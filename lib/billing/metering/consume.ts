import "server-only";
import { recordUsageAlerts } from "./alerts";
import { sql } from "drizzle-orm";
import { getDb, selectPreparedText, selectRows, type Queryable } from "@/db/client";
import { AppError, conflict } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { drawCredits, lockCreditBalance, readCreditBalance, returnCredits } from "../credits/draw";
import { isPrepaidMeter, meterDefinition, type MeterId } from "../plans";
import {
  cachedEntitlement,
  dropStaleEntitlement,
  loadCachedEntitlement,
  loadMeterContext,
  meterContext,
  staleSince,
  type MeterContext,
} from "./context";
import { pgErrorCode } from "./errors";
import { calendarMonth } from "./periods";
import { releaseExpiredReservations } from "./sweep";
import { assertQuantity, num, numOrNull, usageResult, windowCountsOf, type UsageResult, type WindowCounts } from "./result";
import { overageCost, readSpendCap, spendCapState } from "./spend-caps";
import { windowFitsText, windowInsertFitsText, windowInsertText, windowRefundSql, windowSetText, windowUsedSql } from "./windows";
import { isDatabaseUnavailable } from "@/db/errors";

export interface ConsumeOptions {
  /** The same key counts once per user: a retry answers the first call's result. */
  idempotencyKey?: string | null;
  metadata?: Record<string, string>;
  /** The API key the call came through, for the audit trail. */
  apiKeyId?: string | null;
  /** The moment to meter at (tests on test clocks); defaults to now. */
  now?: Date;
}

/**
 * The spend cap guard over the counter's `used` after the call: on a billed meter ($20 its price)
 * the overage past the limit ($6) must cost no more than the account's cap (none: no bound).
 */
const spendCapFitsText = (usedAfter: string) => `($20::numeric is null or coalesce(
  greatest(0, ${usedAfter} - $6::bigint)::numeric * $20::numeric <= (select s.cap_cents from spend_caps s where s.account_id = $1::uuid), true))`;

/**
 * The one statement that checks and records: the counter row is upserted only while it stays
 * within the limit (the row lock makes concurrent callers queue, and each re-checks the latest
 * value), the event is inserted only when the counter moved, and an idempotency key already on
 * record stops both, as does a cached entitlement that a subscription change made stale. A
 * concurrent first use of the same key fails the unique index and rolls the whole statement back
 * (handled by the caller as a duplicate). It answers a row only when it recorded; why it did not
 * (refused, duplicate, stale) is read afterwards, off the hot path.
 *
 * Written once as text: composing it per call cost more CPU than the round trip.
 * $1 user, $2 meter, $3 period start, $4 period end, $5 quantity, $6 limit (null = unlimited),
 * $7 enforce the limit, $8 bill the excess, $9 guard a cached entitlement, $10 its newest
 * subscription update, $11 idempotency key, $12 API key, $13 metadata, $14 and $15 the count and
 * newest update of the limit overrides it was built from; $16 the current UTC day's start and
 * $17 its cap, $18 the current UTC hour's start and $19 its cap (null = uncapped: the windows are
 * tracked anyway), $20 on a billed meter the overage's price per unit in minor units (null
 * elsewhere): the account's spend cap, read in the statement, bounds what the overage may cost.
 */
const CONSUME_STATEMENT = `
  with counter as (
    insert into usage_counters as c (account_id, meter, period_start, period_end, used, reserved, day_start, day_used, hour_start, hour_used)
    select $1::uuid, $2::text, $3::timestamptz, $4::timestamptz, $5::bigint, 0,
      $16::timestamptz, ${windowInsertText("day", "$16", "$5::bigint")}, $18::timestamptz, ${windowInsertText("hour", "$18", "$5::bigint")}
    where (not $7::boolean or $5::bigint <= $6::bigint)
      and ${windowInsertFitsText("day", "$16", "$17", "$5::bigint")} and ${windowInsertFitsText("hour", "$18", "$19", "$5::bigint")}
      and ${spendCapFitsText("$5::bigint")}
      and not ($9::boolean and ${staleSince("$1", "$10", "$14", "$15")})
      and ($11::text is null or not exists (
        select 1 from usage_event_keys e where e.account_id = $1::uuid and e.idempotency_key = $11::text))
    on conflict (account_id, meter, period_start) do update
      set used = c.used + excluded.used, ${windowSetText("day", "$16", "$5::bigint")}, ${windowSetText("hour", "$18", "$5::bigint")}, updated_at = now()
      where (not $7::boolean or c.used + c.reserved + excluded.used <= $6::bigint)
        and ${windowFitsText("day", "$16", "$17", "$5::bigint")} and ${windowFitsText("hour", "$18", "$19", "$5::bigint")}
        and ${spendCapFitsText("c.used + $5::bigint")}
    returning c.used, c.reserved, c.day_start, c.day_used, c.hour_start, c.hour_used,
      case when $20::numeric is not null then (select s.cap_cents from spend_caps s where s.account_id = $1::uuid) end as spend_cap
  ),
  event as (
    insert into usage_events (account_id, meter, quantity, idempotency_key, period_start, period_end, api_key_id, metadata, used_after, limit_at, billable_quantity)
    select $1::uuid, $2::text, $5::bigint, $11::text, $3::timestamptz, $4::timestamptz, $12::uuid, $13::jsonb, counter.used, $6::bigint,
      case when $8::boolean then least($5::bigint, greatest(0, counter.used - $6::bigint)) else 0 end
    from counter
    returning id
  )
  select used, reserved, day_start, day_used, hour_start, hour_used, spend_cap from counter`;

/** What a statement re-checks a cached entitlement against (see CachedEntitlement). */
type Guard = { newestUpdate: string | null; overrides: { count: number; newestUpdate: string | null } };

function consumeParams(ctx: MeterContext, quantity: number, options: ConsumeOptions, guard?: Guard): unknown[] {
  const bill = ctx.overage === "bill" && ctx.limit !== null;
  return [
    ctx.accountId,
    ctx.meter,
    ctx.period.start.toISOString(),
    ctx.period.end.toISOString(),
    quantity,
    ctx.limit,
    ctx.limit !== null && !bill,
    bill,
    guard !== undefined,
    guard?.newestUpdate ?? null,
    options.idempotencyKey ?? null,
    options.apiKeyId ?? null,
    JSON.stringify(options.metadata ?? {}),
    guard?.overrides.count ?? 0,
    guard?.overrides.newestUpdate ?? null,
    ctx.clock.dayStart,
    ctx.clock.dayLimit,
    ctx.clock.hourStart,
    ctx.clock.hourLimit,
    ctx.overagePrice?.unitAmountDecimal ?? null,
  ];
}

/**
 * $1 user, $2 idempotency key, $3 guard a cached entitlement, $4 its newest subscription update,
 * $5 and $6 the count and newest update of its limit overrides.
 */
const READ_MISS = `
  select ($3::boolean and ${staleSince("$1", "$4", "$5", "$6")}) as stale,
    prior.meter, prior.quantity, prior.used_after, prior.limit_at, prior.period_end
  from (select 1) as one
  left join usage_event_keys prior on prior.account_id = $1::uuid and prior.idempotency_key = $2::text`;

type Miss = { stale: boolean; meter: string | null; quantity: unknown; used_after: unknown; limit_at: unknown; period_end: unknown };

const priorOf = (miss: Miss) => ({
  meter: miss.meter,
  quantity: miss.quantity,
  usedAfter: miss.used_after,
  limitAt: miss.limit_at,
  periodEnd: miss.period_end,
});

/**
 * Why a consume recorded nothing: the cached entitlement went stale, the key was used (the event it
 * recorded, also when a concurrent first use won the race), or else the limit.
 */
async function readMiss(db: Queryable, ctx: MeterContext, key: string | null, guard: Guard | undefined): Promise<Miss | undefined> {
  const [row] = await selectPreparedText<Miss>(db, "consume_miss", READ_MISS, [
    ctx.accountId,
    key,
    guard !== undefined,
    guard?.newestUpdate ?? null,
    guard?.overrides.count ?? 0,
    guard?.overrides.newestUpdate ?? null,
  ]);
  return row;
}

/** The first answer given for an idempotency key, rebuilt from the event it recorded. */
export function replayResult(
  ctx: MeterContext,
  prior: { meter: string | null; quantity: unknown; usedAfter: unknown; limitAt: unknown; periodEnd: unknown },
  quantity: number,
): UsageResult {
  if (prior.meter !== ctx.meter || num(prior.quantity) !== quantity) {
    throw conflict("This idempotency key was already used for a different meter or quantity.", { field: "idempotencyKey" });
  }
  const used = num(prior.usedAfter);
  const limit = numOrNull(prior.limitAt);
  return {
    allowed: true,
    meter: ctx.meter,
    used,
    limit,
    remaining: limit === null ? null : Math.max(0, limit - used),
    resetsAt: new Date(prior.periodEnd as string).toISOString(),
    plan: ctx.plan,
    duplicate: true,
  };
}

/** Runs one consume statement for a context already loaded; used by `consume` and reservations. */
export async function consumeWithContext(
  db: Queryable,
  ctx: MeterContext,
  quantity: number,
  options: ConsumeOptions = {},
  guard?: Guard,
): Promise<UsageResult | "stale"> {
  const key = options.idempotencyKey ?? null;
  let row: ConsumedRow | undefined;
  try {
    [row] = await selectPreparedText<ConsumedRow>(db, "consume", CONSUME_STATEMENT, consumeParams(ctx, quantity, options, guard));
  } catch (error) {
    // Someone else recorded the same key between our snapshot and our insert: theirs is the first result.
    if (key && pgErrorCode(error) === "23505") {
      const miss = await readMiss(db, ctx, key, undefined);
      if (miss?.meter) return replayResult(ctx, priorOf(miss), quantity);
    }
    throw error;
  }
  if (row) {
    const used = num(row.used);
    const cap = numOrNull(row.spend_cap);
    const extra = cap !== null && ctx.overagePrice ? { spendCap: spendCapState(ctx, cap, used) } : {};
    return usageResult(ctx, true, used, num(row.reserved), extra, windowCountsOf(ctx, row));
  }
  const miss = await readMiss(db, ctx, key, guard);
  // Stale is re-read now, after the statement: updates only move forward, so stale then is stale now.
  if (miss?.stale) return "stale";
  if (key && miss?.meter) return replayResult(ctx, priorOf(miss), quantity);
  // Refused under the row lock; the answer reports the counter as it is now, and which bound refused.
  return refusedResult(db, ctx, quantity, await readCounter(db, ctx, options.now ?? new Date()));
}

type ConsumedRow = {
  used: unknown;
  reserved: unknown;
  day_start: unknown;
  day_used: unknown;
  hour_start: unknown;
  hour_used: unknown;
  spend_cap: unknown;
};

/**
 * The answer to a refused call: the counter as read after the refusal, and what refused it (the
 * period limit, a shorter window that had no room, or the spend cap), with the cap's state.
 */
export async function refusedResult(
  db: Queryable,
  ctx: MeterContext,
  quantity: number,
  current: Counter,
  extra: Partial<UsageResult> = {},
): Promise<UsageResult> {
  const cap = ctx.overagePrice ? await readSpendCap(db, ctx.accountId) : null;
  const spendCap = cap && ctx.overagePrice ? spendCapState(ctx, cap.capCents, current.used) : undefined;
  let refusedBy: UsageResult["refusedBy"] = "period";
  const window = ctx.windows.find((w) => (current.windows[w.window] ?? 0) + quantity > w.limit);
  const periodFull = ctx.overage === "block" && ctx.limit !== null && current.used + current.reserved + quantity > ctx.limit;
  if (!periodFull && window) refusedBy = window.window;
  else if (!periodFull && spendCap && ctx.limit !== null && overageCost(ctx, current.used + quantity) > spendCap.cap)
    refusedBy = "spend_cap";
  return usageResult(
    ctx,
    false,
    current.used,
    current.reserved,
    { refusedBy, ...(spendCap ? { spendCap } : {}), ...extra },
    current.windows,
  );
}

/**
 * Fail closed (503 `database_unavailable`) when the database cannot be reached, unless the meter
 * says `failOpen`, in which case the call goes through unrecorded and the answer says `degraded`.
 */
export async function withDatabasePolicy(meter: MeterId, run: () => Promise<UsageResult>, now = new Date()): Promise<UsageResult> {
  try {
    return await run();
  } catch (error) {
    // The one test of "the database is down" (db/errors.ts), query deadlines and timeouts included:
    // what the per-meter fail-open / fail-closed policy is about, as opposed to a query the database refused.
    if (error instanceof AppError || !isDatabaseUnavailable(error)) throw error;
    if (meterDefinition(meter).failOpen) {
      logger.warn({ err: error, meter }, "metering database unreachable: failing open");
      const resetsAt = calendarMonth(now).end.toISOString();
      return {
        allowed: true,
        meter,
        used: 0,
        limit: null,
        remaining: null,
        resetsAt,
        plan: { id: "unknown", name: "Unknown" },
        degraded: true,
      };
    }
    logger.error({ err: error, meter }, "metering database unreachable: failing closed");
    throw new AppError("database_unavailable", "Usage cannot be checked right now. Please try again shortly.", { meter });
  }
}

/** Runs `run` with the database and the user's meter context, under the meter's database policy. */
function withMeterContext(
  accountId: string,
  meter: MeterId,
  now: Date,
  run: (db: Queryable, ctx: MeterContext) => Promise<UsageResult>,
): Promise<UsageResult> {
  return withDatabasePolicy(
    meter,
    async () => {
      const db = await getDb();
      return run(db, await loadMeterContext(db, accountId, meter, now));
    },
    now,
  );
}

/**
 * Checks and records `quantity` units of `meter` for a user in one atomic statement. Allowed only
 * if the user stays within the limit of the plan in force; under any concurrency nobody ends above
 * it. The same idempotency key counts once and a retry answers the first result.
 */
export async function consume(accountId: string, meter: MeterId, quantity: number, options: ConsumeOptions = {}): Promise<UsageResult> {
  assertQuantity(quantity);
  const now = options.now ?? new Date();
  const result = await withDatabasePolicy(
    meter,
    async () => {
      const db = await getDb();
      // At the current time a cached entitlement saves a round trip; the statement re-checks it.
      const cached = options.now ? undefined : cachedEntitlement(accountId);
      if (cached) {
        const ctx = meterContext(cached.entitlement, accountId, meter, now);
        const result = await consumeWithContext(db, ctx, quantity, options, cached);
        if (result !== "stale") return settle(db, ctx, result, cached);
        dropStaleEntitlement(accountId);
      }
      const ctx = options.now
        ? await loadMeterContext(db, accountId, meter, now)
        : meterContext((await loadCachedEntitlement(db, accountId)).entitlement, accountId, meter, now);
      return settle(db, ctx, (await consumeWithContext(db, ctx, quantity, options)) as UsageResult);
    },
    now,
  );
  await recordUsageAlerts(accountId, result, quantity);
  return result;

  // Expired reservations still hold quota until swept: give it back and try once more; then, on a
  // meter that sells credits, pay what the included amount cannot cover from the credit balance.
  async function settle(db: Queryable, ctx: MeterContext, result: UsageResult, guard?: Guard): Promise<UsageResult> {
    if (!result.allowed && (ctx.limit !== null || ctx.windows.length > 0) && (await releaseExpiredReservations(db, ctx, now)) > 0) {
      result = (await consumeWithContext(db, ctx, quantity, options)) as UsageResult;
    }
    // Credits extend the period's allowance, not a shorter window's cap.
    if (result.allowed || ctx.limit === null || ctx.overage !== "block" || !isPrepaidMeter(ctx.meter) || result.refusedBy !== "period")
      return result;
    return withCredits(db, ctx, guard);
  }

  async function withCredits(db: Queryable, ctx: MeterContext, guard?: Guard): Promise<UsageResult> {
    const key = options.idempotencyKey ?? null;
    try {
      const drawn = await drawCredits(db, ctx, quantity, {
        idempotencyKey: key,
        apiKeyId: options.apiKeyId ?? null,
        metadata: options.metadata ?? {},
        staleCheck: guard
          ? {
              sql: staleSince("$1", "$14", "$15", "$16"),
              params: [guard.newestUpdate, guard.overrides.count, guard.overrides.newestUpdate],
            }
          : null,
      });
      if (drawn) return drawn;
    } catch (error) {
      // A concurrent first use of the same key won: theirs is the first result.
      if (key && pgErrorCode(error) === "23505") {
        const miss = await readMiss(db, ctx, key, undefined);
        if (miss?.meter) return replayResult(ctx, priorOf(miss), quantity);
      }
      throw error;
    }
    // Nothing recorded: stale (reload and go again), the key used meanwhile (replay), or refused.
    const miss = await readMiss(db, ctx, key, guard);
    if (miss?.stale) {
      dropStaleEntitlement(accountId);
      const fresh = meterContext((await loadCachedEntitlement(db, accountId)).entitlement, accountId, meter, now);
      return settle(db, fresh, (await consumeWithContext(db, fresh, quantity, options)) as UsageResult);
    }
    if (key && miss?.meter) return replayResult(ctx, priorOf(miss), quantity);
    const current = await readCounter(db, ctx, now);
    return refusedResult(db, ctx, quantity, current, { creditBalance: await readCreditBalance(db, accountId, meter) });
  }
}

/** Read-only: would `quantity` more units fit? Records nothing. */
export async function check(accountId: string, meter: MeterId, quantity = 1, options: { now?: Date } = {}): Promise<UsageResult> {
  assertQuantity(quantity, "quantity", { allowZero: true });
  const now = options.now ?? new Date();
  return withMeterContext(accountId, meter, now, async (db, ctx) => {
    const current = await readCounter(db, ctx, now);
    const { used, reserved } = current;
    if (ctx.windows.some((w) => (current.windows[w.window] ?? 0) + quantity > w.limit)) return refusedResult(db, ctx, quantity, current);
    if (ctx.overagePrice) {
      const cap = await readSpendCap(db, accountId);
      if (cap && overageCost(ctx, used + quantity) > cap.capCents) return refusedResult(db, ctx, quantity, current);
    }
    const allowed = ctx.limit === null || ctx.overage === "bill" || used + reserved + quantity <= ctx.limit;
    if (allowed || ctx.limit === null || !isPrepaidMeter(meter))
      return usageResult(ctx, allowed, used, reserved, allowed ? {} : { refusedBy: "period" }, current.windows);
    // What the included amount cannot cover, prepaid credits may.
    const balance = await readCreditBalance(db, accountId, meter);
    const fromCredits = quantity - Math.max(0, Math.min(quantity, ctx.limit - used - reserved));
    return usageResult(
      ctx,
      fromCredits <= balance,
      used,
      reserved,
      { creditBalance: balance, ...(fromCredits <= balance ? {} : { refusedBy: "period" as const }) },
      current.windows,
    );
  });
}

/** A counter as the reads see it: the period's used and live reservations, and what the current day and hour hold. */
export type Counter = { used: number; reserved: number; windows: WindowCounts };

/** The counter for the context's period and current windows; reservations that have expired do not count. */
export async function readCounter(db: Queryable, ctx: MeterContext, now: Date): Promise<Counter> {
  const start = ctx.period.start.toISOString();
  const [row] = await selectRows<CounterRow & { day_used: unknown; hour_used: unknown }>(
    db,
    sql`select c.used, c.reserved, c.day_start, c.hour_start, x.expired, x.expired_day, x.expired_hour,
          ${windowUsedSql("day", ctx.accountId, ctx.meter, start, ctx.clock.dayStart)},
          ${windowUsedSql("hour", ctx.accountId, ctx.meter, start, ctx.clock.hourStart)}
        from (select 1) as one
        left join usage_counters c on c.account_id = ${ctx.accountId}::uuid and c.meter = ${ctx.meter} and c.period_start = ${start}::timestamptz
        ${expiredHoldsJoin(now)}`,
  );
  // `<kind>_used` is the current window's count, from this row or carried from the previous period's.
  return { ...counterUsage(row), windows: windowCountsOf(ctx, row, { day: num(row?.day_used), hour: num(row?.hour_used) }) };
}

/**
 * A usage_counters row `c` as the reads select it: used, reserved, the expired part of reserved, and
 * what expired reservations still hold in the row's day and hour (given back at the next sweep).
 */
export type CounterRow = { used: unknown; reserved: unknown; expired: unknown; expired_day: unknown; expired_hour: unknown };

/**
 * A lateral join `x` on counter row `c`, in one scan of its pending reservations: `x.expired`, the
 * units still reserved on it by reservations that have expired by `now`, and `x.expired_day` /
 * `x.expired_hour`, what those still hold in the row's day and hour windows.
 */
export const expiredHoldsJoin = (now: Date) =>
  sql`left join lateral (
        select coalesce(sum(r.quantity), 0) as expired,
          coalesce(sum(r.quantity) filter (where r.day_start = c.day_start), 0) as expired_day,
          coalesce(sum(r.quantity) filter (where r.hour_start = c.hour_start), 0) as expired_hour
        from usage_reservations r
        where r.account_id = c.account_id and r.meter = c.meter and r.period_start = c.period_start
          and r.status = 'pending' and r.expires_at <= ${now.toISOString()}::timestamptz
      ) as x on true`;

/** What a counter row means (no row: nothing used): expired reservations no longer hold units. */
export const counterUsage = (row: CounterRow | undefined): { used: number; reserved: number } => ({
  used: num(row?.used),
  reserved: Math.max(0, num(row?.reserved) - num(row?.expired)),
});

/**
 * Gives back `quantity` units of the current period (a failed job, a cancelled call); the counter
 * never goes below zero. With an idempotency key a retried refund counts once.
 */
export async function refund(accountId: string, meter: MeterId, quantity: number, options: ConsumeOptions = {}): Promise<UsageResult> {
  assertQuantity(quantity);
  const now = options.now ?? new Date();
  const key = options.idempotencyKey ?? null;
  return withMeterContext(accountId, meter, now, async (db, ctx) => {
    const start = ctx.period.start.toISOString();
    const statement = sql`
        with locked as (
          select used, credits_used from usage_counters
          where account_id = ${accountId}::uuid and meter = ${meter} and period_start = ${start}::timestamptz
            and not exists (select 1 from usage_event_keys e where e.account_id = ${accountId}::uuid and e.idempotency_key = ${key}::text)
          for update
        ),
        counter as (
          update usage_counters c set used = c.used - least(${quantity}::bigint, c.used),
            ${windowRefundSql("day", ctx.clock.dayStart, sql`${quantity}::bigint`)}, ${windowRefundSql("hour", ctx.clock.hourStart, sql`${quantity}::bigint`)},
            credits_used = c.credits_used - least(least(${quantity}::bigint, c.used), c.credits_used), updated_at = now()
          from locked
          where c.account_id = ${accountId}::uuid and c.meter = ${meter} and c.period_start = ${start}::timestamptz
          returning c.used, c.reserved, locked.used - c.used as refunded, locked.credits_used - c.credits_used as credits_back
        ),
        event as (
          insert into usage_events (account_id, meter, quantity, idempotency_key, period_start, period_end, api_key_id, metadata, used_after, limit_at)
          select ${accountId}::uuid, ${meter}, -counter.refunded, ${key}::text, ${start}::timestamptz, ${ctx.period.end.toISOString()}::timestamptz,
            ${options.apiKeyId ?? null}::uuid, ${JSON.stringify(options.metadata ?? {})}::jsonb, counter.used, ${ctx.limit}::bigint
          from counter where counter.refunded > 0 or ${key}::text is not null
          returning id
        )
        select used, reserved, credits_back, (select id from event) as event_id from counter`;
    type Row = { used: unknown; reserved: unknown; credits_back: unknown; event_id: string | null };
    // On a meter that sells credits, units that credits paid for go back to the balance first
    // (locked before the counter, the order every credit write takes).
    const [row] = isPrepaidMeter(meter)
      ? await db.transaction(async (tx) => {
          await lockCreditBalance(tx, accountId, meter);
          const rows = await selectRows<Row>(tx, statement);
          const back = num(rows[0]?.credits_back);
          if (back > 0 && rows[0]?.event_id) await returnCredits(tx, accountId, meter, back, rows[0].event_id);
          return rows;
        })
      : await selectRows<Row>(db, statement);
    if (row) return usageResult(ctx, true, num(row.used), num(row.reserved));
    const current = await readCounter(db, ctx, now);
    return usageResult(ctx, true, current.used, current.reserved, key ? { duplicate: true } : {});
  });
}
