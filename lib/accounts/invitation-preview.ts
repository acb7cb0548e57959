import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { accounts, invitations, memberships, type MembershipRole } from "@/db/schema";
import { hashToken, LINK_TOKEN_PATTERN } from "@/lib/auth/account-emails";

/** What the accept page can say about an invitation link before anyone accepts it. */
export type InvitationPreview =
  | { state: "not_found" }
  | {
      state: "open" | "accepted" | "revoked" | "expired";
      orgName: string;
      role: MembershipRole;
      /** The signed-in viewer is already a member of the organization. */
      alreadyMember: boolean;
    };

/**
 * The invitation a link's token names (the token is the secret: whoever holds it may see the
 * organization's name and the role, as the email says). Read-only: accepting is
 * POST /api/orgs/invitations/accept, which decides everything again.
 */
export async function previewInvitation(token: string, viewerUserId: string | null, now = new Date()): Promise<InvitationPreview> {
  if (!LINK_TOKEN_PATTERN.test(token)) return { state: "not_found" };
  const db = await getDb();
  const [row] = await db
    .select({
      orgName: accounts.name,
      role: invitations.role,
      acceptedAt: invitations.acceptedAt,
      revokedAt: invitations.revokedAt,
      expiresAt: invitations.expiresAt,
      memberRole: memberships.role,
    })
    .from(invitations)
    .innerJoin(accounts, eq(accounts.id, invitations.accountId))
    .leftJoin(
      memberships,
      and(eq(memberships.accountId, invitations.accountId), viewerUserId ? eq(memberships.userId, viewerUserId) : sql`false`),
    )
    .where(eq(invitations.tokenHash, hashToken(token)))
    .limit(1);
  if (!row) return { state: "not_found" };
  const state = row.acceptedAt ? "accepted" : row.revokedAt ? "revoked" : row.expiresAt.getTime() <= now.getTime() ? "expired" : "open";
  return { state, orgName: row.orgName, role: row.role, alreadyMember: row.memberRole !== null };
}
