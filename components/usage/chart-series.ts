/** The usage chart's data, shared by the server (which builds it) and the chart (which draws it). */
export interface ChartSeries {
  id: string;
  label: string;
  points: Array<{ date: string; quantity: number }>;
}

/**
 * The meter the chart opens on: the one with the most usage in the window (the first on a tie or
 * when nothing was used), so a customer who only uses jobs or tokens sees them, not an empty chart.
 */
export function busiestSeries(series: ChartSeries[]): ChartSeries | undefined {
  let best: { series: ChartSeries; total: number } | undefined;
  for (const s of series) {
    const total = s.points.reduce((sum, p) => sum + p.quantity, 0);
    if (!best || total > best.total) best = { series: s, total };
  }
  return best?.series;
}
