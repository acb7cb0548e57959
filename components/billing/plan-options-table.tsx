import { formatMoney, intervalLabel } from "@/lib/format";
import { planChangeLabel } from "./plan-change-label";
import { sameSelection as same, type PlanOption, type Selection } from "./plan-selection";

/**
 * The plans the account can switch to, a row per plan and a column per interval: each price marked
 * Current plan or Scheduled, or labelled with what a switch to it is and offered for preview.
 */
export function PlanOptionsTable({
  options,
  current,
  pending,
  selected,
  disabled,
  onPreview,
}: {
  options: PlanOption[];
  current: Selection | null;
  pending: Selection | null;
  selected: Selection | null;
  disabled: boolean;
  onPreview: (option: PlanOption) => void;
}) {
  const plans = [...new Map(options.map((o) => [o.planId, o.planName])).entries()];
  return (
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
                if (!option)
                  return (
                    <td key={interval} className="py-3 pr-4 text-gray-500">
                      —
                    </td>
                  );
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
                        <span className="rounded-full bg-blue-100 px-2 py-0.5 text-xs font-medium text-blue-800 dark:bg-blue-950 dark:text-blue-200">
                          Scheduled
                        </span>
                      )}
                      {isCurrent && pending && (
                        <button
                          type="button"
                          aria-label={`Keep ${name}`}
                          onClick={() => onPreview(option)}
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
                          onClick={() => onPreview(option)}
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
  );
}
