"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { postApi } from "@/components/billing/api";
import { useHydrated } from "@/components/use-hydrated";
import { LabeledInput } from "./form-controls";

/**
 * Registers an outbound webhook endpoint through POST /api/billing/admin/webhook-endpoints. The API
 * checks the URL (https, public address) and the event types; the new secret is shown here once.
 */
export function WebhookEndpointForm({ eventTypes }: { eventTypes: readonly string[] }) {
  const router = useRouter();
  const hydrated = useHydrated();
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);
  const [secret, setSecret] = useState<string | null>(null);

  async function submit(form: HTMLFormElement) {
    const data = new FormData(form);
    const body = {
      url: String(data.get("url") ?? "").trim(),
      description: String(data.get("description") ?? "").trim(),
      eventTypes: data.getAll("eventTypes").map(String),
    };
    setBusy(true);
    setStatus(null);
    setSecret(null);
    const result = await postApi<{ endpoint: { url: string }; secret: string }>("/api/billing/admin/webhook-endpoints", body);
    setBusy(false);
    if (!result.ok) {
      setStatus({ error: true, text: result.message });
      return;
    }
    setStatus({ error: false, text: `Endpoint ${result.data.endpoint.url} added. Copy its signing secret now: it is not shown again.` });
    setSecret(result.data.secret);
    form.reset();
    router.refresh();
  }

  return (
    <form
      aria-label="New webhook endpoint"
      className="grid gap-3 rounded-lg border border-gray-200 bg-surface p-4 sm:grid-cols-2"
      onSubmit={(event) => {
        event.preventDefault();
        void submit(event.currentTarget);
      }}
    >
      <LabeledInput
        label="Endpoint URL"
        id="endpoint-url"
        name="url"
        type="url"
        required
        placeholder="https://example.com/billing-events"
        autoComplete="off"
      />
      <LabeledInput label="Description" id="endpoint-description" name="description" maxLength={200} placeholder="CRM sync" />
      <fieldset className="sm:col-span-2">
        <legend className="text-sm font-medium text-gray-700">Events</legend>
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {eventTypes.map((type) => (
            <label key={type} className="flex items-center gap-2 text-sm text-gray-700">
              <input type="checkbox" name="eventTypes" value={type} defaultChecked className="h-4 w-4" /> {type}
            </label>
          ))}
        </div>
      </fieldset>
      <button
        type="submit"
        disabled={busy || !hydrated}
        className="inline-flex h-9 items-center justify-center rounded-md bg-brand-600 px-4 text-sm font-medium text-white hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60 sm:w-fit"
      >
        {busy ? "Adding…" : "Add endpoint"}
      </button>
      <div role="status" className={`text-sm sm:col-span-2 ${status?.error ? "text-red-700 dark:text-red-300" : "text-gray-700"}`}>
        {status?.text ?? ""}
        {secret && (
          <code data-testid="endpoint-secret" className="mt-1 block break-all rounded bg-gray-100 px-2 py-1 font-mono text-gray-900">
            {secret}
          </code>
        )}
      </div>
    </form>
  );
}
