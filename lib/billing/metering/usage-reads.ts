import "server-only";
import { sql } from "drizzle-orm";
import { getDb, selectRows, type Queryable } from "@/db/client";
import type { Entitlement } from "../entitlements";
import { METER_IDS, type MeterId } from "../plans";
import { counterUsage, expiredHoldsJoin, type CounterRow } from "./consume";
import { loadEntitlement, meterContext } from "./context";
import { num, windowCountsOf, windowsOf, type WindowCounts } from "./result";
import type { WindowUsage } from "./windows";

export interface MeterQuota {
  used: number;
  /** Null = unlimited. */
  limit: number | null;
  remaining: number | null;
  resetsAt: string;
  periodStart: string;
  overage: "block" | "bill";
  /** The period window (the fields above), then every shorter window the plan caps, each with its own `resetsAt`. */
  windows: WindowUsage[];
}

export interface QuotaSummary {
  plan: { id: string; name: string };
  meters: Record<MeterId, MeterQuota>;
}

export type AccountUsage = Record<MeterId, { used: number; reserved: number; windows: WindowCounts }>;

/**
 * Every meter's counter in each user's current usage window (the window `meterContext` gives, so
 * exactly the counter consume writes: never a sum of overlapping periods after a plan change), in
 * one query for many users. Reservations that have expired do not count. The one read of current
 * usage: the customer's quota (API, billing page) and the admin console both use it.
 */
export async function readWindowUsage(
  db: Queryable,
  users: Array<{ accountId: string; entitlement: Entitlement }>,
  now: Date,
): Promise<Map<string, AccountUsage>> {
  const usage = new Map<string, AccountUsage>();
  if (users.length === 0) return usage;
  const keys = users.flatMap(({ accountId, entitlement }) =>
    METER_IDS.map((meter) => ({
      account_id: accountId,
      meter,
      period_start: meterContext(entitlement, accountId, meter, now).period.start.toISOString(),
    })),
  );
  const contexts = new Map(users.map(({ accountId, entitlement }) => [accountId, entitlement]));
  const rows = await selectRows<
    CounterRow & { account_id: string; meter: string; day_start: unknown; day_used: unknown; hour_start: unknown; hour_used: unknown }
  >(
    db,
    sql`select c.account_id, c.meter, c.used, c.reserved, c.day_start, c.day_used, c.hour_start, c.hour_used, x.expired, x.expired_day, x.expired_hour
        from jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as k(account_id uuid, meter text, period_start timestamptz)
        join usage_counters c on c.account_id = k.account_id and c.meter = k.meter and c.period_start = k.period_start
        ${expiredHoldsJoin(now)}`,
  );
  for (const { accountId } of users) {
    usage.set(
      accountId,
      Object.fromEntries(METER_IDS.map((meter) => [meter, { used: 0, reserved: 0, windows: { day: 0, hour: 0 } }])) as AccountUsage,
    );
  }
  for (const row of rows) {
    const entry = usage.get(row.account_id)?.[row.meter as MeterId];
    const entitlement = contexts.get(row.account_id);
    if (entry && entitlement) {
      Object.assign(entry, counterUsage(row), {
        windows: windowCountsOf(meterContext(entitlement, row.account_id, row.meter as MeterId, now), row),
      });
    }
  }
  return usage;
}

/** Every meter's usage in its current window against the limit of the plan in force. */
export async function getQuota(accountId: string, now = new Date(), known?: Entitlement): Promise<QuotaSummary> {
  const db = await getDb();
  const entitlement = known ?? (await loadEntitlement(db, accountId, now));
  const usage = (await readWindowUsage(db, [{ accountId, entitlement }], now)).get(accountId) as AccountUsage;
  const entries = METER_IDS.map((meter) => {
    const ctx = meterContext(entitlement, accountId, meter, now);
    const { used, reserved, windows } = usage[meter];
    const remaining = ctx.limit === null ? null : Math.max(0, ctx.limit - used - reserved);
    const resetsAt = ctx.period.end.toISOString();
    const quota: MeterQuota = {
      used,
      limit: ctx.limit,
      remaining,
      resetsAt,
      periodStart: ctx.period.start.toISOString(),
      overage: ctx.overage,
      windows: windowsOf(ctx, { used, remaining, resetsAt }, windows),
    };
    return [meter, quota] as const;
  });
  return {
    plan: { id: entitlement.plan.id, name: entitlement.plan.name },
    meters: Object.fromEntries(entries) as Record<MeterId, MeterQuota>,
  };
}

export interface UsageHistory {
  meter: MeterId;
  granularity: "day";
  from: string;
  to: string;
  /** One point per UTC day in [from, to), zero-filled. */
  points: Array<{ date: string; quantity: number }>;
}

export const MAX_HISTORY_DAYS = 400;

/**
 * Net usage (refunds subtracted) per UTC day between `from` (inclusive) and `to` (exclusive). Whole
 * days already rolled up (lib/billing/metering/storage.ts) come from usage_daily, the rest from the
 * raw events, in one statement (so it reads one `rolled_up_until`): the same points before and
 * after a rollup, and after the raw events of rolled-up days are dropped by the retention.
 */
export async function getUsageHistory(accountId: string, meter: MeterId, from: Date, to: Date): Promise<UsageHistory> {
  return (await getUsageHistories(accountId, [meter], from, to)).get(meter)!;
}

/** `getUsageHistory` for several meters over the same days, in one statement (the billing page's charts). */
export async function getUsageHistories(accountId: string, meters: MeterId[], from: Date, to: Date): Promise<Map<MeterId, UsageHistory>> {
  const db = await getDb();
  // [from, firstDay) raw; [firstDay, rolledEnd) rollup; [rolledEnd, to) raw, where rolledEnd is the
  // rollup's end clamped to the whole days inside the range (firstDay when there are none).
  const day = (t: number) => Math.floor(t / 86_400_000) * 86_400_000;
  const firstDay = new Date(day(from.getTime() + 86_400_000 - 1)).toISOString();
  const lastDay = new Date(day(to.getTime())).toISOString();
  const rawDay = sql`to_char(date_trunc('day', created_at at time zone 'UTC'), 'YYYY-MM-DD')`;
  const meterList = sql`(${sql.join(
    meters.map((m) => sql`${m}`),
    sql`, `,
  )})`;
  const rows = await selectRows<{ meter: string; day: string; quantity: unknown }>(
    db,
    sql`with w as (
          select greatest(${firstDay}::timestamptz,
            least(${lastDay}::timestamptz, coalesce((select rolled_up_until from usage_rollup_state), '-infinity'::timestamptz))) as rolled_end)
        select meter, day, sum(quantity) as quantity from (
          select meter, ${rawDay} as day, quantity from usage_events
          where account_id = ${accountId}::uuid and meter in ${meterList}
            and created_at >= ${from.toISOString()}::timestamptz and created_at < least(${firstDay}::timestamptz, ${to.toISOString()}::timestamptz)
          union all
          select d.meter, to_char(d.day, 'YYYY-MM-DD'), d.quantity from usage_daily d
          where d.account_id = ${accountId}::uuid and d.meter in ${meterList}
            and d.day >= (${firstDay}::timestamptz at time zone 'UTC')::date and d.day < ((select rolled_end from w) at time zone 'UTC')::date
          union all
          select meter, ${rawDay}, quantity from usage_events
          where account_id = ${accountId}::uuid and meter in ${meterList}
            and created_at >= (select rolled_end from w) and created_at < ${to.toISOString()}::timestamptz
        ) as parts
        group by meter, day`,
  );
  const byDay = new Map(rows.map((r) => [`${r.meter} ${r.day}`, num(r.quantity)]));
  const first = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  const histories = new Map<MeterId, UsageHistory>();
  for (const meter of meters) {
    const points: UsageHistory["points"] = [];
    for (let t = first; t < to.getTime(); t += 86_400_000) {
      const date = new Date(t).toISOString().slice(0, 10);
      points.push({ date, quantity: byDay.get(`${meter} ${date}`) ?? 0 });
    }
    histories.set(meter, { meter, granularity: "day", from: from.toISOString(), to: to.toISOString(), points });
  }
  return histories;
}
