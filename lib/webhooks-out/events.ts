/**
 * Outbound events: billing facts for the product's own systems (docs/billing.md, "Outbound webhooks").
 * `emitOutboundEvent` runs inside the transaction that makes the fact true (a transactional
 * outbox): the event and one delivery per active endpoint subscribed to its type commit or roll
 * back with the change itself, and nothing is sent from inside the transaction; the delivery job
 * (lib/webhooks-out/deliver.ts) sends them afterwards. With no endpoint wanting the type nothing
 * is stored.
 */
import "server-only";
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { selectRows, type Queryable } from "@/db/client";

export const OUTBOUND_EVENT_TYPES = [
  "subscription.updated",
  "entitlements.updated",
  "invoice.paid",
  "invoice.payment_failed",
  "seat.added",
  "usage.threshold_reached",
] as const;
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[number];

/** The type of the event an admin sends to one endpoint to try it ("Send test event"); never subscribed to. */
export const TEST_EVENT_TYPE = "webhook_endpoint.test";

/** `evt_` and 24 hex characters: receivers dedupe by it (the `Webhook-Id` header). */
export const newOutboundEventId = () => `evt_${randomBytes(12).toString("hex")}`;

export interface OutboundEventInput {
  type: OutboundEventType;
  accountId: string | null;
  data: Record<string, unknown>;
  /**
   * What the event is about, when the same fact could be written twice (an invoice is paid once:
   * `invoice.paid:<invoice id>`); a second event with the same key is not stored.
   */
  dedupeKey?: string;
}

/**
 * Stores the event and its deliveries in one statement on `tx` (the caller's transaction). Returns
 * the event id, or null when no active endpoint receives the type or the dedupe key was used.
 */
export async function emitOutboundEvent(tx: Queryable, event: OutboundEventInput): Promise<string | null> {
  const id = newOutboundEventId();
  const rows = await selectRows<{ id: string }>(
    tx,
    sql`with event as (
          insert into outbound_events (id, type, account_id, data, dedupe_key)
          select ${id}, ${event.type}, ${event.accountId}::uuid, ${JSON.stringify(event.data)}::jsonb, ${event.dedupeKey ?? null}
          where exists (select 1 from webhook_endpoints where disabled_at is null and ${event.type} = any(event_types))
          on conflict (dedupe_key) do nothing
          returning id, type),
        deliveries as (
          insert into outbound_deliveries (event_id, endpoint_id)
          select event.id, e.id from event join webhook_endpoints e on e.disabled_at is null and event.type = any(e.event_types)
          returning event_id)
        select id from event`,
  );
  return rows[0]?.id ?? null;
}

/** The JSON body every endpoint receives for an event; the same bytes on every attempt and replay. */
export function outboundEventBody(event: { id: string; type: string; accountId: string | null; data: unknown; createdAt: Date }): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    created: Math.floor(event.createdAt.getTime() / 1000),
    accountId: event.accountId,
    data: event.data,
  });
}
