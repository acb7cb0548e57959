"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { selectAccount } from "@/components/accounts/select-account";
import { postApi, type ApiFailure } from "@/components/billing/api";
import { Alert, Button } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";

/** The refusals of POST /api/orgs/invitations/accept, in plain words. */
function refusal(failure: ApiFailure, email: string): string {
  switch (failure.error) {
    case "invitation_email_mismatch":
      return `This invitation was sent to another email address, and you are signed in as ${email}. Sign out and sign in (or sign up) with the address the invitation was sent to.`;
    case "email_not_verified":
      return `Confirm your email address ${email} first, with the link we emailed you (or ask for a new one on your billing page), then accept the invitation.`;
    case "invitation_not_usable":
      return `This invitation can no longer be used: ${failure.message}`;
    case "not_found":
      return "This invitation does not exist. Check that you opened the whole link, or ask for a new invitation.";
    case "seat_limit_reached":
      return `The organization has no free seat: ${failure.message} Ask an owner or admin.`;
    default:
      return `The invitation could not be accepted: ${failure.message}`;
  }
}

/** "Accept invitation to <org> as <role>": joins, selects the organization and goes to the dashboard. */
export function AcceptInvitation({ token, orgName, role, email }: { token: string; orgName: string; role: string; email: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const hydrated = useHydrated();

  async function accept() {
    setBusy(true);
    setError(null);
    const result = await postApi<{ orgId: string; role: string }>("/api/orgs/invitations/accept", { token });
    if (!result.ok) {
      setBusy(false);
      return setError(refusal(result, email));
    }
    selectAccount(result.data.orgId);
    router.push("/dashboard");
    router.refresh();
  }

  return (
    <div className="space-y-4">
      {error && <Alert testId="accept-error">{error}</Alert>}
      <Button type="button" onClick={() => void accept()} disabled={busy || !hydrated} aria-busy={busy}>
        {busy ? "Accepting…" : `Accept invitation to ${orgName} as ${role}`}
      </Button>
    </div>
  );
}
