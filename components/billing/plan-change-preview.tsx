import type { Ref } from "react";
import { Button } from "@/components/ui";
import type { PlanChangePreview } from "@/lib/billing/plan-change";
import { formatDate, formatMoney, intervalLabel } from "@/lib/format";
import { planChangeLabel } from "./plan-change-label";
import { PlanDifferenceNote } from "./plan-difference";
import type { PlanOption, Selection } from "./plan-selection";

/**
 * The server's answer to Preview for the selected price: what is due now (an upgrade, with Stripe's
 * proration lines), the date a downgrade takes effect, or a scheduled change undone; then Confirm
 * change or Back.
 */
export function PlanChangePreviewPanel({
  panelRef,
  preview,
  selectedOption,
  current,
  currentPlanName,
  busy,
  disabled,
  onConfirm,
  onBack,
}: {
  /** Focused when the preview appears. */
  panelRef: Ref<HTMLDivElement>;
  preview: PlanChangePreview;
  selectedOption: PlanOption;
  current: Selection | null;
  currentPlanName: string;
  busy: null | "preview" | "apply";
  disabled: boolean;
  onConfirm: () => void;
  onBack: () => void;
}) {
  return (
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
        {preview.kind === "cancel_pending_change" &&
          `Stay on ${selectedOption.planName} (${intervalLabel(selectedOption.interval).toLowerCase()})`}
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
        <Button type="button" onClick={onConfirm} disabled={disabled} aria-busy={busy === "apply"}>
          {busy === "apply" ? "Changing plan…" : "Confirm change"}
        </Button>
        <button
          type="button"
          onClick={onBack}
          disabled={disabled}
          className="rounded-md border border-gray-300 bg-surface px-4 py-2 text-sm font-medium hover:bg-gray-100 disabled:opacity-60"
        >
          Back
        </button>
      </div>
    </div>
  );
}
