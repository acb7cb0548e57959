"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition } from "react";
import { Alert, Button } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import type { BillingInterval } from "@/lib/billing/plans";
import { formatDate, formatMoney, intervalLabel } from "@/lib/format";
import { postApi } from "./api";
import { planChangeLabel } from "./plan-change-label";
import { PlanDifferenceNote } from "./plan-difference";
import type { PlanChangeApplied, PlanChangePreview } from "@/lib/billing/plan-change";

export interface PlanOption {
  planId: string;
  planName: string;
  interval: BillingInterval;
  amount: number;
  currency: string;
}

type Selection = { planId: string; interval: BillingInterval };

const same = (a: Selection | null, b: Selection | null) => Boolean(a && b && a.planId === b.planId && a.interval === b.interval);

/**
 * Two steps, both answered by the server: Preview (Stripe's proration for upgrades, the effective
 * date for downgrades), then Confirm change. Nothing is charged before the confirmation.
 */
export function ChangePlan({
  accountId,
  options,
  current,
  pending,
  currentPlanName,
  canChange,
}: {
  /** The account whose plan changes (the selected one). */
  accountId: string;
  options: PlanOption[];
  /** The live subscription's plan and interval; null without one. */
  current: Selection | null;
  /** A scheduled downgrade, if any. */
  pending: Selection | null;
  currentPlanName: string;
  canChange: boolean;
}) {
  const router = useRouter();
  const [selected, setSelected] = useState<Selection | null>(null);
  const [preview, setPreview] = useState<PlanChangePreview | null>(null);
  const [busy, setBusy] = useState<null | "preview" | "apply">(null);
  const [error, setError] = useState<string | null>(null);
  // What the last confirmed change did, and to which selection: shown only while the server's state
  // still says so (a cancel, resume or portal action afterwards must not leave "Scheduled: …" behind).
  const [done, setDone] = useState<{ text: string; kind: PlanChangeApplied["kind"]; target: Selection } | null>(null);
  const [refreshing, startRefresh] = useTransition();
  const panelRef = useRef<HTMLDivElement>(null);
  // The buttons stay disabled until hydrated: a Preview pressed before then would do nothing.
  const hydrated = useHydrated();

  useEffect(() => {
    if (preview) panelRef.current?.focus();
  }, [preview]);

  if (!canChange) {
    return (
      <p className="text-sm text-gray-600">
        Plan changes apply to a paid subscription, and you do not have one. You are on {currentPlanName}.{" "}
        <Link href="/pricing" className="font-medium text-brand-700 underline underline-offset-2 hover:decoration-2 dark:text-brand-300">
          Choose a plan on the pricing page
        </Link>
        .
      </p>
    );
  }

  const plans = [...new Map(options.map((o) => [o.planId, o.planName])).entries()];
  const selectedOption = selected ? options.find((o) => same(o, selected)) : undefined;

  async function requestPreview(target: Selection) {
    setSelected(target);
    setPreview(null);
    setError(null);
    setDone(null);
    setBusy("preview");
    const result = await postApi<PlanChangePreview>("/api/billing/subscription/change", { accountId, plan: target.planId, interval: target.interval, preview: true });
    setBusy(null);
    if (!result.ok) {
      setError(`The change could not be previewed: ${result.message}`);
      return;
    }
    setPreview(result.data);
  }

  async function confirm() {
    if (!selected) return;
    setError(null);
    setBusy("apply");
    const result = await postApi<PlanChangeApplied>("/api/billing/subscription/change", { accountId, plan: selected.planId, interval: selected.interval, preview: false, prorationDate: preview?.prorationDate });
    setBusy(null);
    if (!result.ok) {
      setError(`The plan was not changed: ${result.message}`);
      return;
    }
    const summary = result.data.subscription;
    const kind = result.data.kind;
    const target = selected;
    if (kind === "upgrade") setDone({ kind, target, text: `Done: you are now on ${summary.plan.name}.` });
    else if (kind === "downgrade" && summary.pendingChange?.effectiveAt) {
      setDone({ kind, target, text: `Scheduled: you switch to ${summary.pendingChange.plan.name} on ${formatDate(summary.pendingChange.effectiveAt)}.` });
    } else setDone({ kind, target, text: `Done: you stay on ${summary.plan.name}${summary.interval ? ` (${intervalLabel(summary.interval).toLowerCase()})` : ""}.` });
    setSelected(null);
    setPreview(null);
    startRefresh(() => router.refresh());
  }

  function back() {
    setSelected(null);
    setPreview(null);
    setError(null);
  }

  const disabled = busy !== null || refreshing || !hydrated;
  const doneHolds =
    done !== null &&
    (refreshing ||
      (done.kind === "upgrade" && same(current, done.target)) ||
      (done.kind === "downgrade" && same(pending, done.target)) ||
      (done.kind === "cancel_pending_change" && pending === null && same(current, done.target)));

  return (
    <div className="space-y-4">
      {done && doneHolds && (
        <Alert tone="success" testId="change-plan-result">
          {done.text}
        </Alert>
      )}
      {error && <Alert testId="change-plan-error">{error}</Alert>}

      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Plans you can switch to</caption>
          <thead className="text-gray-600">
            <tr>
              <th scope="col" className="py-2 pr-4 font-medium">
                Plan
              </th>
              {(["month", "year"] as const).map((interval) => (
                <th key={interval} scope="col" className="py-2 pr-4 font-medium">
                  {intervalLabel(interval)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">
            {plans.map(([planId, planName]) => (
              <tr key={planId}>
                <th scope="row" className="py-3 pr-4 font-semibold">
                  {planName}
                </th>
                {(["month", "year"] as const).map((interval) => {
                  const option = options.find((o) => o.planId === planId && o.interval === interval);
                  if (!option) return <td key={interval} className="py-3 pr-4 text-gray-500">—</td>;
                  const isCurrent = same(option, current);
                  const isPending = same(option, pending);
                  const name = `${planName} ${interval === "month" ? "monthly" : "yearly"}`;
                  return (
                    <td key={interval} className="py-3 pr-4">
                      <div className="flex flex-wrap items-center gap-3">
                        <span>
                          {formatMoney(option.amount, option.currency)}
                          <span className="text-gray-600">/{interval}</span>
                        </span>
                        {isCurrent && !pending && (
                          <span className="rounded-full bg-gray-100 px-2 py-0.5 text-xs font-medium text-gray-700">Current plan</span>
                        )}
                        {isPending && (
                          <span className="rounded-full bg-blue-100 px-2 py-0.5 text-xs font-medium text-blue-800 dark:bg-blue-950 dark:text-blue-200">Scheduled</span>
                        )}
                        {isCurrent && pending && (
                          <button
                            type="button"
                            aria-label={`Keep ${name}`}
                            onClick={() => void requestPreview(option)}
                            disabled={disabled}
                            className="rounded-md border border-gray-300 px-3 py-1 text-xs font-medium hover:bg-gray-100 disabled:opacity-60"
                          >
                            Keep
                          </button>
                        )}
                        {!isCurrent && !isPending && current && (
                          <span className="text-xs text-gray-600" data-testid="change-label">
                            {planChangeLabel(current, option)}
                          </span>
                        )}
                        {!isCurrent && !isPending && (
                          <button
                            type="button"
                            aria-label={`Preview ${name}`}
                            aria-pressed={same(option, selected)}
                            onClick={() => void requestPreview(option)}
                            disabled={disabled}
                            className="rounded-md border border-gray-300 px-3 py-1 text-xs font-medium hover:bg-gray-100 disabled:opacity-60 aria-pressed:border-brand-500 aria-pressed:bg-brand-50"
                          >
                            Preview
                          </button>
                        )}
                      </div>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {busy === "preview" && (
        <p role="status" className="text-sm text-gray-600">
          Calculating the change…
        </p>
      )}

      {preview && selectedOption && (
        <div
          ref={panelRef}
          tabIndex={-1}
          role="region"
          aria-labelledby="change-preview-heading"
          data-testid="change-preview"
          className="space-y-3 rounded-md border border-brand-500 bg-brand-50 p-4 text-sm focus:outline-none"
        >
          <h3 id="change-preview-heading" className="font-semibold">
            {preview.kind === "upgrade" &&
              `${current && planChangeLabel(current, selectedOption).startsWith("Downgrade") ? "Switch" : "Upgrade"} to ${selectedOption.planName} (${intervalLabel(selectedOption.interval).toLowerCase()})`}
            {preview.kind === "downgrade" && `Switch to ${selectedOption.planName} (${intervalLabel(selectedOption.interval).toLowerCase()})`}
            {preview.kind === "cancel_pending_change" && `Stay on ${selectedOption.planName} (${intervalLabel(selectedOption.interval).toLowerCase()})`}
          </h3>
          {current && preview.kind !== "cancel_pending_change" && (
            <PlanDifferenceNote
              fromPlanId={current.planId}
              fromPlanName={currentPlanName}
              toPlanId={selectedOption.planId}
              startsNow={preview.kind === "upgrade"}
            />
          )}
          {preview.kind === "upgrade" && (
            <>
              <p>
                Due now: <strong data-testid="preview-amount-due">{formatMoney(preview.amountDue, preview.currency)}</strong>
                <span className="text-gray-600">
                  {preview.amountDue > 0 ? " (prorated; charged to your saved payment method when you confirm)" : " (nothing is charged now)"}
                </span>
              </p>
              {preview.lines.length > 0 && (
                <table className="w-full text-left">
                  <caption className="sr-only">Invoice lines</caption>
                  <tbody className="divide-y divide-brand-100">
                    {preview.lines.map((line, index) => (
                      <tr key={index}>
                        <td className="py-1 pr-4">{line.description || "Adjustment"}</td>
                        <td className="py-1 text-right tabular-nums">{formatMoney(line.amount, preview.currency)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <p className="text-gray-700">The new plan starts as soon as you confirm.</p>
            </>
          )}
          {preview.kind === "downgrade" && (
            <p data-testid="preview-effective">
              Takes effect on {formatDate(preview.effectiveAt)}. You keep {currentPlanName} until then; nothing is charged now.
            </p>
          )}
          {preview.kind === "cancel_pending_change" && (
            <p>Your scheduled plan change is cancelled and you stay on your current plan. Nothing is charged now.</p>
          )}
          <div className="flex flex-wrap gap-3">
            <Button type="button" onClick={() => void confirm()} disabled={disabled} aria-busy={busy === "apply"}>
              {busy === "apply" ? "Changing plan…" : "Confirm change"}
            </Button>
            <button
              type="button"
              onClick={back}
              disabled={disabled}
              className="rounded-md border border-gray-300 bg-surface px-4 py-2 text-sm font-medium hover:bg-gray-100 disabled:opacity-60"
            >
              Back
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
