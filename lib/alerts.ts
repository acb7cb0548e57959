/**
 * Operator alerts: what someone running the billing should hear about at once. Recorded in the
 * `operator_alerts` outbox (each once: `dedupeKey` is unique), posted to ALERT_WEBHOOK_URL as
 * Slack-compatible JSON (`{"text": …}`) by the delivery job, with retries and backoff.
 */
import "server-only";
import { env as serverEnv } from "@/env";
import type { Database, Queryable } from "@/db/client";
import { operatorAlerts } from "@/db/schema";
import { logger } from "@/lib/logger";
import { deliverOutbox, type DeliveryReport } from "@/lib/outbox";

export type AlertKind =
  | "webhook_failed"
  | "webhook_stuck"
  | "webhook_signature_failed"
  | "payment_failed"
  | "subscription_canceled"
  | "cancellation_scheduled"
  | "reconcile_drift"
  | "revenue_threshold"
  | "outbound_webhook_failed";

export const alertsConfigured = (env: Record<string, string | undefined> = serverEnv) => Boolean(env.ALERT_WEBHOOK_URL);

const POST_TIMEOUT_MS = 10_000;

export async function recordAlert(
  db: Queryable,
  alert: { kind: AlertKind; dedupeKey: string; text: string; data?: Record<string, unknown> },
): Promise<void> {
  await db
    .insert(operatorAlerts)
    .values({ ...alert, data: alert.data ?? {}, status: alertsConfigured() ? "pending" : "outbox" })
    .onConflictDoNothing({ target: operatorAlerts.dedupeKey });
  logger.info({ alert: alert.kind, dedupeKey: alert.dedupeKey }, "operator alert recorded");
}

/** Posts due alerts to ALERT_WEBHOOK_URL; a non-2xx answer or a timeout is retried later. */
export async function deliverOperatorAlerts(db: Database, options: { now?: Date } = {}): Promise<DeliveryReport> {
  const url = serverEnv.ALERT_WEBHOOK_URL;
  if (!url) return { sent: 0, retrying: 0, failed: 0 };
  return deliverOutbox(
    db,
    operatorAlerts,
    async (alert) => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: alert.text }),
        signal: AbortSignal.timeout(POST_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`ALERT_WEBHOOK_URL answered ${res.status}`);
    },
    options,
  );
}
