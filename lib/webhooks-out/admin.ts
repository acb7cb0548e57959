/**
 * Outbound webhook endpoints and their delivery log, for admins: register (the secret is shown
 * once), disable/enable, rotate the secret, send a test event, list deliveries, replay one. Every
 * change is audited in the transaction that makes it; sends happen after it commits.
 */
import "server-only";
import { and, desc, eq, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Database, Queryable } from "@/db/client";
import {
  auditLog,
  outboundDeliveries,
  outboundEvents,
  webhookEndpoints,
  OUTBOUND_DELIVERY_STATUSES,
  type WebhookEndpoint,
} from "@/db/schema";
import { conflict, notFound } from "@/lib/errors";
import { cursorDate, cursorUuid, decodeCursor, encodeCursor, pageOf } from "@/lib/pagination";
import { deliverOutboundWebhooks } from "./deliver";

/** The delivery statuses the admin page filters by (pages import lib/, never db/). */
export { OUTBOUND_DELIVERY_STATUSES } from "@/db/schema";
import { newOutboundEventId, OUTBOUND_EVENT_TYPES, TEST_EVENT_TYPE } from "./events";
import { newEndpointSecret } from "./sign";
import { assertEndpointUrl } from "./target";

/** How long a rotated-out secret still signs beside the new one, so receivers can switch without a gap. */
export const SECRET_ROTATION_GRACE_MS = 24 * 3_600_000;

export const endpointInput = z.object({
  url: z.string().trim().min(1, "url is required").max(2_000),
  eventTypes: z
    .array(z.enum(OUTBOUND_EVENT_TYPES, { message: `each event type must be one of ${OUTBOUND_EVENT_TYPES.join(", ")}` }))
    .min(1, "choose at least one event type")
    .max(OUTBOUND_EVENT_TYPES.length)
    .transform((types) => [...new Set(types)]),
  description: z.string().trim().max(200).default(""),
});
export type EndpointInput = z.infer<typeof endpointInput>;

export interface EndpointView {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  /** True while a rotated-out secret still signs too. */
  previousSecretActive: boolean;
  createdAt: string;
}

const toEndpointView = (e: WebhookEndpoint): EndpointView => ({
  id: e.id,
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes,
  enabled: e.disabledAt === null,
  previousSecretActive: Boolean(e.previousSecret && e.previousSecretExpiresAt && e.previousSecretExpiresAt.getTime() > Date.now()),
  createdAt: e.createdAt.toISOString(),
});

const audit = (
  tx: Queryable,
  actorUserId: string,
  action: string,
  targetType: string,
  targetId: string,
  data: Record<string, unknown> = {},
) => tx.insert(auditLog).values({ actorUserId, action, targetType, targetId, data });

export async function listEndpoints(db: Queryable): Promise<EndpointView[]> {
  const rows = await db.select().from(webhookEndpoints).orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id)).limit(200);
  return rows.map(toEndpointView);
}

/** Registers an endpoint; the answer carries its secret, which is never shown again. */
export async function createEndpoint(
  db: Database,
  input: EndpointInput,
  actorUserId: string,
): Promise<{ endpoint: EndpointView; secret: string }> {
  const url = assertEndpointUrl(input.url).toString();
  const secret = newEndpointSecret();
  const row = await db.transaction(async (tx) => {
    const [created] = await tx
      .insert(webhookEndpoints)
      .values({ url, description: input.description, eventTypes: input.eventTypes, secret, createdBy: actorUserId })
      .returning();
    await audit(tx, actorUserId, "webhook_endpoint.created", "webhook_endpoint", created.id, { url, eventTypes: input.eventTypes });
    return created;
  });
  return { endpoint: toEndpointView(row), secret };
}

/** Disables or enables an endpoint: a disabled one gets no new events and its pending deliveries wait. */
export async function setEndpointEnabled(
  db: Database,
  id: string,
  enabled: boolean,
  actorUserId: string,
): Promise<{ endpoint: EndpointView; changed: boolean }> {
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(webhookEndpoints)
      .set({ disabledAt: enabled ? null : new Date() })
      .where(
        and(
          eq(webhookEndpoints.id, id),
          enabled ? sql`${webhookEndpoints.disabledAt} is not null` : sql`${webhookEndpoints.disabledAt} is null`,
        ),
      )
      .returning();
    if (updated) {
      await audit(tx, actorUserId, enabled ? "webhook_endpoint.enabled" : "webhook_endpoint.disabled", "webhook_endpoint", id);
      return { endpoint: toEndpointView(updated), changed: true };
    }
    const [existing] = await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    if (!existing) throw notFound("No webhook endpoint with that id.");
    return { endpoint: toEndpointView(existing), changed: false };
  });
}

/** A new secret, shown once; the old one keeps signing beside it for SECRET_ROTATION_GRACE_MS. */
export async function rotateEndpointSecret(
  db: Database,
  id: string,
  actorUserId: string,
): Promise<{ endpoint: EndpointView; secret: string; message: string }> {
  const secret = newEndpointSecret();
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(webhookEndpoints)
      .set({
        secret,
        previousSecret: sql`${webhookEndpoints.secret}`,
        previousSecretExpiresAt: new Date(Date.now() + SECRET_ROTATION_GRACE_MS),
      })
      .where(eq(webhookEndpoints.id, id))
      .returning();
    if (!updated) throw notFound("No webhook endpoint with that id.");
    await audit(tx, actorUserId, "webhook_endpoint.secret_rotated", "webhook_endpoint", id);
    const message = `New signing secret (shown once): ${secret}. The old one keeps signing beside it for 24 hours.`;
    return { endpoint: toEndpointView(updated), secret, message };
  });
}

/** Sends a `webhook_endpoint.test` event to this endpoint only, now (and retried like any other). */
export async function sendTestEvent(db: Database, id: string, actorUserId: string): Promise<{ delivery: DeliveryView; message: string }> {
  const deliveryId = await db.transaction(async (tx) => {
    const [endpoint] = await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    if (!endpoint) throw notFound("No webhook endpoint with that id.");
    if (endpoint.disabledAt) throw conflict("This endpoint is disabled; enable it to send it events.");
    const [event] = await tx
      .insert(outboundEvents)
      .values({
        id: newOutboundEventId(),
        type: TEST_EVENT_TYPE,
        accountId: null,
        data: { endpointId: id, message: "A test event sent from the admin console." },
      })
      .returning();
    const [delivery] = await tx
      .insert(outboundDeliveries)
      .values({ eventId: event.id, endpointId: id })
      .returning({ id: outboundDeliveries.id });
    await audit(tx, actorUserId, "webhook_endpoint.test_sent", "webhook_endpoint", id, { eventId: event.id });
    return delivery.id;
  });
  return sendNow(db, deliveryId);
}

/** A new delivery of a delivery's event to the same endpoint (the original stays as it was), sent now. */
export async function replayDelivery(
  db: Database,
  deliveryId: string,
  actorUserId: string,
): Promise<{ delivery: DeliveryView; message: string }> {
  const replayId = await db.transaction(async (tx) => {
    const [original] = await tx.select().from(outboundDeliveries).where(eq(outboundDeliveries.id, deliveryId));
    if (!original) throw notFound("No webhook delivery with that id.");
    const [endpoint] = await tx
      .select({ disabledAt: webhookEndpoints.disabledAt })
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, original.endpointId));
    if (endpoint?.disabledAt) throw conflict("This endpoint is disabled; enable it to replay deliveries to it.");
    const [replay] = await tx
      .insert(outboundDeliveries)
      .values({ eventId: original.eventId, endpointId: original.endpointId, replayOf: original.replayOf ?? original.id })
      .returning({ id: outboundDeliveries.id });
    await audit(tx, actorUserId, "webhook_delivery.replayed", "webhook_delivery", deliveryId, {
      eventId: original.eventId,
      replayId: replay.id,
    });
    return replay.id;
  });
  return sendNow(db, replayId);
}

async function sendNow(db: Database, deliveryId: string): Promise<{ delivery: DeliveryView; message: string }> {
  await deliverOutboundWebhooks(db, { ids: [deliveryId] });
  const delivery = await getDelivery(db, deliveryId);
  const message =
    delivery.status === "delivered"
      ? `Delivered (HTTP ${delivery.lastStatusCode}).`
      : `Not delivered yet: ${delivery.lastError ?? "waiting"}; it is retried automatically.`;
  return { delivery, message };
}

export const deliveryListQuery = z.object({
  status: z.enum(OUTBOUND_DELIVERY_STATUSES, { message: `status must be one of ${OUTBOUND_DELIVERY_STATUSES.join(", ")}` }).optional(),
  endpointId: z.uuid("endpointId must be an endpoint id").optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type DeliveryListQuery = z.infer<typeof deliveryListQuery>;

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  accountId: string | null;
  endpointId: string;
  endpointUrl: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  /** When it is tried next (pending only). */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  replayOf: string | null;
  createdAt: string;
}

const deliveryColumns = {
  delivery: outboundDeliveries,
  eventType: outboundEvents.type,
  accountId: outboundEvents.accountId,
  endpointUrl: webhookEndpoints.url,
};

type DeliveryRow = { delivery: typeof outboundDeliveries.$inferSelect; eventType: string; accountId: string | null; endpointUrl: string };

const toDeliveryView = ({ delivery: d, eventType, accountId, endpointUrl }: DeliveryRow): DeliveryView => ({
  id: d.id,
  eventId: d.eventId,
  eventType,
  accountId,
  endpointId: d.endpointId,
  endpointUrl,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
  nextAttemptAt: d.status === "pending" ? (d.claimedUntil ?? d.nextAttemptAt).toISOString() : null,
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  replayOf: d.replayOf,
  createdAt: d.createdAt.toISOString(),
});

const deliveriesJoined = (db: Queryable) =>
  db
    .select(deliveryColumns)
    .from(outboundDeliveries)
    .innerJoin(outboundEvents, eq(outboundEvents.id, outboundDeliveries.eventId))
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, outboundDeliveries.endpointId));

export async function getDelivery(db: Queryable, id: string): Promise<DeliveryView> {
  const [row] = await deliveriesJoined(db).where(eq(outboundDeliveries.id, id));
  if (!row) throw notFound("No webhook delivery with that id.");
  return toDeliveryView(row);
}

/** The delivery log, newest first, in keyset pages. */
export async function listDeliveries(
  db: Queryable,
  query: DeliveryListQuery,
): Promise<{ deliveries: DeliveryView[]; nextCursor: string | null }> {
  let after: SQL | undefined;
  if (query.cursor) {
    const [created, id] = decodeCursor(query.cursor, 2);
    const at = cursorDate(created);
    after = or(lt(outboundDeliveries.createdAt, at), and(eq(outboundDeliveries.createdAt, at), lt(outboundDeliveries.id, cursorUuid(id))));
  }
  const rows = await deliveriesJoined(db)
    .where(
      and(
        query.status ? eq(outboundDeliveries.status, query.status) : undefined,
        query.endpointId ? eq(outboundDeliveries.endpointId, query.endpointId) : undefined,
        after,
      ),
    )
    .orderBy(desc(outboundDeliveries.createdAt), desc(outboundDeliveries.id))
    .limit(query.limit + 1);
  const page = pageOf(rows, query.limit, (r) => encodeCursor([r.delivery.createdAt, r.delivery.id]));
  return { deliveries: page.items.map(toDeliveryView), nextCursor: page.nextCursor };
}
