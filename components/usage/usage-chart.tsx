"use client";

import { useState } from "react";
import { useHydrated } from "@/components/use-hydrated";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface ChartSeries {
  id: string;
  label: string;
  points: Array<{ date: string; quantity: number }>;
}

/** Daily usage for the current period, one meter at a time (recharts). */
export function UsageChart({ series }: { series: ChartSeries[] }) {
  const [selected, setSelected] = useState(series[0]?.id);
  const hydrated = useHydrated();
  const current = series.find((s) => s.id === selected) ?? series[0];
  if (!current) return null;
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
      <div className="h-56 w-full" data-testid="usage-chart">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={current.points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="date" tickFormatter={(d: string) => d.slice(5)} fontSize={12} />
            <YAxis allowDecimals={false} fontSize={12} width={56} />
            <Tooltip formatter={(value) => [new Intl.NumberFormat("en-US").format(Number(value)), current.label]} />
            <Bar dataKey="quantity" fill="#4f46e5" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
