import "server-only";
import { count, eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { memberships } from "@/db/schema";

/** The account's members: its seats on a per-seat plan (pending invitations are not seats). */
export async function countMembers(db: Queryable, accountId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(memberships).where(eq(memberships.accountId, accountId));
  return Number(row?.n ?? 0);
}
