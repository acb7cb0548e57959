import type { Metadata } from "next";
import Link from "next/link";
import { AcceptInvitation } from "@/components/invitations/accept-invitation";
import { Card } from "@/components/ui";
import { previewInvitation } from "@/lib/accounts/invitation-preview";
import { getCurrentUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Invitation" };
export const dynamic = "force-dynamic";

const primary = "inline-flex rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700";
const secondary = "inline-flex rounded-md border border-gray-300 bg-surface px-4 py-2 text-sm font-medium hover:bg-gray-100";

const GONE = {
  accepted: "This invitation was already used. Ask an owner or admin of the organization for a new one.",
  revoked: "This invitation was revoked. Ask an owner or admin of the organization for a new one.",
  expired: "This invitation has expired (they last 7 days). Ask an owner or admin of the organization for a new one.",
} as const;

/** The link from an invitation email (or copied by the inviter): sign in or up, then accept. */
export default async function AcceptInvitationPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const raw = (await searchParams).token;
  const token = (Array.isArray(raw) ? raw[0] : raw) ?? "";
  const user = await getCurrentUser();
  const invitation = await previewInvitation(token, user?.id ?? null);
  const here = `/invitations/accept?token=${encodeURIComponent(token)}`;

  let body: React.ReactNode;
  if (invitation.state === "not_found") {
    body = (
      <>
        <h1 className="text-2xl font-semibold">Invitation not found</h1>
        <p className="text-gray-600" data-testid="invitation-state">
          This link does not match any invitation. Check that you opened the whole link, or ask for a new invitation.
        </p>
      </>
    );
  } else if (invitation.state !== "open") {
    body = (
      <>
        <h1 className="text-2xl font-semibold">Invitation to {invitation.orgName}</h1>
        <p className="text-gray-600" data-testid="invitation-state">
          {GONE[invitation.state]}
        </p>
      </>
    );
  } else if (!user) {
    body = (
      <>
        <h1 className="text-2xl font-semibold">Join {invitation.orgName}</h1>
        <p className="text-gray-600">
          You are invited to join {invitation.orgName} as {invitation.role}. Sign in, or create an account, with the email address the
          invitation was sent to; you come back here to accept.
        </p>
        <div className="flex flex-wrap gap-3">
          <Link href={`/sign-in?callbackUrl=${encodeURIComponent(here)}`} className={primary}>
            Sign in to accept
          </Link>
          <Link href={`/sign-up?callbackUrl=${encodeURIComponent(here)}`} className={secondary}>
            Create an account
          </Link>
        </div>
      </>
    );
  } else if (invitation.alreadyMember) {
    body = (
      <>
        <h1 className="text-2xl font-semibold">You are already a member of {invitation.orgName}</h1>
        <p className="text-gray-600">Choose {invitation.orgName} in the account switcher in the header to use its plan.</p>
        <Link href="/dashboard" className={primary}>
          Go to the dashboard
        </Link>
      </>
    );
  } else {
    body = (
      <>
        <h1 className="text-2xl font-semibold">Join {invitation.orgName}</h1>
        <p className="text-gray-600">
          You are signed in as <strong className="font-medium text-gray-900">{user.email}</strong>. As{" "}
          {invitation.role === "member" ? "a" : "an"} {invitation.role} you use the organization&apos;s plan
          {invitation.role === "member" ? "" : " and manage its billing and members"}.
        </p>
        <AcceptInvitation token={token} orgName={invitation.orgName} role={invitation.role} email={user.email} />
      </>
    );
  }

  return (
    <div className="mx-auto max-w-xl">
      <Card className="space-y-4">{body}</Card>
    </div>
  );
}
