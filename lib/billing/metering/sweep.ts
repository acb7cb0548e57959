import "server-only";
import { sql } from "drizzle-orm";
import { selectRows, type Queryable } from "@/db/client";
import type { MeterContext } from "./context";
import { num } from "./result";

/**
 * Expires the context period's reservations whose time is up and gives their quota back, in one
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
        returning quantity
      ),
      counter as (
        update usage_counters c set reserved = greatest(0, c.reserved - (select sum(quantity) from expired)), updated_at = now()
        where c.account_id = ${ctx.accountId}::uuid and c.meter = ${ctx.meter} and c.period_start = ${ctx.period.start.toISOString()}::timestamptz
          and exists (select 1 from expired)
        returning c.reserved
      )
      select coalesce((select sum(quantity) from expired), 0) as released, (select count(*) from counter) as touched`,
  );
  return num(row?.released);
}
