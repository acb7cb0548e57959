"use client";

import type { BillingInterval } from "@/lib/billing/plans";

/** Monthly / yearly as a native radio group (arrow keys, one tab stop, announced as a group). */
export function IntervalToggle({
  value,
  onChange,
  yearlyBadge,
}: {
  value: BillingInterval;
  onChange: (interval: BillingInterval) => void;
  yearlyBadge: string | null;
}) {
  const options: Array<{ id: BillingInterval; label: string; badge: string | null }> = [
    { id: "month", label: "Monthly", badge: null },
    { id: "year", label: "Yearly", badge: yearlyBadge },
  ];
  return (
    <fieldset className="flex justify-center">
      <legend className="sr-only">Billing interval</legend>
      <div className="inline-flex rounded-full border border-gray-300 bg-surface p-1 shadow-sm">
        {options.map((option) => {
          const checked = value === option.id;
          return (
            <label
              key={option.id}
              className={`relative flex cursor-pointer items-center gap-2 rounded-full px-4 py-1.5 text-sm font-medium focus-within:ring-2 focus-within:ring-brand-500 ${
                checked ? "bg-brand-600 text-white" : "text-gray-700 hover:bg-gray-100"
              }`}
            >
              <input
                type="radio"
                name="billing-interval"
                value={option.id}
                checked={checked}
                onChange={() => onChange(option.id)}
                className="absolute inset-0 m-0 cursor-pointer appearance-none rounded-full opacity-0"
              />
              {option.label}
              {option.badge && (
                <span
                  className={`rounded-full px-2 py-0.5 text-xs font-semibold ${checked ? "bg-white/20 text-white" : "bg-green-100 text-green-800"}`}
                >
                  {option.badge}
                </span>
              )}
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
