import "server-only";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Queryable, Transaction } from "@/db/client";
import { accounts, auditLog } from "@/db/schema";
import { pushSeats } from "@/lib/billing/seats";
import { AppError, notFound } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { resolveAccount, type AccountAccess, type AccountAction } from "./access";

/**
 * The caller's access to an organization: 404 `not_found` when they are not a member (or the id is
 * a personal account: these routes manage organizations, and a personal account is not one, so it
 * is as unknown here as any other id), 403 `forbidden` for a `member` asking to `manage`.
 */
export async function organizationAccess(db: Queryable, userId: string, orgId: string, action: AccountAction): Promise<AccountAccess> {
  const access = await resolveAccount(db, { user: { id: userId }, apiKeyId: null }, orgId, action);
  if (access.kind !== "organization") throw notFound("No such organization.");
  return access;
}

/**
 * `organizationAccess` for a change: refuses outsiders without taking any lock, then locks the
 * organization's row for the rest of the transaction and reads the caller's role again (it may
 * have changed while waiting). Every change to an organization's members, invitations, name or
 * existence takes this lock first, so they run one after another per organization: two owners
 * demoting each other at once cannot both see "there is another owner", and two invitations to the
 * same address cannot both be "the pending one". Membership inserts from other paths wait too
 * (their foreign key takes a share lock on the same row).
 */
export async function lockedOrganizationAccess(
  tx: Transaction,
  userId: string,
  orgId: string,
  action: AccountAction,
): Promise<AccountAccess> {
  await organizationAccess(tx, userId, orgId, action);
  await lockAccount(tx, orgId);
  return organizationAccess(tx, userId, orgId, action);
}

/** Locks the account's row (FOR UPDATE) until the transaction ends; 404 when it does not exist. */
export async function lockAccount(tx: Transaction, accountId: string): Promise<void> {
  const locked = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId)).for("update");
  if (locked.length === 0) throw notFound("No such organization.");
}

/** One audit row about an organization (target `account`), in the caller's transaction. */
export async function recordOrgAudit(
  db: Queryable,
  actorUserId: string,
  action: string,
  accountId: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  await db.insert(auditLog).values({ actorUserId, action, targetType: "account", targetId: accountId, data });
}

export const lastOwner = () =>
  new AppError("last_owner", "An organization needs at least one owner: make another member an owner first, or delete the organization.");

/**
 * After a membership was added or removed (and committed): brings the per-seat subscription's
 * quantity in step. It talks to Stripe, so it never runs inside a transaction; a failure is logged,
 * not the request's: the membership change stands, and the next sync (any later change, the
 * webhook, reconciliation) catches the quantity up.
 */
export async function afterMembershipChange(accountId: string): Promise<void> {
  try {
    await pushSeats(accountId);
  } catch (error) {
    logger.warn({ err: error, accountId }, "seat sync after a membership change failed");
  }
}

const uuidParam = (name: string) => z.uuid(`${name} must be an id`);
/** Path parameters of the organization routes: ids are UUIDs, anything else a 400 before any query. */
export const orgParams = z.object({ id: uuidParam("the organization") });
export const memberParams = orgParams.extend({ userId: uuidParam("the member") });
export const invitationParams = orgParams.extend({ invitationId: uuidParam("the invitation") });
