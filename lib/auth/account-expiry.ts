import "server-only";
import { and, inArray, isNull, lt, notExists, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { billingCustomerClaims, billingCustomers, subscriptions, users, memberships } from "@/db/schema";
import { logger } from "@/lib/logger";

/**
 * Accounts whose address was never verified are deleted this long after they were created, unless
 * they have a billing customer (or are creating one) or a subscription: whoever registered an
 * address they do not own does not keep it. Documented in SECURITY.md.
 */
export const UNVERIFIED_ACCOUNT_TTL_DAYS = 7;
const BATCH = 500;

/**
 * One bounded round of the expiry: deletes up to `batch` expired unverified accounts (their
 * identities, keys, tokens and usage go with them; notifications and invoices keep a null user).
 * Safe on every instance at once: rows are taken with SKIP LOCKED and the conditions are checked
 * again by the delete itself, so an account verified meanwhile stays.
 */
export async function expireUnverifiedAccounts(db: Database, now = new Date(), batch = BATCH): Promise<number> {
  const cutoff = new Date(now.getTime() - UNVERIFIED_ACCOUNT_TTL_DAYS * 24 * 60 * 60 * 1000);
  const expired = and(
    isNull(users.emailVerifiedAt),
    lt(users.createdAt, cutoff),
    // (A personal account's id is its user's.)
    notExists(
      db
        .select({ one: sql`1` })
        .from(billingCustomers)
        .where(sql`${billingCustomers.accountId} = ${users.id}`),
    ),
    notExists(
      db
        .select({ one: sql`1` })
        .from(billingCustomerClaims)
        .where(sql`${billingCustomerClaims.accountId} = ${users.id}`),
    ),
    notExists(
      db
        .select({ one: sql`1` })
        .from(subscriptions)
        .where(sql`${subscriptions.accountId} = ${users.id}`),
    ),
    // Nor someone who belongs to an organization: its members and billing are not theirs to take along.
    notExists(
      db
        .select({ one: sql`1` })
        .from(memberships)
        .where(sql`${memberships.userId} = ${users.id} and ${memberships.accountId} <> ${users.id}`),
    ),
  );
  const due = db
    .select({ id: users.id })
    .from(users)
    .where(expired)
    .orderBy(users.createdAt)
    .limit(batch)
    .for("update", { skipLocked: true });
  const deleted = await db
    .delete(users)
    .where(and(inArray(users.id, due), expired))
    .returning({ id: users.id });
  if (deleted.length > 0)
    logger.info({ count: deleted.length, olderThanDays: UNVERIFIED_ACCOUNT_TTL_DAYS }, "expired unverified accounts deleted");
  return deleted.length;
}
