"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { selectAccount } from "@/components/accounts/select-account";
import { callApi } from "@/components/billing/api";
import { useHydrated } from "@/components/use-hydrated";
import { describeFailure } from "./failure";
import { InlineError, dangerButton, secondaryButton } from "./inline-error";
import { orgPath, type OrganizationViewer } from "./types";

type Action = "leave" | "delete";

const COPY: Record<Action, { button: string; confirm: (org: string) => string; go: string; busy: string }> = {
  leave: {
    button: "Leave organization",
    confirm: (org) => `You lose access to ${org} and its plan at once. An owner or admin can invite you again.`,
    go: "Leave",
    busy: "Leaving…",
  },
  delete: {
    button: "Delete organization",
    confirm: (org) =>
      `${org}, its members, usage and API keys are deleted for good. A live subscription must be cancelled and ended first.`,
    go: "Delete for good",
    busy: "Deleting…",
  },
};

/**
 * Leave (any member; the last owner is refused with 409 `last_owner`) and delete (owners; 409
 * `subscription_exists` while a paid subscription is alive), each after a confirmation. Afterwards
 * the personal account is selected.
 */
export function LeaveOrDelete({ viewer }: { viewer: OrganizationViewer }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<Action, string>>>({});
  const hydrated = useHydrated();
  const actions: Action[] = viewer.role === "owner" ? ["leave", "delete"] : ["leave"];

  async function run(action: Action) {
    setBusy(true);
    setErrors({});
    const path = action === "leave" ? orgPath(viewer.orgId, "members", viewer.userId) : orgPath(viewer.orgId);
    const result = await callApi(path, { method: "DELETE" });
    setBusy(false);
    if (!result.ok) return setErrors({ [action]: describeFailure(result) });
    selectAccount(viewer.userId); // the personal account's id is the user's
    router.push("/dashboard");
    router.refresh();
  }

  return (
    <div className="space-y-4">
      {actions.map((action) => (
        <div key={action} className="space-y-2">
          {confirming === action ? (
            <div
              role="group"
              aria-labelledby={`${action}-confirm-text`}
              className="space-y-3 rounded-md border border-red-200 bg-red-50 p-4 text-sm dark:border-red-900 dark:bg-red-950"
            >
              <p id={`${action}-confirm-text`} className="text-red-900 dark:text-red-200">
                {COPY[action].confirm(viewer.orgName)}
              </p>
              <div className="flex flex-wrap gap-2">
                <button type="button" autoFocus className={dangerButton} disabled={busy} aria-busy={busy} onClick={() => void run(action)}>
                  {busy ? COPY[action].busy : COPY[action].go}
                </button>
                <button type="button" className={secondaryButton} disabled={busy} onClick={() => setConfirming(null)}>
                  Cancel
                </button>
              </div>
            </div>
          ) : (
            <button type="button" className={secondaryButton} disabled={busy || !hydrated} onClick={() => setConfirming(action)}>
              {COPY[action].button}
            </button>
          )}
          <InlineError message={errors[action] ?? null} />
        </div>
      ))}
    </div>
  );
}
