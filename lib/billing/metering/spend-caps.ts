import "server-only";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { accountIdInput } from "@/lib/accounts/access";
import { getDb, selectPreparedText, type Queryable } from "@/db/client";
import { auditLog, spendCaps } from "@/db/schema";
import { AppError, notFound } from "@/lib/errors";
import { pgErrorCode } from "./errors";
import { METERS, METER_IDS, PLANS, type MeterDefinition, type MeterId } from "../plans";
import { currentEntitlement, meterContext, type MeterContext } from "./context";
import { readWindowUsage } from "./usage-reads";
import { num, type SpendCapState, type UsageResult } from "./result";

/**
 * Spend caps: an account's monthly ceiling on billed overage (`bill` meters, whose use past the
 * plan's included amount is invoiced through Stripe). The overage a meter's counter would bill in
 * the current usage period (units past the limit × the metered price) may not pass the cap: the
 * consume statement reads the cap and checks it on the latest counter under the counter's row lock
 * (lib/billing/metering/consume.ts), so parallel callers and batches never bill past it, and an
 * owner's or admin's change applies on the next call. Refused calls answer 402 `spend_cap_reached`
 * with `{ cap, spent, currency, resetsAt }`; owners and admins are warned at 80 % and 100 % of the
 * cap, once per period (the usage-alert machinery: lib/billing/metering/alerts.ts). Each billed
 * meter is checked on its own counter (the catalog has one billed meter today).
 */

export const SPEND_CAP_ALERT_THRESHOLDS: readonly number[] = [80, 100];

/** The largest cap accepted: $10,000,000 in minor units. */
export const MAX_SPEND_CAP_CENTS = 1_000_000_000;

/** The meters a spend cap bounds: those that bill their overage. */
export const BILLED_METER_IDS: MeterId[] = METER_IDS.filter((meter) => (METERS[meter] as MeterDefinition).overage === "bill");

export async function readSpendCap(db: Queryable, accountId: string): Promise<{ capCents: number; currency: string } | null> {
  const [row] = await selectPreparedText<{ cap_cents: unknown; currency: string }>(
    db,
    "spend_cap_read",
    `select cap_cents, currency from spend_caps where account_id = $1::uuid`,
    [accountId],
  );
  return row ? { capCents: num(row.cap_cents), currency: row.currency } : null;
}

/** What the overage costs with the counter at `used`, in minor units (fractions kept: the guard compares them exactly). */
export function overageCost(ctx: MeterContext, used: number): number {
  if (!ctx.overagePrice || ctx.limit === null) return 0;
  return Math.max(0, used - ctx.limit) * Number(ctx.overagePrice.unitAmountDecimal);
}

export function spendCapState(ctx: MeterContext, capCents: number, used: number): SpendCapState {
  return {
    cap: capCents,
    spent: Math.round(overageCost(ctx, used)),
    currency: ctx.overagePrice?.currency ?? PLANS[0].currency,
    resetsAt: ctx.period.end.toISOString(),
  };
}

/** The 402 for a call the spend cap refused. */
export function spendCapReached(result: UsageResult): AppError {
  const state = result.spendCap!;
  const money = (cents: number) =>
    new Intl.NumberFormat("en-US", { style: "currency", currency: state.currency.toUpperCase() }).format(cents / 100);
  return new AppError(
    "spend_cap_reached",
    `This account's spend cap of ${money(state.cap)} on billed ${METERS[result.meter].unit} this month is reached (${money(state.spent)} so far). Raise or clear the cap on the billing page, or wait until it resets.`,
    { meter: result.meter, cap: state.cap, spent: state.spent, currency: state.currency, resetsAt: state.resetsAt },
  );
}

export interface SpendCapView {
  accountId: string;
  /** Null = no cap. */
  capCents: number | null;
  currency: string;
  /** The overage billed so far this period, per billed meter, and in total (minor units). */
  spentCents: number;
  meters: Array<{ meter: MeterId; label: string; spentCents: number; resetsAt: string }>;
  /** Whether the account has a subscription that bills overage now (without one the cap has nothing to bound). */
  billsOverage: boolean;
  updatedAt: string | null;
}

/** The account's cap and the overage it bounds this period (billing page, admin console, API). */
export async function getSpendCap(accountId: string, now = new Date()): Promise<SpendCapView> {
  const db = await getDb();
  const [{ entitlement }, [row]] = await Promise.all([
    currentEntitlement(db, accountId),
    db.select().from(spendCaps).where(eq(spendCaps.accountId, accountId)),
  ]);
  const usage = (await readWindowUsage(db, [{ accountId, entitlement }], now)).get(accountId);
  const meters = BILLED_METER_IDS.map((meter) => {
    const ctx = meterContext(entitlement, accountId, meter, now);
    return {
      meter,
      label: METERS[meter].label,
      spentCents: Math.round(overageCost(ctx, usage?.[meter].used ?? 0)),
      resetsAt: ctx.period.end.toISOString(),
      bills: ctx.overage === "bill",
    };
  });
  return {
    accountId,
    capCents: row ? row.capCents : null,
    currency: row?.currency ?? entitlement.plan.currency,
    spentCents: meters.reduce((sum, m) => sum + m.spentCents, 0),
    meters: meters.map(({ bills: _bills, ...m }) => m),
    billsOverage: meters.some((m) => m.bills),
    updatedAt: row ? row.updatedAt.toISOString() : null,
  };
}

/** Sets (or with null clears) the account's cap; `actorUserId` is the owner or admin who did. */
export async function setSpendCap(
  accountId: string,
  capCents: number | null,
  actorUserId: string | null,
  now = new Date(),
): Promise<SpendCapView> {
  if (capCents !== null && (!Number.isSafeInteger(capCents) || capCents < 0 || capCents > MAX_SPEND_CAP_CENTS)) {
    throw new AppError("bad_request", `capCents must be a whole number of cents from 0 to ${MAX_SPEND_CAP_CENTS}, or null.`, {
      field: "capCents",
    });
  }
  const db = await getDb();
  await db
    .transaction(async (tx) => {
      if (capCents === null) {
        await tx.delete(spendCaps).where(eq(spendCaps.accountId, accountId));
      } else {
        await tx
          .insert(spendCaps)
          .values({ accountId, capCents, updatedBy: actorUserId, updatedAt: now })
          .onConflictDoUpdate({ target: spendCaps.accountId, set: { capCents, updatedBy: actorUserId, updatedAt: now } });
      }
      await tx.insert(auditLog).values({
        actorUserId,
        action: capCents === null ? "spend_cap.removed" : "spend_cap.set",
        targetType: "account",
        targetId: accountId,
        data: { capCents },
      });
    })
    .catch((error: unknown) => {
      if (pgErrorCode(error) === "23503") throw notFound("No customer with that id.");
      throw error;
    });
  return getSpendCap(accountId, now);
}

const capCents = z
  .number({ message: "must be a whole number of cents, or null" })
  .int("must be a whole number of cents")
  .min(0, "must not be negative")
  .max(MAX_SPEND_CAP_CENTS, `must be at most ${MAX_SPEND_CAP_CENTS}`)
  .nullable();

/** `POST /api/billing/spend-cap`: `{ capCents: number | null, accountId? }` (null clears the cap). */
export const spendCapInput = z.strictObject({ accountId: accountIdInput, capCents });

/** `POST /api/billing/admin/users/:id/spend-cap`: `{ capCents: number | null }`. */
export const adminSpendCapInput = z.strictObject({ capCents });

export const spendCapQuery = z.strictObject({ accountId: accountIdInput });
