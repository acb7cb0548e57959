import { sql } from "drizzle-orm";
import { getDb, selectRows } from "@/db/client";
import { ANONYMOUS_ALLOWANCE, type MeterId } from "../plans";
import { withDatabasePolicy } from "./consume";
import { calendarMonth } from "./periods";
import { assertQuantity, num, type UsageResult } from "./result";

const GUEST_PLAN = { id: "anonymous", name: "Guest" };

function guestResult(meter: MeterId, limit: number, used: number, allowed: boolean, now: Date): UsageResult {
  return { allowed, meter, used, limit, remaining: Math.max(0, limit - used), resetsAt: calendarMonth(now).end.toISOString(), plan: GUEST_PLAN };
}

export const anonymousLimit = (meter: MeterId): number => ANONYMOUS_ALLOWANCE.limits[meter] ?? 0;

/**
 * A signed-out visitor's use of the anonymous allowance (per UTC month), in one statement: the
 * IP address's counter (capped at `perIp` visitors' worth) moves first, then the visitor's; a
 * visitor already carried over to an account has nothing left here. When the visitor's own
 * allowance refuses, the IP's count still moved: the cap errs on the strict side.
 */
export async function consumeAnonymous(visitorId: string, ip: string, meter: MeterId, quantity: number, now = new Date()): Promise<UsageResult> {
  assertQuantity(quantity);
  const limit = anonymousLimit(meter);
  const ipCap = limit * ANONYMOUS_ALLOWANCE.perIp;
  const start = calendarMonth(now).start.toISOString();
  return withDatabasePolicy(
    meter,
    async () => {
      if (limit === 0) return guestResult(meter, 0, 0, false, now);
      const [row] = await selectRows<{ used: unknown; current: unknown; claimed: boolean | null }>(
        await getDb(),
        sql`
          with by_ip as (
            insert into anonymous_usage as a (subject, meter, period_start, used)
            select ${`ip:${ip}`}, ${meter}, ${start}::timestamptz, ${quantity}::bigint where ${quantity}::bigint <= ${ipCap}::bigint
            on conflict (subject, meter, period_start) do update set used = a.used + excluded.used, updated_at = now()
              where a.used + excluded.used <= ${ipCap}::bigint
            returning a.used
          ),
          visitor as (
            insert into anonymous_usage as a (subject, meter, period_start, used)
            select ${`anon:${visitorId}`}, ${meter}, ${start}::timestamptz, ${quantity}::bigint from by_ip where ${quantity}::bigint <= ${limit}::bigint
            on conflict (subject, meter, period_start) do update set used = a.used + excluded.used, updated_at = now()
              where a.used + excluded.used <= ${limit}::bigint and a.claimed_at is null
            returning a.used
          )
          select (select used from visitor) as used, cur.used as current, cur.claimed_at is not null as claimed
          from (select 1) one
          left join anonymous_usage cur on cur.subject = ${`anon:${visitorId}`} and cur.meter = ${meter} and cur.period_start = ${start}::timestamptz`,
      );
      if (row?.used !== null && row?.used !== undefined) return guestResult(meter, limit, num(row.used), true, now);
      return guestResult(meter, limit, row?.claimed ? limit : num(row?.current), false, now);
    },
    now,
  );
}

/** The visitor's use of `meter` this month (for the signed-out dashboard). */
export async function anonymousUsage(visitorId: string | null, meter: MeterId, now = new Date()): Promise<UsageResult> {
  const limit = anonymousLimit(meter);
  if (!visitorId) return guestResult(meter, limit, 0, limit > 0, now);
  const [row] = await selectRows<{ used: unknown; claimed: boolean }>(
    await getDb(),
    sql`select used, claimed_at is not null as claimed from anonymous_usage
        where subject = ${`anon:${visitorId}`} and meter = ${meter} and period_start = ${calendarMonth(now).start.toISOString()}::timestamptz`,
  );
  const used = row?.claimed ? limit : num(row?.used);
  return guestResult(meter, limit, used, used < limit, now);
}

/**
 * At sign-up: moves the visitor's usage this month onto the new account (Free counts the same UTC
 * month), once, in one statement. Returns the units carried over per meter.
 */
export async function claimAnonymousUsage(visitorId: string, userId: string, now = new Date()): Promise<Record<string, number>> {
  const { start, end } = calendarMonth(now);
  const rows = await selectRows<{ meter: string; used: unknown }>(
    await getDb(),
    sql`
      with claimed as (
        update anonymous_usage set claimed_at = ${now.toISOString()}::timestamptz
        where subject = ${`anon:${visitorId}`} and period_start = ${start.toISOString()}::timestamptz and claimed_at is null and used > 0
        returning meter, used
      ),
      counters as (
        insert into usage_counters as c (user_id, meter, period_start, period_end, used)
        select ${userId}::uuid, meter, ${start.toISOString()}::timestamptz, ${end.toISOString()}::timestamptz, used from claimed
        on conflict (user_id, meter, period_start) do update set used = c.used + excluded.used, updated_at = now()
        returning c.meter
      ),
      events as (
        insert into usage_events (user_id, meter, quantity, idempotency_key, period_start, period_end, metadata)
        select ${userId}::uuid, meter, used, 'anonymous:' || ${visitorId} || ':' || meter, ${start.toISOString()}::timestamptz,
          ${end.toISOString()}::timestamptz, '{"source":"anonymous"}'::jsonb
        from claimed
        on conflict do nothing
      )
      select meter, used from claimed`,
  );
  return Object.fromEntries(rows.map((r) => [r.meter, num(r.used)]));
}
