import "server-only";
import { and, eq, isNull, not, sql } from "drizzle-orm";
import type { Transaction } from "@/db/client";
import { apiKeys, emailVerificationTokens, oauthIdentities, passwordResetTokens, users, type User } from "@/db/schema";

/** A provider's account: `github` + its numeric user id, `google` + its `sub`. */
export interface OAuthIdentity {
  provider: string;
  providerAccountId: string;
}

/**
 * What the claimant proved besides the address: the OAuth identity whose provider vouched for it
 * (Google's `email_verified`), or the new password they set through a password-reset link.
 */
export type ProvenCredential = { kind: "oauth"; identity: OAuthIdentity } | { kind: "password"; passwordHash: string };

type Step = (tx: Transaction, userId: string, proven: ProvenCredential, now: Date) => Promise<unknown>;

/**
 * Every way into an account other than its address, each removed when someone claims the account
 * by proving the address: whoever held them before never proved it, and may be a squatter who
 * registered someone else's address. A new kind of credential (invitations, recovery codes, …)
 * gets its step here, and every claim removes it too. Sessions and the password are handled on the
 * user row itself (`claimAccount`).
 */
const REMOVE_UNPROVEN_CREDENTIALS: Record<string, Step> = {
  // OAuth identities, except the one that just proved the address.
  oauthIdentities: (tx, userId, proven) =>
    tx
      .delete(oauthIdentities)
      .where(
        and(
          eq(oauthIdentities.userId, userId),
          proven.kind === "oauth"
            ? not(
                and(
                  eq(oauthIdentities.provider, proven.identity.provider),
                  eq(oauthIdentities.providerAccountId, proven.identity.providerAccountId),
                )!,
              )
            : undefined,
        ),
      ),
  // API keys: revoked, so a key someone already copied stops working at once.
  // (Those of the personal account, whose id is the user's; an organization's keys are the organization's.)
  apiKeys: (tx, userId, _proven, now) =>
    tx
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.accountId, userId), isNull(apiKeys.revokedAt))),
  // Organization memberships need none: accepting an invitation requires a verified address, which
  // an account that can still be claimed does not have.
};

/** Links issued before any claim, verified account or not: a reset link works once, and no older link outlives the claim. */
const SPEND_LINKS: Record<string, Step> = {
  passwordResetLinks: (tx, userId, _proven, now) =>
    tx
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordResetTokens.userId, userId), isNull(passwordResetTokens.usedAt))),
  verificationLinks: (tx, userId, _proven, now) =>
    tx
      .update(emailVerificationTokens)
      .set({ usedAt: now })
      .where(and(eq(emailVerificationTokens.userId, userId), isNull(emailVerificationTokens.usedAt))),
};

/**
 * Hands the account to whoever just proved they read its address (`email`): the address becomes
 * verified, the password becomes the proven one (or none, after an OAuth proof), every session is
 * revoked and, when the address was not verified yet, every other credential removed (see
 * REMOVE_UNPROVEN_CREDENTIALS: whoever set them up never proved the address). On an account whose
 * address was already verified (a forgotten password), API keys and OAuth identities were set up by
 * someone who had proved it, so they stay: a reset must not take a customer's integrations down;
 * the password, the sessions and outstanding links are replaced. Runs inside the
 * caller's transaction. Returns null, changing nothing, when the account no longer has that address
 * or (with `onlyIfUnverified`) was verified meanwhile.
 */
export async function claimAccount(
  tx: Transaction,
  input: { userId: string; email: string; proven: ProvenCredential; onlyIfUnverified?: boolean },
  now = new Date(),
): Promise<User | null> {
  const [before] = await tx.select({ emailVerifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, input.userId)).for("update");
  const [claimed] = await tx
    .update(users)
    .set({
      emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now.toISOString()}::timestamptz)`,
      passwordHash: input.proven.kind === "password" ? input.proven.passwordHash : null,
      sessionVersion: sql`${users.sessionVersion} + 1`,
    })
    .where(
      and(eq(users.id, input.userId), eq(users.email, input.email), input.onlyIfUnverified ? isNull(users.emailVerifiedAt) : undefined),
    )
    .returning();
  if (!claimed) return null;
  const wasVerified = Boolean(before?.emailVerifiedAt);
  const steps = wasVerified ? SPEND_LINKS : { ...REMOVE_UNPROVEN_CREDENTIALS, ...SPEND_LINKS };
  for (const step of Object.values(steps)) await step(tx, claimed.id, input.proven, now);
  if (input.proven.kind === "oauth") {
    await tx
      .insert(oauthIdentities)
      .values({ ...input.proven.identity, userId: claimed.id })
      .onConflictDoNothing();
  }
  return claimed;
}
