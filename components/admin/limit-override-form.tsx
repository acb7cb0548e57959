"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { postApi } from "@/components/billing/api";
import { useHydrated } from "@/components/use-hydrated";

/** Sets one meter's per-customer limit: a number, unlimited, or back to the plan's limit. */
export function LimitOverrideForm({ userId, meter, label, overridden }: { userId: string; meter: string; label: string; overridden: boolean }) {
  const router = useRouter();
  const id = useId();
  const [value, setValue] = useState("");
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  async function save(limit: number | "unlimited" | null) {
    setBusy(true);
    setStatus(null);
    const result = await postApi(`/api/billing/admin/users/${userId}/limits`, { meter, limit });
    setBusy(false);
    if (!result.ok) {
      setStatus({ error: true, text: result.message });
      return;
    }
    setStatus({ error: false, text: limit === null ? "Back to the plan's limit." : "Limit saved." });
    setValue("");
    router.refresh();
  }

  const button =
    "rounded-md border border-gray-300 bg-surface px-2.5 py-1.5 text-sm font-medium text-gray-900 hover:bg-gray-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60";
  return (
    <form
      className="flex flex-wrap items-center gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        const n = Number(value);
        if (value.trim() === "" || !Number.isInteger(n) || n < 0) {
          setStatus({ error: true, text: "Enter a whole number of 0 or more." });
          return;
        }
        void save(n);
      }}
    >
      <label htmlFor={id} className="sr-only">
        Custom limit for {label}
      </label>
      <input
        id={id}
        inputMode="numeric"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        placeholder="Custom limit"
        className="w-32 rounded-md border border-gray-300 bg-surface px-2 py-1.5 text-sm text-gray-900 focus:outline-none focus:ring-2 focus:ring-brand-500"
      />
      <button type="submit" disabled={busy || !hydrated} className={button}>
        Set limit<span className="sr-only"> for {label}</span>
      </button>
      <button type="button" disabled={busy || !hydrated} className={button} onClick={() => save("unlimited")}>
        Unlimited<span className="sr-only"> {label}</span>
      </button>
      {overridden && (
        <button type="button" disabled={busy || !hydrated} className={button} onClick={() => save(null)}>
          Use plan limit<span className="sr-only"> for {label}</span>
        </button>
      )}
      <span role="status" className={`text-sm ${status?.error ? "text-red-700" : "text-gray-700"}`}>
        {status?.text ?? ""}
      </span>
    </form>
  );
}
