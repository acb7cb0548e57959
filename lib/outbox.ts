/**
 * Delivery of outbox rows (customer emails, operator alerts) with retries and backoff, independent
 * of whatever queued them. Each round claims due rows in one short statement (FOR UPDATE SKIP
 * LOCKED, so concurrent workers never take the same row) and pushes their next attempt past a
 * lease; sending happens with no transaction open; the outcome is one more short statement.
 * A worker that dies mid-send leaves the row to be retried once the lease ends.
 */
import "server-only";
import { setTimeout as sleep } from "node:timers/promises";
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { notifications, operatorAlerts } from "@/db/schema";
import { logger } from "@/lib/logger";

export type OutboxTable = typeof notifications | typeof operatorAlerts;

export const OUTBOX_MAX_ATTEMPTS = 6;
/** How long a claimed row is left to the worker that claimed it before another may retry it. */
const LEASE_MS = 5 * 60_000;
/** 1 min, 2 min, 4 min … capped at 6 h. */
export const outboxBackoffMs = (attempts: number) => Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 6 * 3_600_000);

export interface DeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
}

export async function deliverOutbox<T extends OutboxTable>(
  db: Database,
  outbox: T,
  send: (row: T["$inferSelect"]) => Promise<void>,
  options: { limit?: number; now?: Date } = {},
): Promise<DeliveryReport> {
  // Both outboxes share these columns; one concrete type keeps drizzle's builders simple.
  const table = outbox as unknown as typeof notifications;
  const now = options.now ?? new Date();
  const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0 };
  const due = db
    .select({ id: table.id })
    .from(table)
    // Due by the database's clock unless a time is given: rows are stamped by its `now()`, which has
    // microseconds, so a JS Date taken in the same millisecond would miss a row queued just before.
    .where(and(eq(table.status, "pending"), lte(table.nextAttemptAt, options.now ?? sql`now()`)))
    .orderBy(table.nextAttemptAt)
    .limit(options.limit ?? 50)
    .for("update", { skipLocked: true });
  const claimed = (await db
    .update(table)
    .set({ attempts: sql`${table.attempts} + 1`, nextAttemptAt: new Date(now.getTime() + LEASE_MS) })
    .where(inArray(table.id, due))
    .returning()) as unknown as Array<T["$inferSelect"]>;

  for (const row of claimed) {
    try {
      await send(row);
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
      const giveUp = row.attempts >= OUTBOX_MAX_ATTEMPTS;
      logger.warn({ err: error, id: row.id, attempts: row.attempts, giveUp }, "outbox delivery failed");
      await db
        .update(table)
        .set(
          giveUp
            ? { status: "failed", error: message }
            : { error: message, nextAttemptAt: new Date(Date.now() + outboxBackoffMs(row.attempts)) },
        )
        .where(eq(table.id, row.id));
      if (giveUp) report.failed += 1;
      else report.retrying += 1;
      continue;
    }
    // Sent: recording it is retried on its own (the database may be restarting), never taken for a
    // failed send, which would send the message again. If it still cannot be recorded, the lease
    // keeps the row from being retried until the database is back for a while.
    await recordSent(db, table, row.id);
    report.sent += 1;
  }
  return report;
}

const RECORD_SENT_ATTEMPTS = 8;

async function recordSent(db: Database, table: typeof notifications, id: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await db.update(table).set({ status: "sent", sentAt: new Date(), error: null }).where(eq(table.id, id));
      return;
    } catch (error) {
      if (attempt >= RECORD_SENT_ATTEMPTS) {
        logger.error({ err: error, id }, "outbox: sent, but could not record it; it is retried once its lease ends");
        return;
      }
      await sleep(Math.min(250 * 2 ** (attempt - 1), 5_000));
    }
  }
}
