"use client";

import { lazy, Suspense, useState } from "react";
import { useHydrated } from "@/components/use-hydrated";
import { useOnScreen } from "@/components/use-on-screen";
import { busiestSeries, type ChartSeries } from "./chart-series";

export type { ChartSeries } from "./chart-series";

// recharts is most of the billing page's JavaScript: its chunk loads only once the chart is on
// screen. Until then (and while it loads) the frame keeps the chart's size, so nothing shifts.
const DailyBars = lazy(() => import("./daily-bars"));

/** Daily usage for the current period, one meter at a time; opens on the busiest meter. */
export function UsageChart({ series }: { series: ChartSeries[] }) {
  const [selected, setSelected] = useState(() => busiestSeries(series)?.id);
  const hydrated = useHydrated();
  const [frame, onScreen] = useOnScreen<HTMLDivElement>();
  const current = series.find((s) => s.id === selected) ?? series[0];
  if (!current) return null;
  const placeholder = <div className="h-full w-full rounded-md bg-gray-100" aria-hidden="true" data-testid="usage-chart-placeholder" />;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2" role="group" aria-label="Meter">
        {series.map((s) => (
          <button
            key={s.id}
            type="button"
            aria-pressed={s.id === current.id}
            disabled={!hydrated}
            onClick={() => setSelected(s.id)}
            className={`rounded-md border px-3 py-1 text-sm ${s.id === current.id ? "border-brand-600 bg-brand-50 text-brand-700 dark:border-brand-300 dark:text-brand-300" : "border-gray-300 hover:bg-gray-100"}`}
          >
            {s.label}
          </button>
        ))}
      </div>
      <div ref={frame} className="h-56 w-full" data-testid="usage-chart" data-last-date={current.points.at(-1)?.date}>
        {onScreen ? (
          <Suspense fallback={placeholder}>
            <DailyBars points={current.points} label={current.label} />
          </Suspense>
        ) : (
          placeholder
        )}
      </div>
    </div>
  );
}
