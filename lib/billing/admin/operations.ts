/** Operations for admins: the last reconciliation, the notifications outbox with retry, the audit log. */
import "server-only";
import { and, desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Database, Queryable } from "@/db/client";
import { auditLog, notifications, users } from "@/db/schema";
import { conflict, notFound } from "@/lib/errors";
import { cursorInteger, decodeCursor, encodeCursor, pageOf } from "@/lib/pagination";
import { deliverPendingNotifications, smtpConfigured } from "../notifications";
import type { ReconcileReport } from "../reconcile";

export const NOTIFICATION_STATUSES = ["pending", "sent", "failed", "outbox"] as const;

export interface LastReconciliation {
  at: string;
  report: ReconcileReport;
}

export async function lastReconciliation(db: Queryable): Promise<LastReconciliation | null> {
  const [row] = await db
    .select({ createdAt: auditLog.createdAt, data: auditLog.data })
    .from(auditLog)
    .where(eq(auditLog.action, "reconcile.completed"))
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(1);
  return row ? { at: row.createdAt.toISOString(), report: row.data as unknown as ReconcileReport } : null;
}

export interface NotificationRow {
  id: string;
  accountId: string | null;
  toEmail: string;
  kind: string;
  subject: string;
  body: string;
  status: string;
  error: string | null;
  sourceEventId: string;
  createdAt: string;
  sentAt: string | null;
}

/**
 * Admins see account emails without their link tokens: a password-reset or verification link
 * would let whoever reads it claim the account (lib/auth/account-claim.ts).
 */
const withoutLinkTokens = (body: string) => body.replace(/([?&]token=)[A-Za-z0-9_-]+/g, "$1[hidden]");

export const toNotificationRow = (n: typeof notifications.$inferSelect): NotificationRow => ({
  id: n.id,
  accountId: n.accountId,
  toEmail: n.toEmail,
  kind: n.kind,
  subject: n.subject,
  body: withoutLinkTokens(n.body),
  status: n.status,
  error: n.error,
  sourceEventId: n.sourceEventId,
  createdAt: n.createdAt.toISOString(),
  sentAt: n.sentAt?.toISOString() ?? null,
});

export async function listNotifications(
  db: Queryable,
  query: { status?: (typeof NOTIFICATION_STATUSES)[number]; accountId?: string; limit: number },
): Promise<NotificationRow[]> {
  const rows = await db
    .select()
    .from(notifications)
    .where(
      and(
        query.status ? eq(notifications.status, query.status) : undefined,
        query.accountId ? eq(notifications.accountId, query.accountId) : undefined,
      ),
    )
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(query.limit);
  return rows.map(toNotificationRow);
}

/**
 * Queues a failed (or outbox) notification again and tries to send it now. Only possible when
 * SMTP is configured: without it there is nothing to retry with.
 */
export async function retryNotification(db: Database, id: string, actorUserId: string): Promise<NotificationRow> {
  if (!smtpConfigured()) throw conflict("Email delivery is not configured (set SMTP_URL); the notification stays in the outbox.");
  // Re-queued and audited in one short transaction; the send (SMTP) happens after it commits.
  const requeued = await db.transaction(async (tx) => {
    const rows = await tx
      .update(notifications)
      .set({ status: "pending", error: null })
      .where(and(eq(notifications.id, id), inArray(notifications.status, ["failed", "outbox"])))
      .returning({ id: notifications.id });
    if (rows.length > 0)
      await tx.insert(auditLog).values({ actorUserId, action: "notification.retried", targetType: "notification", targetId: id });
    return rows;
  });
  if (requeued.length === 0) {
    const [existing] = await db.select({ status: notifications.status }).from(notifications).where(eq(notifications.id, id));
    if (!existing) throw notFound("No notification with that id.");
    throw conflict(`Only failed or outbox notifications can be retried; this one is ${existing.status}.`, { status: existing.status });
  }
  await deliverPendingNotifications(db);
  const [row] = await db.select().from(notifications).where(eq(notifications.id, id));
  return toNotificationRow(row);
}

export const auditListQuery = z.object({
  action: z
    .string()
    .trim()
    .regex(/^[a-z0-9_.]{1,100}$/, "action must be an audit action such as staff.granted")
    .optional(),
  targetType: z.string().trim().max(50).optional(),
  targetId: z.string().trim().max(200).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type AuditListQuery = z.infer<typeof auditListQuery>;

export interface AuditRow {
  id: number;
  action: string;
  actorEmail: string | null;
  targetType: string | null;
  targetId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

export async function listAuditLog(db: Queryable, query: AuditListQuery): Promise<{ entries: AuditRow[]; nextCursor: string | null }> {
  const conditions: Array<SQL | undefined> = [
    query.action ? eq(auditLog.action, query.action) : undefined,
    query.targetType ? eq(auditLog.targetType, query.targetType) : undefined,
    query.targetId ? eq(auditLog.targetId, query.targetId) : undefined,
  ];
  if (query.cursor) {
    const [id] = decodeCursor(query.cursor, 1);
    conditions.push(lt(auditLog.id, cursorInteger(id)));
  }
  const rows = await db
    .select({ entry: auditLog, actorEmail: users.email })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(query.limit + 1);
  const page = pageOf(rows, query.limit, (r) => encodeCursor([r.entry.id]));
  return {
    entries: page.items.map(({ entry, actorEmail }) => ({
      id: entry.id,
      action: entry.action,
      actorEmail,
      targetType: entry.targetType,
      targetId: entry.targetId,
      data: entry.data,
      createdAt: entry.createdAt.toISOString(),
    })),
    nextCursor: page.nextCursor,
  };
}
