import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull } from "drizzle-orm";
import { getDb, type Database } from "@/db/client";
import { emailVerificationTokens, notifications, users } from "@/db/schema";
import { appUrl } from "@/lib/app-url";
import { deliverPendingNotifications, smtpConfigured } from "@/lib/billing/notifications";
import { logger } from "@/lib/logger";

const VERIFICATION_TTL_MS = 24 * 60 * 60 * 1000;
const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * Emails about the account itself (verification links, "someone tried to sign up as you"). They go
 * through the notifications outbox like billing notices: sent by SMTP when SMTP_URL is set, kept in
 * the outbox otherwise, and in development also printed to the console so the link can be followed.
 */
async function sendAccountEmail(
  db: Database,
  input: { userId: string; toEmail: string; kind: string; sourceId: string; subject: string; body: string },
): Promise<void> {
  await db
    .insert(notifications)
    .values({
      userId: input.userId,
      toEmail: input.toEmail,
      kind: input.kind,
      subject: input.subject,
      body: input.body,
      sourceEventId: input.sourceId,
      status: smtpConfigured() ? "pending" : "outbox",
    })
    .onConflictDoNothing({ target: [notifications.sourceEventId, notifications.kind] });
  if (process.env.NODE_ENV !== "production" && !smtpConfigured()) {
    console.log(`\n[email to ${input.toEmail}] ${input.subject}\n${input.body}\n`);
  }
  // After the insert committed: no transaction is held while talking to the mail server.
  await deliverPendingNotifications(db).catch((error: unknown) => logger.warn({ err: error }, "account email delivery failed"));
}

/** Sends a fresh single-use link that proves `email` belongs to the user (valid for 24 hours). */
export async function sendVerificationEmail(user: { id: string; email: string }): Promise<void> {
  const db = await getDb();
  const token = randomBytes(32).toString("base64url");
  const [row] = await db
    .insert(emailVerificationTokens)
    .values({ userId: user.id, email: user.email, tokenHash: hashToken(token), expiresAt: new Date(Date.now() + VERIFICATION_TTL_MS) })
    .returning({ id: emailVerificationTokens.id });
  const link = `${appUrl()}/verify-email?token=${token}`;
  await sendAccountEmail(db, {
    userId: user.id,
    toEmail: user.email,
    kind: "email_verification",
    sourceId: `email-verification:${row.id}`,
    subject: "Confirm your email address",
    body: `Open this link to confirm that ${user.email} is yours:\n\n${link}\n\nIt expires in 24 hours. If you did not create an account, ignore this email.`,
  });
}

/** Tells the owner of an existing account that someone tried to sign up with their address. */
export async function sendSignUpAttemptEmail(user: { id: string; email: string }): Promise<void> {
  const db = await getDb();
  await sendAccountEmail(db, {
    userId: user.id,
    toEmail: user.email,
    kind: "sign_up_attempt",
    sourceId: `sign-up-attempt:${randomBytes(12).toString("hex")}`,
    subject: "Someone tried to create an account with your email",
    body: `Someone tried to sign up with ${user.email}, which already has an account. If it was you, sign in instead: ${appUrl()}/sign-in\n\nIf it was not you, you can ignore this email; nothing changed.`,
  });
}

/**
 * Marks the address verified when the token is valid, unexpired, unused and still for the user's
 * current address. Returns whether it did; a token works once.
 */
export async function verifyEmailToken(token: string): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return false;
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [claimed] = await tx
      .update(emailVerificationTokens)
      .set({ usedAt: new Date() })
      .where(
        and(
          eq(emailVerificationTokens.tokenHash, hashToken(token)),
          isNull(emailVerificationTokens.usedAt),
          gt(emailVerificationTokens.expiresAt, new Date()),
        ),
      )
      .returning();
    if (!claimed) return false;
    const verified = await tx
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(and(eq(users.id, claimed.userId), eq(users.email, claimed.email)))
      .returning({ id: users.id });
    return verified.length > 0;
  });
}
