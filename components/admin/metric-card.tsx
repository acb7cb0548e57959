import type { ReactNode } from "react";

/** One figure with its definition written next to it. */
export function MetricCard({ label, value, definition, testId }: { label: string; value: ReactNode; definition: string; testId: string }) {
  return (
    <div className="rounded-lg border border-gray-200 bg-surface p-4 shadow-sm">
      <dt className="text-sm font-medium text-gray-600">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
      <dd className="mt-2 text-xs leading-relaxed text-gray-600">{definition}</dd>
    </div>
  );
}
