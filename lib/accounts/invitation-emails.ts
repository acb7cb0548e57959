import "server-only";
import type { Queryable } from "@/db/client";
import type { MembershipRole } from "@/db/schema";
import { appUrl } from "@/lib/app-url";
import { queueAccountEmail } from "@/lib/auth/account-emails";

export const INVITATION_EMAIL_KIND = "organization_invitation";

/** The link that accepts an invitation: the accept page, with the token in the query. */
export const invitationAcceptUrl = (token: string, requestOrigin?: string) =>
  `${appUrl(requestOrigin)}/invitations/accept?token=${encodeURIComponent(token)}`;

export interface InvitationEmail {
  invitationId: string;
  orgId: string;
  orgName: string;
  toEmail: string;
  role: MembershipRole;
  inviter: { email: string; name: string | null };
  acceptUrl: string;
  expiresAt: Date;
}

/**
 * Queues the invitation email in the account email outbox (lib/auth/account-emails.ts: SMTP when
 * configured, the outbox otherwise), inside the caller's transaction so the email exists exactly
 * when the invitation does; the caller delivers after the commit. Recorded against the
 * organization's account (the invited person may not have one yet), once per invitation.
 */
export async function queueInvitationEmail(db: Queryable, email: InvitationEmail): Promise<void> {
  const inviter = email.inviter.name ? `${email.inviter.name} (${email.inviter.email})` : email.inviter.email;
  const article = email.role === "admin" || email.role === "owner" ? "an" : "a";
  await queueAccountEmail(db, {
    userId: email.orgId,
    toEmail: email.toEmail,
    kind: INVITATION_EMAIL_KIND,
    sourceId: `invitation:${email.invitationId}`,
    subject: `You are invited to join ${email.orgName}`,
    body:
      `${inviter} invited you to join ${email.orgName} as ${article} ${email.role}.\n\n` +
      `Open this link to accept, signed in as ${email.toEmail} (create an account with that address if you have none):\n\n` +
      `${email.acceptUrl}\n\n` +
      `The invitation works once and expires on ${email.expiresAt.toUTCString()}. If you did not expect it, ignore this email.`,
  });
}
