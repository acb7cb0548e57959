import "server-only";
import { sql } from "drizzle-orm";
import { getDb, selectRows } from "@/db/client";
import { ANONYMOUS_ALLOWANCE, type MeterId } from "../plans";
import { withDatabasePolicy } from "./consume";
import { calendarMonth } from "./periods";
import { assertQuantity, num, type UsageResult } from "./result";

const GUEST_PLAN = { id: "anonymous", name: "Guest" };

function guestResult(meter: MeterId, limit: number, used: number, allowed: boolean, now: Date): UsageResult {
  return {
    allowed,
    meter,
    used,
    limit,
    remaining: Math.max(0, limit - used),
    resetsAt: calendarMonth(now).end.toISOString(),
    plan: GUEST_PLAN,
  };
}

export const anonymousLimit = (meter: MeterId): number => ANONYMOUS_ALLOWANCE.limits[meter] ?? 0;

/** Thrown inside the transaction to roll back the IP's count when the visitor's own allowance refuses. */
class VisitorRefused extends Error {}

/**
 * A signed-out visitor's use of the anonymous allowance (per UTC month), in one short transaction:
 * the IP address's counter (capped at `perIp` visitors' worth) moves first and holds its row lock,
 * then the visitor's; when either refuses, nothing moved, so one visitor's refused attempts never
 * use up the allowance of others behind the same address. A visitor already carried over to an
 * account has nothing left here.
 */
export async function consumeAnonymous(
  visitorId: string,
  ip: string,
  meter: MeterId,
  quantity: number,
  now = new Date(),
): Promise<UsageResult> {
  assertQuantity(quantity);
  const limit = anonymousLimit(meter);
  const ipCap = limit * ANONYMOUS_ALLOWANCE.perIp;
  const start = calendarMonth(now).start.toISOString();
  const visitor = `anon:${visitorId}`;
  const upsert = (subject: string, cap: number) => sql`
    insert into anonymous_usage as a (subject, meter, period_start, used)
    select ${subject}, ${meter}, ${start}::timestamptz, ${quantity}::bigint where ${quantity}::bigint <= ${cap}::bigint
    on conflict (subject, meter, period_start) do update set used = a.used + excluded.used, updated_at = now()
      where a.used + excluded.used <= ${cap}::bigint and a.claimed_at is null
    returning a.used`;
  return withDatabasePolicy(
    meter,
    async () => {
      if (limit === 0) return guestResult(meter, 0, 0, false, now);
      const db = await getDb();
      const used = await db
        .transaction(async (tx) => {
          const [byIp] = await selectRows<{ used: unknown }>(tx, upsert(`ip:${ip}`, ipCap));
          if (!byIp) return null;
          const [own] = await selectRows<{ used: unknown }>(tx, upsert(visitor, limit));
          if (!own) throw new VisitorRefused();
          return num(own.used);
        })
        .catch((error: unknown) => {
          if (error instanceof VisitorRefused) return null;
          throw error;
        });
      if (used !== null) return guestResult(meter, limit, used, true, now);
      const [row] = await selectRows<{ used: unknown; claimed: boolean }>(
        db,
        sql`select used, claimed_at is not null as claimed from anonymous_usage
            where subject = ${visitor} and meter = ${meter} and period_start = ${start}::timestamptz`,
      );
      return guestResult(meter, limit, row?.claimed ? limit : num(row?.used), false, now);
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
export async function claimAnonymousUsage(visitorId: string, accountId: string, now = new Date()): Promise<Record<string, number>> {
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
        insert into usage_counters as c (account_id, meter, period_start, period_end, used)
        select ${accountId}::uuid, meter, ${start.toISOString()}::timestamptz, ${end.toISOString()}::timestamptz, used from claimed
        on conflict (account_id, meter, period_start) do update set used = c.used + excluded.used, updated_at = now()
        returning c.meter
      ),
      events as (
        insert into usage_events (account_id, meter, quantity, idempotency_key, period_start, period_end, metadata)
        select ${accountId}::uuid, meter, used, 'anonymous:' || ${visitorId} || ':' || meter, ${start.toISOString()}::timestamptz,
          ${end.toISOString()}::timestamptz, '{"source":"anonymous"}'::jsonb
        from claimed
        where not exists (select 1 from usage_event_keys k
          where k.account_id = ${accountId}::uuid and k.idempotency_key = 'anonymous:' || ${visitorId} || ':' || claimed.meter)
      )
      select meter, used from claimed`,
  );
  return Object.fromEntries(rows.map((r) => [r.meter, num(r.used)]));
}
