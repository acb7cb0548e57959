import "server-only";
import { env } from "@/env";
import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { getDb, type Database, type Queryable, type Transaction } from "@/db/client";
import { emailVerificationTokens, notifications, users } from "@/db/schema";
import { appUrl } from "@/lib/app-url";
import { deliverPendingNotifications, smtpConfigured } from "@/lib/billing/notifications";
import { logger } from "@/lib/logger";

const VERIFICATION_TTL_MS = 24 * 60 * 60 * 1000;
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
/** A fresh single-use link token: 32 random bytes, base64url. */
export const newLinkToken = () => randomBytes(32).toString("base64url");
/** The shape of the tokens `newLinkToken` makes; anything else is refused before a query. */
export const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,100}$/;

/**
 * Emails anyone can make the app send to an address they do not own (by typing it into a form) are
 * limited per recipient: at most this many of each kind per hour, counted in the outbox, so every
 * instance sees the same count. Past it the request still gets its usual answer; no email is queued.
 */
export const ACCOUNT_MAIL_LIMIT_PER_HOUR = 3;
export type LimitedAccountMail = "sign_up_attempt" | "password_reset";

/**
 * Whether one more `kind` email may be queued for the user now. Locks the user's row for the rest
 * of the caller's transaction, so concurrent requests count one after another.
 */
export async function withinAccountMailLimit(tx: Transaction, userId: string, kind: LimitedAccountMail): Promise<boolean> {
  const locked = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("update");
  if (locked.length === 0) return false;
  const [{ sent }] = await tx
    .select({ sent: sql<number>`count(*)::int` })
    .from(notifications)
    .where(
      and(eq(notifications.accountId, userId), eq(notifications.kind, kind), gt(notifications.createdAt, sql`now() - interval '1 hour'`)),
    );
  return Number(sent) < ACCOUNT_MAIL_LIMIT_PER_HOUR;
}

export interface AccountEmail {
  userId: string;
  toEmail: string;
  kind: string;
  sourceId: string;
  subject: string;
  body: string;
}

/**
 * Emails about the account itself (verification and password-reset links, "someone tried to sign
 * up as you"). They go through the notifications outbox like billing notices: sent by SMTP when
 * SMTP_URL is set, kept in the outbox otherwise, and in development also printed to the console so
 * the link can be followed. `queueAccountEmail` writes the row (inside the caller's transaction if
 * any); `deliverAccountEmails` sends, after that transaction committed.
 */
export async function queueAccountEmail(db: Queryable, input: AccountEmail): Promise<void> {
  await db
    .insert(notifications)
    .values({
      // Account emails are filed under the person's own account (whose id is the user's).
      accountId: input.userId,
      toEmail: input.toEmail,
      kind: input.kind,
      subject: input.subject,
      body: input.body,
      sourceEventId: input.sourceId,
      status: smtpConfigured() ? "pending" : "outbox",
    })
    .onConflictDoNothing({ target: [notifications.sourceEventId, notifications.kind] });
  if (env.NODE_ENV !== "production" && !smtpConfigured()) {
    console.log(`\n[email to ${input.toEmail}] ${input.subject}\n${input.body}\n`);
  }
}

/** Sends what is due; no transaction is held while talking to the mail server. Never throws. */
export async function deliverAccountEmails(db: Database): Promise<void> {
  await deliverPendingNotifications(db).catch((error: unknown) => logger.warn({ err: error }, "account email delivery failed"));
}

/**
 * Queues one `kind` email for the user unless the per-recipient limit is reached (then logs and
 * queues nothing). `compose` runs in the same transaction, after the limit check, so what it writes
 * (a link's token row) exists only when the email does. The caller delivers afterwards.
 */
export async function queueLimitedAccountEmail(
  db: Database,
  user: { id: string; email: string },
  kind: LimitedAccountMail,
  compose: (tx: Transaction) => Promise<Pick<AccountEmail, "sourceId" | "subject" | "body">>,
): Promise<boolean> {
  const queued = await db.transaction(async (tx) => {
    if (!(await withinAccountMailLimit(tx, user.id, kind))) return false;
    await queueAccountEmail(tx, { userId: user.id, toEmail: user.email, kind, ...(await compose(tx)) });
    return true;
  });
  if (!queued) logger.info({ userId: user.id, kind }, "account email over its per-recipient limit; not sent");
  return queued;
}

async function sendAccountEmail(db: Database, input: AccountEmail): Promise<void> {
  await queueAccountEmail(db, input);
  await deliverAccountEmails(db);
}

/** Sends a fresh single-use link that proves `email` belongs to the user (valid for 24 hours). */
export async function sendVerificationEmail(user: { id: string; email: string }): Promise<void> {
  const db = await getDb();
  const token = newLinkToken();
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

/**
 * Tells the owner of an existing account that someone tried to sign up with their address, at most
 * ACCOUNT_MAIL_LIMIT_PER_HOUR times an hour (past that, silently nothing). Returns whether it queued one.
 */
export async function sendSignUpAttemptEmail(user: { id: string; email: string }): Promise<boolean> {
  const db = await getDb();
  const queued = await queueLimitedAccountEmail(db, user, "sign_up_attempt", async () => ({
    sourceId: `sign-up-attempt:${randomBytes(12).toString("hex")}`,
    subject: "Someone tried to create an account with your email",
    body: `Someone tried to sign up with ${user.email}, which already has an account. If it was you, sign in instead: ${appUrl()}/sign-in\n\nForgot your password? Choose a new one: ${appUrl()}/forgot-password\n\nIf it was not you, you can ignore this email; nothing changed.`,
  }));
  if (queued) await deliverAccountEmails(db);
  return queued;
}

/**
 * Marks the address verified when the token is valid, unexpired, unused and still for the user's
 * current address. Returns whether it did; a token works once.
 */
export async function verifyEmailToken(token: string): Promise<boolean> {
  if (!LINK_TOKEN_PATTERN.test(token)) return false;
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
