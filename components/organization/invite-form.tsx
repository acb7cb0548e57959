"use client";

import { useState } from "react";
import type { MembershipRole } from "@/db/schema";
import { postApi } from "@/components/billing/api";
import { Alert, Button } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import { describeFailure } from "./failure";
import { InlineError, inputClass, secondaryButton } from "./inline-error";
import { ROLE_LABELS, assignableRoles, orgPath, type InvitationView, type OrganizationViewer } from "./types";

type Created = InvitationView & { acceptUrl: string };

/** Email and role → POST /api/orgs/{id}/invitations; the link is emailed and shown here to copy. */
export function InviteForm({ viewer, onInvited }: { viewer: OrganizationViewer; onInvited: () => void }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<MembershipRole>("member");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const [copy, setCopy] = useState<"idle" | "copied" | "failed">("idle");
  const hydrated = useHydrated();

  async function invite(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await postApi<Created>(orgPath(viewer.orgId, "invitations"), { email, role });
    setBusy(false);
    if (!result.ok) return setError(describeFailure(result));
    setCreated(result.data);
    setCopy("idle");
    setEmail("");
    onInvited();
  }

  async function copyLink() {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.acceptUrl);
      setCopy("copied");
    } catch {
      setCopy("failed");
    }
  }

  return (
    <div className="space-y-3">
      <form onSubmit={invite} className="flex flex-wrap items-end gap-3" aria-label="Invite a member">
        <div className="min-w-0 flex-1 basis-56 space-y-1">
          <label htmlFor="invite-email" className="block text-sm font-medium text-gray-700">
            Email address
          </label>
          <input
            id="invite-email"
            type="email"
            required
            maxLength={254}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-describedby={error ? "invite-error" : undefined}
            className={inputClass}
          />
        </div>
        <div className="space-y-1">
          <label htmlFor="invite-role" className="block text-sm font-medium text-gray-700">
            Role
          </label>
          <select
            id="invite-role"
            value={role}
            onChange={(e) => setRole(e.target.value as MembershipRole)}
            className="rounded-md border border-gray-300 bg-surface px-2 py-1.5 text-sm"
          >
            {assignableRoles(viewer.role).map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
        </div>
        <Button type="submit" disabled={busy || !hydrated} aria-busy={busy}>
          {busy ? "Inviting…" : "Send invitation"}
        </Button>
      </form>
      <InlineError id="invite-error" message={error} />
      {created && (
        <Alert tone="success" testId="invitation-created">
          <p>
            We emailed an invitation to <strong>{created.email}</strong> as {ROLE_LABELS[created.role].toLowerCase()}. You can also send
            them this link; it works once, for that address, for 7 days.
          </p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <code
              className="min-w-0 flex-1 basis-64 break-all rounded border border-gray-300 bg-surface px-2 py-1 font-mono text-xs text-gray-900"
              data-testid="invitation-link"
            >
              {created.acceptUrl}
            </code>
            <button type="button" onClick={() => void copyLink()} className={secondaryButton}>
              Copy link
            </button>
            <span aria-live="polite" className="text-xs font-medium">
              {copy === "copied" && "Copied"}
              {copy === "failed" && "Could not copy: select the link and copy it by hand."}
            </span>
          </div>
        </Alert>
      )}
    </div>
  );
}
