import { getDb } from "@/db/client";
import { deliverOperatorAlerts } from "@/lib/alerts";
import { deliverPendingNotifications } from "@/lib/billing/notifications";
import type { DeliveryReport } from "@/lib/outbox";

/** One round of the delivery job: customer emails and operator alerts that are due. */
export async function runDeliveryJob(): Promise<{ notifications: DeliveryReport; alerts: DeliveryReport }> {
  const db = await getDb();
  return { notifications: await deliverPendingNotifications(db), alerts: await deliverOperatorAlerts(db) };
}
