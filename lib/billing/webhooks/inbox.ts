import { and, eq, notInArray, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { getDb } from "@/db/client";
import { webhookEvents } from "@/db/schema";
import { deliverOperatorAlerts, recordAlert } from "@/lib/alerts";
import { logger } from "@/lib/logger";
import { deliverPendingNotifications } from "../notifications";
import { prepareStripeEvent } from "./apply-event";

export type ReceiveResult = { status: "processed" | "ignored" | "duplicate"; note?: string };

/** Stores the event by its id (a redelivery inserts nothing), then processes it once. */
export async function receiveStripeEvent(event: Stripe.Event): Promise<ReceiveResult> {
  const db = await getDb();
  const object = event.data?.object as { id?: string } | undefined;
  await db
    .insert(webhookEvents)
    .values({
      id: event.id,
      provider: "stripe",
      type: event.type,
      apiVersion: event.api_version,
      livemode: event.livemode,
      objectId: object?.id ?? null,
      providerCreatedAt: new Date(event.created * 1000),
      payload: event,
    })
    .onConflictDoNothing({ target: webhookEvents.id });
  return processStoredEvent(event.id);
}

const isDone = (status: string) => status === "processed" || status === "ignored";

/**
 * Processes a stored event exactly once without holding anything across a network call: first
 * the Stripe reads (no transaction, no lock), then one short transaction that locks the event's
 * row, re-checks that nobody processed it meanwhile, applies the version-guarded writes and marks
 * it done. Concurrent deliveries of one event may both read, but only one writes; the other
 * answers `duplicate`. A failure rolls the writes back, records the error and rethrows so the
 * caller answers 500 and Stripe retries.
 */
export async function processStoredEvent(eventId: string, options: { force?: boolean } = {}): Promise<ReceiveResult> {
  const db = await getDb();
  try {
    const [stored] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, eventId)).limit(1);
    if (!stored) throw new Error(`webhook event ${eventId} is not stored`);
    if (!options.force && isDone(stored.status)) return { status: "duplicate" };
    const write = await prepareStripeEvent(db, stored.payload as Stripe.Event);
    const result = await db.transaction(async (tx): Promise<ReceiveResult> => {
      const [row] = await tx.select().from(webhookEvents).where(eq(webhookEvents.id, eventId)).for("update");
      if (!row) throw new Error(`webhook event ${eventId} is not stored`);
      if (!options.force && isDone(row.status)) return { status: "duplicate" };
      const outcome = await write(tx);
      await tx
        .update(webhookEvents)
        .set({ status: outcome.status, attempts: row.attempts + 1, lastError: outcome.note ?? null, processedAt: new Date() })
        .where(eq(webhookEvents.id, eventId));
      return outcome;
    });
    logger.info({ eventId, type: stored.type, outcome: result.status }, "webhook processed");
    // Send what this event queued right away; the delivery job retries whatever fails.
    await deliverPendingNotifications(db).catch((error: unknown) => logger.warn({ err: error }, "notification delivery failed"));
    await deliverOperatorAlerts(db).catch((error: unknown) => logger.warn({ err: error }, "alert delivery failed"));
    return result;
  } catch (error) {
    const message = rootCauseMessage(error);
    logger.error({ err: error, eventId }, "webhook processing failed");
    await db
      .update(webhookEvents)
      .set({ status: "failed", attempts: sql`${webhookEvents.attempts} + 1`, lastError: message.slice(0, 2000) })
      .where(and(eq(webhookEvents.id, eventId), notInArray(webhookEvents.status, ["processed", "ignored"])))
      .catch((recordError: unknown) => logger.error({ err: recordError, eventId }, "could not record webhook failure"));
    await recordAlert(db, {
      kind: "webhook_failed",
      dedupeKey: `webhook_failed:${eventId}`,
      text: `Stripe webhook ${eventId} failed and will be retried: ${message.slice(0, 300)}`,
      data: { eventId },
    }).catch(() => {}); // the database may be what failed
    throw error;
  }
}

/** The innermost cause's message: "Failed query: <sql>" wrappers hide what actually went wrong. */
function rootCauseMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
