import "server-only";
import { recordUsageAlerts } from "./alerts";
import { sql } from "drizzle-orm";
import { getDb, selectRows, type Queryable } from "@/db/client";
import { usageCounters } from "@/db/schema";
import { AppError } from "@/lib/errors";
import type { MeterId } from "../plans";
import { loadEntitlement, meterContext, type MeterContext } from "./context";
import { replayResult, withDatabasePolicy } from "./consume";
import { pgErrorCode } from "./errors";
import { assertQuantity, num, usageResult, type UsageResult } from "./result";
import { overageCost, readSpendCap, spendCapState } from "./spend-caps";
import { windowUsedSql } from "./windows";

export interface UsageEventInput {
  meter: MeterId;
  quantity: number;
  idempotencyKey: string;
  metadata?: Record<string, string>;
}

export interface BatchItemResult extends UsageResult {
  idempotencyKey: string;
  /** `quota_exceeded` when refused (a period or shorter window limit), `spend_cap_reached` by the spend cap, `conflict` when the key was used before with other values. */
  error?: "quota_exceeded" | "spend_cap_reached" | "conflict";
}

export const MAX_BATCH_EVENTS = 1_000;

/**
 * Records up to 1,000 events for one user, answering per event in the same order. The counters of
 * the meters involved are locked for the length of one short transaction (no network call inside),
 * so the batch sees and moves them exactly like that many `consume` calls in a row would: each
 * event is allowed only if it still fits, keys already on record (or repeated inside the batch)
 * count once and answer the first result (`conflict` when the meter or quantity differs, as the
 * single call answers), and nobody ever ends above a limit.
 */
export async function consumeBatch(
  accountId: string,
  events: UsageEventInput[],
  options: { apiKeyId?: string | null; now?: Date } = {},
): Promise<BatchItemResult[]> {
  if (events.length > MAX_BATCH_EVENTS)
    throw new AppError("bad_request", `events: at most ${MAX_BATCH_EVENTS} per batch.`, { field: "events" });
  events.forEach((e, i) => assertQuantity(e.quantity, `events.${i}.quantity`));
  if (events.length === 0) return [];
  const now = options.now ?? new Date();
  let results: BatchItemResult[] = [];
  await withDatabasePolicy(
    events[0].meter,
    async () => {
      const db = await getDb();
      const entitlement = await loadEntitlement(db, accountId, now);
      const contexts = new Map<MeterId, MeterContext>();
      for (const meter of [...new Set(events.map((e) => e.meter))].sort())
        contexts.set(meter, meterContext(entitlement, accountId, meter, now));
      for (let attempt = 0; ; attempt += 1) {
        try {
          results = await db.transaction((tx) => recordBatch(tx, contexts, events, options.apiKeyId ?? null));
          break;
        } catch (error) {
          // A concurrent call recorded one of our keys first: go again and replay its result.
          if (attempt === 0 && pgErrorCode(error) === "23505") continue;
          throw error;
        }
      }
      return results[0];
    },
    now,
  );
  for (const [i, result] of results.entries()) {
    if (!result.error) await recordUsageAlerts(accountId, result, events[i].quantity);
  }
  return results;
}

/**
 * The events already on record for some of a user's idempotency keys. One JSON parameter instead
 * of one per key: cheap to bind and to parse for 1,000 keys. One probe of the (user, key) unique
 * index per key, whatever the statistics say: the LIMIT keeps the lateral lookup from being
 * flattened into a join the planner may order the other way round, and no other index of
 * usage_event_keys starts with the user (see db/schema.ts). With statistics taken before a new
 * customer's first events, the planner used to estimate one event for the user and scan all of
 * them once per key: a second per batch once the customer had 100,000 events.
 */
export function priorEventsSql(accountId: string, keys: string[]) {
  return sql`select k.key, e.meter, e.quantity, e.used_after, e.limit_at, e.period_end
    from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) as k(key)
    cross join lateral (
      select meter, quantity, used_after, limit_at, period_end from usage_event_keys
      where account_id = ${accountId}::uuid and idempotency_key = k.key
      limit 1
    ) as e`;
}

async function recordBatch(
  tx: Queryable,
  contexts: Map<MeterId, MeterContext>,
  events: UsageEventInput[],
  apiKeyId: string | null,
): Promise<BatchItemResult[]> {
  const all = [...contexts.values()];
  const accountId = all[0].accountId;
  // Lock every counter the batch touches, in a fixed order so concurrent batches cannot deadlock.
  await tx
    .insert(usageCounters)
    .values(all.map((c) => ({ accountId, meter: c.meter, periodStart: c.period.start, periodEnd: c.period.end })))
    .onConflictDoNothing();
  const counters = new Map<string, { used: number; reserved: number; windows: { day: number; hour: number }; changed: boolean }>();
  const spendCap = all.some((c) => c.overagePrice) ? await readSpendCap(tx, accountId) : null;
  for (const ctx of all) {
    const start = ctx.period.start.toISOString();
    const [row] = await selectRows<{ used: unknown; reserved: unknown; day_used: unknown; hour_used: unknown }>(
      tx,
      sql`select c.used, c.reserved, ${windowUsedSql("day", accountId, ctx.meter, start, ctx.clock.dayStart)},
            ${windowUsedSql("hour", accountId, ctx.meter, start, ctx.clock.hourStart)}
          from usage_counters c
          where c.account_id = ${accountId}::uuid and c.meter = ${ctx.meter} and c.period_start = ${start}::timestamptz
          for update of c`,
    );
    counters.set(ctx.meter, {
      used: num(row.used),
      reserved: num(row.reserved),
      windows: { day: num(row.day_used), hour: num(row.hour_used) },
      changed: false,
    });
  }
  const keys = [...new Set(events.map((e) => e.idempotencyKey))];
  const priorRows = (
    await selectRows<{ key: string; meter: string; quantity: unknown; used_after: unknown; limit_at: unknown; period_end: unknown }>(
      tx,
      priorEventsSql(accountId, keys),
    )
  ).map((r) => ({
    key: r.key,
    meter: r.meter,
    quantity: r.quantity,
    usedAfter: r.used_after,
    limitAt: r.limit_at,
    periodEnd: r.period_end,
  }));
  const prior = new Map(priorRows.map((r) => [r.key as string, r]));

  // The first event of each key in the batch, and what it was answered.
  const seen = new Map<string, { event: UsageEventInput; result: BatchItemResult }>();
  const inserts: Array<{
    meter: MeterId;
    quantity: number;
    key: string;
    period_start: string;
    period_end: string;
    metadata: Record<string, string> | null;
    used_after: number;
    limit_at: number | null;
    billable: number;
  }> = [];
  const results = events.map((event): BatchItemResult => {
    const ctx = contexts.get(event.meter) as MeterContext;
    const key = event.idempotencyKey;
    const earlier = seen.get(key);
    if (earlier) {
      // A key repeated with another meter or quantity is a conflict, as it is against a recorded event.
      if (earlier.event.meter !== event.meter || earlier.event.quantity !== event.quantity) {
        const counter = counters.get(event.meter)!;
        return { idempotencyKey: key, ...usageResult(ctx, false, counter.used, counter.reserved), error: "conflict" };
      }
      return { ...earlier.result, duplicate: earlier.result.error ? earlier.result.duplicate : true };
    }
    let result: BatchItemResult;
    const before = prior.get(key);
    if (before) {
      try {
        result = { idempotencyKey: key, ...replayResult(ctx, before, event.quantity) };
      } catch {
        result = { idempotencyKey: key, ...usageResult(ctx, false, counters.get(event.meter)!.used), error: "conflict" };
      }
    } else {
      const counter = counters.get(event.meter)!;
      const windowsFit = ctx.windows.every((w) => counter.windows[w.window] + event.quantity <= w.limit);
      const capFits = !spendCap || !ctx.overagePrice || overageCost(ctx, counter.used + event.quantity) <= spendCap.capCents;
      const fits =
        windowsFit &&
        capFits &&
        (ctx.limit === null || ctx.overage === "bill" || counter.used + counter.reserved + event.quantity <= ctx.limit);
      if (fits) {
        counter.used += event.quantity;
        counter.windows.day += event.quantity;
        counter.windows.hour += event.quantity;
        counter.changed = true;
        const billable = ctx.overage === "bill" && ctx.limit !== null ? Math.min(event.quantity, Math.max(0, counter.used - ctx.limit)) : 0;
        inserts.push({
          meter: event.meter,
          quantity: event.quantity,
          key,
          period_start: ctx.period.start.toISOString(),
          period_end: ctx.period.end.toISOString(),
          metadata: event.metadata ?? null,
          used_after: counter.used,
          limit_at: ctx.limit,
          billable,
        });
        const extra = spendCap && ctx.overagePrice ? { spendCap: spendCapState(ctx, spendCap.capCents, counter.used) } : {};
        result = { idempotencyKey: key, ...usageResult(ctx, true, counter.used, counter.reserved, extra, { ...counter.windows }) };
      } else {
        const periodFull = ctx.overage === "block" && ctx.limit !== null && counter.used + counter.reserved + event.quantity > ctx.limit;
        const window = periodFull ? undefined : ctx.windows.find((w) => counter.windows[w.window] + event.quantity > w.limit);
        const refusedBy = periodFull ? "period" : (window?.window ?? (capFits ? "period" : "spend_cap"));
        const extra = spendCap && ctx.overagePrice ? { spendCap: spendCapState(ctx, spendCap.capCents, counter.used) } : {};
        result = {
          idempotencyKey: key,
          ...usageResult(ctx, false, counter.used, counter.reserved, { refusedBy, ...extra }, { ...counter.windows }),
          error: refusedBy === "spend_cap" ? "spend_cap_reached" : "quota_exceeded",
        };
      }
    }
    seen.set(key, { event, result });
    return result;
  });

  if (inserts.length > 0) {
    await tx.execute(sql`
      insert into usage_events (account_id, meter, quantity, idempotency_key, period_start, period_end, api_key_id, metadata, used_after, limit_at, billable_quantity)
      select ${accountId}::uuid, e.meter, e.quantity, e.key, e.period_start, e.period_end, ${apiKeyId}::uuid, coalesce(e.metadata, '{}'::jsonb), e.used_after, e.limit_at, e.billable
      from jsonb_to_recordset(${JSON.stringify(inserts)}::jsonb)
        as e(meter text, quantity bigint, key text, period_start timestamptz, period_end timestamptz, metadata jsonb, used_after bigint, limit_at bigint, billable bigint)`);
  }
  for (const ctx of all) {
    const counter = counters.get(ctx.meter)!;
    if (!counter.changed) continue;
    const { dayStart, hourStart } = ctx.clock;
    await tx.execute(sql`
      update usage_counters c set used = ${counter.used}::bigint,
        day_used = ${counter.windows.day}::bigint, day_start = greatest(c.day_start, ${dayStart}::timestamptz),
        hour_used = ${counter.windows.hour}::bigint, hour_start = greatest(c.hour_start, ${hourStart}::timestamptz),
        updated_at = now()
      where c.account_id = ${accountId}::uuid and c.meter = ${ctx.meter} and c.period_start = ${ctx.period.start.toISOString()}::timestamptz`);
  }
  return results;
}
