import "server-only";
import { getDb } from "@/db/client";
import type { MeterId } from "./plans";
import { activeUsageAlerts, dismissUsageAlerts, type ActiveUsageAlert, type AlertWindow } from "./metering/alerts";

export { ALERT_WINDOWS, type AlertWindow } from "./metering/alerts";

/** The usage warnings of every account `userId` owns or administers, on the app's database (the banner's read). */
export async function usageAlertsForUser(userId: string): Promise<ActiveUsageAlert[]> {
  return activeUsageAlerts(await getDb(), userId);
}

/** Hides one account's warnings for `meter`'s `window` until that window ends at `resetsAt`; how many were hidden. */
export async function dismissAccountUsageAlerts(accountId: string, meter: MeterId, window: AlertWindow, resetsAt: Date): Promise<number> {
  return dismissUsageAlerts(await getDb(), accountId, meter, window, resetsAt);
}
