import "server-only";
import { getDb } from "@/db/client";
import type { Entitlement } from "./entitlements";
import { currentEntitlement, meterContext } from "./metering/context";
import type { ConstantId, PlanConstants } from "./plan-constants";
import { GAUGE_IDS, METER_IDS, type FeatureId, type GaugeId, type MeterId, type WindowKind } from "./plans";
import { SUBSCRIPTION_STATUS, type InForceStatus } from "./subscription-status";

/** One limit window of a meter: the usage period, then each shorter window (a UTC day or clock hour) the plan caps. */
export interface LimitWindow {
  window: "period" | WindowKind;
  /** Null = unlimited. */
  limit: number | null;
  /** When this window's count starts again from zero. */
  resetsAt: string;
}

/** What another service of the product needs to decide what an account may do: the entitlements API's body. */
export interface EntitlementsView {
  accountId: string;
  plan: string;
  /**
   * Why the plan applies: `active` or `trialing` (its subscription), `past_due` (inside the grace
   * period), or `free` (no subscription grants anything).
   */
  status: InForceStatus | "free";
  features: Record<FeatureId, boolean>;
  limits: Record<MeterId, { limit: number | null; overage: "block" | "bill"; windows: LimitWindow[] }>;
  /** The most each gauge (lib/billing/metering/levels.ts) may hold; null = unlimited. */
  levels: Record<GaugeId, { limit: number | null }>;
  constants: PlanConstants;
  /**
   * When this answer stops being true without anything else happening: the end of a grace period,
   * of a trial, or of a subscription set to cancel; null when it holds until something changes
   * (a webhook, an admin override). Callers that cache it must not keep it past this time.
   */
  expiresAt: string | null;
}

function statusOf(entitlement: Entitlement): EntitlementsView["status"] {
  if (entitlement.source === "free" || !entitlement.subscription) return "free";
  if (entitlement.source === "grace_period") return SUBSCRIPTION_STATUS.past_due;
  return entitlement.subscription.status === SUBSCRIPTION_STATUS.trialing ? SUBSCRIPTION_STATUS.trialing : SUBSCRIPTION_STATUS.active;
}

function expiresAtOf(entitlement: Entitlement): Date | null {
  const subscription = entitlement.subscription;
  if (entitlement.gracePeriodEndsAt) return entitlement.gracePeriodEndsAt;
  if (!subscription) return null;
  if (subscription.status === SUBSCRIPTION_STATUS.trialing && subscription.trialEnd) return subscription.trialEnd;
  if (subscription.cancelAtPeriodEnd && subscription.currentPeriodEnd) return subscription.currentPeriodEnd;
  return null;
}

/** The entitlements API's view of an entitlement at `now`. */
export function entitlementsView(accountId: string, entitlement: Entitlement, now: Date): EntitlementsView {
  const limits = Object.fromEntries(
    METER_IDS.map((meter) => {
      const ctx = meterContext(entitlement, accountId, meter, now);
      const windows: LimitWindow[] = [
        { window: "period", limit: ctx.limit, resetsAt: ctx.period.end.toISOString() },
        ...ctx.windows.map((w) => ({ window: w.window, limit: w.limit, resetsAt: w.end.toISOString() })),
      ];
      return [meter, { limit: ctx.limit, overage: ctx.overage, windows }];
    }),
  ) as EntitlementsView["limits"];
  return {
    accountId,
    plan: entitlement.plan.id,
    status: statusOf(entitlement),
    features: { ...entitlement.features },
    limits,
    levels: Object.fromEntries(GAUGE_IDS.map((gauge) => [gauge, { limit: entitlement.levelLimits[gauge] }])) as EntitlementsView["levels"],
    constants: { ...entitlement.constants },
    expiresAt: expiresAtOf(entitlement)?.toISOString() ?? null,
  };
}

/**
 * An account's entitlements now, served from the per-process entitlement cache whenever one
 * indexed read shows it is still current (see `currentEntitlement`): cheap enough to call on every
 * request of another service.
 */
export async function getEntitlements(accountId: string, now = new Date()): Promise<EntitlementsView> {
  const entry = await currentEntitlement(await getDb(), accountId);
  return entitlementsView(accountId, entry.entitlement, now);
}

/** One plan constant for an account (for example `getConstant(accountId, "lookbackDays")`), from its plan in force. */
export async function getConstant<K extends ConstantId>(accountId: string, id: K): Promise<PlanConstants[K]> {
  const entry = await currentEntitlement(await getDb(), accountId);
  return entry.entitlement.constants[id];
}
