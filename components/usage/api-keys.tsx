"use client";

import { useState } from "react";
import { callApi, postApi } from "@/components/billing/api";
import { Alert } from "@/components/ui";
import type { ApiKeyView } from "@/lib/auth/api-keys";
import { ApiKeyForm, ApiKeyList } from "./api-key-list";

type CopyState = "idle" | "copied" | "failed";

/** Create (the key is shown once, with Copy), list and revoke (after a confirmation) API keys. */
export function ApiKeys({ accountId, initial }: { accountId: string; initial: ApiKeyView[] }) {
  const [keys, setKeys] = useState(initial);
  const [name, setName] = useState("");
  const [expiresOn, setExpiresOn] = useState("");
  const [created, setCreated] = useState<{ id: string; name: string; key: string } | null>(null);
  const [copy, setCopy] = useState<CopyState>("idle");
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function create(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const expiresAt = expiresOn ? new Date(`${expiresOn}T23:59:59Z`).toISOString() : undefined;
    const res = await postApi<ApiKeyView & { key: string }>("/api/billing/api-keys", { accountId, name, expiresAt });
    setBusy(false);
    if (!res.ok) return setError(res.message);
    const { key, ...row } = res.data;
    setCreated({ id: row.id, name: row.name, key });
    setCopy("idle");
    setKeys((current) => [{ ...row, lastUsedAt: null }, ...current]);
    setName("");
    setExpiresOn("");
  }

  async function copyKey() {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopy("copied");
    } catch {
      setCopy("failed");
    }
  }

  async function revoke(id: string) {
    setError(null);
    setBusy(true);
    const res = await callApi(`/api/billing/api-keys/${id}`, { method: "DELETE", body: { accountId } });
    setBusy(false);
    if (!res.ok) return setError(res.message);
    setConfirming(null);
    setKeys((current) => current.filter((k) => k.id !== id));
    if (created?.id === id) setCreated(null);
  }

  function cancelRevoke() {
    const id = confirming;
    setConfirming(null);
    // Focus goes back to the Revoke button the confirmation replaced.
    requestAnimationFrame(() => document.querySelector<HTMLButtonElement>(`[data-key-id="${id}"]`)?.focus());
  }

  return (
    <div className="space-y-4">
      <ApiKeyForm name={name} expiresOn={expiresOn} onName={setName} onExpiresOn={setExpiresOn} onSubmit={create} disabled={busy} />
      {error && <Alert>{error}</Alert>}
      {created && (
        <Alert tone="success" testId="new-api-key">
          <p>
            Copy the key for <strong>{created.name}</strong> now: it will not be shown again.
          </p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <code
              className="min-w-0 flex-1 basis-64 break-all rounded border border-gray-300 bg-surface px-2 py-1 font-mono text-xs text-gray-900"
              data-testid="new-api-key-value"
            >
              {created.key}
            </code>
            <button
              type="button"
              onClick={() => void copyKey()}
              className="rounded-md border border-gray-300 bg-surface px-3 py-1 text-xs font-medium text-gray-900 hover:bg-gray-100"
            >
              Copy
            </button>
            <span aria-live="polite" className="text-xs font-medium" data-testid="copy-confirmation">
              {copy === "copied" && "Copied"}
              {copy === "failed" && "Could not copy: select the key and copy it by hand."}
            </span>
          </div>
        </Alert>
      )}
      <ApiKeyList
        keys={keys}
        disabled={busy}
        confirming={confirming}
        onRevoke={setConfirming}
        onConfirmRevoke={(id) => void revoke(id)}
        onCancelRevoke={cancelRevoke}
      />
    </div>
  );
}
