"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition } from "react";
import { Alert } from "@/components/ui";
import { useHydrated } from "@/components/use-hydrated";
import type { PlanChangeApplied, PlanChangePreview } from "@/lib/billing/plan-change";
import { formatDate, intervalLabel } from "@/lib/format";
import { postApi } from "./api";
import { PlanChangePreviewPanel } from "./plan-change-preview";
import { PlanOptionsTable } from "./plan-options-table";
import { sameSelection as same, type PlanOption, type Selection } from "./plan-selection";

export type { PlanOption } from "./plan-selection";

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

  const selectedOption = selected ? options.find((o) => same(o, selected)) : undefined;

  async function requestPreview(target: Selection) {
    setSelected(target);
    setPreview(null);
    setError(null);
    setDone(null);
    setBusy("preview");
    const result = await postApi<PlanChangePreview>("/api/billing/subscription/change", {
      accountId,
      plan: target.planId,
      interval: target.interval,
      preview: true,
    });
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
    const result = await postApi<PlanChangeApplied>("/api/billing/subscription/change", {
      accountId,
      plan: selected.planId,
      interval: selected.interval,
      preview: false,
      prorationDate: preview?.prorationDate,
    });
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
      setDone({
        kind,
        target,
        text: `Scheduled: you switch to ${summary.pendingChange.plan.name} on ${formatDate(summary.pendingChange.effectiveAt)}.`,
      });
    } else
      setDone({
        kind,
        target,
        text: `Done: you stay on ${summary.plan.name}${summary.interval ? ` (${intervalLabel(summary.interval).toLowerCase()})` : ""}.`,
      });
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

      <PlanOptionsTable
        options={options}
        current={current}
        pending={pending}
        selected={selected}
        disabled={disabled}
        onPreview={(option) => void requestPreview(option)}
      />

      {busy === "preview" && (
        <p role="status" className="text-sm text-gray-600">
          Calculating the change…
        </p>
      )}

      {preview && selectedOption && (
        <PlanChangePreviewPanel
          panelRef={panelRef}
          preview={preview}
          selectedOption={selectedOption}
          current={current}
          currentPlanName={currentPlanName}
          busy={busy}
          disabled={disabled}
          onConfirm={() => void confirm()}
          onBack={back}
        />
      )}
    </div>
  );
}
