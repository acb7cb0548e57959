"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Alert, Button } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import { isHttpUrl, postApi } from "./api";

const secondary =
  "inline-flex items-center justify-center rounded-md border border-gray-300 bg-surface px-4 py-2 text-sm font-medium text-gray-900 hover:bg-gray-100 disabled:cursor-not-allowed disabled:opacity-60";

/**
 * Manage billing (Stripe's portal), cancel at period end and resume. After an action the page is
 * re-rendered from the server (router.refresh), so what it shows is always the stored state.
 */
export function SubscriptionActions({
  accountId,
  hasBillingAccount,
  canCancel,
  canResume,
  planName,
  accessEndsOn,
  pendingPlanName = null,
}: {
  /** The account acted on (the selected one). */
  accountId: string;
  hasBillingAccount: boolean;
  canCancel: boolean;
  canResume: boolean;
  planName: string;
  /** Pre-formatted date the plan stays in force until when cancelled. */
  accessEndsOn: string | null;
  /** A scheduled downgrade, which cancelling drops. */
  pendingPlanName?: string | null;
}) {
  const router = useRouter();
  const [busy, setBusy] = useState<null | "portal" | "cancel" | "resume">(null);
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [refreshing, startRefresh] = useTransition();
  // Disabled until hydrated as well: a click before then would do nothing.
  const hydrated = useHydrated();
  const disabled = busy !== null || refreshing || !hydrated;

  async function openPortal() {
    setError(null);
    setBusy("portal");
    const result = await postApi<{ url: string }>("/api/billing/portal", { accountId });
    if (result.ok && isHttpUrl(result.data.url)) {
      window.location.assign(result.data.url);
      return;
    }
    setBusy(null);
    if (!result.ok && result.error === "no_billing_customer") setError("You have no billing account yet. Choose a plan first.");
    else setError(result.ok ? "The billing portal could not be opened." : `The billing portal could not be opened: ${result.message}`);
  }

  async function run(action: "cancel" | "resume") {
    setError(null);
    setBusy(action);
    const result = await postApi<unknown>(`/api/billing/subscription/${action}`, { accountId });
    setBusy(null);
    if (!result.ok) {
      setError(`${action === "cancel" ? "Cancellation" : "Resuming"} failed: ${result.message}`);
      return;
    }
    setConfirmingCancel(false);
    startRefresh(() => router.refresh());
  }

  return (
    <div className="space-y-3">
      {error && <Alert testId="billing-action-error">{error}</Alert>}
      <div className="flex flex-wrap gap-3">
        {hasBillingAccount && (
          <Button type="button" onClick={() => void openPortal()} disabled={disabled} aria-busy={busy === "portal"}>
            {busy === "portal" ? "Opening billing portal…" : "Manage billing"}
          </Button>
        )}
        {canResume && (
          <button type="button" className={secondary} onClick={() => void run("resume")} disabled={disabled} aria-busy={busy === "resume"}>
            {busy === "resume" ? "Resuming…" : "Resume subscription"}
          </button>
        )}
        {canCancel && !confirmingCancel && (
          <button type="button" className={secondary} onClick={() => setConfirmingCancel(true)} disabled={disabled}>
            Cancel subscription
          </button>
        )}
      </div>
      {canCancel && confirmingCancel && (
        <div
          role="group"
          aria-labelledby="cancel-confirm-text"
          className="space-y-3 rounded-md border border-amber-200 bg-amber-50 p-4 text-sm dark:border-amber-900 dark:bg-amber-950"
        >
          <p id="cancel-confirm-text" className="text-amber-900 dark:text-amber-200">
            {accessEndsOn
              ? `You keep ${planName} until ${accessEndsOn}, then move to Free. You will not be charged again.`
              : `Your ${planName} subscription will end at the end of the current period. You will not be charged again.`}
            {pendingPlanName && ` Your scheduled switch to ${pendingPlanName} will be dropped.`}
          </p>
          <div className="flex flex-wrap gap-3">
            <button
              type="button"
              onClick={() => void run("cancel")}
              disabled={disabled}
              aria-busy={busy === "cancel"}
              className="inline-flex items-center justify-center rounded-md bg-red-600 px-4 py-2 text-sm font-medium text-white hover:bg-red-700 disabled:cursor-not-allowed disabled:opacity-60"
            >
              {busy === "cancel" ? "Cancelling…" : "Confirm cancellation"}
            </button>
            <button type="button" className={secondary} onClick={() => setConfirmingCancel(false)} disabled={disabled}>
              Keep subscription
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
