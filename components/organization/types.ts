import type { MembershipRole } from "@/db/schema";

/** GET /api/orgs/{id}/members (issue 20's contract). */
export interface MemberView {
  userId: string;
  email: string;
  name: string | null;
  role: MembershipRole;
}

export interface InvitationView {
  id: string;
  email: string;
  role: MembershipRole;
  expiresAt: string;
}

export interface MembersAnswer {
  members: MemberView[];
  invitations: InvitationView[];
}

/** The organization the settings page is for, and who is looking at it. */
export interface OrganizationViewer {
  orgId: string;
  orgName: string;
  userId: string;
  role: MembershipRole;
}

export const ROLE_LABELS: Record<MembershipRole, string> = { owner: "Owner", admin: "Admin", member: "Member" };

/** The roles `actor` may give: only an owner makes owners. */
export const assignableRoles = (actor: MembershipRole): MembershipRole[] =>
  actor === "owner" ? ["owner", "admin", "member"] : ["admin", "member"];

export const orgPath = (orgId: string, ...rest: string[]) =>
  ["/api/orgs", encodeURIComponent(orgId), ...rest.map(encodeURIComponent)].join("/");
