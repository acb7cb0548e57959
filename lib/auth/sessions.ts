import "server-only";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { users } from "@/db/schema";

/**
 * Revokes every session of the user: each session token carries the session version it was issued
 * under (`sv`), and getCurrentUser rejects tokens whose version is not the user's current one.
 * Sign-out, a password change and an admin's revocation call this.
 */
export async function revokeSessions(userId: string): Promise<void> {
  const db = await getDb();
  await db
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, userId));
}
