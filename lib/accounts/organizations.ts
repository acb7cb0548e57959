import "server-only";
import { and, asc, eq, inArray, isNull, ne } from "drizzle-orm";
import { z } from "zod";
import { getDb, type Queryable } from "@/db/client";
import { accounts, memberships, subscriptions, type MembershipRole } from "@/db/schema";
import { ADMIN_GRANT_PROVIDER } from "@/lib/billing/admin/staff-grant";
import { AppError, forbidden } from "@/lib/errors";
import { lockedOrganizationAccess, recordOrgAudit } from "./org-access";
import { NOT_ENDED } from "@/lib/billing/subscription-status";

/** An organization's name: 1–80 characters once trimmed, no control characters (it goes into email subjects). */
export const orgNameField = z
  .string({ message: "is required" })
  .trim()
  .min(1, "is required")
  .max(80, "must be at most 80 characters")
  .regex(/^[^\p{Cc}]*$/u, "must not contain control characters such as line breaks");

export const orgNameInput = z.strictObject({ name: orgNameField });

export interface OrganizationView {
  id: string;
  name: string;
  role: MembershipRole;
}

/** Creates an organization; its creator is its first owner. */
export async function createOrganization(userId: string, name: string): Promise<OrganizationView> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [account] = await tx.insert(accounts).values({ kind: "organization", name }).returning({ id: accounts.id, name: accounts.name });
    await tx.insert(memberships).values({ accountId: account.id, userId, role: "owner" });
    await recordOrgAudit(tx, userId, "org.created", account.id, { name });
    return { id: account.id, name: account.name, role: "owner" };
  });
}

/** The organizations the user belongs to, with their role in each (personal accounts are not listed). */
export async function listOrganizations(userId: string): Promise<OrganizationView[]> {
  const db = await getDb();
  return db
    .select({ id: accounts.id, name: accounts.name, role: memberships.role })
    .from(memberships)
    .innerJoin(accounts, eq(accounts.id, memberships.accountId))
    .where(and(eq(memberships.userId, userId), eq(accounts.kind, "organization")))
    .orderBy(asc(accounts.name), asc(accounts.id));
}

/** Renames an organization (owners and admins). */
export async function renameOrganization(userId: string, orgId: string, name: string): Promise<OrganizationView> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const access = await lockedOrganizationAccess(tx, userId, orgId, "manage");
    if (access.name !== name) {
      await tx.update(accounts).set({ name }).where(eq(accounts.id, orgId));
      await recordOrgAudit(tx, userId, "org.renamed", orgId, { from: access.name, to: name });
    }
    return { id: orgId, name, role: access.role };
  });
}

/**
 * Whether the account has a subscription someone pays (or is about to pay) for that has not ended:
 * the statuses a second checkout is refused for (NOT_ENDED, as lib/billing/summary.ts
 * decides "live"), from any payment provider; a Staff grant is not paid and does not count.
 */
export async function hasLivePaidSubscription(db: Queryable, accountId: string): Promise<boolean> {
  const rows = await db
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(
      and(
        eq(subscriptions.accountId, accountId),
        inArray(subscriptions.status, [...NOT_ENDED]),
        isNull(subscriptions.endedAt),
        ne(subscriptions.provider, ADMIN_GRANT_PROVIDER),
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/**
 * Deletes an organization (owners only) with its members, invitations and billing rows. Refused
 * with 409 `subscription_exists` while a paid subscription is alive: deleting the rows would not
 * stop Stripe charging, so it must be canceled (and have ended) first. The check and the delete
 * happen under the organization's lock, which a subscription row being inserted for it waits on.
 */
export async function deleteOrganization(userId: string, orgId: string): Promise<{ deleted: true; id: string }> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const access = await lockedOrganizationAccess(tx, userId, orgId, "manage");
    if (access.role !== "owner") throw forbidden("Only an owner can delete the organization.");
    if (await hasLivePaidSubscription(tx, orgId)) {
      throw new AppError(
        "subscription_exists",
        "This organization still has a subscription. Cancel it and let it end before deleting the organization.",
      );
    }
    await tx.delete(accounts).where(eq(accounts.id, orgId));
    await recordOrgAudit(tx, userId, "org.deleted", orgId, { name: access.name });
    return { deleted: true, id: orgId };
  });
}
