"use client";

import { useState } from "react";
import { callApi, postApi } from "@/components/billing/api";
import { Alert, Button, Field } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import type { ApiKeyView } from "@/lib/auth/api-keys";
import { formatDate } from "@/lib/format";

type ApiKeyRow = ApiKeyView;

/** Create (the key is shown once), list and revoke API keys. */
export function ApiKeys({ initial }: { initial: ApiKeyRow[] }) {
  const hydrated = useHydrated();
  const [keys, setKeys] = useState(initial);
  const [name, setName] = useState("");
  const [expiresOn, setExpiresOn] = useState("");
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function create(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const expiresAt = expiresOn ? new Date(`${expiresOn}T23:59:59Z`).toISOString() : undefined;
    const res = await postApi<ApiKeyRow & { key: string }>("/api/billing/api-keys", { name, expiresAt });
    setBusy(false);
    if (!res.ok) return setError(res.message);
    const { key, ...row } = res.data;
    setCreated({ name: row.name, key });
    setKeys((current) => [{ ...row, lastUsedAt: null }, ...current]);
    setName("");
    setExpiresOn("");
  }

  async function revoke(id: string) {
    setError(null);
    const res = await callApi(`/api/billing/api-keys/${id}`, { method: "DELETE" });
    if (!res.ok) return setError(res.message);
    setKeys((current) => current.filter((k) => k.id !== id));
    if (created && keys.find((k) => k.id === id)?.name === created.name) setCreated(null);
  }

  return (
    <div className="space-y-4">
      <form onSubmit={create} className="flex flex-wrap items-end gap-3">
        <div className="min-w-48 flex-1">
          <Field label="Key name" id="api-key-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="e.g. backend" />
        </div>
        <div>
          <Field label="Expires on (optional)" id="api-key-expires" type="date" value={expiresOn} onChange={(e) => setExpiresOn(e.target.value)} />
        </div>
        <Button type="submit" disabled={busy || !hydrated}>
          Create key
        </Button>
      </form>
      {error && <Alert>{error}</Alert>}
      {created && (
        <Alert tone="success" testId="new-api-key">
          <p>
            Copy the key for <strong>{created.name}</strong> now: it will not be shown again.
          </p>
          <code className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono text-xs text-gray-900" data-testid="new-api-key-value">
            {created.key}
          </code>
        </Alert>
      )}
      {keys.length === 0 ? (
        <p className="text-sm text-gray-600">No API keys yet.</p>
      ) : (
        <table className="w-full text-left text-sm" data-testid="api-key-list">
          <thead className="text-xs uppercase text-gray-500">
            <tr>
              <th className="py-2">Name</th>
              <th className="py-2">Key</th>
              <th className="py-2">Created</th>
              <th className="py-2">Last used</th>
              <th className="py-2">Expires</th>
              <th className="py-2">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} className="border-t border-gray-100">
                <td className="py-2 font-medium">{k.name}</td>
                <td className="py-2 font-mono text-xs">{k.prefix}…</td>
                <td className="py-2">{formatDate(k.createdAt)}</td>
                <td className="py-2">{k.lastUsedAt ? formatDate(k.lastUsedAt) : "Never"}</td>
                <td className="py-2">{k.expiresAt ? formatDate(k.expiresAt) : "Never"}</td>
                <td className="py-2 text-right">
                  <button type="button" disabled={!hydrated} onClick={() => revoke(k.id)} className="text-red-700 hover:underline disabled:opacity-60" aria-label={`Revoke ${k.name}`}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
