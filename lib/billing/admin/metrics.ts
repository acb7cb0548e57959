/**
 * Revenue metrics for the admin console, computed from our own tables (subscription rows and
 * paid invoices) in two aggregate queries: never from calls to Stripe per page view.
 *
 * Every definition below is also written next to its figure on /admin (see METRIC_DEFINITIONS).
 */
import "server-only";
import { subDays } from "date-fns";
import { sql, type SQL } from "drizzle-orm";
import { selectRows, type Queryable } from "@/db/client";
import { PLANS } from "../plans";
import { IN_FORCE, NEVER_STARTED, PAYING, SUBSCRIPTION_STATUS } from "../subscription-status";
import { sqlStatus, sqlStatuses, subscriptionMrr } from "../subscription-status-sql";
import { ADMIN_GRANT_PROVIDER } from "./staff-grant";

/** Metrics are reported in the catalog's currency; rows in any other currency are left out. */
export const REPORTING_CURRENCY: string = PLANS[0].currency;
export const METRICS_WINDOW_DAYS = 30;
export const REVENUE_MONTHS = 12;

export interface AdminMetrics {
  currency: string;
  /** Minor units per month. */
  mrr: number;
  arr: number;
  arpu: number;
  /** Null when nothing churned in the window (the lifetime is unbounded). */
  ltv: number | null;
  activeSubscriptions: number;
  trialingSubscriptions: number;
  pastDueSubscriptions: number;
  cancelingSubscriptions: number;
  /** Paying accounts: a person's own or an organization, each counted once whatever its seats. */
  payingCustomers: number;
  /** Of the paying accounts, the organizations. */
  payingOrganizations: number;
  newSubscriptions30d: number;
  churnedSubscriptions30d: number;
  /** A fraction (0.05 = 5 %). */
  churnRate30d: number;
  /** A fraction, or null when no trial ended in the window. */
  trialConversion: number | null;
  failedPayments30d: number;
  /** Invoices of the window that asked for payment (the failed-payment rate's whole). */
  invoicesDue30d: number;
  /** A fraction, or null when no invoice of the window asked for payment. */
  failedPaymentRate30d: number | null;
  revenueByMonth: Array<{ month: string; amount: number }>;
  planDistribution: Array<{ plan: string; count: number }>;
}

export const METRIC_DEFINITIONS = {
  mrr: "Sum of the monthly price × quantity (the seats of a per-seat plan) of active and past-due subscriptions; yearly prices count as one twelfth. Trials, canceled and unpriced (granted) subscriptions are excluded.",
  arr: "MRR × 12.",
  arpu: "MRR ÷ paying accounts (revenue per paying account, not per seat).",
  payingCustomers:
    "Accounts (a person's own or an organization) with at least one subscription counted in MRR with a price above zero; an organization counts once, whatever its seats.",
  payingOrganizations: "Of the paying accounts, those that are organizations.",
  ltv: "ARPU ÷ monthly churn rate (the 30-day churn rate); not shown when nothing churned.",
  activeSubscriptions: "Subscriptions whose status is active (including those set to cancel at period end).",
  trialingSubscriptions: "Subscriptions in a free trial.",
  pastDueSubscriptions: "Subscriptions whose latest payment failed and is being retried.",
  cancelingSubscriptions: "Active, trialing or past-due subscriptions set to cancel at the end of their period.",
  newSubscriptions30d: "Priced subscriptions first recorded in the last 30 days (incomplete sign-ups excluded).",
  churnedSubscriptions30d: "Priced subscriptions alive 30 days ago that have ended (canceled) since.",
  churnRate30d:
    "Churned subscriptions ÷ priced subscriptions alive 30 days ago (trials that never paid count in trial conversion instead).",
  trialConversion: "Of the trials that ended in the last 30 days, the share now active or past due (paying).",
  failedPayments30d: "Invoices of the last 30 days with at least one failed payment attempt that are still open or uncollectible.",
  invoicesDue30d: "Invoices of the last 30 days that asked for payment: not drafts, with an amount due or a payment attempt.",
  failedPaymentRate30d: "Failed payments ÷ invoices of the same days that asked for payment; not shown when no invoice asked for payment.",
  revenueByMonth: "Amount paid on paid invoices minus refunds (credit notes after payment), by month paid (UTC), last 12 months.",
  planDistribution: "Active, trialing and past-due subscriptions per plan.",
  excluded: "Staff plans granted by admins are not subscriptions and count nowhere.",
} as const;

const CANCELED = sqlStatus(SUBSCRIPTION_STATUS.canceled);
/** First payments never made: not a new subscription, not alive for churn. */
const NEVER_STARTED_STATUSES = sqlStatuses(NEVER_STARTED);

/** When a subscription ended: Stripe's `ended_at`, or its cancellation for rows synced without it. */
const ENDED = sql`coalesce(ended_at, canceled_at)`;

/**
 * The windowed figures' conditions, shared by the overview (30 days) and the revenue alerts (their own
 * window, lib/billing/admin/revenue-alerts.ts): one definition each, whatever the window.
 */
export const windowConditions = {
  /** Priced subscriptions alive at `start` that have ended (canceled) since (churnedSubscriptions30d). */
  churned: (start: SQL, end: SQL) =>
    sql`unit_amount is not null and status = ${CANCELED} and created_at < ${start} and ${ENDED} >= ${start} and ${ENDED} < ${end}`,
  /** Priced subscriptions alive at `start` (the churn rate's whole). */
  aliveAt: (start: SQL) =>
    sql`unit_amount is not null and created_at < ${start} and status not in ${NEVER_STARTED_STATUSES} and (status <> ${CANCELED} or ${ENDED} >= ${start})`,
  /** Invoices with a failed attempt still open or uncollectible (failedPayments30d). */
  failedPayment: (start: SQL, end: SQL) =>
    sql`status in ('open', 'uncollectible') and attempt_count > 0 and provider_created_at >= ${start} and provider_created_at < ${end}`,
  /** Invoices that asked for payment (invoicesDue30d). */
  paymentDue: (start: SQL, end: SQL) =>
    sql`status <> 'draft' and (amount_due > 0 or attempt_count > 0) and provider_created_at >= ${start} and provider_created_at < ${end}`,
};

/** Subscription statuses that count towards MRR: paying now (past-due still owes and is retried). */
const MRR_STATUSES = sqlStatuses(PAYING);
/**
 * MRR over `subscriptions` rows (the caller leaves out admin grants), in one currency: the sum of
 * each row's `subscription_mrr`, the definition the accounts' current_mrr shares. See METRIC_DEFINITIONS.mrr.
 */
const mrrSum = (currency: string) => sql`sum(${subscriptionMrr()}) filter (where currency = ${currency})`;

/** Statuses that hold a plan now (in force), for the plan distribution and the canceling count. */
const CURRENT_STATUSES = sqlStatuses(IN_FORCE);

interface SubscriptionAggregate {
  mrr: string | null;
  paying_customers: number | string;
  paying_organizations: number | string;
  active: number | string;
  trialing: number | string;
  past_due: number | string;
  canceling: number | string;
  new_30d: number | string;
  churned_30d: number | string;
  alive_at_start: number | string;
  trials_ended: number | string;
  trials_converted: number | string;
  plans: Array<{ plan: string; count: number }> | string | null;
}

interface InvoiceAggregate {
  failed_30d: number | string;
  due_30d: number | string;
  months: Array<{ month: string; amount: number | string }> | string | null;
}

const json = <T>(value: T | string | null): T | null => (typeof value === "string" ? (JSON.parse(value) as T) : value);

/** The admin overview's figures, from one aggregate over subscriptions and one over invoices. */
export async function computeAdminMetrics(db: Queryable, now = new Date()): Promise<AdminMetrics> {
  const windowStartDate = subDays(now, METRICS_WINDOW_DAYS);
  const firstMonthDate = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (REVENUE_MONTHS - 1), 1));
  // Raw SQL parameters: timestamps go as ISO strings (postgres.js does not serialise Dates here).
  const windowStart = timestamp(windowStartDate);
  const firstMonth = timestamp(firstMonthDate);
  const end = timestamp(now);
  const currency = REPORTING_CURRENCY;
  const w = windowConditions;

  // The two aggregates are independent: run them side by side (two pooled connections).
  const [[subs], [inv]] = await Promise.all([
    selectRows<SubscriptionAggregate>(
      db,
      sql`select
      ${mrrSum(currency)} as mrr,
      count(distinct account_id) filter (where status in ${MRR_STATUSES} and unit_amount > 0 and currency = ${currency}) as paying_customers,
      count(distinct account_id) filter (where status in ${MRR_STATUSES} and unit_amount > 0 and currency = ${currency}
        and account_id in (select id from accounts where kind = 'organization')) as paying_organizations,
      count(*) filter (where status = ${sqlStatus(SUBSCRIPTION_STATUS.active)}) as active,
      count(*) filter (where status = ${sqlStatus(SUBSCRIPTION_STATUS.trialing)}) as trialing,
      count(*) filter (where status = ${sqlStatus(SUBSCRIPTION_STATUS.past_due)}) as past_due,
      count(*) filter (where cancel_at_period_end and status in ${CURRENT_STATUSES}) as canceling,
      count(*) filter (where unit_amount is not null and status not in ${NEVER_STARTED_STATUSES}
        and created_at >= ${windowStart} and created_at < ${end}) as new_30d,
      count(*) filter (where ${w.churned(windowStart, end)}) as churned_30d,
      count(*) filter (where ${w.aliveAt(windowStart)}) as alive_at_start,
      count(*) filter (where trial_start is not null and trial_end >= ${windowStart} and trial_end < ${end}) as trials_ended,
      count(*) filter (where trial_start is not null and trial_end >= ${windowStart} and trial_end < ${end}
        and status in ${MRR_STATUSES}) as trials_converted,
      (select json_agg(json_build_object('plan', plan_id, 'count', n) order by n desc, plan_id)
         from (select plan_id, count(*)::int as n from subscriptions
                where status in ${CURRENT_STATUSES} and provider <> ${ADMIN_GRANT_PROVIDER} group by plan_id) p) as plans
    from subscriptions
    where provider <> ${ADMIN_GRANT_PROVIDER}`,
    ),
    selectRows<InvoiceAggregate>(
      db,
      sql`select
      (select count(*) from invoices where ${w.failedPayment(windowStart, end)}) as failed_30d,
      (select count(*) from invoices where ${w.paymentDue(windowStart, end)}) as due_30d,
      (select json_agg(json_build_object('month', month, 'amount', amount) order by month)
         from (select to_char(date_trunc('month', coalesce(paid_at, provider_created_at) at time zone 'UTC'), 'YYYY-MM') as month,
                      sum(amount_paid - amount_refunded) as amount
                 from invoices
                where status = 'paid' and currency = ${currency}
                  and coalesce(paid_at, provider_created_at) >= ${firstMonth}
                  and coalesce(paid_at, provider_created_at) < ${end}
                group by 1) m) as months`,
    ),
  ]);

  const n = (v: number | string | null | undefined) => Number(v ?? 0);
  const mrr = Math.round(Number(subs?.mrr ?? 0));
  const payingCustomers = n(subs?.paying_customers);
  const churned = n(subs?.churned_30d);
  const churnRate30d = rate(churned, n(subs?.alive_at_start)) ?? 0;
  const arpu = payingCustomers > 0 ? Math.round(mrr / payingCustomers) : 0;
  const trialsEnded = n(subs?.trials_ended);

  return {
    currency,
    mrr,
    arr: mrr * 12,
    arpu,
    ltv: lifetimeValue(arpu, churnRate30d),
    activeSubscriptions: n(subs?.active),
    trialingSubscriptions: n(subs?.trialing),
    pastDueSubscriptions: n(subs?.past_due),
    cancelingSubscriptions: n(subs?.canceling),
    payingCustomers,
    payingOrganizations: n(subs?.paying_organizations),
    newSubscriptions30d: n(subs?.new_30d),
    churnedSubscriptions30d: churned,
    churnRate30d,
    trialConversion: rate(n(subs?.trials_converted), trialsEnded),
    failedPayments30d: n(inv?.failed_30d),
    invoicesDue30d: n(inv?.due_30d),
    failedPaymentRate30d: rate(n(inv?.failed_30d), n(inv?.due_30d)),
    revenueByMonth: fillMonths(
      json(inv?.months ?? null)?.map((m) => ({ month: m.month, amount: Number(m.amount) })) ?? [],
      firstMonthDate,
      REVENUE_MONTHS,
    ),
    planDistribution: json(subs?.plans ?? null) ?? [],
  };
}

const timestamp = (date: Date) => sql`${date.toISOString()}::timestamptz`;

/** part ÷ whole, or null when the whole is zero. */
export function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** LTV = ARPU ÷ monthly churn; null when nothing churned (an unbounded lifetime is not a number). */
export function lifetimeValue(arpu: number, monthlyChurnRate: number): number | null {
  return monthlyChurnRate > 0 ? Math.round(arpu / monthlyChurnRate) : null;
}

/** Every month of the range, in order, with 0 for months without revenue. */
export function fillMonths(
  rows: Array<{ month: string; amount: number }>,
  first: Date,
  count: number,
): Array<{ month: string; amount: number }> {
  const byMonth = new Map(rows.map((r) => [r.month, r.amount]));
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + i, 1));
    const month = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
    return { month, amount: byMonth.get(month) ?? 0 };
  });
}

/** The windowed figures the revenue alerts watch, over any number of days, by the overview's definitions. */
export interface WindowRates {
  windowDays: number;
  /** Minor units of REPORTING_CURRENCY per month, now. */
  mrr: number;
  churned: number;
  aliveAtStart: number;
  /** churned ÷ aliveAtStart; null when nothing was alive at the start. */
  churnRate: number | null;
  failedPayments: number;
  invoicesDue: number;
  /** failedPayments ÷ invoicesDue; null when no invoice asked for payment. */
  failedPaymentRate: number | null;
}

/** MRR now, and churn and failed payments over the `windowDays` before `now`, in one query. */
export async function computeWindowRates(db: Queryable, now: Date, windowDays: number): Promise<WindowRates> {
  const start = timestamp(subDays(now, windowDays));
  const end = timestamp(now);
  const w = windowConditions;
  const [row] = await selectRows<{
    mrr: string | null;
    churned: number | string;
    alive: number | string;
    failed: number | string;
    due: number | string;
  }>(
    db,
    sql`select s.mrr, s.churned, s.alive, i.failed, i.due
      from (select ${mrrSum(REPORTING_CURRENCY)} as mrr,
                   count(*) filter (where ${w.churned(start, end)}) as churned,
                   count(*) filter (where ${w.aliveAt(start)}) as alive
              from subscriptions where provider <> ${ADMIN_GRANT_PROVIDER}) s,
           (select count(*) filter (where ${w.failedPayment(start, end)}) as failed,
                   count(*) filter (where ${w.paymentDue(start, end)}) as due
              from invoices where provider_created_at >= ${start} and provider_created_at < ${end}) i`,
  );
  const churned = Number(row?.churned ?? 0);
  const aliveAtStart = Number(row?.alive ?? 0);
  const failedPayments = Number(row?.failed ?? 0);
  const invoicesDue = Number(row?.due ?? 0);
  return {
    windowDays,
    mrr: Math.round(Number(row?.mrr ?? 0)),
    churned,
    aliveAtStart,
    churnRate: rate(churned, aliveAtStart),
    failedPayments,
    invoicesDue,
    failedPaymentRate: rate(failedPayments, invoicesDue),
  };
}
