import "server-only";
import { recordUsageAlerts } from "./alerts";
import { addSeconds } from "date-fns";
import { sql } from "drizzle-orm";
import { getDb, selectRows, type Queryable } from "@/db/client";
import { AppError, notFound } from "@/lib/errors";
import { isMeterId, type MeterId, type WindowKind } from "../plans";
import { loadEntitlement, meterContext, type MeterContext } from "./context";
import { readCounter, refusedResult, withDatabasePolicy } from "./consume";
import { releaseExpiredReservations } from "./sweep";
import { assertQuantity, num, usageResult, windowCountsOf, type UsageResult, type WindowColumns } from "./result";
import { windowAddSql, windowBaseSql, windowInsertSql } from "./windows";
import { isUuid } from "@/lib/input-rules";

export const DEFAULT_RESERVATION_SECONDS = 15 * 60;

export interface Reservation extends UsageResult {
  /** Null when the reservation was refused. */
  reservationId: string | null;
  expiresAt: string | null;
}

/**
 * One statement: the reservation is admitted when `quantity` more fits the period (`used + reserved`,
 * unless the meter bills overage or is unlimited) and every shorter window the plan caps (a UTC day,
 * a UTC hour), all checked under the counter's row lock as consume checks them. A window holds the
 * reserved units in its count (`day_used`, `hour_used`) until the reservation is settled: `finalize`
 * trades them for the real cost, `release` and expiry take them back out while that window lasts.
 */
function reserveStatement(ctx: MeterContext, quantity: number, expiresAt: Date) {
  const q = sql`${quantity}::bigint`;
  const fits = (expression: ReturnType<typeof sql>) =>
    ctx.limit === null || ctx.overage === "bill" ? sql`true` : sql`${expression} <= ${ctx.limit}::bigint`;
  const start = ctx.period.start.toISOString();
  const end = ctx.period.end.toISOString();
  const { dayStart, dayLimit, hourStart, hourLimit } = ctx.clock;
  const newCount = (kind: WindowKind, windowStart: string) => windowInsertSql(kind, ctx.accountId, ctx.meter, start, windowStart, q);
  const count = (kind: WindowKind, windowStart: string) => windowBaseSql(kind, ctx.accountId, ctx.meter, start, windowStart);
  const under = (limit: number | null, expression: ReturnType<typeof sql>) =>
    limit === null ? sql`true` : sql`${expression} <= ${limit}::bigint`;
  return sql`
    with counter as (
      insert into usage_counters as c (account_id, meter, period_start, period_end, used, reserved, day_start, day_used, hour_start, hour_used)
      select ${ctx.accountId}::uuid, ${ctx.meter}, ${start}::timestamptz, ${end}::timestamptz, 0, ${q},
        ${dayStart}::timestamptz, ${newCount("day", dayStart)}, ${hourStart}::timestamptz, ${newCount("hour", hourStart)}
      where ${fits(q)} and ${under(dayLimit, newCount("day", dayStart))} and ${under(hourLimit, newCount("hour", hourStart))}
      on conflict (account_id, meter, period_start) do update
        set reserved = c.reserved + excluded.reserved,
          ${windowAddSql("day", ctx.accountId, ctx.meter, start, dayStart, q)},
          ${windowAddSql("hour", ctx.accountId, ctx.meter, start, hourStart, q)},
          updated_at = now()
        where ${fits(sql`c.used + c.reserved + excluded.reserved`)}
          and ${under(dayLimit, sql`${count("day", dayStart)} + ${q}`)} and ${under(hourLimit, sql`${count("hour", hourStart)} + ${q}`)}
      returning c.used, c.reserved, c.day_start, c.day_used, c.hour_start, c.hour_used
    ),
    reservation as (
      insert into usage_reservations (account_id, meter, period_start, period_end, quantity, expires_at, day_start, hour_start)
      select ${ctx.accountId}::uuid, ${ctx.meter}, ${start}::timestamptz, ${end}::timestamptz, ${q}, ${expiresAt.toISOString()}::timestamptz,
        ${dayStart}::timestamptz, ${hourStart}::timestamptz
      from counter
      returning id
    )
    select (select id from reservation) as id, counter.* from counter`;
}

/**
 * Holds `quantity` units for work whose cost is known only at the end (an LLM call). The units
 * count against the limit at once; `finalize` turns them into the real usage, `release` gives them
 * back, and a reservation left alone expires after `ttlSeconds` and gives them back by itself.
 */
export async function reserve(
  accountId: string,
  meter: MeterId,
  quantity: number,
  options: { ttlSeconds?: number; now?: Date } = {},
): Promise<Reservation> {
  assertQuantity(quantity);
  const now = options.now ?? new Date();
  const expiresAt = addSeconds(now, options.ttlSeconds ?? DEFAULT_RESERVATION_SECONDS);
  let reservationId: string | null = null;
  const result = await withDatabasePolicy(
    meter,
    async () => {
      const db = await getDb();
      const ctx = meterContext(await loadEntitlement(db, accountId, now), accountId, meter, now);
      const attempt = async () => {
        const [row] = await selectRows<{ id: string | null; used: unknown; reserved: unknown } & WindowColumns>(
          db,
          reserveStatement(ctx, quantity, expiresAt),
        );
        reservationId = row?.id ?? null;
        if (reservationId !== null) return usageResult(ctx, true, num(row.used), num(row.reserved), {}, windowCountsOf(ctx, row));
        // Refused under the row lock: the counter as it is now, and which bound refused (the period or a window).
        return refusedResult(db, ctx, quantity, await readCounter(db, ctx, now));
      };
      const first = await attempt();
      if (!first.allowed && (await releaseExpiredReservations(db, ctx, now)) > 0) return attempt();
      return first;
    },
    now,
  );
  return { ...result, reservationId, expiresAt: reservationId ? expiresAt.toISOString() : null };
}

interface ReservationRow {
  meter: string;
  status: string;
  quantity: unknown;
  period_start: unknown;
  period_end: unknown;
  /** What `finalize` charged (its usage event), when it did. */
  charged: unknown;
}

async function loadReservation(db: Queryable, accountId: string, reservationId: string): Promise<ReservationRow & { meter: MeterId }> {
  const [row] = isUuid(reservationId)
    ? await selectRows<ReservationRow>(
        db,
        sql`select r.meter, r.status, r.quantity, r.period_start, r.period_end, e.quantity as charged
            from usage_reservations r
            left join usage_event_keys e on e.account_id = r.account_id and e.idempotency_key = 'reservation:' || r.id::text
            where r.id = ${reservationId}::uuid and r.account_id = ${accountId}::uuid`,
      )
    : [];
  if (!row || !isMeterId(row.meter)) throw notFound("No such reservation.");
  return row as ReservationRow & { meter: MeterId };
}

/**
 * Settles a reservation with the real cost. Up to the reserved amount is always charged; beyond it
 * only what still fits under the limit (bill meters: all of it). Settling twice answers the first
 * settlement; an expired reservation is refused with 409 (its quota was already given back).
 */
export async function finalize(
  accountId: string,
  reservationId: string,
  actualQuantity: number,
  options: { now?: Date } = {},
): Promise<UsageResult & { charged: number }> {
  assertQuantity(actualQuantity, "quantity", { allowZero: true });
  const now = options.now ?? new Date();
  const db = await getDb();
  const reservation = await loadReservation(db, accountId, reservationId);
  let charged = 0;
  const result = await withDatabasePolicy(
    reservation.meter,
    async () => {
      const entitlement = await loadEntitlement(db, accountId, now);
      const ctx: MeterContext = {
        ...meterContext(entitlement, accountId, reservation.meter, now),
        period: { start: new Date(reservation.period_start as string), end: new Date(reservation.period_end as string) },
      };
      const periodStart = ctx.period.start.toISOString();
      const { dayStart, dayLimit, hourStart, hourLimit } = ctx.clock;
      const actual = sql`${actualQuantity}::bigint`;
      // Whether reservation `r` holds its units in the current window on counter `c`: while it is the window it was made in.
      const holdsIn = (r: string, c: string, kind: WindowKind, windowStart: string) => {
        const column = `${kind}_start`;
        return sql`(${sql.raw(`${r}.${column}`)} = ${windowStart}::timestamptz and ${sql.raw(`${c}.${column} = ${r}.${column}`)})`;
      };
      const held = (kind: WindowKind, windowStart: string) =>
        sql`(case when ${holdsIn("r", "c", kind, windowStart)} then r.quantity else 0 end)`;
      // Room past the reservation in each bound (null = no bound): the period, unless it bills or is unlimited, and each capped window.
      const periodRoom =
        ctx.limit === null || ctx.overage === "bill" ? sql`null::bigint` : sql`${ctx.limit}::bigint - c.used - c.reserved + r.quantity`;
      const windowRoom = (kind: WindowKind, windowStart: string, limit: number | null) =>
        limit === null
          ? sql`null::bigint`
          : sql`${limit}::bigint - ${windowBaseSql(kind, accountId, reservation.meter, periodStart, windowStart)} + ${held(kind, windowStart)}`;
      // Up to the reserved amount is always charged; past it, only what every bound still has room for.
      const amount = sql`least(${actual}, greatest(r.quantity, coalesce(least(${periodRoom}, ${windowRoom("day", dayStart, dayLimit)}, ${windowRoom("hour", hourStart, hourLimit)}), ${actual})))`; // c = the locked counter
      // A window the reservation holds units in trades them for the charge; any other (it moved on) counts the charge anew.
      const settle = (kind: WindowKind, windowStart: string) => {
        const used = sql.raw(`${kind}_used`);
        const startColumn = sql.raw(`${kind}_start`);
        return sql`${used} = (case when ${holdsIn("calc", "c", kind, windowStart)}
            then greatest(0, c.${used} - calc.quantity)
            else ${windowBaseSql(kind, accountId, reservation.meter, periodStart, windowStart)} end) + calc.charged,
          ${startColumn} = greatest(c.${startColumn}, ${windowStart}::timestamptz)`;
      };
      const billable =
        ctx.overage === "bill" && ctx.limit !== null
          ? sql`least(counter.charged, greatest(0, counter.used - ${ctx.limit}::bigint))`
          : sql`0`;
      const [row] = await selectRows<{ used: unknown; reserved: unknown; charged: unknown }>(
        db,
        sql`
          with r as (
            update usage_reservations set status = 'finalized', settled_at = ${now.toISOString()}::timestamptz
            where id = ${reservationId}::uuid and account_id = ${accountId}::uuid and status = 'pending' and expires_at > ${now.toISOString()}::timestamptz
            returning id, account_id, meter, period_start, period_end, quantity, day_start, hour_start
          ),
          locked as (
            select c.used, c.reserved, c.day_start, c.day_used, c.hour_start, c.hour_used from usage_counters c, r
            where c.account_id = r.account_id and c.meter = r.meter and c.period_start = r.period_start
            for update of c
          ),
          calc as (select r.*, ${amount} as charged from r, locked c),
          counter as (
            update usage_counters c
              set reserved = greatest(0, c.reserved - calc.quantity), used = c.used + calc.charged,
                ${settle("day", dayStart)},
                ${settle("hour", hourStart)},
                updated_at = now()
            from calc
            where c.account_id = calc.account_id and c.meter = calc.meter and c.period_start = calc.period_start
            returning c.used, c.reserved, calc.charged, calc.id, calc.period_start, calc.period_end
          ),
          event as (
            insert into usage_events (account_id, meter, quantity, idempotency_key, period_start, period_end, used_after, limit_at, billable_quantity)
            select ${accountId}::uuid, ${reservation.meter}, counter.charged, 'reservation:' || counter.id::text, counter.period_start, counter.period_end,
              counter.used, ${ctx.limit}::bigint, ${billable}
            from counter where counter.charged > 0
          )
          select used, reserved, charged from counter`,
      );
      if (!row) {
        const current = await loadReservation(db, accountId, reservationId);
        if (current.status === "finalized") {
          charged = num(current.charged);
          const counter = await readCounter(db, ctx, now);
          return usageResult(ctx, true, counter.used, counter.reserved, { duplicate: true });
        }
        throw new AppError(
          "conflict",
          `This reservation is ${current.status === "pending" ? "expired" : current.status}; its quota was given back.`,
          {
            field: "reservationId",
            status: current.status === "pending" ? "expired" : current.status,
          },
        );
      }
      charged = num(row.charged);
      return usageResult(ctx, true, num(row.used), num(row.reserved));
    },
    now,
  );
  await recordUsageAlerts(accountId, result, charged);
  return { ...result, charged };
}

/** Gives a reservation's units back without charging anything (the work was abandoned). */
export async function release(accountId: string, reservationId: string, options: { now?: Date } = {}): Promise<{ released: number }> {
  const now = options.now ?? new Date();
  const db = await getDb();
  await loadReservation(db, accountId, reservationId);
  const [row] = await selectRows<{ released: unknown }>(
    db,
    sql`
      with r as (
        update usage_reservations set status = 'released', settled_at = ${now.toISOString()}::timestamptz
        where id = ${reservationId}::uuid and account_id = ${accountId}::uuid and status = 'pending'
        returning account_id, meter, period_start, quantity, day_start, hour_start
      ),
      counter as (
        update usage_counters c set reserved = greatest(0, c.reserved - r.quantity),
          day_used = case when c.day_start = r.day_start then greatest(0, c.day_used - r.quantity) else c.day_used end,
          hour_used = case when c.hour_start = r.hour_start then greatest(0, c.hour_used - r.quantity) else c.hour_used end,
          updated_at = now()
        from r where c.account_id = r.account_id and c.meter = r.meter and c.period_start = r.period_start
        returning c.reserved
      )
      select coalesce((select quantity from r), 0) as released, (select count(*) from counter) as touched`,
  );
  return { released: num(row?.released) };
}
