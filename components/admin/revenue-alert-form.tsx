"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { postApi } from "@/components/billing/api";
import { useHydrated } from "@/components/use-hydrated";
import { LabeledInput } from "./form-controls";

/**
 * One revenue alert rule's settings, saved through POST /api/billing/admin/alerts. The API checks every
 * field (zod) and answers what is wrong; this form only shapes the values.
 */
export function RevenueAlertForm({
  rule,
  label,
  enabled,
  percent,
  windowDays,
}: {
  rule: string;
  label: string;
  enabled: boolean;
  percent: number;
  windowDays: number;
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);

  async function submit(form: HTMLFormElement) {
    const data = new FormData(form);
    const number = (name: string) => {
      const value = String(data.get(name) ?? "").trim();
      return value === "" ? undefined : Number(value);
    };
    setBusy(true);
    setStatus(null);
    const result = await postApi<{ changed: boolean }>("/api/billing/admin/alerts", {
      rule,
      enabled: data.get("enabled") === "on",
      percent: number("percent"),
      windowDays: number("windowDays"),
    });
    setBusy(false);
    if (!result.ok) {
      setStatus({ error: true, text: result.message });
      return;
    }
    setStatus({ error: false, text: result.data.changed ? "Saved: applies at the next run of the delivery job." : "No change." });
    router.refresh();
  }

  return (
    <form
      aria-label={`${label} settings`}
      className="grid gap-3 sm:grid-cols-4 sm:items-end"
      onSubmit={(event) => {
        event.preventDefault();
        void submit(event.currentTarget);
      }}
    >
      <div className="flex items-center gap-2 sm:pb-2">
        <input id={`${id}-enabled`} name="enabled" type="checkbox" defaultChecked={enabled} className="h-4 w-4 rounded border-gray-300" />
        <label htmlFor={`${id}-enabled`} className="text-sm font-medium text-gray-700">
          Enabled
        </label>
      </div>
      <LabeledInput
        label="Threshold (%)"
        id={`${id}-percent`}
        name="percent"
        type="number"
        inputMode="decimal"
        step="0.01"
        min="0.01"
        max="100"
        defaultValue={percent}
        required
      />
      <LabeledInput
        label="Window (days)"
        id={`${id}-window`}
        name="windowDays"
        type="number"
        inputMode="numeric"
        step="1"
        min="1"
        max="90"
        defaultValue={windowDays}
        required
      />
      <button
        type="submit"
        disabled={busy || !hydrated}
        className="inline-flex h-9 items-center justify-center rounded-md bg-brand-600 px-4 text-sm font-medium text-white hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60"
      >
        Save<span className="sr-only"> {label}</span>
      </button>
      <p role="status" className={`text-sm sm:col-span-4 ${status?.error ? "text-red-700 dark:text-red-300" : "text-gray-700"}`}>
        {status?.text ?? ""}
      </p>
    </form>
  );
}
