import type { ReactNode } from "react";

/** One figure with its definition written next to it. */
export function MetricCard({ label, value, definition, testId }: { label: string; value: ReactNode; definition: string; testId: string }) {
  return (
    <div className="rounded-lg border border-gray-200 bg-white p-4 shadow-sm dark:border-gray-800 dark:bg-gray-900">
      <dt className="text-sm font-medium text-gray-600 dark:text-gray-300">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
      <dd className="mt-2 text-xs leading-relaxed text-gray-600 dark:text-gray-300">{definition}</dd>
    </div>
  );
}
