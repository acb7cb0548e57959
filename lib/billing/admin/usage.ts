import { and, gt, inArray, lte } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { usageCounters } from "@/db/schema";
import { METER_IDS, type MeterId } from "../plans";

/** The meter shown as "usage" in the customer list: the first meter of the catalog. */
export const MAIN_METER: MeterId = METER_IDS[0];

export type UsageByMeter = Partial<Record<MeterId, number>>;

/**
 * Usage of each meter in each user's current period, for the admin console: the metering
 * module's counters (lib/billing/metering keeps one usage_counters row per user, meter and
 * period), read for many users in one query. This is the one place the console reads usage.
 */
export async function readCurrentUsage(db: Queryable, userIds: string[], now = new Date()): Promise<Map<string, UsageByMeter>> {
  const usage = new Map<string, UsageByMeter>();
  if (userIds.length === 0) return usage;
  const rows = await db
    .select({ userId: usageCounters.userId, meter: usageCounters.meter, used: usageCounters.used })
    .from(usageCounters)
    .where(and(inArray(usageCounters.userId, userIds), lte(usageCounters.periodStart, now), gt(usageCounters.periodEnd, now)));
  for (const row of rows) {
    if (!(METER_IDS as string[]).includes(row.meter)) continue;
    const entry = usage.get(row.userId) ?? {};
    entry[row.meter as MeterId] = (entry[row.meter as MeterId] ?? 0) + row.used;
    usage.set(row.userId, entry);
  }
  return usage;
}

export { usageShare } from "@/lib/format";
