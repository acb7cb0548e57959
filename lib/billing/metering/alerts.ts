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
import { SPEND_CAP_ALERT_THRESHOLDS, readSpendCap } from "./spend-caps";

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

export const alertThresholds = (meter: MeterId): readonly number[] =>
  (METERS[meter] as MeterDefinition).alertThresholds ?? DEFAULT_ALERT_THRESHOLDS;

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
/**
 * One crossing to record: the period's (`key` is the meter, as before windows existed), a shorter
 * window's (`api_calls:day`, `api_calls:hour`) or the spend cap's (`tokens:spend_cap`, in minor units).
 */
interface Crossing {
  key: string;
  window: AlertWindow;
  threshold: number;
  used: number;
  limit: number;
  resetsAt: string;
}

function crossingsOf(result: UsageResult, added: number): Crossing[] {
  const thresholds = alertThresholds(result.meter);
  const crossings: Crossing[] = crossedThresholds(result.used - added, result.used, result.limit, thresholds).map((threshold) => ({
    key: alertKey(result.meter, "period"),
    window: "period",
    threshold,
    used: result.used,
    limit: result.limit ?? 0,
    resetsAt: result.resetsAt,
  }));
  for (const w of result.windows ?? []) {
    if (w.window === "period") continue;
    for (const threshold of crossedThresholds(w.used - added, w.used, w.limit, thresholds)) {
      crossings.push({
        key: alertKey(result.meter, w.window),
        window: w.window,
        threshold,
        used: w.used,
        limit: w.limit ?? 0,
        resetsAt: w.resetsAt,
      });
    }
  }
  const cap = result.spendCap;
  const price = Number((METERS[result.meter] as MeterDefinition).stripe?.unitAmountDecimal ?? 0);
  if (cap && result.limit !== null) {
    const before = Math.round(Math.max(0, result.used - added - result.limit) * price);
    for (const threshold of crossedThresholds(before, cap.spent, cap.cap, SPEND_CAP_ALERT_THRESHOLDS)) {
      crossings.push({
        key: alertKey(result.meter, "spend_cap"),
        window: "spend_cap",
        threshold,
        used: cap.spent,
        limit: cap.cap,
        resetsAt: cap.resetsAt,
      });
    }
  }
  return crossings;
}

function crossingText(result: UsageResult, crossing: Crossing): { subject: string; body: string } {
  if (crossing.window === "period") return alertText(result.meter, crossing.threshold, result);
  const { label, unit } = METERS[result.meter];
  const fmt = (n: number) => n.toLocaleString("en-US");
  const reached = crossing.threshold >= 100;
  if (crossing.window === "spend_cap") {
    const currency = result.spendCap?.currency ?? "usd";
    const money = (cents: number) =>
      new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
    return {
      subject: reached ? `${label}: your spend cap is reached` : `${label}: ${crossing.threshold}% of your spend cap is used`,
      body: [
        `Billed ${unit} past your plan's included amount have cost ${money(crossing.used)} this month, of your ${money(crossing.limit)} spend cap (${crossing.threshold}%).`,
        reached
          ? "Further billed usage is refused until the cap is raised or the period resets."
          : "Raise or clear the cap on the billing page before it is reached.",
        `The period resets on ${formatDate(crossing.resetsAt)}.`,
      ].join("\n\n"),
    };
  }
  const span = crossing.window === "day" ? "today's" : "this hour's";
  return {
    subject: reached ? `${label}: ${span} limit is reached` : `${label}: ${crossing.threshold}% of ${span} limit is used`,
    body: [
      `Your ${result.plan.name} plan allows ${fmt(crossing.limit)} ${unit} per ${crossing.window} (UTC); ${fmt(crossing.used)} are used (${crossing.threshold}%).`,
      reached ? `Further use is refused until ${crossing.resetsAt} (UTC).` : "You can upgrade before you reach the limit.",
      `Upgrade: ${upgradeUrl(result.plan.id)}`,
    ].join("\n\n"),
  };
}

export async function recordUsageAlerts(accountId: string, result: UsageResult, added: number): Promise<number[]> {
  if (!result.allowed || result.duplicate || result.degraded || added <= 0) return [];
  const crossings = crossingsOf(result, added);
  if (crossings.length === 0) return [];
  const crossed = crossings.map((c) => `${c.key}:${c.threshold}`);
  try {
    const db = await getDb();
    const recorded = await db.transaction(async (tx) => {
      const rows = await tx
        .insert(usageAlerts)
        .values(
          crossings.map((c) => ({
            accountId,
            meter: c.key,
            windowEnd: new Date(c.resetsAt),
            threshold: c.threshold,
            used: c.used,
            limit: c.limit,
          })),
        )
        .onConflictDoNothing()
        .returning({ key: usageAlerts.meter, threshold: usageAlerts.threshold });
      for (const { key, threshold } of rows) {
        const crossing = crossings.find((c) => c.key === key && c.threshold === threshold)!;
        await queueNotification(tx, {
          accountId,
          kind: "usage_threshold",
          sourceEventId: `usage_alert:${accountId}:${key}:${crossing.resetsAt}:${threshold}`,
          ...crossingText(result, crossing),
        });
        await emitUsageThresholdReached(tx, accountId, {
          meter: result.meter,
          threshold,
          used: crossing.used,
          limit: crossing.limit,
          resetsAt: crossing.resetsAt,
          ...(crossing.window === "period" ? {} : { window: crossing.window }),
        });
      }
      return rows.map((r) => r.threshold);
    });
    // Send the warning right away, after the transaction (as a processed webhook does); the delivery job retries a failure.
    if (recorded.length > 0)
      await deliverPendingNotifications(db).catch((error: unknown) => logger.warn({ err: error }, "usage alert email delivery failed"));
    return recorded;
  } catch (error) {
    logger.error({ err: error, accountId, meter: result.meter, crossed }, "usage alert not recorded");
    return [];
  }
}

/** What an alert is about: the billing period, a shorter window (a UTC day or hour), or the spend cap on billed overage. */
export const ALERT_WINDOWS = ["period", "day", "hour", "spend_cap"] as const;
export type AlertWindow = (typeof ALERT_WINDOWS)[number];

/** The key an alert is recorded under (`usage_alerts.meter`): the meter for its period, else `<meter>:<window>`. */
export const alertKey = (meter: MeterId, window: AlertWindow): string => (window === "period" ? meter : `${meter}:${window}`);

function parseAlertKey(key: string): { meter: MeterId; window: AlertWindow } | null {
  const [meter, window = "period", ...rest] = key.split(":");
  if (rest.length > 0 || !isMeterId(meter) || !(ALERT_WINDOWS as readonly string[]).includes(window)) return null;
  return { meter, window: window as AlertWindow };
}

export interface ActiveUsageAlert {
  accountId: string;
  accountName: string;
  /** A person's own account, or an organization (the banner names it). */
  accountKind: "personal" | "organization";
  meter: MeterId;
  /** The period's limit, a day's or an hour's cap, or the spend cap (then `used` and `limit` are minor units of `currency`). */
  window: AlertWindow;
  label: string;
  /** The highest threshold reached in the current window. */
  threshold: number;
  used: number;
  limit: number;
  resetsAt: string;
  /** The spend cap's currency (spend-cap alerts only). */
  currency?: string;
}

/**
 * The warnings to show a user: for every account they own or administer, each meter's highest
 * threshold reached in each of its current windows (the period, the UTC day and hour, the spend
 * cap), unless dismissed. A warning whose window or limit is no longer the account's (an upgrade
 * started a new period or raised the limit, the hour is over, the cap was changed or cleared) is not
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
    .innerJoin(
      memberships,
      and(
        eq(memberships.accountId, usageAlerts.accountId),
        eq(memberships.userId, userId),
        inArray(memberships.role, [...ROLES_THAT_MANAGE]),
      ),
    )
    .innerJoin(accounts, eq(accounts.id, usageAlerts.accountId))
    .where(and(gt(usageAlerts.windowEnd, now), isNull(usageAlerts.dismissedAt)))
    .orderBy(usageAlerts.accountId, usageAlerts.meter, sql`${usageAlerts.threshold} desc`)
    .limit(100);
  const seen = new Set<string>();
  const alerts: ActiveUsageAlert[] = [];
  const entitlements = new Map<string, Entitlement>();
  const caps = new Map<string, Awaited<ReturnType<typeof readSpendCap>>>();
  for (const accountId of new Set(rows.map((r) => r.accountId))) {
    entitlements.set(accountId, (await currentEntitlement(db, accountId)).entitlement);
    if (rows.some((r) => r.accountId === accountId && r.meter.endsWith(":spend_cap")))
      caps.set(accountId, await readSpendCap(db, accountId));
  }
  for (const row of rows) {
    const key = `${row.accountId}:${row.meter}`;
    const parsed = parseAlertKey(row.meter);
    if (seen.has(key) || !parsed) continue;
    const current = meterContext(entitlements.get(row.accountId)!, row.accountId, parsed.meter, now);
    const limit = Number(row.limit);
    const end = row.windowEnd.getTime();
    let currency: string | undefined;
    if (parsed.window === "period") {
      if (current.period.end.getTime() !== end || current.limit !== limit) continue;
    } else if (parsed.window === "spend_cap") {
      const cap = caps.get(row.accountId);
      if (!cap || cap.capCents !== limit || current.period.end.getTime() !== end) continue;
      currency = cap.currency;
    } else {
      const window = current.windows.find((w) => w.window === parsed.window);
      if (!window || window.limit !== limit || window.end.getTime() !== end) continue;
    }
    seen.add(key);
    alerts.push({
      accountId: row.accountId,
      accountName: row.accountName,
      accountKind: row.kind,
      meter: parsed.meter,
      window: parsed.window,
      label: METERS[parsed.meter].label,
      threshold: row.threshold,
      used: Number(row.used),
      limit,
      resetsAt: row.windowEnd.toISOString(),
      ...(currency ? { currency } : {}),
    });
  }
  return alerts;
}

/** Hides an account's warnings for one meter's window until that window ends (a new threshold shows again). */
export async function dismissUsageAlerts(
  db: Queryable,
  accountId: string,
  meter: MeterId,
  window: AlertWindow,
  resetsAt: Date,
  now = new Date(),
): Promise<number> {
  const rows = await db
    .update(usageAlerts)
    .set({ dismissedAt: now })
    .where(
      and(
        eq(usageAlerts.accountId, accountId),
        eq(usageAlerts.meter, alertKey(meter, window)),
        eq(usageAlerts.windowEnd, resetsAt),
        isNull(usageAlerts.dismissedAt),
      ),
    )
    .returning({ threshold: usageAlerts.threshold });
  return rows.length;
}
