import { eq } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db/client";
import { users, type User, type UserRole } from "@/db/schema";
import { badRequest, conflict, isAppError } from "@/lib/errors";
import { hashPassword, passwordWeakness, verifyPassword } from "./password";

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export const signUpInput = z.object({
  email: z.string().trim().max(320).pipe(z.email("Enter a valid email address.")),
  password: z.string().min(1, "Password is required."),
  name: z.string().trim().max(120).optional(),
});

export async function findUserByEmail(email: string): Promise<User | undefined> {
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.email, normalizeEmail(email))).limit(1);
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
}): Promise<User> {
  if (input.password !== undefined) {
    const weakness = passwordWeakness(input.password);
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
    })
    .onConflictDoNothing({ target: users.email })
    .returning();
  if (!user) throw conflict("An account with this email already exists. Sign in instead.", { field: "email" });
  return user;
}

/** Checks credentials; every failure is the same generic null so no one can probe for accounts. */
export async function authenticate(email: string, password: string): Promise<User | null> {
  const user = await findUserByEmail(email);
  if (!user?.passwordHash) return null;
  return (await verifyPassword(password, user.passwordHash)) ? user : null;
}

/** For OAuth sign-ins: the account with that email, created on first sign-in. */
export async function findOrCreateOAuthUser(email: string, name?: string | null): Promise<User> {
  const existing = await findUserByEmail(email);
  if (existing) return existing;
  try {
    return await createUser({ email, name: name ?? undefined });
  } catch (error) {
    // Two first sign-ins at once: the other one created it.
    if (isAppError(error, "conflict")) {
      const user = await findUserByEmail(email);
      if (user) return user;
    }
    throw error;
  }
}
