"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ChartSeries } from "./chart-series";

// Points are UTC days ("2026-12-03"); they are labelled in the viewer's locale, as UTC dates (a
// local time zone would move each day's label to the day before west of Greenwich).
const tickDate = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
const dayOf = (date: string) => new Date(`${date}T00:00:00Z`);
const count = new Intl.NumberFormat();

/** The chart itself (recharts), loaded by UsageChart once it is on screen. */
export default function DailyBars({ points, label }: { points: ChartSeries["points"]; label: string }) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="date" tickFormatter={(d: string) => tickDate.format(dayOf(d))} fontSize={12} minTickGap={12} />
        <YAxis allowDecimals={false} fontSize={12} width={56} />
        <Tooltip labelFormatter={(d) => fullDate.format(dayOf(String(d)))} formatter={(value) => [count.format(Number(value)), label]} />
        <Bar dataKey="quantity" fill="#4f46e5" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}
