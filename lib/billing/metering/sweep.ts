import "server-only";
import { sql } from "drizzle-orm";
import { selectRows, type Queryable } from "@/db/client";
import type { MeterContext } from "./context";
import { num } from "./result";

/**
 * Expires the context period's reservations whose time is up and gives their quota back (to the
 * period, and to the day and hour they were made in while those last), in one
 * statement: a reservation is settled exactly once, whether by `finalize`, `release` or this.
 * Returns how many units were given back.
 */
export async function releaseExpiredReservations(db: Queryable, ctx: MeterContext, now: Date): Promise<number> {
  const [row] = await selectRows<{ released: unknown }>(
    db,
    sql`
      with expired as (
        update usage_reservations set status = 'expired', settled_at = ${now.toISOString()}::timestamptz
        where account_id = ${ctx.accountId}::uuid and meter = ${ctx.meter} and period_start = ${ctx.period.start.toISOString()}::timestamptz
          and status = 'pending' and expires_at <= ${now.toISOString()}::timestamptz
        returning quantity, day_start, hour_start
      ),
      counter as (
        update usage_counters c set reserved = greatest(0, c.reserved - (select sum(quantity) from expired)),
          -- A window still holding an expired reservation's units (the one it was made in) gives them back.
          day_used = greatest(0, c.day_used - coalesce((select sum(quantity) from expired e where e.day_start = c.day_start), 0)),
          hour_used = greatest(0, c.hour_used - coalesce((select sum(quantity) from expired e where e.hour_start = c.hour_start), 0)),
          updated_at = now()
        where c.account_id = ${ctx.accountId}::uuid and c.meter = ${ctx.meter} and c.period_start = ${ctx.period.start.toISOString()}::timestamptz
          and exists (select 1 from expired)
        returning c.reserved
      )
      select coalesce((select sum(quantity) from expired), 0) as released, (select count(*) from counter) as touched`,
  );
  return num(row?.released);
}
