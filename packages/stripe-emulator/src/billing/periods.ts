/** Calendar arithmetic in UTC, matching Stripe: monthly anchors on the 31st fall back to the month's last day. */
export function addInterval(ts: number, interval: string, count: number): number {
  switch (interval) {
    case "day":
      return ts + count * 86_400;
    case "week":
      return ts + count * 7 * 86_400;
    case "year":
      return addMonths(ts, 12 * count);
    default:
      return addMonths(ts, count);
  }
}

function addMonths(ts: number, months: number): number {
  const d = new Date(ts * 1000);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000;
}

/**
 * End of the period that starts at `periodStart`, counted from the billing cycle anchor (not chained from the
 * previous end, so Jan 31 → Feb 28 → Mar 31 keeps its day).
 */
export function nextPeriodEnd(anchor: number, periodStart: number, interval: string, count: number): number {
  if (anchor > periodStart) return anchor;
  for (let k = 1; k < 100_000; k++) {
    const end = addInterval(anchor, interval, count * k);
    if (end > periodStart) return end;
  }
  throw new Error("period computation did not converge");
}

/** A date as Stripe's hosted pages write it, in US English: "December 3, 2026". */
export function formatLongDate(ts: number): string {
  return new Date(ts * 1000).toLocaleDateString("en-US", { month: "long", day: "numeric", year: "numeric", timeZone: "UTC" });
}

export function formatDate(ts: number): string {
  return new Date(ts * 1000).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}
