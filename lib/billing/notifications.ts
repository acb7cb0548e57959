import "server-only";
import { env as serverEnv } from "@/env";
import { eq, sql } from "drizzle-orm";
import type { Database, Queryable } from "@/db/client";
import { accounts, billingCustomers, notifications, users } from "@/db/schema";
import { deliverOutbox, type DeliveryReport } from "@/lib/outbox";
import { supportFooter } from "@/lib/support";

export type NotificationKind =
  | "payment_failed"
  | "trial_will_end"
  | "subscription_cancel_scheduled"
  | "subscription_canceled"
  | "usage_threshold"
  | "credit_top_up_failed";

export const smtpConfigured = (env: Record<string, string | undefined> = serverEnv) => Boolean(env.SMTP_URL);

/**
 * Records a customer notification caused by a webhook event. (event, kind) is unique, so a
 * redelivered or replayed event never notifies twice. Without SMTP it stays in the outbox for admins.
 * Every billing email ends with the support address (`SUPPORT_EMAIL`).
 */
export async function queueNotification(
  db: Queryable,
  input: { accountId: string; kind: NotificationKind; sourceEventId: string; subject: string; body: string },
): Promise<void> {
  // To the account's billing email (the payer's, on its Stripe customer), else its person's address.
  const [recipient] = await db
    .select({ email: sql<string | null>`coalesce(${billingCustomers.email}, ${users.email})` })
    .from(accounts)
    .leftJoin(billingCustomers, eq(billingCustomers.accountId, accounts.id))
    .leftJoin(users, eq(users.id, accounts.personalUserId))
    .where(eq(accounts.id, input.accountId))
    .limit(1);
  if (!recipient?.email) return;
  const user = { email: recipient.email };
  await db
    .insert(notifications)
    .values({ ...input, body: `${input.body}\n\n${supportFooter()}`, toEmail: user.email, status: smtpConfigured() ? "pending" : "outbox" })
    .onConflictDoNothing({ target: [notifications.sourceEventId, notifications.kind] });
}

/**
 * Sends due emails through SMTP_URL, retrying failures with backoff (lib/outbox.ts). Run by the
 * delivery job (`npm run notifications:deliver`, `GET /api/cron/deliver`, `npm run cron`) and,
 * to send promptly, after each processed webhook.
 */
export async function deliverPendingNotifications(db: Database, options: { now?: Date } = {}): Promise<DeliveryReport> {
  if (!smtpConfigured()) return { sent: 0, retrying: 0, failed: 0 };
  const { createTransport } = await import("nodemailer");
  const transport = createTransport(serverEnv.SMTP_URL, { connectionTimeout: 10_000, socketTimeout: 10_000 });
  return deliverOutbox(
    db,
    notifications,
    async (message) => {
      await transport.sendMail({
        from: serverEnv.SMTP_FROM ?? "billing@localhost",
        to: message.toEmail,
        subject: message.subject,
        text: message.body,
      });
    },
    options,
  );
}
