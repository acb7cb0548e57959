import "server-only";
import { getDb } from "@/db/client";
import { recordAlert } from "@/lib/alerts";
import { countOccurrence } from "@/lib/http/rate-limit";
import { logger } from "@/lib/logger";

/** This many failed signatures within the window raise one operator alert (a wrong secret after a rotation). */
export const SIGNATURE_FAILURE_ALERT = { failures: 5, windowSeconds: 5 * 60 } as const;

/**
 * A webhook whose signature failed verification: logged (the reason, never the payload) and counted
 * across every instance in the shared rate-limit store (one upsert); the `failures`-th failure of a
 * window records a `webhook_signature_failed` operator alert, at most one per hour. Never throws:
 * the sender gets its 400 whatever happens here.
 */
export async function noteWebhookSignatureFailure(reason: string, now = new Date()): Promise<void> {
  logger.warn({ reason }, "webhook signature verification failed");
  try {
    const failures = await countOccurrence("webhook-signature-failures", SIGNATURE_FAILURE_ALERT.windowSeconds);
    if (failures !== SIGNATURE_FAILURE_ALERT.failures) return;
    const hour = now.toISOString().slice(0, 13);
    await recordAlert(await getDb(), {
      kind: "webhook_signature_failed",
      dedupeKey: `webhook_signature_failed:${hour}`,
      text:
        `${failures} Stripe webhooks failed signature verification within ${SIGNATURE_FAILURE_ALERT.windowSeconds / 60} minutes ` +
        `(last: ${reason.slice(0, 200)}). If the signing secret was rotated, update STRIPE_WEBHOOK_SECRET; events are being refused and Stripe keeps retrying them.`,
      data: { failures, reason: reason.slice(0, 200) },
    });
  } catch (error) {
    logger.warn({ err: error }, "could not count a webhook signature failure");
  }
}
