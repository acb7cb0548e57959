"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { postApi } from "@/components/billing/api";
import { useHydrated } from "@/components/use-hydrated";

/**
 * Posts to an admin API, then re-renders the page from the server. The outcome (the API's
 * `message` when it sends one, else `done`) is announced in a live region next to the button.
 */
export function ActionButton({
  url,
  body,
  label,
  pendingLabel,
  done,
  tone = "primary",
}: {
  url: string;
  body?: unknown;
  label: string;
  pendingLabel: string;
  done: string;
  tone?: "primary" | "secondary" | "danger";
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const [state, setState] = useState<{ kind: "idle" | "busy" | "ok" | "error"; message?: string }>({ kind: "idle" });
  const tones = {
    primary: "bg-brand-600 text-white hover:bg-brand-700",
    secondary: "border border-gray-300 bg-surface text-gray-900 hover:bg-gray-50",
    danger: "bg-red-700 text-white hover:bg-red-800",
  };
  async function run() {
    setState({ kind: "busy" });
    const result = await postApi(url, body ?? {});
    if (!result.ok) {
      setState({ kind: "error", message: result.message });
      return;
    }
    const data = result.data as { message?: unknown } | null;
    setState({ kind: "ok", message: typeof data?.message === "string" ? data.message : done });
    router.refresh();
  }
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <button
        type="button"
        onClick={run}
        disabled={state.kind === "busy" || !hydrated}
        className={`inline-flex items-center rounded-md px-3 py-1.5 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:cursor-wait disabled:opacity-70 ${tones[tone]}`}
      >
        {state.kind === "busy" ? pendingLabel : label}
      </button>
      <span role="status" className={`text-sm ${state.kind === "error" ? "text-red-700 dark:text-red-300" : "text-gray-700"}`}>
        {state.kind === "ok" || state.kind === "error" ? state.message : ""}
      </span>
    </span>
  );
}
