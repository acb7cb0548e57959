import "server-only";
import { badRequest } from "@/lib/errors";
import type { MeterId } from "../plans";
import type { MeterContext } from "./context";

/** What every metering call answers: the HTTP API returns these fields as they are. */
export interface UsageResult {
  allowed: boolean;
  meter: MeterId;
  used: number;
  /** Null = unlimited. */
  limit: number | null;
  /** Null = unlimited; never negative. */
  remaining: number | null;
  /** When the period ends and the counter starts again from zero (ISO 8601). */
  resetsAt: string;
  plan: { id: string; name: string };
  /** True when this replays the first answer to an earlier call with the same idempotency key. */
  duplicate?: boolean;
  /** True when the database was unreachable and the meter fails open: nothing was recorded. */
  degraded?: boolean;
  /** Units of this call paid from prepaid credits (lib/billing/credits), when any were drawn. */
  creditsDrawn?: number;
  /** The meter's prepaid credit balance after this call, on meters that sell credits. */
  creditBalance?: number;
}

/** The largest quantity one call may record (keeps sums far from bigint overflow). */
export const MAX_QUANTITY = 1_000_000_000;

export function assertQuantity(quantity: number, field = "quantity", { allowZero = false } = {}): void {
  if (!Number.isSafeInteger(quantity) || quantity < (allowZero ? 0 : 1) || quantity > MAX_QUANTITY) {
    throw badRequest(`${field} must be a${allowZero ? " non-negative" : " positive"} whole number up to ${MAX_QUANTITY}.`, { field });
  }
}

/** Raw numeric columns arrive as numbers, strings or bigints depending on the driver. */
export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
export const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function usageResult(ctx: MeterContext, allowed: boolean, used: number, reserved = 0, extra: Partial<UsageResult> = {}): UsageResult {
  return {
    allowed,
    meter: ctx.meter,
    used,
    limit: ctx.limit,
    remaining: ctx.limit === null ? null : Math.max(0, ctx.limit - used - reserved),
    resetsAt: ctx.period.end.toISOString(),
    plan: ctx.plan,
    ...extra,
  };
}
