import "server-only";
import { env as serverEnv } from "@/env";
import { addDays } from "date-fns";
import { eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { exactTimestamp } from "@/db/exact-timestamp";
import { customerLimitOverrides, subscriptions as subscriptionsTable, type Subscription } from "@/db/schema";
import type { PlanConstants } from "./plan-constants";
import {
  FREE_PLAN_ID,
  METERS,
  findPlan,
  getPlan,
  planLevelLimitsFor,
  planLimitsFor,
  planWindowLimitsFor,
  type FeatureId,
  type GaugeId,
  type MeterId,
  type Plan,
  type WindowKind,
} from "./plans";
import { SUBSCRIPTION_STATUS } from "./subscription-status";

export function gracePeriodDays(env: Record<string, string | undefined> = serverEnv): number {
  const days = Number(env.BILLING_GRACE_PERIOD_DAYS ?? 3);
  return Number.isFinite(days) && days >= 0 ? days : 3;
}

export type EntitlementSource = "subscription" | "grace_period" | "free";

export interface Entitlement {
  plan: Plan;
  source: EntitlementSource;
  /** The subscription that grants the plan; null on the free plan. */
  subscription: Subscription | null;
  /** When a past-due subscription stops granting its plan. */
  gracePeriodEndsAt: Date | null;
  features: Record<FeatureId, boolean>;
  /**
   * The effective limit per meter: the plan's (a per-seat limit times the granting subscription's
   * quantity), replaced by any per-customer override.
   */
  limits: Record<MeterId, number | null>;
  /** The plan's caps on shorter windows (a UTC day, a UTC clock hour) per meter; absent = uncapped. */
  windowLimits: Record<MeterId, Partial<Record<WindowKind, number>>>;
  /** The meters whose limit comes from a per-customer override rather than the plan. */
  overriddenMeters: MeterId[];
  /** The most each gauge may hold: the plan's (per-seat maxima times the seats). */
  levelLimits: Record<GaugeId, number | null>;
  /** The plan's constants (lib/billing/plan-constants.ts). */
  constants: PlanConstants;
}

/** A per-customer limit for one meter; `limit` null is unlimited. */
export interface LimitOverride {
  meter: string;
  limit: number | null;
}

type Grant = { plan: Plan; subscription: Subscription; source: EntitlementSource; graceEndsAt: Date | null };

/** When a past_due subscription loses its plan: BILLING_GRACE_PERIOD_DAYS after it fell past due. */
export function gracePeriodEnd(subscription: Pick<Subscription, "status" | "pastDueSince">, graceDays = gracePeriodDays()): Date | null {
  if (subscription.status !== SUBSCRIPTION_STATUS.past_due || !subscription.pastDueSince) return null;
  return addDays(subscription.pastDueSince, graceDays);
}

function grantOf(subscription: Subscription, now: Date, graceDays: number): Grant | null {
  const plan = findPlan(subscription.planId);
  if (!plan) return null;
  switch (subscription.status) {
    case SUBSCRIPTION_STATUS.active:
    case SUBSCRIPTION_STATUS.trialing:
      return { plan, subscription, source: "subscription", graceEndsAt: null };
    case SUBSCRIPTION_STATUS.past_due: {
      const graceEndsAt = gracePeriodEnd(subscription, graceDays);
      return graceEndsAt && now < graceEndsAt ? { plan, subscription, source: "grace_period", graceEndsAt } : null;
    }
    // incomplete, incomplete_expired, unpaid, paused, canceled: nothing is granted.
    default:
      return null;
  }
}

/**
 * The plan in force for a user, from their subscription rows: the highest-ranked plan among
 * active/trialing subscriptions and past-due ones still inside the grace period; free otherwise.
 */
export function resolveEntitlement(
  subscriptions: Subscription[],
  now = new Date(),
  graceDays = gracePeriodDays(),
  overrides: LimitOverride[] = [],
): Entitlement {
  const grants = subscriptions
    .map((s) => grantOf(s, now, graceDays))
    .filter((g): g is Grant => g !== null)
    .sort((a, b) => b.plan.rank - a.plan.rank);
  const best = grants[0];
  const plan = best?.plan ?? getPlan(FREE_PLAN_ID);
  return {
    plan,
    source: best?.source ?? "free",
    subscription: best?.subscription ?? null,
    gracePeriodEndsAt: best?.graceEndsAt ?? null,
    features: { ...plan.features },
    constants: { ...plan.constants },
    levelLimits: planLevelLimitsFor(plan, best?.subscription.quantity ?? 1),
    windowLimits: planWindowLimitsFor(plan, best?.subscription.quantity ?? 1),
    // Per-seat limits scale with the seats the subscription is billed for (its item quantity).
    ...applyLimitOverrides(planLimitsFor(plan, best?.subscription.quantity ?? 1), overrides),
  };
}

const isMeter = (meter: string): meter is MeterId => Object.hasOwn(METERS, meter);

/** The plan's limits with per-customer overrides applied; overrides for meters outside the catalog are ignored. */
export function applyLimitOverrides(
  planLimits: Record<MeterId, number | null>,
  overrides: LimitOverride[],
): { limits: Record<MeterId, number | null>; overriddenMeters: MeterId[] } {
  const limits = { ...planLimits };
  const overriddenMeters: MeterId[] = [];
  for (const override of overrides) {
    if (!isMeter(override.meter)) continue;
    limits[override.meter] = override.limit;
    overriddenMeters.push(override.meter);
  }
  return { limits, overriddenMeters };
}

/**
 * A customer's per-meter limit overrides (set by admins), each with its `updated_at` exactly as
 * stored (the metering cache guard compares it in the database).
 */
export async function readLimitOverrides(db: Queryable, accountId: string): Promise<Array<LimitOverride & { exactUpdate: string }>> {
  return db
    .select({
      meter: customerLimitOverrides.meter,
      limit: customerLimitOverrides.limit,
      exactUpdate: exactTimestamp(customerLimitOverrides.updatedAt),
    })
    .from(customerLimitOverrides)
    .where(eq(customerLimitOverrides.accountId, accountId));
}

/**
 * What a user may do right now: plan, features and effective limits (per-customer overrides
 * applied). The one read metering and every other caller should use for limits.
 */
export async function getEntitlement(db: Queryable, accountId: string, now = new Date()): Promise<Entitlement> {
  const rows = await db.select().from(subscriptionsTable).where(eq(subscriptionsTable.accountId, accountId));
  const overrides = await readLimitOverrides(db, accountId);
  return resolveEntitlement(rows, now, gracePeriodDays(), overrides);
}
