"use client";

import { useState } from "react";
import { callApi } from "@/components/billing/api";
import { useHydrated } from "@/components/use-hydrated";
import { formatShortDate } from "@/lib/format";
import { describeFailure } from "./failure";
import { InlineError, secondaryButton } from "./inline-error";
import { ROLE_LABELS, orgPath, type InvitationView } from "./types";

/** Pending invitations (owners and admins), each revocable: its link stops working at once. */
export function InvitationList({ orgId, invitations, onChanged }: { orgId: string; invitations: InvitationView[]; onChanged: () => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const hydrated = useHydrated();

  async function revoke(id: string) {
    setBusy(id);
    setErrors(({ [id]: _, ...rest }) => rest);
    const result = await callApi(orgPath(orgId, "invitations", id), { method: "DELETE" });
    setBusy(null);
    if (!result.ok) return setErrors((e) => ({ ...e, [id]: describeFailure(result) }));
    onChanged();
  }

  if (invitations.length === 0) return <p className="text-sm text-gray-600">No pending invitations.</p>;
  return (
    <ul className="divide-y divide-gray-200 text-sm" aria-label="Pending invitations" data-testid="invitation-list">
      {invitations.map((invitation) => (
        <li key={invitation.id} className="space-y-1 py-3" data-testid="invitation-row">
          <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2">
            <div className="min-w-0">
              <p className="break-all font-medium">{invitation.email}</p>
              <p className="text-xs text-gray-600">
                {ROLE_LABELS[invitation.role]} · expires {formatShortDate(invitation.expiresAt)}
              </p>
            </div>
            <button
              type="button"
              className={secondaryButton}
              disabled={busy !== null || !hydrated}
              aria-busy={busy === invitation.id}
              aria-label={`Revoke the invitation for ${invitation.email}`}
              onClick={() => void revoke(invitation.id)}
            >
              Revoke
            </button>
          </div>
          <InlineError message={errors[invitation.id] ?? null} />
        </li>
      ))}
    </ul>
  );
}
