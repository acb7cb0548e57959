"use client";

import { Bar, BarChart, CartesianGrid, Cell, Pie, PieChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatMoney, formatMonth } from "@/lib/format";

const PLAN_COLORS = ["#4f46e5", "#0891b2", "#16a34a", "#d97706", "#db2777", "#6b7280"];

export function RevenueChart({ data, currency }: { data: Array<{ month: string; amount: number }>; currency: string }) {
  const rows = data.map((d) => ({ ...d, label: formatMonth(d.month) }));
  return (
    <div
      role="img"
      aria-label={`Bar chart of revenue by month, ${rows[0]?.label} to ${rows.at(-1)?.label}; the table below has the figures.`}
      className="h-64 w-full text-gray-600"
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.2} vertical={false} />
          <XAxis dataKey="label" tick={{ fill: "currentColor", fontSize: 12 }} interval="preserveStartEnd" />
          <YAxis
            tick={{ fill: "currentColor", fontSize: 12 }}
            tickFormatter={(v: number) => formatMoney(v, currency, { trimZeros: true })}
            width={72}
          />
          <Tooltip formatter={(v) => formatMoney(Number(v), currency)} labelStyle={{ color: "#111827" }} />
          <Bar dataKey="amount" name="Revenue" fill="#4f46e5" radius={[4, 4, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** A donut of subscriptions per plan, with a legend that carries the figures. */
export function PlanChart({ data }: { data: Array<{ plan: string; label: string; count: number }> }) {
  const color = (i: number) => PLAN_COLORS[i % PLAN_COLORS.length];
  if (data.length === 0) return <p className="text-sm text-gray-600">No current subscriptions yet.</p>;
  return (
    <div className="grid items-center gap-4 sm:grid-cols-2">
      <div role="img" aria-label="Donut chart of subscriptions per plan; the list beside it has the figures." className="h-48 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <PieChart>
            <Pie data={data} dataKey="count" nameKey="label" innerRadius="55%" outerRadius="90%" isAnimationActive={false}>
              {data.map((entry, i) => (
                <Cell key={entry.plan} fill={color(i)} />
              ))}
            </Pie>
            <Tooltip />
          </PieChart>
        </ResponsiveContainer>
      </div>
      <ul className="space-y-1 text-sm" data-testid="plan-distribution">
        {data.map((entry, i) => (
          <li key={entry.plan} className="flex items-center gap-2">
            <span aria-hidden="true" className="inline-block h-3 w-3 rounded-sm" style={{ backgroundColor: color(i) }} />
            <span className="font-medium">{entry.label}</span>
            <span className="tabular-nums text-gray-600">{entry.count}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
