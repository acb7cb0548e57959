/**
 * Usage metering: per user, meter and billing period, checked and recorded atomically. No HTTP in
 * here; routes use lib/billing/metering/http.ts (withQuota, requireFeature).
 */
import "server-only";
export { consume, check, refund, type ConsumeOptions } from "./consume";
export { reserve, finalize, release, DEFAULT_RESERVATION_SECONDS, type Reservation } from "./reservations";
export { consumeBatch, MAX_BATCH_EVENTS, type UsageEventInput, type BatchItemResult } from "./batch";
export { getQuota, getUsageHistory, MAX_HISTORY_DAYS, type QuotaSummary, type MeterQuota, type UsageHistory } from "./usage-reads";
export { MAX_QUANTITY, type UsageResult } from "./result";
export { calendarMonth, usagePeriod, type UsagePeriod } from "./periods";
