import { sql } from "drizzle-orm";
import { getDb, selectRows } from "@/db/client";
import { METER_IDS, type MeterId } from "../plans";
import { loadEntitlement, meterContext } from "./context";
import { readCounter } from "./consume";
import { num } from "./result";

export interface MeterQuota {
  used: number;
  /** Null = unlimited. */
  limit: number | null;
  remaining: number | null;
  resetsAt: string;
  periodStart: string;
  overage: "block" | "bill";
}

export interface QuotaSummary {
  plan: { id: string; name: string };
  meters: Record<MeterId, MeterQuota>;
}

/** Every meter's usage in its current period against the limit of the plan in force. */
export async function getQuota(userId: string, now = new Date()): Promise<QuotaSummary> {
  const db = await getDb();
  const entitlement = await loadEntitlement(db, userId, now);
  const entries = await Promise.all(
    METER_IDS.map(async (meter) => {
      const ctx = meterContext(entitlement, userId, meter, now);
      const { used, reserved } = await readCounter(db, ctx, now);
      const quota: MeterQuota = {
        used,
        limit: ctx.limit,
        remaining: ctx.limit === null ? null : Math.max(0, ctx.limit - used - reserved),
        resetsAt: ctx.period.end.toISOString(),
        periodStart: ctx.period.start.toISOString(),
        overage: ctx.overage,
      };
      return [meter, quota] as const;
    }),
  );
  return { plan: { id: entitlement.plan.id, name: entitlement.plan.name }, meters: Object.fromEntries(entries) as Record<MeterId, MeterQuota> };
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

/** Net usage (refunds subtracted) per UTC day between `from` (inclusive) and `to` (exclusive). */
export async function getUsageHistory(userId: string, meter: MeterId, from: Date, to: Date): Promise<UsageHistory> {
  const db = await getDb();
  const rows = await selectRows<{ day: string; quantity: unknown }>(
    db,
    sql`select to_char(date_trunc('day', created_at at time zone 'UTC'), 'YYYY-MM-DD') as day, sum(quantity) as quantity
        from usage_events
        where user_id = ${userId}::uuid and meter = ${meter}
          and created_at >= ${from.toISOString()}::timestamptz and created_at < ${to.toISOString()}::timestamptz
        group by 1`,
  );
  const byDay = new Map(rows.map((r) => [r.day, num(r.quantity)]));
  const points: UsageHistory["points"] = [];
  const first = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  for (let t = first; t < to.getTime(); t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    points.push({ date, quantity: byDay.get(date) ?? 0 });
  }
  return { meter, granularity: "day", from: from.toISOString(), to: to.toISOString(), points };
}
