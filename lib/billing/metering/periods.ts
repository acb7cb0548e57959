import { addMonths, addYears } from "date-fns";
import type { Subscription } from "@/db/schema";

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
 * The period usage counts in: the subscription's current billing period when it has one, the UTC
 * calendar month otherwise. Counters are keyed by the period start, so a new period starts from
 * zero without any reset job. When the stored period is already over (the renewal webhook has not
 * landed yet) it is rolled forward by whole intervals from its start, the way Stripe renews.
 */
export function usagePeriod(subscription: Pick<Subscription, "currentPeriodStart" | "currentPeriodEnd" | "interval"> | null, now: Date): UsagePeriod {
  const start = subscription?.currentPeriodStart;
  const end = subscription?.currentPeriodEnd;
  if (!start || !end || end <= start) return calendarMonth(now);
  if (now < end) return { start, end };
  const step = (date: Date, n: number) => (subscription.interval === "year" ? addYears(date, n) : addMonths(date, n));
  let n = 1;
  while (step(start, n + 1) <= now) n += 1;
  return { start: step(start, n), end: step(start, n + 1) };
}
