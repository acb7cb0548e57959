import "server-only";
import { and, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { getDb, type Queryable } from "@/db/client";
import { accounts, memberships, usageAlerts } from "@/db/schema";
import { ROLES_THAT_MANAGE } from "@/lib/accounts/access";
import { logger } from "@/lib/logger";
import { formatDate } from "@/lib/format";
import { emitUsageThresholdReached } from "@/lib/webhooks-out/billing-events";
import { deliverPendingNotifications, queueNotification } from "../notifications";
import { METERS, isMeterId, type MeterDefinition, type MeterId } from "../plans";
import type { Entitlement } from "../entitlements";
import { currentEntitlement, meterContext } from "./context";
import { upgradeUrl } from "./quota-error";
import type { UsageResult } from "./result";

/**
 * Usage alerts: a warning before the wall. When a recorded use takes a meter across a threshold of
 * its limit (80 % and 100 % unless the meter says otherwise), the account's billing contact gets
 * an email (the notifications outbox, sent by the delivery job), and its owners and admins see a
 * banner on every page until the window ends or they dismiss it. Each (account, meter, window,
 * threshold) is recorded once by its primary key, so concurrent callers, retries and other
 * instances never announce one twice: of the calls that cross a mark, exactly one sees the mark
 * between its counter before and after (the counter's row lock orders them).
 */

export const DEFAULT_ALERT_THRESHOLDS: readonly number[] = [80, 100];

export const alertThresholds = (meter: MeterId): readonly number[] => (METERS[meter] as MeterDefinition).alertThresholds ?? DEFAULT_ALERT_THRESHOLDS;

/** The unit count at which `percent` of `limit` is reached (80 % of 5 is the 4th unit). */
export const thresholdMark = (limit: number, percent: number): number => Math.max(1, Math.ceil((limit * percent) / 100));

/** The thresholds a counter crossed going from `before` to `after` (none when unlimited or not increasing). */
export function crossedThresholds(before: number, after: number, limit: number | null, thresholds: readonly number[]): number[] {
  if (limit === null || limit <= 0 || after <= before) return [];
  return thresholds.filter((percent) => {
    const mark = thresholdMark(limit, percent);
    return before < mark && after >= mark;
  });
}

function alertText(meter: MeterId, percent: number, result: UsageResult): { subject: string; body: string } {
  const { label, unit } = METERS[meter];
  const fmt = (n: number) => n.toLocaleString("en-US");
  const limit = result.limit ?? 0;
  const bills = (METERS[meter] as MeterDefinition).overage === "bill" && result.plan.id !== "free";
  const subject = percent >= 100 ? `${label}: this period's limit is reached` : `${label}: ${percent}% of this period's limit is used`;
  const after =
    percent >= 100
      ? bills
        ? "Usage past the included amount is billed on your next invoice."
        : "Further use is refused until the period resets."
      : "You can upgrade before you reach the limit.";
  return {
    subject,
    body: [
      `Your ${result.plan.name} plan includes ${fmt(limit)} ${unit} per period; ${fmt(result.used)} are used (${percent}%).`,
      after,
      `The counter resets on ${formatDate(result.resetsAt)}.`,
      `Upgrade: ${upgradeUrl(result.plan.id)}`,
    ].join("\n\n"),
  };
}

/**
 * Records the thresholds a successful use of `added` units crossed (its result's `used` is the
 * counter after it) and queues their emails, in one short transaction. Returns the thresholds
 * this call recorded (empty when another call had, or none was crossed). Never throws: the use is
 * already recorded, and a lost warning must not turn it into an error the caller would retry.
 */
export async function recordUsageAlerts(accountId: string, result: UsageResult, added: number): Promise<number[]> {
  if (!result.allowed || result.duplicate || result.degraded || added <= 0) return [];
  const crossed = crossedThresholds(result.used - added, result.used, result.limit, alertThresholds(result.meter));
  if (crossed.length === 0) return [];
  try {
    const db = await getDb();
    const recorded = await db.transaction(async (tx) => {
      const rows = await tx
        .insert(usageAlerts)
        .values(crossed.map((threshold) => ({ accountId, meter: result.meter, windowEnd: new Date(result.resetsAt), threshold, used: result.used, limit: result.limit ?? 0 })))
        .onConflictDoNothing()
        .returning({ threshold: usageAlerts.threshold });
      for (const { threshold } of rows) {
        await queueNotification(tx, {
          accountId,
          kind: "usage_threshold",
          sourceEventId: `usage_alert:${accountId}:${result.meter}:${result.resetsAt}:${threshold}`,
          ...alertText(result.meter, threshold, result),
        });
        await emitUsageThresholdReached(tx, accountId, { meter: result.meter, threshold, used: result.used, limit: result.limit ?? 0, resetsAt: result.resetsAt });
      }
      return rows.map((r) => r.threshold);
    });
    // Send the warning right away, after the transaction (as a processed webhook does); the delivery job retries a failure.
    if (recorded.length > 0) await deliverPendingNotifications(db).catch((error: unknown) => logger.warn({ err: error }, "usage alert email delivery failed"));
    return recorded;
  } catch (error) {
    logger.error({ err: error, accountId, meter: result.meter, crossed }, "usage alert not recorded");
    return [];
  }
}

export interface ActiveUsageAlert {
  accountId: string;
  accountName: string;
  /** A person's own account, or an organization (the banner names it). */
  accountKind: "personal" | "organization";
  meter: MeterId;
  label: string;
  /** The highest threshold reached in the current window. */
  threshold: number;
  used: number;
  limit: number;
  resetsAt: string;
}

/**
 * The warnings to show a user: for every account they own or administer, each meter's highest
 * threshold reached in the account's current usage window, unless dismissed. A warning whose window
 * or limit is no longer the account's (an upgrade started a new period or raised the limit) is not
 * shown: it was true of a state that has passed.
 */
export async function activeUsageAlerts(db: Queryable, userId: string, now = new Date()): Promise<ActiveUsageAlert[]> {
  const rows = await db
    .select({
      accountId: usageAlerts.accountId,
      accountName: accounts.name,
      kind: accounts.kind,
      meter: usageAlerts.meter,
      threshold: usageAlerts.threshold,
      used: usageAlerts.used,
      limit: usageAlerts.limit,
      windowEnd: usageAlerts.windowEnd,
    })
    .from(usageAlerts)
    .innerJoin(memberships, and(eq(memberships.accountId, usageAlerts.accountId), eq(memberships.userId, userId), inArray(memberships.role, [...ROLES_THAT_MANAGE])))
    .innerJoin(accounts, eq(accounts.id, usageAlerts.accountId))
    .where(and(gt(usageAlerts.windowEnd, now), isNull(usageAlerts.dismissedAt)))
    .orderBy(usageAlerts.accountId, usageAlerts.meter, sql`${usageAlerts.threshold} desc`)
    .limit(100);
  const seen = new Set<string>();
  const alerts: ActiveUsageAlert[] = [];
  const entitlements = new Map<string, Entitlement>();
  for (const accountId of new Set(rows.map((r) => r.accountId))) entitlements.set(accountId, (await currentEntitlement(db, accountId)).entitlement);
  for (const row of rows) {
    const key = `${row.accountId}:${row.meter}`;
    if (seen.has(key) || !isMeterId(row.meter)) continue;
    const current = meterContext(entitlements.get(row.accountId)!, row.accountId, row.meter, now);
    if (current.period.end.getTime() !== row.windowEnd.getTime() || current.limit !== Number(row.limit)) continue;
    seen.add(key);
    alerts.push({
      accountId: row.accountId,
      accountName: row.accountName,
      accountKind: row.kind,
      meter: row.meter,
      label: METERS[row.meter].label,
      threshold: row.threshold,
      used: Number(row.used),
      limit: Number(row.limit),
      resetsAt: row.windowEnd.toISOString(),
    });
  }
  return alerts;
}

/** Hides an account's warnings for one meter until its window ends (a new threshold shows again). */
export async function dismissUsageAlerts(db: Queryable, accountId: string, meter: MeterId, resetsAt: Date, now = new Date()): Promise<number> {
  const rows = await db
    .update(usageAlerts)
    .set({ dismissedAt: now })
    .where(and(eq(usageAlerts.accountId, accountId), eq(usageAlerts.meter, meter), eq(usageAlerts.windowEnd, resetsAt), isNull(usageAlerts.dismissedAt)))
    .returning({ threshold: usageAlerts.threshold });
  return rows.length;
}
