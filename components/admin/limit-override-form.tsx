"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { postApi } from "@/components/billing/api";
import { useHydrated } from "@/components/use-hydrated";
import type { MeterUsageRow } from "@/lib/billing/admin/customer-detail";
import { formatLimit, formatPercent, usageShare } from "@/lib/format";
import { Td } from "./table";

/** What the limits action answers: the customer's effective limits afterwards. */
interface LimitsAnswer {
  limits: Record<string, number | null>;
  overriddenMeters: string[];
}

/** One meter's row as the customer page reads it (lib/billing/admin/customer-detail.ts). */
export type MeterLimit = Pick<MeterUsageRow, "meter" | "label" | "unit" | "used" | "limit" | "planLimit" | "overridden">;

/**
 * The Limit, Share and Custom limit cells of one meter's row. They show the action's answer at
 * once (a custom limit set, or back to the plan's), not the page's render from before it.
 */
export function MeterLimitCells({ accountId, initial }: { accountId: string; initial: MeterLimit }) {
  const [state, setState] = useState(initial);
  // A newer render from the server (after any action on the page) replaces the local state, in place:
  // no remount, so the form keeps its status message and focus.
  const [rendered, setRendered] = useState(initial);
  if (
    rendered.limit !== initial.limit ||
    rendered.overridden !== initial.overridden ||
    rendered.planLimit !== initial.planLimit ||
    rendered.used !== initial.used
  ) {
    setRendered(initial);
    setState(initial);
  }
  const share = usageShare(state.used, state.limit);
  return (
    <>
      <Td className="text-right tabular-nums">
        <span data-testid={`limit-${state.meter}`}>{formatLimit(state.limit, state.unit)}</span>
        {state.overridden && <span className="block text-xs text-gray-600">custom (plan: {formatLimit(state.planLimit)})</span>}
      </Td>
      <Td className="text-right tabular-nums">{share === null ? "—" : formatPercent(share, 0)}</Td>
      <Td>
        <LimitOverrideForm
          accountId={accountId}
          meter={state.meter}
          label={state.label}
          overridden={state.overridden}
          onSaved={(answer) =>
            setState((current) => ({
              ...current,
              limit: current.meter in answer.limits ? (answer.limits[current.meter] ?? null) : current.limit,
              overridden: answer.overriddenMeters.includes(current.meter),
            }))
          }
        />
      </Td>
    </>
  );
}

/** Sets one meter's per-customer limit: a number, unlimited, or back to the plan's limit. */
export function LimitOverrideForm({
  accountId,
  meter,
  label,
  overridden,
  onSaved,
}: {
  accountId: string;
  meter: string;
  label: string;
  overridden: boolean;
  onSaved?: (answer: LimitsAnswer) => void;
}) {
  const router = useRouter();
  const id = useId();
  const [value, setValue] = useState("");
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  async function save(limit: number | "unlimited" | null) {
    setBusy(true);
    setStatus(null);
    const result = await postApi<LimitsAnswer>(`/api/billing/admin/users/${accountId}/limits`, { meter, limit });
    setBusy(false);
    if (!result.ok) {
      setStatus({ error: true, text: result.message });
      return;
    }
    setStatus({ error: false, text: limit === null ? "Back to the plan's limit." : "Limit saved." });
    setValue("");
    onSaved?.(result.data);
    // The rest of the page (the audit log) follows; the limit above shows the answer already.
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
      <span role="status" className={`text-sm ${status?.error ? "text-red-700 dark:text-red-300" : "text-gray-700"}`}>
        {status?.text ?? ""}
      </span>
    </form>
  );
}
