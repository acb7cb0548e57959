import "server-only";
import { sql } from "drizzle-orm";
import { getDb, selectRows, type Queryable } from "@/db/client";
import { deliverOperatorAlerts } from "@/lib/alerts";
import { expireUnverifiedAccounts } from "@/lib/auth/account-expiry";
import { runRevenueAlerts, type RevenueAlertReport } from "@/lib/billing/admin/revenue-alerts";
import { runAutoTopUps, type TopUpReport } from "@/lib/billing/credits/top-ups";
import { calendarMonth } from "@/lib/billing/metering/periods";
import { maintainUsageStorage, type UsageStorageReport } from "@/lib/billing/metering/storage";
import { deliverPendingNotifications } from "@/lib/billing/notifications";
import { replayUnfinishedEvents, type ReplayReport } from "@/lib/billing/webhooks/inbox";
import { logger } from "@/lib/logger";
import type { DeliveryReport } from "@/lib/outbox";
import { drainOutboundWebhooks } from "@/lib/webhooks-out/deliver";

/** Rows removed per table and round: a backlog goes in several rounds, never in one long statement. */
const CLEANUP_BATCH = 5_000;

export interface CounterCleanupReport {
  rateLimits: number;
  anonymousUsage: number;
}

export interface CleanupReport extends CounterCleanupReport {
  /** Accounts never verified within lib/auth/account-expiry.ts's UNVERIFIED_ACCOUNT_TTL_DAYS, deleted. */
  expiredUnverifiedAccounts: number;
  /** usage_events partitions created ahead, days rolled up, raw events past the retention dropped. */
  usageStorage: UsageStorageReport;
}

/**
 * Deletes counters nothing reads any more: `rate_limits` rows whose window has expired (a later
 * request starts a fresh window either way) and `anonymous_usage` rows of months before the current
 * UTC month (the allowance and the carry-over at sign-up only read the current one). In batches,
 * skipping rows another instance holds (`SKIP LOCKED`), so every instance can run it at once.
 */
export async function cleanUpExpiredCounters(db: Queryable, now = new Date()): Promise<CounterCleanupReport> {
  const [limits] = await selectRows<{ n: number }>(
    db,
    sql`with gone as (
          delete from rate_limits where key in (
            select key from rate_limits where expire < ${now.toISOString()}::timestamptz
            limit ${CLEANUP_BATCH} for update skip locked)
          returning 1)
        select count(*)::int as n from gone`,
  );
  const [anonymous] = await selectRows<{ n: number }>(
    db,
    sql`with gone as (
          delete from anonymous_usage where (subject, meter, period_start) in (
            select subject, meter, period_start from anonymous_usage
            where period_start < ${calendarMonth(now).start.toISOString()}::timestamptz
            limit ${CLEANUP_BATCH} for update skip locked)
          returning 1)
        select count(*)::int as n from gone`,
  );
  return { rateLimits: Number(limits?.n ?? 0), anonymousUsage: Number(anonymous?.n ?? 0) };
}

/** Housekeeping, each step bounded and safe to run on every instance at once. */
export async function runCleanupJob(now = new Date()): Promise<CleanupReport> {
  const db = await getDb();
  const counters = await cleanUpExpiredCounters(db, now);
  const expiredUnverifiedAccounts = await expireUnverifiedAccounts(db, now);
  return { ...counters, expiredUnverifiedAccounts, usageStorage: await maintainUsageStorage(db, now) };
}

/**
 * One round of the delivery job: webhook events that failed or were left unprocessed (replayed, and
 * an alert for each stuck one), then due auto top-ups of prepaid credits, then the revenue alerts (at
 * most every 15 minutes across instances), then customer emails and operator alerts that are due,
 * then the outbound webhooks to the product's own systems (lib/webhooks-out/deliver.ts), then the
 * cleanup steps.
 */
export async function runDeliveryJob(): Promise<{
  webhooksReplayed: ReplayReport[];
  creditTopUps: TopUpReport;
  revenueAlerts: RevenueAlertReport | { evaluated: false; error: string };
  notifications: DeliveryReport;
  alerts: DeliveryReport;
  outboundWebhooks: DeliveryReport | { error: string };
  cleanup: CleanupReport;
}> {
  const webhooksReplayed = await replayUnfinishedEvents();
  // Before the emails: a declined auto top-up's notice goes out in the same round.
  const creditTopUps = await runAutoTopUps();
  const db = await getDb();
  // A failing evaluation (logged) must not hold up the emails and alerts already due.
  const revenueAlerts = await runRevenueAlerts(db).catch((error: unknown) => {
    logger.error({ err: error }, "revenue alerts evaluation failed");
    return { evaluated: false as const, error: error instanceof Error ? error.message : String(error) };
  });
  return {
    webhooksReplayed,
    creditTopUps,
    revenueAlerts,
    notifications: await deliverPendingNotifications(db),
    alerts: await deliverOperatorAlerts(db),
    // A failing round (logged) must not hold up the cleanup; its leased deliveries are retried after the lease.
    outboundWebhooks: await drainOutboundWebhooks(db).catch((error: unknown) => {
      logger.error({ err: error }, "outbound webhook delivery failed");
      return { error: error instanceof Error ? error.message : String(error) };
    }),
    cleanup: await runCleanupJob(),
  };
}
