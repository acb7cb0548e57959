"use client";

import { useId, useState } from "react";
import type { MembershipRole } from "@/db/schema";
import { callApi } from "@/components/billing/api";
import { useHydrated } from "@/components/use-hydrated";
import { describeFailure } from "./failure";
import { InlineError, secondaryButton } from "./inline-error";
import { ROLE_LABELS, assignableRoles, orgPath, type MemberView, type OrganizationViewer } from "./types";

/**
 * One member: name, email and role; for owners and admins a role picker ("Owner" transfers
 * ownership: only an owner may give it) and Remove (which asks first). The API's refusal (the last
 * owner, an admin touching an owner) is shown on the row.
 */
export function MemberRow({ member, viewer, onChanged }: { member: MemberView; viewer: OrganizationViewer; onChanged: () => void }) {
  const [role, setRole] = useState<MembershipRole>(member.role);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const hydrated = useHydrated();
  const id = useId();
  const self = member.userId === viewer.userId;
  const manages = viewer.role === "owner" || viewer.role === "admin";
  // Admins cannot change or remove owners (the API says so too); nobody removes themself here (Leave does).
  const canEdit = manages && (viewer.role === "owner" || member.role !== "owner");
  const roles = assignableRoles(viewer.role);
  const who = member.name || member.email;

  async function act(request: Promise<Awaited<ReturnType<typeof callApi>>>) {
    setBusy(true);
    setError(null);
    const result = await request;
    setBusy(false);
    if (!result.ok) return setError(describeFailure(result));
    setConfirming(false);
    onChanged();
  }

  const changeRole = () => act(callApi(orgPath(viewer.orgId, "members", member.userId), { method: "PATCH", body: { role } }));
  const remove = () => act(callApi(orgPath(viewer.orgId, "members", member.userId), { method: "DELETE" }));

  return (
    <li className="space-y-2 py-3" data-testid="member-row" data-email={member.email}>
      <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2">
        <div className="min-w-0">
          <p className="break-words font-medium">
            {who}
            {self && <span className="font-normal text-gray-600"> (you)</span>}
          </p>
          {member.name && <p className="break-all text-xs text-gray-600">{member.email}</p>}
        </div>
        {canEdit ? (
          <div className="flex flex-wrap items-center gap-2">
            <label htmlFor={`${id}-role`} className="sr-only">
              Role of {who}
            </label>
            <select
              id={`${id}-role`}
              value={role}
              onChange={(e) => setRole(e.target.value as MembershipRole)}
              disabled={busy || !hydrated}
              className="rounded-md border border-gray-300 bg-surface px-2 py-1.5 text-sm"
            >
              {[...new Set([member.role, ...roles])].map((r) => (
                <option key={r} value={r} disabled={!roles.includes(r)}>
                  {ROLE_LABELS[r]}
                </option>
              ))}
            </select>
            {role !== member.role && (
              <button type="button" className={secondaryButton} disabled={busy || !hydrated} onClick={() => void changeRole()}>
                {role === "owner" ? `Make ${who} an owner` : "Change role"}
              </button>
            )}
            {!self && !confirming && (
              <button
                type="button"
                className={secondaryButton}
                disabled={busy || !hydrated}
                onClick={() => setConfirming(true)}
                aria-label={`Remove ${who}`}
              >
                Remove
              </button>
            )}
          </div>
        ) : (
          <span className="rounded-full bg-gray-100 px-2 py-0.5 text-xs font-medium text-gray-700" data-testid="member-role">
            {ROLE_LABELS[member.role]}
          </span>
        )}
      </div>
      {confirming && (
        <div role="group" aria-label={`Remove ${who}?`} className="flex flex-wrap items-center gap-2 text-sm">
          <span className="text-gray-700">{who} loses access to this organization at once.</span>
          <button
            type="button"
            autoFocus
            className="rounded-md bg-red-700 px-3 py-1 text-xs font-medium text-white hover:bg-red-800 disabled:opacity-60"
            disabled={busy}
            onClick={() => void remove()}
          >
            Remove member
          </button>
          <button type="button" className={secondaryButton} disabled={busy} onClick={() => setConfirming(false)}>
            Keep
          </button>
        </div>
      )}
      <InlineError message={error} />
    </li>
  );
}
