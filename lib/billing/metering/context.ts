import type { Queryable } from "@/db/client";
import { resolveEntitlement, type Entitlement } from "../entitlements";
import { meterDefinition, type MeterId, type OveragePolicy } from "../plans";
import { userSubscriptions } from "../summary";
import { usagePeriod, type UsagePeriod } from "./periods";

/** Everything a metering statement needs to know about one user and meter at one moment. */
export interface MeterContext {
  userId: string;
  meter: MeterId;
  plan: { id: string; name: string };
  /** Null = unlimited. Read from the entitlement, so per-customer overrides apply. */
  limit: number | null;
  period: UsagePeriod;
  /** `bill` only when the meter bills overage AND the user has a Stripe subscription to bill it on. */
  overage: OveragePolicy;
}

export function meterContext(entitlement: Entitlement, userId: string, meter: MeterId, now: Date): MeterContext {
  const limit = entitlement.limits[meter] ?? null;
  const billable = meterDefinition(meter).overage === "bill" && entitlement.subscription?.provider === "stripe" && limit !== null;
  return {
    userId,
    meter,
    plan: { id: entitlement.plan.id, name: entitlement.plan.name },
    limit,
    period: usagePeriod(entitlement.subscription, now),
    overage: billable ? "bill" : "block",
  };
}

/** The user's entitlement (plan, limits, grace period) from their stored subscriptions. */
export async function loadEntitlement(db: Queryable, userId: string, now: Date): Promise<Entitlement> {
  return resolveEntitlement(await userSubscriptions(db, userId), now);
}

export async function loadMeterContext(db: Queryable, userId: string, meter: MeterId, now: Date): Promise<MeterContext> {
  return meterContext(await loadEntitlement(db, userId, now), userId, meter, now);
}
