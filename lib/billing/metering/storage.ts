import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { selectRows, type Database } from "@/db/client";
import { logger } from "@/lib/logger";
import { env as serverEnv, type EnvSource } from "@/env";

/**
 * Growth without slowdown: `usage_events` is partitioned by UTC month of `created_at`
 * (db/migrations/0021), so a consume writes into one small current partition whatever the history
 * holds, and old months leave as whole tables. Three steps, each safe on every instance at once:
 *
 *  1. partitions: this month and the next MONTHS_AHEAD are created ahead. An event whose month has
 *     no partition lands in the DEFAULT partition (an insert never fails); creating that month's
 *     partition later moves those rows into it.
 *  2. rollup: complete UTC days are summed into `usage_daily` (account, meter, day: quantity,
 *     events), up to `usage_rollup_state.rolled_up_until`; usage history reads the rollup for those
 *     days and raw events for the rest (lib/billing/metering/usage-reads.ts), so a chart is the same
 *     before and after.
 *  3. retention: raw events of months older than USAGE_RETENTION_MONTHS (default 13), once rolled
 *     up, are dropped: a whole partition when none of its billable events is still unreported to
 *     Stripe, else only its reported (or non-billable) events. An unreported event is never dropped.
 *     Their idempotency keys (`usage_event_keys`) go with them.
 */

/** Partitions kept ahead of the current month. */
export const MONTHS_AHEAD = 2;
export const DEFAULT_RETENTION_MONTHS = 13;
/** A day is rolled up once it ended this long ago (no transaction that started in it is still open). */
const ROLLUP_LAG_MS = 3_600_000;
/** Days per rollup statement: bounded work per statement on a large table. */
const ROLLUP_CHUNK_DAYS = 7;
/** Statements per rollup run (a first run on a long history catches up over several rounds). */
const ROLLUP_MAX_CHUNKS = 60;
/** Rows per retention delete, and at most this many rounds per run. */
const RETENTION_BATCH = 5_000;
const RETENTION_ROUNDS = 20;
/** How often `maintainUsageStorage` does its work across all instances. */
const MAINTAIN_EVERY_MS = 15 * 60_000;
/** Serialises partition DDL across instances (transaction-scoped: nothing held on a pooled connection). */
const PARTITION_LOCK_ID = 727_274_021;
const DAY_MS = 86_400_000;

const PARTITION_NAME = /^usage_events_(\d{4})_(\d{2})$/;

export interface UsageStorageReport {
  /** False when another instance maintained within the last 15 minutes. */
  ran: boolean;
  partitionsCreated: string[];
  daysRolledUp: number;
  partitionsDropped: string[];
  eventsDropped: number;
  keysDropped: number;
  errors: string[];
}

/** USAGE_RETENTION_MONTHS: whole months of raw usage events kept (default 13, at least 1). */
export function usageRetentionMonths(env: EnvSource = serverEnv): number {
  const raw = env.USAGE_RETENTION_MONTHS?.trim();
  if (!raw) return DEFAULT_RETENTION_MONTHS;
  const months = Number(raw);
  if (!Number.isInteger(months) || months < 1)
    throw new Error(`USAGE_RETENTION_MONTHS must be a whole number of months, at least 1 (got "${raw}").`);
  return months;
}

export const monthStart = (date: Date, plus = 0) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + plus, 1));
export const dayStart = (date: Date) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
export const partitionName = (month: Date) => `usage_events_${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, "0")}`;
/** A timestamp literal for DDL (partition bounds take no parameters); only ever built from a Date. */
const literal = (date: Date) => sql.raw(`'${date.toISOString()}'`);

/** The monthly partitions of usage_events, oldest first, with their bounds. */
export async function listUsagePartitions(db: Database): Promise<Array<{ name: string; from: Date; to: Date }>> {
  const rows = await selectRows<{ name: string }>(
    db,
    sql`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'usage_events'::regclass`,
  );
  return rows
    .flatMap(({ name }) => {
      const m = PARTITION_NAME.exec(name);
      if (!m) return [];
      const from = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
      return [{ name, from, to: monthStart(from, 1) }];
    })
    .sort((a, b) => a.from.getTime() - b.from.getTime());
}

/**
 * Creates the partitions of this month and the next MONTHS_AHEAD that do not exist yet. Each in a
 * short transaction under a transaction-scoped advisory lock (two instances never race on the same
 * CREATE), with a lock timeout so consumes never queue long behind the DDL. Rows the DEFAULT
 * partition holds for that month are moved into the new partition in the same transaction.
 */
export async function ensureUsagePartitions(db: Database, now = new Date(), monthsAhead = MONTHS_AHEAD): Promise<string[]> {
  const existing = new Set((await listUsagePartitions(db)).map((p) => p.name));
  const created: string[] = [];
  for (let i = 0; i <= monthsAhead; i += 1) {
    const from = monthStart(now, i);
    const to = monthStart(now, i + 1);
    const name = partitionName(from);
    if (existing.has(name)) continue;
    const made = await db.transaction(async (tx) => {
      await tx.execute(sql`set local lock_timeout = '5s'`);
      await tx.execute(sql`select pg_advisory_xact_lock(${PARTITION_LOCK_ID})`);
      const [present] = await selectRows<{ present: boolean }>(tx, sql`select to_regclass(${name}) is not null as present`);
      if (present?.present) return false;
      const table = sql.identifier(name);
      const bounds = sql`for values from (${literal(from)}) to (${literal(to)})`;
      const [stray] = await selectRows<{ stray: boolean }>(
        tx,
        sql`select exists (select 1 from usage_events_default where created_at >= ${from.toISOString()}::timestamptz and created_at < ${to.toISOString()}::timestamptz) as stray`,
      );
      if (!stray?.stray) {
        await tx.execute(sql`create table ${table} partition of usage_events ${bounds}`);
      } else {
        // Events already in the default partition for this month: move them, then attach.
        await tx.execute(sql`create table ${table} (like usage_events including defaults including constraints including storage)`);
        await tx.execute(sql`with moved as (
            delete from usage_events_default where created_at >= ${from.toISOString()}::timestamptz and created_at < ${to.toISOString()}::timestamptz
            returning *)
          insert into ${table} select * from moved`);
        await tx.execute(sql`alter table usage_events attach partition ${table} ${bounds}`);
      }
      return true;
    });
    if (made) created.push(name);
  }
  return created;
}

const epochMs = (column: SQL) => sql`(extract(epoch from ${column}) * 1000)::float8`;

/** Every UTC day before this is in usage_daily (null: nothing rolled up yet). */
export async function rolledUpUntil(db: Database): Promise<Date | null> {
  const [row] = await selectRows<{ ms: number | null }>(db, sql`select ${epochMs(sql`rolled_up_until`)} as ms from usage_rollup_state`);
  return row?.ms == null ? null : new Date(Number(row.ms));
}

/**
 * Rolls complete UTC days (ended at least an hour ago) up into usage_daily, a week per statement,
 * at most ROLLUP_MAX_CHUNKS statements per call.
 * Each statement moves `rolled_up_until` forward only from the value it read (another instance that
 * got there first makes it write nothing), and recomputes the days it covers, so a rerun never adds
 * twice. Returns the days rolled up by this call.
 */
export async function rollUpUsage(db: Database, now = new Date()): Promise<number> {
  const cutoff = dayStart(new Date(now.getTime() - ROLLUP_LAG_MS));
  let days = 0;
  for (let chunk = 0; chunk < ROLLUP_MAX_CHUNKS; chunk += 1) {
    let from = await rolledUpUntil(db);
    if (!from) {
      // First run: from the day of the oldest event (none yet: nothing to roll up).
      const [oldest] = await selectRows<{ ms: number | null }>(db, sql`select ${epochMs(sql`min(created_at)`)} as ms from usage_events`);
      if (oldest?.ms == null) return days;
      await db.execute(
        sql`update usage_rollup_state set rolled_up_until = ${dayStart(new Date(Number(oldest.ms))).toISOString()}::timestamptz where rolled_up_until is null`,
      );
      from = await rolledUpUntil(db);
      if (!from) return days;
    }
    if (from >= cutoff) return days;
    const to = new Date(Math.min(from.getTime() + ROLLUP_CHUNK_DAYS * DAY_MS, cutoff.getTime()));
    const [row] = await selectRows<{ advanced: number }>(
      db,
      sql`with advanced as (
            update usage_rollup_state set rolled_up_until = ${to.toISOString()}::timestamptz
            where rolled_up_until = ${from.toISOString()}::timestamptz
            returning 1),
          rolled as (
            insert into usage_daily (account_id, meter, day, quantity, events)
            select account_id, meter, (created_at at time zone 'UTC')::date, sum(quantity), count(*)
            from usage_events
            where created_at >= ${from.toISOString()}::timestamptz and created_at < ${to.toISOString()}::timestamptz
              and exists (select 1 from advanced)
            group by 1, 2, 3
            on conflict (account_id, meter, day) do update set quantity = excluded.quantity, events = excluded.events)
          select count(*)::int as advanced from advanced`,
    );
    if (Number(row?.advanced) > 0) days += Math.round((to.getTime() - from.getTime()) / DAY_MS);
    // Another instance moved it meanwhile: go on from where it got. Never spin on a value that did not move.
    else if ((await rolledUpUntil(db))?.getTime() === from.getTime()) throw new Error("usage rollup: rolled_up_until did not advance");
  }
  return days;
}

/**
 * Drops raw events of the months past the retention (`months` whole months before the current one),
 * never past what is rolled up, never an event still unreported to Stripe. See the module comment.
 */
export async function dropExpiredUsage(
  db: Database,
  now = new Date(),
  months = usageRetentionMonths(),
): Promise<Pick<UsageStorageReport, "partitionsDropped" | "eventsDropped" | "keysDropped">> {
  const report = { partitionsDropped: [] as string[], eventsDropped: 0, keysDropped: 0 };
  const rolled = await rolledUpUntil(db);
  if (!rolled) return report;
  const cutoff = new Date(Math.min(monthStart(now, -months).getTime(), rolled.getTime()));
  const until = cutoff.toISOString();

  for (const partition of await listUsagePartitions(db)) {
    if (partition.to > cutoff) continue;
    const dropped = await db.transaction(async (tx) => {
      await tx.execute(sql`set local lock_timeout = '5s'`);
      await tx.execute(sql`select pg_advisory_xact_lock(${PARTITION_LOCK_ID})`);
      const [present] = await selectRows<{ present: boolean }>(tx, sql`select to_regclass(${partition.name}) is not null as present`);
      if (!present?.present) return false;
      const table = sql.identifier(partition.name);
      const [pending] = await selectRows<{ pending: boolean }>(
        tx,
        sql`select exists (select 1 from ${table} where reported_at is null and billable_quantity > 0) as pending`,
      );
      if (pending?.pending) return false; // its reported events go row by row below
      await tx.execute(sql`drop table ${table}`);
      return true;
    });
    if (dropped) report.partitionsDropped.push(partition.name);
  }

  // What is left before the cutoff (partitions holding unreported events, the default partition):
  // only events with nothing left to report, with their keys, in bounded batches.
  for (let round = 0; round < RETENTION_ROUNDS; round += 1) {
    const [row] = await selectRows<{ events: number; keys: number }>(
      db,
      sql`with gone as (
            delete from usage_events where (id, created_at) in (
              select id, created_at from usage_events
              where created_at < ${until}::timestamptz and (billable_quantity = 0 or reported_at is not null)
              limit ${RETENTION_BATCH})
            returning account_id, idempotency_key),
          keys as (
            delete from usage_event_keys k using gone
            where k.account_id = gone.account_id and k.idempotency_key = gone.idempotency_key
            returning 1)
          select (select count(*) from gone)::int as events, (select count(*) from keys)::int as keys`,
    );
    report.eventsDropped += Number(row?.events ?? 0);
    report.keysDropped += Number(row?.keys ?? 0);
    if (Number(row?.events ?? 0) < RETENTION_BATCH) break;
  }

  // The keys of events that left with a dropped partition.
  for (let round = 0; round < RETENTION_ROUNDS; round += 1) {
    const [row] = await selectRows<{ keys: number }>(
      db,
      sql`with gone as (
            delete from usage_event_keys where (account_id, idempotency_key) in (
              select k.account_id, k.idempotency_key from usage_event_keys k
              where k.created_at < ${until}::timestamptz
                and not exists (select 1 from usage_events e where e.id = k.event_id and e.created_at = k.created_at)
              limit ${RETENTION_BATCH})
            returning 1)
          select count(*)::int as keys from gone`,
    );
    report.keysDropped += Number(row?.keys ?? 0);
    if (Number(row?.keys ?? 0) < RETENTION_BATCH) break;
  }
  return report;
}

/**
 * The three steps in order (the delivery job's cleanup runs it every round), at most once per 15
 * minutes across instances unless `force`. A failing step is logged and reported; the others run.
 */
export async function maintainUsageStorage(db: Database, now = new Date(), options: { force?: boolean } = {}): Promise<UsageStorageReport> {
  const report: UsageStorageReport = {
    ran: false,
    partitionsCreated: [],
    daysRolledUp: 0,
    partitionsDropped: [],
    eventsDropped: 0,
    keysDropped: 0,
    errors: [],
  };
  if (!options.force) {
    const claimed = await selectRows(
      db,
      sql`update usage_rollup_state set maintained_at = ${now.toISOString()}::timestamptz
          where maintained_at is null or maintained_at <= ${new Date(now.getTime() - MAINTAIN_EVERY_MS).toISOString()}::timestamptz
          returning 1`,
    );
    if (claimed.length === 0) return report;
  }
  report.ran = true;
  const step = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      logger.error({ err: error, step: name }, "usage storage maintenance step failed");
      report.errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await step("partitions", async () => {
    report.partitionsCreated = await ensureUsagePartitions(db, now);
  });
  await step("rollup", async () => {
    report.daysRolledUp = await rollUpUsage(db, now);
  });
  await step("retention", async () => {
    Object.assign(report, await dropExpiredUsage(db, now));
  });
  return report;
}
