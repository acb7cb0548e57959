/**
 * The outbound webhook delivery job, run by /api/cron/deliver on every instance at once.
 *
 * Each round claims due deliveries in one short statement (`FOR UPDATE SKIP LOCKED`, so two
 * instances never take the same row) and leases them: a claim token and `claimed_until`. The POSTs
 * happen with no transaction open, at most 5 s each; each outcome is one statement guarded by the
 * claim token, so a worker whose lease ran out (and whose delivery another instance took over)
 * cannot overwrite the newer outcome. A 2xx answer is `delivered`; anything else is retried after
 * 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then every 24 h, until 3 days after the delivery was
 * created; then it is `failed` (and an operator alert). A worker that dies mid-send leaves the
 * delivery to be retried once its lease ends: at least once on the wire, exactly once per endpoint
 * in the log. Receivers dedupe by the event id (`Webhook-Id`).
 */
import "server-only";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { selectRows, type Database } from "@/db/client";
import { recordAlert } from "@/lib/alerts";
import { logger } from "@/lib/logger";
import type { DeliveryReport } from "@/lib/outbox";
import { outboundEventBody } from "./events";
import { postWebhook } from "./send";
import { signatureHeader } from "./sign";

export const OUTBOUND_TIMEOUT_MS = 5_000;
/** Long enough for a whole round (limit ÷ concurrency POSTs of at most OUTBOUND_TIMEOUT_MS each). */
export const OUTBOUND_LEASE_MS = 2 * 60_000;
export const OUTBOUND_RETRY_WINDOW_MS = 3 * 86_400_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BACKOFF_MS = [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR, 12 * HOUR];

/** The wait after the `attempts`-th failed attempt. */
export const outboundBackoffMs = (attempts: number) => BACKOFF_MS[attempts - 1] ?? 24 * HOUR;

const DEFAULT_LIMIT = 25;
const CONCURRENCY = 5;

interface ClaimedDelivery {
  id: string;
  attempts: number;
  created_at: Date | string;
  event_id: string;
  event_type: string;
  account_id: string | null;
  data: unknown;
  event_created_at: Date | string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | string | null;
}

const asDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));

export interface OutboundDeliveryOptions {
  /** Only these deliveries (an admin's replay or test, sent at once). */
  ids?: string[];
  limit?: number;
  /** The time deliveries are due by (tests); the database's clock otherwise. */
  now?: Date;
}

/** One round: claim what is due, send it, record each outcome. Safe on every instance at once. */
export async function deliverOutboundWebhooks(db: Database, options: OutboundDeliveryOptions = {}): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0 };
  if (options.ids && options.ids.length === 0) return report;
  const token = randomUUID();
  const now = options.now ? sql`${options.now.toISOString()}::timestamptz` : sql`now()`;
  const only = options.ids
    ? sql`and d.id in (${sql.join(
        options.ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`
    : sql``;
  // The due rows (an active endpoint, not leased) are locked and skipped by other instances, then leased in the same statement.
  const claimed = await selectRows<ClaimedDelivery>(
    db,
    sql`with due as (
          select d.id from outbound_deliveries d
          join webhook_endpoints e on e.id = d.endpoint_id and e.disabled_at is null
          where d.status = 'pending' and d.next_attempt_at <= ${now}
            and (d.claimed_until is null or d.claimed_until <= ${now}) ${only}
          order by d.next_attempt_at
          limit ${options.limit ?? DEFAULT_LIMIT}
          for update of d skip locked),
        leased as (
          update outbound_deliveries d
          set attempts = d.attempts + 1, claim_token = ${token}::uuid, last_attempt_at = now(),
            claimed_until = ${now} + ${`${OUTBOUND_LEASE_MS} milliseconds`}::interval
          from due where d.id = due.id
          returning d.id, d.attempts, d.created_at, d.event_id, d.endpoint_id)
        select leased.id, leased.attempts, leased.created_at, leased.event_id,
          ev.type as event_type, ev.account_id, ev.data, ev.created_at as event_created_at,
          e.url, e.secret, e.previous_secret, e.previous_secret_expires_at
        from leased
        join outbound_events ev on ev.id = leased.event_id
        join webhook_endpoints e on e.id = leased.endpoint_id`,
  );

  let next = 0;
  const worker = async () => {
    while (next < claimed.length) {
      const delivery = claimed[next++];
      const outcome = await sendOne(db, delivery, token);
      report[outcome] += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, claimed.length) }, worker));
  return report;
}

async function sendOne(db: Database, delivery: ClaimedDelivery, token: string): Promise<keyof DeliveryReport> {
  const body = outboundEventBody({
    id: delivery.event_id,
    type: delivery.event_type,
    accountId: delivery.account_id,
    data: typeof delivery.data === "string" ? JSON.parse(delivery.data) : delivery.data,
    createdAt: asDate(delivery.event_created_at),
  });
  const secrets = [delivery.secret];
  if (
    delivery.previous_secret &&
    delivery.previous_secret_expires_at &&
    asDate(delivery.previous_secret_expires_at).getTime() > Date.now()
  ) {
    secrets.push(delivery.previous_secret);
  }
  const timestamp = Math.floor(Date.now() / 1000);
  const outcome = await postWebhook(
    delivery.url,
    {
      "content-type": "application/json",
      "user-agent": "billing-webhooks/1",
      "webhook-id": delivery.event_id,
      "webhook-signature": signatureHeader(secrets, timestamp, body),
    },
    body,
    OUTBOUND_TIMEOUT_MS,
  );
  const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  if (ok) {
    await recordOutcome(db, delivery.id, token, { status: "delivered", statusCode: outcome.statusCode, error: null });
    return "sent";
  }
  const error = (outcome.statusCode === null ? outcome.detail : `HTTP ${outcome.statusCode}: ${outcome.detail}`).slice(0, 2_000);
  const retryAt = Date.now() + outboundBackoffMs(delivery.attempts);
  const giveUp = retryAt > asDate(delivery.created_at).getTime() + OUTBOUND_RETRY_WINDOW_MS;
  logger.warn(
    { deliveryId: delivery.id, eventId: delivery.event_id, attempts: delivery.attempts, statusCode: outcome.statusCode, giveUp },
    "outbound webhook not delivered",
  );
  await recordOutcome(db, delivery.id, token, {
    status: giveUp ? "failed" : "pending",
    statusCode: outcome.statusCode,
    error,
    nextAttemptAt: giveUp ? undefined : new Date(retryAt),
  });
  if (giveUp) {
    await recordAlert(db, {
      kind: "outbound_webhook_failed",
      dedupeKey: `outbound_webhook_failed:${delivery.id}`,
      text: `Outbound webhook ${delivery.event_type} (${delivery.event_id}) to ${delivery.url} failed for 3 days and was given up: ${error.slice(0, 300)}`,
      data: { deliveryId: delivery.id, eventId: delivery.event_id },
    }).catch((alertError: unknown) => logger.warn({ err: alertError }, "could not record the outbound webhook alert"));
  }
  return giveUp ? "failed" : "retrying";
}

/**
 * Rounds until nothing due is left or `budgetMs` has passed (the cron route has 60 s): a backlog
 * drains in one run instead of 25 deliveries per run.
 */
export async function drainOutboundWebhooks(db: Database, budgetMs = 30_000): Promise<DeliveryReport> {
  const total: DeliveryReport = { sent: 0, retrying: 0, failed: 0 };
  const started = Date.now();
  for (;;) {
    const round = await deliverOutboundWebhooks(db);
    total.sent += round.sent;
    total.retrying += round.retrying;
    total.failed += round.failed;
    if (round.sent + round.retrying + round.failed < DEFAULT_LIMIT || Date.now() - started > budgetMs) return total;
  }
}

const RECORD_ATTEMPTS = 6;

/**
 * The outcome, only while this worker still holds the lease (its token). Retried on its own (the
 * database may be restarting) so a delivered POST is never taken for a failed one and re-sent.
 */
async function recordOutcome(
  db: Database,
  id: string,
  token: string,
  outcome: { status: "delivered" | "pending" | "failed"; statusCode: number | null; error: string | null; nextAttemptAt?: Date },
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await db.execute(sql`
        update outbound_deliveries
        set status = ${outcome.status}, last_status_code = ${outcome.statusCode}, last_error = ${outcome.error},
          delivered_at = case when ${outcome.status} = 'delivered' then now() else delivered_at end,
          next_attempt_at = coalesce(${outcome.nextAttemptAt?.toISOString() ?? null}::timestamptz, next_attempt_at),
          claim_token = null, claimed_until = null
        where id = ${id}::uuid and claim_token = ${token}::uuid`);
      return;
    } catch (error) {
      if (attempt >= RECORD_ATTEMPTS) {
        logger.error({ err: error, deliveryId: id }, "outbound webhook: outcome not recorded; the delivery is retried once its lease ends");
        return;
      }
      await sleep(Math.min(250 * 2 ** (attempt - 1), 4_000));
    }
  }
}
