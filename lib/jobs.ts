import { getDb } from "@/db/client";
import { deliverOperatorAlerts } from "@/lib/alerts";
import { expireUnverifiedAccounts } from "@/lib/auth/account-expiry";
import { deliverPendingNotifications } from "@/lib/billing/notifications";
import type { DeliveryReport } from "@/lib/outbox";

/** One round of the delivery job: customer emails and operator alerts that are due, then the cleanup steps. */
export async function runDeliveryJob(): Promise<{ notifications: DeliveryReport; alerts: DeliveryReport; cleanup: CleanupReport }> {
  const db = await getDb();
  return { notifications: await deliverPendingNotifications(db), alerts: await deliverOperatorAlerts(db), cleanup: await runCleanupJob() };
}

export interface CleanupReport {
  /** Accounts never verified within lib/auth/account-expiry.ts's UNVERIFIED_ACCOUNT_TTL_DAYS, deleted. */
  expiredUnverifiedAccounts: number;
}

/** Housekeeping, each step bounded and safe to run on every instance at once. */
export async function runCleanupJob(now = new Date()): Promise<CleanupReport> {
  const db = await getDb();
  return { expiredUnverifiedAccounts: await expireUnverifiedAccounts(db, now) };
}
