import "server-only";
import type { Queryable } from "@/db/client";
import type { Entitlement } from "../entitlements";
import { readWindowUsage } from "../metering/usage-reads";
import { METER_IDS, type MeterId } from "../plans";

/** The meter shown as "usage" in the customer list: the first meter of the catalog. */
export const MAIN_METER: MeterId = METER_IDS[0];

export type UsageByMeter = Partial<Record<MeterId, number>>;

/**
 * Usage of each meter in each user's current usage window, for the admin console: the same read
 * (lib/billing/metering readWindowUsage) as the customer's own quota, for many users in one query,
 * so the console and the customer always see the same figure. This is the one place the console
 * reads usage.
 */
export async function readCurrentUsage(
  db: Queryable,
  users: Array<{ accountId: string; entitlement: Entitlement }>,
  now = new Date(),
): Promise<Map<string, UsageByMeter>> {
  const windows = await readWindowUsage(db, users, now);
  return new Map(
    [...windows].map(([accountId, meters]) => [accountId, Object.fromEntries(METER_IDS.map((m) => [m, meters[m].used])) as UsageByMeter]),
  );
}

export { usageShare } from "@/lib/format";
