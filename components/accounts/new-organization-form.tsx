"use client";

import { useId, useState } from "react";
import { postApi } from "@/components/billing/api";
import { Button } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";

export interface CreatedOrganization {
  id: string;
  name: string;
  role: "owner";
}

/** Name → POST /api/orgs; the caller becomes its owner. Errors are shown under the field. */
export function NewOrganizationForm({ onCreated, compact = false }: { onCreated: (org: CreatedOrganization) => void; compact?: boolean }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();
  const id = useId();

  async function create(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await postApi<CreatedOrganization>("/api/orgs", { name });
    setBusy(false);
    if (!result.ok) return setError(`The organization was not created: ${result.message}`);
    setName("");
    onCreated(result.data);
  }

  return (
    <form onSubmit={create} className="space-y-2">
      <label
        htmlFor={`${id}-name`}
        className={compact ? "block text-xs font-medium text-gray-700" : "block text-sm font-medium text-gray-700"}
      >
        New organization
      </label>
      <div className="flex flex-wrap gap-2">
        <input
          id={`${id}-name`}
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. Acme Inc"
          aria-describedby={error ? `${id}-error` : undefined}
          className="min-w-0 flex-1 basis-40 rounded-md border border-gray-300 bg-surface px-3 py-1.5 text-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500"
        />
        <Button type="submit" disabled={busy || !hydrated} aria-busy={busy} className={compact ? "px-3 py-1.5" : ""}>
          {busy ? "Creating…" : "Create"}
        </Button>
      </div>
      {error && (
        <p id={`${id}-error`} role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
    </form>
  );
}
