import "server-only";
import { and, eq, gt, isNull } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db/client";
import { passwordResetTokens, users } from "@/db/schema";
import { appUrl } from "@/lib/app-url";
import { badRequest } from "@/lib/errors";
import { claimAccount } from "./account-claim";
import { LINK_TOKEN_PATTERN, deliverAccountEmails, hashToken, newLinkToken, queueLimitedAccountEmail } from "./account-emails";
import { hashPassword, passwordWeakness } from "./password";
import { findUserByEmail, normalizeEmail } from "./users";

/** How long a reset link works; it also works only once. */
export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;

export const passwordResetRequestInput = z.object({
  email: z.string().trim().max(320).pipe(z.email("Enter a valid email address.")),
});

export const passwordResetConfirmInput = z.object({
  token: z.string().max(200),
  password: z.string().min(1, "Password is required."),
});

const invalidLink = () => badRequest("This reset link is invalid, expired or already used. Ask for a new one.", { field: "token" });

/**
 * Emails a single-use reset link to the address when it has an account, at most
 * ACCOUNT_MAIL_LIMIT_PER_HOUR an hour. The answer is the same whether or not the address has an
 * account, and whether or not the limit was reached, so nobody learns which addresses are registered.
 */
export async function requestPasswordReset(
  input: z.infer<typeof passwordResetRequestInput>,
): Promise<{ email: string; resetRequested: true }> {
  const email = normalizeEmail(input.email);
  const user = await findUserByEmail(email);
  if (user) {
    const db = await getDb();
    const token = newLinkToken();
    const queued = await queueLimitedAccountEmail(db, user, "password_reset", async (tx) => {
      const [row] = await tx
        .insert(passwordResetTokens)
        .values({
          userId: user.id,
          email: user.email,
          tokenHash: hashToken(token),
          expiresAt: new Date(Date.now() + PASSWORD_RESET_TTL_MS),
        })
        .returning({ id: passwordResetTokens.id });
      return {
        sourceId: `password-reset:${row.id}`,
        subject: "Reset your password",
        body:
          `Someone (hopefully you) asked to reset the password of the account for ${user.email}. Open this link to choose a new one:\n\n` +
          `${appUrl()}/reset-password?token=${token}\n\n` +
          "It works once, for 1 hour. Choosing a new password confirms this address is yours and signs you out everywhere.\n\n" +
          "If you did not ask for this, ignore this email; nothing changes.",
      };
    });
    // Sent in the background: an address with an account must not answer measurably later than one without.
    if (queued) void deliverAccountEmails(db);
  }
  return { email, resetRequested: true };
}

/**
 * Sets a new password with a reset link. Following the link proves the address, so this claims the
 * account (lib/auth/account-claim.ts): the address becomes verified, every session is revoked and
 * outstanding links are spent; on an account not verified yet, every other credential (OAuth
 * identities, API keys) is removed too. The link works
 * once, for the address it was sent to; a weak password is refused without using it up.
 */
export async function resetPassword(input: z.infer<typeof passwordResetConfirmInput>, now = new Date()): Promise<{ email: string }> {
  if (!LINK_TOKEN_PATTERN.test(input.token)) throw invalidLink();
  const db = await getDb();
  const [found] = await db
    .select({ token: passwordResetTokens, user: users })
    .from(passwordResetTokens)
    .innerJoin(users, and(eq(users.id, passwordResetTokens.userId), eq(users.email, passwordResetTokens.email)))
    .where(
      and(
        eq(passwordResetTokens.tokenHash, hashToken(input.token)),
        isNull(passwordResetTokens.usedAt),
        gt(passwordResetTokens.expiresAt, now),
      ),
    )
    .limit(1);
  if (!found) throw invalidLink();
  const weakness = await passwordWeakness(input.password, [found.user.email, found.user.name ?? ""]);
  if (weakness) throw badRequest(weakness, { field: "password" });
  // bcrypt before the transaction, so no lock waits on it.
  const passwordHash = await hashPassword(input.password);
  const claimed = await db.transaction(async (tx) => {
    const [used] = await tx
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordResetTokens.id, found.token.id), isNull(passwordResetTokens.usedAt), gt(passwordResetTokens.expiresAt, now)))
      .returning({ id: passwordResetTokens.id });
    if (!used) return null;
    return claimAccount(tx, { userId: found.token.userId, email: found.token.email, proven: { kind: "password", passwordHash } }, now);
  });
  if (!claimed) throw invalidLink();
  return { email: claimed.email };
}
