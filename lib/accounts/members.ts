import "server-only";
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { getDb, type Queryable } from "@/db/client";
import { invitations, MEMBERSHIP_ROLES, memberships, users, type MembershipRole } from "@/db/schema";
import { forbidden, notFound } from "@/lib/errors";
import { canManage } from "./access";
import { afterMembershipChange, lastOwner, lockedOrganizationAccess, organizationAccess, recordOrgAudit } from "./org-access";

export const roleField = z.enum(MEMBERSHIP_ROLES, { message: `must be one of ${MEMBERSHIP_ROLES.join(", ")}` });
export const memberRoleInput = z.strictObject({ role: roleField });

export interface MemberView {
  userId: string;
  email: string;
  name: string | null;
  role: MembershipRole;
}

export interface PendingInvitationView {
  id: string;
  email: string;
  role: MembershipRole;
  expiresAt: string;
}

const memberColumns = { userId: memberships.userId, email: users.email, name: users.name, role: memberships.role };

async function findMember(db: Queryable, orgId: string, userId: string): Promise<MemberView | undefined> {
  const [member] = await db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.accountId, orgId), eq(memberships.userId, userId)))
    .limit(1);
  return member;
}

async function ownerCount(db: Queryable, orgId: string): Promise<number> {
  const [{ owners }] = await db
    .select({ owners: sql<number>`count(*)::int` })
    .from(memberships)
    .where(and(eq(memberships.accountId, orgId), eq(memberships.role, "owner")));
  return Number(owners);
}

/**
 * The organization's members, and its pending invitations (not accepted, not revoked, not expired).
 * Every member may list the members; only owners and admins, who manage invitations, see the
 * invitations (with the invited addresses): a `member` gets an empty list.
 */
export async function listMembers(userId: string, orgId: string): Promise<{ members: MemberView[]; invitations: PendingInvitationView[] }> {
  const db = await getDb();
  const access = await organizationAccess(db, userId, orgId, "use");
  const members = await db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.accountId, orgId))
    .orderBy(asc(memberships.createdAt), asc(memberships.userId));
  if (!canManage(access.role)) return { members, invitations: [] };
  const pending = await db
    .select({ id: invitations.id, email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt })
    .from(invitations)
    .where(
      and(
        eq(invitations.accountId, orgId),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, new Date()),
      ),
    )
    .orderBy(asc(invitations.createdAt), asc(invitations.id));
  return { members, invitations: pending.map((i) => ({ ...i, expiresAt: i.expiresAt.toISOString() })) };
}

/**
 * Sets a member's role (owners and admins). Only an owner may make someone an owner or change an
 * owner's role; ownership is transferred by making another member an owner, after which the former
 * owner may step down. The last owner cannot be demoted (409 `last_owner`): checked under the
 * organization's lock, so two owners demoting each other at once leave one owner, not none.
 */
export async function changeMemberRole(
  actorUserId: string,
  orgId: string,
  targetUserId: string,
  role: MembershipRole,
): Promise<MemberView> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const actor = await lockedOrganizationAccess(tx, actorUserId, orgId, "manage");
    const target = await findMember(tx, orgId, targetUserId);
    if (!target) throw notFound("No such member.");
    if ((target.role === "owner" || role === "owner") && actor.role !== "owner") {
      throw forbidden("Only an owner can make someone an owner or change an owner's role.");
    }
    if (target.role === role) return target;
    if (target.role === "owner" && (await ownerCount(tx, orgId)) <= 1) throw lastOwner();
    await tx
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.accountId, orgId), eq(memberships.userId, targetUserId)));
    await recordOrgAudit(tx, actorUserId, "member.role_changed", orgId, { userId: targetUserId, from: target.role, to: role });
    return { ...target, role };
  });
}

/**
 * Removes a member (owners and admins; only an owner removes an owner), or lets any member leave
 * (`targetUserId` is the caller). The last owner can neither leave nor be removed (409
 * `last_owner`), checked under the organization's lock. The seats are synced after the commit.
 */
export async function removeMember(actorUserId: string, orgId: string, targetUserId: string): Promise<{ removed: true; userId: string }> {
  const db = await getDb();
  const leaving = actorUserId === targetUserId;
  await db.transaction(async (tx) => {
    const actor = await lockedOrganizationAccess(tx, actorUserId, orgId, leaving ? "use" : "manage");
    const target = leaving ? { role: actor.role } : await findMember(tx, orgId, targetUserId);
    if (!target) throw notFound("No such member.");
    if (!leaving && target.role === "owner" && actor.role !== "owner") throw forbidden("Only an owner can remove an owner.");
    if (target.role === "owner" && (await ownerCount(tx, orgId)) <= 1) throw lastOwner();
    await tx.delete(memberships).where(and(eq(memberships.accountId, orgId), eq(memberships.userId, targetUserId)));
    await recordOrgAudit(tx, actorUserId, leaving ? "member.left" : "member.removed", orgId, { userId: targetUserId, role: target.role });
  });
  await afterMembershipChange(orgId);
  return { removed: true, userId: targetUserId };
}
