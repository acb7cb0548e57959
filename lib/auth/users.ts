import "server-only";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db/client";
import { oauthIdentities, users, type User, type UserRole } from "@/db/schema";
import { badRequest, conflict, isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { claimAccount, type OAuthIdentity } from "./account-claim";
import { sendSignUpAttemptEmail, sendVerificationEmail } from "./account-emails";
import { hashPassword, passwordWeakness, verifyAgainstNothing, verifyPassword } from "./password";

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export const signUpInput = z.object({
  email: z.string().trim().max(320).pipe(z.email("Enter a valid email address.")),
  password: z.string().min(1, "Password is required."),
  name: z.string().trim().max(120).optional(),
});

export async function findUserByEmail(email: string): Promise<User | undefined> {
  const db = await getDb();
  const [user] = await db
    .select()
    .from(users)
    .where(eq(users.email, normalizeEmail(email)))
    .limit(1);
  return user;
}

export async function findUserById(id: string): Promise<User | undefined> {
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return user;
}

export async function createUser(input: {
  email: string;
  password?: string;
  name?: string;
  role?: UserRole;
  emailVerifiedAt?: Date | null;
}): Promise<User> {
  if (input.password !== undefined) {
    const weakness = await passwordWeakness(input.password, [input.email, input.name ?? ""]);
    if (weakness) throw badRequest(weakness, { field: "password" });
  }
  const db = await getDb();
  const [user] = await db
    .insert(users)
    .values({
      email: normalizeEmail(input.email),
      name: input.name || null,
      passwordHash: input.password === undefined ? null : await hashPassword(input.password),
      role: input.role ?? "user",
      emailVerifiedAt: input.emailVerifiedAt ?? null,
    })
    .onConflictDoNothing({ target: users.email })
    .returning();
  if (!user) throw conflict("An account with this email already exists. Sign in instead.", { field: "email" });
  return user;
}

/**
 * Sign-up that does not reveal whether an account exists: a new address gets an account and a
 * verification link; an address that already has an account gets an email telling its owner, and
 * the caller sees exactly the same answer.
 */
export async function signUp(
  input: z.infer<typeof signUpInput>,
  /** Runs once for a newly created account (e.g. to carry a visitor's anonymous usage over). */
  afterCreate?: (user: User) => Promise<unknown>,
): Promise<{ email: string; verificationSent: true }> {
  const email = normalizeEmail(input.email);
  try {
    const user = await createUser(input);
    if (afterCreate) await afterCreate(user);
    await sendVerificationEmail(user).catch((error: unknown) => logger.warn({ err: error }, "verification email failed"));
  } catch (error) {
    if (!isAppError(error, "conflict")) throw error;
    const owner = await findUserByEmail(email);
    if (owner) await sendSignUpAttemptEmail(owner).catch((e: unknown) => logger.warn({ err: e }, "sign-up notice failed"));
  }
  return { email, verificationSent: true };
}

/**
 * Checks credentials; every failure is the same generic null so no one can probe for accounts, and
 * an unknown email costs the same bcrypt work as a wrong password, so timing tells nothing either.
 */
export async function authenticate(email: string, password: string): Promise<User | null> {
  const user = await findUserByEmail(email);
  if (!user?.passwordHash) return verifyAgainstNothing(password).then(() => null);
  return (await verifyPassword(password, user.passwordHash)) ? user : null;
}

export type { OAuthIdentity };

/**
 * For OAuth sign-ins. An identity that signed in before signs in as the same user. Otherwise the
 * account with that email, created on first sign-in: an identity is linked to an existing account
 * only when the provider vouches that it verified the address. Linked to an account that was never
 * verified, that proof claims the account (lib/auth/account-claim.ts): the address counts as
 * verified, and everything set up by whoever registered it without proving it (a password, other
 * OAuth identities, API keys, sessions) is removed. Returns null when linking is refused.
 */
export async function findOrCreateOAuthUser(
  identity: OAuthIdentity,
  email: string,
  name: string | null | undefined,
  emailVerifiedByProvider: boolean,
  /** Runs once when the sign-in creates the account (e.g. to carry a visitor's anonymous usage over). */
  afterCreate?: (user: User) => Promise<unknown>,
): Promise<User | null> {
  const db = await getDb();
  const [known] = await db
    .select({ user: users })
    .from(oauthIdentities)
    .innerJoin(users, eq(users.id, oauthIdentities.userId))
    .where(and(eq(oauthIdentities.provider, identity.provider), eq(oauthIdentities.providerAccountId, identity.providerAccountId)))
    .limit(1);
  if (known) return known.user;

  const existing = await findUserByEmail(email);
  if (existing) {
    if (!emailVerifiedByProvider) return null;
    if (existing.emailVerifiedAt) {
      await db
        .insert(oauthIdentities)
        .values({ ...identity, userId: existing.id })
        .onConflictDoNothing();
      return existing;
    }
    const claimed = await db.transaction((tx) =>
      claimAccount(tx, { userId: existing.id, email: existing.email, proven: { kind: "oauth", identity }, onlyIfUnverified: true }),
    );
    // Verified (or deleted) meanwhile: apply the linking rules to the account as it is now.
    return claimed ?? findOrCreateOAuthUser(identity, email, name, emailVerifiedByProvider);
  }
  let created: User;
  try {
    created = await createUser({ email, name: name ?? undefined, emailVerifiedAt: emailVerifiedByProvider ? new Date() : null });
  } catch (error) {
    // Two first sign-ins at once: the other one created it; apply the linking rules to that account.
    if (isAppError(error, "conflict")) return findOrCreateOAuthUser(identity, email, name, emailVerifiedByProvider);
    throw error;
  }
  await db
    .insert(oauthIdentities)
    .values({ ...identity, userId: created.id })
    .onConflictDoNothing();
  if (afterCreate) await afterCreate(created);
  // The provider vouched for nothing (GitHub): the owner confirms the address by email, or the
  // account expires with the other unverified ones (lib/auth/account-expiry.ts).
  if (!created.emailVerifiedAt) {
    await sendVerificationEmail(created).catch((error: unknown) => logger.warn({ err: error }, "verification email failed"));
  }
  return created;
}
