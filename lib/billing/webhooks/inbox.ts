import "server-only";
import { and, eq, lt, or } from "drizzle-orm";
import type Stripe from "stripe";
import { getDb, selectPreparedText, type Database, type Queryable } from "@/db/client";
import { webhookEvents, type WebhookEvent } from "@/db/schema";
import { deliverOperatorAlerts, recordAlert } from "@/lib/alerts";
import { badRequest } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { isStorableText, storableJson } from "@/lib/input-rules";
import { deliverPendingNotifications } from "../notifications";
import { prepareStripeEvent, type EventOutcome, type EventWrite } from "./apply-event";

const DONE_STATUSES = ["processed", "ignored"] as const;
const isDone = (status: string) => (DONE_STATUSES as readonly string[]).includes(status);

/**
 * Stores a new event or reads a known one's status, in one round trip. Every delivery runs it, so
 * it is written once as text and prepared: $1 id, $2 type, $3 API version, $4 livemode, $5 object
 * id, $6 created, $7 payload.
 */
const STORE_EVENT = `
  with stored as (
    insert into webhook_events (id, provider, type, api_version, livemode, object_id, provider_created_at, payload)
    values ($1::text, 'stripe', $2::text, $3::text, $4::boolean, $5::text, $6::timestamptz, $7::jsonb)
    on conflict (id) do nothing
    returning status)
  select status, true as inserted from stored
  union all
  select status, false as inserted from webhook_events where id = $1::text and not exists (select 1 from stored)`;

const DONE_LIST = DONE_STATUSES.map((s) => `'${s}'`).join(", ");

/**
 * Records one more attempt at a stored event with its outcome (done, or failed) unless the event is
 * done already — the one "not yet done" condition — or when forced: $1 id, $2 status, $3 note,
 * $4 force. A done outcome is stamped `processed_at`. The note of a failure is its `last_error`;
 * any other outcome's (why it was ignored) is its `note`: an ignored event is not an error.
 */
const MARK_EVENT = `
  update webhook_events
  set status = $2::text, attempts = attempts + 1,
    last_error = case when $2::text = 'failed' then $3::text end,
    note = case when $2::text = 'failed' then null else $3::text end,
    processed_at = case when $2::text in (${DONE_LIST}) then now() else processed_at end
  where id = $1::text and ($4::boolean or status not in (${DONE_LIST}))
  returning id`;

/** $1 id: the stored status, read after processing to prove the outcome was committed. */
const EVENT_STATUS = `select status from webhook_events where id = $1::text`;

export type ReceiveResult = { status: "processed" | "ignored" | "duplicate"; note?: string };

/**
 * An event that was processed (the writes ran and the transaction "committed") but whose row is not
 * done afterwards: the commit did not happen. A transaction pooler fed prepared `begin`/`commit`
 * statements does exactly this (docs/deploying.md, "Behind a transaction pooler"). Answering 200 would lose the event.
 */
export class OutcomeNotStoredError extends Error {
  constructor(eventId: string, status: string | undefined) {
    super(
      `webhook event ${eventId} was processed but its row is ${status ? `still '${status}'` : "missing"}: the transaction did not commit ` +
        "(behind a transaction pooler, set DATABASE_POOLER=transaction)",
    );
    this.name = "OutcomeNotStoredError";
  }
}

/** A verified event's columns, or why it cannot be processed (it is then recorded as ignored). */
interface CheckedEvent {
  event: Stripe.Event;
  createdAt: Date;
  malformed?: string;
}

// Postgres timestamps end at 294276 AD; Stripe's `created` is seconds since 1970.
const MAX_CREATED_SECONDS = Date.UTC(9999, 11, 31) / 1000;

/**
 * What a validly signed payload must be to be stored: an object with a string id. Anything else in
 * it that is wrong (no type, no `created`, a NUL or an unpaired surrogate in any string, which
 * Postgres cannot store) makes it malformed: stored with those strings replaced, and ignored.
 */
function checkEvent(payload: unknown): CheckedEvent {
  const id = (payload as { id?: unknown } | null)?.id;
  if (
    !payload ||
    typeof payload !== "object" ||
    Array.isArray(payload) ||
    typeof id !== "string" ||
    !id ||
    id.length > 255 ||
    !isStorableText(id)
  ) {
    logger.warn(
      { payloadKind: Array.isArray(payload) ? "array" : payload === null ? "null" : typeof payload },
      "signed webhook event has no usable id: refused",
    );
    throw badRequest("The event has no usable id, so it cannot be stored.", { field: "id" });
  }
  const { value, changed } = storableJson(payload);
  const event = value as Stripe.Event & Record<string, unknown>;
  const problems: string[] = [];
  if (changed) problems.push("NUL characters or unpaired surrogates in its strings");
  if (typeof event.type !== "string" || !event.type) problems.push("no type");
  const created = event.created as unknown;
  const createdOk = typeof created === "number" && Number.isFinite(created) && created >= 0 && created <= MAX_CREATED_SECONDS;
  if (!createdOk) problems.push("no valid created");
  if (typeof event.livemode !== "boolean") problems.push("no livemode");
  return {
    event,
    createdAt: createdOk ? new Date(created * 1000) : new Date(),
    malformed: problems.length > 0 ? `malformed event: ${problems.join(", ")}` : undefined,
  };
}

/**
 * A write that must commit with the event's outcome (an admin replay's audit row): run in the
 * transaction that records the outcome, whether the event was applied, ignored or failed.
 */
export type RecordWithOutcome = (
  tx: Queryable,
  outcome: { status: "processed" | "ignored" | "failed"; error?: string },
) => Promise<unknown>;

/**
 * Stores the event by its id (a redelivery inserts nothing), then processes it once. One round
 * trip both stores a new event and reads a known one's status, so a duplicate costs one statement.
 * A malformed event is stored and recorded as ignored (200: retrying could never succeed); one with
 * no id cannot be stored and is a 400.
 */
export async function receiveStripeEvent(payload: Stripe.Event): Promise<ReceiveResult> {
  const { event, createdAt, malformed } = checkEvent(payload);
  const db = await getDb();
  const object = (event.data as { object?: { id?: unknown } } | undefined)?.object;
  const [row] = await selectPreparedText<{ status: WebhookEvent["status"]; inserted: boolean }>(db, "webhook_store", STORE_EVENT, [
    event.id,
    typeof event.type === "string" && event.type ? event.type.slice(0, 255) : "(none)",
    typeof event.api_version === "string" ? event.api_version.slice(0, 255) : null,
    event.livemode === true,
    typeof object?.id === "string" ? object.id.slice(0, 255) : null,
    createdAt.toISOString(),
    JSON.stringify(event),
  ]);
  if (row && !row.inserted && isDone(row.status)) return { status: "duplicate" };
  if (malformed) {
    logger.warn({ eventId: event.id, note: malformed }, "signed webhook event is malformed: recorded as ignored");
    const outcome = { status: "ignored", note: malformed } as const;
    return (await markEvent(db, event.id, outcome)) ? outcome : { status: "duplicate" };
  }
  return processStoredEvent(event.id, row?.inserted ? { stored: { type: event.type, status: row.status, payload: event } } : {});
}

/**
 * Processes a stored event exactly once without holding anything across a network call: first
 * the Stripe reads (no transaction, no lock), then one short transaction that claims the event's
 * row (unless nobody processed it meanwhile), applies the version-guarded writes and marks it done;
 * an event the app ignores is recorded in one guarded statement. Concurrent deliveries of one event may both read, but only one writes; the other
 * answers `duplicate`. A failure rolls the writes back, records the error and rethrows so the
 * caller answers 500 and Stripe retries.
 */
export async function processStoredEvent(
  eventId: string,
  options: { force?: boolean; stored?: Pick<WebhookEvent, "type" | "status" | "payload">; record?: RecordWithOutcome } = {},
): Promise<ReceiveResult> {
  const db = await getDb();
  try {
    const stored = options.stored ?? (await db.select().from(webhookEvents).where(eq(webhookEvents.id, eventId)).limit(1))[0];
    if (!stored) throw new Error(`webhook event ${eventId} is not stored`);
    if (!options.force && isDone(stored.status)) return { status: "duplicate" };
    const write = await prepareStripeEvent(db, stored.payload as Stripe.Event);
    let result: ReceiveResult;
    // An event with nothing to write (a type the app ignores) is recorded in one statement, no transaction.
    if (write.only && !options.record)
      result = (await markEvent(db, eventId, write.only, options.force)) ? write.only : { status: "duplicate" };
    else result = await applyWrite(db, eventId, write, options.force, options.record);
    // The 200 this turns into tells Stripe to stop retrying: only once the outcome is really stored.
    const [after] = await selectPreparedText<{ status: string }>(db, "webhook_status", EVENT_STATUS, [eventId]);
    if (!after || !isDone(after.status)) throw new OutcomeNotStoredError(eventId, after?.status);
    logger.info({ eventId, type: stored.type, outcome: result.status }, "webhook processed");
    // Send what this event queued right away; the delivery job retries whatever fails.
    await deliverPendingNotifications(db).catch((error: unknown) => logger.warn({ err: error }, "notification delivery failed"));
    await deliverOperatorAlerts(db).catch((error: unknown) => logger.warn({ err: error }, "alert delivery failed"));
    return result;
  } catch (error) {
    const message = rootCauseMessage(error);
    logger.error({ err: error, eventId }, "webhook processing failed");
    const failure = { status: "failed", note: message.slice(0, 2000) } as const;
    const { record } = options;
    await (
      record
        ? db.transaction(async (tx) => {
            await markEvent(tx, eventId, failure);
            await record(tx, { status: "failed", error: message });
          })
        : markEvent(db, eventId, failure)
    ).catch((recordError: unknown) => logger.error({ err: recordError, eventId }, "could not record webhook failure"));
    await recordAlert(db, {
      kind: "webhook_failed",
      dedupeKey: `webhook_failed:${eventId}`,
      text: `Stripe webhook ${eventId} failed and will be retried: ${message.slice(0, 300)}`,
      data: { eventId },
    }).catch(() => {}); // the database may be what failed
    throw error;
  }
}

/**
 * The writes of an event in one short transaction. It claims the event and marks it processed in
 * one statement: the row lock makes a concurrent delivery wait, and once this commits its guard sees
 * "processed" and it answers duplicate. A failing write rolls the mark back with everything else.
 */
function applyWrite(db: Database, eventId: string, write: EventWrite, force = false, record?: RecordWithOutcome): Promise<ReceiveResult> {
  return db.transaction(async (tx): Promise<ReceiveResult> => {
    if (!(await markEvent(tx, eventId, { status: "processed" }, force))) return { status: "duplicate" };
    const outcome = await write(tx);
    if (outcome.status !== "processed" || outcome.note) {
      await tx
        .update(webhookEvents)
        .set({ status: outcome.status, lastError: null, note: outcome.note ?? null })
        .where(eq(webhookEvents.id, eventId));
    }
    await record?.(tx, outcome);
    return outcome;
  });
}

/**
 * Records `outcome` (one more attempt) unless the event is done already; false when it was (a
 * concurrent delivery got there first). Inside a transaction its row lock is the claim.
 */
async function markEvent(
  db: Queryable,
  eventId: string,
  outcome: EventOutcome | { status: "failed"; note: string },
  force = false,
): Promise<boolean> {
  const marked = await selectPreparedText<{ id: string }>(db, "webhook_mark", MARK_EVENT, [
    eventId,
    outcome.status,
    outcome.note ?? null,
    force,
  ]);
  return marked.length > 0;
}

/** An event still `received` this long after it arrived was acknowledged or dropped without being processed. */
export const STUCK_AFTER_MS = 60_000;
/** Replays per event before it is left to an operator (the admin webhook log's replay button). */
export const MAX_REPLAY_ATTEMPTS = 10;

export interface ReplayReport {
  eventId: string;
  result: string;
}

/**
 * Replays the events that failed and those left `received` for more than STUCK_AFTER_MS (nothing
 * answered for them, or a 200 was answered and the outcome lost), oldest first. Every stuck one is
 * an operator alert first (once per event). Safe on every instance at once: processing claims the
 * event's row, so a concurrent replay of the same event answers `duplicate`.
 */
export async function replayUnfinishedEvents(options: { now?: Date; limit?: number } = {}): Promise<ReplayReport[]> {
  const db = await getDb();
  const now = options.now ?? new Date();
  const due = await db
    .select({ id: webhookEvents.id, type: webhookEvents.type, status: webhookEvents.status, receivedAt: webhookEvents.receivedAt })
    .from(webhookEvents)
    .where(
      and(
        lt(webhookEvents.attempts, MAX_REPLAY_ATTEMPTS),
        or(
          eq(webhookEvents.status, "failed"),
          and(eq(webhookEvents.status, "received"), lt(webhookEvents.receivedAt, new Date(now.getTime() - STUCK_AFTER_MS))),
        ),
      ),
    )
    .orderBy(webhookEvents.providerCreatedAt)
    .limit(options.limit ?? 500);
  const report: ReplayReport[] = [];
  for (const event of due) {
    if (event.status === "received") {
      const minutes = Math.max(1, Math.round((now.getTime() - event.receivedAt.getTime()) / 60_000));
      logger.error({ eventId: event.id, type: event.type }, "webhook event stuck in 'received': replaying it");
      await recordAlert(db, {
        kind: "webhook_stuck",
        dedupeKey: `webhook_stuck:${event.id}`,
        text: `Stripe webhook ${event.id} (${event.type}) arrived ${minutes} min ago and was never processed; it is being replayed.`,
        data: { eventId: event.id, type: event.type },
      });
    }
    try {
      report.push({ eventId: event.id, result: (await processStoredEvent(event.id)).status });
    } catch (error) {
      logger.warn({ err: error, eventId: event.id }, "replay failed");
      report.push({ eventId: event.id, result: `failed: ${rootCauseMessage(error)}` });
    }
  }
  return report;
}

/** The innermost cause's message: "Failed query: <sql>" wrappers hide what actually went wrong. */
export function rootCauseMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
