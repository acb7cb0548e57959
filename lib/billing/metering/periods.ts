import "server-only";
import { utc } from "@date-fns/utc";
import { addMonths as addMonthsLocal, addYears as addYearsLocal, differenceInCalendarMonths, max, min } from "date-fns";
import type { Subscription } from "@/db/schema";

/** Calendar arithmetic in UTC, as Stripe counts periods, whatever the server's time zone. */
const addMonths = (date: Date, n: number): Date => new Date(addMonthsLocal(date, n, { in: utc }).getTime());
const addYears = (date: Date, n: number): Date => new Date(addYearsLocal(date, n, { in: utc }).getTime());

export interface UsagePeriod {
  start: Date;
  end: Date;
}

/** The UTC calendar month containing `now`: the period of plans without a subscription (Free). */
export function calendarMonth(now: Date): UsagePeriod {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start, end };
}

/**
 * The month-long window anchored on `anchor` that contains `now`: [anchor + n months, anchor +
 * n+1 months), each bound counted from the anchor itself and clamped to the end of a shorter month
 * the way Stripe does (anchor Jan 31 → Feb 28 or 29, Mar 31, Apr 30, …).
 */
export function monthlyWindow(anchor: Date, now: Date): UsagePeriod {
  let n = differenceInCalendarMonths(now, anchor, { in: utc });
  while (addMonths(anchor, n) > now) n -= 1;
  while (addMonths(anchor, n + 1) <= now) n += 1;
  return { start: addMonths(anchor, n), end: addMonths(anchor, n + 1) };
}

type PeriodFields = Pick<Subscription, "currentPeriodStart" | "currentPeriodEnd" | "interval"> &
  Partial<Pick<Subscription, "billingCycleAnchor">>;

/**
 * The window usage counts in. Allowances renew monthly on every plan:
 * - monthly plans: the subscription's current billing period;
 * - yearly plans: the month-long window anchored on the subscription's billing cycle anchor that
 *   contains `now` (the period start when the anchor is unknown), within the current period;
 * - no subscription (Free): the UTC calendar month.
 * Counters are keyed by the window start, so a new window starts from zero without any reset job.
 * When the stored period is already over (the renewal webhook has not landed yet) it is rolled
 * forward by whole intervals from its start, the way Stripe renews. Every reader and writer of
 * usage (consume, check, quota, reservations, batches, the billing page and the admin console)
 * gets its window from here, through `meterContext`.
 */
export function usagePeriod(subscription: PeriodFields | null, now: Date): UsagePeriod {
  const start = subscription?.currentPeriodStart;
  const end = subscription?.currentPeriodEnd;
  if (!start || !end || end <= start) return calendarMonth(now);
  let period: UsagePeriod = { start, end };
  if (now >= end) {
    const step = (date: Date, n: number) => (subscription.interval === "year" ? addYears(date, n) : addMonths(date, n));
    let n = 1;
    while (step(start, n + 1) <= now) n += 1;
    period = { start: step(start, n), end: step(start, n + 1) };
  }
  if (subscription.interval !== "year") return period;
  // Before the period starts (a clock a little behind Stripe's), the first window of the period.
  const window = monthlyWindow(subscription.billingCycleAnchor ?? start, max([now, period.start]));
  return { start: max([window.start, period.start]), end: min([window.end, period.end]) };
}
