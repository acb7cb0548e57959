import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db/client";
import { invitations, memberships, users, type MembershipRole } from "@/db/schema";
import { deliverAccountEmails, hashToken, LINK_TOKEN_PATTERN, newLinkToken } from "@/lib/auth/account-emails";
import { normalizeEmail } from "@/lib/auth/users";
import { assertSeatAvailable } from "@/lib/billing/seats";
import { AppError, conflict, forbidden, notFound } from "@/lib/errors";
import { emitSeatAdded } from "@/lib/webhooks-out/billing-events";
import { queueInvitationEmail, invitationAcceptUrl } from "./invitation-emails";
import { roleField } from "./members";
import { afterMembershipChange, lockAccount, lockedOrganizationAccess, recordOrgAudit } from "./org-access";

/** How long an invitation can be accepted. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export const invitationInput = z.strictObject({
  email: z.string({ message: "is required" }).trim().max(320).pipe(z.email("must be a valid email address")),
  role: roleField,
});

export const acceptInvitationInput = z.strictObject({
  token: z.string({ message: "is required" }).regex(LINK_TOKEN_PATTERN, "is not an invitation token"),
});

export interface CreatedInvitation {
  id: string;
  email: string;
  role: MembershipRole;
  expiresAt: string;
  /** The link to send the invitee (also emailed): carries the token, which is not stored. */
  acceptUrl: string;
}

const notUsable = (message: string) => new AppError("invitation_not_usable", message);

/**
 * Invites an address (owners and admins; only an owner may invite an owner). Single use, valid 7
 * days; only the token's SHA-256 is stored. Inviting an address that already has a pending
 * invitation to the organization revokes that one (its link stops working) and makes a new one.
 * An address that is already a member is a 409 `conflict`; a per-seat plan at its maximum is a 409
 * `seat_limit_reached`. The email is queued in the same transaction and sent after the commit.
 */
export async function createInvitation(
  actorUserId: string,
  orgId: string,
  input: { email: string; role: MembershipRole },
  requestOrigin?: string,
): Promise<CreatedInvitation> {
  const email = normalizeEmail(input.email);
  const token = newLinkToken();
  const acceptUrl = invitationAcceptUrl(token, requestOrigin);
  const db = await getDb();
  const created = await db.transaction(async (tx) => {
    const actor = await lockedOrganizationAccess(tx, actorUserId, orgId, "manage");
    if (input.role === "owner" && actor.role !== "owner") throw forbidden("Only an owner can invite an owner.");
    const [member] = await tx
      .select({ userId: memberships.userId })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.accountId, orgId), eq(users.email, email)))
      .limit(1);
    if (member) throw conflict(`${email} is already a member of this organization.`, { field: "email" });
    await assertSeatAvailable(tx, orgId, 1);
    const replaced = await tx
      .update(invitations)
      .set({ revokedAt: new Date() })
      .where(
        and(eq(invitations.accountId, orgId), eq(invitations.email, email), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)),
      )
      .returning({ id: invitations.id });
    const [row] = await tx
      .insert(invitations)
      .values({
        accountId: orgId,
        email,
        role: input.role,
        tokenHash: hashToken(token),
        invitedBy: actorUserId,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      })
      .returning();
    const [inviter] = await tx.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, actorUserId));
    await queueInvitationEmail(tx, {
      invitationId: row.id,
      orgId,
      orgName: actor.name,
      toEmail: email,
      role: row.role,
      inviter,
      acceptUrl,
      expiresAt: row.expiresAt,
    });
    await recordOrgAudit(tx, actorUserId, "invitation.created", orgId, {
      invitationId: row.id,
      email,
      role: row.role,
      replaced: replaced.map((r) => r.id),
    });
    return row;
  });
  await deliverAccountEmails(db);
  return { id: created.id, email: created.email, role: created.role, expiresAt: created.expiresAt.toISOString(), acceptUrl };
}

/**
 * Revokes an invitation of the organization (owners and admins): its link stops working (410).
 * Revoking a revoked or expired one is a harmless 200; one already accepted is a 410 (remove the
 * member instead). An id that is not this organization's invitation is a 404.
 */
export async function revokeInvitation(actorUserId: string, orgId: string, invitationId: string): Promise<{ revoked: true; id: string }> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    await lockedOrganizationAccess(tx, actorUserId, orgId, "manage");
    const [invitation] = await tx
      .select()
      .from(invitations)
      .where(and(eq(invitations.id, invitationId), eq(invitations.accountId, orgId)))
      .limit(1);
    if (!invitation) throw notFound("No such invitation.");
    if (invitation.acceptedAt) throw notUsable("This invitation was already accepted: remove the member instead.");
    if (!invitation.revokedAt) {
      await tx.update(invitations).set({ revokedAt: new Date() }).where(eq(invitations.id, invitationId));
      await recordOrgAudit(tx, actorUserId, "invitation.revoked", orgId, { invitationId, email: invitation.email });
    }
    return { revoked: true, id: invitationId };
  });
}

/**
 * Accepts an invitation for the signed-in user, who must be the invited address (403
 * `invitation_email_mismatch`) and must have verified it (403 `email_not_verified`): the link may
 * have been forwarded (the inviter is shown it to copy), and an unverified account is only a claim
 * on the address, so joining requires having proved it. An unknown token is a 404; an expired,
 * revoked or used one a 410 `invitation_not_usable`. Accepting again after joining (a double
 * submit), or an invitation to an organization the user already belongs to, is a 200 with the
 * current role and no second membership. Per-seat plans: a 409 `seat_limit_reached` at the
 * maximum; the seats are synced after the commit.
 */
export async function acceptInvitation(userId: string, token: string): Promise<{ orgId: string; role: MembershipRole }> {
  const db = await getDb();
  const tokenHash = hashToken(token);
  const outcome = await db.transaction(async (tx) => {
    const [found] = await tx
      .select({ accountId: invitations.accountId })
      .from(invitations)
      .where(eq(invitations.tokenHash, tokenHash))
      .limit(1);
    if (!found) throw notFound("No such invitation. Check the link, or ask for a new invitation.");
    // The same lock as every other change to the organization's members and invitations.
    await lockAccount(tx, found.accountId);
    const [invitation] = await tx.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).limit(1);
    if (!invitation) throw notFound("No such invitation. Check the link, or ask for a new invitation.");
    const orgId = invitation.accountId;
    const [user] = await tx.select({ email: users.email, emailVerifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, userId));
    if (!user) throw notFound("No such user.");
    if (user.email !== invitation.email) {
      throw new AppError(
        "invitation_email_mismatch",
        `This invitation is for ${invitation.email}, and you are signed in as ${user.email}. Sign in with the invited address to accept it.`,
      );
    }
    if (!user.emailVerifiedAt) {
      throw new AppError(
        "email_not_verified",
        "Confirm your email address first (use the link we emailed you, or ask for a new one), then accept the invitation.",
      );
    }
    const [member] = await tx
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.accountId, orgId), eq(memberships.userId, userId)))
      .limit(1);
    if (invitation.acceptedAt) {
      if (invitation.acceptedBy === userId && member) return { orgId, role: member.role, joined: false };
      throw notUsable("This invitation was already used. Ask for a new one.");
    }
    if (invitation.revokedAt) throw notUsable("This invitation was revoked. Ask for a new one.");
    if (invitation.expiresAt.getTime() <= Date.now()) throw notUsable("This invitation has expired. Ask for a new one.");
    const accepted = { acceptedAt: new Date(), acceptedBy: userId };
    if (member) {
      await tx.update(invitations).set(accepted).where(eq(invitations.id, invitation.id));
      await recordOrgAudit(tx, userId, "invitation.accepted", orgId, {
        invitationId: invitation.id,
        role: member.role,
        alreadyMember: true,
      });
      return { orgId, role: member.role, joined: false };
    }
    await assertSeatAvailable(tx, orgId, 1);
    await tx.insert(memberships).values({ accountId: orgId, userId, role: invitation.role });
    await emitSeatAdded(tx, orgId, { userId, role: invitation.role });
    await tx.update(invitations).set(accepted).where(eq(invitations.id, invitation.id));
    await recordOrgAudit(tx, userId, "invitation.accepted", orgId, {
      invitationId: invitation.id,
      role: invitation.role,
      alreadyMember: false,
    });
    return { orgId, role: invitation.role, joined: true };
  });
  if (outcome.joined) await afterMembershipChange(outcome.orgId);
  return { orgId: outcome.orgId, role: outcome.role };
}
