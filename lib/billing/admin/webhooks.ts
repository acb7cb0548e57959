/** The webhook event log for admins: filterable keyset pages, the stored payload, and replay. */
import "server-only";
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { auditLog, webhookEvents, WEBHOOK_EVENT_STATUSES, type WebhookEvent } from "@/db/schema";
import { conflict, notFound } from "@/lib/errors";
import { cursorDate, decodeCursor, encodeCursor, pageOf } from "@/lib/pagination";
import { processStoredEvent, rootCauseMessage, type ReceiveResult } from "../webhooks/inbox";

/** The statuses the admin page filters by (pages import lib/, never db/). */
export { WEBHOOK_EVENT_STATUSES } from "@/db/schema";

export const webhookListQuery = z.object({
  status: z.enum(WEBHOOK_EVENT_STATUSES, { message: `status must be one of ${WEBHOOK_EVENT_STATUSES.join(", ")}` }).optional(),
  type: z
    .string()
    .trim()
    .regex(/^[a-z0-9_.]{1,100}$/, "type must be an event type such as invoice.paid")
    .optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type WebhookListQuery = z.infer<typeof webhookListQuery>;

export interface WebhookEventRow {
  id: string;
  type: string;
  status: string;
  attempts: number;
  /** Why the last attempt failed (failed events only). */
  lastError: string | null;
  /** Why the app ignored it ("no handler for …"): an outcome, not an error. */
  note: string | null;
  objectId: string | null;
  receivedAt: string;
  processedAt: string | null;
}

export const toWebhookRow = (e: Omit<WebhookEvent, "payload">): WebhookEventRow => ({
  id: e.id,
  type: e.type,
  status: e.status,
  attempts: e.attempts,
  lastError: e.lastError,
  note: e.note,
  objectId: e.objectId,
  receivedAt: e.receivedAt.toISOString(),
  processedAt: e.processedAt?.toISOString() ?? null,
});

/** Every column but the payload, which only the event's own page loads. */
export const webhookRowColumns = {
  id: webhookEvents.id,
  provider: webhookEvents.provider,
  type: webhookEvents.type,
  apiVersion: webhookEvents.apiVersion,
  livemode: webhookEvents.livemode,
  objectId: webhookEvents.objectId,
  providerCreatedAt: webhookEvents.providerCreatedAt,
  status: webhookEvents.status,
  attempts: webhookEvents.attempts,
  lastError: webhookEvents.lastError,
  note: webhookEvents.note,
  receivedAt: webhookEvents.receivedAt,
  processedAt: webhookEvents.processedAt,
  updatedAt: webhookEvents.updatedAt,
};

export async function listWebhookEvents(
  db: Queryable,
  query: WebhookListQuery,
): Promise<{ events: WebhookEventRow[]; nextCursor: string | null }> {
  let after: SQL | undefined;
  if (query.cursor) {
    const [received, id] = decodeCursor(query.cursor, 2);
    const at = cursorDate(received);
    after = or(lt(webhookEvents.receivedAt, at), and(eq(webhookEvents.receivedAt, at), lt(webhookEvents.id, String(id))));
  }
  const rows = await db
    .select(webhookRowColumns)
    .from(webhookEvents)
    .where(
      and(
        query.status ? eq(webhookEvents.status, query.status) : undefined,
        query.type ? eq(webhookEvents.type, query.type) : undefined,
        after,
      ),
    )
    .orderBy(desc(webhookEvents.receivedAt), desc(webhookEvents.id))
    .limit(query.limit + 1);
  const page = pageOf(rows, query.limit, (r) => encodeCursor([r.receivedAt, r.id]));
  return { events: page.items.map(toWebhookRow), nextCursor: page.nextCursor };
}

export async function getWebhookEvent(db: Queryable, id: string): Promise<WebhookEventRow & { payload: unknown }> {
  const [row] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, id)).limit(1);
  if (!row) throw notFound("No webhook event with that id.");
  return { ...toWebhookRow(row), payload: row.payload };
}

/**
 * Processes a stored event again, even one already processed (force), and records who did it.
 * Only failed events are offered for replay: replaying a processed event would re-run its effects.
 */
export async function replayWebhookEvent(
  db: Queryable,
  id: string,
  actorUserId: string,
): Promise<{ event: WebhookEventRow; result: ReceiveResult | { status: "failed"; error: string }; message: string }> {
  const [row] = await db.select({ status: webhookEvents.status }).from(webhookEvents).where(eq(webhookEvents.id, id)).limit(1);
  if (!row) throw notFound("No webhook event with that id.");
  if (row.status !== "failed") throw conflict(`Only failed events can be replayed; this one is ${row.status}.`, { status: row.status });
  let result: ReceiveResult | { status: "failed"; error: string };
  try {
    // The audit row commits in the transaction that records the outcome (applied, ignored or failed).
    result = await processStoredEvent(id, {
      force: true,
      record: (tx, outcome) =>
        tx
          .insert(auditLog)
          .values({ actorUserId, action: "webhook.replayed", targetType: "webhook_event", targetId: id, data: { result: outcome.status } }),
    });
  } catch (error) {
    result = { status: "failed", error: rootCauseMessage(error) };
  }
  const [event] = await db.select(webhookRowColumns).from(webhookEvents).where(eq(webhookEvents.id, id));
  const message = result.status === "failed" ? `Failed again: ${result.error}` : `Replayed: ${result.status}.`;
  return { event: toWebhookRow(event), result, message };
}
