import "server-only";
import { badRequest } from "@/lib/errors";
import type { MeterId } from "../plans";
import type { WindowKind } from "../plans";
import type { MeterContext } from "./context";
import type { WindowUsage } from "./windows";

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
  /**
   * Every window the plan caps, the billing period first (its fields are the top-level ones), on
   * meters with shorter windows (lib/billing/metering/windows.ts).
   */
  windows?: WindowUsage[];
  /** Why a refused call was refused: the window that had no room, or the account's spend cap. */
  refusedBy?: "period" | WindowKind | "spend_cap";
  /** The account's monthly cap on billed overage, on `bill` meters of accounts that set one. */
  spendCap?: SpendCapState;
}

/** A spend cap as answers report it: all amounts in minor units of `currency`. */
export interface SpendCapState {
  cap: number;
  /** The overage that would be billed for this period so far. */
  spent: number;
  currency: string;
  resetsAt: string;
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

/** What a counter holds in the current day and hour (its `day_used`/`hour_used` as the current windows see them). */
export type WindowCounts = Partial<Record<WindowKind, number>>;

export function usageResult(
  ctx: MeterContext,
  allowed: boolean,
  used: number,
  reserved = 0,
  extra: Partial<UsageResult> = {},
  windowCounts: WindowCounts = {},
): UsageResult {
  const remaining = ctx.limit === null ? null : Math.max(0, ctx.limit - used - reserved);
  const resetsAt = ctx.period.end.toISOString();
  return {
    allowed,
    meter: ctx.meter,
    used,
    limit: ctx.limit,
    remaining,
    resetsAt,
    plan: ctx.plan,
    ...(ctx.windows.length > 0 ? { windows: windowsOf(ctx, { used, remaining, resetsAt }, windowCounts) } : {}),
    ...extra,
  };
}

/** The period window, then each capped shorter window with what it holds. */
export function windowsOf(
  ctx: MeterContext,
  period: { used: number; remaining: number | null; resetsAt: string },
  counts: WindowCounts,
): WindowUsage[] {
  return [
    { window: "period", used: period.used, limit: ctx.limit, remaining: period.remaining, resetsAt: period.resetsAt },
    ...ctx.windows.map((w): WindowUsage => {
      const used = counts[w.window] ?? 0;
      return { window: w.window, used, limit: w.limit, remaining: Math.max(0, w.limit - used), resetsAt: w.end.toISOString() };
    }),
  ];
}

/** A counter row's window columns, as statements return them (reads add what expired, unswept reservations still hold in them). */
export interface WindowColumns {
  day_used?: unknown;
  day_start?: unknown;
  hour_used?: unknown;
  hour_start?: unknown;
  expired_day?: unknown;
  expired_hour?: unknown;
}

/**
 * The window counts a counter row returned, for the context's current windows: the row's count less
 * what expired reservations still hold in it while the row's window is the current one, else
 * `otherwise` (a row moved by a later call counts nothing here; a read passes what it carried over).
 */
export function windowCountsOf(ctx: MeterContext, row: WindowColumns | undefined, otherwise: WindowCounts = {}): WindowCounts {
  const at = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string).toISOString());
  const count = (kind: WindowKind, clockStart: string) =>
    (at(row?.[`${kind}_start`]) ?? "") >= clockStart
      ? Math.max(0, num(row?.[`${kind}_used`]) - num(row?.[`expired_${kind}`]))
      : (otherwise[kind] ?? 0);
  return { day: count("day", ctx.clock.dayStart), hour: count("hour", ctx.clock.hourStart) };
}
