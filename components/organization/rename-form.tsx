"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { selectAccount } from "@/components/accounts/select-account";
import { callApi } from "@/components/billing/api";
import { Button } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import { describeFailure } from "./failure";
import { InlineError, inputClass } from "./inline-error";
import { orgPath } from "./types";

/** The organization's name (owners and admins): PATCH /api/orgs/{id}. */
export function RenameForm({ orgId, name }: { orgId: string; name: string }) {
  const router = useRouter();
  const [value, setValue] = useState(name);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  async function save(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    const result = await callApi<{ name: string }>(orgPath(orgId), { method: "PATCH", body: { name: value } });
    setBusy(false);
    if (!result.ok) return setError(describeFailure(result));
    setValue(result.data.name);
    setSaved(true);
    // The header's switcher and the page's heading show the new name.
    selectAccount(orgId);
    router.refresh();
  }

  return (
    <form onSubmit={save} className="space-y-2">
      <label htmlFor="org-name" className="block text-sm font-medium text-gray-700">
        Organization name
      </label>
      <div className="flex flex-wrap gap-2">
        <input
          id="org-name"
          required
          maxLength={100}
          value={value}
          onChange={(e) => {
            setValue(e.target.value);
            setSaved(false);
          }}
          aria-describedby={error ? "org-name-error" : undefined}
          className={`${inputClass} min-w-0 flex-1 basis-48`}
        />
        <Button type="submit" disabled={busy || !hydrated || value.trim() === name} aria-busy={busy}>
          {busy ? "Saving…" : "Rename"}
        </Button>
      </div>
      <InlineError id="org-name-error" message={error} />
      {saved && (
        <p role="status" className="text-sm text-green-700 dark:text-green-300">
          Saved.
        </p>
      )}
    </form>
  );
}
