import { format } from "date-fns";

/**
 * Pure display helpers shared by server and client components. Money arrives as integer minor
 * units plus a currency (Stripe's convention); nothing here does arithmetic on floats beyond the
 * final division for display.
 */

/** The UI is English; a fixed locale keeps server and browser output identical (no hydration drift). */
export const DISPLAY_LOCALE = "en-US";

/** Stripe's zero-decimal currencies: the amount is already in whole units. */
const ZERO_DECIMAL = new Set([
  "bif",
  "clp",
  "djf",
  "gnf",
  "jpy",
  "kmf",
  "krw",
  "mga",
  "pyg",
  "rwf",
  "ugx",
  "vnd",
  "vuv",
  "xaf",
  "xof",
  "xpf",
]);
/** Stripe's three-decimal currencies. */
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

/**
 * How many decimal places Stripe's minor unit has for a currency. This follows Stripe, not ISO
 * 4217: ISK, HUF and TWD, for example, are sent to Stripe in hundredths.
 */
export function minorUnitDigits(currency: string): number {
  const code = currency.toLowerCase();
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

/** Minor units → major units (1900 usd → 19). */
export function toMajorUnits(amount: number, currency: string): number {
  return amount / 10 ** minorUnitDigits(currency);
}

export interface FormatMoneyOptions {
  /** Drop the fraction when it is zero: `$19` instead of `$19.00` (for price tags, not invoices). */
  trimZeros?: boolean;
  locale?: string;
}

/** `formatMoney(1900, "usd")` → `$19.00`; `formatMoney(-250, "usd")` → `-$2.50`; `formatMoney(500, "jpy")` → `¥500`. */
export function formatMoney(amount: number, currency: string, options: FormatMoneyOptions = {}): string {
  if (!Number.isFinite(amount)) throw new RangeError(`Invalid amount: ${amount}`);
  const value = toMajorUnits(amount, currency);
  const base = { style: "currency", currency: currency.toUpperCase() } as const;
  const whole = Number.isInteger(value);
  const formatter = new Intl.NumberFormat(
    options.locale ?? DISPLAY_LOCALE,
    options.trimZeros && whole ? { ...base, minimumFractionDigits: 0, maximumFractionDigits: 0 } : base,
  );
  return formatter.format(value);
}

/** `June 3, 2026`: the format used everywhere a billing date is shown. */
export function formatDate(value: string | Date): string {
  return format(typeof value === "string" ? new Date(value) : value, "MMMM d, yyyy");
}

/** `Jun 3, 2026`: for tables. */
export function formatShortDate(value: string | Date): string {
  return format(typeof value === "string" ? new Date(value) : value, "MMM d, yyyy");
}

/**
 * A quota for display: null is unlimited; `50000, "calls"` → `50,000 calls`; a per-seat plan limit
 * `{ perSeat: 1000 }, "jobs"` → `1,000 jobs per seat`.
 */
export function formatLimit(limit: number | null | { perSeat: number }, unit?: string): string {
  if (limit === null) return "Unlimited";
  if (typeof limit === "object") return `${formatLimit(limit.perSeat, unit)} per seat`;
  const n = new Intl.NumberFormat(DISPLAY_LOCALE).format(limit);
  return unit ? `${n} ${unit}` : n;
}

export interface YearlySavings {
  /** Minor units saved per year compared with twelve monthly payments (0 when there is no saving). */
  amount: number;
  /** Whole months the yearly price gives free, when the saving is a whole number of months. */
  monthsFree: number | null;
  /** The saving as a whole percentage of twelve monthly payments. */
  percent: number;
}

/** What paying yearly saves: 1900/month vs 19000/year → 3800 saved, 2 months free, 17%. */
export function yearlySavings(monthly: number, yearly: number): YearlySavings {
  const twelve = monthly * 12;
  const amount = Math.max(0, twelve - yearly);
  if (amount === 0 || monthly <= 0) return { amount: 0, monthsFree: null, percent: 0 };
  const months = amount / monthly;
  return {
    amount,
    monthsFree: Number.isInteger(months) ? months : null,
    percent: Math.round((amount / twelve) * 100),
  };
}

/** A short human label for a saving: "2 months free", "Save 15%", or null when there is none. */
export function savingsLabel(savings: YearlySavings): string | null {
  if (savings.amount <= 0) return null;
  if (savings.monthsFree !== null) return savings.monthsFree === 1 ? "1 month free" : `${savings.monthsFree} months free`;
  return `Save ${savings.percent}%`;
}

const SUBSCRIPTION_STATUS_LABELS: Record<string, string> = {
  free: "Free",
  trialing: "Trialing",
  active: "Active",
  past_due: "Past due",
  unpaid: "Unpaid",
  canceled: "Canceled",
  incomplete: "Incomplete",
  incomplete_expired: "Expired",
  paused: "Paused",
  /** Not a Stripe status: a live subscription set to end at its period end (the admin filter's word too). */
  canceling: "Canceling",
};

/** Stripe's subscription status (or "free") → the badge text. Unknown statuses are shown, not hidden. */
export function subscriptionStatusLabel(status: string): string {
  return SUBSCRIPTION_STATUS_LABELS[status] ?? humanize(status);
}

const INVOICE_STATUS_LABELS: Record<string, string> = {
  draft: "Draft",
  open: "Open",
  paid: "Paid",
  uncollectible: "Uncollectible",
  void: "Void",
};

export function invoiceStatusLabel(status: string): string {
  return INVOICE_STATUS_LABELS[status] ?? humanize(status);
}

/** "month" → "Monthly", "year" → "Yearly". */
export function intervalLabel(interval: "month" | "year"): string {
  return interval === "month" ? "Monthly" : "Yearly";
}

function humanize(value: string): string {
  const text = value.replace(/_/g, " ").trim();
  return text ? text[0].toUpperCase() + text.slice(1) : "Unknown";
}

/** A fraction as a percentage: 0.125 → "12.5%"; null → "—". */
export function formatPercent(value: number | null, maximumFractionDigits = 1): string {
  if (value === null || !Number.isFinite(value)) return "—";
  return new Intl.NumberFormat(DISPLAY_LOCALE, { style: "percent", maximumFractionDigits }).format(value);
}

/** A calendar month `2027-03` → `Mar 2027` (the month itself, not shifted by any time zone). */
export function formatMonth(month: string, locale = DISPLAY_LOCALE): string {
  const [year, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(locale, { month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(year, m - 1, 1)));
}

/** Used as a share of the limit (0.42 = 42 %); null when the limit is unlimited. */
export function usageShare(used: number, limit: number | null): number | null {
  if (limit === null) return null;
  if (limit <= 0) return used > 0 ? 1 : 0;
  return used / limit;
}
