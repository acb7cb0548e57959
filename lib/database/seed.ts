import "server-only";
import { env as serverEnv } from "@/env";
import { and, eq, isNull } from "drizzle-orm";
import { hashPassword } from "@/lib/auth/password";
import type { Database } from "@/db/client";
import { users, type UserRole } from "@/db/schema";

export const DEMO_ACCOUNTS: ReadonlyArray<{ email: string; password: string; name: string; role: UserRole }> = [
  { email: "demo@example.com", password: "demo-password-1", name: "Demo User", role: "user" },
  { email: "admin@example.com", password: "admin-password-1", name: "Demo Admin", role: "admin" },
];

export function shouldSeedDemoAccounts(env: Record<string, string | undefined> = serverEnv): boolean {
  if (env.SEED_DEMO_ACCOUNTS) return env.SEED_DEMO_ACCOUNTS === "true";
  return env.NODE_ENV !== "production";
}

/**
 * Idempotent: creates the demo accounts that are missing and prints their credentials. Their
 * addresses count as verified (the demo admin needs it to be an admin), also in databases seeded
 * before verification existed.
 */
export async function seedDemoAccounts(db: Database, print: (line: string) => void = console.log): Promise<void> {
  for (const account of DEMO_ACCOUNTS) {
    const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, account.email));
    if (!existing) {
      await db
        .insert(users)
        .values({ ...account, passwordHash: await hashPassword(account.password), emailVerifiedAt: new Date() })
        .onConflictDoNothing({ target: users.email });
    } else {
      await db
        .update(users)
        .set({ emailVerifiedAt: new Date() })
        .where(and(eq(users.id, existing.id), isNull(users.emailVerifiedAt)));
    }
  }
  print("Demo accounts (development only):");
  for (const a of DEMO_ACCOUNTS) print(`  ${a.role.padEnd(5)}  ${a.email}  /  ${a.password}`);
}
