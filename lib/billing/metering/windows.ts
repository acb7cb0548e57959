import "server-only";
import { sql, type SQL } from "drizzle-orm";
import type { WindowKind } from "../plans";
import type { UsagePeriod } from "./periods";

/**
 * Windows shorter than the billing period (a plan's `windows`: `api_calls: { day: 10_000 }`): the
 * UTC calendar day and the UTC clock hour. They are fixed windows, not rolling ones: `hour` is
 * [14:00, 15:00) UTC and resets on the hour, `day` resets at midnight UTC; each answer says when
 * (`resetsAt`).
 *
 * They live on the period's counter row (`usage_counters.day_start/day_used`,
 * `hour_start/hour_used`): the statement that moves `used` moves them too, and its guard checks the
 * period limit and every window under that one row lock, so 200 parallel callers queue on the row
 * and none can pass a window the others filled. A window that starts before the period does (a
 * subscription renewing at 14:23) begins from what the previous period's row counted in the same
 * window; only a call still metered at the old period's time after the new period's first use (a
 * request in flight at the renewal instant) is not counted in that carried amount.
 */

export interface MeterWindow {
  window: WindowKind;
  start: Date;
  end: Date;
  /** The cap on this window. */
  limit: number;
}

/** One window as the API answers it (`period` is the billing-period window, the top-level fields). */
export interface WindowUsage {
  window: "period" | WindowKind;
  used: number;
  limit: number | null;
  remaining: number | null;
  resetsAt: string;
}

/** The UTC day or clock hour containing `now`. */
export function windowAt(kind: WindowKind, now: Date): UsagePeriod {
  const t = now.getTime();
  const size = kind === "day" ? 86_400_000 : 3_600_000;
  const start = Math.floor(t / size) * size;
  return { start: new Date(start), end: new Date(start + size) };
}

/** What every counter statement tracks: the current day and hour, and the caps on them (null = uncapped). */
export interface WindowParams {
  dayStart: string;
  dayLimit: number | null;
  hourStart: string;
  hourLimit: number | null;
}

export function windowParams(windows: MeterWindow[], now: Date): WindowParams {
  const cap = (kind: WindowKind) => windows.find((w) => w.window === kind)?.limit ?? null;
  return {
    dayStart: windowAt("day", now).start.toISOString(),
    dayLimit: cap("day"),
    hourStart: windowAt("hour", now).start.toISOString(),
    hourLimit: cap("hour"),
  };
}

/*
 * SQL text for the prepared statements (consume, credit draws). `start` and `limit` are placeholders
 * such as "$16"; the statement's $1 is the account, $2 the meter, $3 the period start, and its
 * counter row is aliased `c`.
 */

/** What the account's other counter rows of the meter (the previous period) counted in the window starting at `start`. */
const prior = (kind: WindowKind, start: string) =>
  `coalesce((select p.${kind}_used from usage_counters p
    where p.account_id = $1::uuid and p.meter = $2::text and p.period_start <> $3::timestamptz and p.${kind}_start = ${start}::timestamptz
    order by p.period_start desc limit 1), 0)`;

/**
 * Used in the window so far, on counter row `c`. A call metered at an earlier window's time than
 * the row's latest (in flight across the boundary) counts in the row's window, the newer one: no
 * window is ever passed, and the earlier one is over anyway.
 */
const base = (kind: WindowKind, start: string) =>
  `(case when c.${kind}_start >= ${start}::timestamptz then c.${kind}_used else ${prior(kind, start)} end)`;

/** SET items for an upsert's conflict branch: `quantity` more in the window. */
export const windowSetText = (kind: WindowKind, start: string, quantity: string) =>
  `${kind}_used = ${base(kind, start)} + ${quantity}, ${kind}_start = greatest(c.${kind}_start, ${start}::timestamptz)`;

/** The conflict branch's guard: `quantity` more fits in the window (or it is uncapped). */
export const windowFitsText = (kind: WindowKind, start: string, limit: string, quantity: string) =>
  `(${limit}::bigint is null or ${base(kind, start)} + ${quantity} <= ${limit}::bigint)`;

/** The insert branch: the window's count for a new row, and its guard. */
export const windowInsertText = (kind: WindowKind, start: string, quantity: string) => `${quantity} + ${prior(kind, start)}`;
export const windowInsertFitsText = (kind: WindowKind, start: string, limit: string, quantity: string) =>
  `(${limit}::bigint is null or ${quantity} + ${prior(kind, start)} <= ${limit}::bigint)`;

/* The same as Drizzle SQL, for statements composed with the `sql` template (reads, refunds, batches). */

function priorSql(kind: WindowKind, accountId: string, meter: string, periodStart: string, start: string): SQL {
  return sql`coalesce((select p.${sql.raw(`${kind}_used`)} from usage_counters p
    where p.account_id = ${accountId}::uuid and p.meter = ${meter} and p.period_start <> ${periodStart}::timestamptz
      and p.${sql.raw(`${kind}_start`)} = ${start}::timestamptz
    order by p.period_start desc limit 1), 0)`;
}

/** What the window starting at `start` holds on counter row `c` (or, for a row that moved on or is absent, the previous period's row). */
export function windowBaseSql(kind: WindowKind, accountId: string, meter: string, periodStart: string, start: string): SQL {
  return sql`(case when c.${sql.raw(`${kind}_start`)} >= ${start}::timestamptz then c.${sql.raw(`${kind}_used`)}
    else ${priorSql(kind, accountId, meter, periodStart, start)} end)`;
}

/** The insert branch's count for window `kind`: `quantity` plus what the previous period's row counted in it. */
export function windowInsertSql(
  kind: WindowKind,
  accountId: string,
  meter: string,
  periodStart: string,
  start: string,
  quantity: SQL,
): SQL {
  return sql`${quantity} + ${priorSql(kind, accountId, meter, periodStart, start)}`;
}

/** The select item `<kind>_used`: what counter row `c` (possibly absent: a left join) holds in the window starting at `start`. */
export function windowUsedSql(kind: WindowKind, accountId: string, meter: string, periodStart: string, start: string): SQL {
  return sql`${windowBaseSql(kind, accountId, meter, periodStart, start)} as ${sql.raw(`${kind}_used`)}`;
}

/** SET items that take `quantity` back out of the current windows (a refund); never below zero. */
export function windowRefundSql(kind: WindowKind, start: string, quantity: SQL): SQL {
  const used = sql.raw(`c.${kind}_used`);
  return sql`${sql.raw(`${kind}_used`)} = case when c.${sql.raw(`${kind}_start`)} >= ${start}::timestamptz then ${used} - least(${quantity}, ${used}) else ${used} end`;
}

/** SET items that add `quantity` to the current windows without a guard (settling a reservation already held). */
export function windowAddSql(kind: WindowKind, accountId: string, meter: string, periodStart: string, start: string, quantity: SQL): SQL {
  const startCol = sql.raw(`${kind}_start`);
  return sql`${sql.raw(`${kind}_used`)} = ${windowBaseSql(kind, accountId, meter, periodStart, start)} + ${quantity},
    ${startCol} = greatest(c.${startCol}, ${start}::timestamptz)`;
}
