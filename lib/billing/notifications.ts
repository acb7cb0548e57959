import { and, eq, inArray } from "drizzle-orm";
import type { Database, Queryable } from "@/db/client";
import { notifications, users } from "@/db/schema";
import { logger } from "@/lib/logger";

export type NotificationKind = "payment_failed" | "trial_will_end" | "subscription_cancel_scheduled" | "subscription_canceled";

export const smtpConfigured = (env: Record<string, string | undefined> = process.env) => Boolean(env.SMTP_URL);

/**
 * Records a customer notification caused by a webhook event. (event, kind) is unique, so a
 * redelivered or replayed event never notifies twice. Without SMTP it stays in the outbox for admins.
 */
export async function queueNotification(
  db: Queryable,
  input: { userId: string; kind: NotificationKind; sourceEventId: string; subject: string; body: string },
): Promise<void> {
  const [user] = await db.select({ email: users.email }).from(users).where(eq(users.id, input.userId)).limit(1);
  if (!user) return;
  await db
    .insert(notifications)
    .values({ ...input, toEmail: user.email, status: smtpConfigured() ? "pending" : "outbox" })
    .onConflictDoNothing({ target: [notifications.sourceEventId, notifications.kind] });
}

/** Sends queued emails through SMTP_URL; each is claimed before sending so two workers never both send it. */
export async function deliverPendingNotifications(db: Database): Promise<number> {
  if (!smtpConfigured()) return 0;
  const pending = await db.select().from(notifications).where(eq(notifications.status, "pending")).limit(50);
  if (pending.length === 0) return 0;
  const { createTransport } = await import("nodemailer");
  const transport = createTransport(process.env.SMTP_URL);
  let sent = 0;
  for (const message of pending) {
    const claimed = await db
      .update(notifications)
      .set({ status: "sent", sentAt: new Date() })
      .where(and(eq(notifications.id, message.id), inArray(notifications.status, ["pending"])))
      .returning({ id: notifications.id });
    if (claimed.length === 0) continue;
    try {
      await transport.sendMail({
        from: process.env.SMTP_FROM ?? "billing@localhost",
        to: message.toEmail,
        subject: message.subject,
        text: message.body,
      });
      sent += 1;
    } catch (error) {
      logger.warn({ err: error, notification: message.id }, "notification email failed");
      await db
        .update(notifications)
        .set({ status: "failed", sentAt: null, error: error instanceof Error ? error.message : String(error) })
        .where(eq(notifications.id, message.id));
    }
  }
  return sent;
}
